package main

import (
	"testing"
	"time"
)

// A scale point's warm-up grows with its callers, never below -warmup.
func TestScaleWarmup(t *testing.T) {
	for _, tt := range []struct {
		c    int
		want time.Duration
	}{{1, time.Second}, {1000, time.Second}, {10000, 5 * time.Second}} {
		if got := scaleWarmup(time.Second, tt.c); got != tt.want {
			t.Errorf("scaleWarmup(1s, %d) = %v, want %v", tt.c, got, tt.want)
		}
	}
}
