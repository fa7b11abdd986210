package restsvc_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	f := start(t)
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := f.newClient(t, variant)

			bad, err := c.ValidateUser(ctx, user, "wrong-pass")
			if err != nil {
				t.Fatalf("ValidateUser(wrong password): %v", err)
			}
			if bad.IsValid || bad.Token != "" {
				t.Errorf("ValidateUser(wrong password) = %+v, want is_valid false and no token", bad)
			}

			good, err := c.ValidateUser(ctx, user, password)
			if err != nil {
				t.Fatalf("ValidateUser: %v", err)
			}
			want, err := f.svc.ValidateToken(ctx, good.Token)
			if err != nil {
				t.Fatal(err)
			}
			if !good.IsValid || !want.IsValid || !good.ExpiresAt.Equal(want.ExpiresAt) {
				t.Errorf("ValidateUser = %+v, want a valid token expiring at %v", good, want.ExpiresAt)
			}

			got, err := c.ValidateToken(ctx, good.Token)
			if err != nil {
				t.Fatalf("ValidateToken: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ValidateToken (-want +got):\n%s", diff)
			}

			forged, err := c.ValidateToken(ctx, good.Token+"x")
			if err != nil {
				t.Fatalf("ValidateToken(forged): %v", err)
			}
			if forged.IsValid {
				t.Errorf("ValidateToken(forged) = %+v, want is_valid false", forged)
			}

			_, err = c.ValidateUser(ctx, "", password)
			if got := core.CodeOf(err); got != core.CodeInvalidArgument {
				t.Errorf("ValidateUser(no username): code %v (%v), want %v", got, err, core.CodeInvalidArgument)
			}
			if got := c.LastProto(); got != wantProto(variant) {
				t.Errorf("LastProto() = %q, want %q", got, wantProto(variant))
			}
		})
	}
}

func TestGetTransaction(t *testing.T) {
	t.Parallel()
	f := start(t)
	ids := []string{core.TransactionID(core.Payload100B, 0), core.TransactionID(core.Payload1KiB, 17), core.TransactionID(core.Payload64KiB, 3)}
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := f.login(t, variant)
			for _, id := range ids {
				want, err := f.svc.GetTransaction(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.GetTransaction(ctx, id)
				if err != nil {
					t.Fatalf("GetTransaction(%q): %v", id, err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("GetTransaction(%q) (-want +got):\n%s", id, diff)
				}
			}
			if got := c.LastProto(); got != wantProto(variant) {
				t.Errorf("LastProto() = %q, want %q", got, wantProto(variant))
			}
		})
	}
}

// feed returns what the core itself sends for req.
func feed(t *testing.T, svc *core.Service, req core.ListRequest) []*core.Transaction {
	t.Helper()
	var out []*core.Transaction
	if err := svc.ListTransactions(context.Background(), req, func(tx *core.Transaction) error {
		out = append(out, tx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestListTransactions(t *testing.T) {
	t.Parallel()
	f := start(t)
	modes := []struct {
		name    string
		variant string
		opts    []client.RESTOption
	}{
		{name: "rest/ndjson", variant: "rest"},
		{name: "rest/sse", variant: "rest", opts: []client.RESTOption{client.WithSSE()}},
		{name: "rest-proto", variant: "rest-proto"},
		{name: "rest-h2c/ndjson", variant: "rest-h2c"},
		{name: "rest-h2c/sse", variant: "rest-h2c", opts: []client.RESTOption{client.WithSSE()}},
	}
	reqs := []struct {
		name string
		req  core.ListRequest
	}{
		{name: "all", req: core.ListRequest{AccountID: core.AccountID(3), Payload: "1KiB"}},
		{name: "limit", req: core.ListRequest{AccountID: core.AccountID(5), Payload: "100B", Limit: 600}},
		{name: "large", req: core.ListRequest{AccountID: core.AccountID(1), Payload: "64KiB", Limit: 6}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			c := f.login(t, m.variant, m.opts...)
			for _, r := range reqs {
				want := feed(t, f.svc, r.req)
				var got []*core.Transaction
				err := c.ListTransactions(context.Background(), r.req, func(tx *core.Transaction) error {
					got = append(got, tx)
					return nil
				})
				if err != nil {
					t.Fatalf("%s: ListTransactions: %v", r.name, err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: ListTransactions (-want +got):\n%s", r.name, diff)
				}
			}
			if got := c.LastProto(); got != wantProto(m.variant) {
				t.Errorf("LastProto() = %q, want %q", got, wantProto(m.variant))
			}
		})
	}
}

func TestUpload(t *testing.T) {
	t.Parallel()
	f := start(t)
	data := make([]byte, 1<<20+12345)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			c := f.login(t, variant)
			got, err := c.Upload(context.Background(), "data.bin", bytes.NewReader(data), 10000)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			want := core.UploadSummary{Filename: "data.bin", Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
			if diff := cmp.Diff(want, got, cmpIgnoreChunks); diff != "" {
				t.Errorf("Upload (-want +got):\n%s", diff)
			}
			if got.Chunks < 1 {
				t.Errorf("Upload: %d chunks, want at least 1", got.Chunks)
			}
		})
	}
}

var cmpIgnoreChunks = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Chunks" }, cmp.Ignore())

func TestChat(t *testing.T) {
	t.Parallel()
	f := start(t)
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			room := "room-" + variant
			a, b := f.login(t, variant), f.login(t, variant)

			bs, err := b.Chat(ctx)
			if err != nil {
				t.Fatalf("Chat: %v", err)
			}
			defer bs.Close()
			// b joins the room with its first message and waits for its ack.
			if err := bs.Send(core.ChatMessage{Room: room, Seq: 1, Text: "hello"}); err != nil {
				t.Fatal(err)
			}
			if ev := recv(t, bs); ev.Kind != core.EventAck || ev.Seq != 1 {
				t.Fatalf("b got %+v, want the ack of seq 1", ev)
			}

			as, err := a.Chat(ctx)
			if err != nil {
				t.Fatalf("Chat: %v", err)
			}
			defer as.Close()
			if err := as.Send(core.ChatMessage{Room: room, Seq: 42, Text: "hi b"}); err != nil {
				t.Fatal(err)
			}
			ack := recv(t, as)
			if ack.Kind != core.EventAck || ack.Seq != 42 || ack.Room != room || ack.From != user {
				t.Errorf("a got %+v, want the ack of seq 42", ack)
			}
			msg := recv(t, bs)
			want := core.ChatEvent{Kind: core.EventMessage, Room: room, Seq: 42, From: user, Text: "hi b", SentAt: ack.SentAt}
			if diff := cmp.Diff(want, msg); diff != "" {
				t.Errorf("b got (-want +got):\n%s", diff)
			}

			// Half-close: each side's session then ends cleanly.
			for name, s := range map[string]client.ChatSession{"a": as, "b": bs} {
				if err := s.CloseSend(); err != nil {
					t.Fatalf("%s: CloseSend: %v", name, err)
				}
				if ev, err := s.Recv(); !errors.Is(err, io.EOF) {
					t.Errorf("%s: Recv after CloseSend = %+v, %v; want io.EOF", name, ev, err)
				}
			}
		})
	}
}

func recv(t *testing.T, s client.ChatSession) core.ChatEvent {
	t.Helper()
	ev, err := s.Recv()
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	return ev
}
