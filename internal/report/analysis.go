package report

import (
	"fmt"
	"slices"
	"sort"
)

// Dims are the dimensions of a condition, in the order the report names them.
var Dims = []string{"rpc", "kind", "msg", "payload", "conc", "conns", "net", "work", "tls", "gzip", "mode", "check", "rate", "engine", "metric"}

// Floors are variants that are not REST or gRPC but physical baselines.
var Floors = []string{"tcp", "nethttp"}

// unaryRPCs are the unary methods of the contracts.
var unaryRPCs = []string{"ValidateToken", "GetTransaction", "ValidateUser"}

// kindOf names the call kind of a series: unary, server-stream,
// client-stream or bidi; "" if it is none (codec benchmarks).
func kindOf(s *Series) string {
	switch s.Bench {
	case "Unary":
		return "unary"
	case "ServerStream":
		return "server-stream"
	case "ClientStream":
		return "client-stream"
	case "Bidi":
		return "bidi"
	case "Load":
		switch rpc := s.Key("rpc"); {
		case rpc == "ListTransactions":
			return "server-stream"
		case rpc == "Upload":
			return "client-stream"
		case rpc == "Chat":
			return "bidi"
		case slices.Contains(unaryRPCs, rpc):
			return "unary"
		}
	}
	return ""
}

// A group is the series that share a condition, by variant.
type group struct {
	Cond map[string]string
	By   map[string]*Series
}

// groups gathers series by their keys minus "variant".
func groups(series []*Series) []*group { return groupsBy(series, "variant") }

// groupsBy gathers series by their keys minus vkey, indexed by the value of
// vkey.
func groupsBy(series []*Series, vkey string) []*group {
	byKey := map[string]*group{}
	var out []*group
	for _, s := range series {
		cond := map[string]string{}
		for k, v := range s.Keys {
			if k != vkey {
				cond[k] = v
			}
		}
		key := s.Bench + " " + CondString(cond, nil)
		g := byKey[key]
		if g == nil {
			g = &group{Cond: cond, By: map[string]*Series{}}
			byKey[key] = g
			out = append(out, g)
		}
		if old := g.By[s.Key(vkey)]; old != nil {
			// The same condition under two names (keys in another
			// order): pool the samples, of every unit either has.
			merged := *old
			merged.Values = map[string][]float64{}
			merged.Slices = map[string][]string{}
			for u, v := range old.Values {
				merged.Values[u] = slices.Clone(v)
				merged.Slices[u] = padSlices(old.Slices[u], len(v))
			}
			for u, v := range s.Values {
				merged.Values[u] = append(merged.Values[u], v...)
				merged.Slices[u] = append(merged.Slices[u], padSlices(s.Slices[u], len(v))...)
			}
			g.By[s.Key(vkey)] = &merged
			continue
		}
		g.By[s.Key(vkey)] = s
	}
	sort.SliceStable(out, func(i, j int) bool { return lessCond(out[i].Cond, out[j].Cond) })
	return out
}

func lessCond(a, b map[string]string) bool {
	for _, d := range Dims {
		va, vb := a[d], b[d]
		if va != vb {
			return lessValue(va, vb)
		}
	}
	return CondString(a, nil) < CondString(b, nil)
}

// withCond returns a copy of cond with extra keys set.
func withCond(cond map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(cond)+len(kv)/2)
	for k, v := range cond {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// padSlices returns l as long as n, "" filling in (series built by hand).
func padSlices(l []string, n int) []string {
	out := slices.Clone(l)
	for len(out) < n {
		out = append(out, "")
	}
	return out[:n]
}

// compareIn compares variant a (playing gRPC) against b (playing REST) in a
// group on one unit, pair by pair. ok is false when either has no samples
// of the unit.
func (ru Rules) compareIn(g *group, a, b, unit string, better Better, kv ...string) (Comparison, bool) {
	sa, sb := g.By[a], g.By[b]
	if sa == nil || sb == nil || !sa.Has(unit) || !sb.Has(unit) {
		return Comparison{}, false
	}
	x, y := Pairs(sa, sb, unit)
	c := ru.Compare(withCond(g.Cond, kv...), unit, better, x, y)
	c.GRPCBound, c.RESTBound = boundOf(sa), boundOf(sb)
	c.Bench, c.Variants = sa.Bench, [2]string{a, b}
	return c, true
}

// restVariants returns the variants of g that are REST: neither grpc nor a floor.
func restVariants(g *group) []string {
	var vs []string
	for v := range g.By {
		if v != "grpc" && !slices.Contains(Floors, v) && v != "" {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return lessValue(vs[i], vs[j]) })
	return vs
}

// bestREST returns the REST variant of g with the best median in unit.
func bestREST(g *group, unit string, better Better) string {
	best, bestV := "", 0.0
	for _, v := range restVariants(g) {
		s := g.By[v]
		if !s.Has(unit) {
			continue
		}
		c := Summarize(s.Values[unit]).Center
		if best == "" || (better == Higher && c > bestV) || (better == Lower && c < bestV) {
			best, bestV = v, c
		}
	}
	return best
}

// ratioSpan writes the range of the median gRPC ÷ REST ratios of cs:
// "0.80–1.25×", or one ratio.
func ratioSpan(cs []Comparison) string {
	var rs []float64
	for _, c := range cs {
		if c.Ratio.OK() {
			rs = append(rs, c.Ratio.Center)
		}
	}
	return span(rs)
}

// gainSpan writes the range of gRPC's median gains over cs (how many times
// better), or with rest set REST's (the inverse).
func gainSpan(cs []Comparison, rest bool) string {
	var gs []float64
	for _, c := range cs {
		if c.Ratio.OK() {
			g, _, _ := c.Gain()
			if rest {
				g = 1 / g
			}
			gs = append(gs, g)
		}
	}
	return span(gs)
}

// gainCell writes gRPC's gains over cs for a table's Measured cell: gains,
// not ratios, since comparisons of one row may be in units of either
// direction (calls per second, server CPU per call).
func gainCell(cs []Comparison) string {
	return fmt.Sprintf("gRPC's gain over REST at %s: %s (below 1×: REST ahead)", plural(len(cs), "condition"), gainSpan(cs, false))
}

func span(xs []float64) string {
	if len(xs) == 0 {
		return "—"
	}
	lo, hi := slices.Min(xs), slices.Max(xs)
	if fmt.Sprintf("%.2g", lo) == fmt.Sprintf("%.2g", hi) {
		return fmtF(lo) + "×"
	}
	return fmtF(lo) + "–" + fmtF(hi) + "×"
}

func filterMetric(cs []Comparison, metric string) []Comparison {
	var out []Comparison
	for _, c := range cs {
		if c.Unit == metric {
			out = append(out, c)
		}
	}
	return out
}
