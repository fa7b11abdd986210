// Package latency records per-operation latencies in an HDR histogram
// (github.com/HdrHistogram/hdrhistogram-go) and reports their percentiles
// as benchmark metrics.
//
// A Recorder is not safe for concurrent use, on purpose: recording is then
// a clock read and an array increment, with no lock. Give each worker
// goroutine its own Recorder and Merge them when the workers are done.
//
//	rec := latency.NewRecorder()
//	for b.Loop() {
//		start := time.Now()
//		call()
//		rec.Since(start)
//	}
//	rec.Report(b) // p50-ns, p99-ns
package latency

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Range and precision of every Recorder: 1 ns to 1 min at 3 significant
// digits (a relative error under 0.1%).
const (
	lowest  = 1
	highest = int64(time.Minute)
	sigFigs = 3
)

// Recorder collects durations.
type Recorder struct {
	h *hdrhistogram.Histogram
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{h: hdrhistogram.New(lowest, highest, sigFigs)}
}

// Record adds one duration; values outside 1 ns to 1 min are clamped.
func (r *Recorder) Record(d time.Duration) {
	v := int64(d)
	v = max(v, lowest)
	v = min(v, highest)
	_ = r.h.RecordValue(v) // cannot fail within the clamped range
}

// Since records the time elapsed since start.
func (r *Recorder) Since(start time.Time) { r.Record(time.Since(start)) }

// Merge adds every value recorded by o.
func (r *Recorder) Merge(o *Recorder) { r.h.Merge(o.h) }

// Count returns the number of recorded values.
func (r *Recorder) Count() int64 { return r.h.TotalCount() }

// Percentile returns the value at percentile q (0 to 100), or 0 when
// nothing was recorded.
func (r *Recorder) Percentile(q float64) time.Duration {
	return time.Duration(r.h.ValueAtQuantile(q))
}

// Histogram returns the underlying histogram, for writing it out.
func (r *Recorder) Histogram() *hdrhistogram.Histogram { return r.h }

// Reset forgets every recorded value.
func (r *Recorder) Reset() { r.h.Reset() }

// Metrics is what Report writes to: a *testing.B, or any other sink.
type Metrics interface {
	ReportMetric(n float64, unit string)
}

// Report writes the p50 and p99 in nanoseconds as the metrics "p50-ns" and
// "p99-ns". It writes nothing when nothing was recorded.
func (r *Recorder) Report(m Metrics) {
	if r.Count() == 0 {
		return
	}
	m.ReportMetric(float64(r.Percentile(50)), "p50-ns")
	m.ReportMetric(float64(r.Percentile(99)), "p99-ns")
}
