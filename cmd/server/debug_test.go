package main

import (
	"context"
	"testing"
	"time"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

// TestDebugCallCounts checks that /debug/stats counts the calls each
// server began, one per REST request and one per RPC, streams included:
// the figure a balanced run divides among its backends.
func TestDebugCallCounts(t *testing.T) {
	t.Parallel()
	p := startServer(t, "-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0",
		"-user", "alice:s3cret-pass", "-bcrypt-cost", "4")
	debugURL := p.debugURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	hc, conn := p.dial(t)
	rest, grpcc := client.NewREST(p.rest, hc), client.NewGRPC(conn)
	// Each client logs in once, then makes n failing unary calls and one
	// feed: n+2 calls.
	const restN, grpcN = 3, 5
	for c, n := range map[client.Client]int{rest: restN, grpcc: grpcN} {
		login, err := c.ValidateUser(ctx, "alice", "s3cret-pass")
		if err != nil || !login.IsValid {
			t.Fatalf("%s: login: %+v, %v", c.Variant(), login, err)
		}
		c.SetToken(login.Token)
		for range n {
			if _, err := c.GetTransaction(ctx, "no-such-id"); err == nil {
				t.Fatalf("%s: GetTransaction of an unknown id succeeded", c.Variant())
			}
		}
		feed := core.ListRequest{AccountID: core.AccountID(1), Limit: 3}
		if err := c.ListTransactions(ctx, feed, func(*core.Transaction) error { return nil }); err != nil {
			t.Fatalf("%s: ListTransactions: %v", c.Variant(), err)
		}
	}
	s := serverStats(t, debugURL)
	if s.RESTCalls != restN+2 || s.GRPCCalls != grpcN+2 {
		t.Errorf("rest_calls %d, grpc_calls %d; want %d, %d", s.RESTCalls, s.GRPCCalls, restN+2, grpcN+2)
	}
}
