package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	filev1 "restvsgrpc/gen/file/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/internal/variant"
	"restvsgrpc/restsvc/restwire"
)

// Header values, shared read-only by every request.
var (
	hdrJSON     = []string{restwire.ContentTypeJSON}
	hdrProtobuf = []string{restwire.ContentTypeProtobuf}
	hdrOctets   = []string{restwire.ContentTypeOctets}
)

// REST is the client of the rest, rest-proto and rest-h2c variants: one
// *http.Client, JSON or protobuf bodies. Every response body is read to its
// end and closed, so that HTTP/1.1 connections are reused.
type REST struct {
	hc      *http.Client
	ws      *http.Client
	variant string
	proto   bool
	json    jsonlib.Lib
	sse     bool
	onProto func(string)

	base string // scheme://host:port, without a trailing slash

	authz     atomic.Pointer[[]string] // {"Bearer <token>"}, or nil
	lastProto atomic.Pointer[string]
}

// RESTOption configures NewREST.
type RESTOption func(*REST)

// WithProto sends and asks for protobuf bodies (application/x-protobuf):
// the rest-proto variant. Its variant name is "rest-proto" unless
// WithVariant says otherwise.
func WithProto() RESTOption { return func(c *REST) { c.proto = true } }

// WithSSE asks ListTransactions for Server-Sent Events instead of NDJSON
// (JSON mode only).
func WithSSE() RESTOption { return func(c *REST) { c.sse = true } }

// WithJSON encodes requests and decodes answers and feed records with lib
// instead of encoding/json: the client of rest-sonic and rest-go_json.
func WithJSON(lib jsonlib.Lib) RESTOption { return func(c *REST) { c.json = lib } }

// WithVariant sets the name Variant reports, e.g. "rest-h2c".
func WithVariant(name string) RESTOption { return func(c *REST) { c.variant = name } }

// WithWebSocketClient sets the HTTP client of the chat WebSocket handshake,
// which needs HTTP/1.1. By default it is the client given to NewREST, or,
// when that one's transport cannot speak HTTP/1.1 (H2CTransport), a copy of
// its transport speaking HTTP/1.1 only.
func WithWebSocketClient(hc *http.Client) RESTOption { return func(c *REST) { c.ws = hc } }

// WithProtoObserver calls fn with the protocol of every response
// ("HTTP/1.1", "HTTP/2.0"), chat handshakes included.
func WithProtoObserver(fn func(proto string)) RESTOption {
	return func(c *REST) { c.onProto = fn }
}

// H2CTransport returns a transport that speaks only HTTP/2 cleartext with
// prior knowledge: the rest-h2c variant's. Every request multiplexes over
// one connection per host.
func H2CTransport() *http.Transport {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Protocols = &p
	return t
}

// NewREST returns a client of the REST service at baseURL (e.g.
// "http://127.0.0.1:8080") over hc (http.DefaultClient if nil); the
// caller owns hc.
func NewREST(baseURL string, hc *http.Client, opts ...RESTOption) *REST {
	if hc == nil {
		hc = http.DefaultClient
	}
	base := strings.TrimRight(baseURL, "/")
	c := &REST{
		hc:   hc,
		base: base,
		json: jsonlib.Std,
	}
	for _, o := range opts {
		o(c)
	}
	if c.variant == "" {
		c.variant = variant.REST
		if c.proto {
			c.variant = variant.RESTProto
		}
	}
	if c.ws == nil {
		c.ws = http1Client(hc)
	}
	return c
}

// http1Client returns hc, or a copy of it whose transport speaks HTTP/1.1
// when hc's cannot.
func http1Client(hc *http.Client) *http.Client {
	t, ok := hc.Transport.(*http.Transport)
	if !ok || t.Protocols == nil || t.Protocols.HTTP1() {
		return hc
	}
	t = t.Clone()
	var p http.Protocols
	p.SetHTTP1(true)
	t.Protocols = &p
	c := *hc
	c.Transport = t
	return &c
}

// Variant names the variant.
func (c *REST) Variant() string { return c.variant }

// SetToken sets the bearer token of later calls; "" sends none.
func (c *REST) SetToken(token string) {
	if token == "" {
		c.authz.Store(nil)
		return
	}
	c.authz.Store(&[]string{"Bearer " + token})
}

// LastProto returns the protocol of the last response ("HTTP/1.1",
// "HTTP/2.0"), or "" before the first.
func (c *REST) LastProto() string {
	if p := c.lastProto.Load(); p != nil {
		return *p
	}
	return ""
}

func (c *REST) observe(proto string) {
	if p := c.lastProto.Load(); p == nil || *p != proto {
		c.lastProto.Store(&proto)
	}
	if c.onProto != nil {
		c.onProto(proto)
	}
}

// accept is the Accept value of unary answers.
func (c *REST) accept() []string {
	if c.proto {
		return hdrProtobuf
	}
	return hdrJSON
}

// newRequest builds a request with the variant's headers; authed adds the
// bearer token.
func (c *REST) newRequest(ctx context.Context, method, url string, body io.Reader, ctype []string, authed bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	if ctype != nil {
		req.Header["Content-Type"] = ctype
	}
	req.Header["Accept"] = c.accept()
	if authed {
		if v := c.authz.Load(); v != nil {
			req.Header["Authorization"] = *v
		}
	}
	return req, nil
}

// send sends req and returns the response to a 200, its body for the
// caller to read and close; any other status is returned as the
// *core.Error its body names, the body read to its end and closed.
func (c *REST) send(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	c.observe(resp.Proto)
	if resp.StatusCode != http.StatusOK {
		b, err := readAll(resp)
		if err != nil {
			return nil, err
		}
		return nil, restwire.ErrorOf(resp.StatusCode, b)
	}
	return resp, nil
}

// do is send for unary answers: it returns the whole body of a 200, read
// to its end and closed.
func (c *REST) do(req *http.Request) ([]byte, error) {
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	return readAll(resp)
}

// readAll reads a response body of at most restwire.MaxAnswerBytes to its
// end, sized by Content-Length when there is one, and closes it.
func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if n := resp.ContentLength; n > restwire.MaxAnswerBytes {
		return nil, fmt.Errorf("answer of %d bytes, more than %d", n, restwire.MaxAnswerBytes)
	}
	if n := resp.ContentLength; n >= 0 {
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, err
		}
		// Reach EOF so that the connection goes back to the pool.
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return nil, err
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, restwire.MaxAnswerBytes+1))
	if err == nil && len(b) > restwire.MaxAnswerBytes {
		return nil, fmt.Errorf("answer longer than %d bytes", restwire.MaxAnswerBytes)
	}
	return b, err
}

// post sends a unary request body, JSON or protobuf, and returns the
// answer's body.
func (c *REST) post(ctx context.Context, url string, body []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	ctype := hdrJSON
	if c.proto {
		ctype = hdrProtobuf
	}
	req, err := c.newRequest(ctx, http.MethodPost, url, bytes.NewReader(body), ctype, false)
	if err != nil {
		return nil, err
	}
	return c.do(req)
}

// decode decodes an answer into the JSON value j or, for rest-proto, into
// the protobuf message m.
func (c *REST) decode(b []byte, j any, m proto.Message) error {
	if c.proto {
		if err := proto.Unmarshal(b, m); err != nil {
			return fmt.Errorf("decode protobuf answer: %w", err)
		}
		return nil
	}
	if err := c.json.Unmarshal(b, j); err != nil {
		return fmt.Errorf("decode JSON answer: %w", err)
	}
	return nil
}

// ValidateUser calls POST /v1/auth/validate.
func (c *REST) ValidateUser(ctx context.Context, username, password string) (core.UserResult, error) {
	var (
		body []byte
		err  error
		out  core.UserResult
		pb   authv1.ValidateUserResponse
	)
	if c.proto {
		body, err = proto.Marshal(&authv1.ValidateUserRequest{Username: username, Password: password})
	} else {
		body, err = c.json.Marshal(struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}{username, password})
	}
	b, err := c.post(ctx, c.base+restwire.PathValidateUser, body, err)
	if err == nil {
		err = c.decode(b, &out, &pb)
	}
	if err != nil {
		return core.UserResult{}, err
	}
	if c.proto {
		out = protoconv.FromUserResult(&pb)
	}
	return out, nil
}

// ValidateToken calls POST /v1/auth/token/validate.
func (c *REST) ValidateToken(ctx context.Context, token string) (core.TokenResult, error) {
	var (
		body []byte
		err  error
		out  core.TokenResult
		pb   authv1.ValidateTokenResponse
	)
	if c.proto {
		body, err = proto.Marshal(&authv1.ValidateTokenRequest{Token: token})
	} else {
		body, err = c.json.Marshal(struct {
			Token string `json:"token"`
		}{token})
	}
	b, err := c.post(ctx, c.base+restwire.PathValidateToken, body, err)
	if err == nil {
		err = c.decode(b, &out, &pb)
	}
	if err != nil {
		return core.TokenResult{}, err
	}
	if c.proto {
		out = protoconv.FromTokenResult(&pb)
	}
	return out, nil
}

// GetTransaction calls GET /v1/transactions/{id}.
func (c *REST) GetTransaction(ctx context.Context, id string) (*core.Transaction, error) {
	req, err := c.newRequest(ctx, http.MethodGet, c.base+restwire.TransactionPath(id), nil, nil, true)
	if err != nil {
		return nil, err
	}
	b, err := c.do(req)
	if err != nil {
		return nil, err
	}
	if c.proto {
		var m transactionv1.Transaction
		if err := c.decode(b, nil, &m); err != nil {
			return nil, err
		}
		return protoconv.FromTransaction(&m), nil
	}
	t := new(core.Transaction)
	if err := c.decode(b, t, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// ListTransactions calls GET /v1/transactions and decodes the feed
// (NDJSON, SSE or length-delimited protobuf) record by record. An error fn
// returns cancels the call; the connection is then closed, not reused.
func (c *REST) ListTransactions(ctx context.Context, lr core.ListRequest, fn func(*core.Transaction) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodGet, c.base+restwire.ListPath(lr), nil, nil, true)
	if err != nil {
		return err
	}
	feed := c.feed()
	req.Header["Accept"] = []string{feed.ContentType()}
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	fr := restwire.NewFeedReader(feed, resp.Body, func() http.Header { return resp.Trailer })
	var m transactionv1.Transaction
	for {
		b, err := fr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				// The read failed because the caller gave up: say so.
				return ctx.Err()
			}
			return err
		}
		t := new(core.Transaction)
		if c.proto {
			if err := proto.Unmarshal(b, &m); err != nil {
				return fmt.Errorf("decode protobuf record: %w", err)
			}
			t = protoconv.FromTransaction(&m)
		} else if err := c.json.Unmarshal(b, t); err != nil {
			return fmt.Errorf("decode %s record: %w", feed, err)
		}
		if err := fn(t); err != nil {
			return err
		}
	}
}

// feed is the framing the variant asks ListTransactions for.
func (c *REST) feed() restwire.Feed {
	switch {
	case c.proto:
		return restwire.FeedProto
	case c.sse:
		return restwire.FeedSSE
	}
	return restwire.FeedNDJSON
}

// Upload streams r as one chunked request body, read in pieces of at most
// chunkSize bytes (DefaultChunkSize if chunkSize <= 0). The transport may
// regroup them on the wire, and the server counts its own reads as chunks:
// only Bytes and SHA256 compare across variants.
func (c *REST) Upload(ctx context.Context, filename string, r io.Reader, chunkSize int) (core.UploadSummary, error) {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	body := &chunkReader{r: r, size: chunkSize}
	// After Upload returns, the transport may still hold the body; stop it
	// from starting another read of r.
	defer body.Close()
	req, err := c.newRequest(ctx, http.MethodPost, c.base+restwire.UploadPath(filename), body, hdrOctets, true)
	if err != nil {
		return core.UploadSummary{}, err
	}
	req.ContentLength = -1 // chunked
	b, err := c.do(req)
	if err != nil {
		return core.UploadSummary{}, err
	}
	var (
		out core.UploadSummary
		pb  filev1.UploadSummary
	)
	if err := c.decode(b, &out, &pb); err != nil {
		return core.UploadSummary{}, err
	}
	if c.proto {
		out = protoconv.FromUploadSummary(&pb)
	}
	return out, nil
}

// chunkReader reads at most size bytes at a time from r, until closed.
// Close does not wait for a Read in progress (r may block, e.g. a pipe
// whose writer waits for Upload to return), but no Read starts after it.
type chunkReader struct {
	r      io.Reader
	size   int
	closed atomic.Bool
}

var errBodyClosed = errors.New("upload body closed")

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, errBodyClosed
	}
	if len(p) > c.size {
		p = p[:c.size]
	}
	return c.r.Read(p)
}

func (c *chunkReader) Close() error {
	c.closed.Store(true)
	return nil
}

// Chat opens a WebSocket (subprotocol json, or proto for rest-proto) with
// the bearer token on the handshake. The session lives as long as ctx.
func (c *REST) Chat(ctx context.Context) (ChatSession, error) {
	frames, _ := restwire.ChatFramesOf(restwire.SubprotocolJSON)
	if c.proto {
		frames, _ = restwire.ChatFramesOf(restwire.SubprotocolProto)
	}
	sub := frames.Subprotocol()
	hdr := http.Header{}
	if v := c.authz.Load(); v != nil {
		hdr["Authorization"] = *v
	}
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.base, "http")+restwire.PathChat, &websocket.DialOptions{
		HTTPClient:   c.ws,
		HTTPHeader:   hdr,
		Subprotocols: []string{sub},
	})
	if resp != nil {
		c.observe(resp.Proto)
	}
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols && resp.Body != nil {
			b, _ := io.ReadAll(resp.Body)
			return nil, restwire.ErrorOf(resp.StatusCode, b)
		}
		return nil, err
	}
	if got := conn.Subprotocol(); got != sub {
		conn.CloseNow()
		return nil, fmt.Errorf("chat: server chose subprotocol %q, want %q", got, sub)
	}
	conn.SetReadLimit(restwire.MaxChatEvent)
	return &restChat{ctx: ctx, conn: conn, frames: frames}, nil
}

// restChat is a chat session over a WebSocket.
type restChat struct {
	ctx    context.Context
	conn   *websocket.Conn
	frames restwire.ChatFrames

	mu  sync.Mutex // guards err
	err error      // sticky, once the session has ended

	// bytesIn and bytesOut count the frames' payloads.
	bytesIn, bytesOut atomic.Int64
}

func (s *restChat) Send(m core.ChatMessage) error {
	data, err := s.frames.MarshalMessage(m)
	if err != nil {
		return err
	}
	s.bytesOut.Add(int64(len(data)))
	return s.conn.Write(s.ctx, s.frames.Type(), data)
}

func (s *restChat) Recv() (core.ChatEvent, error) {
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return core.ChatEvent{}, err
	}
	// A session whose context has ended delivers nothing more, even an
	// event already read into the connection's buffer.
	if err := s.ctx.Err(); err != nil {
		return core.ChatEvent{}, s.fail(err)
	}
	typ, data, err := s.conn.Read(s.ctx)
	if err != nil {
		return core.ChatEvent{}, s.fail(err)
	}
	s.bytesIn.Add(int64(len(data)))
	if typ != s.frames.Type() {
		return core.ChatEvent{}, s.fail(errors.New("chat: frame type does not match the subprotocol"))
	}
	return s.frames.UnmarshalEvent(data)
}

// fail records the end of the session: io.EOF for a normal close, the
// server's error for another close status, err itself otherwise.
func (s *restChat) fail(err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Code == websocket.StatusNormalClosure {
			err = io.EOF
		} else {
			err = restwire.ChatError(ce.Code, ce.Reason)
		}
	} else if ctxErr := s.ctx.Err(); ctxErr != nil {
		err = ctxErr
	}
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	err = s.err
	s.mu.Unlock()
	return err
}

// CloseSend sends the empty frame that tells the server this member has no
// more messages.
func (s *restChat) CloseSend() error { return s.conn.Write(s.ctx, s.frames.Type(), nil) }

func (s *restChat) Close() error {
	s.conn.CloseNow()
	return nil
}
