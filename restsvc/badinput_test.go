package restsvc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

// answer is a raw HTTP answer.
type answer struct {
	status int
	code   string // of the {"code","message"} body
	header http.Header
}

// raw sends one request with http.DefaultTransport's settings and reads
// the whole answer.
func raw(t *testing.T, method, url, ctype string, body io.Reader, header ...string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := httpClient(t, "rest").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var eb struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(b, &eb)
	return answer{status: resp.StatusCode, code: eb.Code, header: resp.Header}
}

// unknownSizeReader hides the size of a body, so that it is sent chunked.
type unknownSizeReader struct{ io.Reader }

func TestBadInput(t *testing.T) {
	t.Parallel()
	const limit = 1024
	f := start(t, withHandler(restsvc.WithMaxBodyBytes(limit)))
	token := f.login(t, "rest")
	tok, err := token.ValidateUser(context.Background(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + tok.Token
	big := `{"username":"alice","password":"` + strings.Repeat("x", 2*limit) + `"}`

	tests := []struct {
		name   string
		method string
		path   string
		ctype  string
		body   io.Reader
		header []string
		status int
		code   core.Code
	}{
		{name: "malformed JSON", method: "POST", path: "/v1/auth/validate", ctype: "application/json", body: strings.NewReader(`{"username":`), status: 400, code: core.CodeInvalidArgument},
		{name: "not JSON", method: "POST", path: "/v1/auth/validate", ctype: "application/json", body: strings.NewReader(`hello`), status: 400, code: core.CodeInvalidArgument},
		{name: "empty body", method: "POST", path: "/v1/auth/token/validate", ctype: "application/json", body: strings.NewReader(``), status: 400, code: core.CodeInvalidArgument},
		{name: "mistyped field", method: "POST", path: "/v1/auth/validate", ctype: "application/json", body: strings.NewReader(`{"username":7,"password":"x"}`), status: 400, code: core.CodeInvalidArgument},
		{name: "over the limit", method: "POST", path: "/v1/auth/validate", ctype: "application/json", body: strings.NewReader(big), status: 413, code: core.CodeTooLarge},
		{name: "over the limit chunked", method: "POST", path: "/v1/auth/validate", ctype: "application/json", body: unknownSizeReader{strings.NewReader(big)}, status: 413, code: core.CodeTooLarge},
		{name: "protobuf over the limit chunked", method: "POST", path: "/v1/auth/token/validate", ctype: "application/x-protobuf", body: unknownSizeReader{bytes.NewReader(make([]byte, 2*limit))}, status: 413, code: core.CodeTooLarge},
		{name: "wrong content type", method: "POST", path: "/v1/auth/validate", ctype: "text/plain", body: strings.NewReader(`{}`), status: 415, code: core.CodeInvalidArgument},
		{name: "form content type", method: "POST", path: "/v1/auth/token/validate", ctype: "application/x-www-form-urlencoded", body: strings.NewReader(`token=x`), status: 415, code: core.CodeInvalidArgument},
		{name: "invalid protobuf", method: "POST", path: "/v1/auth/validate", ctype: "application/x-protobuf", body: bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}), status: 400, code: core.CodeInvalidArgument},
		{name: "truncated protobuf", method: "POST", path: "/v1/auth/validate", ctype: "application/x-protobuf", body: bytes.NewReader([]byte{0x0a, 0x10, 'a'}), status: 400, code: core.CodeInvalidArgument},
		{name: "missing token", method: "GET", path: "/v1/transactions/tx-100B-000001", status: 401, code: core.CodeUnauthenticated},
		{name: "not bearer", method: "GET", path: "/v1/transactions/tx-100B-000001", header: []string{"Authorization", "Basic YWxpY2U6eA=="}, status: 401, code: core.CodeUnauthenticated},
		{name: "invalid token", method: "GET", path: "/v1/transactions/tx-100B-000001", header: []string{"Authorization", "Bearer v1.bogus.token"}, status: 401, code: core.CodeUnauthenticated},
		{name: "forged token", method: "GET", path: "/v1/transactions/tx-100B-000001", header: []string{"Authorization", bearer + "A"}, status: 401, code: core.CodeUnauthenticated},
		{name: "list without token", method: "GET", path: "/v1/transactions?account=acct-0001", status: 401, code: core.CodeUnauthenticated},
		{name: "upload without token", method: "POST", path: "/v1/files?filename=a", ctype: "application/octet-stream", body: strings.NewReader("x"), status: 401, code: core.CodeUnauthenticated},
		{name: "chat without token", method: "GET", path: "/v1/chat", status: 401, code: core.CodeUnauthenticated},
		{name: "unknown transaction", method: "GET", path: "/v1/transactions/tx-100B-999999", header: []string{"Authorization", bearer}, status: 404, code: core.CodeNotFound},
		{name: "malformed transaction id", method: "GET", path: "/v1/transactions/nope", header: []string{"Authorization", bearer}, status: 404, code: core.CodeNotFound},
		{name: "unknown account", method: "GET", path: "/v1/transactions?account=acct-9999", header: []string{"Authorization", bearer}, status: 404, code: core.CodeNotFound},
		{name: "bad limit", method: "GET", path: "/v1/transactions?account=acct-0001&limit=ten", header: []string{"Authorization", bearer}, status: 400, code: core.CodeInvalidArgument},
		{name: "bad payload", method: "GET", path: "/v1/transactions?account=acct-0001&payload=2GiB", header: []string{"Authorization", bearer}, status: 400, code: core.CodeInvalidArgument},
		{name: "upload without filename", method: "POST", path: "/v1/files", ctype: "application/octet-stream", body: strings.NewReader("x"), header: []string{"Authorization", bearer}, status: 400, code: core.CodeInvalidArgument},
		{name: "upload with a path", method: "POST", path: "/v1/files?filename=..%2Fetc", body: strings.NewReader("x"), header: []string{"Authorization", bearer}, status: 400, code: core.CodeInvalidArgument},
		{name: "chat without upgrade", method: "GET", path: "/v1/chat", header: []string{"Authorization", bearer}, status: 426},
		{name: "unknown route", method: "GET", path: "/v2/nothing", status: 404, code: core.CodeNotFound},
		{name: "wrong method", method: "DELETE", path: "/v1/auth/validate", status: 405, code: core.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := raw(t, tt.method, f.url+tt.path, tt.ctype, tt.body, tt.header...)
			if got.status != tt.status {
				t.Errorf("status %d, want %d", got.status, tt.status)
			}
			if tt.code != core.CodeUnknown && got.code != tt.code.String() {
				t.Errorf("code %q, want %q", got.code, tt.code)
			}
			if tt.status == 401 && got.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

// TestClientErrors checks that every variant's client returns the core
// code the server answered with.
func TestClientErrors(t *testing.T) {
	t.Parallel()
	f := start(t, withCore(core.WithMaxUpload(64<<10)))
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			anon := f.newClient(t, variant)
			c := f.login(t, variant)

			_, err := anon.GetTransaction(ctx, "tx-100B-000001")
			checkCode(t, "GetTransaction without token", err, core.CodeUnauthenticated)
			anon.SetToken("v1.bogus.token")
			_, err = anon.GetTransaction(ctx, "tx-100B-000001")
			checkCode(t, "GetTransaction with a bad token", err, core.CodeUnauthenticated)
			err = anon.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(1)}, func(*core.Transaction) error { return nil })
			checkCode(t, "ListTransactions with a bad token", err, core.CodeUnauthenticated)
			_, err = anon.Chat(ctx)
			checkCode(t, "Chat with a bad token", err, core.CodeUnauthenticated)

			_, err = c.GetTransaction(ctx, core.TransactionID(core.Payload1KiB, 99999))
			checkCode(t, "GetTransaction(unknown)", err, core.CodeNotFound)
			err = c.ListTransactions(ctx, core.ListRequest{AccountID: "acct-9999"}, func(*core.Transaction) error { return nil })
			checkCode(t, "ListTransactions(unknown account)", err, core.CodeNotFound)
			_, err = c.Upload(ctx, "big.bin", bytes.NewReader(make([]byte, 256<<10)), 8<<10)
			checkCode(t, "Upload over the core limit", err, core.CodeTooLarge)
			_, err = c.ValidateToken(ctx, "")
			checkCode(t, "ValidateToken(empty)", err, core.CodeInvalidArgument)

			// A bad chat message ends the session with the core's code.
			s, err := c.Chat(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Send(core.ChatMessage{Seq: 1, Text: "no room"}); err != nil {
				t.Fatal(err)
			}
			_, err = s.Recv()
			checkCode(t, "chat message without a room", err, core.CodeInvalidArgument)
		})
	}

}

func checkCode(t *testing.T, what string, err error, want core.Code) {
	t.Helper()
	var ce *core.Error
	if !errors.As(err, &ce) {
		t.Errorf("%s: error %v (%T), want a *core.Error with code %v", what, err, err, want)
		return
	}
	if got := core.CodeOf(err); got != want {
		t.Errorf("%s: code %v (%v), want %v", what, got, err, want)
	}
}

func TestExpiredToken(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	f := start(t, withCore(core.WithClock(clock), core.WithTokenTTL(time.Minute)))
	ctx := context.Background()
	clients := make(map[string]interface {
		GetTransaction(context.Context, string) (*core.Transaction, error)
	})
	for _, variant := range variants {
		c := f.login(t, variant)
		if _, err := c.GetTransaction(ctx, "tx-100B-000001"); err != nil {
			t.Fatalf("%s: before expiry: %v", variant, err)
		}
		clients[variant] = c
	}
	now.Add(int64(2 * time.Minute))
	for variant, c := range clients {
		_, err := c.GetTransaction(ctx, "tx-100B-000001")
		checkCode(t, variant+": after expiry", err, core.CodeUnauthenticated)
		if err != nil && !strings.Contains(err.Error(), "expired") {
			t.Errorf("%s: after expiry: %v, want a message saying it expired", variant, err)
		}
	}
}

// TestChatFrameType checks that a frame of the wrong type for the
// subprotocol closes the session with 1003 (unsupported data).
func TestChatFrameType(t *testing.T) {
	t.Parallel()
	f := start(t)
	c := f.login(t, "rest")
	tok, err := c.ValidateUser(context.Background(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		subprotocol string
		typ         websocket.MessageType
		data        []byte
		status      websocket.StatusCode
	}{
		{name: "binary on json", subprotocol: "json", typ: websocket.MessageBinary, data: []byte{1, 2, 3}, status: websocket.StatusUnsupportedData},
		{name: "text on proto", subprotocol: "proto", typ: websocket.MessageText, data: []byte(`{"room":"r"}`), status: websocket.StatusUnsupportedData},
		{name: "malformed json", subprotocol: "json", typ: websocket.MessageText, data: []byte(`{"room":`), status: websocket.StatusPolicyViolation},
		{name: "malformed proto", subprotocol: "proto", typ: websocket.MessageBinary, data: []byte{0xff, 0xff}, status: websocket.StatusPolicyViolation},
		{name: "over the read limit", subprotocol: "json", typ: websocket.MessageText, data: bytes.Repeat([]byte("x"), 64<<10), status: websocket.StatusMessageTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			conn, _, err := websocket.Dial(ctx, f.url+"/v1/chat", &websocket.DialOptions{
				HTTPClient:   httpClient(t, "rest"),
				HTTPHeader:   http.Header{"Authorization": {"Bearer " + tok.Token}},
				Subprotocols: []string{tt.subprotocol},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.CloseNow()
			if got := conn.Subprotocol(); got != tt.subprotocol {
				t.Fatalf("subprotocol %q, want %q", got, tt.subprotocol)
			}
			_ = conn.Write(ctx, tt.typ, tt.data)
			_, _, err = conn.Read(ctx)
			if got := websocket.CloseStatus(err); got != tt.status {
				t.Errorf("closed with %v (%v), want %v", got, err, tt.status)
			}
		})
	}
}
