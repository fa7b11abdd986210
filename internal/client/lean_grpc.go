package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/internal/variant"
	"restvsgrpc/internal/wirecount"
)

// grpcTarget calls over one or more grpc.ClientConns; worker i uses
// connection i mod conns, so each carries workers/conns streams.
type grpcTarget struct {
	cfg   TargetConfig
	conns []*grpc.ClientConn
	wire  wirecount.Counter
	st    grpcStats
	authz string // "Bearer <token>"
	proto string
	or    *oracle
	// h2 and tlsConfig serve the bytes mode's unary calls
	// (lean_grpcunary.go), the login included; conns is then empty.
	h2        []*h2Slot
	tlsConfig *tls.Config
	// txReqs are the encoded GetTransactionRequests of the run's class,
	// made once and read by every caller: thousands of callers each with
	// its own copy of thousands of requests made the driver's working set
	// (and its CPU per call) grow with the callers.
	txReqs func() ([][]byte, error)
	// leanCalls is the same for the lean unary calls.
	leanCalls func() (*leanGRPCCalls, error)
}

func newGRPCTarget(ctx context.Context, cfg TargetConfig) (*grpcTarget, error) {
	t := &grpcTarget{cfg: cfg, proto: "HTTP/2 (h2c, prior knowledge)"}
	t.txReqs = sync.OnceValues(t.transactionRequests)
	t.leanCalls = sync.OnceValues(t.newLeanGRPCCalls)
	creds := insecure.NewCredentials()
	if cfg.TLS {
		tc, err := cfg.tlsConfig("h2")
		if err != nil {
			return nil, err
		}
		creds = credentials.NewTLS(tc)
		t.proto = "HTTP/2 (h2 over TLS)"
		t.tlsConfig = tc.Clone()
	}
	if leanGRPCUnary(cfg) {
		return t.newLean(ctx)
	}
	for range max(cfg.Conns, 1) {
		addr, balance := cfg.Addr, []grpc.DialOption(nil)
		if cfg.GRPCBalance == RoundRobin {
			addr, balance = roundRobin(cfg.Addr)
		}
		cc, err := grpc.NewClient(addr, append(balance,
			grpc.WithTransportCredentials(creds),
			grpc.WithContextDialer(wirecount.GRPCDialer(nil, &t.wire)),
			grpc.WithStatsHandler(&t.st),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(grpcwire.MaxRecvMsgSize)),
		)...)
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("grpc client for %s: %w", cfg.Addr, err)
		}
		t.conns = append(t.conns, cc)
	}
	for _, cc := range t.conns {
		cc.Connect()
	}
	// Log in once; this also proves the server answers gRPC.
	res, err := authv1.NewAuthServiceClient(t.conns[0]).ValidateUser(ctx,
		&authv1.ValidateUserRequest{Username: cfg.User, Password: cfg.Password}, grpc.WaitForReady(false))
	if err := t.loggedIn(res, fromGRPC(err)); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// loggedIn keeps the login's token and builds the oracle from it.
func (t *grpcTarget) loggedIn(res *authv1.ValidateUserResponse, err error) error {
	cfg := t.cfg
	if err != nil {
		return loginError(cfg, err)
	}
	if !res.GetIsValid() {
		return loginRefused(cfg, res.GetMessage())
	}
	t.authz = "Bearer " + res.GetToken()
	t.or, err = newOracle(cfg.Seed, cfg.User, cfg.Password, protoconv.FromUserResult(res), true, jsonlib.Std)
	return err
}

// RoundRobin names grpc-go's client-side round_robin balancing policy.
const RoundRobin = "round_robin"

// roundRobin returns a target naming every address of the comma-separated
// addrs through a resolver of its own, and the options that spread calls
// over them round robin: client-side balancing, no proxy.
func roundRobin(addrs string) (string, []grpc.DialOption) {
	r := manual.NewBuilderWithScheme("balanced")
	var state resolver.State
	for a := range strings.SplitSeq(addrs, ",") {
		state.Addresses = append(state.Addresses, resolver.Address{Addr: a})
	}
	r.InitialState(state)
	return r.Scheme() + ":///" + addrs, []grpc.DialOption{
		grpc.WithResolvers(r),
		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig":[{"round_robin":{}}]}`),
	}
}

func (t *grpcTarget) Protocol() string { return t.proto }

func (t *grpcTarget) Counters() Counters {
	return Counters{WireIn: t.wire.Read(), WireOut: t.wire.Written(), Conns: t.wire.Conns()}
}

func (t *grpcTarget) Close() error {
	var errs []error
	for _, cc := range t.conns {
		errs = append(errs, cc.Close())
	}
	for _, c := range t.h2 {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func (t *grpcTarget) NewCaller(ctx context.Context, i int) (Caller, error) {
	if t.h2 != nil {
		return t.newLeanGRPCCaller(i)
	}
	token := t.authz[len("Bearer "):]
	cc := t.conns[i%len(t.conns)]
	if t.cfg.Check == CheckDecode {
		c := NewGRPC(cc)
		if t.cfg.Variant == variant.GRPCVT {
			c = NewGRPCVT(cc)
		}
		c.SetToken(token)
		return newDecodeCaller(ctx, c, t.cfg, t.or, token, i)
	}
	return t.newRawCaller(ctx, cc, token, i)
}

// callBytes is one caller's byte counts of its current call, filled by
// grpcStats. Stream events may come from grpc-go's goroutines: atomics.
type callBytes struct {
	payloadIn, payloadOut atomic.Int64
	wireIn, wireOut       atomic.Int64
}

type callBytesKey struct{}

func (b *callBytes) reset() {
	b.payloadIn.Store(0)
	b.payloadOut.Store(0)
	b.wireIn.Store(0)
	b.wireOut.Store(0)
}

func (b *callBytes) fill(o *Outcome) {
	o.BodyIn, o.BodyOut = b.payloadIn.Load(), b.payloadOut.Load()
	o.GRPCWireIn, o.GRPCWireOut = b.wireIn.Load(), b.wireOut.Load()
}

// fromGRPC turns a gRPC status into a core error of the same meaning.
func fromGRPC(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); !ok {
		return unavailable(err)
	}
	return grpcwire.ErrorOf(err)
}

// grpcStats is a stats.Handler that adds each call's payload and wire
// lengths to the callBytes in its context.
type grpcStats struct{}

func (s *grpcStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (s *grpcStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (s *grpcStats) HandleConn(context.Context, stats.ConnStats) {}

func (s *grpcStats) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	b, _ := ctx.Value(callBytesKey{}).(*callBytes)
	if b == nil {
		return // the login
	}
	switch e := rs.(type) {
	case *stats.InPayload:
		b.payloadIn.Add(int64(e.Length))
		b.wireIn.Add(int64(e.WireLength))
	case *stats.OutPayload:
		b.payloadOut.Add(int64(e.Length))
		b.wireOut.Add(int64(e.WireLength))
	case *stats.InHeader:
		b.wireIn.Add(int64(e.WireLength))
	case *stats.InTrailer:
		b.wireIn.Add(int64(e.WireLength))
	}
}

// loginError explains a failed login.
func loginError(cfg TargetConfig, err error) error {
	if isRefused(err) || strings.Contains(err.Error(), "connection refused") {
		return fmt.Errorf("cannot reach the %s server at %s: connection refused", cfg.Variant, cfg.Addr)
	}
	return fmt.Errorf("login to the %s server at %s: %w", cfg.Variant, cfg.Addr, err)
}

func loginRefused(cfg TargetConfig, msg string) error {
	return fmt.Errorf("login as %q refused by %s (%s): check -user and -password", cfg.User, cfg.Addr, msg)
}
