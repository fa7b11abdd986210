package report

import (
	"fmt"
	"strings"
)

var decompNames = map[string]string{"rest-h2c": "HTTP/2 only (rest-h2c)", "rest-proto": "protobuf only (rest-proto)", "grpc": "both (grpc)"}

var decompMetrics = []struct {
	unit   string
	better Better
}{{"p50-ns", Lower}, {"req/s", Higher}, {"wire-B/op", Lower}, {"client-cpu-ns/op", Lower}, {"server-cpu-ns/op", Lower}}

func (b *builder) decomposition() string {
	var sec strings.Builder
	sec.WriteString("## Decomposition: HTTP/2 versus protobuf\n\n")
	series, source := b.speedSource()
	effects := map[string]map[string][]float64{} // unit → effect → ratios
	var rows []string
	var fig []figBar
	for _, g := range groups(series) {
		if g.By["rest"] == nil {
			continue
		}
		for _, m := range decompMetrics {
			if !g.By["rest"].Has(m.unit) {
				continue
			}
			cells := []string{CondWords(g.Cond, Dims), metricLabels[m.unit], fmtSummary(Summarize(g.By["rest"].Values[m.unit]), m.unit)}
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
				effects[m.unit][v] = append(effects[m.unit][v], c.Ratio.Center)
				if m.unit == "req/s" {
					fig = append(fig, figBar{cat: CondWords(pick(g.Cond, "payload", "conc"), Dims), series: decompNames[v], s: c.Ratio})
				}
			}
			if any {
				rows = append(rows, "| "+strings.Join(append(cells, decompBounds(g, m.unit)), " | ")+" |")
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
		cells := []string{metricLabels[m.unit]}
		for _, v := range []string{"rest-h2c", "rest-proto", "grpc"} {
			if len(e[v]) == 0 {
				cells = append(cells, "—")
			} else {
				cells = append(cells, fmtX(Summarize(e[v]).Center))
			}
		}
		sec.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	sec.WriteString("\nAt each condition (the calls-per-second rows name what bounded each variant's windows):\n\n| condition | metric | rest | rest-h2c ÷ rest | rest-proto ÷ rest | grpc ÷ rest | bound: rest / rest-h2c / rest-proto / grpc |\n|---|---|---|---|---|---|---|\n")
	sec.WriteString(strings.Join(rows, "\n") + "\n\n")
	b.ratioBars(&sec, "decomposition.svg", "What changes calls per second: HTTP/2, protobuf, or both (÷ rest)", fig,
		"each group is one condition; each bar is a variant's calls per second divided by plain rest's, pair by pair (median, 95% interval). rest-h2c changes only the transport, rest-proto only the encoding, grpc both; above 1 is faster than rest.")
	return sec.String()
}

// decompBounds is the bound class of each variant at g for a
// calls-per-second row, "—" for the other metrics (per-call CPU holds
// whichever side ran out).
func decompBounds(g *group, unit string) string {
	if unit != "req/s" {
		return "—"
	}
	var bs []string
	for _, v := range []string{"rest", "rest-h2c", "rest-proto", "grpc"} {
		b := boundOf(g.By[v])
		if b == "" {
			b = "not recorded"
		}
		bs = append(bs, b)
	}
	return strings.Join(bs, " / ")
}
