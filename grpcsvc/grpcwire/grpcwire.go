// Package grpcwire is the client-facing part of the gRPC contract that
// proto/ does not say: the metadata the services read and the mapping
// between core codes and gRPC codes. grpcsvc answers with it and every gRPC
// client reads with it; it imports no server code.
package grpcwire

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"restvsgrpc/internal/core"
)

// MetadataAuthorization is the metadata key of the bearer token,
// "Bearer <token>", that every method except AuthService's needs.
const MetadataAuthorization = "authorization"

// MaxRecvMsgSize bounds one message a client receives: a record of the
// 1MiB class is about 1.1 MB.
const MaxRecvMsgSize = 16 << 20

var toGRPC = map[core.Code]codes.Code{
	core.CodeUnknown:          codes.Internal,
	core.CodeInvalidArgument:  codes.InvalidArgument,
	core.CodeUnauthenticated:  codes.Unauthenticated,
	core.CodePermissionDenied: codes.PermissionDenied,
	core.CodeNotFound:         codes.NotFound,
	core.CodeTooLarge:         codes.ResourceExhausted,
	core.CodeCanceled:         codes.Canceled,
	core.CodeDeadlineExceeded: codes.DeadlineExceeded,
	core.CodeUnavailable:      codes.Unavailable,
	core.CodeInternal:         codes.Internal,
}

// toCore inverts toGRPC; of the codes sharing Internal, CodeInternal wins.
// A gRPC code it lacks (Unknown among them) is CodeUnknown.
var toCore = func() map[codes.Code]core.Code {
	m := make(map[codes.Code]core.Code, len(toGRPC))
	for c, g := range toGRPC {
		if _, dup := m[g]; !dup || c == core.CodeInternal {
			m[g] = c
		}
	}
	return m
}()

// CodeOf returns the gRPC code for a core code. Codes the core does not
// know, and CodeUnknown, are Internal.
func CodeOf(c core.Code) codes.Code {
	if g, ok := toGRPC[c]; ok {
		return g
	}
	return codes.Internal
}

// CoreCode is the inverse of CodeOf, for clients: it returns the core code
// a gRPC status stands for. Internal gives CodeInternal; gRPC codes the core
// never produces (Unimplemented, FailedPrecondition, ...) give CodeUnknown.
func CoreCode(c codes.Code) core.Code {
	if cc, ok := toCore[c]; ok {
		return cc
	}
	return core.CodeUnknown
}

// ErrorOf is the client's side of a failed call: the *core.Error a gRPC
// status error stands for, with the status's message. Errors that are not
// a status are returned as they are; ErrorOf(nil) is nil.
func ErrorOf(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	return &core.Error{Code: CoreCode(st.Code()), Message: st.Message()}
}
