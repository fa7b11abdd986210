package restsvc_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

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
