package report

import (
	"fmt"
	"math"
	"strings"
)

// unitKind tells how to print a unit.
func fmtValue(v float64, unit string) string {
	switch {
	case strings.HasSuffix(unit, "ns/op") || strings.HasSuffix(unit, "-ns"):
		return fmtDuration(v)
	case strings.HasSuffix(unit, "B/op"):
		return fmtBytes(v)
	case unit == "req/s" || unit == "msgs/s":
		return fmtSI(v) + "/s"
	case unit == "MB/s":
		return fmt.Sprintf("%.3g MB/s", v)
	case unit == "steal-cpu":
		return fmt.Sprintf("%.3f CPU", v)
	}
	return fmt.Sprintf("%.4g", v)
}

func fmtDuration(ns float64) string {
	switch a := math.Abs(ns); {
	case a >= 1e9:
		return fmt.Sprintf("%.3g s", ns/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

func fmtBytes(b float64) string {
	switch a := math.Abs(b); {
	case a >= 1<<20:
		return fmt.Sprintf("%.3g MiB", b/(1<<20))
	case a >= 1<<10:
		return fmt.Sprintf("%.3g KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

func fmtSI(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

// fmtSummary prints a median with its interval as benchstat does: "1.2 ms ±3%".
func fmtSummary(s Summary, unit string) string {
	if !s.OK() {
		return "—"
	}
	out := fmtValue(s.Center, unit)
	if s.Exact || s.Center == 0 {
		return out
	}
	if s.N == 1 {
		return out + " (n=1)"
	}
	pct := math.Max(s.Hi-s.Center, s.Center-s.Lo) / math.Abs(s.Center) * 100
	if math.IsInf(pct, 0) || math.IsNaN(pct) {
		// Too few samples for a 95% interval of the median (fewer than 6).
		return out + " ±∞"
	}
	return fmt.Sprintf("%s ±%.0f%%", out, pct)
}

// fmtRatio prints the median of gRPC ÷ REST over the pairs with its
// interval, "0.84× (0.80–0.90)", or "0.42× exact".
func fmtRatio(c Comparison) string {
	r := c.Ratio
	switch {
	case !r.OK():
		return "—"
	case r.Exact:
		return fmtX(r.Center) + " exact"
	case !r.Bounded():
		return fmtX(r.Center) + " (unbounded)"
	}
	return fmt.Sprintf("%s (%s–%s)", fmtX(r.Center), fmtF(r.Lo), fmtF(r.Hi))
}
