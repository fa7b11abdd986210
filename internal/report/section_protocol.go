package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// protocolOf returns the protocol a series recorded, from a name key or a
// provenance line ("proto: HTTP/2.0").
func protocolOf(s *Series) string {
	if v := s.Key("proto"); v != "" {
		return v
	}
	for _, k := range []string{"proto", "protocol", "proto-" + s.Key("variant")} {
		if v := s.Config[k]; v != "" {
			return v
		}
	}
	return ""
}

// ProtocolVerdict applies the protocol rule to the protocols recorded per variant.
func ProtocolVerdict(seen map[string][]string) Verdict {
	is := func(v, prefix string) bool {
		ps := seen[v]
		if len(ps) == 0 {
			return false
		}
		for _, p := range ps {
			if !strings.HasPrefix(strings.ToUpper(p), prefix) {
				return false
			}
		}
		return true
	}
	if len(seen["rest"]) == 0 || len(seen["grpc"]) == 0 {
		if len(seen) == 0 {
			return Verdict{Kind: NoData}
		}
		return Verdict{Kind: Inconclusive, Sentence: "Inconclusive: rest or grpc recorded no protocol."}
	}
	if !is("rest", "HTTP/1") || !is("grpc", "HTTP/2") {
		return Verdict{Kind: DoesNotHold, Sentence: "Does not hold: rest negotiated " + strings.Join(seen["rest"], ", ") + " and grpc " + strings.Join(seen["grpc"], ", ") + "."}
	}
	anyHTTP2 := false
	for _, p := range seen["rest-h2c"] {
		anyHTTP2 = anyHTTP2 || strings.HasPrefix(strings.ToUpper(p), "HTTP/2")
	}
	if anyHTTP2 {
		return Verdict{Kind: HoldsOnlyWhen, When: "REST as usually served",
			Sentence: "Holds for REST as usually served (HTTP/1.1); the same REST handlers also ran over HTTP/2 (rest-h2c), so HTTP/2 is not gRPC's alone."}
	}
	return Verdict{Kind: Holds, Sentence: "Holds: every rest run spoke HTTP/1.1 and every grpc run HTTP/2."}
}

func (b *builder) protocol() (row, string) {
	seen := map[string][]string{}
	for _, s := range b.d.Series {
		v := s.Key("variant")
		if p := protocolOf(s); v != "" && p != "" && !slices.Contains(seen[v], p) {
			seen[v] = append(seen[v], p)
		}
	}
	vs := make([]string, 0, len(seen))
	for v := range seen {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return lessValue(vs[i], vs[j]) })
	r := row{name: "Protocol", claim: "HTTP/1.1 → HTTP/2", verdict: ProtocolVerdict(seen)}
	// The measured cell groups the variants by protocol.
	var protos []string
	byProto := map[string][]string{}
	for _, v := range vs {
		for _, p := range seen[v] {
			if byProto[p] == nil {
				protos = append(protos, p)
			}
			byProto[p] = append(byProto[p], v)
		}
	}
	var measured []string
	for _, p := range protos {
		measured = append(measured, p+": "+strings.Join(byProto[p], ", "))
	}
	if r.verdict.Kind == NoData {
		r.verdict.Sentence = "Not measured."
	}
	var sec strings.Builder
	sec.WriteString("## Protocol\n\n")
	if len(measured) == 0 {
		r.measured = "not recorded"
		sec.WriteString("No run recorded the negotiated protocol, so this row has no data.\n\n")
		return r, sec.String()
	}
	r.measured = strings.Join(measured, "; ")
	sec.WriteString("The protocol each variant actually negotiated, as recorded by the runs (`resp.Proto` / ALPN):\n\n| variant | negotiated |\n|---|---|\n")
	for _, v := range vs {
		fmt.Fprintf(&sec, "| %s | %s |\n", v, strings.Join(seen[v], ", "))
	}
	sec.WriteString("\n")
	return r, sec.String()
}
