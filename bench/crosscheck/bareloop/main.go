// Command bareloop is the least a Go caller can do for one HTTP/1.1 GET at
// a time: one connection, each request formatted once and written in one
// call, the answer read to its end (its Content-Length or last chunk),
// nothing decoded or checked beyond its status. The crosscheck runs it at one caller beside wrk and
// loadgen: what it costs per call over wrk's is Go's scheduler and poller,
// a floor under any Go driver, loadgen included.
//
//	bareloop -addr 127.0.0.1:8080 -paths paths.txt -authorization 'Bearer …' -duration 3s
//
// It prints "calls/s p50-µs p99-µs" for the calls that ended in the window.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"restvsgrpc/internal/cli"
)

func main() { cli.Main("bareloop", run) }

func run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("bareloop", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "the REST server's `host:port`")
	pathsFile := fs.String("paths", "", "`file` of request paths, one per line, fetched in turn")
	authz := fs.String("authorization", "", "the Authorization header's `value`")
	duration := fs.Duration("duration", 3*time.Second, "how long to call")
	if err := cli.Parse(fs, "Usage: bareloop [flags]\n\nOne caller's GETs over one HTTP/1.1 connection, as bare as Go allows.\n\nFlags:\n", args, stdout); err != nil {
		return err
	}
	text, err := os.ReadFile(*pathsFile)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	var reqs [][]byte
	for _, p := range bytes.Fields(text) {
		r := "GET " + string(p) + " HTTP/1.1\r\nHost: " + *addr + "\r\n"
		if *authz != "" {
			r += "Authorization: " + *authz + "\r\n"
		}
		reqs = append(reqs, []byte(r+"\r\n"))
	}
	if len(reqs) == 0 {
		return cli.Usagef("-paths %q names no path", *pathsFile)
	}
	conn, err := new(net.Dialer).DialContext(ctx, "tcp", *addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 64<<10)
	lat := make([]time.Duration, 0, 1<<20)
	start := time.Now()
	for k := 0; time.Since(start) < *duration; k++ {
		t0 := time.Now()
		if _, err := conn.Write(reqs[k%len(reqs)]); err != nil {
			return err
		}
		if err := readAnswer(br); err != nil {
			return fmt.Errorf("call %d: %w", k, err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))]) / 1e3 }
	_, err = fmt.Fprintf(stdout, "%.0f %.0f %.0f\n", float64(len(lat))/elapsed.Seconds(), q(0.5), q(0.99))
	return err
}

// readAnswer reads one answer: a 200 status line, headers, and the body
// by its Content-Length or its chunks (the server chunks larger answers).
func readAnswer(br *bufio.Reader) error {
	status, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("answer %q, want HTTP/1.1 200", bytes.TrimSpace(status))
	}
	n, chunked := -1, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if n, err = strconv.Atoi(string(value)); err != nil {
				return fmt.Errorf("Content-Length %q: %w", value, err)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	switch {
	case chunked:
		return readChunks(br)
	case n < 0:
		return errors.New("answer with neither a Content-Length nor chunks")
	}
	_, err = br.Discard(n)
	return err
}

// readChunks reads a chunked body to its last chunk and the empty line
// after its trailers.
func readChunks(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 32)
		if err != nil || n < 0 {
			return fmt.Errorf("chunk size %q", size)
		}
		if n == 0 {
			break
		}
		if _, err := br.Discard(int(n) + 2); err != nil { // the data and its CRLF
			return err
		}
	}
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			return nil
		}
	}
}
