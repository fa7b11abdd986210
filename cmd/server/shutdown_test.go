package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

// gatedReader yields its first chunk, then waits for open to be closed
// before yielding the rest: an upload held in flight.
type gatedReader struct {
	data  []byte
	chunk int
	sent  int
	open  <-chan struct{}
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.sent >= len(g.data) {
		return 0, io.EOF
	}
	if g.sent >= g.chunk {
		<-g.open
	}
	n := copy(p[:min(len(p), g.chunk)], g.data[g.sent:])
	g.sent += n
	return n, nil
}

// dial returns an HTTP client of its own and a gRPC connection for p's
// servers, closed when the test ends.
func (p *proc) dial(t *testing.T) (*http.Client, *grpc.ClientConn) {
	t.Helper()
	conn, err := grpc.NewClient(p.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, conn
}

// serverStats reads the server's /debug/stats.
func serverStats(t *testing.T, debugURL string) debugStats {
	t.Helper()
	resp, err := http.Get(debugURL + "/debug/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s debugStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// serverGoroutines reads the goroutine count from the server's
// /debug/stats.
func serverGoroutines(t *testing.T, debugURL string) int {
	t.Helper()
	return serverStats(t, debugURL).Goroutines
}

// debugURL returns the debug base URL from p's ready line.
func (p *proc) debugURL(t *testing.T) string {
	t.Helper()
	for _, l := range p.stdout {
		for _, f := range strings.Fields(l) {
			if v, ok := strings.CutPrefix(f, "debug="); ok {
				return v
			}
		}
	}
	t.Fatalf("no debug address in %q", p.stdout)
	return ""
}

// TestShutdownUnderLoad sends SIGTERM to the binary while unary calls,
// paced feeds, uploads and chat sessions are in flight over REST and gRPC,
// and checks the promises of a graceful shutdown: streams in flight end
// with a clean status after their last record, uploads in flight complete
// with the right summary, every summary a client saw is counted by the
// server, unary calls either succeed with the right answer or are refused
// (never a wrong or cut answer), and the process exits 0.
func TestShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	p := startServer(t, "-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0",
		"-user", "alice:s3cret-pass", "-bcrypt-cost", "8", "-grace", "60s")
	debugURL := p.debugURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	hc, conn := p.dial(t)
	clients := []client.Client{client.NewREST(p.rest, hc), client.NewGRPC(conn)}
	for _, c := range clients {
		login, err := c.ValidateUser(ctx, "alice", "s3cret-pass")
		if err != nil || !login.IsValid {
			t.Fatalf("%s: login: %+v, %v", c.Variant(), login, err)
		}
		c.SetToken(login.Token)
	}

	var (
		wg      sync.WaitGroup
		stopped = make(chan struct{}) // closed once SIGTERM is sent
		release = make(chan struct{}) // lets the gated uploads finish
		mu      sync.Mutex
		seen    int // upload summaries the clients saw
	)
	const feedLen = 50

	// Paced feeds, each in flight (its first record seen) before SIGTERM.
	feedsStarted := make(chan struct{}, len(clients))
	for _, c := range clients {
		wg.Go(func() {
			n := 0
			err := c.ListTransactions(ctx, core.ListRequest{AccountID: core.AccountID(3), Limit: feedLen, Interval: 100 * time.Millisecond}, func(*core.Transaction) error {
				if n++; n == 1 {
					feedsStarted <- struct{}{}
				}
				return nil
			})
			if err != nil || n != feedLen {
				t.Errorf("%s: feed in flight at shutdown: %d of %d records, %v; want all and a clean end", c.Variant(), n, feedLen, err)
			}
		})
	}
	for range clients {
		select {
		case <-feedsStarted:
		case <-ctx.Done():
			t.Fatal("feeds did not start")
		}
	}

	// Chat sessions, each open (a message acknowledged) before SIGTERM.
	chats := make([]client.ChatSession, len(clients))
	for i, c := range clients {
		s, err := c.Chat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Send(core.ChatMessage{Room: "shutdown-" + c.Variant(), Seq: 1, Text: "before"}); err != nil {
			t.Fatal(err)
		}
		if ev, err := s.Recv(); err != nil || ev.Kind != core.EventAck {
			t.Fatalf("%s: chat ack: %+v, %v", c.Variant(), ev, err)
		}
		chats[i] = s
	}

	// Uploads held in flight by their readers.
	base := serverGoroutines(t, debugURL)
	const uploads = 2                                        // per client
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	sum := sha256.Sum256(data)
	for _, c := range clients {
		for u := range uploads {
			wg.Go(func() {
				name := fmt.Sprintf("%s-%d.bin", c.Variant(), u)
				s, err := c.Upload(ctx, name, &gatedReader{data: data, chunk: 32 << 10, open: release}, 32<<10)
				if err != nil {
					t.Errorf("%s: upload in flight at shutdown failed: %v", name, err)
					return
				}
				mu.Lock()
				seen++
				mu.Unlock()
				if s.Bytes != int64(len(data)) || s.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("%s: summary %+v, want %d bytes and the data's SHA-256", name, s, len(data))
				}
			})
		}
	}
	// Each upload the server has started holds a goroutine there.
	deadline := time.Now().Add(time.Minute)
	for serverGoroutines(t, debugURL) < base+uploads*len(clients) {
		if time.Now().After(deadline) {
			t.Fatal("the uploads never reached the server")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Unary calls, one after another, until the server refuses one; each
	// worker has made one before SIGTERM.
	unaryStarted := make(chan struct{}, 4*len(clients))
	for _, c := range clients {
		for w := range 2 {
			wg.Go(func() {
				id := core.TransactionID(core.Payload1KiB, w)
				for i := 0; ; i++ {
					var err error
					if i%4 == 0 {
						var r core.UserResult
						r, err = c.ValidateUser(ctx, "alice", "s3cret-pass")
						if err == nil && !r.IsValid {
							t.Errorf("%s: a login during shutdown answered %+v", c.Variant(), r)
						}
					} else {
						var tx *core.Transaction
						tx, err = c.GetTransaction(ctx, id)
						if err == nil && tx.ID != id {
							t.Errorf("%s: GetTransaction(%q) answered %q", c.Variant(), id, tx.ID)
						}
					}
					if err == nil && i == 0 {
						unaryStarted <- struct{}{}
					}
					if err != nil {
						select {
						case <-stopped:
						default:
							t.Errorf("%s: a unary call failed before shutdown: %v", c.Variant(), err)
						}
						return
					}
				}
			})
		}
	}

	for range 2 * len(clients) {
		select {
		case <-unaryStarted:
		case <-ctx.Done():
			t.Fatal("unary calls did not start")
		}
	}

	close(stopped) // before the signal: a refusal from here on is expected
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var after []string
	if l, ok := <-p.rest2; !ok || l != "shutting down" {
		t.Fatalf("after SIGTERM printed %q, want shutting down", l)
	}

	// The chat sessions still work during the grace period, and end
	// cleanly when their members are done.
	for i, s := range chats {
		if err := s.Send(core.ChatMessage{Room: "shutdown-" + clients[i].Variant(), Seq: 2, Text: "after"}); err != nil {
			t.Errorf("%s: chat send during shutdown: %v", clients[i].Variant(), err)
			continue
		}
		if ev, err := s.Recv(); err != nil || ev.Seq != 2 {
			t.Errorf("%s: chat ack during shutdown: %+v, %v", clients[i].Variant(), ev, err)
		}
		if err := s.CloseSend(); err != nil {
			t.Errorf("%s: CloseSend: %v", clients[i].Variant(), err)
		}
		if _, err := s.Recv(); !errors.Is(err, io.EOF) {
			t.Errorf("%s: chat end during shutdown: %v, want a clean end (io.EOF)", clients[i].Variant(), err)
		}
	}

	close(release)
	wg.Wait()
	for l := range p.rest2 {
		after = append(after, l)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("exit: %v, want status 0; stderr: %s", err, p.stderr)
		}
	case <-time.After(time.Minute):
		t.Fatal("server did not exit")
	}
	if seen != uploads*len(clients) {
		t.Errorf("%d upload summaries seen, want %d", seen, uploads*len(clients))
	}
	// The logins before the load are not uploads; every summary seen was
	// counted, and no upload failed.
	want := []string{fmt.Sprintf("uploads completed=%d failed=0", seen), "stopped"}
	if strings.Join(after, "\n") != strings.Join(want, "\n") {
		t.Errorf("printed after shutting down: %q, want %q", after, want)
	}
}
