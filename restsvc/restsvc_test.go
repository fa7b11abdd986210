package restsvc_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	user     = "alice"
	password = "s3cret-pass"
)

// variants are the three REST variants this package serves.
var variants = []string{"rest", "rest-proto", "rest-h2c"}

// fixture is one service behind one loopback server.
type fixture struct {
	svc *core.Service
	url string
}

type fixtureOption func(*fixtureConfig)

type fixtureConfig struct {
	core    []core.Option
	handler []restsvc.Option
	sndbuf  int
}

func withCore(o ...core.Option) fixtureOption {
	return func(c *fixtureConfig) { c.core = append(c.core, o...) }
}

func withHandler(o ...restsvc.Option) fixtureOption {
	return func(c *fixtureConfig) { c.handler = append(c.handler, o...) }
}

// withSendBuffer fixes the send buffer of the server's sockets (accepted
// sockets inherit it from the listener), so that a test waiting for a
// client's window to fill does not depend on the kernel's autotuning,
// which can grow the buffer to many megabytes.
func withSendBuffer(n int) fixtureOption {
	return func(c *fixtureConfig) { c.sndbuf = n }
}

// start serves a new service on 127.0.0.1 over HTTP/1.1 and h2c, closed
// when the test ends.
func start(t testing.TB, opts ...fixtureOption) *fixture {
	t.Helper()
	cfg := fixtureConfig{core: []core.Option{core.WithUser(user, password), core.WithBcryptCost(bcrypt.MinCost)}}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := core.New(cfg.core...)
	if err != nil {
		t.Fatal(err)
	}
	var lc net.ListenConfig
	if cfg.sndbuf > 0 {
		lc.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, cfg.sndbuf)
			})
			return errors.Join(err, serr)
		}
	}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := restsvc.NewServer(restsvc.NewHandler(svc, cfg.handler...), restsvc.WithH2C(), restsvc.WithBaseContext(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		cancel()
		_ = srv.Close()
		<-done
	})
	return &fixture{svc: svc, url: "http://" + ln.Addr().String()}
}

// httpClient returns a client with its own connections for a variant,
// closed when the test ends.
func httpClient(t testing.TB, variant string) *http.Client {
	var tr *http.Transport
	if variant == "rest-h2c" {
		tr = client.H2CTransport()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// newClient returns a variant's client of f, not logged in.
func (f *fixture) newClient(t testing.TB, variant string, opts ...client.RESTOption) *client.REST {
	t.Helper()
	switch variant {
	case "rest-proto":
		opts = append(opts, client.WithProto())
	case "rest-h2c":
		opts = append(opts, client.WithVariant("rest-h2c"))
	}
	return client.NewREST(f.url, httpClient(t, variant), opts...)
}

// login returns a variant's client of f with a valid token.
func (f *fixture) login(t testing.TB, variant string, opts ...client.RESTOption) *client.REST {
	t.Helper()
	c := f.newClient(t, variant, opts...)
	res, err := c.ValidateUser(context.Background(), user, password)
	if err != nil {
		t.Fatalf("ValidateUser: %v", err)
	}
	if !res.IsValid {
		t.Fatalf("ValidateUser: %+v, want a valid user", res)
	}
	c.SetToken(res.Token)
	return c
}

// wantProto is the protocol each variant must negotiate.
func wantProto(variant string) string {
	if variant == "rest-h2c" {
		return "HTTP/2.0"
	}
	return "HTTP/1.1"
}

// eventually polls cond until it holds or the test's patience ends; it
// waits for the server to catch up, and asserts no timing.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
