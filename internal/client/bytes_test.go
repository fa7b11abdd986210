package client_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"restvsgrpc/bench/load"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/variant"
)

// cannedServer answers HTTP/1.1 with fixed responses and records the bytes
// of each request it reads, so that a test knows the exact exchange.
type cannedServer struct {
	mu       sync.Mutex
	reqBytes map[string]int64 // by path
	reqs     map[string]int64
}

const (
	loginBody = `{"is_valid":true,"message":"ok","token":"tok-123"}`
	tokenBody = `{"is_valid":true,"subject":"loader","message":"token accepted"}` // what the data set prescribes for a login without an expiry
)

func response(body string) string {
	return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func (s *cannedServer) serve(t *testing.T, l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			br := bufio.NewReader(conn)
			for {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				body, _ := io.ReadAll(req.Body)
				// The request's size on the wire: its header block
				// (re-read from the dump) plus its body.
				size := int64(len(body)) + headerSize(req)
				s.mu.Lock()
				s.reqBytes[req.URL.Path] += size
				s.reqs[req.URL.Path]++
				s.mu.Unlock()
				out := response(tokenBody)
				if req.URL.Path == "/v1/auth/validate" {
					out = response(loginBody)
				}
				if _, err := io.WriteString(conn, out); err != nil {
					return
				}
			}
		}()
	}
}

// headerSize is the size of the request line and headers as fasthttp
// writes them: "METHOD URI HTTP/1.1\r\n", "Name: value\r\n" each, "\r\n".
func headerSize(req *http.Request) int64 {
	n := len(req.Method) + 1 + len(req.RequestURI) + 1 + len("HTTP/1.1\r\n")
	n += len("Host: ") + len(req.Host) + 2
	for k, vs := range req.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return int64(n + 2)
}

// TestWireBytesOfAKnownExchange runs ValidateToken over rest against a
// server whose every answer is known to the byte: the bytes the driver
// read must be exactly those answers, and the bytes it wrote exactly the
// requests the server read.
func TestWireBytesOfAKnownExchange(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s := &cannedServer{reqBytes: map[string]int64{}, reqs: map[string]int64{}}
	go s.serve(t, l)

	tg, err := client.NewTarget(context.Background(), client.TargetConfig{
		Variant: variant.REST, Addr: l.Addr().String(), RPC: client.ValidateToken, User: "loader", Password: "pw",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	const calls = 40
	res, err := load.Run(context.Background(), tg, load.WithWorkers(2), load.WithCalls(calls))
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Check(false); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.reqs["/v1/auth/token/validate"]; n != calls {
		t.Fatalf("server saw %d calls, want %d", n, calls)
	}
	c := res.Counters
	if want := int64(calls * len(response(tokenBody))); c.WireIn != want {
		t.Errorf("wire in = %d, want %d (%d answers of %d bytes)", c.WireIn, want, calls, len(response(tokenBody)))
	}
	if want := s.reqBytes["/v1/auth/token/validate"]; c.WireOut != want {
		t.Errorf("wire out = %d, want %d, the bytes of the requests the server read", c.WireOut, want)
	}
	if want := int64(calls * len(tokenBody)); c.BodyIn != want {
		t.Errorf("body in = %d, want %d", c.BodyIn, want)
	}
	if want := int64(calls * len(`{"token":"tok-123"}`)); c.BodyOut != want {
		t.Errorf("body out = %d, want %d", c.BodyOut, want)
	}
	if !strings.HasPrefix(res.Protocol, "HTTP/1.1") {
		t.Errorf("protocol %q", res.Protocol)
	}
}

// TestCutShortAnswer answers every call as HAProxy does when the backend
// dies mid-answer over HTTP/2: the headers, content-length included, then
// the end of the stream without the body. The lean h2c client must count
// a transport failure (unavailable), not an answer that does not decode.
func TestCutShortAnswer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	hs := &http.Server{Protocols: &protocols, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/auth/validate" {
			io.WriteString(w, loginBody)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(tokenBody)))
		w.WriteHeader(http.StatusOK)
	})}
	go hs.Serve(l)
	defer hs.Close()

	tg, err := load.NewTarget(context.Background(), load.TargetConfig{
		Variant: variant.RESTH2C, Addr: l.Addr().String(), RPC: load.ValidateToken, User: "loader", Password: "pw",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	const calls = 8
	res, err := load.Run(context.Background(), tg, load.WithWorkers(2), load.WithCalls(calls))
	if err != nil {
		t.Fatal(err)
	}
	if res.ErrorCount != calls || res.Errors["unavailable"] != calls || !strings.Contains(res.ErrorMsg["unavailable"], "cut short") {
		t.Errorf("errors %d %v %v: want %d unavailable, cut short", res.ErrorCount, res.Errors, res.ErrorMsg, calls)
	}
}
