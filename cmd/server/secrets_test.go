package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	authv1 "restvsgrpc/gen/auth/v1"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
)

// internals matches what an answer must never show: stack traces, Go
// source files, runtime frames, file system paths.
var internals = regexp.MustCompile(`goroutine \d|\.go:\d|runtime\.|panic|/home/|/usr/|/tmp/|\.pb\.go`)

// TestNoSecretsLogged runs the binary with a user, logs in over both
// transports (rightly and wrongly), uses and abuses the token, and checks
// that no password or token ever appears in what the server printed, and
// that no error answer shows internals.
func TestNoSecretsLogged(t *testing.T) {
	t.Parallel()
	const pw, wrong = "Sup3r-s3cret-Passw0rd", "Wr0ng-guess-Passw0rd"
	p := startServer(t, "-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-user", "alice:"+pw, "-bcrypt-cost", "4")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	hc, conn := p.dial(t)
	var tokens []string
	checkErr := func(what string, err error) {
		t.Helper()
		if err != nil && internals.MatchString(err.Error()) {
			t.Errorf("%s: error shows internals: %v", what, err)
		}
	}
	for _, c := range []client.Client{client.NewREST(p.rest, hc), client.NewGRPC(conn)} {
		if r, err := c.ValidateUser(ctx, "alice", wrong); err != nil || r.IsValid {
			t.Fatalf("%s: wrong password: %+v, %v", c.Variant(), r, err)
		}
		r, err := c.ValidateUser(ctx, "alice", pw)
		if err != nil || !r.IsValid {
			t.Fatalf("%s: login: %+v, %v", c.Variant(), r, err)
		}
		tokens = append(tokens, r.Token)
		c.SetToken(r.Token)
		if _, err := c.GetTransaction(ctx, core.TransactionID(core.Payload100B, 1)); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetTransaction(ctx, "tx-100B-999999")
		checkErr(c.Variant()+": unknown transaction", err)
		c.SetToken(r.Token + "x")
		_, err = c.GetTransaction(ctx, core.TransactionID(core.Payload100B, 1))
		checkErr(c.Variant()+": tampered token", err)
		_, err = c.ValidateUser(ctx, strings.Repeat("a", 10000), pw)
		checkErr(c.Variant()+": over-long username", err)
	}

	// Raw bad requests: the answers say what is wrong, in words.
	bad := []struct{ method, path, ctype, body string }{
		{"POST", "/v1/auth/validate", "application/json", `{"username":`},
		{"POST", "/v1/auth/validate", "application/json", `{"username":7}`},
		{"POST", "/v1/auth/validate", "application/x-protobuf", "\xff\xff\xff"},
		{"POST", "/v1/auth/validate", "text/plain", "x"},
		{"GET", "/v1/transactions/..%2F..%2Fetc%2Fpasswd", "", ""},
		{"GET", "/v1/transactions?account=acct-0001&limit=ten", "", ""},
		{"POST", "/v1/files?filename=../../x", "application/octet-stream", "x"},
	}
	for _, b := range bad {
		req, _ := http.NewRequestWithContext(ctx, b.method, p.rest+b.path, strings.NewReader(b.body))
		if b.ctype != "" {
			req.Header.Set("Content-Type", b.ctype)
		}
		req.Header.Set("Authorization", "Bearer "+tokens[0])
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 || internals.Match(body) {
			t.Errorf("%s %s: %s %s, want a client error without internals", b.method, b.path, resp.Status, body)
		}
	}
	// Invalid protobuf over gRPC is refused by grpc-go itself.
	err := conn.Invoke(ctx, authv1.AuthService_ValidateUser_FullMethodName, []byte{0xff, 0xff}, new([]byte), grpc.ForceCodec(rawBytes{}))
	if st := status.Convert(err); internals.MatchString(st.Message()) {
		t.Errorf("gRPC invalid protobuf: %q shows internals", st.Message())
	}

	after, err := p.stop(t)
	if err != nil {
		t.Errorf("exit: %v", err)
	}
	printed := strings.Join(p.stdout, "\n") + "\n" + strings.Join(after, "\n") + "\n" + p.stderr.String()
	secrets := append([]string{pw, wrong}, tokens...)
	for _, tok := range tokens {
		// The token's signature alone is a secret too.
		if i := strings.LastIndexByte(tok, '.'); i >= 0 {
			secrets = append(secrets, tok[i+1:])
		}
	}
	for _, s := range secrets {
		if strings.Contains(printed, s) {
			t.Errorf("the server printed a secret %q:\n%s", s, printed)
		}
	}
}

// rawBytes is a gRPC codec that sends bytes as they are.
type rawBytes struct{}

func (rawBytes) Marshal(v any) ([]byte, error) { return v.([]byte), nil }
func (rawBytes) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawBytes) Name() string { return "proto" }
