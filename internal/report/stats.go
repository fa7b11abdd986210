package report

import (
	"math"
	"slices"
	"time"

	"golang.org/x/perf/benchmath"
)

// Confidence is the confidence level of every interval in the report.
const Confidence = 0.95

// A Summary is the median of a sample with its confidence interval.
type Summary struct {
	Center, Lo, Hi float64
	N              int
	// Exact is set when two or more samples are all the same value (byte
	// counts are); one sample alone says nothing of the spread.
	Exact bool
}

// OK reports whether the summary has any samples.
func (s Summary) OK() bool { return s.N > 0 }

// Bounded reports whether the interval is finite: exact, or from enough
// samples for a distribution-free interval at Confidence.
func (s Summary) Bounded() bool {
	return s.OK() && (s.Exact || !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) && s.N >= MinIntervalSamples())
}

// Summarize returns the median of values and its exact distribution-free
// confidence interval (from the order statistics, as benchstat computes it).
func Summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	v := slices.Clone(values)
	slices.Sort(v)
	if v[0] == v[len(v)-1] {
		return Summary{Center: v[0], Lo: v[0], Hi: v[0], N: len(v), Exact: len(v) > 1}
	}
	sm := benchmath.AssumeNothing.Summary(benchmath.NewSample(v, &benchmath.DefaultThresholds), Confidence)
	return Summary{Center: sm.Center, Lo: sm.Lo, Hi: sm.Hi, N: len(v)}
}

// MinIntervalSamples is the fewest samples for which the distribution-free
// interval of a median reaches Confidence: the widest one, from the
// smallest to the largest sample, covers the median with probability
// 1 - 2·0.5ⁿ.
func MinIntervalSamples() int {
	n := 1
	for 1-2*math.Pow(0.5, float64(n)) < Confidence {
		n++
	}
	return n
}

// Ratios returns a[i] / b[i] for each pair whose b is not zero: the
// per-pair ratios of two variants measured back to back.
func Ratios(a, b []float64) []float64 {
	var out []float64
	for i := range min(len(a), len(b)) {
		if b[i] != 0 {
			out = append(out, a[i]/b[i])
		}
	}
	return out
}

func parseDuration(s string) (float64, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return d.Seconds(), nil
}
