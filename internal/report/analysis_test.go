package report

import (
	"slices"
	"testing"
)

// The same condition under two names is pooled, keeping the units that only
// one of them has.
func TestGroupsPoolsEveryUnit(t *testing.T) {
	t.Parallel()
	a := &Series{Bench: "Load", Keys: map[string]string{"variant": "rest", "payload": "1KiB"},
		Values: map[string][]float64{"req/s": {1, 2}}}
	b := &Series{Bench: "Load", Keys: map[string]string{"payload": "1KiB", "variant": "rest"},
		Values: map[string][]float64{"req/s": {3}, "p99-ns": {7}}}
	gs := groups([]*Series{a, b})
	if len(gs) != 1 {
		t.Fatalf("%d groups, want 1", len(gs))
	}
	got := gs[0].By["rest"]
	if !slices.Equal(got.Values["req/s"], []float64{1, 2, 3}) || !slices.Equal(got.Values["p99-ns"], []float64{7}) {
		t.Errorf("pooled values %v, want req/s [1 2 3] and p99-ns [7]", got.Values)
	}
	if len(a.Values["req/s"]) != 2 {
		t.Errorf("pooling changed the first series: %v", a.Values)
	}
}

// The rules section names the fewest pairs with a bounded interval; at 95%
// that is 6 (the range of 6 samples covers the median with probability
// 1 - 2/64 = 0.969; of 5, 0.9375).
func TestMinIntervalSamples(t *testing.T) {
	t.Parallel()
	if got := MinIntervalSamples(); got != 6 {
		t.Errorf("MinIntervalSamples() = %d, want 6", got)
	}
}
