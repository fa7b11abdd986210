package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2/hpack"
)

// h2Slot is one of a target's lean HTTP/2 connections, and whichever
// replaces it: a connection lost, or told by GOAWAY to take no new
// streams, is replaced by one dial that every caller of the slot waits
// for (as grpc-go's and net/http's clients redial), through the same
// counting dialer. A call the server did not process (GOAWAY left its
// stream out) is sent again on the next connection; one in flight when
// the connection broke fails, and is counted so.
type h2Slot struct {
	addr string
	dial func(context.Context) (*h2Conn, error)
	cur  atomic.Pointer[h2Conn]

	mu      sync.Mutex
	next    *h2Dial       // the dial under way, if any
	old     []*h2Conn     // replaced after a GOAWAY, finishing their streams
	backoff time.Duration // before the next dial, after a failed one
	closed  bool
	ctx     context.Context // ends a dial under way at Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// h2Dial is one redial, awaited by the callers that found the slot's
// connection gone.
type h2Dial struct {
	done chan struct{}
	err  error
}

const (
	h2DialTimeout = 10 * time.Second
	// A failed dial waits h2BackoffMin before the next, doubling up to
	// h2BackoffMax: a server that is down is not dialled in a loop.
	h2BackoffMin = 10 * time.Millisecond
	h2BackoffMax = time.Second
	// h2Resends bounds how often one call goes to a new connection
	// after the server left it unprocessed.
	h2Resends = 3
)

var errSlotClosed = errors.New("connection closed")

// dialH2Slot dials the slot's first connection: a target that cannot
// reach its server fails at once, with the dial's error.
func dialH2Slot(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), addr string, tc *tls.Config) (*h2Slot, error) {
	s := &h2Slot{addr: addr, dial: func(ctx context.Context) (*h2Conn, error) { return dialH2(ctx, dial, addr, tc) }}
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	s.cur.Store(c)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// call makes one call over the slot's connection, as h2Conn.call does.
func (s *h2Slot) call(ctx context.Context, st *h2Stream, method, authority, path string, fields []hpack.HeaderField, body []byte) error {
	for try := 0; ; try++ {
		c, err := s.conn(ctx)
		if err != nil {
			return err
		}
		err = c.call(ctx, st, method, authority, path, fields, body)
		if _, unsent := err.(*unsentError); !unsent || try == h2Resends {
			return err
		}
	}
}

// conn returns the slot's connection if it takes new streams, else waits
// for the one dial that replaces it, or for ctx.
func (s *h2Slot) conn(ctx context.Context) (*h2Conn, error) {
	for {
		if c := s.cur.Load(); c.open() {
			return c, nil
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, errSlotClosed
		}
		if c := s.cur.Load(); c.open() {
			s.mu.Unlock()
			return c, nil
		}
		d := s.next
		if d == nil {
			d = &h2Dial{done: make(chan struct{})}
			s.next = d
			s.wg.Add(1)
			go s.redial(d, s.backoff)
		}
		s.mu.Unlock()
		select {
		case <-d.done:
			if d.err != nil {
				return nil, d.err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// redial dials the slot's next connection after waiting out the backoff,
// and wakes the callers waiting on d.
func (s *h2Slot) redial(d *h2Dial, backoff time.Duration) {
	defer s.wg.Done()
	var c *h2Conn
	err := sleep(s.ctx, backoff)
	if err == nil {
		ctx, cancel := context.WithTimeout(s.ctx, h2DialTimeout)
		c, err = s.dial(ctx)
		cancel()
	}
	s.mu.Lock()
	switch {
	case err != nil:
		s.backoff = min(max(2*s.backoff, h2BackoffMin), h2BackoffMax)
		err = fmt.Errorf("redial %s: %w", s.addr, err)
	case s.closed:
		c.Close()
		err = errSlotClosed
	default:
		s.backoff = 0
		old := s.cur.Swap(c)
		s.old = append(slices.DeleteFunc(s.old, func(c *h2Conn) bool { return c.failure() != nil }), old)
	}
	d.err = err
	s.next = nil
	s.mu.Unlock()
	close(d.done)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes the slot's connections and ends a dial under way.
func (s *h2Slot) Close() error {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
	for _, c := range append(s.old, s.cur.Load()) {
		c.Close()
	}
	return nil
}
