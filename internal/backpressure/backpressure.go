// Package backpressure helps tests check that a server holds back when
// its client stops reading a stream, instead of buffering without bound:
// wait until the server's progress stalls, then compare what it produced
// and how much its heap grew against bounds far below the stream's size.
package backpressure

import (
	"runtime"
	"time"
)

// Settle polls progress (a count that only grows, such as bytes written
// or messages sent) until it has not changed for quiet polls in a row,
// every interval, and returns its last value. It waits for the server to
// block; it asserts no timing. It gives up after limit and returns what it
// saw then (a server that never stalls is caught by the caller's bound).
func Settle(progress func() int64, interval time.Duration, quiet int, limit time.Duration) int64 {
	deadline := time.Now().Add(limit)
	last, still := progress(), 0
	for still < quiet && time.Now().Before(deadline) {
		time.Sleep(interval)
		if n := progress(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	return last
}

// HeapAlloc collects garbage and returns the bytes of live heap objects.
func HeapAlloc() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
