package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
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

// listCaller reads one account's feed: NDJSON, SSE, or length-delimited
// protobuf for rest-proto.
type listCaller struct {
	t     *restTarget
	i     int
	url   string
	feed  restwire.Feed
	limit int64
	fr    *restwire.FeedReader
	j     core.Transaction
	m     transactionv1.Transaction
}

func (t *restTarget) newListCaller(i int) *listCaller {
	req := core.ListRequest{AccountID: core.AccountID(i % core.Accounts), Payload: string(t.cfg.Payload), Limit: t.cfg.StreamMsgs}
	f := restwire.FeedNDJSON
	switch {
	case t.isProto:
		f = restwire.FeedProto
	case t.cfg.SSE:
		f = restwire.FeedSSE
	}
	return &listCaller{t: t, i: i, url: t.base + restwire.ListPath(req), feed: f, limit: int64(t.cfg.StreamMsgs),
		fr: restwire.NewFeedReader(f, http.NoBody, nil)}
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
		if err := c.decode(b); err != nil {
			return out, err
		}
		if out.MsgsIn == 0 {
			out.FirstMsg = time.Since(start)
		}
		out.MsgsIn++
	}
	if out.MsgsIn != c.limit {
		return out, core.Errorf(core.CodeInternal, "stream ended after %d of %d records", out.MsgsIn, c.limit)
	}
	return out, nil
}

// decode decodes one record.
func (c *listCaller) decode(b []byte) error {
	var err error
	if c.t.isProto {
		c.m.Reset()
		err = proto.Unmarshal(b, &c.m)
	} else {
		c.j = core.Transaction{}
		err = json.Unmarshal(b, &c.j)
	}
	if err != nil {
		return core.Errorf(core.CodeInternal, "undecodable record: %v", err)
	}
	return nil
}

func (c *listCaller) Close() error { return nil }

// uploadCaller streams one file of StreamMsgs chunks as a chunked body.
type uploadCaller struct {
	t    *restTarget
	i    int
	url  string
	data []byte
	body chunks
	want int64
	sum  filev1.UploadSummary
	buf  bytes.Buffer
}

func (t *restTarget) newUploadCaller(i int) *uploadCaller {
	data := filler(t.cfg.Payload.Bytes())
	return &uploadCaller{
		t: t, i: i, data: data,
		url:  t.base + restwire.UploadPath("load-"+strconv.Itoa(i)+".bin"),
		want: int64(len(data) * t.cfg.StreamMsgs),
	}
}

func (c *uploadCaller) Call(ctx context.Context) (Outcome, error) {
	c.body = chunks{data: c.data, left: c.t.cfg.StreamMsgs}
	// The body has no length, so it goes chunked, one chunk per message.
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
	if _, err := c.buf.ReadFrom(resp.Body); err != nil {
		return out, unavailable(err)
	}
	out.BodyIn = int64(c.buf.Len())
	var got int64
	if c.t.isProto {
		c.sum.Reset()
		if err := proto.Unmarshal(c.buf.Bytes(), &c.sum); err != nil {
			return out, core.Errorf(core.CodeInternal, "undecodable summary: %v", err)
		}
		got = c.sum.GetBytes()
	} else {
		var s core.UploadSummary
		if err := json.Unmarshal(c.buf.Bytes(), &s); err != nil {
			return out, core.Errorf(core.CodeInternal, "undecodable summary: %v", err)
		}
		got = s.Bytes
	}
	if got != c.want {
		return out, core.Errorf(core.CodeInternal, "server received %d bytes of %d", got, c.want)
	}
	return out, nil
}

func (c *uploadCaller) Close() error { return nil }

// chunks reads data left times, one copy per Read at most.
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
	n := copy(p, c.data[c.off:])
	c.off += n
	c.sent += int64(n)
	if c.off == len(c.data) {
		c.off = 0
		c.left--
	}
	return n, nil
}

// wsChat is one worker's WebSocket chat session: each call sends a message
// and waits for its acknowledgement.
type wsChat struct {
	t      *restTarget
	conn   *websocket.Conn
	room   string
	text   string
	seq    uint64
	frames restwire.ChatFrames
	ev     core.ChatEvent
	pev    chatv1.ChatEvent
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
	return &wsChat{t: t, conn: conn, room: t.cfg.Room + "-" + strconv.Itoa(i), text: string(filler(t.cfg.Payload.Bytes())), frames: frames}, nil
}

func (c *wsChat) Call(ctx context.Context) (Outcome, error) {
	c.seq++
	msg := core.ChatMessage{Room: c.room, Seq: c.seq, Text: c.text}
	data, err := c.frames.MarshalMessage(msg)
	if err != nil {
		return Outcome{}, err
	}
	if err := c.conn.Write(ctx, c.frames.Type(), data); err != nil {
		return Outcome{}, c.closed(err)
	}
	out := Outcome{MsgsOut: 1, BodyOut: int64(len(data))}
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			return out, c.closed(err)
		}
		out.BodyIn += int64(len(b))
		out.MsgsIn++
		var kind core.EventKind
		var seq uint64
		if c.t.isProto {
			c.pev.Reset()
			if err := proto.Unmarshal(b, &c.pev); err != nil {
				return out, core.Errorf(core.CodeInternal, "undecodable chat event: %v", err)
			}
			seq = c.pev.GetSeq()
			if c.pev.GetKind() == chatv1.ChatEvent_KIND_ACK {
				kind = core.EventAck
			}
		} else {
			c.ev = core.ChatEvent{}
			if err := json.Unmarshal(b, &c.ev); err != nil {
				return out, core.Errorf(core.CodeInternal, "undecodable chat event: %v", err)
			}
			kind, seq = c.ev.Kind, c.ev.Seq
		}
		if kind == core.EventAck && seq == c.seq {
			return out, nil
		}
	}
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
