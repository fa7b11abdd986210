package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"restvsgrpc/internal/core"
)

// frozenClock is a clock that moves only when told.
type frozenClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *frozenClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *frozenClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func newFrozenClock() *frozenClock {
	return &frozenClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

// login is one ValidateUser call and what it should answer: valid, not
// valid, or refused by the login limits.
type login struct {
	from, user, pw string
	want           string // "valid", "invalid" or "refused"
}

func (l login) check(t *testing.T, s *core.Service) *core.Error {
	t.Helper()
	r, err := s.ValidateUser(context.Background(), l.from, l.user, l.pw)
	got := "invalid"
	switch {
	case core.CodeOf(err) == core.CodeUnavailable:
		got = "refused"
	case err != nil:
		t.Fatalf("ValidateUser(%q, %q): %v", l.from, l.user, err)
	case r.IsValid:
		got = "valid"
	}
	if got != l.want {
		t.Fatalf("ValidateUser(%q, %q) = %+v, %v: %s, want %s", l.from, l.user, r, err, got, l.want)
	}
	e, _ := err.(*core.Error)
	return e
}

// TestDefaultLoginLimits checks that a service built without
// WithLoginLimits limits logins per username: the login one past the
// default burst, at one instant, is refused with a retry delay.
func TestDefaultLoginLimits(t *testing.T) {
	t.Parallel()
	clock := newFrozenClock()
	s := newService(t, core.WithClock(clock.Now))
	burst := core.DefaultLoginLimits().PerUser.Burst
	for range burst {
		login{user: "alice", pw: "s3cret-pass", want: "valid"}.check(t, s)
	}
	e := login{user: "alice", pw: "s3cret-pass", want: "refused"}.check(t, s)
	if e.RetryAfter <= 0 {
		t.Errorf("refusal %+v has no RetryAfter", e)
	}
}

// TestLoginRateLimits checks the per-username and per-address token
// buckets at their edges, on a clock that only moves when told.
func TestLoginRateLimits(t *testing.T) {
	t.Parallel()
	limits := core.LoginLimits{
		PerUser: core.Rate{Burst: 3, Every: time.Minute},
		PerAddr: core.Rate{Burst: 5, Every: time.Second},
		Tracked: 100,
	}
	t.Run("per username", func(t *testing.T) {
		t.Parallel()
		clock := newFrozenClock()
		s := newService(t, core.WithClock(clock.Now), core.WithLoginLimits(limits))
		for _, user := range []string{"alice", "mallory"} { // known or not, the same
			want := "valid"
			if user == "mallory" {
				want = "invalid"
			}
			for range 3 {
				login{user: user, pw: "s3cret-pass", want: want}.check(t, s)
			}
			e := login{user: user, pw: "s3cret-pass", want: "refused"}.check(t, s)
			if e.RetryAfter != time.Minute || e.Message != "too many logins for this username; retry later" {
				t.Errorf("%s: refusal %+v, want a retry after 1m0s and the same message for every username", user, e)
			}
		}
		compared, refused := s.LoginCounts()
		if compared != 6 || refused != 2 {
			t.Errorf("LoginCounts = %d compared, %d refused; want 6, 2 (a refusal spends no compare)", compared, refused)
		}
		clock.Add(time.Minute - time.Nanosecond)
		login{user: "alice", pw: "s3cret-pass", want: "refused"}.check(t, s)
		clock.Add(time.Nanosecond)
		login{user: "alice", pw: "s3cret-pass", want: "valid"}.check(t, s)
		login{user: "alice", pw: "s3cret-pass", want: "refused"}.check(t, s)
		clock.Add(time.Hour) // refills to the burst, not beyond
		for range 3 {
			login{user: "alice", pw: "s3cret-pass", want: "valid"}.check(t, s)
		}
		login{user: "alice", pw: "s3cret-pass", want: "refused"}.check(t, s)
	})
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		clock := newFrozenClock()
		s := newService(t, core.WithClock(clock.Now), core.WithLoginLimits(limits))
		for i := range 5 { // other ports of one host are the same client
			login{from: fmt.Sprintf("192.0.2.1:%d", 1000+i), user: fmt.Sprintf("u%d", i), pw: "x", want: "invalid"}.check(t, s)
		}
		e := login{from: "192.0.2.1", user: "alice", pw: "s3cret-pass", want: "refused"}.check(t, s)
		if e.RetryAfter != time.Second {
			t.Errorf("refusal %+v, want a retry after 1s", e)
		}
		// The refusal by address spent none of alice's tokens.
		for range 3 {
			login{from: "192.0.2.2:1", user: "alice", pw: "s3cret-pass", want: "valid"}.check(t, s)
		}
		// IPv6 addresses count by /64; IPv4-mapped ones as IPv4.
		for i := range 5 {
			login{from: fmt.Sprintf("[2001:db8::%x]:443", i+1), user: fmt.Sprintf("v%d", i), pw: "x", want: "invalid"}.check(t, s)
		}
		login{from: "[2001:db8::ffff]:1", user: "w", pw: "x", want: "refused"}.check(t, s)
		login{from: "[2001:db8:0:1::1]:1", user: "w", pw: "x", want: "invalid"}.check(t, s)
		login{from: "[::ffff:192.0.2.1]:1", user: "w", pw: "x", want: "refused"}.check(t, s)
		// No address (an in-process call) skips the per-address limit.
		login{from: "", user: "w", pw: "x", want: "invalid"}.check(t, s)
	})
}

// TestLoginLimitsConfig checks that New refuses limits that make no sense.
func TestLoginLimitsConfig(t *testing.T) {
	t.Parallel()
	for _, l := range []core.LoginLimits{
		{Concurrent: -1},
		{Queue: -1},
		{PerUser: core.Rate{Burst: -1, Every: time.Second}, Tracked: 1},
		{PerUser: core.Rate{Burst: 1}, Tracked: 1},
		{PerAddr: core.Rate{Burst: 1, Every: time.Second}},
	} {
		if _, err := core.New(core.WithLoginLimits(l)); err == nil {
			t.Errorf("New(WithLoginLimits(%+v)) succeeded, want an error", l)
		}
	}
	if _, err := core.New(core.WithLoginLimits(core.LoginLimits{})); err != nil {
		t.Errorf("New without login limits: %v", err)
	}
}
