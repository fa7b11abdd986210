package hist_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/hist"
)

type metrics map[string]float64

func (m metrics) ReportMetric(n float64, unit string) { m[unit] = n }

// within reports whether got is within HDR's 3-digit precision of want.
func within(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= float64(want)/500
}

func TestPercentiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		values   []time.Duration
		p50, p99 time.Duration
	}{
		{name: "one value", values: []time.Duration{42 * time.Microsecond}, p50: 42 * time.Microsecond, p99: 42 * time.Microsecond},
		{name: "1 to 100 us", values: series(100, time.Microsecond), p50: 50 * time.Microsecond, p99: 99 * time.Microsecond},
		{name: "clamped", values: []time.Duration{-5, 0, time.Hour}, p50: 1, p99: hist.Highest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r hist.Histogram
			for _, v := range tc.values {
				r.Record(v)
			}
			if got := r.Count(); got != int64(len(tc.values)) {
				t.Errorf("Count() = %d, want %d", got, len(tc.values))
			}
			if got := r.Percentile(50); !within(got, tc.p50) {
				t.Errorf("p50 = %v, want %v", got, tc.p50)
			}
			if got := r.Percentile(99); !within(got, tc.p99) {
				t.Errorf("p99 = %v, want %v", got, tc.p99)
			}
		})
	}
}

func series(n int, step time.Duration) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = time.Duration(i+1) * step
	}
	return s
}

func TestMergeAndReport(t *testing.T) {
	t.Parallel()
	var a, b hist.Histogram
	for _, v := range series(50, time.Millisecond) {
		a.Record(v)
	}
	for _, v := range series(50, time.Millisecond) {
		b.Record(v + 50*time.Millisecond)
	}
	a.Merge(b)
	m := metrics{}
	a.Report(m)
	want := metrics{"p50-ns": float64(50 * time.Millisecond), "p99-ns": float64(99 * time.Millisecond)}
	if diff := cmp.Diff(want, m, cmp.Comparer(func(x, y float64) bool {
		return within(time.Duration(x), time.Duration(y))
	})); diff != "" {
		t.Errorf("reported (-want +got):\n%s", diff)
	}
	a.Reset()
	empty := metrics{}
	a.Report(empty)
	if len(empty) != 0 || a.Count() != 0 {
		t.Errorf("after Reset: count %d, reported %v; want nothing", a.Count(), empty)
	}
}

func TestSince(t *testing.T) {
	t.Parallel()
	var r hist.Histogram
	start := time.Now().Add(-time.Millisecond)
	r.Since(start)
	if got := r.Percentile(100); got < time.Millisecond {
		t.Errorf("Since recorded %v, want at least 1ms", got)
	}
}

// BenchmarkRecord measures what one measured operation costs the
// benchmarks: two clock reads and one histogram record.
func BenchmarkRecord(b *testing.B) {
	var r hist.Histogram
	b.ReportAllocs()
	for b.Loop() {
		r.Since(time.Now())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	var h hist.Histogram
	for _, v := range series(1000, time.Microsecond) {
		h.Record(v)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back hist.Histogram
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Count() != h.Count() || back.Percentile(99) != h.Percentile(99) || back.Max() != h.Max() {
		t.Errorf("round trip: count %d p99 %v max %v, want %d %v %v", back.Count(), back.Percentile(99), back.Max(), h.Count(), h.Percentile(99), h.Max())
	}
	var empty hist.Histogram
	b, err = json.Marshal(empty)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil || back.Count() != 0 {
		t.Errorf("empty round trip: count %d, err %v; want 0, nil", back.Count(), err)
	}
	if err := json.Unmarshal([]byte(`{"hdr":"not base64!"}`), &back); err == nil {
		t.Error("a corrupt encoded histogram was accepted")
	}
}

func TestRecordN(t *testing.T) {
	t.Parallel()
	var h hist.Histogram
	h.RecordN(time.Millisecond, 99)
	h.RecordN(100*time.Millisecond, 1)
	h.RecordN(0, 0) // nothing
	if h.Count() != 100 || !within(h.Percentile(50), time.Millisecond) || !within(h.Max(), 100*time.Millisecond) {
		t.Errorf("count %d, p50 %v, max %v; want 100, 1ms, 100ms", h.Count(), h.Percentile(50), h.Max())
	}
}
