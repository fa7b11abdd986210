package restsvc

import (
	"context"

	"github.com/gin-gonic/gin"

	"restvsgrpc/internal/sendbudget"
)

// DefaultSendBudget bounds the feed bytes one connection, and one user over
// all its connections, may have encoded and not yet written: past it, feeds
// wait before encoding their next record, holding none (a feed that then
// makes no progress for the stall timeout is cut like one whose write is
// blocked). Without it, over h2c, each stream whose client grants no
// flow-control window held an encoded record (2.5 MB of JSON for the 1MiB
// class) and its encoder's buffer, up to MaxConcurrentStreams per
// connection. It is grpcsvc's DefaultSendBudget too.
const DefaultSendBudget = sendbudget.Default

// WithSendBudget sets how many feed bytes one connection (perConn) and one
// user over all connections (perUser) may have encoded and not yet written
// before their feeds wait (default DefaultSendBudget each; 0 means no
// limit of that kind, and both 0 no budget). A connection counts as one
// only when the server is NewServer's: under another server each request
// is its own connection.
func WithSendBudget(perConn, perUser int64) Option {
	return func(h *handler) { h.budget = sendbudget.New(perConn, perUser) }
}

// firstRecord is what a feed's first record is expected to weigh before
// it is encoded: more than any record of the data set (2.5 MB of JSON for
// the 1MiB class), so that a stream's first record cannot overdraw the
// budget, and at most a quarter of the default budget, so that new feeds
// on a busy connection need not wait for it to empty.
const firstRecord = 4 << 20

type queueKey struct{}

// withQueue gives a new connection's context its queue in the send budget.
func withQueue(ctx context.Context) context.Context {
	return context.WithValue(ctx, queueKey{}, sendbudget.NewQueue())
}

// feedBudget is one feed's account in the handler's send budget: a record
// counts from before it is encoded until the write of it has returned (over
// HTTP/1.1 and HTTP/2 alike, net/http's Write returns once the connection
// has taken the bytes, bar a few KiB of buffer).
type feedBudget struct {
	b        *sendbudget.Budget
	q        *sendbudget.Queue
	user     string
	next     int64 // what the next record is expected to weigh
	reserved int64 // counted for the record being sent
}

// feedBudgetOf returns the account of c's feed, or nil if the handler has
// no budget.
func (h *handler) feedBudgetOf(c *gin.Context) *feedBudget {
	if h.budget == nil {
		return nil
	}
	q, ok := c.Request.Context().Value(queueKey{}).(*sendbudget.Queue)
	if !ok {
		q = sendbudget.NewQueue()
	}
	return &feedBudget{b: h.budget, q: q, user: subject(c), next: firstRecord}
}

// reserve waits until the next record fits; release is called first if
// it has to wait, and progress whenever the connection or the user had
// bytes written meanwhile.
func (f *feedBudget) reserve(ctx context.Context, release, progress func()) error {
	if !f.b.TryReserve(f.q, f.user, f.next) {
		release()
		if err := f.b.Reserve(ctx, f.q, f.user, f.next, progress); err != nil {
			return err
		}
	}
	f.reserved = f.next
	return nil
}

// encoded corrects the reservation to the record's real size n.
func (f *feedBudget) encoded(n int64) {
	f.b.Add(f.q, f.user, n-f.reserved)
	f.reserved, f.next = n, n
}

// written uncounts the record: the connection has it (ok), or never will.
func (f *feedBudget) written(ok bool) {
	if ok {
		f.b.Sent(f.q, f.user, f.reserved)
	} else {
		f.b.Add(f.q, f.user, -f.reserved)
	}
	f.reserved = 0
}
