package load

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds: nanoseconds from 1 ns to 10 minutes, three significant
// digits.
const (
	histMin     = 1
	histMax     = int64(10 * time.Minute)
	histSigFigs = 3
)

func newHist() *hdr.Histogram { return hdr.New(histMin, histMax, histSigFigs) }

// record adds d to h, clamped to the histogram's range.
func record(h *hdr.Histogram, d time.Duration) {
	v := int64(d)
	switch {
	case v < histMin:
		v = histMin
	case v > histMax:
		v = histMax
	}
	_ = h.RecordValue(v) // cannot fail within the range
}

// Histogram is a latency distribution in nanoseconds. Its JSON form carries
// a summary and the whole histogram, encoded in the HdrHistogram V2
// compressed format (base64), which any HdrHistogram implementation decodes.
type Histogram struct{ h *hdr.Histogram }

// Count returns the number of values.
func (h Histogram) Count() int64 {
	if h.h == nil {
		return 0
	}
	return h.h.TotalCount()
}

// Percentile returns the value at percentile p (0 to 100).
func (h Histogram) Percentile(p float64) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.ValueAtPercentile(p))
}

// Max returns the largest value (to the histogram's precision).
func (h Histogram) Max() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.h.Max())
}

// Min returns the smallest value (to the histogram's precision).
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

// Hdr returns the underlying histogram (nil when empty).
func (h Histogram) Hdr() *hdr.Histogram { return h.h }

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

// MarshalJSON writes the summary and the encoded histogram.
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

// UnmarshalJSON reads the encoded histogram back; the summary is derived.
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
		hh = newHist()
	}
	_, err := hh.PercentilesPrint(w, 5, 1000)
	return err
}

// merge returns one histogram holding every value of hs (nil ones skipped).
func merge(hs ...*hdr.Histogram) Histogram {
	var out *hdr.Histogram
	for _, h := range hs {
		if h == nil {
			continue
		}
		if out == nil {
			out = newHist()
		}
		out.Merge(h)
	}
	return Histogram{out}
}
