package restsvc

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// DefaultStallTimeout is how long a stream may make no progress before it
// is cut: a feed whose client stopped reading, an upload whose client
// stopped sending, a chat frame its client does not take.
const DefaultStallTimeout = 30 * time.Second

// WithStallTimeout sets how long a feed's write, a chat frame's write or
// an upload's read may make no progress, and how long a chat message begun
// may take to arrive whole, before the request is cut
// (default DefaultStallTimeout; 0 or less keeps the default). An upload
// then fails, a feed ends, a chat's WebSocket is closed; over HTTP/1.1 the
// connection is closed, over HTTP/2 the stream is reset.
func WithStallTimeout(d time.Duration) Option {
	return func(h *handler) {
		if d > 0 {
			h.stall = d
		}
	}
}

// progress moves a read or write deadline stall ahead as a stream makes
// progress. Moving it costs a timer update (over HTTP/2 a message to the
// connection's goroutine), so it is moved at most every stall/4: a stream
// is cut after between 3/4 of stall and stall without progress.
type progress struct {
	set   func(time.Time) error
	stall time.Duration
	last  time.Time // when the deadline was last moved; zero: not set
}

// readProgress and writeProgress return the deadline of c's request body
// and of its response.
func readProgress(c *gin.Context, stall time.Duration) *progress {
	return &progress{set: http.NewResponseController(c.Writer).SetReadDeadline, stall: stall}
}

func writeProgress(c *gin.Context, stall time.Duration) *progress {
	return &progress{set: http.NewResponseController(c.Writer).SetWriteDeadline, stall: stall}
}

// touch is called before each read or write: it moves the deadline if it
// is due.
func (p *progress) touch() {
	now := time.Now()
	if !p.last.IsZero() && now.Sub(p.last) < p.stall/4 {
		return
	}
	p.last = now
	_ = p.set(now.Add(p.stall)) // ErrNotSupported: a server without deadlines
}

// expired reports whether the deadline set last has passed: over HTTP/1.1
// a write would now fail, though nothing cancels the request.
func (p *progress) expired() bool {
	return !p.last.IsZero() && time.Since(p.last) >= p.stall
}

// clear removes the deadline, for the idle time of a paced stream (over
// HTTP/2 a deadline passing resets the stream, writing or not).
func (p *progress) clear() {
	p.last = time.Time{}
	_ = p.set(time.Time{})
}
