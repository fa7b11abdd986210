package peerlimit_test

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"restvsgrpc/internal/peerlimit"
)

// TestLimiter checks the cap at its edge on loopback (counted here): the
// connection past it is closed before any byte, one closed makes room,
// and a second listener shares the count.
func TestLimiter(t *testing.T) {
	const max = 3
	l := peerlimit.New(max, true)
	a, b := listen(t, l), listen(t, l)
	var conns []net.Conn
	for i := range max {
		addr := a
		if i == 0 {
			addr = b // the count is per address over both listeners
		}
		c := dial(t, addr)
		if closedByServer(t, c, 200*time.Millisecond) {
			t.Fatalf("connection %d of %d was refused", i+1, max)
		}
		conns = append(conns, c)
	}
	if !closedByServer(t, dial(t, a), 20*time.Second) {
		t.Errorf("connection %d from one address was not refused (cap %d)", max+1, max)
	}
	if got := l.Refused(); got != 1 {
		t.Errorf("Refused() = %d, want 1", got)
	}
	conns[0].Close() // the server closes its side, and the count drops
	var c net.Conn
	for deadline := time.Now().Add(20 * time.Second); ; {
		c = dial(t, a)
		if !closedByServer(t, c, 200*time.Millisecond) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no room after a connection closed")
		}
	}
	c.Close()
	for _, c := range conns {
		c.Close()
	}
	if peerlimit.New(0, true) != nil {
		t.Error("New(0) is a limit, want none")
	}
}

// TestLoopbackExempt checks the default of the servers: loopback clients
// are not counted.
func TestLoopbackExempt(t *testing.T) {
	l := peerlimit.New(1, false)
	a := listen(t, l)
	for i := range 5 {
		c := dial(t, a)
		defer c.Close()
		if closedByServer(t, c, 200*time.Millisecond) {
			t.Fatalf("loopback connection %d refused with loopback exempt", i+1)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:443":               "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:80":   "2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:80":       "192.0.2.7",
		"2001:db8:1:2:aaaa::1":        "2001:db8:1:2::/64",
		"not an address":              "not an address",
		"[2001:db8:1:3::1%eth0]:8080": "2001:db8:1:3::/64",
	} {
		if got := peerlimit.Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

// listen serves l's wrapped listener: each connection is held until its
// client closes it.
func listen(t *testing.T, l *peerlimit.Limiter) string {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lis := l.Listener(inner)
	var wg sync.WaitGroup
	t.Cleanup(func() { lis.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				_, _ = io.Copy(io.Discard, c)
				c.Close()
			})
		}
	})
	return inner.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c within wait; a
// connection still open after wait is taken as served (the server never
// writes).
func closedByServer(t *testing.T, c net.Conn, wait time.Duration) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	defer c.SetReadDeadline(time.Time{})
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}
