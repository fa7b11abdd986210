package grpcsvc

import (
	"context"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"

	"restvsgrpc/internal/sendbudget"
)

// connCreds wraps the server's transport credentials (insecure ones when
// the server has none) to keep each connection's raw net.Conn in its
// AuthInfo, so that a handler can close the connection it is served on.
// grpc-go gives a handler no way to reset its own stream and drop what is
// queued on it; closing the connection is the one way to free a stream
// whose client withholds flow-control window.
type connCreds struct {
	credentials.TransportCredentials
	budget *sendbudget.Budget // nil: none
}

// connInfo is the AuthInfo of a connection made through connCreds.
type connInfo struct {
	credentials.AuthInfo
	conn  net.Conn
	once  sync.Once
	queue *sendbudget.Queue // nil: no send budget
}

func (c connCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.TransportCredentials.ServerHandshake(raw)
	if err != nil {
		return nil, nil, err
	}
	ci := &connInfo{AuthInfo: info, conn: raw}
	if c.budget != nil {
		ci.queue = sendbudget.NewQueue()
		conn = c.budget.Conn(conn, ci.queue)
	}
	return conn, ci, nil
}

func (c connCreds) Clone() credentials.TransportCredentials {
	return connCreds{c.TransportCredentials.Clone(), c.budget}
}

// infoOf returns the connInfo of the connection ctx's call is served on,
// or nil if it was not made through connCreds.
func infoOf(ctx context.Context) *connInfo {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil
	}
	ci, _ := p.AuthInfo.(*connInfo)
	return ci
}

// closeConn closes the connection ctx's call is served on, if it was made
// through connCreds, and reports whether it did.
func closeConn(ctx context.Context) bool {
	ci := infoOf(ctx)
	if ci == nil {
		return false
	}
	ci.once.Do(func() { ci.conn.Close() })
	return true
}

// streamGuard cuts a stream whose Send makes no progress for stall: the
// client has stopped reading (or withholds flow-control window), and the
// message being sent, the one queued before it and the handler would
// otherwise be held for as long as the client likes. The timer runs only
// while a Send is blocked or waits for budget, so a feed paced slower than
// stall is not cut. It also counts what the stream sends in the server's
// send budget.
type streamGuard struct {
	grpc.ServerStream
	ctx   context.Context // the stream's, leading to the guard (reserve)
	stall time.Duration
	timer *time.Timer // nil: no stall timeout

	b        *sendbudget.Budget // nil: no budget
	q        *sendbudget.Queue
	user     string
	next     int64 // what the next message is expected to weigh
	reserved int64 // counted for the next message
	last     int64 // the last message sent; 0: none
}

func (s *streamGuard) Context() context.Context { return s.ctx }

func (s *streamGuard) start() {
	if s.timer != nil {
		s.timer.Reset(s.stall)
	}
}

func (s *streamGuard) stop() {
	if s.timer != nil {
		s.timer.Stop()
	}
}

func (s *streamGuard) reserve() error {
	if s.b == nil || s.reserved > 0 {
		return nil
	}
	s.start()
	defer s.stop()
	if err := s.b.Reserve(s.ctx, s.q, s.user, s.next, s.start); err != nil {
		return err
	}
	s.reserved = s.next
	return nil
}

func (s *streamGuard) SendMsg(m any) error {
	if s.b != nil {
		if err := s.reserve(); err != nil {
			return err
		}
	}
	s.start()
	err := s.ServerStream.SendMsg(m)
	s.stop()
	if s.b != nil {
		// The reservation becomes the message's real size, read once the
		// codec has sized it: bytes written meanwhile are uncounted from
		// the reservation, which is already in the budget.
		n := s.reserved
		if pm, ok := m.(proto.Message); ok {
			n = int64(cachedSize.Size(pm)) + 5 // the gRPC message prefix
		}
		s.b.Add(s.q, s.user, n-s.reserved)
		s.next, s.last, s.reserved = n, n, 0
	}
	return err
}

// cachedSize reads the size protobuf-go cached in a message when grpc-go's
// codec sized it to marshal it: sizing it again would walk the whole
// message, about 2.3 µs for a 1 KiB record, 73 µs for a 64 KiB one. A
// codec that does not fill that cache (vtprotobuf's) gets the walk.
var cachedSize = proto.MarshalOptions{UseCachedSize: true}

// guardStreams is the stream interceptor installing a streamGuard. A
// stream's first message is expected to weigh maxSend, the most it can, and
// is counted at its real size once built.
func guardStreams(stall time.Duration, b *sendbudget.Budget, maxSend int) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := ss.Context()
		g := &streamGuard{ServerStream: ss, stall: stall, next: int64(maxSend)}
		g.ctx = context.WithValue(ctx, guardKey{}, g)
		if stall > 0 {
			g.timer = time.AfterFunc(stall, func() { closeConn(ctx) })
			g.timer.Stop()
			defer g.timer.Stop()
		}
		if q := queueOf(ctx); b != nil && q != nil {
			g.b, g.q, g.user = b, q, subjectOf(ctx)
			defer b.OpenStream(q)()
		}
		err := handler(srv, g)
		if g.b != nil {
			g.b.Drop(g.q, g.user, g.dropped())
		}
		return err
	}
}

// dropped is what a stream whose handler returned leaves counted that will
// never be written: a reservation it did not use, and, when the client
// reset the stream (its context ended), what grpc-go then discards: at
// most the last message and its write quota of the one before (64 KiB).
// Uncounting a little too much only lets a little more be queued later.
func (s *streamGuard) dropped() int64 {
	n := s.reserved
	if s.ctx.Err() != nil && s.last > 0 {
		n += s.last + 64<<10
	}
	return n
}
