package hostile

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"restvsgrpc/internal/backpressure"
)

// Slack a server may keep after a probe: a few goroutines (timers, a
// connection being closed) and some heap the runtime has not returned.
const (
	GoroutineSlack = 5
	HeapSlack      = 32 << 20
)

// Baseline is the process's goroutine count and live heap, taken before a
// probe, with the servers under attack in the same process.
type Baseline struct {
	Goroutines int
	Heap       int64
}

// Measure takes a Baseline (collecting garbage first).
func Measure() Baseline {
	return Baseline{Goroutines: runtime.NumGoroutine(), Heap: backpressure.HeapAlloc()}
}

// Recovered waits, up to a minute, until the goroutines and live heap are
// back within GoroutineSlack and HeapSlack of b, then runs each check (a
// normal login, say). It returns what did not come back.
func (b Baseline) Recovered(checks ...func() error) error {
	deadline := time.Now().Add(time.Minute)
	var now Baseline
	for {
		now = Measure()
		if now.Goroutines <= b.Goroutines+GoroutineSlack && now.Heap <= b.Heap+HeapSlack {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after the probe: %d goroutines (%d before) and %d bytes of heap (%d before)", now.Goroutines, b.Goroutines, now.Heap, b.Heap)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var errs []error
	for _, c := range checks {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// WatchHeap samples the live heap every interval (collecting garbage
// first) until the returned stop is called, which returns the highest
// sample: what the process held at the peak of an attack.
func WatchHeap(interval time.Duration) (stop func() int64) {
	var (
		mu   sync.Mutex
		peak = backpressure.HeapAlloc()
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				h := backpressure.HeapAlloc()
				mu.Lock()
				peak = max(peak, h)
				mu.Unlock()
			}
		}
	})
	return func() int64 {
		close(done)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// InStacks reports whether any goroutine's stack names fn (such as
// "core.(*Service).ListTransactions"): whether a handler is still running.
func InStacks(fn string) bool { return CountStacks(fn) > 0 }

// CountStacks returns how many goroutines' stacks name fn: how many
// handlers are at a given point (waiting for send budget, say).
func CountStacks(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			count := 0
			for _, g := range strings.Split(string(buf[:n]), "\n\n") {
				if strings.Contains(g, fn) {
					count++
				}
			}
			return count
		}
		buf = make([]byte, 2*len(buf))
	}
}

// CPUTime returns the CPU (user and system) the process has used: with
// the servers in the same process, what a probe cost them, plus what the
// attacker spent itself.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
