package hostile

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// dialTimeout bounds connecting; the servers are on loopback.
const dialTimeout = 5 * time.Second

// Dial connects to addr over TCP, which must be a loopback address: these
// clients never attack anything else.
func Dial(addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("hostile: %s is not a loopback address", addr)
	}
	return net.DialTimeout("tcp", addr, dialTimeout)
}

// ReadUntilClosed reads and discards what the server sends until it closes
// the connection, or until timeout passes. It returns the bytes read and
// whether the server closed the connection (EOF or reset) in time.
func ReadUntilClosed(conn net.Conn, timeout time.Duration) (n int64, closed bool) {
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 32<<10)
	for {
		m, err := conn.Read(buf)
		n += int64(m)
		if err != nil {
			var ne net.Error
			return n, !(errors.As(err, &ne) && ne.Timeout())
		}
	}
}
