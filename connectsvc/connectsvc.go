// Package connectsvc serves the four services with connect-go: one
// net/http handler that speaks the Connect protocol (JSON or protobuf
// bodies), gRPC and gRPC-Web, over HTTP/1.1 and HTTP/2 alike, from the
// same proto/ and over the same core as restsvc and grpcsvc.
//
// Like grpcsvc it is a thin adapter: decode, call the core, encode, map
// errors. Errors map through grpcwire's table, Connect's codes being
// gRPC's; the bearer token is read from the Authorization header by one
// interceptor. Over HTTP/1.1 connect-go serves unary calls, server
// streams and client streams; a bidi stream needs HTTP/2.
package connectsvc

import (
	"context"
	"errors"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/durationpb"

	"restvsgrpc/gen/auth/v1/authv1connect"
	"restvsgrpc/gen/chat/v1/chatv1connect"
	"restvsgrpc/gen/file/v1/filev1connect"
	"restvsgrpc/gen/transaction/v1/transactionv1connect"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
)

// MaxMessageBytes bounds one request message, as grpc-go's default
// receive limit bounds grpcsvc's.
const MaxMessageBytes = 4 << 20

// NewHandler returns the four services over svc on one mux. AuthService
// needs no token; every other call needs "Authorization: Bearer <token>".
func NewHandler(svc *core.Service) http.Handler {
	limit := connect.WithReadMaxBytes(MaxMessageBytes)
	authed := connect.WithInterceptors(authenticator{svc})
	mux := http.NewServeMux()
	mux.Handle(authv1connect.NewAuthServiceHandler(authServer{svc}, limit))
	mux.Handle(transactionv1connect.NewTransactionServiceHandler(transactionServer{svc}, limit, authed))
	mux.Handle(filev1connect.NewFileServiceHandler(fileServer{svc}, limit, authed))
	mux.Handle(chatv1connect.NewChatServiceHandler(chatServer{svc}, limit, authed))
	return mux
}

// Error turns an error from the core into a *connect.Error with the code
// grpcwire.CodeOf gives (Connect's codes are gRPC's) and the client-safe
// message of core.MessageOf; a core error that says when to retry carries
// a google.rpc.RetryInfo detail, as grpcsvc's statuses do. A
// *connect.Error is returned as it is; Error(nil) is nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	if ce := new(connect.Error); errors.As(err, &ce) {
		return err
	}
	ce := connect.NewError(connect.Code(grpcwire.CodeOf(core.CodeOf(err))), errors.New(core.MessageOf(err)))
	var e *core.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		if d, derr := connect.NewErrorDetail(&errdetails.RetryInfo{RetryDelay: durationpb.New(e.RetryAfter)}); derr == nil {
			ce.AddDetail(d)
		}
	}
	return ce
}

type subjectKey struct{}

// subjectOf returns the caller the interceptor authenticated.
func subjectOf(ctx context.Context) string {
	s, _ := ctx.Value(subjectKey{}).(string)
	return s
}

// authenticator is the one interceptor that checks bearer tokens, on the
// services that need them.
type authenticator struct{ svc *core.Service }

func (a authenticator) check(ctx context.Context, h http.Header) (context.Context, error) {
	sub, err := a.svc.Authenticate(core.BearerToken(h.Get("Authorization")))
	if err != nil {
		return nil, Error(err)
	}
	return context.WithValue(ctx, subjectKey{}, sub), nil
}

func (a authenticator) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		ctx, err := a.check(ctx, req.Header())
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

func (a authenticator) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (a authenticator) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, err := a.check(ctx, conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(ctx, conn)
	}
}
