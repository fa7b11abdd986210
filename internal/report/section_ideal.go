package report

import (
	"fmt"
	"slices"
	"strings"
)

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
			if c, ok := b.throughputComparison(g, "rest", "req/s", "source", src.name); ok {
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
	dims := []string{"payload", "conc", "net", "work", "rpc", "source", "mode"}
	r.verdict = b.cfg.rules.Decide(cs, dims)
	r.verdict.Sentence = Sentence(r.verdict, dims, "faster")
	pinned := b.pinned("grpc", "rest")
	if len(pinned) > 0 {
		fmt.Fprintf(&sec, "Behind a balancer (that section has the figures) where rest's calls were spread: %s; there gRPC needs more setup than REST (several connections, or balancing per call).\n\n", joinPins(pinned))
	}
	if len(cs) == 0 {
		r.measured = "not measured"
		sec.WriteString("No condition has both rest and grpc throughput, so no crossover can be found.\n\n")
		return r, sec.String()
	}
	fmt.Fprintf(&sec, "Unary throughput, grpc against rest, from the load driver (server in its own process) and from `go test -bench` (one process; it alone runs the simulated networks), over every payload, concurrency, network profile and server work measured. The claim is read as \"gRPC serves microservice traffic better\": it holds where gRPC gives more calls per second (or, where a load-driver row was not server-bound, costs the server less CPU per call).\n\n")
	var flips []string
	dimNames := map[string]string{"payload": "record size", "conc": "callers", "net": "network", "work": "server work"}
	for _, dim := range []string{"payload", "conc", "net", "work"} {
		var vals []string
		for _, c := range cs {
			if v := c.Cond[dim]; v != "" && !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		slices.SortFunc(vals, compareValue)
		var words []string
		for _, v := range vals {
			words = append(words, ValueWords(dim, v))
		}
		if len(vals) < 2 {
			fmt.Fprintf(&sec, "- **%s**: %s, so no crossover along it was measured.\n", dimNames[dim], onlyValues(words))
			continue
		}
		x := Crossovers(cs, dim)
		if len(x) == 0 {
			fmt.Fprintf(&sec, "- **%s** (%s): no change of outcome along it among the decided conditions.\n", dimNames[dim], strings.Join(words, ", "))
			continue
		}
		flips = append(flips, dimNames[dim])
		fmt.Fprintf(&sec, "- **%s** (%s): the outcome changes\n", dimNames[dim], strings.Join(words, ", "))
		for _, c := range x {
			fmt.Fprintf(&sec, "  - %s\n", c)
		}
	}
	sec.WriteString("\n")
	comparisonTable(&sec, cs, dims)
	b.login(&sec)
	r.measured = gainCell(cs)
	if len(flips) == 0 {
		r.measured += "; no crossover"
	} else {
		r.measured += "; the outcome changes with " + orList(flips)
	}
	if len(pinned) > 0 && len([]rune(r.measured+"; "+pinned[0].String())) <= MaxMeasured {
		r.measured += "; " + pinned[0].String()
	}
	return r, sec.String()
}

func onlyValues(vals []string) string {
	if len(vals) == 0 {
		return "not varied"
	}
	return "only " + vals[0] + " was run"
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
