package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Conn is a minimal HTTP/2 client connection for unary calls, as lean
// as h2load: calls put their HEADERS and DATA frames in a buffer that a
// flusher goroutine writes once the calls ready to go have all added
// theirs, so that one write carries many calls. net/http's HTTP/2
// client flushes headers and body separately, two syscalls per call, and
// costs about three times the CPU; it is what the decode mode uses.
//
// It speaks h2c with prior knowledge, or h2 over TLS. It supports what
// unary calls need: request bodies below the peer's initial stream window,
// response bodies of any size (its windows are 16 MiB and replenished),
// SETTINGS, PING, WINDOW_UPDATE, RST_STREAM and GOAWAY. After a GOAWAY
// it takes no new streams, lets those the server kept finish and closes;
// an h2Slot dials its successor.
type h2Conn struct {
	conn net.Conn
	addr string

	mu      sync.Mutex // guards the write side below and sendWin
	cond    *sync.Cond // signalled when sendWin grows or the conn fails
	bw      *bufio.Writer
	fr      *http2.Framer
	henc    *hpack.Encoder
	hbuf    bytes.Buffer
	nextID  uint32
	sendWin int64 // the peer's connection-level window for our DATA
	flush   chan struct{}

	sem chan struct{} // bounds streams by the peer's MAX_CONCURRENT_STREAMS

	smu         sync.Mutex // guards the fields up to done
	streams     map[uint32]*h2Stream
	connUnacked int64         // DATA bytes read since the last connection WINDOW_UPDATE
	err         error         // sticky: the connection failed
	draining    bool          // a GOAWAY came: no new streams
	awayErr     error         // why the connection takes no new streams
	away        chan struct{} // closed once it takes no new streams
	done        chan struct{} // closed once it failed

	scheme string // "http" or "https"
}

// h2Stream is one call's answer, filled by the read loop.
type h2Stream struct {
	status   int
	declared int64 // the answer's content-length, -1 when it has none
	// grpcStatus and grpcMessage are the gRPC status of the answer's
	// headers or trailers; grpcStatus is -1 when it carried none.
	grpcStatus  int
	grpcMessage string
	body        []byte
	unacked     int64
	err         error
	finished    chan struct{}
}

const (
	h2Window      = 16 << 20 // our initial stream window, and conn window
	h2WindowSlack = 4 << 20  // window consumed before a WINDOW_UPDATE
)

// dialH2 opens the connection, exchanges SETTINGS and starts the read
// loop. With tc, it negotiates h2 over TLS and fails if the server picks
// anything else.
func dialH2(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), addr string, tc *tls.Config) (*h2Conn, error) {
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := raw
	if tc != nil {
		tlsConn := tls.Client(raw, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		if p := tlsConn.ConnectionState().NegotiatedProtocol; p != "h2" {
			raw.Close()
			return nil, fmt.Errorf("wrong protocol negotiated with %s: ALPN %q, want h2", addr, p)
		}
		conn = tlsConn
	}
	c := &h2Conn{
		conn:    conn,
		bw:      bufio.NewWriterSize(conn, 64<<10),
		nextID:  1,
		sendWin: 65535,
		addr:    addr,
		streams: map[uint32]*h2Stream{},
		away:    make(chan struct{}),
		done:    make(chan struct{}),
		flush:   make(chan struct{}, 1),
		scheme:  "http",
	}
	if tc != nil {
		c.scheme = "https"
	}
	c.cond = sync.NewCond(&c.mu)
	c.fr = http2.NewFramer(c.bw, bufio.NewReaderSize(conn, 64<<10))
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 1 << 20
	c.henc = hpack.NewEncoder(&c.hbuf)

	// Preface and SETTINGS, then read until the server's SETTINGS.
	if _, err := io.WriteString(c.bw, http2.ClientPreface); err != nil {
		conn.Close()
		return nil, err
	}
	c.fr.WriteSettings(
		http2.Setting{ID: http2.SettingEnablePush, Val: 0},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: h2Window},
		http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20},
	)
	c.fr.WriteWindowUpdate(0, h2Window-65535)
	if err := c.bw.Flush(); err != nil {
		conn.Close()
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetReadDeadline(dl)
	}
	f, err := c.fr.ReadFrame()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("no HTTP/2 answer from %s: %w", addr, err)
	}
	sf, ok := f.(*http2.SettingsFrame)
	if !ok || sf.IsAck() {
		conn.Close()
		return nil, fmt.Errorf("no HTTP/2 SETTINGS from %s", addr)
	}
	maxStreams := uint32(100)
	if v, ok := sf.Value(http2.SettingMaxConcurrentStreams); ok {
		maxStreams = v
	}
	c.sem = make(chan struct{}, max(1, min(maxStreams, 1<<16)))
	if v, ok := sf.Value(http2.SettingInitialWindowSize); ok && v < 1<<10 {
		conn.Close()
		return nil, fmt.Errorf("server's initial window %d is too small", v)
	}
	c.fr.WriteSettingsAck()
	if err := c.bw.Flush(); err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetReadDeadline(time.Time{})
	go c.readLoop()
	go c.flusher()
	return c, nil
}

// unsentError is a call's failure before the server processed its
// stream: the connection took no new streams any more, or the server's
// GOAWAY left the stream out. It is safe to send again elsewhere.
type unsentError struct{ err error }

func (e *unsentError) Error() string { return e.err.Error() + "; the call was not processed" }
func (e *unsentError) Unwrap() error { return e.err }

// open reports whether c takes new streams.
func (c *h2Conn) open() bool {
	select {
	case <-c.away:
		return false
	default:
		return true
	}
}

// call sends one request and waits for its answer into s, whose body
// buffer is reused; fields are the headers after the pseudo-headers,
// content-length included when there is a body. It returns an
// *unsentError if the server did not process the call.
func (c *h2Conn) call(ctx context.Context, s *h2Stream, method, authority, path string, fields []hpack.HeaderField, body []byte) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.away:
		return c.unsent()
	}
	defer func() { <-c.sem }()

	s.status, s.declared, s.body, s.unacked, s.err = 0, -1, s.body[:0], 0, nil
	s.grpcStatus, s.grpcMessage = -1, ""
	c.mu.Lock()
	id := c.nextID
	c.nextID += 2
	c.smu.Lock()
	if c.err != nil || c.draining {
		c.smu.Unlock()
		c.mu.Unlock()
		return c.unsent()
	}
	c.streams[id] = s
	c.smu.Unlock()
	c.hbuf.Reset()
	c.henc.WriteField(hpack.HeaderField{Name: ":method", Value: method})
	c.henc.WriteField(hpack.HeaderField{Name: ":scheme", Value: c.scheme})
	c.henc.WriteField(hpack.HeaderField{Name: ":authority", Value: authority})
	c.henc.WriteField(hpack.HeaderField{Name: ":path", Value: path})
	for _, f := range fields {
		c.henc.WriteField(f)
	}
	err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndStream: body == nil, EndHeaders: true})
	if err == nil && body != nil {
		for c.sendWin < int64(len(body)) && c.failure() == nil {
			c.cond.Wait()
		}
		c.sendWin -= int64(len(body))
		err = c.fr.WriteData(id, true, body)
	}
	c.mu.Unlock()
	if err != nil {
		c.lost(err)
		return c.failure()
	}
	select {
	case c.flush <- struct{}{}:
	default: // a flush is due already and will carry these frames
	}
	select {
	case <-s.finished:
		return s.err
	case <-ctx.Done():
		// The stream stays registered until the server ends it; s
		// must not be reused, so the caller drops it.
		return ctx.Err()
	}
}

// readLoop reads frames until the connection fails.
func (c *h2Conn) readLoop() {
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			c.lost(err)
			return
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			s := c.stream(f.StreamID)
			if s == nil {
				continue
			}
			if st := f.PseudoValue("status"); st != "" {
				s.status, _ = strconv.Atoi(st)
				s.declared = contentLength(f.RegularFields())
			}
			grpcStatus(s, f.RegularFields())
			if f.StreamEnded() {
				c.finish(f.StreamID, nil)
			}
		case *http2.DataFrame:
			s := c.stream(f.StreamID)
			n := int64(f.Length) // flow control counts padding too
			if s != nil {
				s.body = append(s.body, f.Data()...)
				s.unacked += n
			}
			c.consumed(f.StreamID, s, n, f.StreamEnded())
			if f.StreamEnded() {
				c.finish(f.StreamID, nil)
			}
		case *http2.RSTStreamFrame:
			c.finish(f.StreamID, fmt.Errorf("stream reset by the server: %v", f.ErrCode))
		case *http2.SettingsFrame:
			if !f.IsAck() {
				c.write(func() error { return c.fr.WriteSettingsAck() })
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				c.write(func() error { return c.fr.WritePing(true, f.Data) })
			}
		case *http2.WindowUpdateFrame:
			if f.StreamID == 0 {
				c.mu.Lock()
				c.sendWin += int64(f.Increment)
				c.cond.Broadcast()
				c.mu.Unlock()
			}
		case *http2.GoAwayFrame:
			c.goAway(f.LastStreamID, f.ErrCode)
		}
	}
}

// flusher writes out what calls have buffered. Woken by the first call
// after a flush, it runs after the calls already runnable, which add their
// frames in the meantime.
func (c *h2Conn) flusher() {
	for {
		select {
		case <-c.done:
			return
		case <-c.flush:
		}
		// Woken by a channel send, the flusher would run next; yielding
		// lets the calls already runnable add their frames first.
		runtime.Gosched()
		c.mu.Lock()
		err := c.bw.Flush()
		c.mu.Unlock()
		if err != nil {
			c.lost(err)
			return
		}
	}
}

// consumed returns flow-control credit for n bytes of DATA.
func (c *h2Conn) consumed(id uint32, s *h2Stream, n int64, ended bool) {
	if n == 0 {
		return
	}
	// One connection window for all streams: replenish it in big steps.
	var conn, stream uint32
	c.smu.Lock()
	c.connUnacked += n
	if c.connUnacked >= h2WindowSlack {
		conn, c.connUnacked = uint32(c.connUnacked), 0
	}
	c.smu.Unlock()
	if s != nil && !ended && s.unacked >= h2WindowSlack {
		stream, s.unacked = uint32(s.unacked), 0
	}
	if conn > 0 || stream > 0 {
		c.write(func() error {
			if conn > 0 {
				if err := c.fr.WriteWindowUpdate(0, conn); err != nil {
					return err
				}
			}
			if stream > 0 {
				return c.fr.WriteWindowUpdate(id, stream)
			}
			return nil
		})
	}
}

// write writes control frames and flushes.
func (c *h2Conn) write(f func() error) {
	c.mu.Lock()
	err := f()
	if err == nil {
		err = c.bw.Flush()
	}
	c.mu.Unlock()
	if err != nil {
		c.lost(err)
	}
}

// contentLength returns the value of the content-length field, or -1.
func contentLength(fields []hpack.HeaderField) int64 {
	for _, f := range fields {
		if f.Name == "content-length" {
			if n, err := strconv.ParseInt(f.Value, 10, 64); err == nil && n >= 0 {
				return n
			}
		}
	}
	return -1
}

// grpcStatus records the gRPC status of headers or trailers in s.
func grpcStatus(s *h2Stream, fields []hpack.HeaderField) {
	for _, f := range fields {
		switch f.Name {
		case "grpc-status":
			if n, err := strconv.Atoi(f.Value); err == nil && n >= 0 {
				s.grpcStatus = n
			}
		case "grpc-message":
			s.grpcMessage = f.Value
		}
	}
}

func (c *h2Conn) stream(id uint32) *h2Stream {
	c.smu.Lock()
	defer c.smu.Unlock()
	return c.streams[id]
}

// finish ends a stream with err (nil for a complete answer). An answer
// whose DATA falls short of its content-length was cut short (a proxy
// whose backend died mid-answer ends the stream so), a transport failure
// like a reset, not an answer to decode (RFC 9113, section 8.1.1).
func (c *h2Conn) finish(id uint32, err error) {
	c.smu.Lock()
	s := c.streams[id]
	delete(c.streams, id)
	drained := c.draining && len(c.streams) == 0
	c.smu.Unlock()
	if s != nil {
		if err == nil && s.declared >= 0 && int64(len(s.body)) != s.declared {
			err = fmt.Errorf("answer cut short: its content-length announced %d bytes, the stream ended after %d", s.declared, len(s.body))
		}
		s.err = err
		s.finished <- struct{}{}
	}
	if drained {
		c.fail(c.awayErr)
	}
}

// goAway takes no new streams after the server's GOAWAY, and ends those
// it left out (above last) as unsent; the others may still finish.
// Without streams left, the connection closes.
func (c *h2Conn) goAway(last uint32, code http2.ErrCode) {
	c.smu.Lock()
	if c.err != nil {
		c.smu.Unlock()
		return
	}
	if !c.draining {
		c.draining = true
		c.awayErr = fmt.Errorf("the server at %s sent GOAWAY (%v)", c.addr, code)
		close(c.away)
	}
	var left []*h2Stream
	for id, s := range c.streams {
		if id > last {
			delete(c.streams, id)
			left = append(left, s)
		}
	}
	drained := len(c.streams) == 0
	c.smu.Unlock()
	for _, s := range left {
		s.err = &unsentError{c.awayErr}
		s.finished <- struct{}{}
	}
	if drained {
		c.fail(c.awayErr)
	}
}

// lost fails the connection after a read or write error.
func (c *h2Conn) lost(err error) {
	c.fail(fmt.Errorf("HTTP/2 connection to %s lost: %w", c.addr, err))
}

// fail ends the connection and every stream on it with err.
func (c *h2Conn) fail(err error) {
	c.smu.Lock()
	if c.err != nil {
		c.smu.Unlock()
		return
	}
	c.err = err
	if !c.draining {
		c.awayErr = err
		close(c.away)
	}
	streams := c.streams
	c.streams = map[uint32]*h2Stream{}
	close(c.done)
	c.smu.Unlock()
	c.conn.Close()
	for _, s := range streams {
		s.err = err
		s.finished <- struct{}{}
	}
	c.mu.Lock()
	c.cond.Broadcast()
	c.mu.Unlock()
}

// unsent is the error of a call that found c taking no new streams.
func (c *h2Conn) unsent() error {
	c.smu.Lock()
	defer c.smu.Unlock()
	return &unsentError{c.awayErr}
}

func (c *h2Conn) failure() error {
	c.smu.Lock()
	defer c.smu.Unlock()
	return c.err
}

func (c *h2Conn) Close() error {
	c.fail(errors.New("connection closed"))
	return nil
}
