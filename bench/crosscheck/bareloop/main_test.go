package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadAnswer(t *testing.T) {
	for _, tc := range []struct{ name, in, err string }{
		{"ok", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1", ""},
		{"status", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "want HTTP/1.1 200"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1;x=y\r\nd\r\n0\r\nX-Error-Code: 0\r\n\r\nHTTP/1.1", ""},
		{"no length", "HTTP/1.1 200 OK\r\n\r\n", "neither a Content-Length nor chunks"},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"},
		{"cut short", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", "EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tc.in))
			err := readAnswer(br)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if rest, _ := br.Peek(8); string(rest) != "HTTP/1.1" {
					t.Errorf("after the answer the reader is at %q, want the next answer", rest)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want one containing %q", err, tc.err)
			}
		})
	}
}

// TestRun calls a real server in turn on each path with the header, reads
// sized and chunked answers, and prints its three figures.
func TestRun(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer x" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if len(seen) < 4 {
			seen = append(seen, r.URL.Path)
		}
		if r.URL.Path == "/b" {
			w.Write(bytes.Repeat([]byte("r"), 8<<10)) // past net/http's buffer: chunked
			return
		}
		w.Write([]byte("record"))
	}))
	defer srv.Close()
	paths := filepath.Join(t.TempDir(), "paths.txt")
	os.WriteFile(paths, []byte("/a\n/b\n"), 0o644)
	var out bytes.Buffer
	args := []string{"-addr", srv.Listener.Addr().String(), "-paths", paths, "-authorization", "Bearer x", "-duration", "50ms"}
	if err := run(context.Background(), args, &out, nil); err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(out.String()); len(f) != 3 {
		t.Errorf("printed %q, want calls/s, p50 and p99", out.String())
	}
	if strings.Join(seen, " ") != "/a /b /a /b" {
		t.Errorf("paths fetched %v, want /a and /b in turn", seen)
	}
	args[5] = "Bearer y"
	if err := run(context.Background(), args, &out, nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("with a wrong token: %v, want the 401 answer named", err)
	}
}
