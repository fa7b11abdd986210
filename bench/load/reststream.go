package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
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

// listCaller reads one account's feed: NDJSON, or length-delimited
// protobuf for rest-proto.
type listCaller struct {
	t     *restTarget
	i     int
	url   string
	limit int64
	br    *bufio.Reader
	cr    countingReader
	j     core.Transaction
	m     transactionv1.Transaction
	line  []byte
}

func (t *restTarget) newListCaller(i int) *listCaller {
	q := url.Values{
		"account": {core.AccountID(i % core.Accounts)},
		"payload": {string(t.cfg.Payload)},
		"limit":   {strconv.Itoa(t.cfg.StreamMsgs)},
	}
	c := &listCaller{t: t, i: i, url: t.base + "/v1/transactions?" + q.Encode(), limit: int64(t.cfg.StreamMsgs)}
	c.br = bufio.NewReaderSize(&c.cr, 64<<10)
	return c
}

func (c *listCaller) Call(ctx context.Context) (out Outcome, err error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return Outcome{}, err
	}
	accept := mediaNDJSON
	switch {
	case c.t.isProto:
		accept = mediaProto
	case c.t.cfg.SSE:
		accept = restsvc.ContentTypeSSE
	}
	req.Header.Set("Accept", accept)
	resp, err := c.t.do(req, c.i)
	if err != nil {
		return Outcome{}, err
	}
	defer resp.Body.Close()
	c.cr.r, c.cr.n = resp.Body, 0
	c.br.Reset(&c.cr)
	defer func() { out.BodyIn = c.cr.n }()
	for {
		err := c.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		if out.MsgsIn == 0 {
			out.FirstMsg = time.Since(start)
		}
		out.MsgsIn++
	}
	if c.t.isProto {
		if code := resp.Trailer.Get("X-Error-Code"); code != "" {
			return out, &core.Error{Code: core.ParseCode(code), Message: resp.Trailer.Get("X-Error-Message")}
		}
	}
	if out.MsgsIn != c.limit {
		return out, core.Errorf(core.CodeInternal, "stream ended after %d of %d records", out.MsgsIn, c.limit)
	}
	return out, nil
}

// next decodes the next record; io.EOF at the stream's clean end.
func (c *listCaller) next() error {
	if c.t.isProto {
		c.m.Reset()
		err := protodelim.UnmarshalOptions{MaxSize: grpcMaxMsg}.UnmarshalFrom(c.br, &c.m)
		if err == io.EOF {
			return err
		}
		if err != nil {
			return unavailable(err)
		}
		return nil
	}
	if c.t.cfg.SSE {
		return c.nextEvent()
	}
	if err := c.readLine(); err != nil {
		return err
	}
	if bytes.HasPrefix(c.line, []byte(`{"error"`)) {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(c.line, &e) == nil {
			return &core.Error{Code: core.ParseCode(e.Error.Code), Message: e.Error.Message}
		}
	}
	c.j = core.Transaction{}
	if err := json.Unmarshal(c.line, &c.j); err != nil {
		return core.Errorf(core.CodeInternal, "undecodable record: %v", err)
	}
	return nil
}

// readLine reads the next line, "\n" included, into c.line; io.EOF at the
// end of the body.
func (c *listCaller) readLine() error {
	c.line = c.line[:0]
	for {
		chunk, err := c.br.ReadSlice('\n')
		c.line = append(c.line, chunk...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(c.line) == 0:
			return io.EOF
		case err != nil:
			return unavailable(err)
		}
		return nil
	}
}

// nextEvent decodes the next server-sent event: "event: transaction" and
// one "data:" line of JSON, then a blank line; "event: error" carries
// {"code","message"}.
func (c *listCaller) nextEvent() error {
	event := ""
	var data []byte
	for {
		if err := c.readLine(); err != nil {
			if err == io.EOF && (event != "" || data != nil) {
				return core.Errorf(core.CodeInternal, "feed ended inside an event")
			}
			return err
		}
		line := bytes.TrimRight(c.line, "\r\n")
		switch {
		case len(line) == 0:
			if event == "" && data == nil {
				continue
			}
			if event == "error" {
				var e struct{ Code, Message string }
				if err := json.Unmarshal(data, &e); err != nil {
					return core.Errorf(core.CodeInternal, "undecodable error event: %v", err)
				}
				return &core.Error{Code: core.ParseCode(e.Code), Message: e.Message}
			}
			c.j = core.Transaction{}
			if err := json.Unmarshal(data, &c.j); err != nil {
				return core.Errorf(core.CodeInternal, "undecodable event: %v", err)
			}
			return nil
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(bytes.TrimSpace(line[len("event:"):]))
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data, bytes.TrimPrefix(line[len("data:"):], []byte(" "))...)
		}
	}
}

func (c *listCaller) Close() error { return nil }

// countingReader counts what passes through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

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
	data := filler(payloadBytes(t.cfg.Payload))
	return &uploadCaller{
		t: t, i: i, data: data,
		url:  t.base + "/v1/files?filename=load-" + strconv.Itoa(i) + ".bin",
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
	req.Header.Set("Content-Type", "application/octet-stream")
	if c.t.isProto {
		req.Header.Set("Accept", mediaProto)
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
	t    *restTarget
	conn *websocket.Conn
	room string
	text string
	seq  uint64
	typ  websocket.MessageType
	ev   core.ChatEvent
	pev  chatv1.ChatEvent
}

func (t *restTarget) newChatCaller(ctx context.Context, i int) (*wsChat, error) {
	u := "ws" + strings.TrimPrefix(t.base, "http") + "/v1/chat"
	sub := restsvc.SubprotocolJSON
	typ := websocket.MessageText
	if t.isProto {
		sub, typ = restsvc.SubprotocolProto, websocket.MessageBinary
	}
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
	conn.SetReadLimit(grpcMaxMsg)
	return &wsChat{t: t, conn: conn, room: t.cfg.Room + "-" + strconv.Itoa(i), text: string(filler(payloadBytes(t.cfg.Payload))), typ: typ}, nil
}

func (c *wsChat) Call(ctx context.Context) (Outcome, error) {
	c.seq++
	msg := core.ChatMessage{Room: c.room, Seq: c.seq, Text: c.text}
	var data []byte
	var err error
	if c.t.isProto {
		data, err = proto.Marshal(&chatv1.ChatMessage{Room: msg.Room, Seq: msg.Seq, Text: msg.Text})
	} else {
		data, err = json.Marshal(msg)
	}
	if err != nil {
		return Outcome{}, err
	}
	if err := c.conn.Write(ctx, c.typ, data); err != nil {
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
			return restsvc.ChatError(st, ce.Reason)
		}
	}
	return unavailable(err)
}

func (c *wsChat) Close() error { return c.conn.Close(websocket.StatusNormalClosure, "") }
