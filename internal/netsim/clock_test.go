package netsim

import (
	"testing"
	"time"
)

// TestAfterNotEarly checks that wake-ups, added in any order, never come
// before their time (a lower bound only: late is allowed on a busy
// machine), and that past times fire at once.
func TestAfterNotEarly(t *testing.T) {
	t.Parallel()
	start := time.Now()
	offsets := []time.Duration{3 * time.Millisecond, 300 * time.Microsecond, 10 * time.Millisecond, time.Millisecond, -time.Millisecond}
	chans := make([]<-chan struct{}, len(offsets))
	for i, d := range offsets {
		chans[i] = after(start.Add(d))
	}
	for i, ch := range chans {
		<-ch
		if got := time.Since(start); got < offsets[i] {
			t.Errorf("wake-up %d due after %v came after %v", i, offsets[i], got)
		}
	}
	stop := make(chan struct{})
	close(stop)
	if sleepUntil(time.Now().Add(time.Hour), stop) {
		t.Error("sleepUntil reported the time came although stopped")
	}
}
