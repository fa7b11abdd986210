package report

import (
	"fmt"
	"slices"
	"strings"
)

// addPlot adds a figure and its reading note to the section w.
func (b *builder) addPlot(w *strings.Builder, file, title string, svg []byte, reading string) {
	if svg == nil {
		return
	}
	b.rep.Plots = append(b.rep.Plots, Plot{File: file, Title: title, SVG: svg})
	fmt.Fprintf(w, "![%s](%s)\n\n*Reading:* %s\n\n", title, file, reading)
}

// varying returns, for each group, the words of the dimensions whose
// values differ among gs: the label of its category in a figure.
func varying(gs []*group) []string {
	vals := map[string]map[string]bool{}
	for _, g := range gs {
		for k, v := range g.Cond {
			if vals[k] == nil {
				vals[k] = map[string]bool{}
			}
			vals[k][v] = true
		}
	}
	out := make([]string, len(gs))
	for i, g := range gs {
		sub := map[string]string{}
		for k, v := range g.Cond {
			if len(vals[k]) > 1 || len(gs) == 1 {
				sub[k] = v
			}
		}
		out[i] = CondWords(sub, Dims)
		if _, named := g.Cond["rpc"]; !named {
			// Benchmarks name the call kind by function, not by key.
			for _, s := range g.By {
				if k := kindOf(s); k != "" && k != "unary" {
					out[i] = strings.TrimSuffix(kindWords[k]+", "+out[i], ", ")
				}
				break
			}
		}
	}
	return out
}

// streamUnit is the throughput unit of a group: messages per second for
// streams, calls per second for unary calls.
func streamUnit(g *group) string {
	for _, s := range g.By {
		if kindOf(s) != "unary" && s.Has("msgs/s") {
			return "msgs/s"
		}
	}
	return "req/s"
}

// groupedBars draws each group's variants side by side in unit ("" for
// each group's own throughput unit), with the 95% interval of each median.
func (b *builder) groupedBars(w *strings.Builder, file, title, ylabel string, gs []*group, unit string, variants []string, reading string) {
	cats := varying(gs)
	var bars []figBar
	lo, hi := 0.0, 0.0
	for i, g := range gs {
		u := unit
		if u == "" {
			u = streamUnit(g)
		}
		for _, v := range variants {
			if s := g.By[v]; s != nil && s.Has(u) {
				sm := Summarize(s.Values[u])
				bars = append(bars, figBar{cat: cats[i], series: v, s: sm})
				if lo == 0 || sm.Center < lo {
					lo = sm.Center
				}
				hi = max(hi, sm.Center)
			}
		}
	}
	logY := lo > 0 && hi/lo > 20
	if logY {
		ylabel += " (log scale)"
	}
	b.addPlot(w, file, title, barChart(title, ylabel, bars, logY, 0, "", fmtSI), reading)
}

// ratioBars draws ratios to a baseline, 1 marked.
func (b *builder) ratioBars(w *strings.Builder, file, title string, bars []figBar, reading string) {
	b.addPlot(w, file, title, barChart(title, "ratio to rest", bars, false, 1, "same as rest", fmtRatioTick), reading)
}

// cpuBars draws the CPU per call of each variant, server and client
// stacked, per condition: one figure per record size, whose costs differ
// too much to share a linear axis.
func (b *builder) cpuBars(w *strings.Builder, file string, gs []*group) {
	var payloads []string
	for _, g := range gs {
		if p := g.Cond["payload"]; !slices.Contains(payloads, p) {
			payloads = append(payloads, p)
		}
	}
	for _, p := range payloads {
		var sub []*group
		for _, g := range gs {
			if g.Cond["payload"] == p {
				sub = append(sub, g)
			}
		}
		name := strings.TrimSuffix(file, ".svg") + "-" + strings.ToLower(p) + ".svg"
		if p == "" {
			name = file
		}
		b.cpuBarsOf(w, name, p, sub)
	}
}

func (b *builder) cpuBarsOf(w *strings.Builder, file, payload string, gs []*group) {
	cats := varying(gs)
	var bars []stackBar
	for i, g := range gs {
		for _, v := range variantsOf(g) {
			s := g.By[v]
			if slices.Contains(Floors, v) || !s.Has("client-cpu-ns/op") || !s.Has("server-cpu-ns/op") {
				continue
			}
			bars = append(bars, stackBar{cat: cats[i], label: v, parts: []Summary{micros(s, "server-cpu-ns/op"), micros(s, "client-cpu-ns/op")}})
		}
	}
	title := "CPU per call, server and client (median µs, 95% interval)"
	if payload != "" {
		title = "CPU per call with " + ValueWords("payload", payload) + ", server and client (median µs, 95% interval)"
	}
	b.addPlot(w, file, title, stackChart(title, "CPU per call (µs)", []string{"server CPU per call", "client CPU per call"}, bars, fmtUs),
		"each bar is one variant at one condition: the dark part is the server's CPU per call, the light part the load driver's, each its median over the windows. The whiskers are the 95% intervals of those medians: the left one, at the top of the dark part, is the server's; the right one, at the top of the bar, the client's (offset by the server's median). The server's part is what a service pays on any machine; shorter is cheaper, and bars whose whiskers overlap are not told apart.")
}

// micros summarizes the values of unit in nanoseconds as microseconds.
func micros(s *Series, unit string) Summary {
	sm := Summarize(s.Values[unit])
	sm.Center, sm.Lo, sm.Hi = sm.Center/1e3, sm.Lo/1e3, sm.Hi/1e3
	return sm
}

// noInterval says what each point of a figure drawn without whiskers is,
// from ns, the windows behind each point: a title suffix and a sentence
// for its reading. One window is one run; a few are a median too thin for
// a 95% interval (MinIntervalSamples).
func noInterval(point string, ns []int) (suffix, sentence string) {
	if len(ns) == 0 {
		return "", ""
	}
	hi := slices.Max(ns)
	if hi == 1 {
		return "(one run per " + point + ", no interval)",
			fmt.Sprintf("Each %s is one run (one measured window), so it carries no interval.", point)
	}
	count := windowsWords(ns)
	if hi < MinIntervalSamples() {
		return fmt.Sprintf("(median of %s per %s, no interval)", count, point),
			fmt.Sprintf("Each %s is the median of its %s, too few for a %.0f%% interval (that takes %d), so it carries none.", point, count, Confidence*100, MinIntervalSamples())
	}
	return fmt.Sprintf("(median of %s per %s, interval not drawn)", count, point),
		fmt.Sprintf("Each %s is the median of its %s, drawn without its interval.", point, count)
}

// windows returns, for each series, how many windows carry unit.
func windows(unit string, ss ...*Series) []int {
	var ns []int
	for _, s := range ss {
		if s != nil && s.Has(unit) {
			ns = append(ns, len(s.Values[unit]))
		}
	}
	return ns
}

// windowsWords counts windows in words: "one window", "2 windows", "2 to 3
// windows".
func windowsWords(ns []int) string {
	if len(ns) == 0 {
		return "windows"
	}
	lo, hi := slices.Min(ns), slices.Max(ns)
	switch {
	case hi == 1:
		return "one window"
	case lo == hi:
		return fmt.Sprintf("%d windows", hi)
	}
	return fmt.Sprintf("%d to %d windows", lo, hi)
}
