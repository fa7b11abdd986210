package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

func (b *builder) addPlot(file string, svg []byte, err error, reading string, w *strings.Builder) {
	if err != nil {
		fmt.Fprintf(w, "(Plot %s could not be drawn: %v.)\n\n", file, err)
		return
	}
	if svg == nil {
		return
	}
	b.rep.Plots = append(b.rep.Plots, Plot{File: file, SVG: svg})
	fmt.Fprintf(w, "![%s](%s)\n\n*Reading:* %s\n\n", strings.TrimSuffix(file, ".svg"), file, reading)
}

func (b *builder) dataFormat() (row, string) {
	r := row{name: "Data format", claim: "JSON → Protobuf (smaller, faster to encode and decode)"}
	var sec strings.Builder
	sec.WriteString("## Data format\n\n")
	var cs []Comparison
	var timing []Comparison

	codec := b.d.Select("Codec", nil)
	cg := groupsBy(codec, "codec")
	if len(cg) > 0 {
		sec.WriteString("Codec benchmarks (`BenchmarkCodec`, no transport): body bytes per message and time per operation.\n\n")
		sec.WriteString("| message | payload | op | JSON body | protobuf body | JSON time | protobuf time | time proto/JSON |\n|---|---|---|---|---|---|---|---|\n")
	}
	for _, g := range cg {
		pb := "protobuf"
		if g.By[pb] == nil {
			pb = "proto"
		}
		j, p := g.By["json"], g.By[pb]
		if j == nil || p == nil {
			continue
		}
		if g.Cond["op"] == "encode" || g.Cond["op"] == "" {
			if c, ok := b.cfg.rules.compareIn(g, pb, "json", "body-B/op", Lower, "metric", "body-B/op"); ok {
				delete(c.Cond, "op")
				cs = append(cs, c)
			}
		}
		t, _ := b.cfg.rules.compareIn(g, pb, "json", "ns/op", Lower, "metric", "ns/op")
		if t.GRPC.OK() {
			timing = append(timing, t)
		}
		fmt.Fprintf(&sec, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", g.Cond["msg"], g.Cond["payload"], g.Cond["op"],
			fmtSummary(Summarize(j.Values["body-B/op"]), "body-B/op"), fmtSummary(Summarize(p.Values["body-B/op"]), "body-B/op"),
			fmtSummary(Summarize(j.Values["ns/op"]), "ns/op"), fmtSummary(Summarize(p.Values["ns/op"]), "ns/op"), fmtRatio(t))
	}
	if len(cg) > 0 {
		sec.WriteString("\n")
	}

	series, source := b.speedSource()
	wg := groups(series)
	var wire []Comparison
	if len(wg) > 0 {
		fmt.Fprintf(&sec, "Bytes per call on the wire (both directions, headers and framing included) and body bytes, from %s:\n\n", source)
		sec.WriteString("| condition | variant | body B/call | wire B/call |\n|---|---|---|---|\n")
	}
	for _, g := range wg {
		for _, v := range variantsOf(g) {
			s := g.By[v]
			if !s.Has("wire-B/op") && !s.Has("body-B/op") {
				continue
			}
			fmt.Fprintf(&sec, "| %s | %s | %s | %s |\n", CondString(g.Cond, Dims), v,
				fmtSummary(Summarize(s.Values["body-B/op"]), "body-B/op"), fmtSummary(Summarize(s.Values["wire-B/op"]), "wire-B/op"))
		}
		if c, ok := b.cfg.rules.compareIn(g, "grpc", "rest", "wire-B/op", Lower, "metric", "wire-B/op"); ok {
			wire = append(wire, c)
		}
	}
	if len(wg) > 0 {
		sec.WriteString("\n")
	}
	cs = append(cs, wire...)

	var parts []string
	if body := filterMetric(cs, "body-B/op"); len(body) > 0 {
		parts = append(parts, "body bytes protobuf/JSON "+ratioRange(body)+byPayload(body))
	}
	if len(wire) > 0 {
		parts = append(parts, "wire bytes per call grpc/rest "+ratioRange(wire))
	}
	if len(timing) > 0 {
		parts = append(parts, "codec time protobuf/JSON "+ratioRange(timing))
	}
	r.verdict = Decide(append(slices.Clone(cs), timing...), []string{"metric", "payload", "op", "msg", "conc", "rpc"})
	if len(parts) == 0 {
		r.measured = "not measured"
		sec.WriteString("Neither codec benchmarks nor wire byte counts were found, so this row has no data.\n\n")
		return r, sec.String()
	}
	r.measured = strings.Join(parts, "; ")
	sec.WriteString("Protobuf (playing gRPC) against JSON (playing REST), and grpc against rest on the wire:\n\n")
	comparisonTable(&sec, append(slices.Clone(cs), timing...))
	b.bytesPlot(codec, series, &sec)
	return r, sec.String()
}

// byPayload lists the ratio at each payload, " (100B 0.61×, 1KiB 0.55×)".
func byPayload(cs []Comparison) string {
	per := map[string][]float64{}
	for _, c := range cs {
		if p := c.Cond["payload"]; p != "" && c.REST.Center != 0 {
			per[p] = append(per[p], c.Ratio)
		}
	}
	if len(per) == 0 {
		return ""
	}
	var ps []string
	for p := range per {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, compareValue)
	var parts []string
	for _, p := range ps {
		parts = append(parts, p+" "+fmtX(Summarize(per[p]).Center))
	}
	return "; by payload: " + strings.Join(parts, ", ")
}

func (b *builder) bytesPlot(codec, calls []*Series, w *strings.Builder) {
	payloads := Values(append(slices.Clone(codec), calls...), "payload")
	if len(payloads) == 0 {
		return
	}
	var lines []line
	add := func(name string, series []*Series, unit string) {
		l := line{Name: name}
		for i, p := range payloads {
			var vals []float64
			for _, s := range series {
				if s.Key("payload") == p {
					vals = append(vals, s.Values[unit]...)
				}
			}
			l.X = append(l.X, float64(i))
			if len(vals) == 0 {
				l.Y = append(l.Y, math.NaN())
			} else {
				l.Y = append(l.Y, Summarize(vals).Center)
			}
		}
		lines = append(lines, l)
	}
	for _, c := range []string{"json", "protobuf", "proto"} {
		var sel []*Series
		for _, s := range codec {
			if s.Key("codec") == c && (s.Key("op") == "encode" || s.Key("op") == "") {
				sel = append(sel, s)
			}
		}
		if len(sel) > 0 {
			add(c+" body (codec)", sel, "body-B/op")
		}
	}
	// Wire bytes per call at the lowest concurrency, per variant.
	conc := Values(calls, "conc")
	for _, v := range Values(calls, "variant") {
		var sel []*Series
		for _, s := range calls {
			if s.Key("variant") == v && (len(conc) == 0 || s.Key("conc") == conc[0]) {
				sel = append(sel, s)
			}
		}
		add(v+" wire/call", sel, "wire-B/op")
	}
	svg, err := linePlot("Bytes per message by payload", "payload class", "bytes (log scale)", catTicks(payloads), lines, true)
	b.addPlot("bytes-by-payload.svg", svg, err, "body bytes from the codecs and wire bytes per call for each variant, against payload class; the gap between lines is the encoding's and the framing's overhead.", w)
}

// streaming compares, for every call kind, gRPC with REST's best equivalent.
func (b *builder) streaming() (row, string) {
	r := row{name: "Streaming", claim: "Limited → Supported (all four call kinds)"}
	var sec strings.Builder
	sec.WriteString("## Streaming: the four call kinds\n\n")
	var load, bench []*Series
	for _, s := range b.d.Series {
		if kindOf(s) == "" || !atBase(s) || !closedLoop(s) {
			continue
		}
		if s.Bench == "Load" {
			load = append(load, s)
		} else {
			bench = append(bench, s)
		}
	}
	var cs, lat []Comparison
	kindsREST := map[string][]string{}
	kindsGRPC := map[string]bool{}
	best := map[string]map[string]float64{} // kind → side → best median throughput
	for _, src := range []struct {
		name   string
		series []*Series
	}{{"load driver", load}, {"go test -bench", bench}} {
		for _, g := range groups(src.series) {
			var kind string
			for _, s := range g.By {
				kind = kindOf(s)
			}
			unit := "msgs/s"
			if kind == "unary" {
				unit = "req/s"
			}
			for _, v := range restVariants(g) {
				if g.By[v].Has(unit) && !slices.Contains(kindsREST[kind], v) {
					kindsREST[kind] = append(kindsREST[kind], v)
				}
			}
			if g.By["grpc"] != nil && g.By["grpc"].Has(unit) {
				kindsGRPC[kind] = true
			}
			rv := bestREST(g, unit, Higher)
			if rv == "" {
				continue
			}
			c, ok := b.cfg.rules.compareIn(g, "grpc", rv, unit, Higher, "kind", kind, "metric", unit, "rest", rv, "source", src.name)
			if !ok {
				continue
			}
			cs = append(cs, c)
			if best[kind] == nil {
				best[kind] = map[string]float64{}
			}
			best[kind]["grpc"] = math.Max(best[kind]["grpc"], c.GRPC.Center)
			best[kind]["REST best"] = math.Max(best[kind]["REST best"], c.REST.Center)
			if l, ok := b.cfg.rules.compareIn(g, "grpc", rv, "p50-ns", Lower, "kind", kind, "metric", "p50-ns", "rest", rv, "source", src.name); ok && kind != "unary" {
				lat = append(lat, l)
			}
		}
	}
	kinds := []string{"unary", "server-stream", "client-stream", "bidi"}
	var cover []string
	for _, k := range kinds {
		rv := "none"
		if len(kindsREST[k]) > 0 {
			slices.SortFunc(kindsREST[k], compareValue)
			rv = strings.Join(kindsREST[k], ", ")
		}
		g := "no"
		if kindsGRPC[k] {
			g = "yes"
		}
		cover = append(cover, fmt.Sprintf("| %s | %s | %s |", k, g, rv))
	}
	var streams []Comparison
	for _, c := range cs {
		if c.Cond["kind"] != "unary" {
			streams = append(streams, c)
		}
	}
	r.verdict = Decide(streams, []string{"kind", "payload", "conc", "source"})
	if len(cs) == 0 {
		r.measured = "not measured"
		sec.WriteString("No call kind has both a gRPC and a REST run, so this row has no data.\n\n")
		return r, sec.String()
	}
	var parts []string
	for _, k := range kinds {
		var kc []Comparison
		for _, c := range cs {
			if c.Cond["kind"] == k {
				kc = append(kc, c)
			}
		}
		switch {
		case len(kc) == 1:
			c := kc[0]
			unit := c.Cond["metric"]
			parts = append(parts, fmt.Sprintf("%s grpc %s vs %s %s (%s)", k, fmtSummary(c.GRPC, unit), c.Cond["rest"], fmtSummary(c.REST, unit), fmtRatio(c)))
		case len(kc) > 1:
			// The figures of one condition among several would be
			// quoted without naming it: the ratios say it all.
			parts = append(parts, k+" gRPC/REST "+ratioRange(kc))
		}
	}
	ran := 0
	for _, k := range kinds[1:] {
		if len(kindsREST[k]) > 0 {
			ran++
		}
	}
	r.measured = fmt.Sprintf("REST equivalents ran for %d of 3 streaming kinds; throughput against REST's best: %s", ran, strings.Join(parts, "; "))
	sec.WriteString("Which call kinds each side ran (REST's equivalents: NDJSON or SSE feeds, chunked uploads, WebSocket):\n\n| call kind | gRPC ran | REST variants that ran |\n|---|---|---|\n")
	sec.WriteString(strings.Join(cover, "\n") + "\n\n")
	sec.WriteString("Throughput (messages/s for streams, calls/s for unary), gRPC against REST's best variant at each condition. The verdict reads the three streaming kinds; unary is shown as the baseline:\n\n")
	comparisonTable(&sec, cs)
	if len(lat) > 0 {
		sec.WriteString("Per-message latency (p50) in streams, gRPC against the same REST variant:\n\n")
		comparisonTable(&sec, lat)
	}
	var cats []string
	g, rb := line{Name: "grpc"}, line{Name: "REST best"}
	for _, k := range kinds {
		if best[k] == nil {
			continue
		}
		g.X = append(g.X, float64(len(cats)))
		rb.X = append(rb.X, float64(len(cats)))
		g.Y = append(g.Y, best[k]["grpc"])
		rb.Y = append(rb.Y, best[k]["REST best"])
		cats = append(cats, k)
	}
	svg, err := linePlot("Streaming throughput by call kind", "call kind", "messages/s (calls/s for unary), log scale", catTicks(cats), []line{g, rb}, true)
	b.addPlot("streaming-by-kind.svg", svg, err, "the best median throughput gRPC and REST's best equivalent reached for each call kind over the conditions run; where the points sit apart, the transport matters for that kind.", &sec)
	return r, sec.String()
}

func (b *builder) idealFor() (row, string) {
	r := row{name: "Ideal for", claim: "Simple APIs → microservices (internal, high-throughput calls)"}
	var sec strings.Builder
	sec.WriteString("## Ideal for: crossover points\n\n")
	var load, bench []*Series
	for _, s := range b.d.Series {
		if kindOf(s) != "unary" {
			continue
		}
		switch {
		case s.Bench == "Load" && closedLoop(s):
			load = append(load, s)
		case s.Bench == "Unary":
			bench = append(bench, s)
		}
	}
	var cs []Comparison
	for _, src := range []struct {
		name   string
		series []*Series
	}{{"load driver", load}, {"go test -bench", bench}} {
		for _, g := range groups(src.series) {
			if c, ok := b.cfg.rules.compareIn(g, "grpc", "rest", "req/s", Higher, "metric", "req/s", "source", src.name); ok {
				// Name the defaults, so that loopback and no work are points
				// of the net and work dimensions.
				if c.Cond["net"] == "" {
					c.Cond["net"] = "loopback"
				}
				if c.Cond["work"] == "" || c.Cond["work"] == "0" {
					c.Cond["work"] = "0s"
				}
				cs = append(cs, c)
			}
		}
	}
	r.verdict = Decide(cs, []string{"payload", "conc", "net", "work", "rpc", "source"})
	if len(cs) == 0 {
		r.measured = "not measured"
		sec.WriteString("No condition has both rest and grpc throughput, so no crossover can be found.\n\n")
		return r, sec.String()
	}
	fmt.Fprintf(&sec, "Unary throughput, grpc against rest, from the load driver (server in its own process) and from `go test -bench` (one process; it alone runs the simulated networks), over every payload, concurrency, network profile and server work measured. The claim is read as \"gRPC serves microservice traffic better\": it holds where gRPC gives more calls per second.\n\n")
	var xs []string
	for _, dim := range []string{"payload", "conc", "net", "work"} {
		var vals []string
		for _, c := range cs {
			if v := c.Cond[dim]; v != "" && !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		slices.SortFunc(vals, compareValue)
		if len(vals) < 2 {
			fmt.Fprintf(&sec, "- **%s**: %s, so no crossover along it was measured.\n", dim, onlyValues(vals))
			continue
		}
		x := Crossovers(cs, dim)
		if len(x) == 0 {
			fmt.Fprintf(&sec, "- **%s** (%s): no change of outcome along it among the decided conditions.\n", dim, strings.Join(vals, ", "))
			continue
		}
		fmt.Fprintf(&sec, "- **%s** (%s): the outcome changes at\n", dim, strings.Join(vals, ", "))
		for _, c := range x {
			fmt.Fprintf(&sec, "  - %s\n", c)
			xs = append(xs, c.Dim+" "+c.From+"→"+c.To+" ("+c.Before.String()+"→"+c.After.String()+")")
		}
	}
	xs = countSame(xs)
	sec.WriteString("\n")
	comparisonTable(&sec, cs)
	b.login(&sec)
	if len(xs) == 0 {
		r.measured = "no crossover; throughput gRPC/REST " + ratioRange(cs)
	} else {
		const max = 4
		more := ""
		if len(xs) > max {
			more = fmt.Sprintf(" and %d more", len(xs)-max)
			xs = xs[:max]
		}
		r.measured = "crossovers: " + strings.Join(xs, "; ") + more
	}
	return r, sec.String()
}

func onlyValues(vals []string) string {
	if len(vals) == 0 {
		return "not varied"
	}
	return "only " + vals[0] + " was run"
}

var decompMetrics = []struct {
	unit   string
	better Better
}{{"p50-ns", Lower}, {"req/s", Higher}, {"wire-B/op", Lower}, {"cpu-ns/op", Lower}}

func (b *builder) decomposition() string {
	var sec strings.Builder
	sec.WriteString("## Decomposition: HTTP/2 versus protobuf\n\n")
	series, source := b.speedSource()
	effects := map[string]map[string][]float64{} // unit → effect → ratios
	var rows []string
	for _, g := range groups(series) {
		if g.By["rest"] == nil {
			continue
		}
		for _, m := range decompMetrics {
			if !g.By["rest"].Has(m.unit) {
				continue
			}
			cells := []string{CondString(g.Cond, Dims), m.unit, fmtSummary(Summarize(g.By["rest"].Values[m.unit]), m.unit)}
			any := false
			for _, v := range []string{"rest-h2c", "rest-proto", "grpc"} {
				c, ok := b.cfg.rules.compareIn(g, v, "rest", m.unit, m.better)
				if !ok {
					cells = append(cells, "—")
					continue
				}
				any = true
				cells = append(cells, fmtRatio(c))
				if effects[m.unit] == nil {
					effects[m.unit] = map[string][]float64{}
				}
				effects[m.unit][v] = append(effects[m.unit][v], c.Ratio)
			}
			if any {
				rows = append(rows, "| "+strings.Join(cells, " | ")+" |")
			}
		}
	}
	if len(rows) == 0 {
		sec.WriteString("No condition has rest together with rest-h2c, rest-proto or grpc, so the difference cannot be split.\n\n")
		return sec.String()
	}
	fmt.Fprintf(&sec, "From %s. Each cell is the variant ÷ rest: rest-h2c changes only the transport (HTTP/2), rest-proto only the encoding (protobuf), grpc both (and the server library).\n\n", source)
	sec.WriteString("Median ratio over the conditions:\n\n| metric | HTTP/2 effect (rest-h2c ÷ rest) | protobuf effect (rest-proto ÷ rest) | gRPC (grpc ÷ rest) |\n|---|---|---|---|\n")
	for _, m := range decompMetrics {
		e := effects[m.unit]
		if e == nil {
			continue
		}
		cells := []string{m.unit}
		for _, v := range []string{"rest-h2c", "rest-proto", "grpc"} {
			if len(e[v]) == 0 {
				cells = append(cells, "—")
			} else {
				cells = append(cells, fmtX(Summarize(e[v]).Center))
			}
		}
		sec.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	sec.WriteString("\nAt each condition:\n\n| condition | metric | rest | rest-h2c ÷ rest | rest-proto ÷ rest | grpc ÷ rest |\n|---|---|---|---|---|---|\n")
	sec.WriteString(strings.Join(rows, "\n") + "\n\n")
	return sec.String()
}

// ratePoint is one open-loop rate of one variant.
type ratePoint struct {
	rate float64
	s    *Series
}

func (b *builder) openLoop() string {
	var sec strings.Builder
	sec.WriteString("## Latency against throughput (open loop)\n\n")
	type curveSet struct {
		cond map[string]string
		by   map[string][]ratePoint
	}
	var sets []*curveSet
	byKey := map[string]*curveSet{}
	for _, s := range b.d.Select("Load", Filter{"mode": "open", "rate": "*"}) {
		rate, err := strconv.ParseFloat(s.Key("rate"), 64)
		if err != nil {
			continue
		}
		cond := map[string]string{}
		for k, v := range s.Keys {
			if k != "rate" && k != "variant" && k != "mode" {
				cond[k] = v
			}
		}
		key := CondString(cond, nil)
		cs := byKey[key]
		if cs == nil {
			cs = &curveSet{cond: cond, by: map[string][]ratePoint{}}
			byKey[key] = cs
			sets = append(sets, cs)
		}
		cs.by[s.Key("variant")] = append(cs.by[s.Key("variant")], ratePoint{rate, s})
	}
	if len(sets) == 0 {
		sec.WriteString("No open-loop rate sweep was run, so there is no latency-throughput curve and no maximum rate under a p99 bound.\n\n")
		return sec.String()
	}
	sort.SliceStable(sets, func(i, j int) bool { return lessCond(sets[i].cond, sets[j].cond) })
	bound := float64(b.cfg.p99Bound.Nanoseconds())
	fmt.Fprintf(&sec, "The load driver sends at fixed rates and times each call from its intended start (no coordinated omission). A rate counts as sustained when the achieved rate is within 5%% of the target and no call failed; the maximum rate is the highest sustained rate whose median p99 stays under %s.\n\n", fmtDuration(bound))
	for i, cs := range sets {
		vs := make([]string, 0, len(cs.by))
		for v := range cs.by {
			vs = append(vs, v)
		}
		sort.Slice(vs, func(i, j int) bool { return lessValue(vs[i], vs[j]) })
		fmt.Fprintf(&sec, "### %s\n\n| variant | rates run | max rate with p99 < %s | p99 at that rate |\n|---|---|---|---|\n", CondString(cs.cond, Dims), fmtDuration(bound))
		var lines []line
		okRates := map[string]map[float64]bool{}
		for _, v := range vs {
			pts := cs.by[v]
			sort.Slice(pts, func(i, j int) bool { return pts[i].rate < pts[j].rate })
			l := line{Name: v}
			best, bestP99 := -1.0, 0.0
			okRates[v] = map[float64]bool{}
			for _, p := range pts {
				got := Summarize(p.s.Values["req/s"]).Center
				p99 := Summarize(p.s.Values["p99-ns"]).Center
				l.X = append(l.X, got)
				l.Y = append(l.Y, p99/1e6)
				errs := Summarize(p.s.Values["errors/op"]).Center
				if got >= 0.95*p.rate && p99 < bound && p.s.Has("p99-ns") && errs == 0 {
					okRates[v][p.rate] = true
					if p.rate > best {
						best, bestP99 = p.rate, p99
					}
				}
			}
			lines = append(lines, l)
			mx, at := "none sustained", "—"
			if best >= 0 {
				mx, at = fmtValue(best, "req/s"), fmtDuration(bestP99)
			}
			fmt.Fprintf(&sec, "| %s | %d | %s | %s |\n", v, len(pts), mx, at)
		}
		sec.WriteString("\n")
		svg, err := linePlot("p99 latency against achieved rate: "+CondString(cs.cond, Dims), "achieved rate (calls/s)", "p99 latency (ms, log scale)", nil, lines, true)
		b.addPlot(fmt.Sprintf("latency-throughput-%d.svg", i+1), svg, err, "each point is one target rate; a curve that turns upward marks where that variant saturates, and the curve further right sustains more load at the same latency.", &sec)
		b.percentilePlot(i+1, cs.cond, cs.by, okRates, vs, &sec)
	}
	return sec.String()
}

var percentileUnits = []struct{ unit, label string }{
	{"p50-ns", "p50"}, {"p90-ns", "p90"}, {"p99-ns", "p99"}, {"p999-ns", "p99.9"}, {"max-ns", "max"},
}

// percentilePlot draws the latency percentiles of each variant at one rate:
// the highest rate every variant sustained, or else the lowest rate run.
func (b *builder) percentilePlot(n int, cond map[string]string, by map[string][]ratePoint, ok map[string]map[float64]bool, vs []string, w *strings.Builder) {
	var common []float64
	for _, p := range by[vs[0]] {
		all := true
		for _, v := range vs {
			if !ok[v][p.rate] {
				all = false
			}
		}
		if all {
			common = append(common, p.rate)
		}
	}
	var rate float64
	why := "the highest rate every variant sustained"
	if len(common) > 0 {
		rate = slices.Max(common)
	} else {
		rate = by[vs[0]][0].rate
		why = "the lowest rate run (no rate was sustained by every variant)"
	}
	var cats []string
	for _, pu := range percentileUnits {
		cats = append(cats, pu.label)
	}
	var lines []line
	for _, v := range vs {
		l := line{Name: v}
		for _, p := range by[v] {
			if p.rate != rate {
				continue
			}
			for i, pu := range percentileUnits {
				l.X = append(l.X, float64(i))
				if p.s.Has(pu.unit) {
					l.Y = append(l.Y, Summarize(p.s.Values[pu.unit]).Center/1e6)
				} else {
					l.Y = append(l.Y, math.NaN())
				}
			}
		}
		lines = append(lines, l)
	}
	title := fmt.Sprintf("Latency percentiles at %s calls/s", fmtSI(rate))
	svg, err := linePlot(title, "percentile", "latency (ms, log scale)", catTicks(cats), lines, true)
	b.addPlot(fmt.Sprintf("latency-percentiles-%d.svg", n), svg, err,
		fmt.Sprintf("latency percentiles of every variant at %s calls/s (%s, %s); the lower line is faster, and the spread from p50 to max shows the tail.", fmtSI(rate), why, CondString(cond, Dims)), w)
	b.cdfPlot(n, rate, by, vs, w)
}

// cdfPlot draws the whole response-time distribution of each variant at one
// rate, from the load driver's histograms, when they were given.
func (b *builder) cdfPlot(n int, rate float64, by map[string][]ratePoint, vs []string, w *strings.Builder) {
	if len(b.cfg.hists) == 0 {
		return
	}
	var lines []line
	for _, v := range vs {
		for _, p := range by[v] {
			if h := b.cfg.hists[histKey(p.s.Keys)]; p.rate == rate && h != nil {
				lines = append(lines, cdfLine(fmt.Sprintf("%s (%d calls)", v, h.TotalCount()), h))
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	ticks := []plot.Tick{{Value: 0, Label: "0%"}, {Value: math.Log10(2), Label: "50%"}, {Value: 1, Label: "90%"},
		{Value: 2, Label: "99%"}, {Value: 3, Label: "99.9%"}, {Value: 4, Label: "99.99%"}}
	svg, err := linePlot(fmt.Sprintf("Response-time distribution at %s calls/s", fmtSI(rate)), "quantile", "latency (ms, log scale)", ticks, lines, true)
	b.addPlot(fmt.Sprintf("latency-cdf-%d.svg", n), svg, err,
		fmt.Sprintf("the whole response-time distribution at %s calls/s from the load driver's HDR histograms, all windows merged; read across at a quantile to compare variants, and see where each tail bends up.", fmtSI(rate)), w)
}

func (b *builder) method() {
	w := &b.md
	w.WriteString("## Method and caveats\n\n")
	if len(b.d.ProvenanceKeys) > 0 {
		w.WriteString("Provenance recorded in the raw files:\n\n| key | value |\n|---|---|\n")
		for _, k := range b.d.ProvenanceKeys {
			if k == "proto" {
				continue // per run; the Protocol section shows it
			}
			fmt.Fprintf(w, "| %s | %s |\n", k, cell(strings.Join(b.d.Provenance[k], "; ")))
		}
		w.WriteString("\n")
	} else {
		w.WriteString("The raw files carry no provenance lines (commit, Go version, CPU): treat these figures as unattributed.\n\n")
	}
	var steal, discarded, flagged []float64
	windows := 0
	for _, s := range b.d.Series {
		if s.Bench != "Load" {
			continue
		}
		steal = append(steal, s.Values["steal-cpu"]...)
		discarded = append(discarded, s.Values["discarded-windows"]...)
		flagged = append(flagged, s.Values["steal-flagged"]...)
		windows += len(s.Values["req/s"])
	}
	switch {
	case windows == 0:
		w.WriteString("- No load-driver windows were run, so no CPU steal was recorded; `go test -bench` runs client and server in one process.\n")
	case len(steal) == 0:
		fmt.Fprintf(w, "- %s of the load driver; steal was not recorded.\n", plural(windows, "measurement window"))
	default:
		fmt.Fprintf(w, "- %s of the load driver kept; CPU steal per window: median %.3f, max %.3f CPU.\n", plural(windows, "measurement window"), Summarize(steal).Center, slices.Max(steal))
	}
	if len(discarded) > 0 {
		fmt.Fprintf(w, "- Windows discarded and measured again because steal passed the threshold: %.0f; windows kept although still over it after the last retry: %.0f.\n", sum(discarded), sum(flagged))
	} else if windows > 0 {
		w.WriteString("- Windows repeated for steal: not recorded in the raw files.\n")
	}
	if v := b.d.Provenance["pinning"]; len(v) > 0 {
		fmt.Fprintf(w, "- Pinning: %s.\n", strings.Join(v, "; "))
	} else {
		w.WriteString("- Pinning: not recorded.\n")
	}
	var notRun []string
	all := b.d.Series
	for _, dim := range []struct{ key, what string }{
		{"net", "simulated networks (lan, wan)"}, {"work", "server work per call"},
		{"tls", "TLS"}, {"gzip", "gzip"}, {"conns", "connection counts"},
	} {
		if !varied(all, dim.key) {
			notRun = append(notRun, dim.what)
		}
	}
	if len(b.d.Select("Load", Filter{"mode": "open"})) == 0 {
		notRun = append(notRun, "open-loop rate sweeps")
	}
	if len(b.d.Select("Codec", nil)) == 0 {
		notRun = append(notRun, "codec benchmarks")
	}
	if len(notRun) > 0 {
		fmt.Fprintf(w, "- Not varied or not measured in these files: %s. Conclusions do not extend to them.\n", strings.Join(notRun, "; "))
	}
	for _, n := range b.cfg.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	w.WriteString("- CPU steal counts only what the hypervisor takes; other processes on the same machine also take CPU, which only the load average (loadavg-at-start, when recorded) hints at. Wide intervals are the sign of it.\n")
	w.WriteString("- Loopback flatters HTTP/1.1 and hides payload size; the figures are for one small machine and say nothing of other hardware.\n")
	w.WriteString("- Not measured at all: cross-language clients, memory per client at 1,000 connections, and behaviour behind proxies or load balancers.\n\n")
	files := append(slices.Clone(b.d.Files), b.cfg.extra...)
	fmt.Fprintf(w, "Files: %s.\n", strings.Join(files, ", "))
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// login writes how much of a login (ValidateUser, a real password hash) the
// transport costs, against variant=core, which calls the core directly.
func (b *builder) login(w *strings.Builder) {
	series := b.d.Select("ValidateUser", Filter{"variant": "*"})
	var core *Series
	for _, s := range series {
		if s.Key("variant") == "core" {
			core = s
		}
	}
	if core == nil || !core.Has("ns/op") {
		return
	}
	c := Summarize(core.Values["ns/op"]).Center
	w.WriteString("Server work that dwarfs the transport: a login (`BenchmarkValidateUser`, a real password hash) against the same call made on the core directly:\n\n| variant | time per login | transport's share |\n|---|---|---|\n")
	for _, v := range Values(series, "variant") {
		for _, s := range series {
			if s.Key("variant") != v || !s.Has("ns/op") {
				continue
			}
			m := Summarize(s.Values["ns/op"])
			share := "—"
			switch {
			case v == "core" || m.Center <= 0:
			case m.Center <= c:
				share = "none measurable (not slower than the bare core)"
			default:
				share = fmt.Sprintf("%.1f%%", (1-c/m.Center)*100)
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", v, fmtSummary(m, "ns/op"), share)
		}
	}
	w.WriteString("\n")
}

// countSame folds repeated strings into one with a count, in first-seen
// order: "a", "a", "b" → "a (at 2 conditions)", "b".
func countSame(xs []string) []string {
	n := map[string]int{}
	var order []string
	for _, x := range xs {
		if n[x] == 0 {
			order = append(order, x)
		}
		n[x]++
	}
	out := make([]string, 0, len(order))
	for _, x := range order {
		if n[x] > 1 {
			x = fmt.Sprintf("%s at %d conditions", x, n[x])
		}
		out = append(out, x)
	}
	return out
}

// varied reports whether the end-to-end series (not the codec ones) take
// two or more values of key, a series without the key counting as one
// value (the default: loopback, no work, no TLS).
func varied(series []*Series, key string) bool {
	seen := map[string]bool{}
	for _, s := range series {
		if kindOf(s) == "" {
			continue
		}
		seen[s.Key(key)] = true
	}
	return len(seen) >= 2
}
