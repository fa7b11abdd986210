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
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"restvsgrpc/restsvc/restwire"
)

// h1Upload is a REST upload over HTTP/1.1 with its whole request, headers
// and chunked body, encoded once and written in one call, as wrk writes
// it: net/http flushed every chunk, a system call per chunk on both sides,
// and fasthttp's chunked writer flushes each chunk too. One chunk per
// message, as net/http framed them when a message fit its copy buffer.
type h1Upload struct {
	t       *restTarget
	req     []byte
	head    int // bytes of req before the body
	frame   int // bytes of one framed chunk
	msgs    int
	payload int
	resp    fasthttp.Response
}

func newH1Upload(t *restTarget, path string, data []byte, msgs int) *h1Upload {
	var b bytes.Buffer
	b.WriteString("POST " + path + " HTTP/1.1\r\nHost: " + t.cfg.Addr + "\r\n")
	b.WriteString("User-Agent: Go-http-client/1.1\r\nTransfer-Encoding: chunked\r\n")
	if t.isProto {
		b.WriteString("Accept: " + restwire.ContentTypeProtobuf + "\r\n")
	}
	b.WriteString("Authorization: " + t.authz + "\r\nContent-Type: " + restwire.ContentTypeOctets + "\r\n\r\n")
	u := &h1Upload{t: t, head: b.Len(), msgs: msgs, payload: len(data)}
	for range msgs {
		start := b.Len()
		b.WriteString(strconv.FormatInt(int64(len(data)), 16) + "\r\n")
		b.Write(data)
		b.WriteString("\r\n")
		u.frame = b.Len() - start
	}
	b.WriteString("0\r\n\r\n")
	u.req = b.Bytes()
	return u
}

// call uploads once and returns the answer's body, valid until the next
// call. A kept-alive connection the server has closed meanwhile is
// replaced once, as net/http does.
func (u *h1Upload) call(ctx context.Context) (Outcome, []byte, error) {
	for retried := false; ; retried = true {
		c, err := u.t.up.get(ctx)
		if err != nil {
			return Outcome{}, nil, unavailable(err)
		}
		out, reuse, stale, err := u.roundTrip(ctx, c)
		u.t.up.put(c, reuse)
		if stale && !retried {
			continue
		}
		if err != nil {
			return out, nil, err
		}
		body := u.resp.Body()
		out.BodyIn = int64(len(body))
		return out, body, nil
	}
}

// roundTrip writes the request on c and reads the answer into u.resp;
// stale says that a reused connection was closed before answering.
func (u *h1Upload) roundTrip(ctx context.Context, c *h1Conn) (out Outcome, reuse, stale bool, err error) {
	stop := context.AfterFunc(ctx, c.expire)
	defer func() {
		if !stop() {
			reuse = false // the deadline is set: the connection is spent
		}
	}()
	n, werr := c.Write(u.req)
	if n == len(u.req) {
		out.MsgsOut, out.BodyOut = int64(u.msgs), int64(u.msgs*u.payload)
	} else if k := (n - u.head) / max(u.frame, 1); k > 0 {
		out.MsgsOut, out.BodyOut = int64(k), int64(k*u.payload)
	}
	// After a failed write, the server may still have answered (an
	// early error); net/http reads that answer too.
	if err := u.resp.ReadLimitBody(c.br, restwire.MaxAnswerBytes); err != nil {
		if ctx.Err() != nil {
			return out, false, false, ctx.Err()
		}
		if c.used && (errors.Is(err, io.EOF) || werr != nil) {
			return out, false, true, unavailable(err)
		}
		if werr != nil {
			err = werr
		}
		return out, false, false, unavailable(err)
	}
	c.used = true
	// The protocol the server answered with, recorded as it is.
	p, major := string(u.resp.Header.Protocol()), 0
	if strings.HasPrefix(p, "HTTP/1.") {
		major = 1
	}
	if err := u.t.checkProto(p, major, 1); err != nil {
		return out, false, false, err
	}
	if code := u.resp.StatusCode(); code != http.StatusOK {
		return out, false, false, httpError(code, u.resp.Body())
	}
	return out, werr == nil && !u.resp.ConnectionClose(), false, nil
}

// h1Pool lends raw HTTP/1.1 connections to the upload callers, at most
// cfg.Conns at once when set (as MaxConnsPerHost caps net/http's) and
// keeping the idle ones for the next call.
type h1Pool struct {
	t      *restTarget
	tls    *tls.Config
	sem    chan struct{} // nil: no cap
	mu     sync.Mutex
	idle   []*h1Conn
	closed bool
}

type h1Conn struct {
	net.Conn
	br     *bufio.Reader
	used   bool   // it has carried a call: the server may have closed it since
	expire func() // ends the call in flight, bound once
}

func newH1Pool(t *restTarget, tc *tls.Config) *h1Pool {
	p := &h1Pool{t: t, tls: tc}
	if t.cfg.Conns > 0 {
		p.sem = make(chan struct{}, t.cfg.Conns)
	}
	return p
}

func (p *h1Pool) get(ctx context.Context) (*h1Conn, error) {
	if p.sem != nil {
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	conn, err := p.dial(ctx)
	if err != nil {
		p.release()
		return nil, err
	}
	c := &h1Conn{Conn: conn, br: bufio.NewReaderSize(conn, 16<<10)}
	c.expire = func() { c.SetDeadline(time.Unix(1, 0)) }
	return c, nil
}

func (p *h1Pool) dial(ctx context.Context) (net.Conn, error) {
	raw, err := p.t.dial(ctx, "tcp", p.t.cfg.Addr)
	if err != nil || p.tls == nil {
		return raw, err
	}
	tc := tls.Client(raw, p.tls.Clone())
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	if np := tc.ConnectionState().NegotiatedProtocol; np != "" && np != "http/1.1" {
		raw.Close()
		return nil, fmt.Errorf("wrong protocol negotiated with %s: ALPN %q, want http/1.1", p.t.cfg.Addr, np)
	}
	return tc, nil
}

// put gives c back, kept for reuse or closed.
func (p *h1Pool) put(c *h1Conn, reuse bool) {
	p.mu.Lock()
	if reuse && !p.closed {
		p.idle = append(p.idle, c)
		c = nil
	}
	p.mu.Unlock()
	if c != nil {
		c.Close()
	}
	p.release()
}

func (p *h1Pool) release() {
	if p.sem != nil {
		<-p.sem
	}
}

func (p *h1Pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}
