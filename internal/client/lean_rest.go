package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/jsonlib"
	"restvsgrpc/internal/variant"
	"restvsgrpc/internal/wirecount"
	"restvsgrpc/restsvc/restwire"
)

// restTarget calls the gin service. In bytes mode, unary calls of rest and
// rest-proto go through fasthttp's HostClient, those of rest-h2c through
// the minimal HTTP/2 client, uploads of rest and rest-proto over raw
// connections (h1Upload), other streams through net/http, chat over a
// WebSocket, none decoding. In decode mode every call goes through REST,
// the client conformance proves.
type restTarget struct {
	cfg     TargetConfig
	base    string // scheme://host:port
	isProto bool
	wire    wirecount.Counter
	token   string
	authz   string // "Bearer <token>", made once
	proto   atomic.Pointer[string]
	or      *oracle
	json    jsonlib.Lib // of requests and unary answers
	dec     []*REST     // decode mode: one per net/http client

	fast *fasthttp.HostClient // unary calls of rest and rest-proto in bytes mode
	// hcs are net/http clients: one for HTTP/1.1 (conns capped by
	// MaxConnsPerHost), one per connection for HTTP/2 (capped to one).
	hcs []*http.Client
	ws  *http.Client // HTTP/1.1, for the WebSocket upgrade
	h2  []*h2Slot    // unary calls of rest-h2c in bytes mode
	up  *h1Pool      // uploads of rest and rest-proto in bytes mode
	// unary is the run's unary calls prepared once, shared by every
	// caller (a copy per caller grew the driver's working set with the
	// callers).
	unary func() (*unarySpec, error)

	// dial dials every connection, counted, over rawIO; a field so that
	// a test can watch the connections' calls.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func newRESTTarget(ctx context.Context, cfg TargetConfig) (*restTarget, error) {
	t := &restTarget{cfg: cfg, isProto: cfg.Variant == variant.RESTProto, base: "http://" + cfg.Addr, json: jsonlib.Std}
	t.unary = sync.OnceValues(t.unarySpec)
	if name := variant.JSON(cfg.Variant); name != "" {
		var err error
		if t.json, err = jsonlib.ByName(name); err != nil {
			return nil, err
		}
	}
	h2 := cfg.Variant == variant.RESTH2C
	var tc *tls.Config
	if cfg.TLS {
		t.base = "https://" + cfg.Addr
		alpn := "http/1.1"
		if h2 {
			alpn = "h2"
		}
		var err error
		if tc, err = cfg.tlsConfig(alpn); err != nil {
			return nil, err
		}
	}
	t.dial = wirecount.DialContext(rawDial, &t.wire)
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) { return t.dial(ctx, network, addr) }
	newTransport := func(h2 bool) *http.Transport {
		tr := &http.Transport{
			DialContext:         dial,
			TLSClientConfig:     tc.Clone(),
			MaxConnsPerHost:     cfg.Conns,
			MaxIdleConnsPerHost: max(cfg.Conns, 4096),
			MaxIdleConns:        0,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
			Protocols:           new(http.Protocols),
		}
		if h2 {
			// One connection per client: a client without one (none
			// yet, or its one lost) dials one per call of a burst, up
			// to this cap, and keeps them (at -conns, 1,555 connections
			// for 10,000 feeds over 40 clients). Calls past the
			// server's stream limit still get a new connection:
			// net/http's StrictMaxConcurrentRequests, which would
			// queue them, stalls for good once more calls wait than
			// the limit (golang/go#70809).
			tr.MaxConnsPerHost = 1
		}
		switch {
		case h2 && cfg.TLS:
			tr.Protocols.SetHTTP2(true)
		case h2:
			tr.Protocols.SetUnencryptedHTTP2(true)
		default:
			tr.Protocols.SetHTTP1(true)
		}
		return tr
	}
	if h2 {
		for range max(cfg.Conns, 1) {
			t.hcs = append(t.hcs, &http.Client{Transport: newTransport(true)})
		}
	} else {
		t.hcs = []*http.Client{{Transport: newTransport(false)}}
	}
	if cfg.RPC == Chat {
		wtc := tc.Clone()
		if wtc != nil {
			wtc.NextProtos = []string{"http/1.1"}
		}
		tr := newTransport(false)
		tr.TLSClientConfig = wtc
		t.ws = &http.Client{Transport: tr}
	}
	if !h2 && cfg.Check == CheckBytes && cfg.RPC.Kind() == "unary" {
		maxConns := cfg.Conns
		if maxConns == 0 {
			maxConns = 1 << 16
		}
		t.fast = &fasthttp.HostClient{
			Addr: cfg.Addr,
			Dial: func(addr string) (net.Conn, error) {
				return dial(context.Background(), "tcp", addr)
			},
			IsTLS:                     cfg.TLS,
			TLSConfig:                 tc.Clone(),
			MaxConns:                  maxConns,
			MaxConnWaitTimeout:        time.Minute, // more workers than -conns wait their turn
			MaxIdemponentCallAttempts: 1,           // a failure is counted, never retried away
			NoDefaultUserAgentHeader:  true,
			ReadBufferSize:            16 << 10,
			MaxResponseBodySize:       restwire.MaxAnswerBytes,
			MaxIdleConnDuration:       time.Minute,
		}
	}
	if !h2 && cfg.Check == CheckBytes && cfg.RPC == Upload {
		t.up = newH1Pool(t, tc)
	}
	login, err := t.login(ctx)
	if err != nil {
		t.Close()
		return nil, err
	}
	if t.or, err = newOracle(cfg.Seed, cfg.User, cfg.Password, login, t.isProto, t.json); err != nil {
		t.Close()
		return nil, err
	}
	// The clients carry the calls but for the lean unary ones and chat's
	// WebSocket.
	if h2 && cfg.RPC != Chat && (cfg.Check == CheckDecode || cfg.RPC.Kind() != "unary") {
		if err := t.openH2(ctx); err != nil {
			t.Close()
			return nil, err
		}
	}
	if cfg.Check == CheckDecode {
		for _, hc := range t.hcs {
			opts := []RESTOption{WithVariant(cfg.Variant), WithProtoObserver(t.observe), WithJSON(t.json)}
			if t.isProto {
				opts = append(opts, WithProto())
			}
			if cfg.SSE {
				opts = append(opts, WithSSE())
			}
			if t.ws != nil {
				opts = append(opts, WithWebSocketClient(t.ws))
			}
			rc := NewREST(t.base, &http.Client{Transport: countingTransport{hc.Transport}}, opts...)
			rc.SetToken(t.token)
			t.dec = append(t.dec, rc)
		}
	}
	if h2 && cfg.Check == CheckBytes && cfg.RPC.Kind() == "unary" {
		for range max(cfg.Conns, 1) {
			c, err := dialH2Slot(ctx, dial, cfg.Addr, tc.Clone())
			if err != nil {
				t.Close()
				return nil, fmt.Errorf("rest-h2c to %s: %w", cfg.Addr, err)
			}
			t.h2 = append(t.h2, c)
		}
	}
	return t, nil
}

// openH2 opens every HTTP/2 client's connection before the callers
// start (the login opened the first's). A connection learns the server's
// stream limit from its SETTINGS; until then net/http assumes 100, and a
// first burst of more calls would get a second connection.
func (t *restTarget) openH2(ctx context.Context) error {
	for _, hc := range t.hcs[1:] {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+restwire.PathHealth, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("rest-h2c to %s: %w", t.cfg.Addr, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("rest-h2c to %s: %s answered %s", t.cfg.Addr, restwire.PathHealth, resp.Status)
		}
		// The connection the calls will take must be HTTP/2 as the
		// login's was, not a fallback to HTTP/1.1.
		if err := t.checkProto(resp.Proto, resp.ProtoMajor, t.httpMajor()); err != nil {
			return err
		}
	}
	return nil
}

// login calls ValidateUser once over net/http, checking the protocol.
func (t *restTarget) login(ctx context.Context) (core.UserResult, error) {
	body, _ := json.Marshal(map[string]string{"username": t.cfg.User, "password": t.cfg.Password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+restwire.PathValidateUser, bytes.NewReader(body))
	if err != nil {
		return core.UserResult{}, err
	}
	req.Header.Set("Content-Type", restwire.ContentTypeJSON)
	resp, err := t.hcs[0].Do(req)
	if err != nil {
		if isRefused(err) {
			return core.UserResult{}, loginError(t.cfg, err)
		}
		if t.cfg.Variant == variant.RESTH2C && !t.cfg.TLS {
			return core.UserResult{}, fmt.Errorf("the server at %s does not answer HTTP/2 cleartext (is it a REST server started with -h2c?): %v", t.cfg.Addr, err)
		}
		return core.UserResult{}, fmt.Errorf("login to the %s server at %s: %v (is it the REST address?)", t.cfg.Variant, t.cfg.Addr, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return core.UserResult{}, fmt.Errorf("login: %w", err)
	}
	if err := t.checkProto(resp.Proto, resp.ProtoMajor, t.httpMajor()); err != nil {
		return core.UserResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return core.UserResult{}, fmt.Errorf("login to the %s server at %s: %w", t.cfg.Variant, t.cfg.Addr, httpError(resp.StatusCode, b))
	}
	var res core.UserResult
	if err := json.Unmarshal(b, &res); err != nil {
		return core.UserResult{}, fmt.Errorf("login: %s answered %q, not the auth service's JSON: %v", t.cfg.Addr, restwire.Excerpt(b), err)
	}
	if !res.IsValid {
		return core.UserResult{}, loginRefused(t.cfg, res.Message)
	}
	t.token, t.authz = res.Token, "Bearer "+res.Token
	return res, nil
}

// checkProto records the negotiated protocol and fails when its major
// version is not want.
func (t *restTarget) checkProto(proto string, major, want int) error {
	if t.proto.Load() == nil {
		p := proto
		if t.cfg.TLS {
			p += " over TLS"
		}
		t.proto.Store(&p)
	}
	if major != want {
		return fmt.Errorf("wrong protocol negotiated with %s: %s, want HTTP/%d for %s", t.cfg.Addr, proto, want, t.cfg.Variant)
	}
	return nil
}

// httpMajor is the HTTP version the variant's requests must use.
func (t *restTarget) httpMajor() int {
	if t.cfg.Variant == variant.RESTH2C {
		return 2
	}
	return 1
}

func (t *restTarget) Protocol() string {
	if p := t.proto.Load(); p != nil {
		if t.cfg.RPC == Chat {
			return "HTTP/1.1 WebSocket"
		}
		return *p
	}
	return ""
}

func (t *restTarget) Counters() Counters {
	return Counters{WireIn: t.wire.Read(), WireOut: t.wire.Written(), Conns: t.wire.Conns()}
}

func (t *restTarget) Close() error {
	if t.fast != nil {
		t.fast.CloseIdleConnections()
	}
	for _, c := range t.h2 {
		c.Close()
	}
	if t.up != nil {
		t.up.close()
	}
	for _, hc := range append(t.hcs, t.ws) {
		if hc != nil {
			hc.CloseIdleConnections()
		}
	}
	return nil
}

// observe records the protocol of a decode-mode answer. The transports
// speak only the variant's protocol, and the login checked it.
func (t *restTarget) observe(proto string) {
	if t.proto.Load() == nil {
		_ = t.checkProto(proto, 0, 0)
	}
}

func (t *restTarget) NewCaller(ctx context.Context, i int) (Caller, error) {
	if t.cfg.Check == CheckDecode {
		return newDecodeCaller(ctx, t.dec[i%len(t.dec)], t.cfg, t.or, t.token, i)
	}
	switch t.cfg.RPC.Kind() {
	case "unary":
		spec, err := t.unary()
		if err != nil {
			return nil, err
		}
		if t.fast != nil {
			return t.newFastCaller(spec, i), nil
		}
		return t.newH2Caller(spec, t.h2[i%len(t.h2)], i), nil
	case "server-stream":
		return t.newListCaller(i)
	case "client-stream":
		return t.newUploadCaller(i), nil
	}
	return t.newChatCaller(ctx, i)
}

// unarySpec is a unary call of the bytes mode prepared once: its method,
// paths (cycled through, one per transaction id) and the same as URLs,
// body, and the answer each path must get.
type unarySpec struct {
	rpc         RPC
	method      string
	paths       []string
	urls        [][]byte
	body        []byte
	contentType string
	want        []*expect
}

func (t *restTarget) unarySpec() (*unarySpec, error) {
	s, err := t.newUnarySpec()
	for _, p := range s.paths {
		s.urls = append(s.urls, []byte(t.base+p))
	}
	return &s, err
}

func (t *restTarget) newUnarySpec() (unarySpec, error) {
	s := unarySpec{rpc: t.cfg.RPC, method: http.MethodPost, contentType: restwire.ContentTypeJSON}
	if t.isProto {
		s.contentType = restwire.ContentTypeProtobuf
	}
	marshal := func(j any, m proto.Message) ([]byte, error) {
		if t.isProto {
			return proto.Marshal(m)
		}
		return t.json.Marshal(j)
	}
	var err error
	switch t.cfg.RPC {
	case ValidateToken:
		s.paths = []string{restwire.PathValidateToken}
		s.body, err = marshal(map[string]string{"token": t.token}, &authv1.ValidateTokenRequest{Token: t.token})
		s.want = []*expect{t.or.tokenExpect()}
	case ValidateUser:
		s.paths = []string{restwire.PathValidateUser}
		s.body, err = marshal(map[string]string{"username": t.cfg.User, "password": t.cfg.Password},
			&authv1.ValidateUserRequest{Username: t.cfg.User, Password: t.cfg.Password})
		s.want = []*expect{t.or.userExpect()}
	case GetTransaction:
		s.method, s.contentType = http.MethodGet, ""
		c, err := t.or.class(t.cfg.Payload)
		if err != nil {
			return s, err
		}
		s.want = c.want
		for _, id := range c.ids {
			s.paths = append(s.paths, restwire.TransactionPath(id))
		}
	}
	return s, err
}

// check compares the answer to path k with what it must be.
func (s *unarySpec) check(body []byte, k int) error {
	if err := s.want[k].match(body, 0); err != nil {
		return fmt.Errorf("%s %s: %w", s.rpc, s.paths[k], err)
	}
	return nil
}

// fastCaller is a unary call over fasthttp with its request prepared once.
type fastCaller struct {
	t    *restTarget
	spec *unarySpec
	k    int
	req  fasthttp.Request
	resp fasthttp.Response
}

func (t *restTarget) newFastCaller(spec *unarySpec, i int) *fastCaller {
	c := &fastCaller{t: t, spec: spec, k: i}
	c.req.Header.SetMethod(spec.method)
	c.req.SetRequestURIBytes(spec.urls[0])
	if spec.contentType != "" {
		c.req.Header.SetContentType(spec.contentType)
	}
	if t.isProto {
		c.req.Header.Set("Accept", restwire.ContentTypeProtobuf)
	}
	if t.token != "" {
		c.req.Header.Set("Authorization", t.authz)
	}
	if spec.body != nil {
		c.req.SetBody(spec.body)
	}
	return c
}

func (c *fastCaller) Call(ctx context.Context) (Outcome, error) {
	k := 0
	if urls := c.spec.urls; len(urls) > 1 {
		c.k = (c.k + 1) % len(urls)
		k = c.k
		c.req.SetRequestURIBytes(urls[k])
	}
	if err := c.t.fast.Do(&c.req, &c.resp); err != nil {
		return Outcome{}, unavailable(err)
	}
	body := c.resp.Body()
	out := Outcome{BodyOut: int64(len(c.spec.body)), BodyIn: int64(len(body))}
	if code := c.resp.StatusCode(); code != http.StatusOK {
		return out, httpError(code, body)
	}
	return out, c.spec.check(body, k)
}

func (c *fastCaller) Close() error { return nil }

// httpError turns a REST error answer into a core error
// (restwire.ErrorOf).
func httpError(status int, body []byte) error { return restwire.ErrorOf(status, body) }

// h2Caller is a unary call over the lean HTTP/2 client.
type h2Caller struct {
	t      *restTarget
	c      *h2Slot
	spec   *unarySpec
	fields []hpack.HeaderField
	k      int
	s      *h2Stream
}

func (t *restTarget) newH2Caller(spec *unarySpec, c *h2Slot, i int) *h2Caller {
	h := &h2Caller{t: t, c: c, spec: spec, k: i, s: &h2Stream{finished: make(chan struct{}, 1)}}
	if spec.contentType != "" {
		h.fields = append(h.fields, hpack.HeaderField{Name: "content-type", Value: spec.contentType})
	}
	if t.token != "" {
		h.fields = append(h.fields, hpack.HeaderField{Name: "authorization", Value: t.authz, Sensitive: true})
	}
	if spec.body != nil {
		h.fields = append(h.fields, hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(spec.body))})
	}
	return h
}

func (h *h2Caller) Call(ctx context.Context) (Outcome, error) {
	k := 0
	if paths := h.spec.paths; len(paths) > 1 {
		h.k = (h.k + 1) % len(paths)
		k = h.k
	}
	if err := h.c.call(ctx, h.s, h.spec.method, h.t.cfg.Addr, h.spec.paths[k], h.fields, h.spec.body); err != nil {
		if ctx.Err() != nil {
			// The stream may still be answered into h.s: use another.
			h.s = &h2Stream{finished: make(chan struct{}, 1)}
		}
		return Outcome{}, unavailable(err)
	}
	out := Outcome{BodyOut: int64(len(h.spec.body)), BodyIn: int64(len(h.s.body))}
	if h.s.status != http.StatusOK {
		return out, httpError(h.s.status, h.s.body)
	}
	return out, h.spec.check(h.s.body, k)
}

func (h *h2Caller) Close() error { return nil }
