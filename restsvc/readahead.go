package restsvc

import (
	"errors"
	"net"
)

// readAheadBytes is what the first read of a connection takes from the
// kernel at least: more than any ordinary request's headers.
const readAheadBytes = 4 << 10

// ReadAhead returns l with connections whose first read takes what the
// kernel already holds (up to 4 KiB), however little net/http asks for.
// Serve a server made WithH2C on it: such a server first reads only the 14
// bytes of "PRI * HTTP/2.0" to tell h2c from HTTP/1.1, so an HTTP/1.1
// request line is split over two reads. When the header deadline passes
// between them (a saturated server reaching the connection late), net/http
// parses the first 14 bytes as the whole request line and answers "400 Bad
// Request" to a valid request; with the request read at once, it is served
// as over a server without h2c.
func ReadAhead(l net.Listener) net.Listener { return readAheadListener{l} }

type readAheadListener struct{ net.Listener }

func (l readAheadListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &readAheadConn{Conn: c}, nil
}

// readAheadConn serves its first reads from one larger read; after that
// it reads straight from the connection.
type readAheadConn struct {
	net.Conn
	started bool
	buf     []byte // read ahead and not yet returned
	err     error  // of the read ahead, returned once buf is drained
}

func (c *readAheadConn) Read(p []byte) (int, error) {
	if !c.started {
		c.started = true
		if len(p) < readAheadBytes {
			c.buf = make([]byte, readAheadBytes)
			var n int
			n, c.err = c.Conn.Read(c.buf)
			c.buf = c.buf[:n]
		}
	}
	if len(c.buf) > 0 {
		n := copy(p, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	c.buf = nil
	if err := c.err; err != nil {
		c.err = nil
		return 0, err
	}
	return c.Conn.Read(p)
}

// CloseWrite half-closes a TCP connection, as net/http does before closing
// one it answered with an error.
func (c *readAheadConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}
