package grpcsvc_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"restvsgrpc/internal/core"
)

func TestValidateUser(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	tests := []struct {
		name     string
		user, pw string
		valid    bool
	}{
		{name: "right password", user: alice, pw: alicePW, valid: true},
		{name: "wrong password", user: alice, pw: "not-it", valid: false},
		{name: "unknown user", user: "mallory", pw: alicePW, valid: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := f.c.ValidateUser(ctxTimeout(t), tt.user, tt.pw)
			if err != nil {
				t.Fatal(err)
			}
			if r.IsValid != tt.valid || (r.Token != "") != tt.valid || (r.ExpiresAt.IsZero()) == tt.valid || r.Message == "" {
				t.Errorf("ValidateUser(%q, %q) = %+v, want is_valid %v with a token and expiry only when valid", tt.user, tt.pw, r, tt.valid)
			}
		})
	}
}

func TestValidateToken(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	ctx := ctxTimeout(t)
	login, err := f.c.ValidateUser(ctx, bob, bobPW)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.c.ValidateToken(ctx, login.Token)
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.svc.ValidateToken(ctx, login.Token)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" || got.Subject != bob || !got.IsValid {
		t.Errorf("ValidateToken mismatch (-core +grpc):\n%s\ngot %+v", diff, got)
	}

	bad, err := f.c.ValidateToken(ctx, login.Token+"x")
	if err != nil {
		t.Fatal(err)
	}
	if bad.IsValid || bad.Subject != "" {
		t.Errorf("ValidateToken(tampered) = %+v, want is_valid false", bad)
	}
}

func TestGetTransaction(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	c := f.authed(t)
	for _, p := range core.Payloads {
		t.Run("payload="+string(p), func(t *testing.T) {
			t.Parallel()
			id := core.TransactionID(p, p.Records()-1)
			ctx := ctxTimeout(t)
			got, err := c.GetTransaction(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want, err := f.svc.GetTransaction(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GetTransaction(%q) mismatch (-core +grpc):\n%s", id, diff)
			}
		})
	}
}

func TestListTransactions(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	c := f.authed(t)
	tests := []struct {
		name string
		req  core.ListRequest
		n    int
	}{
		{name: "account once", req: core.ListRequest{AccountID: core.AccountID(3)}, n: core.Payload100B.Records() / core.Accounts},
		{name: "limit repeats records", req: core.ListRequest{AccountID: core.AccountID(5), Payload: "1KiB", Limit: 100}, n: 100},
		{name: "paced", req: core.ListRequest{AccountID: core.AccountID(0), Limit: 3, Interval: 1_000_000}, n: 3},
		{name: "large records", req: core.ListRequest{AccountID: core.AccountID(1), Payload: "1MiB"}, n: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxTimeout(t)
			var got, want []*core.Transaction
			if err := c.ListTransactions(ctx, tt.req, func(tx *core.Transaction) error {
				got = append(got, tx)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.ListTransactions(ctx, tt.req, func(tx *core.Transaction) error {
				want = append(want, tx)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.n {
				t.Errorf("got %d records, want %d", len(got), tt.n)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ListTransactions mismatch (-core +grpc):\n%s", diff)
			}
		})
	}
}

func TestListTransactionsFnError(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	c := f.authed(t)
	stop := errors.New("seen enough")
	n := 0
	err := c.ListTransactions(ctxTimeout(t), core.ListRequest{AccountID: core.AccountID(2), Limit: core.MaxListLimit}, func(*core.Transaction) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("ListTransactions = %v after %d records, want fn's error after 5", err, n)
	}
}

func TestUpload(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	c := f.authed(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 200<<10/16) // 200 KiB
	tests := []struct {
		name      string
		data      []byte
		chunkSize int
		chunks    int64
	}{
		{name: "even chunks", data: data[:128<<10], chunkSize: 64 << 10, chunks: 2},
		{name: "short last chunk", data: data, chunkSize: 64 << 10, chunks: 4},
		{name: "one 1MiB-class chunk", data: bytes.Repeat(data, 5), chunkSize: 1 << 20, chunks: 1},
		{name: "default chunk size", data: data, chunkSize: 0, chunks: 4},
		{name: "empty file", data: nil, chunkSize: 1024, chunks: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.Upload(ctxTimeout(t), "report.bin", bytes.NewReader(tt.data), tt.chunkSize)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tt.data)
			want := core.UploadSummary{Filename: "report.bin", Bytes: int64(len(tt.data)), Chunks: tt.chunks, SHA256: hex.EncodeToString(sum[:])}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Upload mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Cleanup(func() {
		if done, failed := f.svc.UploadCounts(); done != int64(len(tests)) || failed != 0 {
			t.Errorf("UploadCounts() = %d completed, %d failed; want %d, 0", done, failed, len(tests))
		}
	})
}

func TestChat(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	ctx := ctxTimeout(t)
	ca, cb := f.authed(t), f.authed(t)
	cb.SetToken(f.login(t, bob, bobPW))

	a, err := ca.Chat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := cb.Chat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	ignore := cmpopts.IgnoreFields(core.ChatEvent{}, "SentAt")
	expect := func(s interface {
		Recv() (core.ChatEvent, error)
	}, want core.ChatEvent) {
		t.Helper()
		got, err := s.Recv()
		if err != nil {
			t.Fatalf("Recv: %v, want %+v", err, want)
		}
		if diff := cmp.Diff(want, got, ignore); diff != "" || got.SentAt.IsZero() {
			t.Errorf("Recv mismatch (-want +got):\n%s", diff)
		}
	}

	// alice joins first; her ack proves she is in the room before bob posts.
	if err := a.Send(core.ChatMessage{Room: "ops", Seq: 1, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	expect(a, core.ChatEvent{Kind: core.EventAck, Room: "ops", Seq: 1, From: alice})
	if err := b.Send(core.ChatMessage{Room: "ops", Seq: 7, Text: "hi alice"}); err != nil {
		t.Fatal(err)
	}
	expect(b, core.ChatEvent{Kind: core.EventAck, Room: "ops", Seq: 7, From: bob})
	expect(a, core.ChatEvent{Kind: core.EventMessage, Room: "ops", Seq: 7, From: bob, Text: "hi alice"})

	for _, s := range []interface {
		CloseSend() error
		Recv() (core.ChatEvent, error)
	}{a, b} {
		if err := s.CloseSend(); err != nil {
			t.Fatal(err)
		}
		if ev, err := s.Recv(); !errors.Is(err, io.EOF) {
			t.Errorf("Recv after CloseSend = %+v, %v; want io.EOF", ev, err)
		}
	}
}
