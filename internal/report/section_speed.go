package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// speedSource returns the unary end-to-end series the Speed row reads: the
// load driver's closed-loop runs (server in its own process) when there are
// any, otherwise `go test -bench` BenchmarkUnary. Only the base conditions
// (loopback, no server work) are kept.
func (b *builder) speedSource() ([]*Series, string) {
	var load, unary []*Series
	for _, s := range b.d.Series {
		if kindOf(s) != "unary" || !atBase(s) {
			continue
		}
		switch {
		case s.Bench == "Load" && closedLoop(s):
			load = append(load, s)
		case s.Bench == "Unary":
			unary = append(unary, s)
		}
	}
	if len(load) > 0 {
		return load, "the load driver (closed loop, server in its own process)"
	}
	return unary, "`go test -bench` BenchmarkUnary (client and server in one process)"
}

// atBase reports whether s ran at the base condition: loopback, no added
// server work.
func atBase(s *Series) bool {
	n, w := s.Key("net"), s.Key("work")
	return (n == "" || n == "loopback") && (w == "" || w == "0" || w == "0s")
}

// closedLoop reports whether s is not an open-loop (fixed rate) run.
func closedLoop(s *Series) bool {
	m := s.Key("mode")
	return m == "" || m == "closed"
}

// speedDims order the dimensions of the Speed verdict.
var speedDims = []string{"payload", "conc", "rpc", "net", "work", "mode", "engine"}

// throughputComparison compares grpc with rest (or another REST variant)
// in g on calls (or messages) per second where both sides were
// server-bound, else on the server's CPU per call; ok is false when
// neither can be read.
func (b *builder) throughputComparison(g *group, rest, unit string, kv ...string) (Comparison, bool) {
	gr, rs := g.By["grpc"], g.By[rest]
	if gr == nil || rs == nil {
		return Comparison{}, false
	}
	u := throughputUnit(gr, rs, unit)
	if u == "" {
		return Comparison{}, false
	}
	better := Higher
	if u != unit {
		better = Lower
	}
	return b.cfg.rules.compareIn(g, "grpc", rest, u, better, kv...)
}

func (b *builder) speed() (row, string) {
	r := row{name: "Speed", claim: "Moderate → Very fast"}
	series, source := b.speedSource()
	var sec strings.Builder
	sec.WriteString("## Speed\n\n")
	if len(series) == 0 {
		r.measured = "not measured"
		r.verdict = Verdict{Kind: NoData, Sentence: "Not measured."}
		sec.WriteString("No unary end-to-end runs were found, so this row has no data.\n\n")
		return r, sec.String()
	}
	where := "Loopback, no added server work."
	if slices.ContainsFunc(series, onQPS) {
		where = "No added server work; loopback, except the runs on grpc's qps driver, which ran on the hosts and network its workers were given."
	}
	fmt.Fprintf(&sec, "Unary calls, from %s. %s\n\n", source, where)
	gs := groups(series)
	variantTable(&sec, gs, "req/s")
	var cs []Comparison
	for _, g := range gs {
		if c, ok := b.throughputComparison(g, "rest", "req/s"); ok {
			cs = append(cs, c)
		}
	}
	r.verdict = b.cfg.rules.Decide(cs, speedDims)
	v := r.verdict
	r.verdict.Sentence = b.withCodecSentence(Sentence(v, speedDims, "faster"),
		func(limit int) string { return sentenceWithin(v, speedDims, "faster", limit) }, "server-cpu-ns/op")
	r.measured = b.speedMeasured(gs, cs)
	if len(cs) > 0 {
		sec.WriteString("gRPC against rest at each condition (calls per second where both servers were the bottleneck, else server CPU per call):\n\n")
		comparisonTable(&sec, cs, speedDims)
		b.groupedBars(&sec, "speed-by-condition.svg", "Unary calls per second by condition (median, 95% interval)", "calls per second", gs, "req/s", []string{"rest", "rest-proto", "rest-h2c", "grpc"},
			"each group is one condition, each bar one variant; the whisker is the 95% interval of the median over the windows. Taller is faster.")
		b.cpuBars(&sec, "cpu-per-call.svg", gs)
	} else {
		sec.WriteString("No condition has both rest and grpc, so nothing is compared.\n\n")
	}
	return r, sec.String()
}

// speedMeasured is the Speed row's measured cell: the headline condition's
// figures and the span of the comparisons.
func (b *builder) speedMeasured(gs []*group, cs []Comparison) string {
	var parts []string
	if h := headline(gs); h != nil {
		gr, rs := h.By["grpc"], h.By["rest"]
		figs := fmt.Sprintf("gRPC %s vs REST %s calls/s", fmtSI(med(gr, "req/s")), fmtSI(med(rs, "req/s")))
		if gr.Has("p99-ns") && rs.Has("p99-ns") {
			figs += fmt.Sprintf(", p99 %s vs %s", fmtDuration(med(gr, "p99-ns")), fmtDuration(med(rs, "p99-ns")))
		}
		if gr.Has("server-cpu-ns/op") && rs.Has("server-cpu-ns/op") {
			figs += fmt.Sprintf(", server CPU %s vs %s per call", fmtDuration(med(gr, "server-cpu-ns/op")), fmtDuration(med(rs, "server-cpu-ns/op")))
		}
		parts = append(parts, CondWords(pick(h.Cond, "rpc", "payload", "conc"), Dims)+": "+figs)
	}
	if len(cs) > 0 {
		parts = append(parts, gainCell(cs))
	}
	if n, of := boundCount(cs); of > 0 {
		parts = append(parts, fmt.Sprintf("both servers the bottleneck at %d of %d", n, of))
	}
	return strings.Join(parts, "; ")
}

// boundCount counts the comparisons between two server-bound rows, out of
// those whose bound was recorded.
func boundCount(cs []Comparison) (n, of int) {
	for _, c := range cs {
		if c.GRPCBound == "" || c.RESTBound == "" {
			continue
		}
		of++
		if c.GRPCBound == ServerBound && c.RESTBound == ServerBound {
			n++
		}
	}
	return n, of
}

func med(s *Series, unit string) float64 { return Summarize(s.Values[unit]).Center }

// pick returns the keys of cond named.
func pick(cond map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := cond[k]; ok {
			out[k] = v
		}
	}
	return out
}

// headline picks the condition the table quotes: GetTransaction when it
// was run, at the highest concurrency, then the smallest payload, among
// the groups that have both rest and grpc.
func headline(gs []*group) *group {
	var best *group
	better := func(a, b *group) bool {
		if ra, rb := a.Cond["rpc"] == "GetTransaction", b.Cond["rpc"] == "GetTransaction"; ra != rb {
			return ra
		}
		if a.Cond["conc"] != b.Cond["conc"] {
			return lessValue(b.Cond["conc"], a.Cond["conc"])
		}
		return lessValue(a.Cond["payload"], b.Cond["payload"])
	}
	for _, g := range gs {
		if g.By["rest"] == nil || g.By["grpc"] == nil || !g.By["rest"].Has("req/s") || !g.By["grpc"].Has("req/s") {
			continue
		}
		if best == nil || better(g, best) {
			best = g
		}
	}
	return best
}

func variantsOf(g *group) []string {
	vs := make([]string, 0, len(g.By))
	for v := range g.By {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return lessValue(vs[i], vs[j]) })
	return vs
}

func fmtX(r float64) string { return fmtF(r) + "×" }

// fmtF writes a factor with two significant digits (0.84, 1.5, 12), or
// two decimals near 1, where they tell a small difference from none.
func fmtF(r float64) string {
	switch a := math.Abs(r); {
	case a >= 10:
		return fmt.Sprintf("%.0f", r)
	case a > 0.9 && a < 1.1:
		return fmt.Sprintf("%.2f", r)
	}
	return fmt.Sprintf("%.2g", r)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
