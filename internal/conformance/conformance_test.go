package conformance_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/connectsvc"
	"restvsgrpc/gatewaysvc"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
	"restvsgrpc/restsvc/restwire"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// fasthttp's idle-connection cleaner sleeps out its interval after
		// the client's connections have closed.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
	)
}

const (
	user     = "alice"
	password = "s3cret-pass"
)

// env is one core service behind both servers, and a way to make a client
// of each variant (clients of one variant share their connections).
type env struct {
	svc    *core.Service
	makers []func() client.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	// The suite logs alice in dozens of times a second from one address:
	// the login rate limits are off here, and pinned by their own tests
	// (internal/core, restsvc, grpcsvc); the compare slots stay.
	limits := core.DefaultLoginLimits()
	limits.PerUser, limits.PerAddr = core.Rate{}, core.Rate{}
	limits.Queue = 1 << 10 // parallel tests must not see a busy refusal
	svc, err := core.New(core.WithBcryptCost(bcrypt.MinCost), core.WithUser(user, password), core.WithUser("bob", "bobs-password"),
		core.WithLoginLimits(limits))
	if err != nil {
		t.Fatal(err)
	}

	// One REST server per JSON library, one gRPC server per codec, over
	// the one core.
	bases := map[string]string{}
	for _, lib := range jsonlib.Libs {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		rs := restsvc.NewServer(restsvc.NewHandler(svc, restsvc.WithJSON(lib)), restsvc.WithH2C())
		go rs.Serve(lis)
		t.Cleanup(func() { rs.Close() })
		bases[lib.Name] = "http://" + lis.Addr().String()
	}
	dialGRPC := func(opts ...grpcsvc.Option) *grpc.ClientConn {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		gs := grpcsvc.NewServer(svc, opts...)
		go gs.Serve(lis)
		t.Cleanup(gs.Stop)
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	conn := dialGRPC()
	vtConn := dialGRPC(grpcsvc.WithServerOptions(grpc.ForceServerCodecV2(grpcwire.VTCodec)))

	// The middle ways: the connect-go handler over the core, and
	// grpc-gateway in front of the grpc server over a loopback connection.
	serveHTTP := func(h http.Handler) string {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		hs := restsvc.NewServer(h, restsvc.WithH2C())
		go hs.Serve(lis)
		t.Cleanup(func() { hs.Close() })
		return "http://" + lis.Addr().String()
	}
	connectBase := serveHTTP(connectsvc.NewHandler(svc))
	gatewayBase := serveHTTP(gatewaysvc.NewHandler(conn))

	base := bases[jsonlib.Std.Name]
	h1 := &http.Client{Transport: &http.Transport{}}
	h2c := &http.Client{Transport: client.H2CTransport()}
	t.Cleanup(h1.CloseIdleConnections)
	t.Cleanup(h2c.CloseIdleConnections)
	makers := []func() client.Client{
		func() client.Client { return client.NewREST(base, h1) },
		func() client.Client { return client.NewREST(base, h1, client.WithProto()) },
		func() client.Client { return client.NewREST(base, h2c, client.WithVariant("rest-h2c")) },
		func() client.Client { return client.NewGRPC(conn) },
	}
	// The codec variants of this build: a REST one per JSON library (each
	// on its server), grpc-vt.
	for _, v := range variant.Codecs {
		if v == variant.GRPCVT {
			makers = append(makers, func() client.Client { return client.NewGRPCVT(vtConn) })
			continue
		}
		lib, err := jsonlib.ByName(variant.JSON(v))
		if err != nil {
			t.Fatal(err)
		}
		makers = append(makers, func() client.Client {
			return client.NewREST(bases[lib.Name], h1, client.WithJSON(lib), client.WithVariant(v))
		})
	}
	return &env{svc: svc, makers: append(makers, []func() client.Client{
		func() client.Client { return client.NewConnect(variant.ConnectJSON, connectBase, h1) },
		func() client.Client { return client.NewConnect(variant.ConnectProto, connectBase, h1) },
		func() client.Client { return client.NewConnect(variant.GRPCWeb, connectBase, h1) },
		func() client.Client { return client.NewGateway(gatewayBase, h1) },
	}...)}
}

// login returns a token from the given client.
func login(t *testing.T, c client.Client) string {
	t.Helper()
	r, err := c.ValidateUser(context.Background(), user, password)
	if err != nil || !r.IsValid {
		t.Fatalf("%s: login: %+v, %v", c.Variant(), r, err)
	}
	return r.Token
}

// each runs f once per variant, as a subtest named after it, with a
// client that holds a valid token and a maker of more clients. A variant
// that cannot make calls of kind ("" for none) is skipped, saying why.
func (e *env) each(t *testing.T, kind string, f func(t *testing.T, c client.Client, more func() client.Client)) {
	t.Helper()
	for _, mk := range e.makers {
		c := mk()
		t.Run("variant="+c.Variant(), func(t *testing.T) {
			if why := variant.Unsupported(c.Variant(), kind); why != "" {
				t.Skip(why)
			}
			c.SetToken(login(t, c))
			f(t, c, mk)
		})
	}
}

func TestVariantsAreDistinct(t *testing.T) {
	e := newEnv(t)
	var names []string
	for _, mk := range e.makers {
		names = append(names, mk().Variant())
	}
	if diff := cmp.Diff(variant.Clients, names); diff != "" {
		t.Errorf("variants (-want +got):\n%s", diff)
	}
}

// TestProtocols checks that each REST variant negotiated the protocol it is
// named for: a benchmark of "HTTP/2" that silently ran HTTP/1.1 is worthless.
func TestProtocols(t *testing.T) {
	e := newEnv(t)
	want := map[string]string{"rest": "HTTP/1.1", "rest-proto": "HTTP/1.1", "rest-h2c": "HTTP/2.0", "rest-sonic": "HTTP/1.1", "rest-go_json": "HTTP/1.1", "rest-jsonv2": "HTTP/1.1"}
	e.each(t, "", func(t *testing.T, c client.Client, _ func() client.Client) {
		rc, ok := c.(interface{ LastProto() string })
		if !ok {
			if _, isREST := want[c.Variant()]; isREST {
				t.Fatalf("%T does not record the protocol it negotiated", c)
			}
			return // grpc-go speaks only HTTP/2
		}
		if _, err := c.GetTransaction(context.Background(), core.TransactionID(core.Payload100B, 1)); err != nil {
			t.Fatal(err)
		}
		if got := rc.LastProto(); got != want[c.Variant()] {
			t.Errorf("negotiated %q, want %q", got, want[c.Variant()])
		}
	})
}

func TestValidateUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		user, pw string
		want     core.UserResult // Token and ExpiresAt checked apart
		wantCode core.Code
	}{
		{name: "right", user: user, pw: password, want: core.UserResult{IsValid: true, Message: "credentials accepted"}},
		{name: "wrong password", user: user, pw: "wrong", want: core.UserResult{Message: "invalid username or password"}},
		{name: "unknown user", user: "mallory", pw: password, want: core.UserResult{Message: "invalid username or password"}},
		{name: "empty username", user: "", pw: password, wantCode: core.CodeInvalidArgument},
		{name: "long password", user: user, pw: strings.Repeat("p", 100), wantCode: core.CodeInvalidArgument},
	}
	e.each(t, "", func(t *testing.T, c client.Client, _ func() client.Client) {
		for _, tt := range tests {
			got, err := c.ValidateUser(ctx, tt.user, tt.pw)
			if tt.wantCode != core.CodeUnknown {
				if code := core.CodeOf(err); code != tt.wantCode {
					t.Errorf("%s: code %v (%v), want %v", tt.name, code, err, tt.wantCode)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if got.IsValid {
				sub, err := e.svc.Authenticate(got.Token)
				if err != nil || sub != tt.user || got.ExpiresAt.IsZero() {
					t.Errorf("%s: token %q for %q expiring %v: %v", tt.name, got.Token, sub, got.ExpiresAt, err)
				}
			}
			got.Token, got.ExpiresAt = "", time.Time{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

func TestValidateToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.each(t, "", func(t *testing.T, c client.Client, _ func() client.Client) {
		tok := login(t, c)
		exp, _ := e.svc.ValidateToken(ctx, tok)
		got, err := c.ValidateToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(exp, got); diff != "" {
			t.Errorf("valid token (-want +got):\n%s", diff)
		}
		got, err = c.ValidateToken(ctx, tok+"x")
		if err != nil || got.IsValid || got.Message != "token is invalid" {
			t.Errorf("tampered token: %+v, %v", got, err)
		}
		if _, err := c.ValidateToken(ctx, ""); core.CodeOf(err) != core.CodeInvalidArgument {
			t.Errorf("empty token: %v, want invalid_argument", err)
		}
	})
}

func TestGetTransaction(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.each(t, "", func(t *testing.T, c client.Client, _ func() client.Client) {
		for _, p := range core.Payloads {
			id := core.TransactionID(p, 5)
			want, err := e.svc.GetTransaction(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.GetTransaction(ctx, id)
			if err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", id, diff)
			}
		}
	})
}

func TestErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other, err := core.New(core.WithBcryptCost(bcrypt.MinCost), core.WithUser(user, password))
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := other.ValidateUser(ctx, "", user, password)
	id := core.TransactionID(core.Payload100B, 1)

	tests := []struct {
		name  string
		token string // "" keeps the valid token; "-" sends none
		call  func(c client.Client) error
		want  core.Code
	}{
		{"unknown transaction", "", func(c client.Client) error {
			_, err := c.GetTransaction(ctx, "tx-100B-999999")
			return err
		}, core.CodeNotFound},
		{"over-long id", "", func(c client.Client) error {
			_, err := c.GetTransaction(ctx, strings.Repeat("x", 65))
			return err
		}, core.CodeInvalidArgument},
		{"no token", "-", func(c client.Client) error {
			_, err := c.GetTransaction(ctx, id)
			return err
		}, core.CodeUnauthenticated},
		{"garbage token", "garbage", func(c client.Client) error {
			_, err := c.GetTransaction(ctx, id)
			return err
		}, core.CodeUnauthenticated},
		{"token of another key", foreign.Token, func(c client.Client) error {
			_, err := c.GetTransaction(ctx, id)
			return err
		}, core.CodeUnauthenticated},
		{"list without token", "-", func(c client.Client) error {
			return c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(1)}, func(*core.Transaction) error { return nil })
		}, core.CodeUnauthenticated},
		{"list unknown account", "", func(c client.Client) error {
			return c.ListTransactions(ctx, core.ListRequest{AccountID: "acct-9999"}, func(*core.Transaction) error { return nil })
		}, core.CodeNotFound},
		{"list bad payload", "", func(c client.Client) error {
			return c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(1), Payload: "3KiB"}, func(*core.Transaction) error { return nil })
		}, core.CodeInvalidArgument},
		{"upload without token", "-", func(c client.Client) error {
			_, err := c.Upload(ctx, "a.bin", strings.NewReader("abc"), 2)
			return err
		}, core.CodeUnauthenticated},
		{"upload bad filename", "", func(c client.Client) error {
			_, err := c.Upload(ctx, "../etc/passwd", strings.NewReader("abc"), 2)
			return err
		}, core.CodeInvalidArgument},
	}
	e.each(t, "", func(t *testing.T, c client.Client, _ func() client.Client) {
		valid := login(t, c)
		for _, tt := range tests {
			if strings.HasPrefix(tt.name, "upload") && variant.Unsupported(c.Variant(), "client-stream") != "" {
				continue // the variant cannot upload
			}
			switch tt.token {
			case "":
				c.SetToken(valid)
			case "-":
				c.SetToken("")
			default:
				c.SetToken(tt.token)
			}
			err := tt.call(c)
			if got := core.CodeOf(err); got != tt.want {
				t.Errorf("%s: code %v (%v), want %v", tt.name, got, err, tt.want)
			}
		}
	})
}

func TestListTransactions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	req := core.ListRequest{AccountID: core.AccountID(2), Payload: string(core.Payload1KiB), Limit: 150}
	var want []*core.Transaction
	if err := e.svc.ListTransactions(ctx, req, func(tx *core.Transaction) error { want = append(want, tx); return nil }); err != nil {
		t.Fatal(err)
	}
	e.each(t, "server-stream", func(t *testing.T, c client.Client, _ func() client.Client) {
		var got []*core.Transaction
		err := c.ListTransactions(ctx, req, func(tx *core.Transaction) error { got = append(got, tx); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("feed (-want +got):\n%s", diff)
		}

		// The receiver stops early: its error comes back, and the server
		// goroutines end (goleak checks at exit).
		stop := errors.New("dashboard closed")
		n := 0
		err = c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(2), Limit: 100000},
			func(*core.Transaction) error {
				if n++; n == 10 {
					return stop
				}
				return nil
			})
		if !errors.Is(err, stop) || n != 10 {
			t.Errorf("stopped feed: %v after %d records, want %v after 10", err, n, stop)
		}
	})
}

func TestUpload(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	data := make([]byte, 1<<20+123)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	sum := sha256.Sum256(data)
	e.each(t, "client-stream", func(t *testing.T, c client.Client, _ func() client.Client) {
		before, _ := e.svc.UploadCounts()
		got, err := c.Upload(ctx, "report.bin", bytes.NewReader(data), 16<<10)
		if err != nil {
			t.Fatal(err)
		}
		if got.Filename != "report.bin" || got.Bytes != int64(len(data)) || got.SHA256 != hex.EncodeToString(sum[:]) || got.Chunks < 1 {
			t.Errorf("summary %+v, want %d bytes with sha256 %x", got, len(data), sum)
		}
		if after, _ := e.svc.UploadCounts(); after != before+1 {
			t.Errorf("completed uploads went from %d to %d", before, after)
		}
	})
}

func TestChat(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e.each(t, "bidi", func(t *testing.T, c client.Client, more func() client.Client) {
		room := "room-" + c.Variant()
		a, err := c.Chat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		bob := more()
		r, err := bob.ValidateUser(ctx, "bob", "bobs-password")
		if err != nil || !r.IsValid {
			t.Fatalf("bob's login: %+v, %v", r, err)
		}
		bob.SetToken(r.Token)
		b, err := bob.Chat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()

		if err := b.Send(core.ChatMessage{Room: room, Seq: 1, Text: "bob here"}); err != nil {
			t.Fatal(err)
		}
		if ev, err := b.Recv(); err != nil || ev.Kind != core.EventAck || ev.Seq != 1 || ev.From != "bob" {
			t.Fatalf("bob's ack: %+v, %v", ev, err)
		}
		for seq := uint64(10); seq < 13; seq++ {
			if err := a.Send(core.ChatMessage{Room: room, Seq: seq, Text: "hello"}); err != nil {
				t.Fatal(err)
			}
			ev, err := a.Recv()
			if err != nil || ev.Kind != core.EventAck || ev.Seq != seq || ev.From != user {
				t.Fatalf("alice's ack %d: %+v, %v", seq, ev, err)
			}
			ev, err = b.Recv()
			if err != nil || ev.Kind != core.EventMessage || ev.Seq != seq || ev.From != user || ev.Text != "hello" {
				t.Fatalf("bob's delivery %d: %+v, %v", seq, ev, err)
			}
		}
		if err := a.CloseSend(); err != nil {
			t.Fatal(err)
		}
		if ev, err := a.Recv(); !errors.Is(err, io.EOF) {
			t.Errorf("after CloseSend: %+v, %v; want io.EOF", ev, err)
		}
		// Changing room mid-session is refused with invalid_argument.
		if err := b.Send(core.ChatMessage{Room: "elsewhere", Seq: 2}); err != nil {
			t.Fatal(err)
		}
		if ev, err := b.Recv(); core.CodeOf(err) != core.CodeInvalidArgument {
			t.Errorf("room change: %+v, %v; want invalid_argument", ev, err)
		}
	})
}

// TestErrorMapping pins the one mapping of core codes to HTTP statuses and
// gRPC codes, both ways.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		code core.Code
		http int
		grpc codes.Code
	}{
		{core.CodeInvalidArgument, http.StatusBadRequest, codes.InvalidArgument},
		{core.CodeUnauthenticated, http.StatusUnauthorized, codes.Unauthenticated},
		{core.CodePermissionDenied, http.StatusForbidden, codes.PermissionDenied},
		{core.CodeNotFound, http.StatusNotFound, codes.NotFound},
		{core.CodeTooLarge, http.StatusRequestEntityTooLarge, codes.ResourceExhausted},
		{core.CodeCanceled, 499, codes.Canceled},
		{core.CodeDeadlineExceeded, http.StatusGatewayTimeout, codes.DeadlineExceeded},
		{core.CodeUnavailable, http.StatusTooManyRequests, codes.Unavailable},
		{core.CodeInternal, http.StatusInternalServerError, codes.Internal},
		{core.CodeUnknown, http.StatusInternalServerError, codes.Internal},
	}
	if len(tests) != len(core.Codes) {
		t.Fatalf("table covers %d codes, core has %d", len(tests), len(core.Codes))
	}
	for _, tt := range tests {
		if got := restwire.StatusOf(tt.code); got != tt.http {
			t.Errorf("restwire.StatusOf(%v) = %d, want %d", tt.code, got, tt.http)
		}
		if got := grpcwire.CodeOf(tt.code); got != tt.grpc {
			t.Errorf("grpcwire.CodeOf(%v) = %v, want %v", tt.code, got, tt.grpc)
		}
		if tt.code == core.CodeUnknown {
			continue // unknown is sent as internal and read back as internal
		}
		if got := grpcwire.CoreCode(tt.grpc); got != tt.code {
			t.Errorf("grpcwire.CoreCode(%v) = %v, want %v", tt.grpc, got, tt.code)
		}
	}
}
