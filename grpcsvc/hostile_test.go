package grpcsvc_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/internal/core"
)

// These tests are the gRPC rows of the "Hostile clients" part of
// README.md's bad-input catalogue.

// TestLoginLimited checks that logins past the core's per-address limit
// are refused with Unavailable and a RetryInfo, without a compare, and
// that the address counted is the connection's peer: a client on another
// loopback address still logs in.
func TestLoginLimited(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f := start(t, []core.Option{
		core.WithClock(func() time.Time { return now }),
		core.WithLoginLimits(core.LoginLimits{PerAddr: core.Rate{Burst: 2, Every: time.Hour}, Tracked: 10}),
	})
	auth := authv1.NewAuthServiceClient(f.conn)
	ctx := ctxTimeout(t)
	for _, u := range []struct{ name, pw string }{{alice, alicePW}, {bob, bobPW}} {
		if r, err := auth.ValidateUser(ctx, &authv1.ValidateUserRequest{Username: u.name, Password: u.pw}); err != nil || !r.GetIsValid() {
			t.Fatalf("login %s within the burst: %v, %v", u.name, r, err)
		}
	}
	_, err := auth.ValidateUser(ctx, &authv1.ValidateUserRequest{Username: "mallory", Password: "x"})
	st, _ := status.FromError(err)
	if st.Code() != codes.Unavailable || st.Message() != "too many logins from this address; retry later" {
		t.Fatalf("login past the burst: %v, want Unavailable, too many logins from this address", err)
	}
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry == nil || retry.GetRetryDelay().AsDuration() != time.Hour {
		t.Errorf("details %v, want a RetryInfo of 1h", st.Details())
	}
	if compared, refused := f.svc.LoginCounts(); compared != 2 || refused != 1 {
		t.Errorf("LoginCounts = %d compared, %d refused; want 2, 1", compared, refused)
	}

	// Another address has its own bucket.
	other, err := grpc.NewClient(f.conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
			return d.DialContext(ctx, "tcp", addr)
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if r, err := authv1.NewAuthServiceClient(other).ValidateUser(ctx, &authv1.ValidateUserRequest{Username: alice, Password: alicePW}); err != nil || !r.GetIsValid() {
		t.Errorf("login from 127.0.0.2: %v, %v; want valid", r, err)
	}
}
