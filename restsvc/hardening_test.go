package restsvc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"restvsgrpc/internal/backpressure"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/hostile"
	"restvsgrpc/internal/wirecount"
	"restvsgrpc/restsvc"
	"restvsgrpc/restsvc/restwire"
)

// These tests complete the bad-input catalogue of README.md ("Bad input");
// each row there names the test that is its source of truth.

// TestJSONStrictness pins what gin's binding (encoding/json) does with JSON
// that is well-formed but not what the contract says: for the report's
// "strong typing" claim, which of these are rejected, ignored or silently
// taken.
func TestJSONStrictness(t *testing.T) {
	t.Parallel()
	f := start(t)
	const pw = `"password":"` + password + `"`
	tests := []struct {
		name   string
		ctype  string
		body   string
		status int
		valid  bool // of a 200 answer
	}{
		{name: "well-formed", ctype: "application/json", body: `{"username":"alice",` + pw + `}`, status: 200, valid: true},
		{name: "unknown field ignored", ctype: "application/json", body: `{"username":"alice",` + pw + `,"admin":true}`, status: 200, valid: true},
		{name: "duplicate key, last wins", ctype: "application/json", body: `{"username":"mallory","username":"alice",` + pw + `}`, status: 200, valid: true},
		{name: "key case ignored", ctype: "application/json", body: `{"USERNAME":"alice",` + pw + `}`, status: 200, valid: true},
		{name: "trailing data ignored", ctype: "application/json", body: `{"username":"alice",` + pw + `} trailing`, status: 200, valid: true},
		{name: "null is the zero value", ctype: "application/json", body: `{"username":"alice","password":null}`, status: 400},
		{name: "number for a string", ctype: "application/json", body: `{"username":7,` + pw + `}`, status: 400},
		{name: "array for a string", ctype: "application/json", body: `{"username":["alice"],` + pw + `}`, status: 400},
		{name: "object for the body", ctype: "application/json", body: `["alice","s3cret-pass"]`, status: 400},
		{name: "deep nesting in a field", ctype: "application/json", body: `{"username":` + strings.Repeat("[", 100_000) + `}`, status: 400},
		{name: "deep nesting in an unknown field", ctype: "application/json", body: `{"x":` + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + `,"username":"alice",` + pw + `}`, status: 400},
		{name: "shallow nesting in an unknown field ignored", ctype: "application/json", body: `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"username":"alice",` + pw + `}`, status: 200, valid: true},
		{name: "invalid UTF-8 replaced", ctype: "application/json", body: "{\"username\":\"alice\",\"password\":\"s3cret\xff-pass\"}", status: 200, valid: false},
		{name: "missing content type is JSON", ctype: "", body: `{"username":"alice",` + pw + `}`, status: 200, valid: true},
		{name: "content type parameters ignored", ctype: "Application/JSON; charset=utf-8", body: `{"username":"alice",` + pw + `}`, status: 200, valid: true},
		{name: "JSON labelled protobuf", ctype: "application/x-protobuf", body: `{"username":"alice",` + pw + `}`, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.url+"/v1/auth/validate", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := httpClient(t, "rest").Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				IsValid bool   `json:"is_valid"`
				Code    string `json:"code"`
			}
			b, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("answer %s is not JSON: %v", b, err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, b, tt.status)
			}
			if tt.status == 200 && got.IsValid != tt.valid {
				t.Errorf("is_valid %v, want %v", got.IsValid, tt.valid)
			}
			if tt.status == 400 && got.Code != core.CodeInvalidArgument.String() {
				t.Errorf("code %q, want %q", got.Code, core.CodeInvalidArgument)
			}
		})
	}
}

// TestPathsAndIDs checks path traversal and over-long ids in paths and
// queries: never a file, never a 500.
func TestPathsAndIDs(t *testing.T) {
	t.Parallel()
	f := start(t)
	bearer := "Bearer " + f.token(t)
	// After a 431, net/http lingers half a second before closing.
	t.Cleanup(func() {
		eventually(t, "net/http to close the refused connection", func() bool {
			return !inStacks("net/http.(*conn).closeWriteAndWait")
		})
	})
	tests := []struct {
		name   string
		path   string
		status int
		code   core.Code
	}{
		{name: "dot-dot segments", path: "/v1/transactions/../../etc/passwd", status: 404, code: core.CodeNotFound},
		{name: "escaped dot-dot", path: "/v1/transactions/..%2F..%2Fetc%2Fpasswd", status: 404, code: core.CodeNotFound},
		{name: "escaped NUL", path: "/v1/transactions/tx-100B-000001%00", status: 404, code: core.CodeNotFound},
		{name: "id just over the limit", path: "/v1/transactions/" + strings.Repeat("9", 65), status: 400, code: core.CodeInvalidArgument},
		{name: "id of 32 KiB", path: "/v1/transactions/" + strings.Repeat("9", 32<<10), status: 400, code: core.CodeInvalidArgument},
		{name: "account of 32 KiB", path: "/v1/transactions?account=" + strings.Repeat("a", 32<<10), status: 400, code: core.CodeInvalidArgument},
		{name: "upload filename with dot-dot", path: "/v1/files?filename=..%2F..%2Fetc%2Fpasswd", status: 400, code: core.CodeInvalidArgument},
		{name: "url over the header limit", path: "/v1/transactions/" + strings.Repeat("9", 2*restsvc.MaxHeaderBytes), status: 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := http.MethodGet
			if strings.HasPrefix(tt.path, "/v1/files") {
				method = http.MethodPost
			}
			got := raw(t, method, f.url+tt.path, "", strings.NewReader(""), "Authorization", bearer)
			if got.status != tt.status {
				t.Errorf("status %d, want %d", got.status, tt.status)
			}
			if tt.code != core.CodeUnknown && got.code != tt.code.String() {
				t.Errorf("code %q, want %q", got.code, tt.code)
			}
		})
	}
}

// TestTokenOfAnotherKey checks that a well-formed, unexpired token signed
// by another server's key is refused.
func TestTokenOfAnotherKey(t *testing.T) {
	t.Parallel()
	f := start(t, withCore(core.WithTokenKey([]byte("key of this server, 32 bytes...."))))
	other := start(t, withCore(core.WithTokenKey([]byte("key of another server, 32 bytes."))))
	c := other.login(t, "rest") // a valid token there
	tok, err := c.ValidateUser(t.Context(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	mine := f.newClient(t, "rest")
	mine.SetToken(tok.Token)
	_, err = mine.GetTransaction(t.Context(), "tx-100B-000001")
	checkCode(t, "GetTransaction with another key's token", err, core.CodeUnauthenticated)
	if err != nil && !strings.Contains(err.Error(), "token is invalid") {
		t.Errorf("error %v, want it to say the token is invalid", err)
	}
	res, err := mine.ValidateToken(t.Context(), tok.Token)
	if err != nil || res.IsValid {
		t.Errorf("ValidateToken(another key's token) = %+v, %v; want not valid", res, err)
	}
}

// TestSlowloris checks that a client that never finishes its headers is
// disconnected once ReadHeaderTimeout runs out, without an answer.
func TestSlowloris(t *testing.T) {
	t.Parallel()
	svc, err := core.New()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 300 * time.Millisecond
	srv := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithReadHeaderTimeout(timeout))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})

	// Timed from before the dial: the server's deadline is set after
	// accept, so the lower bound below cannot fail on a slow machine.
	start := time.Now()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers trickle in, and the blank line that ends them never comes.
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		time.Sleep(timeout / 4)
		if _, err := io.WriteString(conn, "X-Slow-"+string(rune('a'+i))+": 1\r\n"); err != nil {
			break // already cut
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a hang fails, not waits
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read: %v (after %v), want the server to close the connection", err, time.Since(start))
	}
	if len(b) != 0 {
		t.Errorf("server answered %q, want a silent close", b)
	}
	if took := time.Since(start); took < timeout {
		t.Errorf("closed after %v, before the %v timeout", took, timeout)
	}
}

// TestStalledReaderBackPressure checks that a client that stops reading a
// large feed does not make the server buffer it: the server blocks on
// writing once the socket buffers are full, so what it wrote stays near
// those buffers' size, and its heap does not grow by the feed's size.
// Each record is about 1 MiB of protobuf (more in JSON); the feed asked for
// is 400 of them.
func TestStalledReaderBackPressure(t *testing.T) {
	svc, err := core.New(core.WithUser(user, password), core.WithBcryptCost(4))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.ValidateUser(t.Context(), "", user, password)
	if err != nil {
		t.Fatal(err)
	}
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var wire wirecount.Counter
			srv := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithH2C())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = srv.Serve(wirecount.NewListener(ln, &wire))
			}()
			defer srv.Close()

			before := backpressure.HeapAlloc()

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ln.Addr().String()+"/v1/transactions?account=acct-0001&payload=1MiB&limit=400", nil)
			req.Header.Set("Authorization", "Bearer "+tok.Token)
			if variant == "rest-proto" {
				req.Header.Set("Accept", restwire.ContentTypeProtobuf)
			}
			hc := httpClient(t, variant)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			// Read one record's worth, then stop reading.
			if _, err := io.CopyN(io.Discard, resp.Body, 64<<10); err != nil {
				t.Fatal(err)
			}

			// Wait until the server is stuck: nothing written for a while.
			written := backpressure.Settle(wire.Written, 50*time.Millisecond, 10, time.Minute)
			grew := backpressure.HeapAlloc() - before
			// The feed is over 400 MiB; what is bounded is a few socket
			// and HTTP/2 flow-control windows and a record or two being
			// encoded.
			const bound, heapBound = 64 << 20, 192 << 20
			t.Logf("server wrote %d bytes, heap grew by %d bytes, while the client did not read", written, grew)
			if written > bound {
				t.Errorf("server wrote %d bytes to a client that stopped reading, want at most %d", written, bound)
			}
			if grew > heapBound {
				t.Errorf("heap grew by %d bytes while the client did not read, want at most %d", grew, heapBound)
			}

			// Giving up frees the handler.
			cancel()
			resp.Body.Close()
			hc.Transport.(*http.Transport).CloseIdleConnections()
			eventually(t, "the stalled feed's handler to end", noHandler)
			_ = srv.Close()
			<-done
			eventually(t, "the server's goroutines to end", func() bool {
				return goleak.Find(ignore) == nil
			})
		})
	}
}

// TestDeadlineStopsWork checks that a REST client's context timeout ends
// the server's work: a paced feed that would run for hours returns, and
// its handler goroutine ends, soon after the client gives up.
func TestDeadlineStopsWork(t *testing.T) {
	f := start(t)
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			c := f.login(t, variant)
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			n := 0
			err := c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(1), Limit: 100_000, Interval: time.Second}, func(*core.Transaction) error {
				n++
				return nil
			})
			if code := core.CodeOf(err); code != core.CodeDeadlineExceeded && code != core.CodeCanceled {
				t.Errorf("ListTransactions past its deadline: %v (code %v), want deadline_exceeded or canceled", err, code)
			}
			if n > 1 {
				t.Errorf("%d records before a 300ms deadline at one a second, want at most 1", n)
			}

		})
	}
	eventually(t, "the deadlined feeds' handlers to end", noHandler)
}

// noHandler reports whether no goroutine is inside the core's
// ListTransactions: the handler of every feed has returned.
func noHandler() bool { return !inStacks("core.(*Service).ListTransactions") }

// inStacks reports whether any goroutine's stack names fn.
var inStacks = hostile.InStacks

// TestCutUploadIsFailed checks that an upload whose chunked body ends
// mid-chunk (the connection closed) is counted failed, never complete, and
// is not answered 200. TestAbandonedCallsFreeTheServer covers a cut seen
// through each variant's client.
func TestCutUploadIsFailed(t *testing.T) {
	t.Parallel()
	f := start(t)
	token := f.token(t)
	// A raw chunked request, cut mid-chunk by closing the connection.
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w := bufio.NewWriter(conn)
	w.WriteString("POST /v1/files?filename=cut.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
	w.WriteString("10000\r\n" + strings.Repeat("x", 1000)) // 64 KiB announced, 1000 bytes sent
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("a cut upload was answered 200 %s", b)
		}
	} else if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("no answer: %v", err)
	}
	eventually(t, "the server to count the cut upload failed", func() bool {
		_, failed := f.svc.UploadCounts()
		return failed == 1
	})
	if completed, _ := f.svc.UploadCounts(); completed != 0 {
		t.Errorf("%d uploads completed, want 0", completed)
	}
}

// token logs alice in on f's core directly and returns her token.
func (f *fixture) token(t *testing.T) string {
	t.Helper()
	res, err := f.svc.ValidateUser(t.Context(), "", user, password)
	if err != nil || !res.IsValid {
		t.Fatalf("ValidateUser = %+v, %v", res, err)
	}
	return res.Token
}
