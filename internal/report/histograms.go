package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"restvsgrpc/bench/result"
)

// Histograms are the load driver's response-time histograms (from its
// -json files), merged over the windows of each run, by the run's name keys
// (rpc, variant, payload, conc, mode, rate).
type Histograms map[string]*hdr.Histogram

// ReadHistograms reads load-driver JSON files.
func ReadHistograms(paths ...string) (Histograms, error) {
	hs := Histograms{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r result.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		h := r.Response.Hdr()
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		key := histKey(nameKeys(r.BenchName()))
		if acc, ok := hs[key]; ok {
			acc.Merge(h)
		} else {
			hs[key] = h.Clone()
		}
	}
	return hs, nil
}

// nameKeys returns the key=value parts of a benchmark name.
func nameKeys(name string) map[string]string {
	keys := map[string]string{}
	for _, p := range strings.Split(name, "/")[1:] {
		if k, v, ok := strings.Cut(p, "="); ok {
			keys[k] = v
		}
	}
	normalizeKeys(keys)
	return keys
}

// histKey is the lookup key of a run: its name keys without those the
// load driver does not know (work, added by cmd/report).
func histKey(keys map[string]string) string {
	k := map[string]string{}
	for n, v := range keys {
		if n != "work" {
			k[n] = v
		}
	}
	return CondString(k, nil)
}

// cdfLine samples h's distribution for a plot: X is the number of nines of
// the quantile (1 = 90%, 2 = 99%, …), up to where the sample count supports
// it; Y is the latency in milliseconds.
func cdfLine(name string, color int, h *hdr.Histogram) line {
	l := line{Name: name, Color: color, NoDots: true}
	top := math.Min(4, math.Log10(float64(h.TotalCount())))
	for x := 0.0; x <= top+1e-9; x += 0.1 {
		q := (1 - math.Pow(10, -x)) * 100
		l.X = append(l.X, x)
		l.Y = append(l.Y, float64(h.ValueAtQuantile(q))/1e6)
	}
	return l
}
