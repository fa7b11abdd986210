package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/encoding/protojson"

	"restvsgrpc/bench/load"
	"restvsgrpc/bench/scenarios"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/netns"
	"restvsgrpc/internal/variant"
)

// TestQPSDriver runs grpc's real qps_json_driver (named by $QPS_DRIVER)
// against this command as one server worker and two client workers: the
// two stock scenarios and one scenario per variant of ours, on loopback
// and, as root with ip(8), across network namespaces: the server worker
// and each client worker on a host of its own of a netns.LAN, the driver
// in its hub. make qps runs it. With $QPS_RUNS=N each scenario of ours runs
// N times, the variants in turn, so that the report can pair their runs;
// with $QPS_RESULTS=DIR the driver's result files are kept there, named
// <where>-<scenario>-<run>.json, for cmd/report -qps-results.
func TestQPSDriver(t *testing.T) {
	driver := os.Getenv("QPS_DRIVER")
	if driver == "" {
		t.Skip("QPS_DRIVER is not set: build grpc's qps_json_driver with bench/qps/build-driver.sh (root and apt-get) and run make qps QPS_DRIVER=bin/qps_json_driver")
	}
	if _, err := os.Stat(driver); err != nil {
		t.Skipf("QPS_DRIVER: %v", err)
	}
	runs := 1
	if v := os.Getenv("QPS_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("QPS_RUNS=%q: want a count of runs, 1 or more", v)
		}
		runs = n
	}
	keep := os.Getenv("QPS_RESULTS")
	if keep != "" {
		if err := os.MkdirAll(keep, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "worker")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p := scenarios.Params{Channels: 4, Outstanding: 1, Clients: 2, Warmup: 1, Benchmark: 3, StreamMsgs: 10}
	type run struct {
		s *pb.Scenario
		n int // the run's number, from 1
	}
	list := []run{{scenarios.Stock(pb.RpcType_UNARY, p), 1}, {scenarios.Stock(pb.RpcType_STREAMING, p), 1}}
	for i := range runs {
		for _, v := range variant.All {
			list = append(list, run{scenarios.Ours(scenarios.ClientAPI{Variant: v, RPC: load.GetTransaction}, core.Payload1KiB, p), i + 1})
		}
	}
	result := func(where string, r run) string {
		if keep == "" {
			return ""
		}
		return filepath.Join(keep, fmt.Sprintf("%s-%s-%d.json", where, r.s.GetName(), r.n))
	}

	t.Run("loopback", func(t *testing.T) {
		srv := startProc(t, nil, bin, "127.0.0.1")
		c1, c2 := startProc(t, nil, bin, "127.0.0.1"), startProc(t, nil, bin, "127.0.0.1")
		for _, r := range list {
			runDriver(t, nil, driver, r.s, result("loopback", r), "127.0.0.1:"+srv, "127.0.0.1:"+c1, "127.0.0.1:"+c2)
		}
	})
	t.Run("netns", func(t *testing.T) {
		if err := netns.Available(); err != nil {
			t.Skipf("network namespaces: %v", err)
		}
		lan, err := netns.NewLAN(context.Background(), 3)
		if err != nil {
			t.Fatal(err)
		}
		defer lan.Close()
		// Three hosts: the server worker and each client worker alone in
		// its namespace, listening on its own address; the driver in the
		// hub, reaching them across the bridge.
		var workers []string
		for i, h := range lan.Hosts {
			workers = append(workers, net.JoinHostPort(lan.IPs[i], startProc(t, netns.Exec(h), bin, lan.IPs[i])))
		}
		for _, r := range list {
			runDriver(t, netns.Exec(lan.Hub), driver, r.s, result("netns", r), workers...)
		}
	})
}

// startProc starts a worker process (under prefix, e.g. ip netns exec)
// and returns its driver port; it is stopped at the test's end.
func startProc(t *testing.T, prefix []string, bin, host string) string {
	t.Helper()
	argv := append(append([]string{}, prefix...), bin, "--driver_port=0", "-host="+host, "-bcrypt-cost=4")
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Logf("worker %s stderr:\n%s", argv, stderr.String())
		}
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ready driver="); ok {
			go func() { // keep reading, so that the worker never blocks on stdout
				for sc.Scan() {
				}
			}()
			_, port, _ := net.SplitHostPort(a)
			return port
		}
	}
	t.Fatalf("worker %s: no ready line; stderr:\n%s", argv, stderr.String())
	return ""
}

var summaryLine = regexp.MustCompile(`report\.cc.*\] +(.*(QPS|Latencies|user time|system time|CPU usage|Successful).*)`)

// runDriver runs one scenario on the workers (servers first) and checks
// the result file (res, or a temporary one when ""): calls made by every
// client, none failed, latency percentiles in order, CPU reported on both
// sides.
func runDriver(t *testing.T, prefix []string, driver string, s *pb.Scenario, res string, workers ...string) {
	t.Helper()
	dir := t.TempDir()
	scen := filepath.Join(dir, "scenario.json")
	if res == "" {
		res = filepath.Join(dir, "result.json")
	}
	b, err := scenarios.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scen, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append(append([]string{}, prefix...), driver, "--scenarios_file="+scen, "--scenario_result_file="+res)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "QPS_WORKERS="+strings.Join(workers, ","))
	out, err := cmd.CombinedOutput()
	var summary []string
	for _, m := range summaryLine.FindAllStringSubmatch(string(out), -1) {
		summary = append(summary, m[1])
	}
	t.Logf("%s:\n  %s", s.GetName(), strings.Join(summary, "\n  "))
	if err != nil {
		t.Fatalf("%s: driver: %v\n%s", s.GetName(), err, tail(out, 30))
	}
	rb, err := os.ReadFile(res)
	if err != nil {
		t.Fatal(err)
	}
	var r pb.ScenarioResult
	if err := protojson.Unmarshal(rb, &r); err != nil {
		t.Fatalf("result file: %v", err)
	}
	sum := r.GetSummary()
	if sum.GetQps() <= 0 || len(r.GetClientStats()) != int(s.GetNumClients()) {
		t.Errorf("%s: qps %v from %d clients", s.GetName(), sum.GetQps(), len(r.GetClientStats()))
	}
	for _, rr := range r.GetRequestResults() {
		if rr.GetStatusCode() != 0 {
			t.Errorf("%s: %d calls failed with status %d", s.GetName(), rr.GetCount(), rr.GetStatusCode())
		}
	}
	if sum.GetServerCpuUsage() <= 0 {
		t.Errorf("%s: server CPU usage %v, want /proc/stat's figure", s.GetName(), sum.GetServerCpuUsage())
	}
	if sum.GetServerUserTime()+sum.GetServerSystemTime() <= 0 || sum.GetClientUserTime()+sum.GetClientSystemTime() <= 0 {
		t.Errorf("%s: server CPU %v%% user %v%% system, client %v%% user %v%% system: want both sides' rusage", s.GetName(),
			sum.GetServerUserTime(), sum.GetServerSystemTime(), sum.GetClientUserTime(), sum.GetClientSystemTime())
	}
	if p := []float64{sum.GetLatency_50(), sum.GetLatency_90(), sum.GetLatency_99(), sum.GetLatency_999()}; p[0] <= 0 || !slices.IsSorted(p) {
		t.Errorf("%s: latency percentiles 50/90/99/99.9 %v ns: want positive and in order", s.GetName(), p)
	}
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
