package core

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func newLimited(t *testing.T, l LoginLimits) *Service {
	t.Helper()
	s, err := New(WithBcryptCost(bcrypt.MinCost), WithUser("alice", "s3cret-pass"), WithLoginLimits(l))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLoginConcurrency checks the compare slots and their queue at their
// edges: with every slot taken, logins wait while the queue has room and
// are refused at once past it; a login whose call ends while it waits
// returns without a compare. The slot is held by the test, not by a slow
// compare, so nothing depends on timing.
func TestLoginConcurrency(t *testing.T) {
	t.Parallel()
	s := newLimited(t, LoginLimits{Concurrent: 1, Queue: 1})
	s.gate.slots <- struct{}{} // a compare in progress

	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() {
		_, err := s.ValidateUser(ctx, "", "alice", "s3cret-pass")
		waited <- err
	}()
	for s.gate.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	_, err := s.ValidateUser(context.Background(), "", "alice", "s3cret-pass")
	var e *Error
	if CodeOf(err) != CodeUnavailable || !errors.As(err, &e) || e.RetryAfter != busyRetry {
		t.Fatalf("login past the queue: %v, want unavailable with a retry after %v", err, busyRetry)
	}
	cancel()
	if err := <-waited; CodeOf(err) != CodeCanceled {
		t.Fatalf("waiting login whose call ended: %v, want canceled", err)
	}
	<-s.gate.slots // the compare in progress ends
	r, err := s.ValidateUser(context.Background(), "", "alice", "s3cret-pass")
	if err != nil || !r.IsValid {
		t.Fatalf("login with a free slot: %+v, %v", r, err)
	}
	if compared, refused := s.LoginCounts(); compared != 1 || refused != 1 {
		t.Errorf("LoginCounts = %d compared, %d refused; want 1, 1", compared, refused)
	}
	if len(s.gate.slots) != 0 || s.gate.waiting.Load() != 0 {
		t.Errorf("%d slots held and %d waiting after every login returned, want none", len(s.gate.slots), s.gate.waiting.Load())
	}
}

// TestLoginLimitsTracked checks that spraying usernames and addresses
// keeps the rate limits' memory at Tracked entries each.
func TestLoginLimitsTracked(t *testing.T) {
	t.Parallel()
	const tracked = 16
	s := newLimited(t, LoginLimits{PerUser: Rate{Burst: 1, Every: time.Hour}, PerAddr: Rate{Burst: 1, Every: time.Hour}, Tracked: tracked})
	for i := range 1000 {
		_, err := s.ValidateUser(context.Background(), fmt.Sprintf("10.0.%d.%d:1", i/256, i%256), fmt.Sprintf("user%d", i), "x")
		if err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
	}
	if n, m := len(s.gate.users.m), len(s.gate.addrs.m); n != tracked || m != tracked {
		t.Errorf("after 1000 usernames from 1000 addresses: %d usernames and %d addresses tracked, want %d each", n, m, tracked)
	}
}
