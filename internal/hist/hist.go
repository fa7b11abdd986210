// Package hist is the suite's one latency histogram: an HDR histogram
// (github.com/HdrHistogram/hdrhistogram-go) of nanoseconds from 1 ns to 10
// minutes at three significant digits, with the JSON form that loadgen
// writes and the report reads.
//
// Recording is not safe for concurrent use, on purpose: it is then a clock
// read and an array increment, with no lock. Give each worker goroutine its
// own Histogram and Merge them when the workers are done.
//
//	var h hist.Histogram
//	for b.Loop() {
//		start := time.Now()
//		call()
//		h.Since(start)
//	}
//	h.Report(b) // p50-ns, p99-ns
package hist

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Range and precision: values outside [Lowest, Highest] are clamped.
// Ten minutes covers the longest call a run may time (a stalled stream
// under an open loop) without losing the 0.1% relative precision.
const (
	Lowest  = time.Nanosecond
	Highest = 10 * time.Minute
	sigFigs = 3
)

// Histogram is a latency distribution. The zero value is empty and ready
// to record into.
type Histogram struct{ h *hdr.Histogram }

func newHDR() *hdr.Histogram { return hdr.New(int64(Lowest), int64(Highest), sigFigs) }

// Record adds one duration, clamped to [Lowest, Highest].
func (h *Histogram) Record(d time.Duration) {
	if h.h == nil {
		h.h = newHDR()
	}
	d = min(max(d, Lowest), Highest)
	_ = h.h.RecordValue(int64(d)) // cannot fail within the clamped range
}

// RecordN adds n equal durations, clamped likewise: a bucket of another
// histogram, read back at its value.
func (h *Histogram) RecordN(d time.Duration, n int64) {
	if h.h == nil {
		h.h = newHDR()
	}
	d = min(max(d, Lowest), Highest)
	_ = h.h.RecordValues(int64(d), n)
}

// Since records the time elapsed since start.
func (h *Histogram) Since(start time.Time) { h.Record(time.Since(start)) }

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o Histogram) {
	if o.h == nil {
		return
	}
	if h.h == nil {
		h.h = newHDR()
	}
	h.h.Merge(o.h)
}

// Reset forgets every recorded value.
func (h *Histogram) Reset() {
	if h.h != nil {
		h.h.Reset()
	}
}

// Count returns the number of values.
func (h Histogram) Count() int64 {
	if h.h == nil {
		return 0
	}
	return h.h.TotalCount()
}

// Percentile returns the value at percentile p (0 to 100), or 0 when
// nothing was recorded.
func (h Histogram) Percentile(p float64) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.ValueAtPercentile(p))
}

// Max returns the largest value, to the histogram's precision.
func (h Histogram) Max() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.Max())
}

// Min returns the smallest value, to the histogram's precision.
func (h Histogram) Min() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.Min())
}

// Mean returns the mean value.
func (h Histogram) Mean() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.Mean())
}

// Hdr returns the underlying histogram (nil when nothing was recorded).
func (h Histogram) Hdr() *hdr.Histogram { return h.h }

// Metrics is what Report writes to: a *testing.B, or any other sink.
type Metrics interface {
	ReportMetric(n float64, unit string)
}

// Report writes the p50 and p99 in nanoseconds as the metrics "p50-ns" and
// "p99-ns". It writes nothing when nothing was recorded.
func (h Histogram) Report(m Metrics) {
	if h.Count() == 0 {
		return
	}
	m.ReportMetric(float64(h.Percentile(50)), "p50-ns")
	m.ReportMetric(float64(h.Percentile(99)), "p99-ns")
}

type histJSON struct {
	Count   int64  `json:"count"`
	MinNs   int64  `json:"min_ns"`
	MeanNs  int64  `json:"mean_ns"`
	P50Ns   int64  `json:"p50_ns"`
	P90Ns   int64  `json:"p90_ns"`
	P99Ns   int64  `json:"p99_ns"`
	P999Ns  int64  `json:"p999_ns"`
	MaxNs   int64  `json:"max_ns"`
	Encoded string `json:"hdr,omitempty"`
}

// MarshalJSON writes a summary and the whole histogram in the HdrHistogram
// V2 compressed format (base64), which any HdrHistogram implementation
// decodes.
func (h Histogram) MarshalJSON() ([]byte, error) {
	j := histJSON{
		Count: h.Count(), MinNs: int64(h.Min()), MeanNs: int64(h.Mean()),
		P50Ns: int64(h.Percentile(50)), P90Ns: int64(h.Percentile(90)),
		P99Ns: int64(h.Percentile(99)), P999Ns: int64(h.Percentile(99.9)),
		MaxNs: int64(h.Max()),
	}
	if h.h != nil {
		b, err := h.h.Encode(hdr.V2CompressedEncodingCookieBase)
		if err != nil {
			return nil, fmt.Errorf("encode histogram: %w", err)
		}
		j.Encoded = base64.StdEncoding.EncodeToString(b)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the encoded histogram back; the summary is derived
// from it, not trusted.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var j histJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Encoded == "" {
		h.h = nil
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(j.Encoded)
	if err != nil {
		return fmt.Errorf("histogram: %w", err)
	}
	d, err := hdr.Decode(raw)
	if err != nil {
		return fmt.Errorf("histogram: %w", err)
	}
	h.h = d
	return nil
}

// WritePercentiles writes the HdrHistogram percentile distribution text
// (the .hgrm format that HdrHistogram's plotter reads), in microseconds.
func (h Histogram) WritePercentiles(w io.Writer) error {
	hh := h.h
	if hh == nil {
		hh = newHDR()
	}
	_, err := hh.PercentilesPrint(w, 5, 1000)
	return err
}
