package report

import (
	"fmt"
	"slices"
	"strings"
)

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
		sec.WriteString("| message | payload | op | JSON body | protobuf body | JSON time | protobuf time | time protobuf ÷ JSON |\n|---|---|---|---|---|---|---|---|\n")
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
			fmt.Fprintf(&sec, "| %s | %s | %s | %s |\n", CondWords(g.Cond, Dims), v,
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
	body := filterMetric(cs, "body-B/op")
	if len(body) > 0 {
		parts = append(parts, "protobuf bodies "+ratioSpan(body)+" JSON's size")
	}
	if len(wire) > 0 {
		parts = append(parts, "gRPC calls carry "+ratioSpan(wire)+" REST's wire bytes")
	}
	if len(timing) > 0 {
		parts = append(parts, "protobuf encodes and decodes in "+ratioSpan(timing)+" JSON's time")
	}
	all := append(slices.Clone(cs), timing...)
	dims := []string{"metric", "payload", "op", "msg", "conc", "rpc"}
	r.verdict = b.cfg.rules.Decide(all, dims)
	r.verdict.Sentence = Sentence(r.verdict, dims, "better")
	if r.verdict.Kind == Holds && !r.verdict.Uncertain {
		var gains []string
		for _, m := range []struct{ unit, words string }{
			{"body-B/op", "smaller bodies"}, {"ns/op", "faster to encode and decode"}, {"wire-B/op", "fewer wire bytes per gRPC call"},
		} {
			if won := filterMetric(r.verdict.Wins, m.unit); len(won) > 0 {
				gains = append(gains, gainSpan(won, false)+" "+m.words)
			}
		}
		r.verdict.Sentence = "Holds at every size measured: protobuf " + orList(gains) + "."
	}
	if len(parts) == 0 {
		r.measured = "not measured"
		sec.WriteString("Neither codec benchmarks nor wire byte counts were found, so this row has no data.\n\n")
		return r, sec.String()
	}
	v := r.verdict
	r.verdict.Sentence = b.withCodecSentence(r.verdict.Sentence,
		func(limit int) string { return sentenceWithin(v, dims, "better", limit) }, "client-cpu-ns/op")
	r.measured = strings.Join(parts, "; ")
	sec.WriteString("Protobuf (playing gRPC) against JSON (playing REST), and grpc against rest on the wire:\n\n")
	comparisonTable(&sec, all, dims)
	b.bytesPlot(codec, series, &sec)
	return r, sec.String()
}

func (b *builder) bytesPlot(codec, calls []*Series, w *strings.Builder) {
	var bars []figBar
	add := func(payload, name, color string, vals []float64) {
		if len(vals) > 0 {
			bars = append(bars, figBar{cat: payloadLabel(payload) + " records", series: name, s: Summarize(vals), color: color})
		}
	}
	payloads := Values(append(slices.Clone(codec), calls...), "payload")
	conc := Values(calls, "conc")
	for _, p := range payloads {
		for _, c := range []string{"json", "protobuf"} {
			var vals []float64
			for _, s := range codec {
				if s.Key("codec") == c && s.Key("payload") == p && (s.Key("op") == "encode" || s.Key("op") == "") {
					vals = append(vals, s.Values["body-B/op"]...)
				}
			}
			add(p, c+" body (codec)", map[string]string{"json": "#bbbbbb", "protobuf": "#555555"}[c], vals)
		}
		// Wire bytes per call at the lowest concurrency, per variant.
		for _, v := range Values(calls, "variant") {
			var vals []float64
			for _, s := range calls {
				if s.Key("variant") == v && s.Key("payload") == p && (len(conc) == 0 || s.Key("conc") == conc[0]) {
					vals = append(vals, s.Values["wire-B/op"]...)
				}
			}
			add(p, v+": wire bytes per call", palette[variantColor(v)], vals)
		}
	}
	title := "Bytes per message: codec bodies and wire bytes per call, by record size"
	b.addPlot(w, "bytes-by-payload.svg", title, barChart(title, "bytes (log scale)", bars, true, 0, "", fmtBytesTick),
		"for each record size, the JSON and protobuf bodies the codecs produce, then each variant's wire bytes per call (both directions, headers and framing included). The gap between a body and its variant's wire bytes is the framing's overhead.")
}
