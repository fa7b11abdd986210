package result

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/perf/benchfmt"

	"restvsgrpc/internal/hist"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// histOf returns a histogram of the given values.
func histOf(vals ...time.Duration) hist.Histogram {
	var h hist.Histogram
	for _, v := range vals {
		h.Record(v)
	}
	return h
}

// sample is a Result with every field set, fixed values only.
func sample() *Result {
	resp := histOf(100*time.Microsecond, 150*time.Microsecond, 200*time.Microsecond, 5*time.Millisecond)
	return &Result{
		Variant: "grpc", RPC: "ListTransactions", Payload: "1KiB", Protocol: "HTTP/2 (h2c, prior knowledge)",
		Target: "127.0.0.1:50051", StreamMsgs: 100, Args: []string{"-variant", "grpc", "-rpc", "ListTransactions"}, GOMAXPROCS: 1,
		Mode: "open", Workers: 64, TargetRate: 5000, Arrivals: "poisson", Tolerance: 0.05,
		Warmup: time.Second, Window: 2 * time.Second,
		Calls: 4, ErrorCount: 1, Errors: map[string]int64{"unavailable": 1}, ErrorMsg: map[string]string{"unavailable": "unavailable: transport: connection reset"},
		Rate: 2, Late: 1, MsgsIn: 400, MsgsOut: 0,
		Response: resp, Service: histOf(90*time.Microsecond, 140*time.Microsecond, 190*time.Microsecond, 300*time.Microsecond),
		FirstMsg:  histOf(50*time.Microsecond, 60*time.Microsecond, 70*time.Microsecond, 80*time.Microsecond),
		Counters:  Counters{WireIn: 460000, WireOut: 1000, BodyIn: 440000, BodyOut: 200, Conns: 1, GRPCWireIn: 450000, GRPCWireOut: 500},
		ClientCPU: 400 * time.Microsecond, ServerCPU: 800 * time.Microsecond, ServerCPUMeasured: true, ClientCPUs: 1, ServerCPUs: 1,
		StealCPU: 0.125, StealMeasured: true, MaxSteal: 0.1, StealFlagged: true, Discarded: 1,
	}
}

var procs = regexp.MustCompile(`(?m)^(Benchmark\S*)-\d+\t`)

func TestGolden(t *testing.T) {
	t.Parallel()
	r := sample()
	tests := []struct {
		name  string
		file  string
		write func(*bytes.Buffer) error
	}{
		{"summary", "summary.txt", func(b *bytes.Buffer) error { return r.WriteSummary(b) }},
		{"bench", "bench.txt", func(b *bytes.Buffer) error {
			if err := r.WriteBench(b); err != nil {
				return err
			}
			// The -GOMAXPROCS suffix is the machine's.
			s := procs.ReplaceAllString(b.String(), "$1-P\t")
			b.Reset()
			b.WriteString(s)
			return nil
		}},
		{"json", "result.json", func(b *bytes.Buffer) error { return r.WriteJSON(b) }},
		{"hgrm", "response.hgrm", func(b *bytes.Buffer) error { return r.Response.WritePercentiles(b) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := tc.write(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%s differs (-want +got):\n%s", path, diff)
			}
		})
	}
}

// TestBenchParses reads the -bench output back with benchfmt, as benchstat
// does, and checks the name's keys and every unit's value.
func TestBenchParses(t *testing.T) {
	t.Parallel()
	r := sample()
	var b bytes.Buffer
	if err := r.WriteBench(&b); err != nil {
		t.Fatal(err)
	}
	rd := benchfmt.NewReader(&b, "bench.txt")
	var results []*benchfmt.Result
	for rd.Scan() {
		switch rec := rd.Result(); rec := rec.(type) {
		case *benchfmt.Result:
			results = append(results, rec.Clone())
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 {
		t.Fatalf("%d results, want 1", len(results))
	}
	res := results[0]
	base, parts := res.Name.Parts()
	gotParts := map[string]string{"base": string(base)}
	for _, p := range parts {
		k, v, _ := strings.Cut(strings.TrimPrefix(string(p), "/"), "=")
		gotParts[k] = v
	}
	for k := range gotParts {
		if strings.HasPrefix(k, "-") {
			delete(gotParts, k) // the -GOMAXPROCS part
		}
	}
	wantParts := map[string]string{"base": "Load", "rpc": "ListTransactions", "variant": "grpc", "payload": "1KiB", "conc": "64", "mode": "open", "rate": "5000"}
	if diff := cmp.Diff(wantParts, gotParts); diff != "" {
		t.Errorf("name parts (-want +got):\n%s", diff)
	}
	if res.Iters != 4 {
		t.Errorf("iterations %d, want 4 calls", res.Iters)
	}
	got := map[string]float64{}
	for _, v := range res.Values {
		// benchfmt normalises units (ns to sec, MB to B); the original
		// is what was written.
		unit, val := v.Unit, v.Value
		if v.OrigUnit != "" {
			unit, val = v.OrigUnit, v.OrigValue
		}
		got[unit] = val
	}
	s := r.Window.Seconds()
	want := map[string]float64{
		"ns/op":            float64(r.Service.Mean()),
		"req/s":            2,
		"p50-ns":           float64(r.Response.Percentile(50)),
		"p90-ns":           float64(r.Response.Percentile(90)),
		"p99-ns":           float64(r.Response.Percentile(99)),
		"p999-ns":          float64(r.Response.Percentile(99.9)),
		"max-ns":           float64(r.Response.Max()),
		"svc-p50-ns":       float64(r.Service.Percentile(50)),
		"svc-p99-ns":       float64(r.Service.Percentile(99)),
		"late/op":          0.25,
		"wire-B/op":        461000.0 / 4,
		"body-B/op":        440200.0 / 4,
		"grpc-wire-B/op":   450500.0 / 4,
		"client-cpu-ns/op": 100000,
		"server-cpu-ns/op": 200000,
		"client-busy":      0.0002,
		"server-busy":      0.0004,
		"steal-cpu":        0.125,
		"msgs/s":           400 / s,
		"MB/s":             440200 / s / 1e6,
		"first-msg-p50-ns": float64(r.FirstMsg.Percentile(50)),
		"first-msg-p99-ns": float64(r.FirstMsg.Percentile(99)),
		"errors/op":        0.25,
	}
	approx := cmp.Comparer(func(a, b float64) bool { return a == b || (a-b)/(a+b) < 1e-5 && (b-a)/(a+b) < 1e-5 })
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("units (-want +got):\n%s", diff)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		client, server float64
		want           Bound
	}{
		{"server saturated", 0.5, 0.95, ServerBound},
		{"both saturated: the server is what was measured", 1, 0.9, ServerBound},
		{"driver saturated", 0.97, 0.6, ClientBound},
		{"neither", 0.8, 0.76, NeitherBound},
	} {
		if got := Classify(tc.client, tc.server); got != tc.want {
			t.Errorf("%s: Classify(%v, %v) = %s, want %s", tc.name, tc.client, tc.server, got, tc.want)
		}
	}
	for _, tc := range []struct {
		name                     string
		client, balancer, server float64
		want                     Bound
	}{
		{"backends saturated: the server is what was measured", 0.5, 0.95, 0.92, ServerBound},
		{"balancer saturated", 0.95, 0.93, 0.6, BalancerBound},
		{"driver saturated", 0.91, 0.4, 0.6, ClientBound},
		{"no balancer: as Classify", 0.8, 0, 0.76, NeitherBound},
	} {
		if got := ClassifyBalanced(tc.client, tc.balancer, tc.server); got != tc.want {
			t.Errorf("%s: ClassifyBalanced(%v, %v, %v) = %s, want %s", tc.name, tc.client, tc.balancer, tc.server, got, tc.want)
		}
	}
	r := sample()
	r.Window, r.ClientCPU, r.ServerCPU = time.Second, 980*time.Millisecond, 500*time.Millisecond
	if got := r.Bound(); got != ClientBound {
		t.Errorf("Bound() = %s for a driver at 0.98 CPU, want %s", got, ClientBound)
	}
	r.ServerCPUs = 0
	if got := r.Bound(); got != UnknownBound {
		t.Errorf("Bound() = %s with the server's CPUs unknown, want %s", got, UnknownBound)
	}
}
