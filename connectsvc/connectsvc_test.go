package connectsvc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/connectsvc"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
)

// serve starts the handler over a core with user alice on HTTP/1.1 and
// h2c, and returns its address and the content encodings of its answers.
func serve(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	svc, err := core.New(core.WithBcryptCost(bcrypt.MinCost), core.WithUser("alice", "s3cret-pass"))
	if err != nil {
		t.Fatal(err)
	}
	var zipped atomic.Int64
	h := connectsvc.NewHandler(svc)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := restsvc.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if w.Header().Get("Content-Encoding") != "" || strings.Contains(w.Header().Get("Grpc-Encoding")+w.Header().Get("Connect-Content-Encoding"), "gzip") {
			zipped.Add(1)
		}
	}), restsvc.WithH2C())
	go hs.Serve(lis)
	t.Cleanup(func() { hs.Close() })
	return lis.Addr().String(), &zipped
}

func loggedIn(t *testing.T, c client.Client) {
	t.Helper()
	r, err := c.ValidateUser(t.Context(), "alice", "s3cret-pass")
	if err != nil || !r.IsValid {
		t.Fatalf("%s login: %+v, %v", c.Variant(), r, err)
	}
	c.SetToken(r.Token)
}

// TestOneHandlerEveryProtocol calls the one handler with the Connect
// protocol (JSON and protobuf) and gRPC-Web over HTTP/1.1, and with
// grpc-go's own client over h2c: the same record comes back each way, and
// no answer is compressed, as the clients ask for none.
func TestOneHandlerEveryProtocol(t *testing.T) {
	addr, zipped := serve(t)
	h1 := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(h1.CloseIdleConnections)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	clients := []client.Client{
		client.NewConnect(variant.ConnectJSON, "http://"+addr, h1),
		client.NewConnect(variant.ConnectProto, "http://"+addr, h1),
		client.NewConnect(variant.GRPCWeb, "http://"+addr, h1),
		client.NewGRPC(conn),
	}
	id := core.TransactionID(core.Payload1KiB, 3)
	var first *core.Transaction
	for _, c := range clients {
		loggedIn(t, c)
		got, err := c.GetTransaction(t.Context(), id)
		if err != nil {
			t.Fatalf("%s: %v", c.Variant(), err)
		}
		if first == nil {
			first = got
		} else if got.ID != first.ID || got.AmountMinor != first.AmountMinor || len(got.LineItems) != len(first.LineItems) {
			t.Errorf("%s: %+v, want %+v", c.Variant(), got, first)
		}
		n := 0
		if err := c.ListTransactions(t.Context(), core.ListRequest{AccountID: core.AccountID(1), Limit: 5}, func(*core.Transaction) error { n++; return nil }); err != nil || n != 5 {
			t.Errorf("%s feed: %d records, %v; want 5", c.Variant(), n, err)
		}
	}
	if n := zipped.Load(); n > 0 {
		t.Errorf("%d answers compressed, want none", n)
	}
}

// TestBidiNeedsHTTP2 pins why the connect variants skip chat: over
// HTTP/1.1 the session fails, over h2c (gRPC protocol) it echoes.
func TestBidiNeedsHTTP2(t *testing.T) {
	addr, _ := serve(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	h1 := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(h1.CloseIdleConnections)
	c := client.NewConnect(variant.ConnectProto, "http://"+addr, h1)
	loggedIn(t, c)
	if s, err := c.Chat(ctx); err == nil {
		err = s.Send(core.ChatMessage{Room: "r", Seq: 1, Text: "hi"})
		if err == nil {
			_, err = s.Recv()
		}
		s.Close()
		if err == nil {
			t.Fatal("a bidi stream over HTTP/1.1 echoed; variant.Unsupported says it cannot")
		}
	}

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	g := client.NewGRPC(conn)
	loggedIn(t, g)
	s, err := g.Chat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(core.ChatMessage{Room: "r", Seq: 1, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if ev, err := s.Recv(); err != nil || ev.Kind != core.EventAck || ev.Seq != 1 {
		t.Errorf("over h2c: %+v, %v; want the ack of seq 1", ev, err)
	}
	if err := s.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("after CloseSend: %v, want io.EOF", err)
	}
}

func TestError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want connect.Code
	}{
		{"not found", core.Errorf(core.CodeNotFound, "no such record"), connect.CodeNotFound},
		{"unauthenticated", core.Errorf(core.CodeUnauthenticated, "missing bearer token"), connect.CodeUnauthenticated},
		{"too large", core.Errorf(core.CodeTooLarge, "upload too large"), connect.CodeResourceExhausted},
		{"not a core error", errors.New("disk on fire"), connect.CodeInternal},
		{"connect's own", connect.NewError(connect.CodeUnimplemented, errors.New("nope")), connect.CodeUnimplemented},
	}
	for _, tt := range tests {
		got := connectsvc.Error(tt.err)
		if code := connect.CodeOf(got); code != tt.want {
			t.Errorf("%s: code %v, want %v", tt.name, code, tt.want)
		}
		if strings.Contains(got.Error(), "disk on fire") {
			t.Errorf("%s: %q leaks an internal detail", tt.name, got)
		}
	}
	if connectsvc.Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}

	busy := &core.Error{Code: core.CodeUnavailable, Message: "busy", RetryAfter: 2 * time.Second}
	var ce *connect.Error
	if !errors.As(connectsvc.Error(busy), &ce) || len(ce.Details()) != 1 {
		t.Fatalf("retry-after error %v: want one detail", connectsvc.Error(busy))
	}
	v, err := ce.Details()[0].Value()
	if ri, ok := v.(*errdetails.RetryInfo); err != nil || !ok || ri.GetRetryDelay().AsDuration() != 2*time.Second {
		t.Errorf("detail %v, %v: want RetryInfo of 2s", v, err)
	}
}
