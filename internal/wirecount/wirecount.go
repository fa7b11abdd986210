// Package wirecount counts the bytes that cross a socket: everything read
// from and written to a net.Conn, so HTTP headers, HTTP/2 frames and TLS
// records are included, not only the bodies a codec produced.
//
// Wrap a server's listener with NewListener and a client's dials with
// DialContext (for http.Transport) or GRPCDialer (for grpc.WithContextDialer);
// every connection then adds to one Counter. The counters are atomics, cheap
// enough to leave on in benchmarks. Wrap beneath TLS (the raw TCP conn), so
// that records and handshakes are counted.
package wirecount

import (
	"context"
	"net"
	"sync/atomic"
)

// Counter accumulates the bytes read and written over any number of
// connections, and counts the connections. The zero value is ready to use
// and safe for concurrent use.
type Counter struct {
	read, written, conns atomic.Int64
}

// Read returns the bytes read so far.
func (c *Counter) Read() int64 { return c.read.Load() }

// Written returns the bytes written so far.
func (c *Counter) Written() int64 { return c.written.Load() }

// Total returns the bytes read and written so far.
func (c *Counter) Total() int64 { return c.read.Load() + c.written.Load() }

// Conns returns how many connections were wrapped (accepted or dialed).
func (c *Counter) Conns() int64 { return c.conns.Load() }

// Reset sets every count to zero, e.g. after a benchmark's warm-up.
func (c *Counter) Reset() {
	c.read.Store(0)
	c.written.Store(0)
	c.conns.Store(0)
}

// Conn is a net.Conn whose reads and writes add to a Counter.
type Conn struct {
	net.Conn
	c *Counter
}

// NewConn wraps conn so that its traffic adds to c, and counts it as one
// connection.
func NewConn(conn net.Conn, c *Counter) *Conn {
	c.conns.Add(1)
	return &Conn{Conn: conn, c: c}
}

// Read reads from the wrapped conn and counts the bytes read.
func (w *Conn) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	w.c.read.Add(int64(n))
	return n, err
}

// Write writes to the wrapped conn and counts the bytes written. They are
// counted before the write, so that a peer that has received them never
// reads a count without them; a short write takes back what was not sent.
func (w *Conn) Write(p []byte) (int, error) {
	w.c.written.Add(int64(len(p)))
	n, err := w.Conn.Write(p)
	if n < len(p) {
		w.c.written.Add(int64(n - len(p)))
	}
	return n, err
}

// Unwrap returns the wrapped conn.
func (w *Conn) Unwrap() net.Conn { return w.Conn }

type listener struct {
	net.Listener
	c *Counter
}

// NewListener wraps l so that every accepted connection adds to c.
func NewListener(l net.Listener, c *Counter) net.Listener { return &listener{Listener: l, c: c} }

func (l *listener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return NewConn(conn, l.c), nil
}

// DialFunc is the signature of net.Dialer.DialContext and of
// http.Transport.DialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// DialContext returns a dial function for http.Transport.DialContext whose
// connections add to c. A nil dial uses a zero net.Dialer.
func DialContext(dial DialFunc, c *Counter) DialFunc {
	if dial == nil {
		dial = new(net.Dialer).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return NewConn(conn, c), nil
	}
}

// GRPCDialer returns a dialer for grpc.WithContextDialer whose TCP
// connections add to c. A nil dial uses a zero net.Dialer.
func GRPCDialer(dial DialFunc, c *Counter) func(ctx context.Context, addr string) (net.Conn, error) {
	d := DialContext(dial, c)
	return func(ctx context.Context, addr string) (net.Conn, error) { return d(ctx, "tcp", addr) }
}
