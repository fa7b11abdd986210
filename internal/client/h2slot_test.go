package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc"
	"restvsgrpc/restsvc/restwire"
)

// handover is one loopback address served by one server after another:
// each server gets a listener of its own, whose Close leaves the port
// open for the next, as a restart that keeps the address without a gap.
type handover struct {
	l     net.Listener
	conns chan net.Conn
	done  chan struct{}
}

func newHandover(t *testing.T) *handover {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &handover{l: l, conns: make(chan net.Conn), done: make(chan struct{})}
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			select {
			case h.conns <- c:
			case <-h.done:
				c.Close()
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(h.done)
		l.Close()
		<-pumped
	})
	return h
}

// listener returns a new server's listener on h's address.
func (h *handover) listener() net.Listener {
	return &handoverListener{h: h, closed: make(chan struct{})}
}

type handoverListener struct {
	h      *handover
	once   sync.Once
	closed chan struct{}
}

func (l *handoverListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.h.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-l.h.done:
		return nil, net.ErrClosed
	}
}

func (l *handoverListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *handoverListener) Addr() net.Addr { return l.h.l.Addr() }

// testServer is a server of variant v on a handover listener.
type testServer struct {
	stop, graceful func() // cut every connection; GOAWAY, wait for the calls
}

// hold holds the calls that carry a "hold" header (or metadata): each
// sends on held, then waits for release to close before it is answered.
type hold struct {
	held    chan struct{}
	release chan struct{}
}

func (h *hold) wait(marked bool) {
	if h != nil && marked {
		h.held <- struct{}{}
		<-h.release
	}
}

func startTestServer(t *testing.T, v string, svc *core.Service, l net.Listener, h *hold) testServer {
	if v == variant.GRPC {
		hold := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			h.wait(len(md.Get("hold")) > 0)
			return next(ctx, req)
		}
		gs := grpcsvc.NewServer(svc, grpcsvc.WithServerOptions(grpc.ChainUnaryInterceptor(hold)))
		go gs.Serve(l)
		t.Cleanup(gs.Stop)
		return testServer{stop: gs.Stop, graceful: gs.GracefulStop}
	}
	rh := restsvc.NewHandler(svc)
	hs := restsvc.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.wait(r.Header.Get("hold") != "")
		rh.ServeHTTP(w, r)
	}), restsvc.WithH2C())
	go hs.Serve(l)
	t.Cleanup(func() { hs.Close() })
	return testServer{stop: func() { hs.Close() }, graceful: func() { hs.Shutdown(context.Background()) }}
}

// testService is the core service with the test user, login limits off.
func testService(t *testing.T) *core.Service {
	limits := core.DefaultLoginLimits()
	limits.PerUser, limits.PerAddr = core.Rate{}, core.Rate{}
	svc, err := core.New(core.WithUser("loader", "load-test-password"), core.WithBcryptCost(4), core.WithLoginLimits(limits))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

const redialCallers, redialConns = 8, 2

// leanTarget is a bytes-mode GetTransaction target of variant v on
// addr over redialConns lean connections, with its callers.
func leanTarget(t *testing.T, v, addr string) (Target, []*h2Slot, []Caller) {
	ctx := context.Background()
	tg, err := NewTarget(ctx, TargetConfig{Variant: v, Addr: addr, RPC: GetTransaction, Conns: redialConns, User: "loader", Password: "load-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	var slots []*h2Slot
	switch tg := tg.(type) {
	case *grpcTarget:
		slots = tg.h2
	case *restTarget:
		slots = tg.h2
	}
	if len(slots) != redialConns {
		t.Fatalf("%d lean connections, want %d", len(slots), redialConns)
	}
	var callers []Caller
	for i := range redialCallers {
		c, err := tg.NewCaller(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, c)
	}
	return tg, slots, callers
}

// TestLeanRedial cuts every connection of the lean HTTP/2 client while
// its callers call (the server stops, and a new one serves the same
// address): the calls in flight fail as unavailable, every later call
// succeeds, over one new connection per lost one.
func TestLeanRedial(t *testing.T) {
	for _, v := range []string{variant.GRPC, variant.RESTH2C} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			svc, h := testService(t), newHandover(t)
			first := startTestServer(t, v, svc, h.listener(), nil)
			tg, _, callers := leanTarget(t, v, h.l.Addr().String())
			dials := tg.Counters().Conns

			ctx := context.Background()
			var cut atomic.Bool
			var warm, wg sync.WaitGroup
			warm.Add(len(callers))
			errs := make([]error, len(callers))
			for i, c := range callers {
				wg.Go(func() {
					var warmed sync.Once
					defer warmed.Do(warm.Done)
					// Call until the cut (5 calls at least), then
					// until 20 calls succeeded; a call that fails after
					// the cut must be one in flight on the lost
					// connection, which each caller has at most one of.
					failed, ok := 0, 0
					for k := 0; ok < 20; k++ {
						after := cut.Load()
						_, err := c.Call(ctx)
						if k == 4 {
							warmed.Do(warm.Done)
						}
						switch {
						case err == nil:
							if after {
								ok++
							}
						case !cut.Load():
							errs[i] = err
							return
						case core.CodeOf(err) != core.CodeUnavailable:
							errs[i] = err
							return
						default:
							if failed++; failed > 1 {
								errs[i] = err
								return
							}
						}
					}
				})
			}
			warm.Wait()
			startTestServer(t, v, svc, h.listener(), nil)
			cut.Store(true)
			first.stop()
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
				}
			}
			if got := tg.Counters().Conns - dials; got != redialConns {
				t.Errorf("%d dials after the cut, want %d (one per lost connection, %d callers)", got, redialConns, redialCallers)
			}
		})
	}
}

// TestLeanGoAway stops the server gracefully while a call is held in
// flight: the client takes the GOAWAY, the held call still completes, and
// every later call goes over one new connection per old one.
func TestLeanGoAway(t *testing.T) {
	for _, v := range []string{variant.GRPC, variant.RESTH2C} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			svc, h := testService(t), newHandover(t)
			hd := &hold{held: make(chan struct{}), release: make(chan struct{})}
			first := startTestServer(t, v, svc, h.listener(), hd)
			tg, slots, callers := leanTarget(t, v, h.l.Addr().String())
			ctx := context.Background()
			for i, c := range callers {
				if _, err := c.Call(ctx); err != nil {
					t.Fatalf("caller %d before the GOAWAY: %v", i, err)
				}
			}
			dials := tg.Counters().Conns

			// The held call: ValidateUser over the first slot's
			// connection, answered once released.
			old := slots[0].cur.Load()
			held := make(chan error, 1)
			go func() { held <- heldCall(ctx, v, h.l.Addr().String(), slots[0]) }()
			<-hd.held
			stopped := make(chan struct{})
			go func() {
				first.graceful()
				close(stopped)
			}()
			// Once every connection takes no new streams (the held one
			// by GOAWAY), a new server takes the address.
			for _, s := range slots {
				<-s.cur.Load().away
			}
			startTestServer(t, v, svc, h.listener(), nil)
			if err := old.unsent(); !strings.Contains(err.Error(), "GOAWAY") {
				t.Errorf("the held call's connection: %v, want a GOAWAY", err)
			}
			for i, c := range callers {
				for range 5 {
					if _, err := c.Call(ctx); err != nil {
						t.Errorf("caller %d after the GOAWAY: %v", i, err)
					}
				}
			}
			close(hd.release)
			if err := <-held; err != nil {
				t.Errorf("the call in flight at the GOAWAY: %v", err)
			}
			<-stopped
			if got := tg.Counters().Conns - dials; got != redialConns {
				t.Errorf("%d dials after the GOAWAY, want %d (one per connection gone away, %d callers)", got, redialConns, redialCallers)
			}
		})
	}
}

// heldCall makes a ValidateUser call marked "hold" over slot s and checks
// its answer.
func heldCall(ctx context.Context, v, addr string, s *h2Slot) error {
	st := &h2Stream{finished: make(chan struct{}, 1)}
	hold := hpack.HeaderField{Name: "hold", Value: "1"}
	if v == variant.GRPC {
		body := grpcFrame(mustMarshal(&authv1.ValidateUserRequest{Username: "loader", Password: "load-test-password"}))
		if err := s.call(ctx, st, http.MethodPost, addr, authv1.AuthService_ValidateUser_FullMethodName, append(grpcFields(), hold), body); err != nil {
			return err
		}
		if st.status != http.StatusOK || st.grpcStatus != 0 {
			return errors.New("not answered with HTTP 200 and grpc-status 0")
		}
		return nil
	}
	body := []byte(`{"username":"loader","password":"load-test-password"}`)
	fields := []hpack.HeaderField{{Name: "content-type", Value: restwire.ContentTypeJSON}, {Name: "content-length", Value: strconv.Itoa(len(body))}, hold}
	if err := s.call(ctx, st, http.MethodPost, addr, restwire.PathValidateUser, fields, body); err != nil {
		return err
	}
	if st.status != http.StatusOK || !strings.Contains(string(st.body), `"token"`) {
		return errors.New("not answered with HTTP 200 and a token: " + string(st.body))
	}
	return nil
}

// TestLeanRedialAfterOutage stops the server and starts it again on the
// same address a while later: while it is down every call fails as
// unavailable with the redial's error (the callers wait for the slot's
// one dial, and the dials back off), and once it is back calls succeed.
func TestLeanRedialAfterOutage(t *testing.T) {
	for _, v := range []string{variant.GRPC, variant.RESTH2C} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			svc := testService(t)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			first := startTestServer(t, v, svc, l, nil)
			_, _, callers := leanTarget(t, v, addr)
			ctx := context.Background()
			first.stop()
			eachCaller(t, callers, func(c Caller) error {
				var err error
				for range 3 {
					if _, err = c.Call(ctx); err == nil || core.CodeOf(err) != core.CodeUnavailable {
						return fmt.Errorf("a call while the server is down: %v, want unavailable", err)
					}
				}
				if !strings.Contains(err.Error(), "redial "+addr) {
					return fmt.Errorf("the last call while the server is down: %v, want the redial's error", err)
				}
				return nil
			})
			l, err = net.Listen("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			startTestServer(t, v, svc, l, nil)
			eachCaller(t, callers, func(c Caller) error {
				// A dial begun before the restart may still fail the
				// first call.
				failed := 0
				for ok := 0; ok < 5; {
					if _, err := c.Call(ctx); err == nil {
						ok++
					} else if failed++; failed > 1 {
						return fmt.Errorf("calls after the restart: %v", err)
					}
				}
				return nil
			})
		})
	}
}

// eachCaller runs f on every caller at once and reports their errors.
func eachCaller(t *testing.T, callers []Caller, f func(Caller) error) {
	t.Helper()
	errs := make([]error, len(callers))
	var wg sync.WaitGroup
	for i, c := range callers {
		wg.Go(func() { errs[i] = f(c) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
}
