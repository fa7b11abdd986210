package grpcsvc_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/backpressure"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

// These tests complete the bad-input catalogue of README.md ("Bad input");
// each row there names the test that is its source of truth.

// TestProtobufStrictness pins what protobuf decoding does with bytes that
// are valid protobuf but not what the contract says: for the report's
// "strong typing" claim, which of these are rejected, ignored or silently
// zeroed. protobuf-go reads a known field number of the wrong wire type as
// an unknown field, so the field is zero and only the core's own checks
// can notice.
func TestProtobufStrictness(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	str := func(num protowire.Number, s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), s)
	}
	varint := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	// Groups nested depth deep in an unknown field 99.
	nested := func(depth int) []byte {
		open := protowire.AppendTag(nil, 99, protowire.StartGroupType)
		end := protowire.AppendTag(nil, 99, protowire.EndGroupType)
		return cat(bytes.Repeat(open, depth), bytes.Repeat(end, depth))
	}
	user, pw := str(1, alice), str(2, alicePW)
	tests := []struct {
		name  string
		body  []byte
		code  codes.Code
		valid bool // of an OK answer
	}{
		{name: "well-formed", body: cat(user, pw), code: codes.OK, valid: true},
		{name: "unknown field ignored", body: cat(user, pw, varint(99, 1)), code: codes.OK, valid: true},
		{name: "duplicate field, last wins", body: cat(str(1, "mallory"), user, pw), code: codes.OK, valid: true},
		{name: "fields in any order", body: cat(pw, user), code: codes.OK, valid: true},
		{name: "wrong wire type is an unknown field, the string zero", body: cat(varint(1, 7), pw), code: codes.InvalidArgument},
		{name: "empty message is all zero", body: nil, code: codes.InvalidArgument},
		{name: "shallow groups in an unknown field ignored", body: cat(user, pw, nested(100)), code: codes.OK, valid: true},
		{name: "deep groups in an unknown field", body: cat(user, pw, nested(20_000)), code: codes.Internal},
		{name: "field number zero", body: cat(user, pw, []byte{0x00}), code: codes.Internal},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				var out []byte
				err := f.conn.Invoke(ctxTimeout(t), authv1.AuthService_ValidateUser_FullMethodName, tt.body, &out, grpc.ForceCodec(rawCodec{}))
				if got := status.Code(err); got != tt.code {
					t.Fatalf("code %v (%v), want %v", got, err, tt.code)
				}
				if tt.code != codes.OK {
					return
				}
				var res authv1.ValidateUserResponse
				if err := proto.Unmarshal(out, &res); err != nil {
					t.Fatal(err)
				}
				if res.IsValid != tt.valid {
					t.Errorf("is_valid %v, want %v", res.IsValid, tt.valid)
				}
			})
		}
	})
	t.Run("server still serves", func(t *testing.T) {
		checkCode(t, ctxTimeout(t), f.conn, validateUser(alice, alicePW), codes.OK)
	})
}

// TestWrongContentType checks what grpc-go answers a request that is not
// gRPC: an HTTP/2 POST without a gRPC content type is refused with HTTP
// 415; a JSON body under a gRPC content type (whatever the codec named)
// has its first five bytes read as a message header announcing a message
// over the receive limit, so ResourceExhausted.
func TestWrongContentType(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := core.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcsvc.NewServer(svc)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Stop(); <-done })

	tr := client.H2CTransport()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	url := "http://" + lis.Addr().String() + "/" + authv1.AuthService_ServiceDesc.ServiceName + "/ValidateUser"
	tests := []struct {
		name   string
		ctype  string
		status int
		grpc   codes.Code // the grpc-status trailer, if any
	}{
		{name: "JSON", ctype: "application/json", status: http.StatusUnsupportedMediaType},
		{name: "missing", ctype: "", status: http.StatusUnsupportedMediaType},
		{name: "JSON body as gRPC", ctype: "application/grpc", status: http.StatusOK, grpc: codes.ResourceExhausted},
		{name: "JSON body, unknown codec", ctype: "application/grpc+json", status: http.StatusOK, grpc: codes.ResourceExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctxTimeout(t), http.MethodPost, url, strings.NewReader(`{"username":"alice"}`))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			req.Header.Set("TE", "trailers")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != tt.status {
				t.Errorf("HTTP status %d, want %d", resp.StatusCode, tt.status)
			}
			got := resp.Trailer.Get("Grpc-Status")
			if got == "" {
				got = resp.Header.Get("Grpc-Status")
			}
			if tt.grpc != codes.OK && got != strconv.Itoa(int(tt.grpc)) {
				t.Errorf("grpc-status %q, want %d (%v)", got, tt.grpc, tt.grpc)
			}
		})
	}
}

// TestPathsAndIDs checks path traversal and over-long ids: never a file,
// never an internal error.
func TestPathsAndIDs(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	token := "Bearer " + f.login(t, alice, alicePW)
	tests := []struct {
		name string
		call call
		want codes.Code
	}{
		{name: "dot-dot id", call: getTx("../../etc/passwd"), want: codes.NotFound},
		{name: "NUL in id", call: getTx("tx-100B-000001\x00"), want: codes.NotFound},
		{name: "id of 32 KiB", call: getTx(strings.Repeat("9", 32<<10)), want: codes.InvalidArgument},
		{name: "account of 32 KiB", call: listTx(&transactionv1.ListTransactionsRequest{AccountId: strings.Repeat("a", 32<<10)}), want: codes.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkCode(t, withToken(ctxTimeout(t), token), f.conn, tt.call, tt.want)
		})
	}
}

// TestTokenOfAnotherKey checks that a well-formed, unexpired token signed
// by another server's key is refused.
func TestTokenOfAnotherKey(t *testing.T) {
	t.Parallel()
	f := start(t, []core.Option{core.WithTokenKey([]byte("key of this server, 32 bytes...."))})
	other := start(t, []core.Option{core.WithTokenKey([]byte("key of another server, 32 bytes."))})
	err := checkCode(t, withToken(ctxTimeout(t), "Bearer "+other.login(t, alice, alicePW)), f.conn, getTx("tx-100B-000001"), codes.Unauthenticated)
	if msg := status.Convert(err).Message(); msg != "token is invalid" {
		t.Errorf("message %q, want %q", msg, "token is invalid")
	}
}

// TestSlowPreface checks that a client that connects and never finishes
// the HTTP/2 preface is disconnected once the connection timeout runs out
// (grpc-go's default is 120 s; lowered here).
func TestSlowPreface(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	f := start(t, nil, grpcsvc.WithServerOptions(grpc.ConnectionTimeout(timeout)))
	// Timed from before the dial: the server's timer starts at accept,
	// which cannot come earlier, so the bound below cannot fail on a slow
	// machine.
	start := time.Now()
	conn, err := net.Dial("tcp", f.conn.Target())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "PRI * HTTP/2.0\r\n"); err != nil { // half the preface
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read: %v (after %v), want the server to close the connection", err, time.Since(start))
	}
	if took := time.Since(start); took < timeout {
		t.Errorf("closed after %v, before the %v timeout", took, timeout)
	}
	t.Logf("server wrote %d bytes before closing", len(b))
}

// sentCounter is a stats.Handler that counts the messages the server sent.
type sentCounter struct{ n atomic.Int64 }

func (s *sentCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (s *sentCounter) HandleRPC(_ context.Context, st stats.RPCStats) {
	if _, ok := st.(*stats.OutPayload); ok {
		s.n.Add(1)
	}
}
func (s *sentCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (s *sentCounter) HandleConn(context.Context, stats.ConnStats) {}

// TestStalledReaderBackPressure checks that a client that stops reading a
// large feed does not make the server buffer it: the handler blocks in
// Send once flow control's windows are full, so the records it has sent
// stay few and its heap does not grow by the feed's size. Each record is
// about 1 MiB; the feed asked for is 400 of them.
func TestStalledReaderBackPressure(t *testing.T) {
	sent := new(sentCounter)
	f := start(t, nil, grpcsvc.WithServerOptions(grpc.StatsHandler(sent)))
	token := "Bearer " + f.login(t, alice, alicePW)
	ignore := goleak.IgnoreCurrent()

	before := backpressure.HeapAlloc()
	ctx, cancel := context.WithCancel(withToken(ctxTimeout(t), token))
	s, err := transactionv1.NewTransactionServiceClient(f.conn).ListTransactions(ctx, &transactionv1.ListTransactionsRequest{AccountId: core.AccountID(1), Payload: string(core.Payload1MiB), Limit: 400})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	// Wait until the server is stuck: nothing sent for a while.
	last := backpressure.Settle(sent.n.Load, 50*time.Millisecond, 10, time.Minute)
	grew := backpressure.HeapAlloc() - before
	t.Logf("server sent %d of 400 records, heap grew by %d bytes, while the client did not read", last, grew)
	if last > 40 {
		t.Errorf("server sent %d records to a client that read one, want at most 40", last)
	}
	if heapBound := int64(192 << 20); grew > heapBound {
		t.Errorf("heap grew by %d bytes while the client did not read, want at most %d", grew, heapBound)
	}
	cancel()
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("the stalled feed's handler outlived its cancellation: %v", err)
	}
}

// TestDeadlineStopsWork checks that a call's deadline ends the server's
// work: a paced feed that would run for a day returns soon after its
// deadline, with DeadlineExceeded, and its handler ends.
func TestDeadlineStopsWork(t *testing.T) {
	f := start(t, nil)
	c := f.authed(t)
	ignore := goleak.IgnoreCurrent()

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	n := 0
	err := c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(1), Limit: 100_000, Interval: time.Second}, func(*core.Transaction) error {
		n++
		return nil
	})
	if code := core.CodeOf(err); code != core.CodeDeadlineExceeded {
		t.Errorf("ListTransactions past its deadline: %v (code %v), want %v", err, code, core.CodeDeadlineExceeded)
	}
	if n > 1 {
		t.Errorf("%d records before a 300ms deadline at one a second, want at most 1", n)
	}
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("the deadlined feed's handler outlived its deadline: %v", err)
	}

}

// TestReflectionFlag checks that server reflection, on by default for
// grpcurl, can be turned off for production.
func TestReflectionFlag(t *testing.T) {
	t.Parallel()
	svc, err := core.New()
	if err != nil {
		t.Fatal(err)
	}
	const name = "grpc.reflection.v1.ServerReflection"
	for _, on := range []bool{true, false} {
		_, got := grpcsvc.NewServer(svc, grpcsvc.WithReflection(on)).GetServiceInfo()[name]
		if got != on {
			t.Errorf("WithReflection(%v): %s registered %v", on, name, got)
		}
	}
}

// TestSendBudget checks that the send budget only paces clients that read:
// with a budget smaller than one record, feeds of 1 MiB records on one
// connection and on another one of the same user all arrive whole, and
// feeds the client cancels (whose queued messages grpc-go discards) leave
// no budget behind: a feed after them still arrives.
func TestSendBudget(t *testing.T) {
	const budget = 1 << 20
	f := start(t, nil, grpcsvc.WithSendBudget(budget, budget), grpcsvc.WithStallTimeout(5*time.Second))
	c := f.authed(t)
	conn2, err := grpc.NewClient(f.conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	c2 := client.NewGRPC(conn2)
	c2.SetToken(f.login(t, alice, alicePW))

	feed := func(c client.Client, limit int) (int, error) {
		n := 0
		err := c.ListTransactions(ctxTimeout(t), core.ListRequest{AccountID: core.AccountID(1), Payload: string(core.Payload1MiB), Limit: limit}, func(*core.Transaction) error {
			n++
			return nil
		})
		return n, err
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			cl := c
			if i%2 == 0 {
				cl = c2
			}
			if n, err := feed(cl, 3); n != 3 || err != nil {
				t.Errorf("feed %d: %d of 3 records, %v", i, n, err)
			}
		})
	}
	wg.Wait()

	for range 3 {
		ctx, cancel := context.WithCancel(ctxTimeout(t))
		s, err := transactionv1.NewTransactionServiceClient(f.conn).ListTransactions(withToken(ctx, "Bearer "+f.login(t, alice, alicePW)), &transactionv1.ListTransactionsRequest{AccountId: core.AccountID(1), Payload: string(core.Payload1MiB), Limit: 400})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	if n, err := feed(c, 2); n != 2 || err != nil {
		t.Errorf("feed after cancelled ones: %d of 2 records, %v", n, err)
	}
}
