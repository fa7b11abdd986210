package restsvc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
	"restvsgrpc/restsvc/restwire"
)

// The framings OpenAPI 3.1 has no decoder for, decoded as the description
// says: a feed as the array of its records, an SSE event as {"event",
// "data"}, a protobuf body as the string of its bytes (checked against its
// message by checkProto).
func init() {
	openapi3filter.RegisterBodyDecoder(restwire.ContentTypeNDJSON, decodeNDJSON)
	openapi3filter.RegisterBodyDecoder(restwire.ContentTypeSSE, decodeSSE)
	openapi3filter.RegisterBodyDecoder(restwire.ContentTypeProtobuf, openapi3filter.FileBodyDecoder)
}

func decodeNDJSON(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	records := []any{}
	sc := bufio.NewScanner(body)
	sc.Buffer(nil, restwire.MaxAnswerBytes)
	for sc.Scan() {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("NDJSON line %d: %w", len(records)+1, err)
		}
		records = append(records, v)
	}
	return records, sc.Err()
}

func decodeSSE(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	events := []any{}
	for block := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n\n"), "\n\n") {
		if block == "" {
			continue
		}
		ev := map[string]any{}
		var data []string
		for line := range strings.SplitSeq(block, "\n") {
			field, value, ok := strings.Cut(line, ": ")
			switch {
			case !ok:
				return nil, fmt.Errorf("SSE line %q: want field: value", line)
			case field == "event":
				ev["event"] = value
			case field == "data":
				data = append(data, value)
			default:
				return nil, fmt.Errorf("SSE field %q: the contract sends only event and data", field)
			}
		}
		var v any
		if err := json.Unmarshal([]byte(strings.Join(data, "\n")), &v); err != nil {
			return nil, fmt.Errorf("SSE data: %w", err)
		}
		ev["data"] = v
		events = append(events, ev)
	}
	return events, nil
}

// exchange is one request to the running server and what it must answer.
type exchange struct {
	name   string
	method string
	path   string
	header http.Header
	body   []byte
	// chunked sends body with chunked transfer encoding.
	chunked bool
	status  int
	// rejected: the description rejects the request as the server does.
	rejected bool
}

// described loads openapi.yaml for the server at url, checks that it is a
// valid OpenAPI document, and returns it with a router over it.
func described(t *testing.T, url string) (*openapi3.T, routers.Router) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(restsvc.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.yaml is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	doc.Servers = openapi3.Servers{{URL: url}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// bearerPresent is the description's side of the bearer scheme: a request
// must carry a token; whether it is good is the server's to say.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if core.BearerToken(in.RequestValidationInput.Request.Header.Get("Authorization")) == "" {
		return errors.New("no bearer token")
	}
	return nil
}

// TestOpenAPI sends real requests to the running server and validates each
// request and each answer against openapi.yaml with kin-openapi's
// openapi3filter: every route, media type, and error answer the server
// can be made to give, so that the description cannot drift from the code.
// A request the server rejects as malformed the description must reject
// too. It fails when a route the server serves is not described, or a
// documented answer has no exchange here.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	f := start(t, withCore(core.WithMaxUpload(1<<20)))
	doc, router := described(t, f.url)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)

	login, err := f.svc.ValidateUser(t.Context(), "", user, password)
	if err != nil {
		t.Fatal(err)
	}
	// Drain one username's login bucket, so that its next login is a 429.
	for range core.DefaultLoginLimits().PerUser.Burst {
		if _, err := f.svc.ValidateUser(t.Context(), "", "limited", "x"); err != nil {
			t.Fatal(err)
		}
	}
	h := func(kv ...string) http.Header {
		hd := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			hd.Add(kv[i], kv[i+1])
		}
		return hd
	}
	jsonBody := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	protoBody := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const (
		auth     = "Authorization"
		ctype    = "Content-Type"
		accept   = "Accept"
		pb       = restwire.ContentTypeProtobuf
		js       = restwire.ContentTypeJSON
		badToken = "Bearer not-a-token"
	)
	good := "Bearer " + login.Token
	tx := restwire.TransactionPath(core.TransactionID(core.Payload1KiB, 7))
	feed := restwire.ListPath(core.ListRequest{AccountID: core.AccountID(3), Payload: string(core.Payload100B), Limit: 5})
	creds := jsonBody(map[string]string{"username": user, "password": password})
	upload := bytes.Repeat([]byte("0123456789abcdef"), 8<<10) // 128 KiB
	// ws is an upgrade request's header, with the values kv sets.
	ws := func(kv ...string) http.Header {
		hd := h("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13",
			"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", auth, good)
		for i := 0; i < len(kv); i += 2 {
			hd.Set(kv[i], kv[i+1])
		}
		return hd
	}

	exchanges := []exchange{
		{name: "health", method: "GET", path: restwire.PathHealth, status: 200},
		{name: "openapi", method: "GET", path: restsvc.PathOpenAPI, status: 200},

		{name: "login", method: "POST", path: restwire.PathValidateUser, header: h(ctype, js), body: creds, status: 200},
		{name: "login wrong password", method: "POST", path: restwire.PathValidateUser, header: h(ctype, js),
			body: jsonBody(map[string]string{"username": user, "password": "wrong"}), status: 200},
		{name: "login protobuf", method: "POST", path: restwire.PathValidateUser, header: h(ctype, pb, accept, pb),
			body: protoBody(&authv1.ValidateUserRequest{Username: user, Password: password}), status: 200},
		{name: "login malformed JSON", method: "POST", path: restwire.PathValidateUser, header: h(ctype, js),
			body: []byte(`{"username":`), status: 400, rejected: true},
		{name: "login mistyped field", method: "POST", path: restwire.PathValidateUser, header: h(ctype, js),
			body: []byte(`{"username":1,"password":"x"}`), status: 400, rejected: true},
		{name: "login malformed protobuf", method: "POST", path: restwire.PathValidateUser, header: h(ctype, pb),
			body: []byte{0xff, 0xff, 0xff}, status: 400},
		{name: "login unsupported media type", method: "POST", path: restwire.PathValidateUser, header: h(ctype, "text/plain"),
			body: []byte("alice"), status: 415, rejected: true},
		{name: "login over the limits", method: "POST", path: restwire.PathValidateUser, header: h(ctype, js),
			body: jsonBody(map[string]string{"username": "limited", "password": "x"}), status: 429},
		{name: "login too large", method: "POST", path: restwire.PathValidateUser, header: h(ctype, js),
			body: jsonBody(map[string]string{"username": strings.Repeat("a", restwire.DefaultMaxBodyBytes), "password": ""}), status: 413},

		{name: "token", method: "POST", path: restwire.PathValidateToken, header: h(ctype, js),
			body: jsonBody(map[string]string{"token": login.Token}), status: 200},
		{name: "token bad", method: "POST", path: restwire.PathValidateToken, header: h(ctype, js),
			body: jsonBody(map[string]string{"token": "not-a-token"}), status: 200},
		{name: "token protobuf", method: "POST", path: restwire.PathValidateToken, header: h(ctype, pb, accept, pb),
			body: protoBody(&authv1.ValidateTokenRequest{Token: login.Token}), status: 200},
		{name: "token malformed JSON", method: "POST", path: restwire.PathValidateToken, header: h(ctype, js),
			body: []byte(`[`), status: 400, rejected: true},
		{name: "token unsupported media type", method: "POST", path: restwire.PathValidateToken, header: h(ctype, "text/xml"),
			body: []byte("<token/>"), status: 415, rejected: true},
		{name: "token too large", method: "POST", path: restwire.PathValidateToken, header: h(ctype, js),
			body: jsonBody(map[string]string{"token": strings.Repeat("t", restwire.DefaultMaxBodyBytes)}), status: 413},

		{name: "record", method: "GET", path: tx, header: h(auth, good), status: 200},
		{name: "record protobuf", method: "GET", path: tx, header: h(auth, good, accept, pb), status: 200},
		{name: "record no token", method: "GET", path: tx, status: 401, rejected: true},
		{name: "record bad token", method: "GET", path: tx, header: h(auth, badToken), status: 401},
		{name: "record unknown id", method: "GET", path: restwire.TransactionPath("tx-nope"), header: h(auth, good), status: 404},
		{name: "record malformed id", method: "GET", path: restwire.TransactionPath(strings.Repeat("x", 300)), header: h(auth, good), status: 400},

		{name: "feed NDJSON", method: "GET", path: feed, header: h(auth, good), status: 200},
		{name: "feed SSE", method: "GET", path: feed, header: h(auth, good, accept, restwire.ContentTypeSSE), status: 200},
		{name: "feed protobuf", method: "GET", path: feed, header: h(auth, good, accept, pb), status: 200},
		{name: "feed no token", method: "GET", path: feed, status: 401, rejected: true},
		{name: "feed bad token", method: "GET", path: feed, header: h(auth, badToken), status: 401},
		{name: "feed bad limit", method: "GET", path: restwire.PathTransactions + "?account=acct-0003&limit=many", header: h(auth, good), status: 400, rejected: true},
		{name: "feed no account", method: "GET", path: restwire.PathTransactions + "?limit=3", header: h(auth, good), status: 400, rejected: true},
		{name: "feed unknown account", method: "GET", path: restwire.ListPath(core.ListRequest{AccountID: "acct-nope"}), header: h(auth, good), status: 404},

		{name: "upload", method: "POST", path: restwire.UploadPath("a.bin"), header: h(auth, good, ctype, restwire.ContentTypeOctets),
			body: upload, chunked: true, status: 200},
		{name: "upload protobuf answer", method: "POST", path: restwire.UploadPath("b.bin"), header: h(auth, good, ctype, restwire.ContentTypeOctets, accept, pb),
			body: upload, status: 200},
		{name: "upload no token", method: "POST", path: restwire.UploadPath("c.bin"), header: h(ctype, restwire.ContentTypeOctets),
			body: upload, status: 401, rejected: true},
		{name: "upload bad filename", method: "POST", path: restwire.UploadPath("../x"), header: h(auth, good, ctype, restwire.ContentTypeOctets),
			body: upload, status: 400},
		{name: "upload no filename", method: "POST", path: restwire.PathFiles, header: h(auth, good, ctype, restwire.ContentTypeOctets),
			body: upload, status: 400, rejected: true},
		{name: "upload too large", method: "POST", path: restwire.UploadPath("big.bin"), header: h(auth, good, ctype, restwire.ContentTypeOctets),
			body: bytes.Repeat(upload, 9), chunked: true, status: 413},

		{name: "chat no token", method: "GET", path: restwire.PathChat, header: func() http.Header { hd := ws(); hd.Del(auth); return hd }(), status: 401, rejected: true},
		{name: "chat bad token", method: "GET", path: restwire.PathChat, header: ws(auth, badToken), status: 401},
		{name: "chat no upgrade", method: "GET", path: restwire.PathChat, header: h(auth, good), status: 426, rejected: true},
		{name: "chat bad version", method: "GET", path: restwire.PathChat,
			header: ws("Sec-WebSocket-Version", "8"), status: 400, rejected: true},
	}

	covered := map[string]bool{} // "METHOD /path/template STATUS"
	for _, ex := range exchanges {
		t.Run(ex.name, func(t *testing.T) {
			route, status := check(t, hc, doc, router, f.url, ex)
			covered[route+" "+strconv.Itoa(status)] = true
		})
	}
	t.Run("chat session", func(t *testing.T) {
		covered[chatSession(t, doc, router, f.url, good)] = true
	})

	t.Run("every route described", func(t *testing.T) {
		engine, ok := restsvc.NewHandler(f.svc).(*gin.Engine)
		if !ok {
			t.Fatal("restsvc.NewHandler no longer returns a *gin.Engine: list its routes another way")
		}
		for _, r := range engine.Routes() {
			path := r.Path
			if i := strings.Index(path, "/:"); i >= 0 {
				path = path[:i] + "/{" + path[i+2:] + "}"
			}
			if doc.Paths.Find(path) == nil || doc.Paths.Find(path).GetOperation(r.Method) == nil {
				t.Errorf("the server serves %s %s; openapi.yaml does not describe it", r.Method, path)
			}
		}
	})

	t.Run("every documented answer exchanged", func(t *testing.T) {
		// Answers no request from outside can bring about.
		untriggerable := map[string]string{
			"499": "the client that went away never reads it",
			"500": "a server fault",
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				for status := range op.Responses.Map() {
					key := method + " " + path + " " + status
					if !covered[key] && untriggerable[status] == "" {
						t.Errorf("openapi.yaml documents %s; no exchange of this test brings it about", key)
					}
				}
			}
		}
	})

	t.Run("not described", func(t *testing.T) {
		for _, ex := range []exchange{
			{method: "GET", path: "/v1/nope", status: 404},
			{method: "DELETE", path: restwire.PathValidateUser, status: 405},
		} {
			req := newRequest(t, f.url, ex)
			if _, _, err := router.FindRoute(req); err == nil {
				t.Errorf("%s %s: openapi.yaml describes it; the server serves no such route", ex.method, ex.path)
			}
			resp, body := send(t, hc, req)
			if resp.StatusCode != ex.status {
				t.Fatalf("%s %s: status %d, want %d", ex.method, ex.path, resp.StatusCode, ex.status)
			}
			// The description says these are Error bodies too.
			visit(t, doc, "Error", body)
		}
	})
}

// check sends ex and validates the request and its answer, returning the
// described route ("METHOD /template") and the answer's status.
func check(t *testing.T, hc *http.Client, doc *openapi3.T, router routers.Router, base string, ex exchange) (string, int) {
	t.Helper()
	req := newRequest(t, base, ex)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("openapi.yaml has no route for %s %s: %v", ex.method, ex.path, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: newRequest(t, base, ex), PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerPresent},
	}
	err = openapi3filter.ValidateRequest(t.Context(), in)
	switch {
	case ex.rejected && err == nil:
		t.Errorf("openapi.yaml accepts the request; the server rejects it with %d", ex.status)
	case !ex.rejected && err != nil:
		t.Errorf("openapi.yaml rejects the request: %v", err)
	}

	resp, body := send(t, hc, req)
	if resp.StatusCode != ex.status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, ex.status, restwire.Excerpt(body))
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(t.Context(), out); err != nil {
		t.Errorf("the answer does not match openapi.yaml: %v\nbody: %s", err, restwire.Excerpt(body))
	}
	checkProto(t, route, resp, body)
	return route.Method + " " + route.Path, resp.StatusCode
}

// checkProto decodes a protobuf answer as the message its media type names
// in x-protobuf-message, framed as x-protobuf-framing says: every byte must
// belong to a field of that message.
func checkProto(t *testing.T, route *routers.Route, resp *http.Response, body []byte) {
	t.Helper()
	if restwire.MediaType(resp.Header.Get("Content-Type")) != restwire.ContentTypeProtobuf {
		return
	}
	mt := route.Operation.Responses.Status(resp.StatusCode).Value.Content.Get(restwire.ContentTypeProtobuf)
	name, _ := mt.Extensions["x-protobuf-message"].(string)
	typ, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		t.Fatalf("x-protobuf-message %q: %v", name, err)
	}
	decodeOne := func(m proto.Message) {
		if n := len(m.ProtoReflect().GetUnknown()); n > 0 {
			t.Errorf("%d bytes of the answer are no field of %s", n, name)
		}
	}
	if mt.Extensions["x-protobuf-framing"] == "varint-length-delimited" {
		r := bufio.NewReader(bytes.NewReader(body))
		n := 0
		for ; ; n++ {
			m := typ.New().Interface()
			err := protodelim.UnmarshalFrom(r, m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("record %d is no length-delimited %s: %v", n+1, name, err)
			}
			decodeOne(m)
		}
		if n == 0 {
			t.Errorf("the protobuf feed has no record")
		}
		return
	}
	m := typ.New().Interface()
	if err := proto.Unmarshal(body, m); err != nil {
		t.Fatalf("the answer is no %s: %v", name, err)
	}
	decodeOne(m)
}

// chatSession upgrades to a WebSocket, validates the upgrade and its 101
// against the description, and validates each frame of a session against
// the schemas the description's x-websocket names.
func chatSession(t *testing.T, doc *openapi3.T, router routers.Router, base, authz string) string {
	t.Helper()
	var sent *http.Request
	hc := &http.Client{Transport: recordRequest(func(r *http.Request) { sent = r.Clone(context.Background()) })}
	ctx := t.Context()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+restwire.PathChat, &websocket.DialOptions{
		HTTPClient: hc, HTTPHeader: http.Header{"Authorization": {authz}}, Subprotocols: []string{restwire.SubprotocolJSON},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	route, params, err := router.FindRoute(sent)
	if err != nil {
		t.Fatal(err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: sent, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerPresent},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		t.Errorf("openapi.yaml rejects the upgrade request: %v", err)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(strings.NewReader("")),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("the 101 does not match openapi.yaml: %v", err)
	}

	const n = 3
	for seq := 1; seq <= n; seq++ {
		msg := []byte(fmt.Sprintf(`{"room":"openapi","seq":%d,"text":"hi %d"}`, seq, seq))
		visit(t, doc, "ChatMessage", msg)
		if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.Write(ctx, websocket.MessageText, nil); err != nil {
		t.Fatal(err)
	}
	events := 0
	for {
		typ, data, err := conn.Read(ctx)
		if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if typ != websocket.MessageText {
			t.Errorf("frame type %v under subprotocol json", typ)
		}
		visit(t, doc, "ChatEvent", data)
		events++
	}
	if events != n {
		t.Errorf("%d events for %d messages, want one ack each", events, n)
	}
	return route.Method + " " + route.Path + " " + strconv.Itoa(resp.StatusCode)
}

// recordRequest is a transport that hands each request to fn before
// sending it.
type recordRequest func(*http.Request)

func (fn recordRequest) RoundTrip(r *http.Request) (*http.Response, error) {
	fn(r)
	return http.DefaultTransport.RoundTrip(r)
}

// visit validates a JSON document against a schema of the description's
// components.
func visit(t *testing.T, doc *openapi3.T, schema string, data []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, restwire.Excerpt(data))
	}
	s := doc.Components.Schemas[schema]
	if s == nil {
		t.Fatalf("openapi.yaml has no schema %s", schema)
	}
	if err := s.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("%s does not match schema %s: %v", restwire.Excerpt(data), schema, err)
	}
}

func newRequest(t *testing.T, base string, ex exchange) *http.Request {
	t.Helper()
	var body io.Reader
	if ex.body != nil {
		body = bytes.NewReader(ex.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), ex.method, base+ex.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range ex.header {
		req.Header[k] = slices.Clone(v)
	}
	if ex.chunked {
		req.ContentLength = -1
		req.Body = io.NopCloser(bytes.NewReader(ex.body))
	}
	return req
}

func send(t *testing.T, hc *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
