package grpcsvc

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
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
	// DefaultMaxConcurrentStreams bounds concurrent calls per connection.
	// grpc-go's default is unlimited and Go's HTTP/2 server's is 250; 1024
	// lets one connection carry the benchmark's highest concurrency.
	DefaultMaxConcurrentStreams = 1024
)

type config struct {
	maxRecv, maxSend int
	maxStreams       uint32
	extra            []grpc.ServerOption
}

// Option configures NewServer.
type Option func(*config)

// WithServerOptions adds grpc.ServerOptions (credentials, stats handlers,
// more interceptors chained after authentication, ...). They are applied
// after this package's own, so they win where both set the same thing.
func WithServerOptions(opts ...grpc.ServerOption) Option {
	return func(c *config) { c.extra = append(c.extra, opts...) }
}

// WithMaxRecvMsgSize sets the largest request message, in bytes.
func WithMaxRecvMsgSize(n int) Option { return func(c *config) { c.maxRecv = n } }

// WithMaxSendMsgSize sets the largest response message, in bytes.
func WithMaxSendMsgSize(n int) Option { return func(c *config) { c.maxSend = n } }

// WithMaxConcurrentStreams sets how many calls one connection may carry at
// once.
func WithMaxConcurrentStreams(n uint32) Option { return func(c *config) { c.maxStreams = n } }

// NewServer returns a gRPC server for svc with every service, health and
// reflection registered. It does not listen: the caller calls Serve on a
// listener of its choice and Stop or GracefulStop when done.
func NewServer(svc *core.Service, opts ...Option) *grpc.Server {
	cfg := config{
		maxRecv:    DefaultMaxRecvMsgSize,
		maxSend:    DefaultMaxSendMsgSize,
		maxStreams: DefaultMaxConcurrentStreams,
	}
	for _, o := range opts {
		o(&cfg)
	}
	a := authenticator{svc: svc}
	sopts := append([]grpc.ServerOption{
		grpc.MaxRecvMsgSize(cfg.maxRecv),
		grpc.MaxSendMsgSize(cfg.maxSend),
		grpc.MaxConcurrentStreams(cfg.maxStreams),
		grpc.ChainUnaryInterceptor(recoverUnary, a.unary),
		grpc.ChainStreamInterceptor(recoverStream, a.stream),
	}, cfg.extra...)
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
	reflection.Register(s)
	return s
}
