package grpcsvc

import (
	"context"
	"time"

	"google.golang.org/grpc/stats"
)

// recvGuard is a stats.Handler bounding the time a unary call's request
// may take to arrive, from its headers to the end of its message. grpc-go
// reads a unary request before any interceptor or handler runs and has no
// receive deadline of its own, so a client dripping its message kept the
// call (and its buffer) until the connection's age. Past the timeout the
// connection is closed: grpc-go gives no way to reset the one stream.
type recvGuard struct {
	timeout time.Duration
	unary   map[string]bool // full method names; filled before Serve
}

type recvKey struct{}

func (g *recvGuard) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	if !g.unary[info.FullMethodName] {
		return ctx
	}
	t := time.AfterFunc(g.timeout, func() { closeConn(ctx) })
	return context.WithValue(ctx, recvKey{}, t)
}

func (g *recvGuard) HandleRPC(ctx context.Context, s stats.RPCStats) {
	switch s.(type) {
	case *stats.InPayload, *stats.End:
		if t, ok := ctx.Value(recvKey{}).(*time.Timer); ok {
			t.Stop()
		}
	}
}

func (g *recvGuard) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (g *recvGuard) HandleConn(context.Context, stats.ConnStats) {}
