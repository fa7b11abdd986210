package core_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/internal/core"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newService(t *testing.T, opts ...core.Option) *core.Service {
	t.Helper()
	opts = append([]core.Option{core.WithBcryptCost(bcrypt.MinCost), core.WithUser("alice", "s3cret-pass")}, opts...)
	s, err := core.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []core.Option
	}{
		{"empty username", []core.Option{core.WithUser("", "pw")}},
		{"bad username", []core.Option{core.WithUser("a b", "pw")}},
		{"empty password", []core.Option{core.WithUser("bob", "")}},
		{"long password", []core.Option{core.WithUser("bob", strings.Repeat("x", 73))}},
		{"duplicate user", []core.Option{core.WithUser("bob", "pw"), core.WithUser("bob", "pw2")}},
		{"short key", []core.Option{core.WithTokenKey([]byte("short"))}},
		{"negative ttl", []core.Option{core.WithTokenTTL(-time.Second)}},
		{"negative work", []core.Option{core.WithWork(-time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]core.Option{core.WithBcryptCost(bcrypt.MinCost)}, tt.opts...)
			if _, err := core.New(opts...); err == nil {
				t.Fatal("New succeeded, want an error")
			}
		})
	}
}

func TestValidateUser(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		user, pw  string
		wantValid bool
		wantCode  core.Code
	}{
		{name: "right", user: "alice", pw: "s3cret-pass", wantValid: true},
		{name: "wrong password", user: "alice", pw: "nope"},
		{name: "unknown user", user: "mallory", pw: "s3cret-pass"},
		{name: "empty username", user: "", pw: "x", wantCode: core.CodeInvalidArgument},
		{name: "empty password", user: "alice", pw: "", wantCode: core.CodeInvalidArgument},
		{name: "long username", user: strings.Repeat("a", 65), pw: "x", wantCode: core.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.ValidateUser(ctx, "", tt.user, tt.pw)
			if tt.wantCode != core.CodeUnknown {
				if core.CodeOf(err) != tt.wantCode {
					t.Fatalf("err = %v, want code %v", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.IsValid != tt.wantValid {
				t.Fatalf("IsValid = %v, want %v (%+v)", got.IsValid, tt.wantValid, got)
			}
			if got.IsValid != (got.Token != "") {
				t.Fatalf("token %q given with IsValid %v", got.Token, got.IsValid)
			}
			if strings.Contains(got.Token, tt.pw) {
				t.Fatal("token contains the password")
			}
		})
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newService(t, core.WithClock(clock), core.WithTokenTTL(time.Minute))
	other := newService(t, core.WithClock(clock))
	ctx := context.Background()

	login, err := s.ValidateUser(ctx, "", "alice", "s3cret-pass")
	if err != nil || !login.IsValid {
		t.Fatalf("login: %+v, %v", login, err)
	}
	if want := now.Add(time.Minute); !login.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", login.ExpiresAt, want)
	}
	foreign, _ := other.ValidateUser(ctx, "", "alice", "s3cret-pass")
	tampered := []byte(login.Token)
	tampered[5] ^= 1

	got, err := s.ValidateToken(ctx, login.Token)
	if err != nil {
		t.Fatal(err)
	}
	want := core.TokenResult{IsValid: true, Subject: "alice", ExpiresAt: login.ExpiresAt, Message: "token accepted"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ValidateToken (-want +got):\n%s", diff)
	}
	if sub, err := s.Authenticate(login.Token); err != nil || sub != "alice" {
		t.Errorf("Authenticate = %q, %v; want alice", sub, err)
	}

	for _, tc := range []struct{ name, token string }{
		{"tampered", string(tampered)},
		{"other key", foreign.Token},
		{"garbage", "v1.abc.def"},
		{"no prefix", "hello"},
	} {
		r, err := s.ValidateToken(ctx, tc.token)
		if err != nil || r.IsValid {
			t.Errorf("%s: ValidateToken = %+v, %v; want invalid answer", tc.name, r, err)
		}
		if _, err := s.Authenticate(tc.token); core.CodeOf(err) != core.CodeUnauthenticated {
			t.Errorf("%s: Authenticate err = %v, want unauthenticated", tc.name, err)
		}
	}
	if _, err := s.Authenticate(""); core.CodeOf(err) != core.CodeUnauthenticated {
		t.Errorf("empty token: err = %v", err)
	}
	if _, err := s.ValidateToken(ctx, ""); core.CodeOf(err) != core.CodeInvalidArgument {
		t.Errorf("empty token: err = %v, want invalid_argument", err)
	}

	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	r, err := s.ValidateToken(ctx, login.Token)
	if err != nil || r.IsValid || r.Message != "token has expired" {
		t.Errorf("expired: %+v, %v", r, err)
	}
}

func TestLedgerIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := newService(t), newService(t)
	c := newService(t, core.WithSeed(2))
	ctx := context.Background()
	for _, p := range []core.Payload{core.Payload100B, core.Payload1KiB, core.Payload64KiB} {
		id := core.TransactionID(p, 7)
		ta, err := a.GetTransaction(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		tb, _ := b.GetTransaction(ctx, id)
		tc, _ := c.GetTransaction(ctx, id)
		if diff := cmp.Diff(ta, tb); diff != "" {
			t.Errorf("%s differs between services with one seed:\n%s", id, diff)
		}
		if cmp.Equal(ta, tc) {
			t.Errorf("%s is the same under another seed", id)
		}
		if ta.ID != id || ta.AccountID != core.AccountID(7%core.Accounts) {
			t.Errorf("record %s has id %s account %s", id, ta.ID, ta.AccountID)
		}
	}
}

func TestGetTransactionErrors(t *testing.T) {
	t.Parallel()
	s := newService(t)
	tests := []struct {
		name, id string
		want     core.Code
	}{
		{"empty", "", core.CodeInvalidArgument},
		{"too long", strings.Repeat("x", 65), core.CodeInvalidArgument},
		{"unknown", "tx-100B-999999", core.CodeNotFound},
		{"bad class", "tx-2KiB-000001", core.CodeNotFound},
		{"traversal", "../../etc/passwd", core.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.GetTransaction(context.Background(), tt.id)
			if got := core.CodeOf(err); got != tt.want {
				t.Errorf("code = %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func TestListTransactions(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	acct := core.AccountID(3)
	var ids []string
	err := s.ListTransactions(ctx, core.ListRequest{AccountID: acct, Payload: "1KiB", Limit: 70}, func(tx *core.Transaction) error {
		if tx.AccountID != acct {
			return fmt.Errorf("record %s of account %s", tx.ID, tx.AccountID)
		}
		ids = append(ids, tx.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	perAccount := core.Payload1KiB.Records() / core.Accounts
	if len(ids) != 70 || ids[0] != ids[perAccount] {
		t.Fatalf("got %d records, first %v, want 70 cycling every %d", len(ids), ids[:2], perAccount)
	}

	stop := errors.New("enough")
	n := 0
	err = s.ListTransactions(ctx, core.ListRequest{AccountID: acct}, func(*core.Transaction) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("send error: err %v after %d records, want %v after 1", err, n, stop)
	}

	cctx, cancel := context.WithCancel(ctx)
	n = 0
	err = s.ListTransactions(cctx, core.ListRequest{AccountID: acct, Limit: 1000, Interval: time.Millisecond}, func(*core.Transaction) error {
		if n++; n == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 3 {
		t.Errorf("cancel: err %v after %d records", err, n)
	}

	for _, tc := range []struct {
		name string
		req  core.ListRequest
		want core.Code
	}{
		{"no account", core.ListRequest{}, core.CodeInvalidArgument},
		{"unknown account", core.ListRequest{AccountID: "acct-9999"}, core.CodeNotFound},
		{"bad payload", core.ListRequest{AccountID: acct, Payload: "2KiB"}, core.CodeInvalidArgument},
		{"negative limit", core.ListRequest{AccountID: acct, Limit: -1}, core.CodeInvalidArgument},
		{"huge limit", core.ListRequest{AccountID: acct, Limit: core.MaxListLimit + 1}, core.CodeInvalidArgument},
		{"negative interval", core.ListRequest{AccountID: acct, Interval: -1}, core.CodeInvalidArgument},
	} {
		err := s.ListTransactions(ctx, tc.req, func(*core.Transaction) error { return nil })
		if got := core.CodeOf(err); got != tc.want {
			t.Errorf("%s: code %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestUpload(t *testing.T) {
	t.Parallel()
	s := newService(t, core.WithMaxUpload(1000))
	data := bytes.Repeat([]byte("0123456789"), 90)
	u, err := s.NewUpload("a.bin")
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range slices.Chunk(data, 256) {
		if _, err := u.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	got, err := u.Finish()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := core.UploadSummary{Filename: "a.bin", Bytes: 900, Chunks: 4, SHA256: hex.EncodeToString(sum[:])}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}

	big, _ := s.NewUpload("big.bin")
	if _, err := big.Write(data); err != nil {
		t.Fatal(err)
	}
	if _, err := big.Write(data); core.CodeOf(err) != core.CodeTooLarge {
		t.Errorf("over the limit: err = %v, want too_large", err)
	}
	if _, err := big.Finish(); err == nil {
		t.Error("an upload over the limit finished")
	}
	cut, _ := s.NewUpload("cut.bin")
	cut.Write(data[:10])
	cut.Abort()
	if completed, failed := s.UploadCounts(); completed != 1 || failed != 2 {
		t.Errorf("UploadCounts = %d completed, %d failed; want 1, 2", completed, failed)
	}

	for _, name := range []string{"", "..", "a/b", `a\b`, "a\x00b", strings.Repeat("n", 256)} {
		if _, err := s.NewUpload(name); core.CodeOf(err) != core.CodeInvalidArgument {
			t.Errorf("filename %q: err = %v, want invalid_argument", name, err)
		}
	}
}

// chatPeer drives one Chat session through channels.
type chatPeer struct {
	in     chan core.ChatMessage
	events chan core.ChatEvent
	done   chan error
}

func startChat(s *core.Service, ctx context.Context, who string) *chatPeer {
	p := &chatPeer{in: make(chan core.ChatMessage), events: make(chan core.ChatEvent, 16), done: make(chan error, 1)}
	recv := func(ctx context.Context) (core.ChatMessage, error) {
		select {
		case m, ok := <-p.in:
			if !ok {
				return core.ChatMessage{}, io.EOF
			}
			return m, nil
		case <-ctx.Done():
			return core.ChatMessage{}, ctx.Err()
		}
	}
	send := func(ctx context.Context, e core.ChatEvent) error {
		select {
		case p.events <- e:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	go func() { p.done <- s.Chat(ctx, who, recv, send) }()
	return p
}

func TestChat(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	alice, bob := startChat(s, ctx, "alice"), startChat(s, ctx, "bob")

	bob.in <- core.ChatMessage{Room: "r1", Seq: 1, Text: "hi"}
	if e := <-bob.events; e.Kind != core.EventAck || e.Seq != 1 {
		t.Fatalf("bob got %+v, want ack 1", e)
	}
	alice.in <- core.ChatMessage{Room: "r1", Seq: 42, Text: "hello"}
	if e := <-alice.events; e.Kind != core.EventAck || e.Seq != 42 || e.From != "alice" {
		t.Errorf("alice got %+v, want ack 42", e)
	}
	if e := <-bob.events; e.Kind != core.EventMessage || e.Seq != 42 || e.From != "alice" || e.Text != "hello" {
		t.Errorf("bob got %+v, want alice's message", e)
	}
	close(alice.in)
	if err := <-alice.done; err != nil {
		t.Errorf("alice ended with %v, want nil", err)
	}
	bob.in <- core.ChatMessage{Room: "other", Seq: 2}
	if err := <-bob.done; core.CodeOf(err) != core.CodeInvalidArgument {
		t.Errorf("changing room: %v, want invalid_argument", err)
	}

	carol := startChat(s, ctx, "carol")
	carol.in <- core.ChatMessage{Room: "r2", Seq: 1, Text: strings.Repeat("x", core.MaxChatText+1)}
	if err := <-carol.done; core.CodeOf(err) != core.CodeTooLarge {
		t.Errorf("long text: %v, want too_large", err)
	}
}

func TestChatCancel(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx, cancel := context.WithCancel(context.Background())
	p := startChat(s, ctx, "dave")
	p.in <- core.ChatMessage{Room: "r3", Seq: 1}
	<-p.events
	cancel()
	if err := <-p.done; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled chat ended with %v", err)
	}
}

func TestCodeOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		code    core.Code
		message string
	}{
		{"core", core.Errorf(core.CodeNotFound, "no %s", "x"), core.CodeNotFound, "no x"},
		{"wrapped", fmt.Errorf("ctx: %w", core.Errorf(core.CodeTooLarge, "big")), core.CodeTooLarge, "big"},
		{"canceled", context.Canceled, core.CodeCanceled, "call canceled"},
		{"deadline", context.DeadlineExceeded, core.CodeDeadlineExceeded, "deadline exceeded"},
		{"other", errors.New("open /etc/secret: permission denied"), core.CodeInternal, "internal error"},
	}
	for _, tt := range tests {
		if got := core.CodeOf(tt.err); got != tt.code {
			t.Errorf("%s: CodeOf = %v, want %v", tt.name, got, tt.code)
		}
		if got := core.MessageOf(tt.err); got != tt.message {
			t.Errorf("%s: MessageOf = %q, want %q", tt.name, got, tt.message)
		}
	}
	for _, c := range core.Codes {
		if got := core.ParseCode(c.String()); got != c {
			t.Errorf("ParseCode(%q) = %v", c.String(), got)
		}
	}
}

func TestWorkIsCalibrated(t *testing.T) {
	t.Parallel()
	if r := newService(t).WorkRounds(); r != 0 {
		t.Errorf("no work: %d rounds", r)
	}
	small := newService(t, core.WithWork(10*time.Microsecond)).WorkRounds()
	large := newService(t, core.WithWork(time.Millisecond)).WorkRounds()
	if small < 1 || large <= small {
		t.Errorf("rounds: 10µs -> %d, 1ms -> %d; want 1 <= first < second", small, large)
	}
}

func TestBearerToken(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"Bearer":       "",
		"Bearer ":      "",
		"Bearer   ":    "",
		"Basic abc":    "",
		"Bearer abc":   "abc",
		"bEARER  abc ": "abc",
		"BearerX abc":  "",
		"Bearer a.b.c": "a.b.c",
	} {
		if got := core.BearerToken(in); got != want {
			t.Errorf("BearerToken(%q) = %q, want %q", in, got, want)
		}
	}
}
