package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestRawIO checks rawIO against a real socket: a write far larger than
// the socket buffers goes through whole (waiting on the poller when the
// socket is full), the peer reads exactly those bytes back to us, a read
// deadline ends a read as net.Conn's does, a write and a read allocate
// nothing, and the peer's close is EOF.
func TestRawIO(t *testing.T) { // not parallel: it counts allocations
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // echoes everything, then closes
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()
	c, err := rawDial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.(*rawIO); !ok {
		t.Fatalf("rawDial gave a %T", c)
	}

	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past its deadline: %v, want a deadline error", err)
	}
	c.SetReadDeadline(time.Time{})

	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(c, int64(len(want))))
		got <- b
	}()
	if n, err := c.Write(want); n != len(want) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(want))
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("read back %d bytes, not the %d written", len(b), len(want))
	}
	// The driver's hot path: a write and a read allocate nothing.
	small := make([]byte, 64)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := c.Write(small); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, small); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per write and read, want none", n)
	}
	c.(*rawIO).Conn.(*net.TCPConn).CloseWrite() // the echo ends and closes
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read after the peer closed: %d, %v; want EOF", n, err)
	}
}
