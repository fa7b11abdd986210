package netsim

import (
	"container/heap"
	"runtime"
	"sync"
	"time"
)

// Timers on small virtual machines fire late: a 250 µs sleep takes about
// 1 ms on the reference machine, which would quadruple the lan profile's
// delay. The clock therefore sleeps only until shortly before the earliest
// due time and yields the processor in a loop for the rest
// (runtime.Gosched, so that any runnable goroutine goes first). One clock
// goroutine serves every shaped conn, and it exits when nothing waits.

// timerSlack is how early before a due time the clock stops sleeping and
// starts yielding.
const timerSlack = 2 * time.Millisecond

type wakeup struct {
	at        time.Time
	ch        chan struct{}
	cancelled bool // guarded by clock.mu
}

type wakeups []*wakeup

func (h wakeups) Len() int           { return len(h) }
func (h wakeups) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h wakeups) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *wakeups) Push(x any)        { *h = append(*h, x.(*wakeup)) }
func (h *wakeups) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}

var clock struct {
	mu      sync.Mutex
	pending wakeups
	running bool
	nudge   chan struct{} // an earlier due time was added
}

// after returns a channel closed at time at (or soon after).
func after(at time.Time) <-chan struct{} { return schedule(at).ch }

func schedule(at time.Time) *wakeup {
	w := &wakeup{at: at, ch: make(chan struct{})}
	if !time.Now().Before(at) {
		close(w.ch)
		return w
	}
	clock.mu.Lock()
	defer clock.mu.Unlock()
	heap.Push(&clock.pending, w)
	if !clock.running {
		clock.running = true
		clock.nudge = make(chan struct{}, 1)
		go runClock(clock.nudge)
	} else if clock.pending[0] == w {
		nudgeLocked()
	}
	return w
}

func nudgeLocked() {
	select {
	case clock.nudge <- struct{}{}:
	default:
	}
}

// cancel drops w, so that the clock does not wait for it. A nil w is
// ignored.
func cancel(w *wakeup) {
	if w == nil {
		return
	}
	clock.mu.Lock()
	defer clock.mu.Unlock()
	w.cancelled = true
	if clock.running {
		nudgeLocked()
	}
}

// sleepUntil waits until at, or until stop is closed; it reports whether
// the time came.
func sleepUntil(at time.Time, stop <-chan struct{}) bool {
	w := schedule(at)
	select {
	case <-w.ch:
		return true
	case <-stop:
		cancel(w)
		return false
	}
}

func runClock(nudge chan struct{}) {
	for {
		clock.mu.Lock()
		now := time.Now()
		for len(clock.pending) > 0 && (clock.pending[0].cancelled || !now.Before(clock.pending[0].at)) {
			if w := heap.Pop(&clock.pending).(*wakeup); !w.cancelled {
				close(w.ch)
			}
		}
		if len(clock.pending) == 0 {
			clock.running = false
			clock.mu.Unlock()
			return
		}
		next := clock.pending[0].at
		clock.mu.Unlock()

		if d := next.Sub(now) - timerSlack; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-nudge:
				t.Stop()
			}
			continue
		}
		runtime.Gosched()
	}
}
