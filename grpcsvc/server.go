package grpcsvc

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/sendbudget"
)

// Limits NewServer sets unless told otherwise.
const (
	// DefaultMaxRecvMsgSize bounds one request message: room for a 1 MiB
	// upload chunk and its framing with margin (grpc-go's own default,
	// 4 MiB, stated explicitly).
	DefaultMaxRecvMsgSize = 4 << 20
	// DefaultMaxSendMsgSize bounds one response message: a record of the
	// 1MiB payload class is about 1.1 MB of protobuf. grpc-go's default is
	// unlimited; 8 MiB keeps a runaway message from being sent at all.
	DefaultMaxSendMsgSize = 8 << 20
	// DefaultMaxConcurrentStreams bounds concurrent calls per connection,
	// and so what one connection can make the server hold. grpc-go's
	// default is unlimited; 256 is the benchmarks' highest concurrency on
	// one connection (and about Go's HTTP/2 server's 250).
	DefaultMaxConcurrentStreams = 256
	// DefaultMaxHeaderListSize bounds one call's header list, as decoded
	// (HPACK lets a few bytes on the wire refer to a large header many
	// times). grpc-go's default is 16 MiB, and it decodes every -bin value
	// into a copy of its own; 64 KiB is the REST server's header limit.
	DefaultMaxHeaderListSize = 64 << 10
	// DefaultConnectionTimeout bounds a new connection's handshake (TLS and
	// the HTTP/2 preface); grpc-go's default is 120 s.
	DefaultConnectionTimeout = 10 * time.Second
	// DefaultMaxConnectionIdle closes a connection that has carried no call
	// for this long (grpc-go's default: never), like the REST server's
	// idle timeout.
	DefaultMaxConnectionIdle = 120 * time.Second
	// DefaultMaxConnectionAge closes any connection after about this long
	// (grpc-go adds ±10% jitter): calls then go to a new connection.
	DefaultMaxConnectionAge = time.Hour
	// DefaultMaxConnectionAgeGrace is how long calls in flight on a
	// connection past its age may still run before it is closed.
	DefaultMaxConnectionAgeGrace = 5 * time.Minute
	// DefaultStallTimeout cuts a stream whose Send has made no progress for
	// this long (the client stopped reading): the connection carrying it is
	// closed, since grpc-go cannot reset one stream from a handler.
	DefaultStallTimeout = 30 * time.Second
	// DefaultSendBudget bounds the answer bytes one connection, and one
	// user over all its connections, may have queued for sending: past it,
	// streams wait (a connection that then writes nothing for the stall
	// timeout is closed). The heap holds about twice the budget at its peak
	// (the queued bytes, and the proto message of each stream blocked in
	// Send). It is sendbudget's Default, the REST server's too.
	DefaultSendBudget = sendbudget.Default
	// DefaultRecvTimeout bounds how long a unary call's request may take to
	// arrive after its headers, as the REST server's unary timeout does;
	// past it the connection is closed.
	DefaultRecvTimeout = 30 * time.Second
)

type config struct {
	maxRecv, maxSend int
	maxStreams       uint32
	maxHeaderList    uint32
	connTimeout      time.Duration
	keepalive        keepalive.ServerParameters
	stall            time.Duration
	budgetConn       int64
	budgetUser       int64
	recvTimeout      time.Duration
	creds            credentials.TransportCredentials
	noReflection     bool
	extra            []grpc.ServerOption
}

// Option configures NewServer.
type Option func(*config)

// WithServerOptions adds grpc.ServerOptions (stats handlers, more
// interceptors chained after authentication, ...). They are applied after
// this package's own, so they win where both set the same thing; give
// credentials with WithCredentials, not grpc.Creds, or stalled streams can
// no longer be cut.
func WithServerOptions(opts ...grpc.ServerOption) Option {
	return func(c *config) { c.extra = append(c.extra, opts...) }
}

// WithCredentials serves with creds (TLS, say) instead of cleartext.
func WithCredentials(creds credentials.TransportCredentials) Option {
	return func(c *config) { c.creds = creds }
}

// WithMaxRecvMsgSize sets the largest request message, in bytes.
func WithMaxRecvMsgSize(n int) Option { return func(c *config) { c.maxRecv = n } }

// WithMaxSendMsgSize sets the largest response message, in bytes.
func WithMaxSendMsgSize(n int) Option { return func(c *config) { c.maxSend = n } }

// WithMaxConcurrentStreams sets how many calls one connection may carry at
// once; the client's calls over it are refused (REFUSED_STREAM).
func WithMaxConcurrentStreams(n uint32) Option { return func(c *config) { c.maxStreams = n } }

// WithMaxHeaderListSize sets the largest header list of a call, in bytes
// as decoded (each field counts its name, value and 32); a call over it is
// reset before any handler runs.
func WithMaxHeaderListSize(n uint32) Option { return func(c *config) { c.maxHeaderList = n } }

// WithConnectionTimeout sets how long a new connection may take to finish
// its handshake before it is closed.
func WithConnectionTimeout(d time.Duration) Option { return func(c *config) { c.connTimeout = d } }

// WithMaxConnectionIdle sets how long a connection may carry no call
// before it is closed (GOAWAY); 0 means never.
func WithMaxConnectionIdle(d time.Duration) Option {
	return func(c *config) { c.keepalive.MaxConnectionIdle = d }
}

// WithMaxConnectionAge sets how long a connection may live (0: forever)
// and how long its calls may then still run (grace; 0: forever).
func WithMaxConnectionAge(age, grace time.Duration) Option {
	return func(c *config) { c.keepalive.MaxConnectionAge, c.keepalive.MaxConnectionAgeGrace = age, grace }
}

// WithStallTimeout sets how long a stream's Send may make no progress
// before the stream is cut (its connection closed); 0 means never.
func WithStallTimeout(d time.Duration) Option { return func(c *config) { c.stall = d } }

// WithSendBudget sets how many answer bytes one connection (perConn) and
// one user over all connections (perUser) may have queued for sending
// before their streams wait; 0 means no limit of that kind.
func WithSendBudget(perConn, perUser int64) Option {
	return func(c *config) { c.budgetConn, c.budgetUser = perConn, perUser }
}

// WithRecvTimeout sets how long a unary call's request may take to arrive
// after its headers before the connection is closed; 0 means no limit.
func WithRecvTimeout(d time.Duration) Option { return func(c *config) { c.recvTimeout = d } }

// WithReflection turns server reflection on (the default, for grpcurl and
// similar tools) or off, which production deployments may prefer: it
// lists every service and message to anyone who asks.
func WithReflection(on bool) Option { return func(c *config) { c.noReflection = !on } }

// NewServer returns a gRPC server for svc with every service, health and
// reflection registered, and the limits above set. It does not listen: the caller calls Serve on a
// listener of its choice and Stop or GracefulStop when done.
func NewServer(svc *core.Service, opts ...Option) *grpc.Server {
	cfg := config{
		maxRecv:       DefaultMaxRecvMsgSize,
		maxSend:       DefaultMaxSendMsgSize,
		maxStreams:    DefaultMaxConcurrentStreams,
		maxHeaderList: DefaultMaxHeaderListSize,
		connTimeout:   DefaultConnectionTimeout,
		keepalive: keepalive.ServerParameters{
			MaxConnectionIdle:     DefaultMaxConnectionIdle,
			MaxConnectionAge:      DefaultMaxConnectionAge,
			MaxConnectionAgeGrace: DefaultMaxConnectionAgeGrace,
		},
		stall:       DefaultStallTimeout,
		budgetConn:  DefaultSendBudget,
		budgetUser:  DefaultSendBudget,
		recvTimeout: DefaultRecvTimeout,
		creds:       insecure.NewCredentials(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	a := authenticator{svc: svc}
	budget := sendbudget.New(cfg.budgetConn, cfg.budgetUser)
	unaries := []grpc.UnaryServerInterceptor{recoverUnary, a.unary}
	if budget != nil {
		unaries = append(unaries, countUnary(budget))
	}
	streams := []grpc.StreamServerInterceptor{recoverStream, a.stream}
	if cfg.stall > 0 || budget != nil {
		streams = append(streams, guardStreams(cfg.stall, budget, cfg.maxSend))
	}
	sopts := append([]grpc.ServerOption{
		grpc.Creds(connCreds{cfg.creds, budget}),
		grpc.MaxRecvMsgSize(cfg.maxRecv),
		grpc.MaxSendMsgSize(cfg.maxSend),
		grpc.MaxConcurrentStreams(cfg.maxStreams),
		grpc.MaxHeaderListSize(cfg.maxHeaderList),
		grpc.ConnectionTimeout(cfg.connTimeout),
		grpc.KeepaliveParams(cfg.keepalive),
		grpc.ChainUnaryInterceptor(unaries...),
		grpc.ChainStreamInterceptor(streams...),
	}, cfg.extra...)
	var recv *recvGuard
	if cfg.recvTimeout > 0 {
		recv = &recvGuard{timeout: cfg.recvTimeout, unary: map[string]bool{}}
		sopts = append(sopts, grpc.StatsHandler(recv))
	}
	s := grpc.NewServer(sopts...)

	authv1.RegisterAuthServiceServer(s, authServer{svc: svc})
	transactionv1.RegisterTransactionServiceServer(s, transactionServer{svc: svc})
	filev1.RegisterFileServiceServer(s, fileServer{svc: svc})
	chatv1.RegisterChatServiceServer(s, chatServer{svc: svc})

	hs := health.NewServer() // "" (the whole server) starts SERVING
	for name := range s.GetServiceInfo() {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	healthpb.RegisterHealthServer(s, hs)
	if !cfg.noReflection {
		reflection.Register(s)
	}
	if recv != nil {
		for name, info := range s.GetServiceInfo() {
			for _, m := range info.Methods {
				if !m.IsClientStream && !m.IsServerStream {
					recv.unary["/"+name+"/"+m.Name] = true
				}
			}
		}
	}
	return s
}
