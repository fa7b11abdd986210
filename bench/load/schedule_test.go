package load

import (
	"math"
	"testing"
	"time"
)

func TestConstantSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rate float64
		want []time.Duration
	}{
		{"1000/s", 1000, []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}},
		{"3/s never drifts", 3, []time.Duration{0, 333333333, 666666666, time.Second}},
		{"0.5/s", 0.5, []time.Duration{0, 2 * time.Second, 4 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSchedule(Constant, tc.rate, 1)
			for i, want := range tc.want {
				if got := s.next(); got != want {
					t.Errorf("call %d due at %v, want %v", i, got, want)
				}
			}
		})
	}
}

// TestConstantScheduleFar checks the intended start of a call far into a
// run: computed from its index, so rounding never accumulates.
func TestConstantScheduleFar(t *testing.T) {
	t.Parallel()
	s := newSchedule(Constant, 30000, 1)
	var last time.Duration
	for range 3_000_001 {
		last = s.next()
	}
	if want := 100 * time.Second; last != want {
		t.Errorf("call 3,000,000 at 30000/s due at %v, want %v", last, want)
	}
}

func TestPoissonSchedule(t *testing.T) {
	t.Parallel()
	const (
		rate = 2000.0
		n    = 200_000
	)
	s := newSchedule(Poisson, rate, 7)
	prev := s.next()
	if prev != 0 {
		t.Fatalf("first call due at %v, want 0", prev)
	}
	var sum, sumSq float64
	for range n {
		at := s.next()
		gap := (at - prev).Seconds()
		if gap < 0 {
			t.Fatalf("schedule went back in time: %v after %v", at, prev)
		}
		sum += gap
		sumSq += gap * gap
		prev = at
	}
	mean := sum / n
	sd := math.Sqrt(sumSq/n - mean*mean)
	// An exponential law's mean and standard deviation are both 1/rate;
	// with 200k draws they are within 1% of it (about 4.5 standard errors).
	if want := 1 / rate; math.Abs(mean-want)/want > 0.01 {
		t.Errorf("mean gap %v, want %v ± 1%%", mean, want)
	}
	if want := 1 / rate; math.Abs(sd-want)/want > 0.02 {
		t.Errorf("gap standard deviation %v, want %v ± 2%%", sd, want)
	}
	// The same seed gives the same schedule.
	a, b := newSchedule(Poisson, rate, 3), newSchedule(Poisson, rate, 3)
	for i := range 100 {
		if x, y := a.next(), b.next(); x != y {
			t.Fatalf("call %d: %v and %v from the same seed", i, x, y)
		}
	}
}

func TestParseArrivals(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"constant", "poisson"} {
		if a, err := ParseArrivals(s); err != nil || string(a) != s {
			t.Errorf("ParseArrivals(%q) = %q, %v", s, a, err)
		}
	}
	if _, err := ParseArrivals("bursty"); err == nil {
		t.Error("ParseArrivals(bursty) succeeded")
	}
}
