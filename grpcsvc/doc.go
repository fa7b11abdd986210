// Package grpcsvc serves the core services over gRPC with grpc-go, the way a
// grpc-go user writes them: generated service interfaces, protobuf messages,
// interceptors. It is a thin adapter: convert with internal/protoconv, call
// internal/core, map errors with Status.
//
// NewServer returns a *grpc.Server with AuthService, TransactionService,
// FileService and ChatService registered, plus the standard health service
// (grpc.health.v1, every service SERVING) and server reflection, so that
// grpcurl and similar tools can call it without the .proto files.
//
// # Authentication
//
// One interceptor pair (unary and stream) reads "authorization: Bearer
// <token>" from the request metadata and checks it with core's Authenticate.
// AuthService, health and reflection are public; every other method answers
// codes.Unauthenticated without a valid token.
//
// # Errors
//
// Status is the one function that turns a core error into a gRPC status,
// with the codes of package grpcwire, whose CodeOf and CoreCode map them
// both ways so that a client can recover the core code the server answered
// with:
//
//	core.CodeInvalidArgument   codes.InvalidArgument
//	core.CodeUnauthenticated   codes.Unauthenticated
//	core.CodePermissionDenied  codes.PermissionDenied
//	core.CodeNotFound          codes.NotFound
//	core.CodeTooLarge          codes.ResourceExhausted
//	core.CodeCanceled          codes.Canceled
//	core.CodeDeadlineExceeded  codes.DeadlineExceeded
//	core.CodeUnavailable       codes.Unavailable (with RetryInfo when the core says when)
//	core.CodeInternal          codes.Internal
//	core.CodeUnknown           codes.Internal
//
// A login refused by the core's login limits is Unavailable, where REST
// answers 429: gRPC documents Unavailable as the transient condition to
// retry with a backoff, and ResourceExhausted is already too_large's (what
// grpc-go itself answers to a message over the size limit, which no retry
// fixes), so the codes stay one-to-one and a client's inverse reads "retry
// later", not "too large".
//
// Some answers come from grpc-go itself, before any handler runs, and pass
// through unchanged: a message over the size limit is ResourceExhausted, and
// request bytes that are not valid protobuf are Internal ("grpc: failed to
// unmarshal the received message"), where the REST service answers 400.
// grpc-go decodes a unary request before calling interceptors and wraps any
// codec error as Internal, so an adapter cannot change that code short of
// hiding decode errors inside a custom codec; the tests pin it.
//
// # Tuning, declared
//
// The REST service gets no tuning that is not declared, and neither does this
// one. NewServer sets message size limits (DefaultMaxRecvMsgSize,
// DefaultMaxSendMsgSize) sized for the benchmark's largest payload class, and
// a per-connection stream limit (DefaultMaxConcurrentStreams). Flow-control
// windows, keepalive, buffer sizes and stream workers are grpc-go's defaults
// (dynamic BDP-based windows); callers add any other grpc.ServerOption with
// WithServerOptions, and whoever does so declares it in the report.
package grpcsvc
