package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	pb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"restvsgrpc/bench/load"
	"restvsgrpc/bench/scenarios"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
)

// forever is the measured window of a client role's run: the stream's end
// ends it, long before.
const forever = 1000 * time.Hour

// client is a running client role: load.Run in the background, its
// callers recording into per-worker recorders that marks drain.
type client struct {
	name    string
	workers int
	hp      *pb.HistogramParams
	usage   *usage
	target  load.Target
	cancel  context.CancelFunc
	done    chan struct{}
	runErr  error // set before done closes

	mu   sync.Mutex
	recs []*recorder
}

// startClient validates the setup and starts the load; it ends when ctx
// (the driver's stream) does, or at stop.
func startClient(ctx context.Context, setup *pb.ClientConfig, cfg config) (*client, error) {
	if err := checkCommon(setup.GetCoreLimit(), setup.GetCoreList(), setup.GetSecurityParams()); err != nil {
		return nil, err
	}
	channels, outstanding := int(setup.GetClientChannels()), int(setup.GetOutstandingRpcsPerChannel())
	switch {
	case channels < 1:
		return nil, invalid("client_channels", "%d: want at least 1", channels)
	case outstanding < 1:
		return nil, invalid("outstanding_rpcs_per_channel", "%d: want at least 1", outstanding)
	case len(setup.GetServerTargets()) == 0:
		return nil, invalid("server_targets", "none given")
	case setup.GetMessagesPerStream() < 0:
		return nil, invalid("messages_per_stream", "%d: must not be negative", setup.GetMessagesPerStream())
	}
	if hp := setup.GetHistogramParams(); hp != nil && (hp.GetResolution() < 0 || hp.GetResolution() >= 1 || hp.GetMaxPossible() < 0) {
		return nil, invalid("histogram_params", "resolution %v, max_possible %v: want a resolution in [0, 1) and a positive maximum", hp.GetResolution(), hp.GetMaxPossible())
	}
	if pc := setup.GetPayloadConfig(); pc != nil && pc.GetSimpleParams() == nil {
		return nil, invalid("payload_config", "only simple_params is supported")
	}
	opts := []load.Option{load.WithWorkers(channels * outstanding), load.WithDuration(forever)}
	switch lp := setup.GetLoadParams().GetLoad().(type) {
	case nil, *pb.LoadParams_ClosedLoop:
	case *pb.LoadParams_Poisson:
		rate := lp.Poisson.GetOfferedLoad()
		if !(rate > 0) {
			return nil, invalid("load_params.poisson.offered_load", "%v: want a positive rate", rate)
		}
		opts = append(opts, load.WithRate(rate, load.Poisson))
	default:
		return nil, invalid("load_params", "want closed_loop or poisson")
	}

	var (
		t    load.Target
		name string
		err  error
	)
	switch setup.GetClientType() {
	case pb.ClientType_SYNC_CLIENT, pb.ClientType_ASYNC_CLIENT:
		t, err = newBenchTarget(setup)
		name = "BenchmarkService " + setup.GetRpcType().String()
	case pb.ClientType_OTHER_CLIENT:
		t, name, err = newVariantTarget(ctx, setup, cfg)
	default:
		err = invalid("client_type", "%v: want SYNC_CLIENT, ASYNC_CLIENT or OTHER_CLIENT", setup.GetClientType())
	}
	if err != nil {
		return nil, err
	}

	lctx, cancel := context.WithCancel(ctx)
	c := &client{name: name, workers: channels * outstanding, hp: setup.GetHistogramParams(), target: t, cancel: cancel, done: make(chan struct{})}
	c.usage = newUsage()
	go func() {
		defer close(c.done)
		_, err := load.Run(lctx, recordingTarget{t, c}, opts...)
		if err != nil && lctx.Err() == nil {
			c.runErr = err
		}
	}()
	return c, nil
}

// stats returns the latencies and status counts since the last reset.
// A load that could not run is the stream's error instead.
func (c *client) stats(reset bool) *pb.ClientStats {
	lat := newBuckets(c.hp)
	counts := map[int32]int64{}
	c.mu.Lock()
	for _, r := range c.recs {
		r.drain(lat, counts, reset)
	}
	c.mu.Unlock()
	elapsed, user, sys, _, _ := c.usage.since(reset)
	st := &pb.ClientStats{Latencies: lat.proto(), TimeElapsed: elapsed.Seconds(), TimeUser: user.Seconds(), TimeSystem: sys.Seconds()}
	for _, code := range slices.Sorted(maps.Keys(counts)) {
		st.RequestResults = append(st.RequestResults, &pb.RequestResultCount{StatusCode: code, Count: counts[code]})
	}
	return st
}

// failed returns why the load stopped on its own, if it did.
func (c *client) failed() error {
	select {
	case <-c.done:
		if c.runErr != nil {
			return status.Errorf(codes.Unavailable, "load: %v", c.runErr)
		}
	default:
	}
	return nil
}

// stop ends the load and waits for its calls to return.
func (c *client) stop() error {
	c.cancel()
	<-c.done
	return errors.Join(c.runErr, c.target.Close())
}

// recordingTarget gives each caller of t a recorder of c.
type recordingTarget struct {
	load.Target
	c *client
}

func (t recordingTarget) NewCaller(ctx context.Context, i int) (load.Caller, error) {
	inner, err := t.Target.NewCaller(ctx, i)
	if err != nil {
		return nil, err
	}
	r := newRecorder(t.c.hp)
	t.c.mu.Lock()
	t.c.recs = append(t.c.recs, r)
	t.c.mu.Unlock()
	return recordingCaller{inner, r}, nil
}

// recordingCaller times each call from its send to its answer.
type recordingCaller struct {
	load.Caller
	r *recorder
}

func (c recordingCaller) Call(ctx context.Context) (load.Outcome, error) {
	start := time.Now()
	out, err := c.Caller.Call(ctx)
	d := time.Since(start)
	if err != nil && ctx.Err() != nil {
		return out, err // the run is ending: not a result
	}
	c.r.done(d, codeOf(err))
	return out, err
}

// codeOf returns the gRPC status code of a call's error: the status of a
// BenchmarkService call, or the core code of ours in gRPC's terms.
func codeOf(err error) int32 {
	if err == nil {
		return 0
	}
	if s, ok := status.FromError(err); ok {
		return int32(s.Code())
	}
	return int32(grpcwire.CodeOf(core.CodeOf(err)))
}

// newVariantTarget is OTHER_CLIENT: a call of ours over a variant, on the
// load engine's own target.
func newVariantTarget(ctx context.Context, setup *pb.ClientConfig, cfg config) (load.Target, string, error) {
	api, err := scenarios.ParseClientAPI(setup.GetOtherClientApi())
	if err != nil {
		return nil, "", invalid("other_client_api", "%v", err)
	}
	sp := setup.GetPayloadConfig().GetSimpleParams()
	p, err := scenarios.PayloadOf(sp.GetReqSize(), sp.GetRespSize())
	if err != nil {
		return nil, "", invalid("payload_config.simple_params", "%v", err)
	}
	targets := setup.GetServerTargets()
	tc := load.TargetConfig{
		Variant:    api.Variant,
		Addr:       strings.Join(targets, ","),
		RPC:        api.RPC,
		Payload:    p,
		Conns:      int(setup.GetClientChannels()),
		Check:      api.Check,
		User:       cfg.user,
		Password:   cfg.password,
		StreamMsgs: int(setup.GetMessagesPerStream()),
	}
	if len(targets) > 1 {
		if api.Variant != variant.GRPC {
			return nil, "", invalid("server_targets", "%d servers: a REST variant drives one (num_servers 1)", len(targets))
		}
		tc.GRPCBalance = load.RoundRobin
	}
	t, err := load.NewTarget(ctx, tc)
	if err != nil {
		return nil, "", status.Errorf(codes.FailedPrecondition, "%s against %s: %v", api, tc.Addr, err)
	}
	return t, fmt.Sprintf("%s payload %s", api, p), nil
}

// benchTarget is SYNC_CLIENT and ASYNC_CLIENT: BenchmarkService calls
// over client_channels connections, spread over the servers.
type benchTarget struct {
	conns  []*grpc.ClientConn
	req    *pb.SimpleRequest
	stream bool
	msgs   int // ping-pongs per stream; 0 is unlimited
}

func newBenchTarget(setup *pb.ClientConfig) (*benchTarget, error) {
	sp := setup.GetPayloadConfig().GetSimpleParams()
	for _, f := range []struct {
		name string
		n    int32
	}{{"payload_config.simple_params.req_size", sp.GetReqSize()}, {"payload_config.simple_params.resp_size", sp.GetRespSize()}} {
		if f.n < 0 || f.n > maxBenchPayload {
			return nil, invalid(f.name, "%d: want 0 to %d", f.n, maxBenchPayload)
		}
	}
	t := &benchTarget{
		req:  &pb.SimpleRequest{ResponseType: pb.PayloadType_COMPRESSABLE, ResponseSize: sp.GetRespSize(), Payload: &pb.Payload{Type: pb.PayloadType_COMPRESSABLE, Body: make([]byte, sp.GetReqSize())}},
		msgs: int(setup.GetMessagesPerStream()),
	}
	switch setup.GetRpcType() {
	case pb.RpcType_UNARY:
	case pb.RpcType_STREAMING:
		t.stream = true
	default:
		return nil, invalid("rpc_type", "%v: want UNARY or STREAMING", setup.GetRpcType())
	}
	targets := setup.GetServerTargets()
	for i := range int(setup.GetClientChannels()) {
		cc, err := grpc.NewClient(targets[i%len(targets)], grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Close()
			return nil, invalid("server_targets", "%v", err)
		}
		t.conns = append(t.conns, cc)
	}
	return t, nil
}

func (t *benchTarget) NewCaller(ctx context.Context, i int) (load.Caller, error) {
	c := pb.NewBenchmarkServiceClient(t.conns[i%len(t.conns)])
	if !t.stream {
		return load.CallerFunc(func(ctx context.Context) (load.Outcome, error) {
			resp, err := c.UnaryCall(ctx, t.req)
			if err != nil {
				return load.Outcome{}, err
			}
			return load.Outcome{}, t.check(resp)
		}), nil
	}
	return &pingPong{t: t, c: c, ctx: ctx}, nil
}

func (t *benchTarget) check(resp *pb.SimpleResponse) error {
	if n := len(resp.GetPayload().GetBody()); n != int(t.req.GetResponseSize()) {
		return status.Errorf(codes.Internal, "answer of %d bytes, want %d", n, t.req.GetResponseSize())
	}
	return nil
}

func (t *benchTarget) Counters() load.Counters { return load.Counters{} }
func (t *benchTarget) Protocol() string        { return "HTTP/2.0" }
func (t *benchTarget) Close() error {
	var errs []error
	for _, cc := range t.conns {
		errs = append(errs, cc.Close())
	}
	return errors.Join(errs...)
}

// pingPong is one StreamingCall stream, a call being one request and its
// answer; after msgs of them the stream is closed and the next call opens
// another.
type pingPong struct {
	t      *benchTarget
	c      pb.BenchmarkServiceClient
	ctx    context.Context
	stream grpc.BidiStreamingClient[pb.SimpleRequest, pb.SimpleResponse]
	n      int
}

func (p *pingPong) Call(ctx context.Context) (load.Outcome, error) {
	if p.stream == nil {
		s, err := p.c.StreamingCall(p.ctx)
		if err != nil {
			return load.Outcome{}, err
		}
		p.stream, p.n = s, 0
	}
	if err := p.stream.Send(p.t.req); err != nil {
		p.stream = nil
		return load.Outcome{}, err
	}
	resp, err := p.stream.Recv()
	if err != nil {
		p.stream = nil
		return load.Outcome{}, err
	}
	p.n++
	if p.t.msgs > 0 && p.n >= p.t.msgs {
		err = p.Close()
	}
	return load.Outcome{MsgsIn: 1, MsgsOut: 1}, errors.Join(p.t.check(resp), err)
}

// Close ends the stream cleanly.
func (p *pingPong) Close() error {
	if p.stream == nil {
		return nil
	}
	s := p.stream
	p.stream = nil
	if err := s.CloseSend(); err != nil {
		return err
	}
	if _, err := s.Recv(); !errors.Is(err, io.EOF) && p.ctx.Err() == nil {
		return err
	}
	return nil
}
