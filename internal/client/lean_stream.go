package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc/restwire"
)

// do makes a request over worker i's net/http client and checks the
// protocol and status; the caller closes the body of a 200.
func (t *restTarget) do(req *http.Request, i int) (*http.Response, error) {
	req.Header.Set("Authorization", t.authz)
	resp, err := t.hcs[i%len(t.hcs)].Do(req)
	if err != nil {
		return nil, unavailable(err)
	}
	if err := t.checkProto(resp.Proto, resp.ProtoMajor, t.httpMajor()); err != nil {
		resp.Body.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, httpError(resp.StatusCode, b)
	}
	return resp, nil
}

// listCaller reads one account's feed (NDJSON, SSE, or length-delimited
// protobuf for rest-proto) and compares each record with the data set's.
type listCaller struct {
	t    *restTarget
	i    int
	url  string
	feed restwire.Feed
	fr   *restwire.FeedReader
	want []*expect
}

func (t *restTarget) newListCaller(i int) (*listCaller, error) {
	req := feedRequest(t.cfg, i)
	f := restwire.FeedNDJSON
	switch {
	case t.isProto:
		f = restwire.FeedProto
	case t.cfg.SSE:
		f = restwire.FeedSSE
	}
	want, err := t.or.feedExpect(req)
	if err != nil {
		return nil, err
	}
	return &listCaller{t: t, i: i, url: t.base + restwire.ListPath(req), feed: f, want: want,
		fr: restwire.NewFeedReader(f, http.NoBody, nil)}, nil
}

func (c *listCaller) Call(ctx context.Context) (out Outcome, err error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return Outcome{}, err
	}
	req.Header.Set("Accept", c.feed.ContentType())
	resp, err := c.t.do(req, c.i)
	if err != nil {
		return Outcome{}, err
	}
	defer resp.Body.Close()
	c.fr.Reset(resp.Body, func() http.Header { return resp.Trailer })
	defer func() { out.BodyIn = c.fr.Offset }()
	for {
		b, err := c.fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, unavailable(err)
		}
		n := out.MsgsIn
		if n >= int64(len(c.want)) {
			return out, core.Errorf(core.CodeInternal, "ListTransactions sent more than %d records", len(c.want))
		}
		if err := c.want[n].match(b, 0); err != nil {
			return out, fmt.Errorf("ListTransactions record %d: %w", n, err)
		}
		if out.MsgsIn == 0 {
			out.FirstMsg = time.Since(start)
		}
		out.MsgsIn++
	}
	if out.MsgsIn != int64(len(c.want)) {
		return out, core.Errorf(core.CodeInternal, "stream ended after %d of %d records", out.MsgsIn, len(c.want))
	}
	return out, nil
}

func (c *listCaller) Close() error { return nil }

// uploadCaller streams one file of StreamMsgs chunks as a chunked body,
// each chunk the same bytes, made once. Over HTTP/2 it goes through
// net/http; over HTTP/1.1 the request is encoded once and written whole
// over a raw connection (h1Upload).
type uploadCaller struct {
	t    *restTarget
	i    int
	url  string
	data []byte
	body chunks
	want *expect
	buf  bytes.Buffer
	h1   *h1Upload
}

func (t *restTarget) newUploadCaller(i int) *uploadCaller {
	name, data := uploadFile(t.cfg, i)
	c := &uploadCaller{
		t: t, i: i, data: data,
		url:  t.base + restwire.UploadPath(name),
		want: t.or.uploadExpect(name, data, t.cfg.StreamMsgs, -1), // the server counts its reads as chunks
	}
	if t.up != nil {
		c.h1 = newH1Upload(t, restwire.UploadPath(name), data, t.cfg.StreamMsgs)
	}
	return c
}

func (c *uploadCaller) Call(ctx context.Context) (Outcome, error) {
	if c.h1 != nil {
		out, body, err := c.h1.call(ctx)
		if err != nil {
			return out, err
		}
		if err := c.want.match(body, 0); err != nil {
			return out, fmt.Errorf("Upload: %w", err)
		}
		return out, nil
	}
	c.body = chunks{data: c.data, left: c.t.cfg.StreamMsgs}
	// The body has no length, so it goes chunked.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, io.NopCloser(&c.body))
	if err != nil {
		return Outcome{}, err
	}
	req.Header.Set("Content-Type", restwire.ContentTypeOctets)
	if c.t.isProto {
		req.Header.Set("Accept", restwire.ContentTypeProtobuf)
	}
	resp, err := c.t.do(req, c.i)
	out := Outcome{MsgsOut: int64(c.t.cfg.StreamMsgs - c.body.left), BodyOut: c.body.sent}
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	c.buf.Reset()
	if _, err := c.buf.ReadFrom(io.LimitReader(resp.Body, restwire.MaxAnswerBytes)); err != nil {
		return out, unavailable(err)
	}
	out.BodyIn = int64(c.buf.Len())
	if err := c.want.match(c.buf.Bytes(), 0); err != nil {
		return out, fmt.Errorf("Upload: %w", err)
	}
	return out, nil
}

func (c *uploadCaller) Close() error { return nil }

// chunks reads data left times, filling each Read with as many copies as
// fit: net/http's HTTP/2 client sends and flushes a DATA frame per Read.
type chunks struct {
	data []byte
	off  int
	left int
	sent int64
}

func (c *chunks) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for c.left > 0 && n < len(p) {
		m := copy(p[n:], c.data[c.off:])
		n += m
		c.off += m
		if c.off == len(c.data) {
			c.off = 0
			c.left--
		}
	}
	c.sent += int64(n)
	return n, nil
}

// wsChat is one worker's WebSocket chat session: each call sends a message
// and waits for its acknowledgement, comparing the frames' bytes.
type wsChat struct {
	t      *restTarget
	conn   *websocket.Conn
	frames restwire.ChatFrames
	msg    chatMessage
	ack    *expect
	seq    uint64
	out    []byte
	in     bytes.Buffer
}

func (t *restTarget) newChatCaller(ctx context.Context, i int) (*wsChat, error) {
	u := "ws" + strings.TrimPrefix(t.base, "http") + restwire.PathChat
	sub := restwire.SubprotocolJSON
	if t.isProto {
		sub = restwire.SubprotocolProto
	}
	frames, _ := restwire.ChatFramesOf(sub)
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient:   t.ws,
		HTTPHeader:   http.Header{"Authorization": {t.authz}},
		Subprotocols: []string{sub},
	})
	if err != nil {
		return nil, fmt.Errorf("chat: %w", unavailable(err))
	}
	if conn.Subprotocol() != sub {
		conn.CloseNow()
		return nil, fmt.Errorf("chat: the server chose subprotocol %q, want %q", conn.Subprotocol(), sub)
	}
	if err := t.checkProto(resp.Proto, resp.ProtoMajor, 1); err != nil {
		conn.CloseNow()
		return nil, err
	}
	conn.SetReadLimit(restwire.MaxChatEvent)
	room := chatRoom(t.cfg, i)
	return &wsChat{t: t, conn: conn, frames: frames,
		msg: t.or.chatMessage(room, string(filler(t.cfg.Payload.Bytes()))), ack: t.or.ackExpect(room)}, nil
}

func (c *wsChat) Call(ctx context.Context) (Outcome, error) {
	c.seq++
	c.out = c.msg.append(c.out[:0], c.seq, c.t.isProto)
	if err := c.conn.Write(ctx, c.frames.Type(), c.out); err != nil {
		return Outcome{}, c.closed(err)
	}
	out := Outcome{MsgsOut: 1, BodyOut: int64(len(c.out))}
	typ, r, err := c.conn.Reader(ctx)
	if err != nil {
		return out, c.closed(err)
	}
	c.in.Reset()
	if _, err := c.in.ReadFrom(r); err != nil {
		return out, c.closed(err)
	}
	out.BodyIn, out.MsgsIn = int64(c.in.Len()), 1
	if typ != c.frames.Type() {
		return out, core.Errorf(core.CodeInternal, "Chat seq %d: a %v frame, want %v", c.seq, typ, c.frames.Type())
	}
	// Alone in its room, the member gets its acknowledgement and nothing
	// else.
	if err := c.ack.match(c.in.Bytes(), c.seq); err != nil {
		return out, fmt.Errorf("Chat seq %d: %w", c.seq, err)
	}
	return out, nil
}

// closed explains a failed read or write: the server's close reason names
// a core error.
func (c *wsChat) closed(err error) error {
	if st := websocket.CloseStatus(err); st != -1 {
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return restwire.ChatError(st, ce.Reason)
		}
	}
	return unavailable(err)
}

func (c *wsChat) Close() error { return c.conn.Close(websocket.StatusNormalClosure, "") }
