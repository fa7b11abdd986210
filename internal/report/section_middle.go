package report

import (
	"fmt"
	"strings"

	"restvsgrpc/internal/variant"
)

// The Middle ways section reads the windows cmd/report runs into their own
// raw file ("section: middle"): rest and grpc against connect-go (the
// Connect protocol with JSON and with protobuf, gRPC-Web) and grpc-gateway
// in front of grpc-go, every variant in decode mode, since the middle ways
// are driven by their libraries' own clients. The gateway's server process
// holds the gateway and the gRPC server it calls, so its CPU per call is
// the whole "REST outside, gRPC inside" path.

// middleSection names cmd/report's raw file of the Middle ways windows.
const middleSection = "middle"

// middleWire says what each variant speaks, for the section's table.
var middleWire = map[string]string{
	variant.REST:         "gin, JSON",
	variant.GRPC:         "grpc-go, protobuf",
	variant.ConnectJSON:  "connect-go, Connect protocol, JSON",
	variant.ConnectProto: "connect-go, Connect protocol, protobuf",
	variant.GRPCWeb:      "connect-go, gRPC-Web, protobuf",
	variant.Gateway:      "grpc-gateway (JSON) → grpc-go",
}

func (b *builder) middleWays() string {
	gs := groups(b.middle)
	if len(gs) == 0 {
		return ""
	}
	var sec strings.Builder
	sec.WriteString("## Middle ways: Connect and grpc-gateway\n\n")
	sec.WriteString("The same services from the same `proto/` as the options teams choose between REST and gRPC: connect-go's one handler (the Connect protocol with JSON or protobuf bodies, and gRPC-Web, here over HTTP/1.1) and grpc-gateway's REST+JSON in front of the grpc-go server, reached over loopback, so that a gateway call pays the transcoding and the extra hop. The load driver, closed loop, loopback, decode mode for every variant (the middle ways are driven by their libraries' own clients); every variant of a slice back to back, on servers started with its flags. The gateway's server CPU is that of the one process holding the gateway and the gRPC server.\n\n")
	sec.WriteString("| condition | variant | stack | protocol | bound | calls/s | server CPU/call | client CPU/call | wire B/call |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, g := range gs {
		for _, v := range variant.MiddleCompared {
			s := g.By[v]
			if s == nil {
				continue
			}
			proto := s.Config["proto"]
			if proto == "" {
				proto = "not recorded"
			}
			fmt.Fprintf(&sec, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", CondWords(g.Cond, Dims), v, middleWire[v], proto, boundCell(s),
				fmtIn(s, "req/s"), fmtIn(s, "server-cpu-ns/op"), fmtIn(s, "client-cpu-ns/op"), fmtIn(s, "wire-B/op"))
		}
	}
	sec.WriteString("\n")

	sec.WriteString("Server CPU per call of each middle way against rest and against grpc (variant ÷ other, the median of the per-pair ratios; below 1 the middle way is cheaper):\n\n")
	sec.WriteString("| condition | variant | ÷ rest (95% interval) | outcome | ÷ grpc (95% interval) | outcome | pairs |\n|---|---|---|---|---|---|---|\n")
	const unit = "server-cpu-ns/op"
	for _, g := range gs {
		for _, v := range variant.Middle {
			vr, okR := b.cfg.rules.compareIn(g, v, variant.REST, unit, Lower)
			vg, okG := b.cfg.rules.compareIn(g, v, variant.GRPC, unit, Lower)
			if !okR && !okG {
				continue
			}
			cells := []string{CondWords(g.Cond, Dims), v}
			n := 0
			for _, c := range []struct {
				c  Comparison
				ok bool
			}{{vr, okR}, {vg, okG}} {
				if !c.ok {
					cells = append(cells, "—", "—")
					continue
				}
				cells = append(cells, fmtRatio(c.c), libraryOutcome(c.c))
				n = max(n, c.c.Ratio.N)
			}
			cells = append(cells, fmt.Sprint(n))
			sec.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		}
	}
	sec.WriteString("\n")
	for _, g := range gs {
		if s := gatewayHop(g); s != "" {
			sec.WriteString(s + "\n\n")
		}
	}
	return sec.String()
}

// gatewayHop says what the gateway adds to a gRPC call at a condition:
// its process's CPU per call against grpc-go's alone.
func gatewayHop(g *group) string {
	gw, gr := g.By[variant.Gateway], g.By[variant.GRPC]
	if !has(gw, "server-cpu-ns/op") || !has(gr, "server-cpu-ns/op") {
		return ""
	}
	a, c := med(gw, "server-cpu-ns/op"), med(gr, "server-cpu-ns/op")
	return fmt.Sprintf("%s: the gateway's process spends %s of CPU per call against grpc-go's %s alone, %.1f× as much: the JSON transcoding and the hop to the gRPC server cost %s per call.",
		CondWords(g.Cond, Dims), fmtDuration(a), fmtDuration(c), a/c, fmtDuration(a-c))
}
