package client

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
	"restvsgrpc/restsvc/restwire"
)

// TestH2FeedConns holds 600 rest-h2c feeds open at once over 4 net/http
// clients against a server that allows 200 streams per connection: each
// client keeps to its one connection (the scale sweep's 10,000 feeds over
// 40 clients once opened 1,555), the first burst included, which is above
// the 100 streams net/http assumes until the server's SETTINGS. Then the
// server restarts, and a burst of 100 feeds per client finds the clients
// without a connection: each dials one, not one per waiting call.
func TestH2FeedConns(t *testing.T) {
	if testing.Short() {
		t.Skip("600 feeds skipped with -short")
	}
	t.Parallel()
	const callers, conns, streams = 600, 4, 200
	svc, h := testService(t), newHandover(t)
	serve := func() func() {
		hs := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithH2C(), restsvc.WithMaxConcurrentStreams(streams))
		go hs.Serve(h.listener())
		t.Cleanup(func() { hs.Close() })
		return func() { hs.Close() }
	}
	stop := serve()
	ctx := context.Background()
	tg, err := NewTarget(ctx, TargetConfig{Variant: variant.RESTH2C, Addr: h.l.Addr().String(), RPC: ListTransactions, Conns: conns,
		StreamMsgs: 3, FeedInterval: 10 * time.Millisecond, User: "loader", Password: "load-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	cs := make([]Caller, callers)
	for i := range cs {
		if cs[i], err = tg.NewCaller(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	// burst makes one call on each of cs at once and returns the errors.
	burst := func(cs []Caller) []error {
		errs := make([]error, len(cs))
		var wg sync.WaitGroup
		for i, c := range cs {
			wg.Go(func() { _, errs[i] = c.Call(ctx) })
		}
		wg.Wait()
		return errs
	}
	for i, err := range burst(cs) {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if got := tg.Counters().Conns; got > conns {
		t.Errorf("%d connections dialled for %d feeds over %d clients, want at most %d", got, callers, conns, conns)
	}

	// Calls racing the restart may fail on a closing connection; what
	// counts is that no client dials more than one.
	before := tg.Counters().Conns
	serve()
	stop()
	failed := 0
	for _, err := range burst(cs[:conns*100]) {
		if err != nil {
			failed++
		}
	}
	if got := tg.Counters().Conns - before; got > conns {
		t.Errorf("%d connections dialled after the restart for 100 feeds on each of %d clients, want at most %d (%d feeds failed)", got, conns, conns, failed)
	}
	t.Logf("%d of %d feeds failed across the restart", failed, conns*100)
}

// TestH2OpenChecksItsAnswer has the server refuse the health call that
// opens each rest-h2c client's connection: the target fails, naming it,
// rather than starting its callers on a connection nothing checked.
func TestH2OpenChecksItsAnswer(t *testing.T) {
	h := restsvc.NewHandler(testService(t))
	sick := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == restwire.PathHealth {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := restsvc.NewServer(sick, restsvc.WithH2C())
	go hs.Serve(l)
	defer hs.Close()
	_, err = NewTarget(context.Background(), TargetConfig{Variant: variant.RESTH2C, Addr: l.Addr().String(), RPC: ListTransactions, Conns: 2,
		StreamMsgs: 3, User: "loader", Password: "load-test-password"})
	if err == nil || !strings.Contains(err.Error(), restwire.PathHealth) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("NewTarget: %v, want the health call's 503 named", err)
	}
}
