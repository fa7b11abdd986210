package report

import "restvsgrpc/bench/result"

// Bound classes of a load-driver row: its bench lines carry each side's CPU
// use over the window as client-busy and server-busy (0..1 of the CPUs it
// may use), which bench/result classifies.
const (
	ServerBound = string(result.ServerBound)
	ClientBound = string(result.ClientBound)
	// BusyThreshold is the share of its CPUs at which a side counts as the
	// bottleneck.
	BusyThreshold = result.BusyThreshold
)

// NotServerBound is the class of a row whose server was not the
// bottleneck and whose client's CPU use was not recorded.
const NotServerBound = "not server-bound"

// boundOf is the bound class of a series from its median CPU use on each
// side, "" when the rows do not record it. Rows that record the server's
// side only (grpc's driver does not report its clients' CPUs) are
// server-bound or NotServerBound.
func boundOf(s *Series) string {
	if s == nil || !s.Has("server-busy") {
		return ""
	}
	server := Summarize(s.Values["server-busy"]).Center
	if !s.Has("client-busy") {
		if server >= BusyThreshold {
			return ServerBound
		}
		return NotServerBound
	}
	return string(result.Classify(Summarize(s.Values["client-busy"]).Center, server))
}

// throughputUnit is what a throughput comparison between a and b may read:
// unit itself when both were server-bound or neither recorded its bound,
// else the server's CPU per call, which holds whichever side ran out
// first. "" when that is not recorded either.
func throughputUnit(a, b *Series, unit string) string {
	ba, bb := boundOf(a), boundOf(b)
	if (ba == "" && bb == "") || (ba == ServerBound && bb == ServerBound) {
		return unit
	}
	if a.Has("server-cpu-ns/op") && b.Has("server-cpu-ns/op") {
		return "server-cpu-ns/op"
	}
	return ""
}
