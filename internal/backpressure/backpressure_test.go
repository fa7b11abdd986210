package backpressure_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"restvsgrpc/internal/backpressure"
)

func TestSettle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		stops int64 // the count at which progress stops
		limit time.Duration
		want  int64
	}{
		{name: "stalls at once", stops: 0, limit: time.Minute, want: 0},
		{name: "stalls after some progress", stops: 5, limit: time.Minute, want: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int64
			progress := func() int64 {
				if n.Load() < tt.stops {
					return n.Add(1)
				}
				return n.Load()
			}
			if got := backpressure.Settle(progress, time.Millisecond, 3, tt.limit); got != tt.want {
				t.Errorf("Settle = %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("never stalls", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int64
		got := backpressure.Settle(func() int64 { return n.Add(1) }, time.Millisecond, 3, 50*time.Millisecond)
		if got == 0 {
			t.Errorf("Settle = 0, want the count it gave up at")
		}
	})
}

func TestHeapAlloc(t *testing.T) {
	before := backpressure.HeapAlloc()
	keep := make([]byte, 64<<20)
	after := backpressure.HeapAlloc()
	if grew := after - before; grew < 32<<20 {
		t.Errorf("heap grew by %d after a 64 MiB allocation, want at least 32 MiB", grew)
	}
	runtime.KeepAlive(keep)
}
