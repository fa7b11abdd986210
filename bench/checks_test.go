package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/netsim"
)

// TestMain fails the run if the tests or the benchmarks leave goroutines
// behind: servers, clients and shaped conns must all be closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestChecksCatchFaults shows that the benchmarks' checks can fail: a
// client that does not keep connections alive, a client speaking HTTP/1.1
// to a variant that must run over HTTP/2, and clients that send or accept
// uncompressed messages on a gzip=on target are all caught, while the
// benchmarks' own clients pass.
func TestChecksCatchFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts servers with a real bcrypt hash")
	}
	svc := newService(t)
	tok, err := login(svc)
	if err != nil {
		t.Fatal(err)
	}
	const calls = 8
	for _, tc := range []struct {
		name    string
		variant string
		gzip    bool
		// swap, if set, replaces the target's client.
		swap    func(url string) client.Client
		wantErr string
	}{
		{name: "rest keeps alive", variant: vREST},
		{name: "rest-h2c multiplexes", variant: vRESTH2C},
		{name: "grpc", variant: vGRPC},
		{name: "rest gzip", variant: vREST, gzip: true},
		{name: "grpc gzip", variant: vGRPC, gzip: true},
		{
			name: "rest gzip refused", variant: vREST, gzip: true, wantErr: "not gzip-compressed",
			swap: func(url string) client.Client {
				tr := &http.Transport{DisableCompression: true}
				t.Cleanup(tr.CloseIdleConnections)
				return client.NewREST(url, &http.Client{Transport: tr})
			},
		},
		{
			name: "grpc gzip off", variant: vGRPC, gzip: true, wantErr: "not gzip-compressed",
			swap: func(url string) client.Client {
				conn, err := grpc.NewClient(strings.TrimPrefix(url, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = conn.Close() })
				return client.NewGRPC(conn)
			},
		},
		{
			name: "keep-alive off", variant: vREST, wantErr: "not reused",
			swap: func(url string) client.Client {
				tr := &http.Transport{DisableKeepAlives: true}
				t.Cleanup(tr.CloseIdleConnections)
				return client.NewREST(url, &http.Client{Transport: tr})
			},
		},
		{
			name: "HTTP/1.1 to rest-h2c", variant: vRESTH2C, wantErr: "HTTP/1.1 connections",
			swap: func(url string) client.Client {
				var p http.Protocols
				p.SetHTTP1(true)
				tr := &http.Transport{Protocols: &p}
				t.Cleanup(tr.CloseIdleConnections)
				return client.NewREST(url, &http.Client{Transport: tr})
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := start(t, tc.variant, env{svc: svc, net: netsim.Loopback, conc: 1, gzip: tc.gzip})
			defer tg.close()
			c := tg.c
			if tc.swap != nil {
				c = tc.swap("http://" + tg.addr)
				c.SetToken(tok)
			}
			id := core.TransactionID(core.Payload100B, 1)
			if _, err := c.GetTransaction(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			tg.wire.Reset() // the timed part starts here, as in measure
			for range calls {
				got, err := c.GetTransaction(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != id {
					t.Fatalf("got %s, want %s", got.ID, id)
				}
			}
			err := tg.verify(1)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("verify: %v, want no fault", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("verify: %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestFewerOpsThanWorkers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		n, conc   int
		elapsed   time.Duration
		benchtime string
		wantErr   bool
	}{
		{name: "enough ops", n: 64, conc: 64, elapsed: time.Second, benchtime: "20ms"},
		{name: "probe before benchtime", n: 1, conc: 64, elapsed: 41 * time.Millisecond, benchtime: "1s"},
		{name: "final probe past benchtime", n: 1, conc: 64, elapsed: 41 * time.Millisecond, benchtime: "20ms", wantErr: true},
		{name: "count below conc", n: 1, conc: 64, elapsed: time.Millisecond, benchtime: "40x", wantErr: true},
		{name: "count at conc", n: 1, conc: 64, elapsed: time.Millisecond, benchtime: "64x"},
		{name: "default benchtime", n: 1, conc: 64, elapsed: 41 * time.Millisecond, benchtime: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := fewerOpsThanWorkers(tc.n, tc.conc, tc.elapsed, tc.benchtime)
			if (err != nil) != tc.wantErr {
				t.Errorf("fewerOpsThanWorkers(%d, %d, %v, %q) = %v, want error %v", tc.n, tc.conc, tc.elapsed, tc.benchtime, err, tc.wantErr)
			}
		})
	}
}

// TestMeasureWarmsUpUntimed shows that measure runs one warm-up op per
// worker, calls warmed right after it and before any timed op, and then
// runs exactly b.N timed ops among the workers.
func TestMeasureWarmsUpUntimed(t *testing.T) {
	t.Parallel()
	const conc = 3
	var fault atomic.Pointer[string]
	fail := func(s string) { fault.CompareAndSwap(nil, &s) }
	res := testing.Benchmark(func(b *testing.B) {
		var timed atomic.Int64
		measure(b, nil, conc, func(w int) (worker, error) {
			ops, warmedAfter := 0, -1
			return worker{
				op: func() error {
					ops++
					if ops > 1 {
						timed.Add(1)
						if warmedAfter != 1 {
							fail(fmt.Sprintf("worker %d: timed op %d before warmed was called after the warm-up", w, ops))
						}
					}
					return nil
				},
				warmed: func() { warmedAfter = ops },
				done: func() {
					if warmedAfter != 1 {
						fail(fmt.Sprintf("worker %d: warmed called after %d ops, want 1", w, warmedAfter))
					}
				},
			}, nil
		})
		if got := timed.Load(); got != int64(b.N) {
			fail(fmt.Sprintf("b.N=%d: %d timed ops", b.N, got))
		}
	})
	if f := fault.Load(); f != nil {
		t.Fatal(*f)
	}
	if res.N == 0 {
		t.Fatal("the benchmark did not run")
	}
}
