package grpcsvc_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Users of every test server.
const (
	alice, alicePW = "alice", "s3cret-pass"
	bob, bobPW     = "bob", "hunter2-but-longer"
)

// fixture is a real server on a loopback listener and a client connection
// to it.
type fixture struct {
	svc  *core.Service
	srv  *grpc.Server
	conn *grpc.ClientConn
	c    client.Client
}

func start(t testing.TB, coreOpts []core.Option, opts ...grpcsvc.Option) *fixture {
	t.Helper()
	coreOpts = append([]core.Option{
		core.WithBcryptCost(bcrypt.MinCost),
		core.WithUser(alice, alicePW),
		core.WithUser(bob, bobPW),
	}, coreOpts...)
	svc, err := core.New(coreOpts...)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcsvc.NewServer(svc, opts...)
	var served sync.WaitGroup
	served.Go(func() { _ = srv.Serve(lis) })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
		served.Wait()
	})
	return &fixture{svc: svc, srv: srv, conn: conn, c: client.NewGRPC(conn)}
}

// login returns a token for user, and sets it on f's client when asked.
func (f *fixture) login(t testing.TB, user, pw string) string {
	t.Helper()
	r, err := f.c.ValidateUser(t.Context(), user, pw)
	if err != nil {
		t.Fatalf("ValidateUser(%q): %v", user, err)
	}
	if !r.IsValid || r.Token == "" {
		t.Fatalf("ValidateUser(%q) = %+v, want a token", user, r)
	}
	return r.Token
}

// authed returns a client of f's connection holding a token of alice.
func (f *fixture) authed(t testing.TB) client.Client {
	t.Helper()
	c := client.NewGRPC(f.conn)
	c.SetToken(f.login(t, alice, alicePW))
	return c
}

// eventually polls cond until it holds, failing the test after a long
// bound; it waits for something to happen and asserts no timing.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ctxTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
