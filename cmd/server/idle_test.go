package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

// idleConns is the short form of the check (cmd/fleet runs it
// with 10,000): a caller holding this many connections that send nothing.
const idleConns = 2000

// TestIdleConnections opens idleConns connections to each port and sends
// nothing on them; while they are held, ordinary REST and gRPC calls still
// succeed. The gRPC ones are held for sure (a handshake timeout of 10
// minutes), and the server's open files show that it holds them.
func TestIdleConnections(t *testing.T) {
	t.Parallel()
	p := startServer(t, "-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-h2c", "-user", "alice:s3cret-pass", "-bcrypt-cost", "4",
		"-grpc-handshake-timeout", "10m", "-open-files", strconv.Itoa(2*idleConns+1000))
	for _, addr := range []string{strings.TrimPrefix(p.rest, "http://"), p.grpc} {
		for range idleConns {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("idle connection to %s: %v", addr, err)
			}
			t.Cleanup(func() { c.Close() })
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	rc := client.NewREST(p.rest, &http.Client{Transport: tr})
	login, err := rc.ValidateUser(ctx, "alice", "s3cret-pass")
	if err != nil || !login.IsValid {
		t.Fatalf("REST login with %d idle connections held on each port: %+v, %v", idleConns, login, err)
	}
	rc.SetToken(login.Token)
	id := core.TransactionID(core.Payload100B, 7)
	if tx, err := rc.GetTransaction(ctx, id); err != nil || tx.ID != id {
		t.Errorf("REST GetTransaction(%q) = %v, %v", id, tx, err)
	}
	conn, err := grpc.NewClient(p.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	gc := client.NewGRPC(conn)
	gc.SetToken(login.Token)
	if tx, err := gc.GetTransaction(ctx, id); err != nil || tx.ID != id {
		t.Errorf("gRPC GetTransaction(%q) = %v, %v", id, tx, err)
	}

	fds, err := os.ReadDir("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/fd")
	if err != nil {
		t.Skip(err)
	}
	if len(fds) < idleConns {
		t.Errorf("the server holds %d open files, fewer than the %d idle gRPC connections: it did not take them", len(fds), idleConns)
	}
	t.Logf("server open files with %d idle connections on each port: %d", idleConns, len(fds))
}
