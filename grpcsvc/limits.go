package grpcsvc

import (
	"context"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// connCreds wraps the server's transport credentials (insecure ones when
// the server has none) to keep each connection's raw net.Conn in its
// AuthInfo, so that a handler can close the connection it is served on.
// grpc-go gives a handler no way to reset its own stream and drop what is
// queued on it; closing the connection is the one way to free a stream
// whose client withholds flow-control window.
type connCreds struct {
	credentials.TransportCredentials
}

// connInfo is the AuthInfo of a connection made through connCreds.
type connInfo struct {
	credentials.AuthInfo
	conn net.Conn
	once sync.Once
}

func (c connCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.TransportCredentials.ServerHandshake(raw)
	if err != nil {
		return nil, nil, err
	}
	return conn, &connInfo{AuthInfo: info, conn: raw}, nil
}

func (c connCreds) Clone() credentials.TransportCredentials {
	return connCreds{c.TransportCredentials.Clone()}
}

// closeConn closes the connection ctx's call is served on, if it was made
// through connCreds, and reports whether it did.
func closeConn(ctx context.Context) bool {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return false
	}
	ci, ok := p.AuthInfo.(*connInfo)
	if !ok {
		return false
	}
	ci.once.Do(func() { ci.conn.Close() })
	return true
}

// stallGuard cuts a stream whose Send makes no progress for stall: the
// client has stopped reading (or withholds flow-control window), and the
// message being sent, the one queued before it and the handler would
// otherwise be held for as long as the client likes. The timer runs only
// while a Send is blocked, so a feed paced slower than stall is not cut.
type stallGuard struct {
	grpc.ServerStream
	stall time.Duration
	timer *time.Timer
}

func (s *stallGuard) SendMsg(m any) error {
	s.timer.Reset(s.stall)
	err := s.ServerStream.SendMsg(m)
	s.timer.Stop()
	return err
}

// guardStalls is the stream interceptor installing a stallGuard.
func guardStalls(stall time.Duration) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := ss.Context()
		t := time.AfterFunc(stall, func() { closeConn(ctx) })
		t.Stop()
		defer t.Stop()
		return handler(srv, &stallGuard{ServerStream: ss, stall: stall, timer: t})
	}
}
