package core

import (
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Service is the one implementation of every service's behaviour.
// It is safe for concurrent use.
type Service struct {
	cfg     config
	users   map[string][]byte // username -> bcrypt hash
	dummy   []byte            // hash compared against for unknown users, to equalise timing
	ledger  *ledger
	rooms   rooms
	work    work
	uploads uploadStats
	gate    *gate     // login limits
	macs    sync.Pool // of *macState, HMAC-SHA256 keyed with cfg.tokenKey
}

type config struct {
	users      []credential
	tokenKey   []byte
	tokenTTL   time.Duration
	bcryptCost int
	seed       uint64
	work       time.Duration
	maxUpload  int64
	login      LoginLimits
	now        func() time.Time
}

type credential struct{ name, password string }

// Option configures a Service.
type Option func(*config)

// WithUser adds a user. Only a bcrypt hash of the password is kept.
func WithUser(name, password string) Option {
	return func(c *config) { c.users = append(c.users, credential{name, password}) }
}

// WithTokenKey sets the HMAC key that signs tokens. Without it a random
// key is made at start, so tokens do not survive a restart.
func WithTokenKey(key []byte) Option { return func(c *config) { c.tokenKey = key } }

// WithTokenTTL sets how long issued tokens stay valid (default 1h).
func WithTokenTTL(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// WithBcryptCost sets the password hash cost (default bcrypt.DefaultCost).
// Tests lower it; the benchmarks report what the default costs.
func WithBcryptCost(cost int) Option { return func(c *config) { c.bcryptCost = cost } }

// WithSeed sets the seed of the deterministic transaction data set (default 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithWork adds a fixed amount of CPU work to every call and every streamed
// message, to show how the transport's share of the time shrinks as real
// work grows.
func WithWork(d time.Duration) Option { return func(c *config) { c.work = d } }

// WithMaxUpload caps the bytes one upload may carry (default 1 GiB).
func WithMaxUpload(n int64) Option { return func(c *config) { c.maxUpload = n } }

// WithClock replaces time.Now, for tests of token expiry.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// New returns a Service. It fails on invalid users or options.
func New(opts ...Option) (*Service, error) {
	cfg := config{
		tokenTTL:   time.Hour,
		bcryptCost: bcrypt.DefaultCost,
		seed:       1,
		maxUpload:  1 << 30,
		login:      DefaultLoginLimits(),
		now:        time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.tokenKey == nil {
		cfg.tokenKey = make([]byte, 32)
		if _, err := rand.Read(cfg.tokenKey); err != nil {
			return nil, fmt.Errorf("token key: %w", err)
		}
	}
	if len(cfg.tokenKey) < 16 {
		return nil, fmt.Errorf("token key: %d bytes, want at least 16", len(cfg.tokenKey))
	}
	if cfg.tokenTTL <= 0 {
		return nil, fmt.Errorf("token ttl %v: must be positive", cfg.tokenTTL)
	}
	if cfg.work < 0 {
		return nil, fmt.Errorf("work %v: must not be negative", cfg.work)
	}
	if err := cfg.login.check(); err != nil {
		return nil, err
	}
	s := &Service{
		cfg:    cfg,
		users:  make(map[string][]byte, len(cfg.users)),
		ledger: newLedger(cfg.seed),
		gate:   newGate(cfg.login),
	}
	s.rooms.m = make(map[string]*room)
	s.work.init(cfg.work)

	// Hash users concurrently: at the default cost each takes tens of ms.
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	hash := func(name, password string) {
		defer wg.Done()
		h, err := bcrypt.GenerateFromPassword([]byte(password), cfg.bcryptCost)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("user %q: %w", name, err))
			return
		}
		if name == "" {
			s.dummy = h
		} else {
			s.users[name] = h
		}
	}
	seen := make(map[string]struct{}, len(cfg.users))
	for _, u := range cfg.users {
		if err := checkUsername(u.name); err != nil {
			return nil, fmt.Errorf("user %q: %s", u.name, err.Message)
		}
		if err := checkPassword(u.password); err != nil {
			return nil, fmt.Errorf("user %q: %s", u.name, err.Message)
		}
		if _, dup := seen[u.name]; dup {
			return nil, fmt.Errorf("user %q: given twice", u.name)
		}
		seen[u.name] = struct{}{}
	}
	// Every user is checked before any hashing starts, so that the hashing
	// goroutines alone write s.users (under mu) and none outlives an error.
	for _, u := range cfg.users {
		wg.Add(1)
		go hash(u.name, u.password)
	}
	wg.Add(1)
	go hash("", "no user has this password")
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return s, nil
}
