package grpcsvc

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"restvsgrpc/internal/core"
)

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

// Status turns an error from the core into a gRPC status error, with the
// code of CodeOf and the client-safe message of core.MessageOf, never an
// internal detail. An error that already is a gRPC status (one the
// transport itself raised, such as a message over the size limit) is
// returned as it is. Status(nil) is nil.
func Status(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(CodeOf(core.CodeOf(err)), core.MessageOf(err))
}
