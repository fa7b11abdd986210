package report

import (
	"fmt"
	"slices"
	"strings"
)

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
	plotted := map[string][]*group{} // stream groups by source, for the figure
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
			if kind != "unary" {
				plotted[src.name] = append(plotted[src.name], g)
			}
			c, ok := b.throughputComparison(g, rv, unit, "kind", kind, "rest", rv, "source", src.name)
			if !ok {
				continue
			}
			cs = append(cs, c)
			if l, ok := b.cfg.rules.compareIn(g, "grpc", rv, "p50-ns", Lower, "kind", kind, "rest", rv, "source", src.name); ok && kind != "unary" {
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
		cover = append(cover, fmt.Sprintf("| %s | %s | %s |", kindWords[k], g, rv))
	}
	var streams []Comparison
	for _, c := range cs {
		if c.Cond["kind"] != "unary" {
			streams = append(streams, c)
		}
	}
	dims := []string{"kind", "payload", "conc", "source", "rest"}
	r.verdict = b.cfg.rules.Decide(streams, dims)
	r.verdict.Sentence = Sentence(r.verdict, dims, "the messages per second")
	if len(cs) == 0 {
		r.measured = "not measured"
		sec.WriteString("No call kind has both a gRPC and a REST run, so this row has no data.\n\n")
		return r, sec.String()
	}
	var parts []string
	for _, k := range kinds[1:] {
		var kc []Comparison
		for _, c := range streams {
			if c.Cond["kind"] == k {
				kc = append(kc, c)
			}
		}
		if len(kc) > 0 {
			parts = append(parts, kindWords[k]+" "+gainSpan(kc, false))
		}
	}
	ran := 0
	for _, k := range kinds[1:] {
		if len(kindsREST[k]) > 0 {
			ran++
		}
	}
	r.measured = fmt.Sprintf("gRPC's gain over REST's best (below 1×: REST ahead): %s; REST ran %d of 3 streaming kinds (NDJSON or SSE feed, chunked upload, WebSocket)", strings.Join(parts, ", "), ran)
	sec.WriteString("Which call kinds each side ran (REST's equivalents: NDJSON or SSE feeds, chunked uploads, WebSocket):\n\n| call kind | gRPC ran | REST variants that ran |\n|---|---|---|\n")
	sec.WriteString(strings.Join(cover, "\n") + "\n\n")
	sec.WriteString("Throughput (messages/s for streams, calls/s for unary) where both servers were the bottleneck, else server CPU per call (the \"compared by\" column), gRPC against REST's best variant at each condition. The verdict reads the three streaming kinds; unary is shown as the baseline:\n\n")
	comparisonTable(&sec, cs, dims)
	if len(lat) > 0 {
		sec.WriteString("Per-message latency (p50) in streams, gRPC against the same REST variant:\n\n")
		comparisonTable(&sec, lat, dims)
	}
	fig := plotted["load driver"]
	if len(fig) == 0 {
		fig = plotted["go test -bench"]
	}
	b.groupedBars(&sec, "streaming-by-kind.svg", "Streams: messages per second by call kind (median, 95% interval)", "messages per second", fig, "", []string{"rest", "rest-sse", "rest-proto", "rest-h2c", "grpc"},
		"each group is one call kind, each bar one variant; the whisker is the 95% interval of the median over the windows. Taller is more messages per second.")
	return r, sec.String()
}
