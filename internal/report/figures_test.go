package report_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"restvsgrpc/internal/report"
)

// svgElem is one element of a figure with its attributes and the text of
// its title child, when it has one.
type svgElem struct {
	name  string
	attr  map[string]string
	title string
	// group is the class of the enclosing <g>, "" outside one.
	group string
}

func svgElems(t *testing.T, svg []byte) []svgElem {
	t.Helper()
	var out []svgElem
	var stack []int // index in out of each open element, -1 for others
	group := ""
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("figure is not XML: %v", err)
			}
			return out
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := svgElem{name: tok.Name.Local, attr: map[string]string{}, group: group}
			for _, a := range tok.Attr {
				e.attr[a.Name.Local] = a.Value
			}
			if e.name == "g" {
				group = e.attr["class"]
			}
			out = append(out, e)
			stack = append(stack, len(out)-1)
		case xml.CharData:
			if n := len(stack); n >= 2 && out[stack[n-1]].name == "title" {
				out[stack[n-2]].title += string(tok)
			}
		case xml.EndElement:
			if out[stack[len(stack)-1]].name == "g" {
				group = ""
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// svgText is the text of a figure, its wrapped lines joined by spaces.
func svgText(svg []byte) string {
	var text strings.Builder
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for tok, err := dec.Token(); err == nil; tok, err = dec.Token() {
		if c, ok := tok.(xml.CharData); ok {
			text.WriteString(string(c) + " ")
		}
	}
	return strings.Join(strings.Fields(text.String()), " ")
}

func plotNamed(t *testing.T, r *report.Report, file string) []byte {
	t.Helper()
	for _, p := range r.Plots {
		if p.File == file {
			return p.SVG
		}
	}
	t.Fatalf("no plot %s", file)
	return nil
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Every stacked part of the CPU figure carries its interval: the server's
// whisker spans the top of the server segment, the client's the top of the
// whole bar (offset by the server's median).
func TestCPUBarsHaveWhiskersPerPart(t *testing.T) {
	t.Parallel()
	r := buildFixture(t)
	for _, file := range []string{"cpu-per-call-100b.svg", "cpu-per-call-64kib.svg"} {
		els := svgElems(t, plotNamed(t, r, file))
		type seg struct{ x0, x1, top float64 }
		var segs []seg // server, client, server, client, … in bar order
		var whiskers []svgElem
		for _, e := range els {
			switch {
			case e.name == "rect" && strings.Contains(e.title, "CPU per call:"):
				x, w := num(t, e.attr["x"]), num(t, e.attr["width"])
				segs = append(segs, seg{x, x + w, num(t, e.attr["y"])})
			case e.name == "path" && e.group == "whisker" && e.attr["stroke"] != "white":
				whiskers = append(whiskers, e)
			}
		}
		if len(segs) == 0 || len(segs)%2 != 0 {
			t.Fatalf("%s: %d bar segments, want server and client of each bar", file, len(segs))
		}
		// The last whisker is the legend's swatch.
		if len(whiskers) != len(segs)+1 {
			t.Fatalf("%s: %d whiskers for %d stacked parts, want one each and the legend's", file, len(whiskers), len(segs))
		}
		for i, s := range segs {
			var x, lo, hi float64
			if _, err := fmt.Sscanf(whiskers[i].attr["d"], "M%g %gV%g", &x, &lo, &hi); err != nil {
				t.Fatalf("%s: whisker path %q: %v", file, whiskers[i].attr["d"], err)
			}
			if x <= s.x0 || x >= s.x1 {
				t.Errorf("%s: whisker %d at x=%g, outside its bar %g..%g", file, i, x, s.x0, s.x1)
			}
			// SVG y grows downward: lo is below the part's top, hi above.
			if lo < s.top || hi > s.top {
				t.Errorf("%s: whisker %d spans y %g..%g, not the top of its part at %g", file, i, hi, lo, s.top)
			}
			if i%2 == 1 && x <= segs[i-1].x0+(segs[i-1].x1-segs[i-1].x0)/2 {
				t.Errorf("%s: client whisker %d at x=%g not right of the server's, which it would hide", file, i, x)
			}
		}
		if !strings.Contains(svgText(plotNamed(t, r, file)), "95% interval of each part's median") {
			t.Errorf("%s: legend does not name the whiskers", file)
		}
	}
}

// openLoopRaw is an open-loop sweep whose rest variant saturates at 10000
// calls/s: its achieved rate falls from 9900 to 6000, which on an
// achieved-rate axis ran the curve backwards.
func openLoopRaw() string {
	var b strings.Builder
	b.WriteString("commit: abc\ngo: go1.26.0\n")
	got := map[string][]float64{"rest": {2000, 4950, 9900, 6000}, "grpc": {2000, 5000, 10000, 19800}}
	for _, v := range []string{"rest", "grpc"} {
		for i, rate := range []int{2000, 5000, 10000, 20000} {
			for k := range 6 {
				fmt.Fprintf(&b, "BenchmarkLoad/rpc=GetTransaction/variant=%s/payload=100B/conc=64/mode=open/rate=%d-1\t1000\t%g req/s\t%d p50-ns\t%d p99-ns\t0 errors/op\n",
					v, rate, got[v][i]+float64(k), 100000*(i+1)+k, 400000*(i+1)+k)
			}
		}
	}
	return b.String()
}

// The latency-throughput curve runs over the offered rate, so it never runs
// backwards, and marks the saturated points hollow and says so.
func TestLatencyThroughputNeverRunsBackwards(t *testing.T) {
	t.Parallel()
	d, err := report.Read(strings.NewReader(openLoopRaw()), "open.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(d, report.WithP99Bound(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	svg := plotNamed(t, r, "latency-throughput-1.svg")
	polylines, hollow := 0, 0
	for _, e := range svgElems(t, svg) {
		switch {
		case e.name == "polyline":
			polylines++
			last := -1.0
			for _, p := range strings.Fields(e.attr["points"]) {
				x := num(t, strings.Split(p, ",")[0])
				if x < last {
					t.Errorf("polyline runs backwards: x %g after %g in %q", x, last, e.attr["points"])
				}
				last = x
			}
		case e.name == "circle" && e.attr["class"] == "hollow":
			hollow++
		}
	}
	if polylines != 4 {
		t.Errorf("%d polylines, want p50 and p99 of two variants", polylines)
	}
	// rest at 20000 on its p50 and p99 lines, and the legend's.
	if want := 2 + 1; hollow != want {
		t.Errorf("%d hollow markers, want %d", hollow, want)
	}
	words := svgText(svg)
	for _, s := range []string{"saturated: achieved < 95% of offered", "offered rate (calls per second)"} {
		if !strings.Contains(words, s) {
			t.Errorf("figure lacks %q", s)
		}
	}
	if !strings.Contains(string(r.Markdown), "saturated: achieved < 95% of offered") {
		t.Error("REPORT.md's reading of the figure does not name the saturated points")
	}
}
