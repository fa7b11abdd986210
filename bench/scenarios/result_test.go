package scenarios

import (
	"bytes"
	"strings"
	"testing"
	"time"

	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/types/known/timestamppb"

	"restvsgrpc/bench/load"
	"restvsgrpc/internal/core"
)

// runOf is a result of scenario s: n calls in bucket 100 (about 2.7 µs
// at 1% resolution), started at start.
func runOf(s *pb.Scenario, n uint32, start time.Time) *pb.ScenarioResult {
	b := make([]uint32, 101)
	b[100] = n
	return &pb.ScenarioResult{
		Scenario:    s,
		Latencies:   &pb.HistogramData{Bucket: b, Count: float64(n)},
		ClientStats: []*pb.ClientStats{{TimeElapsed: 1, TimeUser: 0.5}},
		ServerStats: []*pb.ServerStats{{TimeElapsed: 1, TimeUser: 0.25}},
		ServerCores: []int32{2},
		Summary:     &pb.ScenarioResultSummary{Qps: float64(n), StartTime: timestamppb.New(start)},
	}
}

func TestResultRefuses(t *testing.T) {
	p := Default
	ours := func() *pb.Scenario {
		return Ours(ClientAPI{Variant: "rest", RPC: load.GetTransaction}, core.Payload1KiB, p)
	}
	other := ours()
	other.ServerConfig.OtherServerApi = "grpc"
	failed := runOf(ours(), 10, time.Now())
	failed.ClientSuccess = []bool{true, false}
	for _, tt := range []struct {
		r    *pb.ScenarioResult
		want string
	}{
		{runOf(Stock(pb.RpcType_UNARY, p), 10, time.Now()), "BenchmarkService"},
		{runOf(other, 10, time.Now()), `other_server_api "grpc"`},
		{runOf(ours(), 0, time.Now()), "no successful call"},
		{failed, "client worker 1 failed"},
	} {
		if _, err := Result(tt.r); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one saying %q", tt.r.GetScenario().GetName(), err, tt.want)
		}
	}
	if _, err := ReadResult([]byte(`{"summary": 3}`)); err == nil {
		t.Error("ReadResult took a summary that is a number")
	}
}

// TestWriteBench pairs runs of a condition by the order they started,
// whatever the order of the files.
func TestWriteBench(t *testing.T) {
	p := Default
	t0 := time.Now()
	rest := Ours(ClientAPI{Variant: "rest", RPC: load.GetTransaction}, core.Payload1KiB, p)
	grpc := Ours(ClientAPI{Variant: "grpc", RPC: load.GetTransaction}, core.Payload1KiB, p)
	var buf bytes.Buffer
	err := WriteBench(&buf, []*pb.ScenarioResult{
		runOf(grpc, 40, t0.Add(3*time.Second)), runOf(rest, 30, t0.Add(2*time.Second)),
		runOf(grpc, 20, t0.Add(time.Second)), runOf(rest, 10, t0),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for l := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		f := strings.Fields(l)
		if strings.HasPrefix(l, "Benchmark") {
			f = f[:2] // name and calls
		}
		got = append(got, strings.Join(f, " "))
	}
	name := func(v string) string {
		return "BenchmarkLoad/rpc=GetTransaction/variant=" + v + "/payload=1KiB/conc=8/mode=closed/check=bytes/engine=qps"
	}
	procs := strings.TrimPrefix(strings.Fields(got[2])[0], name("rest"))
	want := []string{"engine: qps_json_driver",
		"slice: qps-1", name("rest") + procs + " 10", "slice: qps-1", name("grpc") + procs + " 20",
		"slice: qps-2", name("rest") + procs + " 30", "slice: qps-2", name("grpc") + procs + " 40"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
