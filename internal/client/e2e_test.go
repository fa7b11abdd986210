package client_test

import (
	"context"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"restvsgrpc/bench/load"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
)

const (
	testUser     = "loader"
	testPassword = "load-test-password"
)

// newService returns the core service with the test user. Every target
// logs the user in from one address, so the login rate limits are off.
func newService(t *testing.T) *core.Service {
	t.Helper()
	limits := core.DefaultLoginLimits()
	limits.PerUser, limits.PerAddr = core.Rate{}, core.Rate{}
	svc, err := core.New(core.WithUser(testUser, testPassword), core.WithBcryptCost(4), core.WithLoginLimits(limits))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// listen listens on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// servers are the REST (HTTP/1.1 and h2c) and gRPC services on loopback.
type servers struct{ rest, grpc string }

func startServers(t *testing.T) servers {
	t.Helper()
	svc := newService(t)
	rl := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	hs := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithH2C(), restsvc.WithBaseContext(ctx))
	go hs.Serve(rl)
	gl := listen(t)
	gs := grpcsvc.NewServer(svc)
	go gs.Serve(gl)
	t.Cleanup(func() {
		cancel()
		hs.Close()
		gs.Stop()
	})
	return servers{rest: rl.Addr().String(), grpc: gl.Addr().String()}
}

func (s servers) addr(v string) string {
	if v == variant.GRPC {
		return s.grpc
	}
	return s.rest
}

// TestEveryVariantAndCall runs a short closed-loop run of every call kind
// over every variant against the real services, and checks that every call
// succeeded, over the right protocol, with bytes counted.
func TestEveryVariantAndCall(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end runs skipped with -short")
	}
	srv := startServers(t)
	type run struct {
		name    string
		variant string
		check   string
		rpc     client.RPC
		payload core.Payload
		conns   int
		sse     bool
	}
	var runs []run
	// internal/conformance runs every call kind; here each variant's unary
	// and chat protocols, through the engine.
	for _, check := range client.Checks {
		for _, v := range variant.All {
			for _, r := range []client.RPC{client.GetTransaction, client.Chat} {
				p := core.Payload1KiB
				runs = append(runs, run{name: check + "/" + v + "/" + string(r), variant: v, check: check, rpc: r, payload: p})
			}
		}
	}
	runs = append(runs,
		run{name: "rest/decode/GetTransaction", variant: variant.REST, check: client.CheckDecode, rpc: client.GetTransaction, payload: core.Payload100B},
		run{name: "rest-proto/decode/ValidateToken", variant: variant.RESTProto, check: client.CheckDecode, rpc: client.ValidateToken, payload: core.Payload100B},
		run{name: "rest/2conns/GetTransaction", variant: variant.REST, conns: 2, rpc: client.GetTransaction, payload: core.Payload100B},
		run{name: "rest/decode/2conns/ValidateToken", variant: variant.REST, check: client.CheckDecode, conns: 2, rpc: client.ValidateToken, payload: core.Payload100B},
		run{name: "rest-h2c/2conns/GetTransaction", variant: variant.RESTH2C, conns: 2, rpc: client.GetTransaction, payload: core.Payload100B},
		run{name: "rest-h2c/decode/GetTransaction", variant: variant.RESTH2C, check: client.CheckDecode, rpc: client.GetTransaction, payload: core.Payload1KiB},
		run{name: "rest-h2c/lean/GetTransaction/1MiB", variant: variant.RESTH2C, rpc: client.GetTransaction, payload: core.Payload1MiB},
		run{name: "rest/sse/ListTransactions", variant: variant.REST, sse: true, rpc: client.ListTransactions, payload: core.Payload1KiB},
		run{name: "rest-h2c/sse/ListTransactions", variant: variant.RESTH2C, sse: true, rpc: client.ListTransactions, payload: core.Payload100B},
		run{name: "grpc/2conns/Chat", variant: variant.GRPC, conns: 2, rpc: client.Chat, payload: core.Payload100B},
	)
	wantProto := map[string]string{
		variant.REST: "HTTP/1.1", variant.RESTProto: "HTTP/1.1", variant.RESTH2C: "HTTP/2.0", variant.GRPC: "HTTP/2 (h2c, prior knowledge)",
	}
	for _, tc := range runs {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			tg, err := client.NewTarget(ctx, client.TargetConfig{
				Variant: tc.variant, Addr: srv.addr(tc.variant), RPC: tc.rpc, Payload: tc.payload,
				Check: tc.check, Conns: tc.conns, SSE: tc.sse, User: testUser, Password: testPassword, StreamMsgs: 5,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			const calls = 12
			res, err := load.Run(ctx, tg, load.WithWorkers(3), load.WithCalls(calls), load.WithWarmup(20*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Check(false); err != nil {
				t.Fatal(err)
			}
			if res.Calls != calls {
				t.Errorf("calls = %d, want %d", res.Calls, calls)
			}
			want := wantProto[tc.variant]
			if tc.rpc == client.Chat && tc.variant != variant.GRPC {
				want = "HTTP/1.1 WebSocket"
			}
			if tc.conns > 0 && res.Counters.Conns > int64(tc.conns)+1 { // +1: the login's
				t.Errorf("%d connections dialed, want at most %d", res.Counters.Conns, tc.conns+1)
			}
			if res.Protocol != want {
				t.Errorf("protocol = %q, want %q", res.Protocol, want)
			}
			c := res.Counters
			if c.WireIn <= c.BodyIn || c.WireOut < c.BodyOut || c.BodyIn <= 0 {
				t.Errorf("bytes %+v: want wire > body > 0", c)
			}
			switch tc.rpc.Kind() {
			case "server-stream":
				if res.MsgsIn != calls*5 || res.FirstMsg.Count() != calls {
					t.Errorf("msgs in %d, first-message samples %d: want %d and %d", res.MsgsIn, res.FirstMsg.Count(), calls*5, calls)
				}
			case "client-stream":
				if res.MsgsOut != calls*5 {
					t.Errorf("msgs out %d, want %d", res.MsgsOut, calls*5)
				}
			case "bidi":
				if res.MsgsOut != calls || res.MsgsIn != calls {
					t.Errorf("msgs out %d in %d, want %d each", res.MsgsOut, res.MsgsIn, calls)
				}
			}
		})
	}
}

// TestClearErrors checks that a wrong address, variant or password fails
// the target at once with a message naming the problem.
func TestClearErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end runs skipped with -short")
	}
	srv := startServers(t)
	dead := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := l.Addr().String()
		l.Close()
		return a
	}()
	tests := []struct {
		name    string
		cfg     client.TargetConfig
		wantSub string
	}{
		{"rest unreachable", client.TargetConfig{Variant: "rest", Addr: dead}, "cannot reach"},
		{"grpc unreachable", client.TargetConfig{Variant: "grpc", Addr: dead}, "cannot reach"},
		{"grpc at the rest port", client.TargetConfig{Variant: "grpc", Addr: srv.rest}, "login to the grpc server"},
		{"rest at the grpc port", client.TargetConfig{Variant: "rest", Addr: srv.grpc}, "is it the REST address"},
		{"wrong password", client.TargetConfig{Variant: "grpc", Addr: srv.grpc, Password: "not-the-password"}, "check -user and -password"},
		{"wrong password rest", client.TargetConfig{Variant: "rest", Addr: srv.rest, Password: "not-the-password"}, "check -user and -password"},
		{"chat payload too big", client.TargetConfig{Variant: "rest", Addr: srv.rest, RPC: client.Chat, Payload: core.Payload64KiB}, "at most 4096"},
		{"unknown variant", client.TargetConfig{Variant: "soap", Addr: srv.rest}, "want one of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			if cfg.RPC == "" {
				cfg.RPC = client.ValidateToken
			}
			if cfg.User == "" {
				cfg.User = testUser
			}
			if cfg.Password == "" {
				cfg.Password = testPassword
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tg, err := client.NewTarget(ctx, cfg)
			if err == nil {
				tg.Close()
				t.Fatal("NewTarget succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.wantSub) {
				t.Errorf("error %q does not say %q", err, tc.wantSub)
			}
		})
	}
}

// TestWrongProtocol asks for rest-h2c from a server that speaks HTTP/1.1
// only: the target fails at once, saying so.
func TestWrongProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end runs skipped with -short")
	}
	l := listen(t)
	hs := restsvc.NewServer(restsvc.NewHandler(newService(t))) // no h2c
	go hs.Serve(l)
	defer hs.Close()
	_, err := client.NewTarget(context.Background(), client.TargetConfig{Variant: variant.RESTH2C, Addr: l.Addr().String(), RPC: client.ValidateToken, User: testUser, Password: testPassword})
	if err == nil || !strings.Contains(err.Error(), "does not answer HTTP/2 cleartext") || strings.Contains(err.Error(), "\n") {
		t.Errorf("rest-h2c against an HTTP/1.1 server: %v", err)
	}
}

// TestServerGoesAway closes the server in the middle of runs over every
// client: calls fail with unavailable rather than hang, and the runs end.
func TestServerGoesAway(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end runs skipped with -short")
	}
	for _, v := range []string{variant.REST, variant.RESTH2C, variant.GRPC} {
		t.Run(v, func(t *testing.T) {
			svc, l := newService(t), listen(t)
			var stop func()
			if v == variant.GRPC {
				gs := grpcsvc.NewServer(svc)
				go gs.Serve(l)
				stop = gs.Stop
			} else {
				hs := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithH2C())
				go hs.Serve(l)
				stop = func() { hs.Close() }
			}
			defer stop()
			tg, err := client.NewTarget(context.Background(), client.TargetConfig{Variant: v, Addr: l.Addr().String(), RPC: client.GetTransaction, User: testUser, Password: testPassword})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			// The server stops after 20 calls succeeded; the run ends
			// after 20 failed (the lean clients redial, with a backoff).
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var ok, failed atomic.Int64
			var once sync.Once
			watched := &watchTarget{Target: tg, after: func(err error) {
				if err == nil && ok.Add(1) == 20 {
					once.Do(func() { go stop() })
				}
				if err != nil && failed.Add(1) == 20 {
					cancel()
				}
			}}
			res, err := load.Run(ctx, watched, load.WithWorkers(4), load.WithDuration(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors["unavailable"] == 0 || res.Calls == 0 {
				t.Errorf("calls %d, errors %v: want successes, then unavailable", res.Calls, res.Errors)
			}
		})
	}
}

// watchTarget calls after with the outcome of every call.
type watchTarget struct {
	client.Target
	after func(error)
}

func (w *watchTarget) NewCaller(ctx context.Context, i int) (client.Caller, error) {
	c, err := w.Target.NewCaller(ctx, i)
	if err != nil {
		return nil, err
	}
	return &watchCaller{Caller: c, after: w.after}, nil
}

type watchCaller struct {
	client.Caller
	after func(error)
}

func (w *watchCaller) Call(ctx context.Context) (client.Outcome, error) {
	out, err := w.Caller.Call(ctx)
	w.after(err)
	return out, err
}

// TestCallersShareTheirRequests checks that a caller of a unary run costs
// a few hundred bytes, not a copy of the run's requests: 100 B records
// come in a class of thousands, and ten thousand callers each holding
// every request took the driver to gigabytes and its CPU per call up
// with the callers.
func TestCallersShareTheirRequests(t *testing.T) {
	srv := startServers(t)
	for _, v := range variant.All {
		t.Run(v, func(t *testing.T) {
			ctx := context.Background()
			tg, err := client.NewTarget(ctx, client.TargetConfig{
				Variant: v, Addr: srv.addr(v), RPC: client.GetTransaction, Payload: core.Payload100B,
				User: testUser, Password: testPassword,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			first, err := tg.NewCaller(ctx, 0) // prepares what callers share
			if err != nil {
				t.Fatal(err)
			}
			defer first.Close()
			const callers = 50
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := 1; i <= callers; i++ {
				c, err := tg.NewCaller(ctx, i)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
			}
			runtime.ReadMemStats(&after)
			// A record's request alone is ~30 B, so a copy per caller
			// of 4,096 records is over 100 KiB.
			if per := (after.TotalAlloc - before.TotalAlloc) / callers; per > 8<<10 {
				t.Errorf("%d bytes allocated per caller, want under 8 KiB (the requests shared)", per)
			}
		})
	}
}
