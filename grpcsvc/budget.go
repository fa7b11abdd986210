package grpcsvc

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"restvsgrpc/internal/sendbudget"
)

// The send budget (internal/sendbudget) bounds the response bytes queued
// for sending, per connection and per user. grpc-go queues a whole message
// when its stream has any write quota left, so a stream whose client
// grants no flow-control window holds a message or two (about 2.3 MB of
// records of the 1MiB class, with the proto message being built); a
// connection of many such streams held hundreds of MB. A message counts
// from before its proto message is built (reserve) until the connection
// has written as many bytes to its socket (the connection is wrapped by
// sendbudget's Conn): a stream waits while its connection or its user is
// over budget, and a connection that writes nothing while a stream waits is
// cut by the stall guard like one whose Send is blocked.

// queueOf returns the queue of the connection ctx's call is served on.
func queueOf(ctx context.Context) *sendbudget.Queue {
	if ci := infoOf(ctx); ci != nil {
		return ci.queue
	}
	return nil
}

// countUnary counts a unary call's answer, which grpc-go queues whole after
// the handler returns, on a connection that carries a stream: without it,
// answers written to the socket would uncount the streams' stalled bytes.
// A connection of unary calls only is not counted: sizing every answer
// (proto.Size walks the whole message, about 73 µs for a 64 KiB record,
// 9% of what the server spends on the call) would tax every unary call to
// bound streams it does not have. A stream opened while answers are in
// flight may see its count low by those answers.
func countUnary(b *sendbudget.Budget) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if m, ok := resp.(proto.Message); ok && err == nil {
			if q := queueOf(ctx); q != nil && b.CarriesStreams(q) {
				b.Add(q, subjectOf(ctx), int64(proto.Size(m))+5)
			}
		}
		return resp, err
	}
}

type guardKey struct{}

// reserve waits until the budgets have room for the next message of the
// stream ctx belongs to; a handler calls it before building a large
// message, so that a waiting stream holds none. It does nothing outside a
// guarded stream.
func reserve(ctx context.Context) error {
	g, ok := ctx.Value(guardKey{}).(*streamGuard)
	if !ok {
		return nil
	}
	return g.reserve()
}
