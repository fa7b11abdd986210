package report_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "google.golang.org/grpc/interop/grpc_testing"

	"restvsgrpc/bench/scenarios"
	"restvsgrpc/internal/report"
)

// qpsResults reads testdata/qps: result files of grpc's qps_json_driver,
// written by make qps QPS_RUNS=6 QPS_RESULTS=dir (the server worker and
// each client worker in its own network namespace), the variants' runs in
// turn; the stock scenario's result is not one of ours and is left out.
func qpsResults(t *testing.T) []*pb.ScenarioResult {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "qps", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/qps: %v, %d files", err, len(files))
	}
	var rs []*pb.ScenarioResult
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := scenarios.ReadResult(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if strings.Contains(f, "stock") {
			continue
		}
		rs = append(rs, r)
	}
	return rs
}

// TestQPSResultFigures checks each driver result against what the suite
// makes of it: the same calls and rate, and percentiles within the
// driver's bucket resolution of the driver's own summary.
func TestQPSResultFigures(t *testing.T) {
	t.Parallel()
	for _, r := range qpsResults(t) {
		res, err := scenarios.Result(r)
		if err != nil {
			t.Fatal(err)
		}
		sum := r.GetSummary()
		if res.Calls != int64(r.GetLatencies().GetCount()) || res.Rate != sum.GetQps() || res.ErrorCount != 0 {
			t.Errorf("%s: calls %d rate %v errors %d; want the driver's %v calls at %v/s", r.GetScenario().GetName(), res.Calls, res.Rate, res.ErrorCount, r.GetLatencies().GetCount(), sum.GetQps())
		}
		for _, p := range []struct {
			pct    float64
			driver float64
		}{{50, sum.GetLatency_50()}, {90, sum.GetLatency_90()}, {99, sum.GetLatency_99()}} {
			got := float64(res.Response.Percentile(p.pct))
			// The driver interpolates within a 1% bucket, the suite reads
			// the bucket's middle: they agree within a bucket.
			if math.Abs(got-p.driver) > 0.011*p.driver {
				t.Errorf("%s: p%v %v, the driver's %v", r.GetScenario().GetName(), p.pct, time.Duration(got), time.Duration(p.driver))
			}
		}
		if res.ServerCPU <= 0 || res.ClientCPU <= 0 || res.ServerCPUs < 1 || res.Window <= 0 {
			t.Errorf("%s: server CPU %v on %d CPUs, client CPU %v, window %v: want all", r.GetScenario().GetName(), res.ServerCPU, res.ServerCPUs, res.ClientCPU, res.Window)
		}
	}
}

// TestGoldenQPSReport renders a REPORT.md from the driver's results only:
// the driver's section, and the Speed row decided from its runs by the
// report's rules.
func TestGoldenQPSReport(t *testing.T) {
	t.Parallel()
	var raw bytes.Buffer
	if err := scenarios.WriteBench(&raw, qpsResults(t)); err != nil {
		t.Fatal(err)
	}
	d, err := report.Read(&raw, "qps.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "REPORT.qps.golden.md", r.Markdown)
	md := string(r.Markdown)
	if v := r.Verdicts["Speed"]; v.Kind == report.NoData || !strings.Contains(md, "on grpc's qps driver") {
		t.Errorf("Speed verdict %v: want one decided from the driver's runs", v)
	}
	for _, want := range []string{"12 runs of grpc's qps_json_driver", "| grpc | ", "| rest | ", "| 6 | "} {
		if !strings.Contains(md, want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
}
