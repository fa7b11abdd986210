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

// Summarize returns the median of values and its 95% confidence interval
// (distribution-free, as benchstat computes it).
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

// PValue is the Mann-Whitney U test's p-value that a and b come from the
// same distribution. Two exact samples give 0 when they differ and 1 when
// they are equal.
func PValue(a, b []float64) float64 {
	sa, sb := Summarize(a), Summarize(b)
	if sa.Exact && sb.Exact {
		if sa.Center == sb.Center {
			return 1
		}
		return 0
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	c := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(x, &benchmath.DefaultThresholds),
		benchmath.NewSample(y, &benchmath.DefaultThresholds))
	if math.IsNaN(c.P) {
		return 1
	}
	return c.P
}

func parseDuration(s string) (float64, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return d.Seconds(), nil
}
