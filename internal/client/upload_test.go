package client

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
)

// writeCounter counts the Write calls of the connections it dials.
type writeCounter struct {
	dial   func(context.Context, string, string) (net.Conn, error)
	writes atomic.Int64
}

func (w *writeCounter) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := w.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, n: &w.writes}, nil
}

type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// uploadServer serves REST on loopback with the test user.
func uploadServer(t *testing.T, opts ...restsvc.ServerOption) string {
	t.Helper()
	svc := testService(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := restsvc.NewServer(restsvc.NewHandler(svc), opts...)
	go hs.Serve(l)
	t.Cleanup(func() { hs.Close() })
	return l.Addr().String()
}

// uploadWrites makes calls uploads of 100 chunks of 1 KiB over variant v
// to addr and returns the write calls of the connections they dialed
// (the login's, dialed before, is closed first) and the target's counters.
func uploadWrites(t *testing.T, addr, v string, calls int) (int64, Counters) {
	t.Helper()
	ctx := context.Background()
	tg, err := NewTarget(ctx, TargetConfig{Variant: v, Addr: addr, RPC: Upload,
		Payload: core.Payload1KiB, User: "loader", Password: "load-test-password", StreamMsgs: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	rt := tg.(*restTarget)
	wc := &writeCounter{dial: rt.dial}
	rt.dial = wc.Dial
	for _, hc := range rt.hcs {
		hc.CloseIdleConnections()
	}
	c, err := tg.NewCaller(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range calls {
		out, err := c.Call(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if out.MsgsOut != 100 || out.BodyOut != 100<<10 || out.BodyIn == 0 {
			t.Fatalf("outcome %+v, want 100 messages and 100 KiB out, an answer in", out)
		}
	}
	return wc.writes.Load(), rt.Counters()
}

// TestUploadWritesOnce checks that a REST upload of 100 chunks goes out in
// one write, headers and chunked body together, as wrk sends it, and that
// the server's summary still matches; net/http wrote every chunk on its
// own, a system call per chunk on each side.
func TestUploadWritesOnce(t *testing.T) {
	addr := uploadServer(t)
	for _, v := range []string{variant.REST, variant.RESTProto} {
		t.Run(v, func(t *testing.T) {
			const calls = 5
			n, cs := uploadWrites(t, addr, v, calls)
			if n != calls {
				t.Errorf("%d writes for %d uploads, want one each", n, calls)
			}
			if cs.Conns != 2 {
				t.Errorf("%d connections dialed, want the login's and one for every upload", cs.Conns)
			}
		})
	}
}

// TestH2UploadBatches checks that a rest-h2c upload of 100 chunks goes out
// in DATA frames of many chunks each: net/http's HTTP/2 client flushes a
// frame per body Read, and a Read of one chunk made it a write per chunk.
func TestH2UploadBatches(t *testing.T) {
	addr := uploadServer(t, restsvc.WithH2C())
	const calls = 5
	// 100 KiB in 16 KiB frames is 7 of them, with the headers and any
	// WINDOW_UPDATE each a write too; the connection's preface is 1 or 2 (it took 24 for 5, 512 before).
	n, _ := uploadWrites(t, addr, variant.RESTH2C, calls)
	t.Logf("%d writes for %d uploads", n, calls)
	if n > calls*10 {
		t.Errorf("%d writes for %d uploads, want at most 10 each", n, calls)
	}
}
