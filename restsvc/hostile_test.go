package restsvc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

// These tests are the REST rows of the "Hostile clients" part of README.md's
// bad-input catalogue: clients that break the protocol's rules on purpose.

// rawConn dials f's server over plain TCP, closed when the test ends, with
// a deadline that makes a hang fail rather than wait.
func rawConn(t *testing.T, f *fixture) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	return conn, bufio.NewReader(conn)
}

// TestExpectContinueOverLimit checks that a request that declares a body
// over its route's limit and asks "Expect: 100-continue" is refused with
// 413 before the server asks for the body, and that one at the limit is
// invited.
func TestExpectContinueOverLimit(t *testing.T) {
	t.Parallel()
	const maxUpload, maxBody = 1000, 100
	f := start(t, withCore(core.WithMaxUpload(maxUpload)), withHandler(restsvc.WithMaxBodyBytes(maxBody)))
	bearer := "Bearer " + f.token(t)
	tests := []struct {
		name   string
		path   string
		length int
		want   int
	}{
		{name: "upload over the limit", path: "/v1/files?filename=a.bin", length: maxUpload + 1, want: http.StatusRequestEntityTooLarge},
		{name: "upload at the limit", path: "/v1/files?filename=a.bin", length: maxUpload, want: http.StatusContinue},
		{name: "unary over the limit", path: "/v1/auth/validate", length: maxBody + 1, want: http.StatusRequestEntityTooLarge},
		{name: "unary at the limit", path: "/v1/auth/validate", length: maxBody, want: http.StatusContinue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, br := rawConn(t, f)
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\n"+
				"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", tt.path, bearer, tt.length)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("read the first answer: %v", err)
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != tt.want {
				t.Errorf("first answer %s, want %d", resp.Status, tt.want)
			}
		})
	}
}

// TestLoginLimited checks that logins past the core's per-address limit
// are answered 429 with Retry-After and the core's code, without a
// compare; that the address counted is the connection's own, not a
// forwarding header the client writes; and that a client on another
// loopback address still logs in.
func TestLoginLimited(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f := start(t, withCore(
		core.WithClock(func() time.Time { return now }),
		core.WithLoginLimits(core.LoginLimits{PerAddr: core.Rate{Burst: 2, Every: time.Hour}, Tracked: 10})))
	login := func(c *http.Client, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.url+"/v1/auth/validate",
			strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	c := httpClient(t, "rest")
	for i := range 2 {
		if resp, b := login(c); resp.StatusCode != http.StatusOK {
			t.Fatalf("login %d within the burst: %s %s", i, resp.Status, b)
		}
	}
	for _, h := range [][]string{nil, {"X-Forwarded-For", "203.0.113.7"}, {"X-Real-IP", "203.0.113.8"}} {
		resp, b := login(c, h...)
		var body struct{ Code, Message string }
		_ = json.Unmarshal(b, &body)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3600" ||
			body.Code != core.CodeUnavailable.String() || body.Message != "too many logins from this address; retry later" {
			t.Errorf("login past the burst (headers %q): %s, Retry-After %q, %s; want 429, 3600, unavailable",
				h, resp.Status, resp.Header.Get("Retry-After"), b)
		}
	}
	if compared, refused := f.svc.LoginCounts(); compared != 2 || refused != 3 {
		t.Errorf("LoginCounts = %d compared, %d refused; want 2, 3", compared, refused)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
		return d.DialContext(ctx, network, addr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	if resp, b := login(&http.Client{Transport: tr}); resp.StatusCode != http.StatusOK {
		t.Errorf("login from 127.0.0.2: %s %s, want 200", resp.Status, b)
	}
}

// chatSessions counts the server's chat handlers still running.
func chatSessions() int {
	buf := make([]byte, 1<<22)
	return bytes.Count(buf[:runtime.Stack(buf, true)], []byte("restsvc.(*handler).chat("))
}

// chatClient dials f's chat as a JSON member whose socket's receive buffer
// is readBuf bytes (0: the system's), closed when the test ends.
func chatClient(t *testing.T, ctx context.Context, f *fixture, token string, readBuf int) *websocket.Conn {
	t.Helper()
	d := &net.Dialer{}
	if readBuf > 0 {
		// Before connecting, so that the window the client offers is small.
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, readBuf)
			})
			return errors.Join(err, serr)
		}
	}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	conn, _, err := websocket.Dial(ctx, f.url+"/v1/chat", &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: tr}, HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}, Subprotocols: []string{"json"},
	})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// say sends one chat message to room "lurk".
func say(ctx context.Context, c *websocket.Conn, seq int, text string) error {
	b, _ := json.Marshal(map[string]any{"room": "lurk", "seq": seq, "text": text})
	return c.Write(ctx, websocket.MessageText, b)
}

// TestDroppedChatMemberLeaves checks that a chat member whose client never
// reads, and so is dropped by the core for falling behind, loses its
// session at once: its WebSocket is closed and its handler and goroutines
// end, although its client keeps the receive window closed and the stall
// timeout (an hour here) never runs out. It runs alone (not in parallel)
// so that it can count the server's chat handlers.
func TestDroppedChatMemberLeaves(t *testing.T) {
	f := start(t, withHandler(restsvc.WithStallTimeout(time.Hour)), withSendBuffer(8<<10))
	token := f.token(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	victim := chatClient(t, ctx, f, token, 4096) // joins, then never reads
	if err := say(ctx, victim, 1, "hello"); err != nil {
		t.Fatal(err)
	}
	sender := chatClient(t, ctx, f, token, 0)
	go func() { // the sender reads everything it gets
		for {
			if _, _, err := sender.Read(ctx); err != nil {
				return
			}
		}
	}()
	text := strings.Repeat("x", 4000)
	for seq := 1; seq%50 != 0 || chatSessions() > 1; seq++ {
		if seq > 20_000 { // about 80 MB for the victim, far past any socket buffer
			t.Fatalf("the member that never reads still holds its session after %d messages to it", seq)
		}
		if err := say(ctx, sender, seq, text); err != nil {
			t.Fatalf("sender: %v", err)
		}
	}
	_ = sender.Close(websocket.StatusNormalClosure, "")
	eventually(t, "every chat session and its core goroutines to end", func() bool {
		return chatSessions() == 0 && !inStacks("core.(*Service).Chat")
	})
}

// TestChatWriteStall checks the chat's write deadline: a member that sends
// but never reads its acknowledgements is never dropped (it holds up only
// itself), yet once a frame to it makes no progress for the stall timeout
// its WebSocket is closed and its session ends. Alone, like the test above.
func TestChatWriteStall(t *testing.T) {
	f := start(t, withHandler(restsvc.WithStallTimeout(300*time.Millisecond)), withSendBuffer(8<<10))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	victim := chatClient(t, ctx, f, f.token(t), 4096)
	sent := make(chan int, 1)
	go func() { // sends until the server cuts it, never reads
		seq := 1
		// Without a deadline: only the server may end these writes.
		for ; say(context.Background(), victim, seq, "") == nil; seq++ {
		}
		sent <- seq
	}()
	// The acknowledgements must first fill the server's socket buffer
	// (fixed small) and the client's: poll seldom, a stack dump slows the
	// server.
	for chatSessions() != 0 || inStacks("core.(*Service).Chat") {
		if ctx.Err() != nil {
			victim.CloseNow() // ends the sender
			<-sent
			t.Fatal("the stalled member still holds its session")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := <-sent; n < 2 {
		t.Errorf("the member sent %d messages before its session ended, want it to get going first", n)
	}
}

// TestContentLengthAndChunked pins what Go's net/http does with a request
// that carries both Content-Length and Transfer-Encoding: chunked, the
// shape of request smuggling between a proxy and a server that frame it
// differently. RFC 9112 §6.1 lets a server frame it by Transfer-Encoding
// but says it must close the connection afterwards; net/http frames it by
// Transfer-Encoding, deletes Content-Length before any handler runs (the
// handler sees ContentLength -1 and no header, as for any chunked
// request), and keeps the connection. A handler cannot tell, so the
// README says what a deployment behind a proxy does instead; this test
// fails when a Go release changes it.
func TestContentLengthAndChunked(t *testing.T) {
	t.Parallel()
	f := start(t)
	conn, br := rawConn(t, f)
	body := `{"username":"` + user + `","password":"` + password + `"}`
	fmt.Fprintf(conn, "POST /v1/auth/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n"+
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", len(body), body)
	first, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("first answer: %v", err)
	}
	b, _ := io.ReadAll(first.Body)
	first.Body.Close()
	if first.StatusCode != http.StatusOK || !strings.Contains(string(b), `"is_valid":true`) || first.Close {
		t.Errorf("request with both framings: %s %s (close %v), want it served by Transfer-Encoding, connection kept", first.Status, b, first.Close)
	}
	second, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the next request on the connection: %v, want it answered (net/http keeps the connection)", err)
	}
	second.Body.Close()
	if second.StatusCode != http.StatusOK {
		t.Errorf("the next request on the connection: %s, want 200", second.Status)
	}

	// What a handler sees of it: nothing that tells it from any chunked
	// request.
	seen := make(chan string, 1)
	srv := restsvc.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- fmt.Sprintf("length %d, header %q, transfer %q", r.ContentLength, r.Header.Values("Content-Length"), r.TransferEncoding)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	raw, br2 := rawConn(t, &fixture{url: "http://" + ln.Addr().String()})
	fmt.Fprintf(raw, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n")
	if resp, err := http.ReadResponse(br2, nil); err == nil {
		resp.Body.Close()
	}
	if got, want := <-seen, `length -1, header [], transfer ["chunked"]`; got != want {
		t.Errorf("the handler saw %s, want %s", got, want)
	}
}
