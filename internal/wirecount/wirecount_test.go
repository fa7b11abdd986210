package wirecount_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"restvsgrpc/internal/wirecount"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// hello answers every request with a fixed response: no Date header, so that
// every byte on the wire is known in advance.
func hello(w http.ResponseWriter, r *http.Request) {
	w.Header()["Date"] = nil
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", "5")
	_, _ = io.WriteString(w, "hello")
}

// serve starts a net/http server whose accepted connections add to c, and
// reports when a connection closes.
func serve(t *testing.T, c *wirecount.Counter) (addr string, closed <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	srv := &http.Server{
		Handler: http.HandlerFunc(hello),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateClosed {
				ch <- struct{}{}
			}
		},
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(wirecount.NewListener(l, c)) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return l.Addr().String(), ch
}

func TestExactHTTP11Exchange(t *testing.T) {
	t.Parallel()
	const (
		req  = "GET /x HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
		resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nhello"
	)
	var srvCount, cliCount wirecount.Counter
	addr, closed := serve(t, &srvCount)

	conn, err := wirecount.DialContext(nil, &cliCount)(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(resp, string(got)); diff != "" {
		t.Fatalf("response (-want +got):\n%s", diff)
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not close the connection")
	}

	type counts struct{ Read, Written, Conns int64 }
	for _, tc := range []struct {
		name string
		c    *wirecount.Counter
		want counts
	}{
		{"client", &cliCount, counts{int64(len(resp)), int64(len(req)), 1}},
		{"server", &srvCount, counts{int64(len(req)), int64(len(resp)), 1}},
	} {
		got := counts{tc.c.Read(), tc.c.Written(), tc.c.Conns()}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s counts (-want +got):\n%s", tc.name, diff)
		}
		if tc.c.Total() != got.Read+got.Written {
			t.Errorf("%s Total() = %d, want %d", tc.name, tc.c.Total(), got.Read+got.Written)
		}
	}
}

func TestTransportReusesConnection(t *testing.T) {
	t.Parallel()
	var srvCount, cliCount wirecount.Counter
	addr, _ := serve(t, &srvCount)
	tr := &http.Transport{DialContext: wirecount.DialContext(nil, &cliCount)}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	const calls = 3
	for range calls {
		resp, err := hc.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "hello" {
			t.Fatalf("body %q, err %v; want hello", body, err)
		}
	}
	if got := cliCount.Conns(); got != 1 {
		t.Errorf("client dialed %d connections for %d calls, want 1", got, calls)
	}
	if cliCount.Written() != srvCount.Read() {
		t.Errorf("client wrote %d bytes, server read %d", cliCount.Written(), srvCount.Read())
	}
	// Every response is the same 5-byte body plus the same headers.
	if got := cliCount.Read(); got%calls != 0 || got/calls <= 5 {
		t.Errorf("client read %d bytes for %d identical responses", got, calls)
	}
	cliCount.Reset()
	if cliCount.Total() != 0 || cliCount.Conns() != 0 {
		t.Errorf("after Reset: total %d conns %d, want 0 0", cliCount.Total(), cliCount.Conns())
	}
}

func TestGRPCDialer(t *testing.T) {
	t.Parallel()
	var srvCount, cliCount wirecount.Counter
	addr, closed := serve(t, &srvCount)
	conn, err := wirecount.GRPCDialer(nil, &cliCount)(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := conn.(*wirecount.Conn); !ok {
		t.Fatalf("GRPCDialer returned %T, want *wirecount.Conn", conn)
	}
	conn.Close()
	<-closed
	if cliCount.Conns() != 1 || srvCount.Conns() != 1 {
		t.Errorf("conns: client %d server %d, want 1 1", cliCount.Conns(), srvCount.Conns())
	}
}
