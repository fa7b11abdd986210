package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
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
	ids   []string
	proto string
}

func newGRPCTarget(ctx context.Context, cfg TargetConfig) (*grpcTarget, error) {
	t := &grpcTarget{cfg: cfg, proto: "HTTP/2 (h2c, prior knowledge)"}
	creds := insecure.NewCredentials()
	if cfg.TLS {
		tc, err := cfg.tlsConfig("h2")
		if err != nil {
			return nil, err
		}
		creds = credentials.NewTLS(tc)
		t.proto = "HTTP/2 (h2 over TLS)"
	}
	n := max(cfg.Conns, 1)
	for range n {
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
	if err != nil {
		t.Close()
		return nil, loginError(cfg, fromGRPC(err))
	}
	if !res.GetIsValid() {
		t.Close()
		return nil, loginRefused(cfg, res.GetMessage())
	}
	t.authz = "Bearer " + res.GetToken()
	if cfg.RPC == GetTransaction {
		t.ids = transactionIDs(cfg.Payload)
	}
	return t, nil
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
	return errors.Join(errs...)
}

func (t *grpcTarget) NewCaller(ctx context.Context, i int) (Caller, error) {
	cc := t.conns[i%len(t.conns)]
	// The token goes as metadata on every call, as the grpc client of
	// internal/client sends it. The stats handler adds the call's bytes to
	// cb, found in the call's context.
	cb := new(callBytes)
	counted := func(ctx context.Context) context.Context {
		cb.reset()
		return context.WithValue(ctx, callBytesKey{}, cb)
	}
	authed := func(ctx context.Context) context.Context {
		return metadata.AppendToOutgoingContext(counted(ctx), grpcwire.MetadataAuthorization, t.authz)
	}
	cfg := t.cfg
	switch cfg.RPC {
	case ValidateToken:
		c := authv1.NewAuthServiceClient(cc)
		req := &authv1.ValidateTokenRequest{Token: t.authz[len("Bearer "):]}
		return cb.wrap(func(ctx context.Context) (Outcome, error) {
			res, err := c.ValidateToken(counted(ctx), req)
			if err != nil {
				return Outcome{}, fromGRPC(err)
			}
			if !res.GetIsValid() {
				return Outcome{}, core.Errorf(core.CodeUnauthenticated, "token not valid: %s", res.GetMessage())
			}
			return Outcome{}, nil
		}), nil
	case ValidateUser:
		c := authv1.NewAuthServiceClient(cc)
		req := &authv1.ValidateUserRequest{Username: cfg.User, Password: cfg.Password}
		return cb.wrap(func(ctx context.Context) (Outcome, error) {
			res, err := c.ValidateUser(counted(ctx), req)
			if err != nil {
				return Outcome{}, fromGRPC(err)
			}
			if !res.GetIsValid() {
				return Outcome{}, core.Errorf(core.CodeUnauthenticated, "login refused: %s", res.GetMessage())
			}
			return Outcome{}, nil
		}), nil
	case GetTransaction:
		c := transactionv1.NewTransactionServiceClient(cc)
		reqs := make([]*transactionv1.GetTransactionRequest, len(t.ids))
		for k, id := range t.ids {
			reqs[k] = &transactionv1.GetTransactionRequest{Id: id}
		}
		k := i
		return cb.wrap(func(ctx context.Context) (Outcome, error) {
			k = (k + 1) % len(reqs)
			res, err := c.GetTransaction(authed(ctx), reqs[k])
			if err != nil {
				return Outcome{}, fromGRPC(err)
			}
			if res.GetId() != reqs[k].Id {
				return Outcome{}, core.Errorf(core.CodeInternal, "asked for %s, got %s", reqs[k].Id, res.GetId())
			}
			return Outcome{}, nil
		}), nil
	case ListTransactions:
		c := transactionv1.NewTransactionServiceClient(cc)
		req := &transactionv1.ListTransactionsRequest{AccountId: core.AccountID(i % core.Accounts), Payload: string(cfg.Payload), Limit: int32(cfg.StreamMsgs)}
		return cb.wrap(func(ctx context.Context) (Outcome, error) {
			start := time.Now()
			ctx, cancel := context.WithCancel(authed(ctx))
			defer cancel()
			s, err := c.ListTransactions(ctx, req)
			if err != nil {
				return Outcome{}, fromGRPC(err)
			}
			var out Outcome
			var m transactionv1.Transaction
			for {
				err := s.RecvMsg(&m)
				if err == io.EOF {
					break
				}
				if err != nil {
					return out, fromGRPC(err)
				}
				if out.MsgsIn == 0 {
					out.FirstMsg = time.Since(start)
				}
				out.MsgsIn++
			}
			if out.MsgsIn != int64(req.Limit) {
				return out, core.Errorf(core.CodeInternal, "stream ended after %d of %d records", out.MsgsIn, req.Limit)
			}
			return out, nil
		}), nil
	case Upload:
		c := filev1.NewFileServiceClient(cc)
		data := filler(cfg.Payload.Bytes())
		first := &filev1.UploadRequest{Filename: "load-" + strconv.Itoa(i) + ".bin", Data: data}
		rest := &filev1.UploadRequest{Data: data}
		want := int64(len(data) * cfg.StreamMsgs)
		return cb.wrap(func(ctx context.Context) (Outcome, error) {
			ctx, cancel := context.WithCancel(authed(ctx))
			defer cancel()
			s, err := c.Upload(ctx)
			if err != nil {
				return Outcome{}, fromGRPC(err)
			}
			var out Outcome
			for k := range cfg.StreamMsgs {
				m := rest
				if k == 0 {
					m = first
				}
				if err := s.Send(m); err != nil {
					if err == io.EOF {
						_, err = s.CloseAndRecv() // the server's status
					}
					return out, fromGRPC(err)
				}
				out.MsgsOut++
			}
			sum, err := s.CloseAndRecv()
			if err != nil {
				return out, fromGRPC(err)
			}
			if sum.GetBytes() != want {
				return out, core.Errorf(core.CodeInternal, "server received %d bytes of %d", sum.GetBytes(), want)
			}
			return out, nil
		}), nil
	case Chat:
		c := chatv1.NewChatServiceClient(cc)
		sctx, cancel := context.WithCancel(authed(context.WithoutCancel(ctx)))
		s, err := c.Chat(sctx)
		if err != nil {
			cancel()
			return nil, fromGRPC(err)
		}
		return &grpcChat{s: s, cancel: cancel, cb: cb, room: cfg.Room + "-" + strconv.Itoa(i), text: string(filler(cfg.Payload.Bytes()))}, nil
	}
	return nil, fmt.Errorf("rpc %q not supported", cfg.RPC)
}

// grpcChat is one worker's chat stream: each call sends a message and waits
// for its acknowledgement, one round trip.
type grpcChat struct {
	s      grpc.BidiStreamingClient[chatv1.ChatMessage, chatv1.ChatEvent]
	cancel context.CancelFunc
	room   string
	text   string
	seq    uint64
	ev     chatv1.ChatEvent
	cb     *callBytes // the stream's, so each call reads its own share
}

func (c *grpcChat) Call(ctx context.Context) (Outcome, error) {
	c.cb.reset()
	out, err := c.call()
	c.cb.fill(&out)
	return out, err
}

func (c *grpcChat) call() (Outcome, error) {
	c.seq++
	if err := c.s.Send(&chatv1.ChatMessage{Room: c.room, Seq: c.seq, Text: c.text}); err != nil {
		if err == io.EOF {
			err = c.s.RecvMsg(&c.ev) // the server's status
		}
		return Outcome{}, fromGRPC(err)
	}
	out := Outcome{MsgsOut: 1}
	for {
		if err := c.s.RecvMsg(&c.ev); err != nil {
			return out, fromGRPC(err)
		}
		out.MsgsIn++
		if c.ev.GetKind() == chatv1.ChatEvent_KIND_ACK && c.ev.GetSeq() == c.seq {
			return out, nil
		}
	}
}

func (c *grpcChat) Close() error {
	err := c.s.CloseSend()
	c.cancel()
	return err
}

// callerFunc is a caller without state to close.
type callerFunc func(ctx context.Context) (Outcome, error)

func (f callerFunc) Call(ctx context.Context) (Outcome, error) { return f(ctx) }
func (f callerFunc) Close() error                              { return nil }

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

// wrap returns a caller that reports the bytes of each call of f.
func (b *callBytes) wrap(f func(context.Context) (Outcome, error)) Caller {
	return callerFunc(func(ctx context.Context) (Outcome, error) {
		out, err := f(ctx)
		b.fill(&out)
		return out, err
	})
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
