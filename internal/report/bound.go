package report

// Bound classes of a load-driver row (the driver's bench lines carry each
// side's CPU use over the window as client-busy and server-busy, 0..1 of
// the CPUs it may use).
const (
	ServerBound = "server-bound"
	ClientBound = "client-bound"
	Neither     = "neither"
	// BusyThreshold is the share of its CPUs at which a side counts as
	// the bottleneck.
	BusyThreshold = 0.9
)

// classify names what bounded a window from each side's CPU use.
// TODO(lead): replace with bench/result.Classify when it lands, so that
// the class has one implementation.
func classify(clientBusy, serverBusy float64) string {
	switch {
	case serverBusy >= BusyThreshold:
		return ServerBound
	case clientBusy >= BusyThreshold:
		return ClientBound
	}
	return Neither
}

// boundOf is the bound class of a series from its median CPU use on each
// side, "" when the rows do not record it.
func boundOf(s *Series) string {
	if s == nil || !s.Has("client-busy") || !s.Has("server-busy") {
		return ""
	}
	return classify(Summarize(s.Values["client-busy"]).Center, Summarize(s.Values["server-busy"]).Center)
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
