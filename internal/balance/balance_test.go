package balance_test

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/balance"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

// backend is one real server of a test fleet, counting what it serves.
type backend struct {
	balance.Backend
	rest, grpc atomic.Int64
}

// fleet starts n backends on loopback sharing one core, so that a token
// one issues is valid on all.
func fleet(t *testing.T, n int) []*backend {
	t.Helper()
	svc, err := core.New(core.WithUser("alice", "alice-password"), core.WithBcryptCost(4))
	if err != nil {
		t.Fatal(err)
	}
	var bs []*backend
	for range n {
		b := &backend{}
		rl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		gl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		h := restsvc.NewHandler(svc)
		counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.rest.Add(1); h.ServeHTTP(w, r) })
		hs := restsvc.NewServer(counted, restsvc.WithH2C())
		gs := grpcsvc.NewServer(svc, grpcsvc.WithServerOptions(grpc.ChainUnaryInterceptor(
			func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				b.grpc.Add(1)
				return h(ctx, req)
			})))
		go hs.Serve(rl)
		go gs.Serve(gl)
		t.Cleanup(func() { hs.Close(); gs.Stop() })
		b.REST, b.GRPC = rl.Addr().String(), gl.Addr().String()
		bs = append(bs, b)
	}
	return bs
}

// haproxy returns the haproxy binary or skips the test. Tests never
// install it; cmd/fleet does.
func haproxy(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy not installed: balancer tests skipped")
	}
	return p
}

// TestBalancers sends calls through real HAProxy at both layers, each
// client over one long-lived connection, and checks where they landed by
// the backends' own counts: at L4 every call of a connection reaches the
// same backend (the pinning a long-lived HTTP/2 connection suffers); at L7
// calls spread over all three, gRPC and h2c ones too.
func TestBalancers(t *testing.T) {
	t.Parallel()
	bin := haproxy(t)
	for _, layer := range []balance.Layer{balance.L4, balance.L7} {
		t.Run(string(layer), func(t *testing.T) {
			t.Parallel()
			bs := fleet(t, 3)
			var cfg = balance.Config{Bin: bin, Layer: layer}
			for _, b := range bs {
				cfg.Backends = append(cfg.Backends, b.Backend)
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			p, err := balance.Start(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.Stop)

			conn, err := grpc.NewClient(p.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			h1 := &http.Transport{}
			defer h1.CloseIdleConnections()
			h2 := client.H2CTransport()
			defer h2.CloseIdleConnections()
			clients := []struct {
				c     client.Client
				count func(*backend) int64
			}{
				{client.NewREST("http://"+p.REST, &http.Client{Transport: h1}), func(b *backend) int64 { return b.rest.Load() }},
				{client.NewREST("http://"+p.H2C, &http.Client{Transport: h2}, client.WithVariant("rest-h2c")), func(b *backend) int64 { return b.rest.Load() }},
				{client.NewGRPC(conn), func(b *backend) int64 { return b.grpc.Load() }},
			}
			const calls = 9
			for _, cl := range clients {
				before := make([]int64, len(bs))
				for i, b := range bs {
					before[i] = cl.count(b)
				}
				login, err := cl.c.ValidateUser(ctx, "alice", "alice-password")
				if err != nil || !login.IsValid {
					t.Fatalf("%s: login through %s: %+v, %v", cl.c.Variant(), layer, login, err)
				}
				cl.c.SetToken(login.Token)
				for range calls - 1 {
					if _, err := cl.c.GetTransaction(ctx, core.TransactionID(core.Payload100B, 0)); err != nil {
						t.Fatalf("%s: through %s: %v", cl.c.Variant(), layer, err)
					}
				}
				var got []int64
				used := 0
				for i, b := range bs {
					n := cl.count(b) - before[i]
					got = append(got, n)
					if n > 0 {
						used++
					}
				}
				want := 3
				if layer == balance.L4 {
					want = 1
				}
				if used != want || got[0]+got[1]+got[2] != calls {
					t.Errorf("%s through %s: calls per backend %v; want %d calls on %d backends", cl.c.Variant(), layer, got, calls, want)
				}
			}
		})
	}
}

// TestStartErrors checks that a bad configuration fails in words.
func TestStartErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	if _, err := balance.Start(ctx, balance.Config{Bin: "haproxy", Layer: balance.L4}); err == nil || !strings.Contains(err.Error(), "no backends") {
		t.Errorf("no backends: %v", err)
	}
	bin := haproxy(t)
	_, err := balance.Start(ctx, balance.Config{Bin: bin, Layer: "l9", Backends: []balance.Backend{{REST: "127.0.0.1:1", GRPC: "127.0.0.1:2"}}})
	if err == nil || !strings.Contains(err.Error(), "want haproxy-l4 or haproxy-l7") {
		t.Errorf("bad layer: %v", err)
	}
}
