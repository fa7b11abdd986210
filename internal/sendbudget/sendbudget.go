// Package sendbudget bounds the answer bytes a server has queued for
// sending, per connection and per user over all connections: what a
// client that withholds flow-control window (or stops reading) can make
// the server hold. Both servers use it: grpcsvc around grpc-go's queue,
// restsvc around its feeds' writes.
//
// Bytes count from before a message is built (Reserve, which waits while
// the connection or the user is over budget) until they have left the
// server: the connection wrote them (a Conn drains its Queue by what it
// writes) or the sender says so (Add with a negative count, Drop).
package sendbudget

import (
	"context"
	"math"
	"net"
	"sync"
)

// Default is the budget both servers set, per connection and per user:
// as much as grpc-go's largest flow-control window, which bounds what a
// reading client can take at once anyway. Without a budget one connection
// of streams whose client grants no flow-control window held about 4 to
// 7 MB of RSS per stream of 1 MiB records, 256 streams at once.
const Default = 16 << 20

// Budget is the account of one server. A nil *Budget is none: it is what
// New returns when neither limit is set, and callers test for it.
type Budget struct {
	perConn, perUser int64

	mu      sync.Mutex
	users   map[string]int64 // queued bytes per user, across connections
	sent    map[string]int64 // bytes written per user with bytes queued
	changed chan struct{}    // closed when bytes are uncounted; nil: nobody waits
}

// Queue is what one connection has queued, and for which users, and how
// many streams it carries.
type Queue struct {
	queued  int64
	sent    int64 // bytes written, ever
	shares  map[string]int64
	streams int
}

// New returns a budget of perConn bytes per connection and perUser bytes
// per user (0 or less: no limit of that kind), or nil if both are off.
func New(perConn, perUser int64) *Budget {
	if perConn <= 0 && perUser <= 0 {
		return nil
	}
	return &Budget{perConn: perConn, perUser: perUser, users: map[string]int64{}, sent: map[string]int64{}}
}

// NewQueue returns the queue of a new connection.
func NewQueue() *Queue { return &Queue{shares: map[string]int64{}} }

func (b *Budget) fits(q *Queue, user string, n int64) bool {
	conn := b.perConn <= 0 || q.queued == 0 || q.queued+n <= b.perConn
	u := b.users[user]
	return conn && (b.perUser <= 0 || u == 0 || u+n <= b.perUser)
}

// Reserve waits until n more bytes fit the budgets of q and user (or
// nothing of theirs is queued, so that a message larger than a budget
// still goes alone) and counts them. It calls progress whenever q or user
// had bytes written while it waited (Drain, Sent), so that a caller's stall
// timer can tell waiting on a reading client from waiting on a stalled
// one: bytes written elsewhere in the server, or uncounted because a
// stalled stream was cut, do not keep a stalled client's streams.
func (b *Budget) Reserve(ctx context.Context, q *Queue, user string, n int64, progress func()) error {
	lastConn, lastUser := int64(-1), int64(-1) // bytes sent when last seen
	for {
		b.mu.Lock()
		if b.fits(q, user, n) {
			b.addLocked(q, user, n)
			b.mu.Unlock()
			return nil
		}
		sent := lastConn >= 0 && (q.sent > lastConn || b.sent[user] > lastUser)
		lastConn, lastUser = q.sent, b.sent[user]
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		ch := b.changed
		b.mu.Unlock()
		if sent {
			progress()
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// TryReserve counts n bytes if they fit the budgets of q and user now, as
// Reserve would, and reports whether it did; it never waits.
func (b *Budget) TryReserve(q *Queue, user string, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fits(q, user, n) {
		return false
	}
	b.addLocked(q, user, n)
	return true
}

// Add counts n bytes (uncounts them when n is negative) without waiting:
// a correction of a reservation, an answer that must go anyway, or bytes
// that will never be written.
func (b *Budget) Add(q *Queue, user string, n int64) {
	b.mu.Lock()
	b.addLocked(q, user, n)
	b.mu.Unlock()
}

func (b *Budget) addLocked(q *Queue, user string, n int64) {
	n = max(n, -q.shares[user])
	q.queued += n
	b.users[user] += n
	if q.shares[user] += n; q.shares[user] == 0 {
		delete(q.shares, user)
		if b.users[user] == 0 {
			delete(b.users, user)
			delete(b.sent, user)
		}
	}
	if n < 0 {
		b.wakeLocked()
	}
}

// Drop uncounts n bytes of user's that q will never write: first from
// user's share, the rest from the others' (the shares of users of one
// connection are approximate, its total is not).
func (b *Budget) Drop(q *Queue, user string, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := min(n, q.shares[user])
	b.addLocked(q, user, -d)
	b.drainLocked(q, n-d, false)
}

// Drain uncounts n bytes the connection wrote (users' shares in no
// particular order: a connection normally carries one user).
func (b *Budget) Drain(q *Queue, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drainLocked(q, n, true)
}

// Sent uncounts n bytes of user's that q's connection has taken.
func (b *Budget) Sent(q *Queue, user string, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n = min(n, q.shares[user])
	b.sentLocked(q, user, n)
	b.addLocked(q, user, -n)
}

func (b *Budget) sentLocked(q *Queue, user string, n int64) {
	q.sent += n
	if b.users[user] > 0 {
		b.sent[user] += n
	}
}

func (b *Budget) drainLocked(q *Queue, n int64, sent bool) {
	for user, s := range q.shares {
		if n <= 0 {
			break
		}
		d := min(s, n)
		n -= d
		if sent {
			b.sentLocked(q, user, d)
		}
		b.addLocked(q, user, -d)
	}
}

func (b *Budget) wakeLocked() {
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
}

// Held returns the bytes counted for q and for user.
func (b *Budget) Held(q *Queue, user string) (conn, perUser int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return q.queued, b.users[user]
}

// CarriesStreams reports whether q's connection has a stream open.
func (b *Budget) CarriesStreams(q *Queue) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return q.streams > 0
}

// OpenStream counts a stream on q's connection; the returned function
// uncounts it.
func (b *Budget) OpenStream(q *Queue) (closed func()) {
	b.mu.Lock()
	q.streams++
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		q.streams--
		b.mu.Unlock()
	}
}

// Conn returns conn counting its writes against q: what it writes drains
// q (Drain), and closing it uncounts all of q.
func (b *Budget) Conn(conn net.Conn, q *Queue) net.Conn {
	return &countedConn{Conn: conn, b: b, q: q}
}

type countedConn struct {
	net.Conn
	b    *Budget
	q    *Queue
	once sync.Once
}

func (c *countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.b.Drain(c.q, int64(n))
	return n, err
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.b.mu.Lock()
		c.b.drainLocked(c.q, math.MaxInt64, false) // never to be written
		c.b.mu.Unlock()
	})
	return c.Conn.Close()
}
