package grpcsvc

import (
	"google.golang.org/grpc/status"

	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
)

// Status turns an error from the core into a gRPC status error, with the
// code of grpcwire.CodeOf and the client-safe message of core.MessageOf, never an
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
	return status.Error(grpcwire.CodeOf(core.CodeOf(err)), core.MessageOf(err))
}
