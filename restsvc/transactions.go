package restsvc

import (
	"context"
	"net/http"
	"os"
	"time"

	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/restsvc/restwire"

	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/proto"
)

func (h *handler) getTransaction(c *gin.Context) {
	t, err := h.svc.GetTransaction(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	h.reply(c, t, func() proto.Message { return protoconv.Transaction(t) })
}

// listTransactions streams an account's feed, flushed per record, as
// NDJSON, SSE or length-delimited protobuf by the Accept header. The status
// and headers are written with the first record, so that an error the core
// finds in the request is still a plain error answer.
func (h *handler) listTransactions(c *gin.Context) {
	req, err := restwire.ParseListQuery(c.Request.URL.Query())
	if err != nil {
		fail(c, err)
		return
	}
	s := newStream(c, h.stall, req.Interval)
	s.budget = h.feedBudgetOf(c)
	err = h.svc.ListTransactions(c.Request.Context(), req, s.send)
	switch {
	case err == nil:
		s.start() // an empty feed is still a 200
	case !s.started:
		fail(c, err)
	case c.Request.Context().Err() == nil:
		s.end(err)
	}
}

// stream writes one feed. It is used by one goroutine.
type stream struct {
	ctx      context.Context
	w        gin.ResponseWriter
	feed     restwire.Feed
	enc      *restwire.FeedEncoder
	started  bool
	deadline *progress   // of each write
	paced    bool        // records come slower than the deadline moves
	budget   *feedBudget // nil: none
}

// newStream starts a feed's stream. A feed may run longer than the
// server's unary timeout: its read deadline is cleared (over HTTP/1.1 the
// server's wait for the next request would otherwise cancel the feed at
// it), and its writes get a deadline of stall instead.
func newStream(c *gin.Context, stall, interval time.Duration) *stream {
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Time{})
	f := restwire.FeedOf(c.Request.Header.Get("Accept"))
	return &stream{ctx: c.Request.Context(), w: c.Writer, feed: f, enc: restwire.NewFeedEncoder(f), deadline: writeProgress(c, stall), paced: interval >= stall/4}
}

func (s *stream) start() {
	if s.started {
		return
	}
	s.started = true
	hd := s.w.Header()
	hd.Set("Content-Type", s.feed.ContentType())
	if s.feed == restwire.FeedSSE {
		hd.Set("Cache-Control", "no-cache")
	}
	s.w.WriteHeader(http.StatusOK)
	s.w.WriteHeaderNow()
}

// send writes one record and flushes it.
// A feed waiting for send budget is under the write deadline too: it is
// cut when neither its connection nor its user had bytes written for the
// stall timeout.
func (s *stream) send(t *core.Transaction) (err error) {
	s.start()
	s.deadline.touch()
	if s.budget != nil {
		if err := s.budget.reserve(s.ctx, s.enc.Release, s.deadline.touch); err != nil {
			return err
		}
		defer func() { s.budget.written(err == nil) }()
		if s.deadline.expired() {
			// Stalled while it waited: encoding the record would be wasted.
			return os.ErrDeadlineExceeded
		}
	}
	b, err := s.enc.Record(t)
	if err != nil {
		return err
	}
	if s.budget != nil {
		s.budget.encoded(int64(len(b)))
	}
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	s.w.Flush()
	if s.paced {
		s.deadline.clear()
	}
	return nil
}

// end closes a started stream with a last record naming err.
func (s *stream) end(err error) {
	b := s.enc.ErrorRecord(err)
	if b == nil {
		restwire.SetErrorTrailer(s.w.Header(), err)
		return
	}
	_, _ = s.w.Write(b)
	s.w.Flush()
}
