package client

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"

	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/wirecount"
)

// The bytes mode's unary gRPC calls go over the minimal HTTP/2 client
// (h2.go) with requests framed once, as h2load sends pre-encoded gRPC
// frames: grpc-go's client costs about as much CPU per call as its server,
// which left a driver on one CPU unable to load a server on another. The
// answer's message is compared byte for byte, its trailers must carry
// grpc-status 0. grpc-go's client stays for streams, for decode mode and
// for client-side balancing.

// leanGRPCUnary reports whether cfg's calls take the lean path.
func leanGRPCUnary(cfg TargetConfig) bool {
	return cfg.Check == CheckBytes && cfg.RPC.Kind() == "unary" && cfg.GRPCBalance != RoundRobin
}

// newLean opens the target's lean connections and logs in over the
// first.
func (t *grpcTarget) newLean(ctx context.Context) (*grpcTarget, error) {
	dial := wirecount.DialContext(rawDial, &t.wire)
	for range max(t.cfg.Conns, 1) {
		c, err := dialH2Slot(ctx, dial, t.cfg.Addr, t.tlsConfig)
		if err != nil {
			t.Close()
			return nil, loginError(t.cfg, unavailable(err))
		}
		t.h2 = append(t.h2, c)
	}
	login := &leanGRPCCaller{c: t.h2[0], addr: t.cfg.Addr, s: &h2Stream{finished: make(chan struct{}, 1)},
		calls: &leanGRPCCalls{path: authv1.AuthService_ValidateUser_FullMethodName, fields: grpcFields()}}
	body, err := login.invoke(ctx, grpcFrame(mustMarshal(&authv1.ValidateUserRequest{Username: t.cfg.User, Password: t.cfg.Password})), "ValidateUser")
	res := new(authv1.ValidateUserResponse)
	if err == nil {
		err = proto.Unmarshal(body, res)
	}
	if err := t.loggedIn(res, err); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// grpcFields are the headers of every lean call besides the
// pseudo-headers, as grpc-go's client sends them (HPACK indexes them all,
// so that later calls send a byte or two each).
func grpcFields() []hpack.HeaderField {
	return []hpack.HeaderField{
		{Name: "content-type", Value: "application/grpc"},
		{Name: "user-agent", Value: "restvsgrpc-lean grpc-go/" + grpc.Version},
		{Name: "te", Value: "trailers"},
	}
}

// grpcFrame is msg with gRPC's 5-byte prefix: uncompressed, its length.
func grpcFrame(msg []byte) []byte {
	b := make([]byte, 5+len(msg))
	binary.BigEndian.PutUint32(b[1:5], uint32(len(msg)))
	copy(b[5:], msg)
	return b
}

// leanGRPCCalls are a run's unary calls, prepared once and shared by its
// callers: the method, the headers, the framed requests taken in turn and
// the answer each must get.
type leanGRPCCalls struct {
	path   string
	fields []hpack.HeaderField
	reqs   [][]byte
	want   []*expect
	names  []string // what each request asks for, for errors
}

func (t *grpcTarget) newLeanGRPCCalls() (*leanGRPCCalls, error) {
	cfg := t.cfg
	l := &leanGRPCCalls{fields: grpcFields()}
	add := func(name string, msg []byte, want *expect) {
		l.reqs = append(l.reqs, grpcFrame(msg))
		l.want = append(l.want, want)
		l.names = append(l.names, name)
	}
	token := t.authz[len("Bearer "):]
	switch cfg.RPC {
	case ValidateToken:
		l.path = authv1.AuthService_ValidateToken_FullMethodName
		add("ValidateToken", mustMarshal(&authv1.ValidateTokenRequest{Token: token}), t.or.tokenExpect())
	case ValidateUser:
		l.path = authv1.AuthService_ValidateUser_FullMethodName
		add("ValidateUser", mustMarshal(&authv1.ValidateUserRequest{Username: cfg.User, Password: cfg.Password}), t.or.userExpect())
	case GetTransaction:
		class, err := t.or.class(cfg.Payload)
		if err != nil {
			return nil, err
		}
		reqs, err := t.txReqs()
		if err != nil {
			return nil, err
		}
		l.path = transactionv1.TransactionService_GetTransaction_FullMethodName
		// Indexed like any metadata grpc-go sends, so that the wire
		// bytes per call are grpc-go's.
		l.fields = append(l.fields, hpack.HeaderField{Name: grpcwire.MetadataAuthorization, Value: t.authz})
		for k, id := range class.ids {
			add("GetTransaction "+id, reqs[k], class.want[k])
		}
	default:
		return nil, fmt.Errorf("rpc %q is not unary", cfg.RPC)
	}
	return l, nil
}

// leanGRPCCaller is a unary gRPC call over the lean HTTP/2 client: a
// connection, its own stream and its place in the shared requests.
type leanGRPCCaller struct {
	c     *h2Slot
	addr  string
	calls *leanGRPCCalls
	k     int
	s     *h2Stream
}

func (t *grpcTarget) newLeanGRPCCaller(i int) (Caller, error) {
	calls, err := t.leanCalls()
	if err != nil {
		return nil, err
	}
	return &leanGRPCCaller{c: t.h2[i%len(t.h2)], addr: t.cfg.Addr, calls: calls, k: i, s: &h2Stream{finished: make(chan struct{}, 1)}}, nil
}

func (c *leanGRPCCaller) Call(ctx context.Context) (Outcome, error) {
	l := c.calls
	c.k = (c.k + 1) % len(l.reqs)
	k := c.k
	out := Outcome{BodyOut: int64(len(l.reqs[k]) - 5)}
	msg, err := c.invoke(ctx, l.reqs[k], l.names[k])
	if err != nil {
		return out, err
	}
	out.BodyIn = int64(len(msg))
	if err := l.want[k].match(msg, 0); err != nil {
		return out, fmt.Errorf("%s: %w", l.names[k], err)
	}
	return out, nil
}

// invoke sends one framed request and returns the answer's message, or
// the call's error: a transport failure as unavailable, a gRPC status as
// its core code.
func (c *leanGRPCCaller) invoke(ctx context.Context, req []byte, name string) ([]byte, error) {
	if err := c.c.call(ctx, c.s, http.MethodPost, c.addr, c.calls.path, c.calls.fields, req); err != nil {
		if ctx.Err() != nil {
			// The stream may still be answered into c.s: use another.
			c.s = &h2Stream{finished: make(chan struct{}, 1)}
		}
		return nil, unavailable(err)
	}
	s := c.s
	switch {
	case s.status != http.StatusOK:
		return nil, unavailable(fmt.Errorf("%s: HTTP status %d, want 200", name, s.status))
	case s.grpcStatus < 0:
		return nil, unavailable(fmt.Errorf("%s: the answer ended without a grpc-status", name))
	case s.grpcStatus != int(codes.OK):
		msg, _ := url.PathUnescape(s.grpcMessage) // grpc-message is percent-encoded
		return nil, fromGRPC(status.Error(codes.Code(s.grpcStatus), msg))
	}
	b := s.body
	if len(b) < 5 || b[0] != 0 || int(binary.BigEndian.Uint32(b[1:5])) != len(b)-5 {
		return nil, fmt.Errorf("%s: %d bytes that are not one uncompressed gRPC message", name, len(b))
	}
	return b[5:], nil
}

func (c *leanGRPCCaller) Close() error { return nil }
