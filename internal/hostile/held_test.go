package hostile_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/hostile"
	"restvsgrpc/restsvc"
)

// TestHeldConnections pins finding 4: a REST request whose body never
// finishes held its handler with no end (500 such were all still held
// after 8 s), and gRPC connections that sent only the preface were never
// closed. Each limit is set small here and tested at its edge: the server
// lets go once it runs out.
func TestHeldConnections(t *testing.T) {
	const (
		unary = 300 * time.Millisecond
		stall = 2 * time.Second
		short = 300 * time.Millisecond
	)
	tg := serve(t, limits{
		rest:    []restsvc.ServerOption{restsvc.WithUnaryTimeout(unary)},
		handler: []restsvc.Option{restsvc.WithStallTimeout(stall)},
		grpc:    []grpcsvc.Option{grpcsvc.WithMaxConnectionIdle(short), grpcsvc.WithConnectionTimeout(short)},
	})
	// Only the age limit, so that the idle one cannot be what closes.
	aged := serve(t, limits{grpc: []grpcsvc.Option{grpcsvc.WithMaxConnectionAge(short, short)}})

	t.Run("rest body never finishes", func(t *testing.T) {
		base := hostile.Measure()
		n := scale(20, 500)
		conns := make([]net.Conn, n)
		for i := range conns {
			conn, err := hostile.Dial(tg.rest)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conns[i] = conn
			// 1000 bytes announced, 10 sent.
			if _, err := io.WriteString(conn, "POST /v1/auth/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"username\""); err != nil {
				t.Fatal(err)
			}
		}
		closed := 0
		for _, conn := range conns {
			if _, ok := hostile.ReadUntilClosed(conn, 20*time.Second); ok {
				closed++
			}
		}
		t.Logf("%d requests whose body never finished: %d connections closed by the server", n, closed)
		if closed < n {
			t.Errorf("%d of %d connections with an unfinished body were closed, want all", closed, n)
		}
		tg.recovered(t, base)
	})

	t.Run("rest upload that makes progress outlives the unary timeout", func(t *testing.T) {
		conn, err := hostile.Dial(tg.rest)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /v1/files?filename=slow.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n", tg.token)
		// A chunk every 100 ms for four times the unary timeout; the
		// stall timeout is far from any gap.
		for end := time.Now().Add(4 * unary); time.Now().Before(end); {
			if _, err := io.WriteString(conn, "400\r\n"+strings.Repeat("x", 1024)+"\r\n"); err != nil {
				t.Fatalf("upload cut while it made progress: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		io.WriteString(conn, "0\r\n\r\n")
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		b := make([]byte, 12)
		if _, err := io.ReadFull(conn, b); err != nil || string(b) != "HTTP/1.1 200" {
			t.Errorf("answer %q, %v; want HTTP/1.1 200", b, err)
		}
	})

	t.Run("rest upload that stops is cut at the stall timeout", func(t *testing.T) {
		_, failed := tg.svc.UploadCounts()
		conn, err := hostile.Dial(tg.rest)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /v1/files?filename=stops.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n%s\r\n", tg.token, strings.Repeat("x", 1024))
		if _, ok := hostile.ReadUntilClosed(conn, 30*time.Second); !ok {
			t.Errorf("an upload that stopped sending was not cut")
		}
		eventually(t, "the stopped upload to count failed", func() bool {
			_, now := tg.svc.UploadCounts()
			return now == failed+1
		})
	})

	t.Run("grpc connection that sends only the preface", func(t *testing.T) {
		base := hostile.Measure()
		c, err := hostile.DialH2(tg.grpc)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		evs, err := c.Events(20*time.Second, func(ev hostile.Event) bool { return ev.Kind == "closed" })
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 || evs[len(evs)-1].Kind != "closed" {
			t.Errorf("a connection carrying no call was not closed (events %v)", evs)
		}
		tg.recovered(t, base)
	})

	t.Run("grpc connection with a call that never ends", func(t *testing.T) {
		base := hostile.Measure()
		c, err := hostile.DialH2(aged.grpc)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// A feed paced at one record a minute keeps a call open.
		msg, _ := proto.Marshal(&transactionv1.ListTransactionsRequest{AccountId: core.AccountID(1), Limit: 10, IntervalMs: 60_000})
		id, err := c.Open(c.Block(hostile.GRPCRequest(aged.grpc, "/"+transactionv1.TransactionService_ServiceDesc.ServiceName+"/ListTransactions", hpack.HeaderField{Name: "authorization", Value: "Bearer " + aged.token})...), false)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Data(id, hostile.GRPCMessage(msg), true); err != nil {
			t.Fatal(err)
		}
		goaway := false
		evs, err := c.Events(20*time.Second, func(ev hostile.Event) bool {
			goaway = goaway || ev.Kind == "goaway"
			return ev.Kind == "closed"
		})
		if err != nil {
			t.Fatal(err)
		}
		if !goaway || evs[len(evs)-1].Kind != "closed" {
			t.Errorf("a connection past its age was not sent GOAWAY and closed (events %v)", evs)
		}
		eventually(t, "the feed's handler to end", func() bool { return !hostile.InStacks("core.(*Service).ListTransactions") })
		aged.recovered(t, base)
	})

	t.Run("grpc connection that sends nothing", func(t *testing.T) {
		conn, err := hostile.Dial(tg.grpc)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, ok := hostile.ReadUntilClosed(conn, 20*time.Second); !ok {
			t.Errorf("a connection that sent nothing was not closed at the handshake timeout")
		}
	})
}

// TestDrippedUnaryRequest pins the gRPC twin of a REST body that never
// finishes: a unary call whose message never fully arrives was held until
// the connection's age (an hour). grpc-go reads it before any handler, so
// the server closes the connection once the request is late.
func TestDrippedUnaryRequest(t *testing.T) {
	tg := serve(t, limits{grpc: []grpcsvc.Option{grpcsvc.WithRecvTimeout(300 * time.Millisecond)}})
	base := hostile.Measure()
	c, err := hostile.DialH2(tg.grpc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := hostile.GRPCMessage(make([]byte, 1000))
	id, err := c.Open(c.Block(hostile.GRPCRequest(tg.grpc, "/"+authv1.AuthService_ServiceDesc.ServiceName+"/ValidateUser")...), false)
	if err != nil {
		t.Fatal(err)
	}
	// The prefix and ten bytes of a 1000-byte message, then nothing.
	if err := c.Data(id, msg[:15], false); err != nil {
		t.Fatal(err)
	}
	evs, err := c.Events(20*time.Second, func(ev hostile.Event) bool { return ev.Kind == "closed" })
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[len(evs)-1].Kind != "closed" {
		t.Errorf("a unary request that never finished arriving was not cut (events %v)", evs)
	}
	tg.recovered(t, base)
}
