package report

import (
	"fmt"
	"strings"
)

// variantTable writes one line per variant and condition of load or
// benchmark rows: bound class, latency, throughput in unit and the CPU per
// call on each side.
func variantTable(w *strings.Builder, gs []*group, unit string) {
	w.WriteString("| condition | variant | bound | p50 | p99 | " + metricLabels[unit] + " | client CPU/call | server CPU/call |\n|---|---|---|---|---|---|---|---|\n")
	for _, g := range gs {
		for _, v := range variantsOf(g) {
			s := g.By[v]
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", CondWords(g.Cond, Dims), v, boundCell(s),
				fmtSummary(Summarize(s.Values["p50-ns"]), "p50-ns"), fmtSummary(Summarize(s.Values["p99-ns"]), "p99-ns"),
				fmtSummary(Summarize(s.Values[unit]), unit),
				fmtSummary(Summarize(s.Values["client-cpu-ns/op"]), "client-cpu-ns/op"), fmtSummary(Summarize(s.Values["server-cpu-ns/op"]), "server-cpu-ns/op"))
		}
	}
	w.WriteString("\n")
}

// boundCell writes a series' bound class with each side's CPU use.
func boundCell(s *Series) string {
	b := boundOf(s)
	if b == "" {
		return "not recorded"
	}
	if !s.Has("client-busy") {
		return fmt.Sprintf("%s (server %.2f, client not recorded)", b, med(s, "server-busy"))
	}
	return fmt.Sprintf("%s (client %.2f, server %.2f)", b, med(s, "client-busy"), med(s, "server-busy"))
}

// comparisonTable writes each comparison with its interval and outcome.
func comparisonTable(w *strings.Builder, cs []Comparison, dims []string) {
	bounds := false
	for _, c := range cs {
		bounds = bounds || c.GRPCBound != "" || c.RESTBound != ""
	}
	head := "| condition | compared by | gRPC | REST | gRPC ÷ REST (95% interval) | pairs | outcome |"
	sep := "|---|---|---|---|---|---|---|"
	if bounds {
		head = "| condition | compared by | bound gRPC / REST | gRPC | REST | gRPC ÷ REST (95% interval) | pairs | outcome |"
		sep += "---|"
	}
	w.WriteString(head + "\n" + sep + "\n")
	for _, c := range cs {
		cond := map[string]string{}
		for k, v := range c.Cond {
			if k != "metric" {
				cond[k] = v
			}
		}
		cells := []string{CondWords(cond, dims), metricLabels[c.Unit]}
		if bounds {
			cells = append(cells, orDash(c.GRPCBound)+" / "+orDash(c.RESTBound))
		}
		out := c.Outcome.String()
		if c.Why != "" {
			out += " (" + c.Why + ")"
		}
		cells = append(cells, fmtSummary(c.GRPC, c.Unit), fmtSummary(c.REST, c.Unit), fmtRatio(c), fmt.Sprint(c.Ratio.N), out)
		w.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	w.WriteString("\n")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
