package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/openfiles"
	"restvsgrpc/internal/variant"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds the command once for every test that runs it.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "cmd-server-test-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "server")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// syncBuffer is a bytes.Buffer safe for the exec package's copying
// goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running server binary.
type proc struct {
	cmd    *exec.Cmd
	stdout []string // lines up to and including "ready ..."
	stderr *syncBuffer
	rest   string // base URL
	grpc   string // host:port
	// ready holds every address of the ready line by name ("connect",
	// "gateway", ...).
	ready map[string]string
	rest2 chan string
	done  chan error
}

// startServer runs the binary and waits for its ready line.
func startServer(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary(t), args...), stderr: new(syncBuffer), rest2: make(chan string, 64), done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill() // harmless once it has exited
		for range lines {
		}
	})
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("server exited before it was ready: %v\nstdout: %q\nstderr: %s", <-p.done, p.stdout, p.stderr)
			}
			p.stdout = append(p.stdout, line)
			if rest, ok := strings.CutPrefix(line, "ready "); ok {
				p.ready = map[string]string{}
				for _, f := range strings.Fields(rest) {
					if k, v, ok := strings.Cut(f, "="); ok {
						p.ready[k] = v
					}
					if v, ok := strings.CutPrefix(f, "rest="); ok {
						p.rest = v
					}
					if v, ok := strings.CutPrefix(f, "grpc="); ok {
						p.grpc = v
					}
				}
				// Forward the rest of stdout for stop to read.
				go func() {
					for l := range lines {
						p.rest2 <- l
					}
					close(p.rest2)
				}()
				return p
			}
		case <-timeout:
			t.Fatalf("no ready line; stdout so far %q, stderr %s", p.stdout, p.stderr)
		}
	}
}

// stop sends SIGTERM and returns what was printed after the ready line and
// the exit error.
func (p *proc) stop(t *testing.T) ([]string, error) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var after []string
	for l := range p.rest2 {
		after = append(after, l)
	}
	select {
	case err := <-p.done:
		return after, err
	case <-time.After(60 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
		return nil, nil
	}
}

// runBinary runs the binary to completion and returns its exit status and
// output.
func runBinary(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a server that does not exit is killed
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func TestServeAndShutdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		restProto string // what the REST client must negotiate
	}{
		{name: "cleartext", restProto: "HTTP/1.1"},
		{name: "h2c", args: []string{"-h2c"}, restProto: "HTTP/2.0"},
		{name: "tls", args: []string{"-tls"}, restProto: "HTTP/1.1"},
		{name: "tls h2", args: []string{"-tls", "-h2"}, restProto: "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			certFile, readyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "ready.json")
			args := append([]string{"-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-user", "alice:s3cret-pass", "-bcrypt-cost", "4", "-ready-file", readyFile}, tt.args...)
			tlsOn := strings.HasPrefix(tt.name, "tls")
			if tlsOn {
				args = append(args, "-write-cert", certFile)
			}
			p := startServer(t, args...)

			var ready readyInfo
			if b, err := os.ReadFile(readyFile); err != nil || json.Unmarshal(b, &ready) != nil || ready.REST != p.rest || ready.GRPC != p.grpc || ready.TLS != tlsOn {
				t.Errorf("ready file = %s (%v), want %s and %s, tls %v", b, err, p.rest, p.grpc, tlsOn)
			}

			var pool *x509.CertPool
			if tlsOn {
				pem, err := os.ReadFile(certFile)
				if err != nil {
					t.Fatal(err)
				}
				pool = x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					t.Fatal("bad certificate written")
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()

			// One REST call, checking the negotiated protocol.
			tr := &http.Transport{Protocols: new(http.Protocols)}
			tr.Protocols.SetHTTP1(true)
			switch {
			case tlsOn:
				tr.TLSClientConfig = &tls.Config{RootCAs: pool}
				tr.Protocols.SetHTTP2(tt.restProto == "HTTP/2.0")
			case tt.restProto == "HTTP/2.0":
				// Prior knowledge: with HTTP/1 also on, http:// URLs use it.
				tr.Protocols.SetHTTP1(false)
				tr.Protocols.SetUnencryptedHTTP2(true)
			}
			hc := &http.Client{Transport: tr}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.rest+"/v1/auth/validate", strings.NewReader(`{"username":"alice","password":"s3cret-pass"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var login core.UserResult
			err = json.NewDecoder(resp.Body).Decode(&login)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || !login.IsValid || resp.Proto != tt.restProto {
				t.Errorf("REST login: %s %s, %+v, %v; want 200 %s with a token", resp.Proto, resp.Status, login, err, tt.restProto)
			}

			// One gRPC call, with the token REST issued: one core behind both.
			creds := insecure.NewCredentials()
			if tlsOn {
				creds = credentials.NewTLS(&tls.Config{RootCAs: pool})
			}
			conn, err := grpc.NewClient(p.grpc, grpc.WithTransportCredentials(creds))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			c := client.NewGRPC(conn)
			c.SetToken(login.Token)
			id := core.TransactionID(core.Payload1KiB, 3)
			if tx, err := c.GetTransaction(ctx, id); err != nil || tx.ID != id {
				t.Errorf("gRPC GetTransaction(%q) = %v, %v", id, tx, err)
			}

			after, err := p.stop(t)
			if err != nil {
				t.Errorf("exit after SIGTERM: %v, want status 0; stderr: %s", err, p.stderr)
			}
			if want := []string{"shutting down", "uploads completed=0 failed=0", "stopped"}; strings.Join(after, "\n") != strings.Join(want, "\n") {
				t.Errorf("printed after ready: %q, want %q", after, want)
			}
			if s := p.stderr.String(); s != "" {
				t.Errorf("stderr = %q, want nothing", s)
			}
		})
	}
}

// TestDemoUser checks that without -user a demo user is made and its
// password printed once.
func TestDemoUser(t *testing.T) {
	t.Parallel()
	p := startServer(t, "-rest-addr", "", "-grpc-addr", "127.0.0.1:0", "-bcrypt-cost", "4")
	var pw string
	for _, l := range p.stdout {
		if v, ok := strings.CutPrefix(l, "no -user given: created user demo with password "); ok {
			pw = v
		}
	}
	if pw == "" || p.rest != "" {
		t.Fatalf("stdout %q: want the demo password and no REST address", p.stdout)
	}
	conn, err := grpc.NewClient(p.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r, err := client.NewGRPC(conn).ValidateUser(t.Context(), "demo", pw)
	if err != nil || !r.IsValid {
		t.Errorf("ValidateUser(demo) = %+v, %v", r, err)
	}
	if _, err := p.stop(t); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// TestMiddleWays serves the connect and gateway servers next to gRPC and
// makes a unary call and a feed through each middle way's target, then
// shuts down cleanly.
func TestMiddleWays(t *testing.T) {
	t.Parallel()
	p := startServer(t, "-rest-addr", "", "-grpc-addr", "127.0.0.1:0", "-connect-addr", "127.0.0.1:0", "-gateway-addr", "127.0.0.1:0",
		"-bcrypt-cost", "4", "-user", "alice:s3cret-pass", "-login-user-burst", "0", "-login-addr-burst", "0")
	for _, v := range variant.Middle {
		addr := p.ready["connect"]
		if v == variant.Gateway {
			addr = p.ready["gateway"]
		}
		for _, rpc := range []client.RPC{client.GetTransaction, client.ListTransactions} {
			tg, err := client.NewTarget(t.Context(), client.TargetConfig{Variant: v, Addr: addr, RPC: rpc, Check: client.CheckDecode,
				User: "alice", Password: "s3cret-pass", StreamMsgs: 3})
			if err != nil {
				t.Fatalf("%s %s: %v", v, rpc, err)
			}
			c, err := tg.NewCaller(t.Context(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Call(t.Context()); err != nil {
				t.Errorf("%s %s: %v", v, rpc, err)
			}
			if got := tg.Protocol(); got != "HTTP/1.1" {
				t.Errorf("%s %s: protocol %q, want HTTP/1.1", v, rpc, got)
			}
			c.Close()
			tg.Close()
		}
	}
	if _, err := p.stop(t); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// TestShutdownCutsLongStreams checks that a stream outliving -grace is cut
// and the server still exits 0.
func TestShutdownCutsLongStreams(t *testing.T) {
	t.Parallel()
	p := startServer(t, "-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-user", "alice:s3cret-pass", "-bcrypt-cost", "4", "-grace", "200ms")
	conn, err := grpc.NewClient(p.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := client.NewGRPC(conn)
	login, err := c.ValidateUser(t.Context(), "alice", "s3cret-pass")
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(login.Token)

	// A paced feed that would run for many minutes.
	first := make(chan struct{})
	streamErr := make(chan error, 1)
	go func() {
		var once sync.Once
		streamErr <- c.ListTransactions(t.Context(), core.ListRequest{AccountID: core.AccountID(0), Limit: 1000, Interval: time.Second}, func(*core.Transaction) error {
			once.Do(func() { close(first) })
			return nil
		})
	}()
	select {
	case <-first:
	case err := <-streamErr:
		t.Fatalf("stream ended before its first record: %v", err)
	}

	// The same feed over REST, as NDJSON.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, p.rest+"/v1/transactions?account=acct-0001&limit=1000&interval_ms=1000", nil)
	req.Header.Set("Authorization", "Bearer "+login.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := bufio.NewReader(resp.Body)
	if line, err := body.ReadString('\n'); err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(line, `"id"`) {
		t.Fatalf("REST feed: %s, first line %q, %v", resp.Status, line, err)
	}
	restDone := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, body)
		restDone <- err
	}()

	if _, err := p.stop(t); err != nil {
		t.Errorf("exit: %v, want status 0; stderr: %s", err, p.stderr)
	}
	if err := <-streamErr; err == nil {
		t.Error("the long stream ended without an error; want it cut at shutdown")
	} else if code := core.CodeOf(err); code != core.CodeUnavailable && code != core.CodeCanceled {
		t.Errorf("stream ended with %v, want unavailable or canceled", err)
	}
	// A cut chunked body reads as an error, or as an early end; either
	// way the read returns instead of waiting out the 1000 records.
	<-restDone
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	most, err := openfiles.Most()
	if err != nil {
		most = 1 << 30
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "busy grpc port", args: []string{"-rest-addr", "127.0.0.1:0", "-grpc-addr", busy.Addr().String(), "-user", "a:b", "-bcrypt-cost", "4"}, code: 1, want: "address already in use"},
		{name: "busy rest port", args: []string{"-rest-addr", busy.Addr().String(), "-grpc-addr", "127.0.0.1:0", "-user", "a:b", "-bcrypt-cost", "4"}, code: 1, want: "address already in use"},
		{name: "bad flag", args: []string{"-rest-adr", "x"}, code: 2, want: "flag provided but not defined"},
		{name: "more files than the kernel allows", args: []string{"-open-files", strconv.Itoa(most + 1), "-user", "a:b", "-bcrypt-cost", "4"}, code: 1, want: "ulimit -Hn"},
		{name: "missing token key file", args: []string{"-token-key-file", "/nonexistent/key", "-bcrypt-cost", "4"}, code: 1, want: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runBinary(t, tt.args...)
			if code != tt.code || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "server: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and one line about %q", code, stderr, tt.code, tt.want)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := runBinary(t, "-help")
		if code != 0 || !strings.HasPrefix(stdout, "Usage: server") || stderr != "" {
			t.Errorf("-help: exit %d, stdout %.40q, stderr %q", code, stdout, stderr)
		}
	})
}
