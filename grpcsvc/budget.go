package grpcsvc

import (
	"context"
	"math"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// sendBudget bounds the response bytes queued for sending, per connection
// and per user. grpc-go queues a whole message when its stream has any
// write quota left, so a stream whose client grants no flow-control window
// holds a message or two (about 2.3 MB of records of the 1MiB class, with
// the proto message being built); a connection of many such streams held
// hundreds of MB. A message counts from before its proto message is built
// (Reserve) until the connection has written as many bytes to its socket:
// a stream waits while its connection or its user is over budget, and a
// connection that writes nothing while a stream waits is cut by the stall
// guard like one whose Send is blocked.
type sendBudget struct {
	perConn, perUser int64

	mu      sync.Mutex
	users   map[string]int64 // queued bytes per user, across connections
	changed chan struct{}    // closed when bytes drain; nil: nobody waits
}

// connQueue is what one connection has queued, and for which users, and
// how many streams it carries (only they can stall under the budget).
type connQueue struct {
	queued  int64
	shares  map[string]int64
	streams int
}

func newSendBudget(perConn, perUser int64) *sendBudget {
	if perConn <= 0 && perUser <= 0 {
		return nil
	}
	return &sendBudget{perConn: perConn, perUser: perUser, users: map[string]int64{}}
}

func (b *sendBudget) fits(q *connQueue, user string, n int64) bool {
	conn := b.perConn <= 0 || q.queued == 0 || q.queued+n <= b.perConn
	u := b.users[user]
	return conn && (b.perUser <= 0 || u == 0 || u+n <= b.perUser)
}

// reserve waits until n more bytes fit the budgets of q and user (or
// nothing is queued, so that a message larger than a budget still goes
// alone) and counts them. It calls progress whenever bytes drained
// anywhere while it waited.
func (b *sendBudget) reserve(ctx context.Context, q *connQueue, user string, n int64, progress func()) error {
	for {
		b.mu.Lock()
		if b.fits(q, user, n) {
			b.addLocked(q, user, n)
			b.mu.Unlock()
			return nil
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
			progress()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// add counts n bytes (less when n is negative) without waiting: a
// correction of a reservation, or a unary answer.
func (b *sendBudget) add(q *connQueue, user string, n int64) {
	b.mu.Lock()
	b.addLocked(q, user, n)
	b.mu.Unlock()
}

func (b *sendBudget) addLocked(q *connQueue, user string, n int64) {
	n = max(n, -q.shares[user])
	q.queued += n
	b.users[user] += n
	if q.shares[user] += n; q.shares[user] == 0 {
		delete(q.shares, user)
		if b.users[user] == 0 {
			delete(b.users, user)
		}
	}
	if n < 0 {
		b.wakeLocked()
	}
}

// drop uncounts n bytes of user's that q will never write: first from
// user's share, the rest from the others' (the shares of users of one
// connection are approximate, its total is not).
func (b *sendBudget) drop(q *connQueue, user string, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := min(n, q.shares[user])
	b.addLocked(q, user, -d)
	b.drainLocked(q, n-d)
}

// drain uncounts n bytes the connection wrote (users' shares in no
// particular order: a connection normally carries one user).
func (b *sendBudget) drain(q *connQueue, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drainLocked(q, n)
}

func (b *sendBudget) drainLocked(q *connQueue, n int64) {
	for user, s := range q.shares {
		if n <= 0 {
			break
		}
		d := min(s, n)
		n -= d
		b.addLocked(q, user, -d)
	}
}

func (b *sendBudget) wakeLocked() {
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
}

// countedConn drains its connection's queue by what it writes, and all of
// it when closed.
type countedConn struct {
	net.Conn
	b    *sendBudget
	q    *connQueue
	once sync.Once
}

func (c *countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.b.drain(c.q, int64(n))
	return n, err
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.b.drain(c.q, math.MaxInt64) })
	return c.Conn.Close()
}

// queueOf returns the queue of the connection ctx's call is served on.
func queueOf(ctx context.Context) *connQueue {
	if ci := infoOf(ctx); ci != nil {
		return ci.queue
	}
	return nil
}

// unary counts a unary call's answer, which grpc-go queues whole after
// the handler returns, on a connection that carries a stream: without it,
// answers written to the socket would uncount the streams' stalled bytes.
// A connection of unary calls only is not counted: sizing every answer
// (proto.Size walks the whole message, about 73 µs for a 64 KiB record,
// 9% of what the server spends on the call) would tax every unary call to
// bound streams it does not have. A stream opened while answers are in
// flight may see its count low by those answers.
func (b *sendBudget) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if m, ok := resp.(proto.Message); ok && err == nil {
		if q := queueOf(ctx); q != nil && b.carriesStreams(q) {
			b.add(q, subjectOf(ctx), int64(proto.Size(m))+5)
		}
	}
	return resp, err
}

// carriesStreams reports whether q's connection has a stream open.
func (b *sendBudget) carriesStreams(q *connQueue) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return q.streams > 0
}

// openStream counts a stream on q's connection; the returned function
// uncounts it.
func (b *sendBudget) openStream(q *connQueue) (closed func()) {
	b.mu.Lock()
	q.streams++
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		q.streams--
		b.mu.Unlock()
	}
}

type guardKey struct{}

// reserve waits until the budgets have room for the next message of the
// stream ctx belongs to; a handler calls it before building a large
// message, so that a waiting stream holds none. It does nothing outside a
// guarded stream.
func reserve(ctx context.Context) error {
	g, ok := ctx.Value(guardKey{}).(*streamGuard)
	if !ok {
		return nil
	}
	return g.reserve()
}
