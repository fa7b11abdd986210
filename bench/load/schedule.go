package load

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Arrivals is the law of an open-loop schedule's gaps between calls.
type Arrivals string

// The arrival laws.
const (
	// Constant spaces calls exactly 1/rate apart.
	Constant Arrivals = "constant"
	// Poisson draws gaps from an exponential law of mean 1/rate, as
	// independent clients would arrive.
	Poisson Arrivals = "poisson"
)

// ParseArrivals parses "constant" or "poisson".
func ParseArrivals(s string) (Arrivals, error) {
	switch a := Arrivals(s); a {
	case Constant, Poisson:
		return a, nil
	}
	return "", fmt.Errorf("arrivals %q: want constant or poisson", s)
}

// schedule yields the intended start of each call of an open-loop run, as
// offsets from the run's start. It is not safe for concurrent use.
type schedule interface {
	next() time.Duration
}

// newSchedule returns the schedule of rate calls per second. seed fixes the
// Poisson draws, so that a run can be repeated exactly.
func newSchedule(a Arrivals, rate float64, seed uint64) schedule {
	if a == Poisson {
		return &poissonSchedule{mean: 1 / rate, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	}
	return &constantSchedule{rate: rate}
}

// constantSchedule starts call i at i/rate. It computes each start from i
// rather than adding gaps, so that rounding never accumulates.
type constantSchedule struct {
	rate float64
	i    int64
}

func (s *constantSchedule) next() time.Duration {
	d := time.Duration(float64(s.i) / s.rate * 1e9)
	s.i++
	return d
}

// poissonSchedule adds exponential gaps of the given mean (in seconds).
type poissonSchedule struct {
	mean float64
	at   float64 // seconds
	r    *rand.Rand
}

func (s *poissonSchedule) next() time.Duration {
	d := time.Duration(math.Round(s.at * 1e9))
	s.at += s.r.ExpFloat64() * s.mean
	return d
}
