package grpcsvc

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errPanic is what a call that panicked answers: nothing about the cause
// (no value, stack or file), as the REST service answers a 500. Without
// this, grpc-go lets a handler's panic end the whole process.
var errPanic = status.Error(codes.Internal, "internal error")

// recoverUnary turns a panic in a unary handler into errPanic.
func recoverUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if recover() != nil {
			resp, err = nil, errPanic
		}
	}()
	return h(ctx, req)
}

// recoverStream turns a panic in a stream handler into errPanic.
func recoverStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	defer func() {
		if recover() != nil {
			err = errPanic
		}
	}()
	return h(srv, ss)
}
