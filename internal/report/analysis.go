package report

import (
	"slices"
	"sort"
)

// Dims are the dimensions of a condition, in the order the report names them.
var Dims = []string{"rpc", "kind", "msg", "payload", "conc", "conns", "net", "work", "tls", "gzip", "mode", "rate", "metric"}

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
			for u, v := range old.Values {
				merged.Values[u] = slices.Clone(v)
			}
			for u, v := range s.Values {
				merged.Values[u] = append(merged.Values[u], v...)
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

// compareIn compares variant a (playing gRPC) against b (playing REST) in a
// group on one unit. ok is false when either has no samples of the unit.
func (ru Rules) compareIn(g *group, a, b, unit string, better Better, kv ...string) (Comparison, bool) {
	sa, sb := g.By[a], g.By[b]
	if sa == nil || sb == nil || !sa.Has(unit) || !sb.Has(unit) {
		return Comparison{}, false
	}
	return ru.Compare(withCond(g.Cond, kv...), sa.Values[unit], sb.Values[unit], better), true
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

// ratioRange summarises the gRPC/REST ratios of cs: "0.80×–1.25× (median 1.02×)".
func ratioRange(cs []Comparison) string {
	var rs []float64
	for _, c := range cs {
		if c.REST.OK() && c.GRPC.OK() && c.REST.Center != 0 {
			rs = append(rs, c.Ratio)
		}
	}
	if len(rs) == 0 {
		return "—"
	}
	slices.Sort(rs)
	med := Summarize(rs).Center
	if len(rs) == 1 {
		return fmtX(rs[0])
	}
	return fmtX(rs[0]) + "–" + fmtX(rs[len(rs)-1]) + " (median " + fmtX(med) + ", " + plural(len(rs), "condition") + ")"
}

func filterMetric(cs []Comparison, metric string) []Comparison {
	var out []Comparison
	for _, c := range cs {
		if c.Cond["metric"] == metric {
			out = append(out, c)
		}
	}
	return out
}
