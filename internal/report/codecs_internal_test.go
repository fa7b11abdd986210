package report

import (
	"strings"
	"testing"
)

// Body sizes that differ by less than the rounding of the figures are
// written in bytes, so that "differ in size" shows the difference.
func TestBodySizesShowTheirDifference(t *testing.T) {
	body := func(b float64) *Series {
		return &Series{Values: map[string][]float64{"body-B/op": {b}}}
	}
	g := codecGroup{cond: map[string]string{"payload": "64KiB"}, bytes: &group{By: map[string]*Series{
		"rest": body(155647), "rest-sonic": body(155650), "rest-go_json": body(155647),
	}}}
	got := bodySizes(g)
	for _, want := range []string{"155647 B", "155650 B", "differ in size by up to 0.0019%"} {
		if !strings.Contains(got, want) {
			t.Errorf("bodySizes: %q lacks %q", got, want)
		}
	}
	g.bytes.By["rest-sonic"] = body(155647)
	if got := bodySizes(g); !strings.Contains(got, "every JSON library wrote 152 KiB") {
		t.Errorf("bodySizes of equal sizes: %q", got)
	}
}
