package restsvc_test

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

// lateListener's connections act as on a saturated server: the header
// deadline passes right after the connection's first read (the goroutine
// waited its turn for longer than the server's ReadHeaderTimeout).
type lateListener struct {
	net.Listener
	sent chan struct{} // closed once the client's request is in the kernel
}

func (l lateListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	<-l.sent
	return &lateConn{Conn: c}, nil
}

type lateConn struct {
	net.Conn
	reads int
}

func (c *lateConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.reads++; c.reads == 1 {
		_ = c.Conn.SetReadDeadline(time.Unix(1, 0))
	}
	return n, err
}

// TestReadAhead checks that a valid HTTP/1.1 request to a server with h2c
// is served when the header deadline passes between the server's first
// read (the 14 bytes of its h2c preface check) and the next: without
// ReadAhead, net/http parses "GET /healthz HT" as the request line and
// answers 400 Bad Request (the fleet's feeds at c=1000 saw this).
func TestReadAhead(t *testing.T) {
	t.Parallel()
	svc, err := core.New(core.WithBcryptCost(4))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		readAhead bool
		want      int
	}{
		{name: "net/http alone", readAhead: false, want: http.StatusBadRequest},
		{name: "ReadAhead", readAhead: true, want: http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			sent := make(chan struct{})
			var lis net.Listener = lateListener{Listener: ln, sent: sent}
			if tt.readAhead {
				lis = restsvc.ReadAhead(lis)
			}
			srv := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithH2C())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = srv.Serve(lis)
			}()
			defer func() { srv.Close(); <-done }()

			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			close(sent)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				if !tt.readAhead {
					t.Fatalf("status %d, want %d: net/http no longer fails a request line split by the header deadline, and ReadAhead may be unneeded", resp.StatusCode, tt.want)
				}
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// TestReadAheadH2C checks that h2c with prior knowledge still works
// through ReadAhead: the preface and the frames behind it, read ahead
// together, all reach the HTTP/2 server.
func TestReadAheadH2C(t *testing.T) {
	t.Parallel()
	svc, err := core.New(core.WithBcryptCost(4))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithH2C())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(restsvc.ReadAhead(ln))
	}()
	defer func() { srv.Close(); <-done }()
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	for range 3 {
		resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
			t.Fatalf("%s %d, want HTTP/2.0 200", resp.Proto, resp.StatusCode)
		}
	}
}
