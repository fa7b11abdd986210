package scenarios

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/encoding/protojson"

	"restvsgrpc/bench/result"
	"restvsgrpc/internal/hist"
)

// ReadResult parses what qps_json_driver writes to --scenario_result_file:
// a grpc.testing.ScenarioResult in proto3 JSON.
func ReadResult(b []byte) (*pb.ScenarioResult, error) {
	var r pb.ScenarioResult
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("not a ScenarioResult of qps_json_driver: %w", err)
	}
	return &r, nil
}

// Result turns the driver's result of a scenario of ours into the suite's
// result.Result, named as loadgen names its runs plus engine=qps, so that
// the report compares it by the same rules:
//
//	variant, rpc, check   other_client_api (the server's other_server_api must agree)
//	payload               payload_config.simple_params, as the worker maps it
//	conc                  client_channels × outstanding_rpcs_per_channel × num_clients
//	mode, rate            closed_loop, or poisson (offered_load × num_clients: calls/s in all)
//	calls, latencies      the merged histogram, each bucket read at its geometric middle
//	                      (within half the histogram's resolution of the driver's own)
//	req/s                 the driver's qps
//	CPU                   rusage user+system of every client (client_stats) and
//	                      server (server_stats); the servers' CPUs are server_cores
//	errors                request_results with a status other than OK, by gRPC status name
//
// The clients' CPUs are not in the result, so neither is their busy
// share. A scenario of grpc's BenchmarkService, a failed worker or a run
// without a successful call is an error.
func Result(r *pb.ScenarioResult) (*result.Result, error) {
	s := r.GetScenario()
	cc := s.GetClientConfig()
	if cc.GetClientType() != pb.ClientType_OTHER_CLIENT {
		return nil, fmt.Errorf("scenario %q: client_type %s drives grpc's BenchmarkService, not a variant of ours (OTHER_CLIENT)", s.GetName(), cc.GetClientType())
	}
	a, err := ParseClientAPI(cc.GetOtherClientApi())
	if err != nil {
		return nil, fmt.Errorf("scenario %q: other_client_api: %w", s.GetName(), err)
	}
	if srv := s.GetServerConfig().GetOtherServerApi(); srv != a.Variant {
		return nil, fmt.Errorf("scenario %q: other_server_api %q serves another variant than the clients' %q", s.GetName(), srv, a.Variant)
	}
	sp := cc.GetPayloadConfig().GetSimpleParams()
	pl, err := PayloadOf(sp.GetReqSize(), sp.GetRespSize())
	if err != nil {
		return nil, fmt.Errorf("scenario %q: payload_config: %w", s.GetName(), err)
	}
	for i, ok := range r.GetClientSuccess() {
		if !ok {
			return nil, fmt.Errorf("scenario %q: client worker %d failed", s.GetName(), i)
		}
	}
	for i, ok := range r.GetServerSuccess() {
		if !ok {
			return nil, fmt.Errorf("scenario %q: server worker %d failed", s.GetName(), i)
		}
	}
	lat := r.GetLatencies()
	if lat.GetCount() < 1 {
		return nil, fmt.Errorf("scenario %q: no successful call in the result", s.GetName())
	}
	clients := s.GetNumClients()
	res := &result.Result{
		Variant: a.Variant, RPC: string(a.RPC), Payload: string(pl), CheckMode: a.Check, Engine: "qps",
		TLS:        cc.GetSecurityParams() != nil,
		Conns:      int(cc.GetClientChannels() * clients),
		Workers:    int(cc.GetClientChannels() * cc.GetOutstandingRpcsPerChannel() * clients),
		StreamMsgs: int(cc.GetMessagesPerStream()),
		Mode:       "closed",
		Warmup:     time.Duration(s.GetWarmupSeconds()) * time.Second,
		Calls:      int64(lat.GetCount()),
		Rate:       r.GetSummary().GetQps(),
		Errors:     map[string]int64{},
	}
	if p := cc.GetLoadParams().GetPoisson(); p != nil {
		res.Mode, res.Arrivals, res.TargetRate = "open", "poisson", p.GetOfferedLoad()*float64(clients)
	}
	res.Response, err = histogram(lat, cc.GetHistogramParams().GetResolution())
	if err != nil {
		return nil, fmt.Errorf("scenario %q: latencies: %w", s.GetName(), err)
	}
	res.Service = res.Response // the driver times calls from their send
	for _, c := range r.GetClientStats() {
		res.Window = max(res.Window, seconds(c.GetTimeElapsed()))
		res.ClientCPU += seconds(c.GetTimeUser() + c.GetTimeSystem())
	}
	for _, sv := range r.GetServerStats() {
		res.ServerCPU += seconds(sv.GetTimeUser() + sv.GetTimeSystem())
		res.ServerCPUMeasured = true
	}
	for _, n := range r.GetServerCores() {
		res.ServerCPUs += int(n)
	}
	for _, rr := range r.GetRequestResults() {
		if c := codes.Code(rr.GetStatusCode()); c != codes.OK {
			res.Errors[c.String()] += rr.GetCount()
			res.ErrorCount += rr.GetCount()
		}
	}
	return res, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// histogram reads the driver's HistogramData (bucket i counting values
// in [(1+res)^i, (1+res)^(i+1)) nanoseconds) into the suite's histogram.
func histogram(h *pb.HistogramData, res float64) (hist.Histogram, error) {
	var out hist.Histogram
	if res <= 0 {
		res = 0.01 // grpc's default, as the worker's
	}
	var n float64
	for i, c := range h.GetBucket() {
		if c == 0 {
			continue
		}
		out.RecordN(time.Duration(math.Pow(1+res, float64(i)+0.5)), int64(c))
		n += float64(c)
	}
	if n != h.GetCount() {
		return out, errors.New("the buckets do not add up to the count")
	}
	return out, nil
}

// WriteBench writes driver results as the raw benchmark text the report
// reads: an engine line, then each result's line (Result) in a slice of
// its own. Runs of one condition pair up by the order of their start: the
// i-th run of each variant is in slice "qps-i", so a suite that ran the
// variants in turn (make qps QPS_RUNS=N) compares runs made back to back.
func WriteBench(w io.Writer, rs []*pb.ScenarioResult) error {
	type run struct {
		res   *result.Result
		start time.Time
	}
	var runs []run
	for _, r := range rs {
		res, err := Result(r)
		if err != nil {
			return err
		}
		runs = append(runs, run{res, r.GetSummary().GetStartTime().AsTime()})
	}
	slices.SortStableFunc(runs, func(a, b run) int { return a.start.Compare(b.start) })
	if _, err := fmt.Fprintln(w, "engine: qps_json_driver"); err != nil {
		return err
	}
	nth := map[string]int{} // by condition and variant
	for _, r := range runs {
		cond := *r.res
		cond.Variant = ""
		k := cond.BenchName() + " " + r.res.Variant
		nth[k]++
		if _, err := fmt.Fprintf(w, "slice: qps-%d\n", nth[k]); err != nil {
			return err
		}
		if err := r.res.WriteBench(w); err != nil {
			return err
		}
	}
	return nil
}
