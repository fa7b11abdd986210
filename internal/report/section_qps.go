package report

import (
	"fmt"
	"strings"
)

// qpsDims order the dimensions of the driver's comparisons.
var qpsDims = []string{"rpc", "payload", "conc", "mode", "rate", "check", "rest"}

// onQPS reports whether s is a run of grpc's qps_json_driver (engine=qps,
// written by cmd/report -qps-results).
func onQPS(s *Series) bool { return s.Key("engine") == "qps" }

// qpsDriver is the section of the runs of grpc's own benchmark driver:
// their figures, and gRPC against each REST variant at every condition by
// the report's rules. Its unary closed-loop runs feed the Speed row too.
func (b *builder) qpsDriver() string {
	var sec strings.Builder
	sec.WriteString("## On grpc's benchmark driver (qps_json_driver)\n\n")
	var series []*Series
	for _, s := range b.d.Series {
		if s.Bench == "Load" && onQPS(s) {
			series = append(series, s)
		}
	}
	if len(series) == 0 {
		sec.WriteString("No results of grpc's qps_json_driver were given. `make qps QPS_DRIVER=path QPS_RUNS=6 QPS_RESULTS=dir` writes them on this machine, a LoadTest of grpc/test-infra on a cluster (bench/scenarios); `report -qps-results dir` renders them here and in the rows they apply to.\n\n")
		return sec.String()
	}
	runs := 0
	for _, s := range series {
		runs += len(s.Values["req/s"])
	}
	fmt.Fprintf(&sec, "%s of grpc's qps_json_driver, which ran cmd/worker as server and client workers on the hosts it was given and merged the clients' histograms. Each run is one window; runs of a condition pair up in the order they started. Latency percentiles are read from the driver's merged histogram (1%% buckets), CPU is the workers' own rusage; the driver does not report the clients' CPUs, so a run is either server-bound or not. No bytes are counted.\n\n", plural(runs, "run"))
	gs := groups(series)
	variantTable(&sec, gs, "req/s")
	var cs []Comparison
	unary := false
	for _, g := range gs {
		for _, s := range g.By {
			unary = unary || kindOf(s) == "unary" && closedLoop(s)
		}
		for _, rv := range restVariants(g) {
			if c, ok := b.throughputComparison(g, rv, "req/s", "rest", rv); ok {
				cs = append(cs, c)
			}
		}
	}
	if len(cs) == 0 {
		sec.WriteString("No condition has both gRPC and a REST variant, so nothing is compared.\n\n")
		return sec.String()
	}
	sec.WriteString("gRPC against each REST variant (calls per second where both servers were the bottleneck, else server CPU per call):\n\n")
	comparisonTable(&sec, cs, qpsDims)
	if unary {
		sec.WriteString("The unary closed-loop runs also count in the Speed row, as conditions of their own (on grpc's qps driver).\n\n")
	}
	return sec.String()
}
