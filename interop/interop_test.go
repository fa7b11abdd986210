package interop_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"

	chatv1 "restvsgrpc/gen/chat/v1"
	transactionv1 "restvsgrpc/gen/transaction/v1"
	"restvsgrpc/grpcsvc"
	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/internal/report"
	"restvsgrpc/restsvc"
	"restvsgrpc/restsvc/restwire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The Node client and the packages it needs, relative to this directory.
const (
	clientScript = "node/client.mjs"
	nodeModules  = "node/node_modules"
)

// plan is what the Go side asks the Node client to do, sent as JSON on its
// standard input; the field names are those client.mjs reads.
type plan struct {
	User          string `json:"user"`
	Password      string `json:"password"`
	BadToken      string `json:"bad_token"`
	TransactionID string `json:"transaction_id"`
	Account       string `json:"account"`
	Payload       string `json:"payload"`
	Limit         int    `json:"limit"`
	Filename      string `json:"filename"`
	UploadBytes   int    `json:"upload_bytes"`
	UploadChunk   int    `json:"upload_chunk"`
	Room          string `json:"room"`
	ChatMessages  int    `json:"chat_messages"`
}

// nodeResult is the JSON object client.mjs prints. Each call's answer is
// kept raw until a check decodes it: a call that failed in Node holds
// {"error": ...} instead.
type nodeResult struct {
	Node         string                     `json:"node"`
	GRPCJS       string                     `json:"grpc_js"`
	ProtoLoader  string                     `json:"proto_loader"`
	UploadSHA256 string                     `json:"upload_sha256"`
	GRPC         map[string]json.RawMessage `json:"grpc"`
	REST         map[string]json.RawMessage `json:"rest"`
}

// The shapes of @grpc/proto-loader's decoded messages with the options
// client.mjs loads them with: field names as in the .proto (keepCase),
// 64-bit integers as decimal strings, enums by name, zero values present.
type (
	pbTimestamp struct {
		Seconds string `json:"seconds"`
		Nanos   int32  `json:"nanos"`
	}
	pbUserResult struct {
		IsValid   bool         `json:"is_valid"`
		Message   string       `json:"message"`
		Token     string       `json:"token"`
		ExpiresAt *pbTimestamp `json:"expires_at"`
	}
	pbTokenResult struct {
		IsValid   bool         `json:"is_valid"`
		Subject   string       `json:"subject"`
		ExpiresAt *pbTimestamp `json:"expires_at"`
		Message   string       `json:"message"`
	}
	pbLineItem struct {
		SKU             string `json:"sku"`
		Name            string `json:"name"`
		Quantity        int32  `json:"quantity"`
		UnitAmountMinor string `json:"unit_amount_minor"`
	}
	pbTransaction struct {
		ID             string            `json:"id"`
		AccountID      string            `json:"account_id"`
		CounterpartyID string            `json:"counterparty_id"`
		AmountMinor    string            `json:"amount_minor"`
		Currency       string            `json:"currency"`
		Status         string            `json:"status"`
		CreatedAt      *pbTimestamp      `json:"created_at"`
		UpdatedAt      *pbTimestamp      `json:"updated_at"`
		Description    string            `json:"description"`
		Metadata       map[string]string `json:"metadata"`
		LineItems      []pbLineItem      `json:"line_items"`
	}
	pbUploadSummary struct {
		Filename string `json:"filename"`
		Bytes    string `json:"bytes"`
		Chunks   string `json:"chunks"`
		SHA256   string `json:"sha256"`
	}
	pbChatEvent struct {
		Kind   string       `json:"kind"`
		Room   string       `json:"room"`
		Seq    string       `json:"seq"`
		From   string       `json:"from"`
		Text   string       `json:"text"`
		SentAt *pbTimestamp `json:"sent_at"`
	}
	grpcError struct {
		Code     codes.Code `json:"code"`
		CodeName string     `json:"code_name"`
		Message  string     `json:"message"`
	}
	restError struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	restChat struct {
		Skipped  string           `json:"skipped"`
		Protocol string           `json:"protocol"`
		Events   []core.ChatEvent `json:"events"`
	}
	chatResult struct {
		Events []pbChatEvent `json:"events"`
	}
	feed struct {
		Count       int      `json:"count"`
		IDs         []string `json:"ids"`
		ContentType string   `json:"content_type"`
	}
)

// TestNodeClient runs the Node client against the real servers and checks
// every answer it got against the Go core's answer to the same call.
func TestNodeClient(t *testing.T) {
	node, flags, skip := requireNode(t)
	if skip != "" {
		writeResult(t, report.Interop{Skipped: skip})
		t.Skip(skip)
	}
	const user, password = "alice", "s3cret-pass"
	svc, err := core.New(core.WithUser(user, password), core.WithBcryptCost(bcrypt.MinCost))
	if err != nil {
		t.Fatal(err)
	}
	restURL, grpcAddr, uploads := serve(t, svc)

	p := plan{
		User:          user,
		Password:      password,
		BadToken:      "not-a-token",
		TransactionID: core.TransactionID(core.Payload1KiB, 42),
		Account:       core.AccountID(3),
		Payload:       string(core.Payload1KiB),
		Limit:         100,
		Filename:      "from-node.bin",
		UploadBytes:   1<<20 + 12345, // not a whole number of chunks
		UploadChunk:   64 << 10,
		Room:          "interop",
		ChatMessages:  5,
	}
	got := runNode(t, node, flags, restURL, grpcAddr, p)
	t.Logf("node %s, @grpc/grpc-js %s, @grpc/proto-loader %s", got.Node, got.GRPCJS, got.ProtoLoader)
	// completed records, per transport and call kind, whether every check
	// of that kind passed; the result file is written however the test ends.
	completed := map[string]map[string]bool{"grpc": {}, "rest": {}}
	pass := func(transport, kind string, ok bool) {
		if prev, seen := completed[transport][kind]; seen {
			ok = ok && prev
		}
		completed[transport][kind] = ok
	}
	t.Cleanup(func() { writeResult(t, nodeClients(t, got.Node, flags, completed)) })
	ctx := t.Context()

	// The core's answers to the same calls.
	wantUser, err := svc.ValidateUser(ctx, user, password)
	if err != nil {
		t.Fatal(err)
	}
	wantWrong, err := svc.ValidateUser(ctx, user, password+"-wrong")
	if err != nil {
		t.Fatal(err)
	}
	wantBadToken, err := svc.ValidateToken(ctx, p.BadToken)
	if err != nil {
		t.Fatal(err)
	}
	wantTx, err := svc.GetTransaction(ctx, p.TransactionID)
	if err != nil {
		t.Fatal(err)
	}
	_, authErr := svc.Authenticate(p.BadToken)
	if authErr == nil {
		t.Fatalf("core accepts %q as a token", p.BadToken)
	}
	var wantIDs []string
	err = svc.ListTransactions(ctx, core.ListRequest{AccountID: p.Account, Payload: p.Payload, Limit: p.Limit},
		func(tx *core.Transaction) error { wantIDs = append(wantIDs, tx.ID); return nil })
	if err != nil {
		t.Fatal(err)
	}
	wantUpload := coreUpload(t, svc, p)
	wantChat := coreChat(t, svc, p)
	if len(wantChat) != p.ChatMessages {
		t.Fatalf("core answered %d chat messages with %d events, want one ack each", p.ChatMessages, len(wantChat))
	}

	// checkToken checks a token Node received: the core accepts it for the
	// user, and says when it expires.
	checkToken := func(t *testing.T, token string) core.TokenResult {
		t.Helper()
		if sub, err := svc.Authenticate(token); err != nil || sub != user {
			t.Fatalf("core.Authenticate(token from node) = %q, %v; want %q, nil", sub, err, user)
		}
		r, err := svc.ValidateToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	if got.UploadSHA256 != wantUpload.SHA256 {
		t.Errorf("SHA-256 of the upload by Node's crypto = %s, by Go = %s: the two sides made different bytes", got.UploadSHA256, wantUpload.SHA256)
	}

	t.Run("grpc", func(t *testing.T) {
		r := got.GRPC
		var files []string
		decode(t, "proto_files", r["proto_files"], &files)
		t.Logf("proto files loaded at run time: %s", strings.Join(files, ", "))

		pass("grpc", "unary", t.Run("ValidateUser", func(t *testing.T) {
			login := ok[pbUserResult](t, r, "validate_user")
			tok := checkToken(t, login.Token)
			if login.IsValid != wantUser.IsValid || login.Message != wantUser.Message {
				t.Errorf("node got is_valid %v, message %q; core answers %v, %q", login.IsValid, login.Message, wantUser.IsValid, wantUser.Message)
			}
			if exp := login.ExpiresAt.time(t); !exp.Equal(tok.ExpiresAt) {
				t.Errorf("node got expires_at %v; the token expires at %v", exp, tok.ExpiresAt)
			}
			wrong := ok[pbUserResult](t, r, "validate_user_wrong_password")
			if wrong.IsValid != wantWrong.IsValid || wrong.Message != wantWrong.Message || wrong.Token != "" {
				t.Errorf("wrong password: node got %+v; core answers %+v", wrong, wantWrong)
			}
		}))
		pass("grpc", "unary", t.Run("ValidateToken", func(t *testing.T) {
			login := ok[pbUserResult](t, r, "validate_user")
			want := checkToken(t, login.Token)
			v := ok[pbTokenResult](t, r, "validate_token")
			gotTok := core.TokenResult{IsValid: v.IsValid, Subject: v.Subject, ExpiresAt: v.ExpiresAt.time(t), Message: v.Message}
			if diff := cmp.Diff(want, gotTok); diff != "" {
				t.Errorf("ValidateToken: node's answer differs from core's (-core +node):\n%s", diff)
			}
			bad := ok[pbTokenResult](t, r, "validate_token_bad")
			gotBad := core.TokenResult{IsValid: bad.IsValid, Subject: bad.Subject, ExpiresAt: bad.ExpiresAt.time(t), Message: bad.Message}
			if diff := cmp.Diff(wantBadToken, gotBad); diff != "" {
				t.Errorf("ValidateToken(bad token): node's answer differs from core's (-core +node):\n%s", diff)
			}
		}))
		pass("grpc", "unary", t.Run("GetTransaction", func(t *testing.T) {
			tx := ok[pbTransaction](t, r, "get_transaction").proto(t)
			if diff := cmp.Diff(protoconv.Transaction(wantTx), tx, protocmp.Transform()); diff != "" {
				t.Errorf("GetTransaction: node's record differs from core's (-core +node):\n%s", diff)
			}
			if tx.GetStatus() == transactionv1.Status_STATUS_UNSPECIFIED || len(tx.GetLineItems()) == 0 || len(tx.GetMetadata()) == 0 {
				t.Errorf("GetTransaction: record %v lacks a status, line items or metadata; the check proves little", tx)
			}
		}))
		pass("grpc", "unary", t.Run("GetTransaction/bad token", func(t *testing.T) {
			e := failed[grpcError](t, r, "get_transaction_bad_token")
			want := grpcError{Code: grpcwire.CodeOf(core.CodeOf(authErr)), CodeName: "UNAUTHENTICATED", Message: core.MessageOf(authErr)}
			if want.Code != codes.Unauthenticated {
				t.Fatalf("grpcsvc maps core's %v to %v, not Unauthenticated", core.CodeOf(authErr), want.Code)
			}
			if e != want {
				t.Errorf("node got %+v; want %+v", e, want)
			}
		}))
		pass("grpc", "server-stream", t.Run("ListTransactions", func(t *testing.T) {
			f := ok[feed](t, r, "list_transactions")
			if f.Count != len(wantIDs) {
				t.Errorf("node counted %d records; core sends %d", f.Count, len(wantIDs))
			}
			if diff := cmp.Diff(wantIDs, f.IDs); diff != "" {
				t.Errorf("record ids in order (-core +node):\n%s", diff)
			}
		}))
		pass("grpc", "client-stream", t.Run("Upload", func(t *testing.T) {
			u := ok[pbUploadSummary](t, r, "upload")
			gotSum := core.UploadSummary{Filename: u.Filename, Bytes: parseInt(t, u.Bytes), Chunks: parseInt(t, u.Chunks), SHA256: u.SHA256}
			// One gRPC message per chunk, so even Chunks matches.
			if diff := cmp.Diff(wantUpload, gotSum); diff != "" {
				t.Errorf("Upload: summary differs from core's (-core +node):\n%s", diff)
			}
		}))
		pass("grpc", "bidi", t.Run("Chat", func(t *testing.T) {
			c := ok[chatResult](t, r, "chat")
			gotEvents := make([]core.ChatEvent, len(c.Events))
			for i, ev := range c.Events {
				gotEvents[i] = ev.core(t)
				if gotEvents[i].SentAt.IsZero() {
					t.Errorf("event %d has no sent_at", i)
				}
				if want := uint64(i + 1); gotEvents[i].Kind == core.EventAck && gotEvents[i].Seq != want {
					t.Errorf("ack %d echoes seq %d, want %d", i, gotEvents[i].Seq, want)
				}
			}
			if diff := cmp.Diff(wantChat, gotEvents, cmpopts.IgnoreFields(core.ChatEvent{}, "SentAt")); diff != "" {
				t.Errorf("Chat: events differ from core's (-core +node):\n%s", diff)
			}
		}))
	})

	t.Run("rest", func(t *testing.T) {
		r := got.REST
		pass("rest", "unary", t.Run("ValidateUser", func(t *testing.T) {
			login := ok[core.UserResult](t, r, "validate_user")
			tok := checkToken(t, login.Token)
			if login.IsValid != wantUser.IsValid || login.Message != wantUser.Message || !login.ExpiresAt.Equal(tok.ExpiresAt) {
				t.Errorf("node got %+v; core answers is_valid %v, message %q, expiry %v", login, wantUser.IsValid, wantUser.Message, tok.ExpiresAt)
			}
			wrong := ok[core.UserResult](t, r, "validate_user_wrong_password")
			if diff := cmp.Diff(wantWrong, wrong); diff != "" {
				t.Errorf("wrong password: (-core +node):\n%s", diff)
			}
		}))
		pass("rest", "unary", t.Run("ValidateToken", func(t *testing.T) {
			login := ok[core.UserResult](t, r, "validate_user")
			want := checkToken(t, login.Token)
			if diff := cmp.Diff(want, ok[core.TokenResult](t, r, "validate_token")); diff != "" {
				t.Errorf("ValidateToken: (-core +node):\n%s", diff)
			}
			if diff := cmp.Diff(wantBadToken, ok[core.TokenResult](t, r, "validate_token_bad")); diff != "" {
				t.Errorf("ValidateToken(bad token): (-core +node):\n%s", diff)
			}
		}))
		pass("rest", "unary", t.Run("GetTransaction", func(t *testing.T) {
			tx := ok[core.Transaction](t, r, "get_transaction")
			if diff := cmp.Diff(wantTx, &tx); diff != "" {
				t.Errorf("GET /v1/transactions/{id}: node's record differs from core's (-core +node):\n%s", diff)
			}
		}))
		pass("rest", "unary", t.Run("GetTransaction/bad token", func(t *testing.T) {
			e := failed[restError](t, r, "get_transaction_bad_token")
			want := restError{Status: restwire.StatusOf(core.CodeOf(authErr)), Code: core.CodeOf(authErr).String(), Message: core.MessageOf(authErr)}
			if want.Status != http.StatusUnauthorized {
				t.Fatalf("restsvc maps core's %v to %d, not 401", core.CodeOf(authErr), want.Status)
			}
			if e != want {
				t.Errorf("node got %+v; want %+v", e, want)
			}
		}))
		pass("rest", "server-stream", t.Run("ListTransactions", func(t *testing.T) {
			f := ok[feed](t, r, "list_transactions")
			if !strings.HasPrefix(f.ContentType, "application/x-ndjson") {
				t.Errorf("feed Content-Type %q, want application/x-ndjson", f.ContentType)
			}
			if f.Count != len(wantIDs) {
				t.Errorf("node counted %d NDJSON records; core sends %d", f.Count, len(wantIDs))
			}
			if diff := cmp.Diff(wantIDs, f.IDs); diff != "" {
				t.Errorf("record ids in order (-core +node):\n%s", diff)
			}
		}))
		pass("rest", "client-stream", t.Run("Upload", func(t *testing.T) {
			var how string
			decode(t, "upload_body", r["upload_body"], &how)
			reqs := uploads.requests()
			want := []uploadRequest{{Proto: "HTTP/1.1", TransferEncoding: []string{"chunked"}, ContentLength: -1}}
			if diff := cmp.Diff(want, reqs); diff != "" || how != "streamed" {
				t.Errorf("node says its upload body was %q; the server saw (-want +got):\n%s", how, diff)
			}
			t.Logf("request body: %s by node, received as %+v", how, reqs)
			u := ok[core.UploadSummary](t, r, "upload")
			// Chunks counts the server's body reads, which depend on how
			// TCP delivered the bytes: only the rest is comparable.
			if diff := cmp.Diff(wantUpload, u, cmpopts.IgnoreFields(core.UploadSummary{}, "Chunks")); diff != "" {
				t.Errorf("POST /v1/files: summary differs from core's (-core +node):\n%s", diff)
			}
		}))
		pass("rest", "bidi", t.Run("Chat", func(t *testing.T) {
			c := ok[restChat](t, r, "chat")
			if c.Skipped != "" {
				t.Fatalf("node skipped the WebSocket chat: %s", c.Skipped)
			}
			if c.Protocol != restwire.SubprotocolJSON {
				t.Errorf("WebSocket subprotocol %q, want %q", c.Protocol, restwire.SubprotocolJSON)
			}
			for i, ev := range c.Events {
				if ev.SentAt.IsZero() {
					t.Errorf("event %d has no sent_at", i)
				}
			}
			if diff := cmp.Diff(wantChat, c.Events, cmpopts.IgnoreFields(core.ChatEvent{}, "SentAt")); diff != "" {
				t.Errorf("GET /v1/chat: events differ from core's (-core +node):\n%s", diff)
			}
		}))
	})
}

// requireNode returns the path of node and the flags the client needs, or
// why the test must skip: node, a recent enough one, or the client's
// packages are not installed.
func requireNode(t *testing.T) (node string, flags []string, skip string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		return "", nil, "node is not on PATH: install Node.js 20 or later, then run make interop-deps, to test the cross-language claim"
	}
	if _, err := os.Stat(filepath.FromSlash(nodeModules)); err != nil {
		return "", nil, fmt.Sprintf("interop/%s is missing: run make interop-deps (npm ci in interop/node) to test the cross-language claim", nodeModules)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v", err)
	}
	major, err := nodeMajor(string(out))
	if err != nil {
		t.Fatal(err)
	}
	if major < 20 {
		return "", nil, fmt.Sprintf("node %s is too old: the client needs Node.js 20 or later (fetch with streamed bodies, WebSocket)", strings.TrimSpace(string(out)))
	}
	if major < 22 {
		// WebSocket is global from Node 22; Node 20 and 21 have it behind
		// a flag.
		flags = append(flags, "--experimental-websocket")
	}
	return node, flags, ""
}

// resultEnv names the file the test writes its result to, for the report's
// Language support row (cmd/report sets it); unset, nothing is written.
const resultEnv = "INTEROP_RESULT"

// writeResult writes in to the file $INTEROP_RESULT names, if set.
func writeResult(t *testing.T, in report.Interop) {
	t.Helper()
	path := os.Getenv(resultEnv)
	if path == "" {
		return
	}
	in.MeasuredBy = "go test ./interop -run TestNodeClient"
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Errorf("%s: %v", resultEnv, err)
	}
}

// nodeClients describes the two Node clients and what they completed. The
// gRPC client's libraries are those of node/package.json (it alone
// imports any); the REST client uses only Node's fetch and WebSocket.
func nodeClients(t *testing.T, version string, flags []string, completed map[string]map[string]bool) report.Interop {
	t.Helper()
	b, err := os.ReadFile("node/package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatalf("node/package.json: %v", err)
	}
	var libs []string
	for name, v := range pkg.Dependencies {
		libs = append(libs, name+" "+v)
	}
	slices.Sort(libs)
	lang := "JavaScript (Node.js " + version + ")"
	kinds := func(transport string) map[string]bool {
		out := map[string]bool{}
		for _, k := range []string{"unary", "server-stream", "client-stream", "bidi"} {
			out[k] = completed[transport][k]
		}
		return out
	}
	return report.Interop{Clients: []report.InteropClient{
		{Language: lang, Transport: "grpc", Libraries: libs, Stubs: "stubs loaded from the .proto files at run time, none generated", Kinds: kinds("grpc")},
		{Language: lang, Transport: "rest", Libraries: nil, Stubs: "hand-written requests (URLs, JSON, NDJSON lines, WebSocket frames)", Flags: flags, Kinds: kinds("rest")},
	}}
}

// nodeMajor returns the major version of a "v20.20.2" version string.
func nodeMajor(v string) (int, error) {
	s, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(v), "v"), ".")
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("node --version printed %q, not vMAJOR.MINOR.PATCH", v)
	}
	return n, nil
}

// uploadLog records how upload requests reached the REST server, so that
// the test knows, not just the client says, whether the body was streamed.
type uploadLog struct {
	mu   sync.Mutex
	reqs []uploadRequest
}

type uploadRequest struct {
	Proto            string
	TransferEncoding []string
	ContentLength    int64
}

func (l *uploadLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/files" {
			l.mu.Lock()
			l.reqs = append(l.reqs, uploadRequest{r.Proto, r.TransferEncoding, r.ContentLength})
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (l *uploadLog) requests() []uploadRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]uploadRequest(nil), l.reqs...)
}

// serve starts the real REST and gRPC servers of svc on loopback ports
// and returns the REST base URL, the gRPC address and the log of upload
// requests the REST server received.
func serve(t *testing.T, svc *core.Service) (restURL, grpcAddr string, uploads *uploadLog) {
	t.Helper()
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		gl.Close()
		t.Fatal(err)
	}
	gs := grpcsvc.NewServer(svc)
	uploads = new(uploadLog)
	hs := restsvc.NewServer(uploads.wrap(restsvc.NewHandler(svc)))
	var served sync.WaitGroup
	served.Go(func() { _ = gs.Serve(gl) })
	served.Go(func() {
		if err := hs.Serve(rl); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("REST server: %v", err)
		}
	})
	t.Cleanup(func() {
		gs.Stop()
		hs.Close()
		served.Wait()
	})
	return "http://" + rl.Addr().String(), gl.Addr().String(), uploads
}

// runNode runs the client with p on its standard input and decodes what it
// prints.
func runNode(t *testing.T, node string, flags []string, restURL, grpcAddr string, p plan) nodeResult {
	t.Helper()
	in, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	// A bound that only a hung client reaches; it asserts no timing.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append(flags, clientScript, restURL, grpcAddr)...)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\nstderr:\n%s", clientScript, err, stderr.String())
	}
	var r nodeResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("node printed no JSON object: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	return r
}

// coreUpload uploads the bytes client.mjs makes, chunked as it chunks them,
// straight to the core.
func coreUpload(t *testing.T, svc *core.Service, p plan) core.UploadSummary {
	t.Helper()
	data := uploadData(p.UploadBytes)
	u, err := svc.NewUpload(p.Filename)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(data); off += p.UploadChunk {
		if _, err := u.Write(data[off:min(off+p.UploadChunk, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	s, err := u.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); s.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("core's SHA-256 %s is not crypto/sha256's %x", s.SHA256, sum)
	}
	return s
}

// uploadData is client.mjs's upload file: byte i is (i*131 + 17) mod 251.
func uploadData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*131 + 17) % 251)
	}
	return b
}

// coreChat runs the chat session client.mjs runs, straight on the core,
// and returns the events the member receives.
func coreChat(t *testing.T, svc *core.Service, p plan) []core.ChatEvent {
	t.Helper()
	next := 0
	recv := func(context.Context) (core.ChatMessage, error) {
		if next == p.ChatMessages {
			return core.ChatMessage{}, io.EOF
		}
		next++
		return core.ChatMessage{Room: p.Room, Seq: uint64(next), Text: "hello " + strconv.Itoa(next) + " from node"}, nil
	}
	var events []core.ChatEvent
	send := func(ev core.ChatEvent) error { events = append(events, ev); return nil }
	if err := svc.Chat(t.Context(), p.User, recv, send); err != nil {
		t.Fatal(err)
	}
	return events
}

// decode unmarshals raw into v, failing the test if it cannot.
func decode(t *testing.T, name string, raw json.RawMessage, v any) {
	t.Helper()
	if raw == nil {
		t.Fatalf("node printed no %q", name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("node's %q: %v\n%s", name, err, raw)
	}
}

// errorOf returns the {"error": ...} of a recorded call, or nil.
func errorOf(t *testing.T, name string, raw json.RawMessage) json.RawMessage {
	t.Helper()
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	decode(t, name, raw, &e)
	return e.Error
}

// ok returns the answer of a call that must have succeeded in Node.
func ok[T any](t *testing.T, results map[string]json.RawMessage, name string) T {
	t.Helper()
	raw := results[name]
	if e := errorOf(t, name, raw); e != nil {
		t.Fatalf("%s failed in node: %s", name, e)
	}
	var v T
	decode(t, name, raw, &v)
	return v
}

// failed returns the error of a call that must have failed in Node.
func failed[E any](t *testing.T, results map[string]json.RawMessage, name string) E {
	t.Helper()
	raw := results[name]
	e := errorOf(t, name, raw)
	if e == nil {
		t.Fatalf("%s succeeded in node, want an error: %s", name, raw)
	}
	var v E
	decode(t, name, e, &v)
	return v
}

func parseInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("node sent a 64-bit integer as %q: %v", s, err)
	}
	return n
}

func parseUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("node sent a 64-bit integer as %q: %v", s, err)
	}
	return n
}

// pb returns ts as a protobuf Timestamp; nil stays nil.
func (ts *pbTimestamp) pb(t *testing.T) *timestamppb.Timestamp {
	t.Helper()
	if ts == nil {
		return nil
	}
	return &timestamppb.Timestamp{Seconds: parseInt(t, ts.Seconds), Nanos: ts.Nanos}
}

// time returns ts as a time, the zero time for an absent timestamp (as
// protoconv decodes one).
func (ts *pbTimestamp) time(t *testing.T) time.Time {
	t.Helper()
	if ts == nil {
		return time.Time{}
	}
	return ts.pb(t).AsTime()
}

// proto returns the record as the generated Go message, so that it can be
// compared with what the Go server encodes.
func (x pbTransaction) proto(t *testing.T) *transactionv1.Transaction {
	t.Helper()
	status, known := transactionv1.Status_value[x.Status]
	if !known {
		t.Fatalf("node decoded status %q, which transaction.v1.Status lacks", x.Status)
	}
	m := &transactionv1.Transaction{
		Id:             x.ID,
		AccountId:      x.AccountID,
		CounterpartyId: x.CounterpartyID,
		AmountMinor:    parseInt(t, x.AmountMinor),
		Currency:       x.Currency,
		Status:         transactionv1.Status(status),
		CreatedAt:      x.CreatedAt.pb(t),
		UpdatedAt:      x.UpdatedAt.pb(t),
		Description:    x.Description,
		Metadata:       x.Metadata,
	}
	for _, li := range x.LineItems {
		m.LineItems = append(m.LineItems, &transactionv1.LineItem{
			Sku: li.SKU, Name: li.Name, Quantity: li.Quantity, UnitAmountMinor: parseInt(t, li.UnitAmountMinor),
		})
	}
	return m
}

// core returns the event as the core's type, through protoconv as the Go
// client converts it.
func (ev pbChatEvent) core(t *testing.T) core.ChatEvent {
	t.Helper()
	kind, known := chatv1.ChatEvent_Kind_value[ev.Kind]
	if !known {
		t.Fatalf("node decoded event kind %q, which chat.v1.ChatEvent.Kind lacks", ev.Kind)
	}
	return protoconv.FromChatEvent(&chatv1.ChatEvent{
		Kind: chatv1.ChatEvent_Kind(kind), Room: ev.Room, Seq: parseUint(t, ev.Seq),
		From: ev.From, Text: ev.Text, SentAt: ev.SentAt.pb(t),
	})
}
