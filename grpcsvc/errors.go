package grpcsvc

import (
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
)

// Status turns an error from the core into a gRPC status error, with the
// code of grpcwire.CodeOf and the client-safe message of core.MessageOf,
// never an internal detail. A core error that says when to retry carries it
// as a google.rpc.RetryInfo detail, gRPC's Retry-After. An error that
// already is a gRPC status (one the
// transport itself raised, such as a message over the size limit) is
// returned as it is. Status(nil) is nil.
func Status(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	st := status.New(grpcwire.CodeOf(core.CodeOf(err)), core.MessageOf(err))
	var e *core.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		if d, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(e.RetryAfter)}); derr == nil {
			st = d
		}
	}
	return st.Err()
}
