package core

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"restvsgrpc/internal/peerlimit"
)

// LoginLimits bounds what logins may cost the server. Every ValidateUser
// spends a full bcrypt compare (tens of milliseconds of CPU at the default
// cost), for unknown users too, before anyone is authenticated: without
// limits, one connection with many logins in flight takes every CPU.
type LoginLimits struct {
	// Concurrent is how many password compares may run at once; 0 is no
	// limit.
	Concurrent int
	// Queue is how many more logins may wait for a compare slot; past it a
	// login is refused at once (CodeUnavailable), so that overload is
	// answered fast instead of slowly.
	Queue int
	// PerUser limits the attempts on one username, known or not (so that
	// the limit says nothing about which users exist); PerAddr the
	// attempts from one client address (IPv6 by its /64).
	PerUser, PerAddr Rate
	// Tracked is how many usernames, and how many addresses, the rate
	// limits remember. Past it an arbitrary one is forgotten (its bucket
	// starts full again), so that memory stays bounded whatever a client
	// sprays; it must be positive when a rate is set.
	Tracked int
}

// Rate is a token bucket: Burst attempts at once, then one more per Every.
// A zero Burst is no limit.
type Rate struct {
	Burst int
	Every time.Duration
}

// DefaultLoginLimits returns the limits New applies without
// WithLoginLimits: one compare per CPU with four times as many waiting;
// 10 attempts per username, then one per 6 s; 30 per address, then 5 a
// second; 10,000 usernames and addresses remembered.
func DefaultLoginLimits() LoginLimits {
	n := runtime.GOMAXPROCS(0)
	return LoginLimits{
		Concurrent: n,
		Queue:      4 * n,
		PerUser:    Rate{Burst: 10, Every: 6 * time.Second},
		PerAddr:    Rate{Burst: 30, Every: 200 * time.Millisecond},
		Tracked:    10_000,
	}
}

// WithLoginLimits replaces DefaultLoginLimits. Benchmarks of logins set
// them explicitly, so that what they measure is the compare, not a refusal.
func WithLoginLimits(l LoginLimits) Option { return func(c *config) { c.login = l } }

func (l LoginLimits) check() error {
	switch {
	case l.Concurrent < 0 || l.Queue < 0 || l.Tracked < 0:
		return fmt.Errorf("login limits %+v: must not be negative", l)
	case l.PerUser.Burst < 0 || l.PerAddr.Burst < 0:
		return fmt.Errorf("login limits %+v: a burst must not be negative", l)
	case l.PerUser.Burst > 0 && l.PerUser.Every <= 0, l.PerAddr.Burst > 0 && l.PerAddr.Every <= 0:
		return fmt.Errorf("login limits %+v: a rate with a burst needs a positive interval", l)
	case (l.PerUser.Burst > 0 || l.PerAddr.Burst > 0) && l.Tracked == 0:
		return fmt.Errorf("login limits %+v: rate limits need a positive Tracked", l)
	}
	return nil
}

// busyRetry is the Retry-After of a login refused because every compare
// slot and queue place is taken: about the time a few compares take.
const busyRetry = time.Second

// gate admits logins under LoginLimits.
type gate struct {
	slots   chan struct{} // nil: no limit on compares
	queue   int64
	waiting atomic.Int64
	users   *buckets // nil: no per-username limit
	addrs   *buckets // nil: no per-address limit

	compared, refused atomic.Int64
}

func newGate(l LoginLimits) *gate {
	g := &gate{queue: int64(l.Queue)}
	if l.Concurrent > 0 {
		g.slots = make(chan struct{}, l.Concurrent)
	}
	if l.PerUser.Burst > 0 {
		g.users = newBuckets(l.PerUser, l.Tracked)
	}
	if l.PerAddr.Burst > 0 {
		g.addrs = newBuckets(l.PerAddr, l.Tracked)
	}
	return g
}

// admit takes a token from the address's bucket, then from the username's,
// and then a compare slot, waiting for one if the queue has room. The
// caller calls release once its compare is done.
func (g *gate) admit(ctx context.Context, now time.Time, from, username string) (release func(), err error) {
	if g.addrs != nil && from != "" {
		if wait, ok := g.addrs.take(peerlimit.Key(from), now); !ok {
			return nil, g.refuse("too many logins from this address", wait)
		}
	}
	if g.users != nil {
		if wait, ok := g.users.take(username, now); !ok {
			return nil, g.refuse("too many logins for this username", wait)
		}
	}
	if g.slots == nil {
		return func() {}, nil
	}
	select {
	case g.slots <- struct{}{}:
		return g.release, nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return nil, g.refuse("too many logins at once", busyRetry)
	}
	defer g.waiting.Add(-1)
	select {
	case g.slots <- struct{}{}:
		return g.release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *gate) release() { <-g.slots }

func (g *gate) refuse(msg string, wait time.Duration) *Error {
	g.refused.Add(1)
	return &Error{Code: CodeUnavailable, Message: msg + "; retry later", RetryAfter: wait}
}

// buckets are token buckets by key, at most max of them.
type buckets struct {
	rate Rate
	max  int

	mu sync.Mutex
	m  map[string]bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newBuckets(r Rate, max int) *buckets {
	return &buckets{rate: r, max: max, m: make(map[string]bucket)}
}

// take spends one of key's tokens at now, or says how long until the next
// one.
func (b *buckets) take(key string, now time.Time) (wait time.Duration, ok bool) {
	burst := float64(b.rate.Burst)
	b.mu.Lock()
	defer b.mu.Unlock()
	k, found := b.m[key]
	switch {
	case !found:
		if len(b.m) >= b.max {
			for old := range b.m { // Go starts map iteration at random
				delete(b.m, old)
				break
			}
		}
		k = bucket{tokens: burst, last: now}
	case now.After(k.last):
		k.tokens = min(burst, k.tokens+float64(now.Sub(k.last))/float64(b.rate.Every))
		k.last = now
	}
	if k.tokens < 1 {
		b.m[key] = k
		return time.Duration((1 - k.tokens) * float64(b.rate.Every)), false
	}
	k.tokens--
	b.m[key] = k
	return 0, true
}

// LoginCounts returns how many password compares ran and how many logins
// the login limits refused since start.
func (s *Service) LoginCounts() (compared, refused int64) {
	return s.gate.compared.Load(), s.gate.refused.Load()
}
