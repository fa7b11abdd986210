package hostile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/hostile"
	"restvsgrpc/restsvc"
)

var redteam = flag.Bool("redteam", false, "run every probe at the full scale of the attacks it pins (make redteam)")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// scale is short under go test and full with -redteam.
func scale(short, full int) int {
	if *redteam {
		return full
	}
	return short
}

const (
	user     = "alice"
	password = "s3cret-pass"
)

// limits are the servers' settings of one probe; zero values keep the
// packages' defaults.
type limits struct {
	rest    []restsvc.ServerOption
	handler []restsvc.Option
	grpc    []grpcsvc.Option
}

// target is both servers of one core on loopback, with clients that log
// in normally, for the check after a probe.
type target struct {
	svc        *core.Service
	rest, grpc string // host:port
	token      string
	hc         *http.Client
	gc         *grpc.ClientConn
}

func serve(t *testing.T, l limits) *target {
	t.Helper()
	svc, err := core.New(core.WithUser(user, password), core.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	restLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	grpcLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base, cancel := context.WithCancel(context.Background())
	hs := restsvc.NewServer(restsvc.NewHandler(svc, l.handler...), append([]restsvc.ServerOption{restsvc.WithH2C(), restsvc.WithBaseContext(base)}, l.rest...)...)
	gs := grpcsvc.NewServer(svc, l.grpc...)
	var wg sync.WaitGroup
	wg.Go(func() { _ = hs.Serve(restLis) })
	wg.Go(func() { _ = gs.Serve(grpcLis) })
	tg := &target{svc: svc, rest: restLis.Addr().String(), grpc: grpcLis.Addr().String(), hc: &http.Client{Transport: &http.Transport{}}}
	tg.gc, err = grpc.NewClient(tg.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tg.gc.Close()
		tg.hc.CloseIdleConnections()
		cancel()
		_ = hs.Close()
		gs.Stop()
		wg.Wait()
	})
	res, err := svc.ValidateUser(t.Context(), "", user, password)
	if err != nil || !res.IsValid {
		t.Fatalf("ValidateUser: %+v, %v", res, err)
	}
	tg.token = res.Token
	// The data set's 1 MiB class is built once and kept: build it before
	// any baseline.
	if _, err := svc.GetTransaction(t.Context(), core.TransactionID(core.Payload1MiB, 0)); err != nil {
		t.Fatal(err)
	}
	// Warm both login paths up, so that the baseline holds their
	// connections.
	if err := tg.loginREST(); err != nil {
		t.Fatal(err)
	}
	if err := tg.loginGRPC(); err != nil {
		t.Fatal(err)
	}
	return tg
}

// loginREST and loginGRPC are a normal client's login.
func (tg *target) loginREST() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+tg.rest+"/v1/auth/validate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := tg.hc.Do(req)
	if err != nil {
		return fmt.Errorf("rest login: %w", err)
	}
	defer resp.Body.Close()
	var got struct {
		IsValid bool `json:"is_valid"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || !got.IsValid {
		return fmt.Errorf("rest login: status %d, is_valid %v, %v", resp.StatusCode, got.IsValid, err)
	}
	return nil
}

func (tg *target) loginGRPC() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := authv1.NewAuthServiceClient(tg.gc).ValidateUser(ctx, &authv1.ValidateUserRequest{Username: user, Password: password})
	if err != nil || !res.IsValid {
		return fmt.Errorf("grpc login: %+v, %v", res, err)
	}
	return nil
}

// recovered fails t unless the servers came back from a probe that began
// at b: goroutines and heap back near b, and a normal login works on both.
func (tg *target) recovered(t *testing.T, b hostile.Baseline) {
	t.Helper()
	if err := b.Recovered(tg.loginREST, tg.loginGRPC); err != nil {
		t.Error(err)
	}
}

// eventually polls cond until it holds, for at most a generous bound; it
// waits for the server and asserts no timing.
func eventually(t *testing.T, what string, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("gave up waiting for %s", what)
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
