package interop_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	authv1 "restvsgrpc/gen/auth/v1"
	chatv1 "restvsgrpc/gen/chat/v1"
	filev1 "restvsgrpc/gen/file/v1"
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

const user, password = "alice", "s3cret-pass"

// plan is what the Go side asks a client to do, sent as JSON on its
// standard input; the field names are those the clients read.
type plan struct {
	User          string `json:"user"`
	Password      string `json:"password"`
	BadToken      string `json:"bad_token"`
	TransactionID string `json:"transaction_id"`
	UnknownID     string `json:"unknown_id"`
	Account       string `json:"account"`
	Payload       string `json:"payload"`
	Limit         int    `json:"limit"`
	Filename      string `json:"filename"`
	UploadBytes   int    `json:"upload_bytes"`
	UploadChunk   int    `json:"upload_chunk"`
	Room          string `json:"room"`
	ChatMessages  int    `json:"chat_messages"`
	// ChatFrom ends each message: "hello 3 from python".
	ChatFrom string `json:"chat_from"`
	// The unary loop: ValidateToken, one call at a time, for about
	// RateSeconds or RateMaxCalls calls, whichever comes first.
	RateSeconds  float64 `json:"rate_seconds"`
	RateMaxCalls int     `json:"rate_max_calls"`
}

func newPlan(lang string) plan {
	return plan{
		User:          user,
		Password:      password,
		BadToken:      "not-a-token",
		TransactionID: core.TransactionID(core.Payload1KiB, 42),
		UnknownID:     core.TransactionID(core.Payload1KiB, 1<<40),
		Account:       core.AccountID(3),
		Payload:       string(core.Payload1KiB),
		Limit:         100,
		Filename:      "from-" + lang + ".bin",
		UploadBytes:   1<<20 + 12345, // not a whole number of chunks
		UploadChunk:   64 << 10,
		Room:          "interop",
		ChatMessages:  5,
		ChatFrom:      lang,
		RateSeconds:   1,
		RateMaxCalls:  20000,
	}
}

// clientResult is the JSON object every client prints. Each call's answer
// is kept raw until a check decodes it: gRPC answers in protobuf's JSON
// mapping, REST answers as the server sent them; a call that failed holds
// {"error": ...} instead.
type clientResult struct {
	Runtime      string              `json:"runtime"`
	UploadSHA256 string              `json:"upload_sha256"`
	Libraries    map[string][]string `json:"libraries"`
	GRPC         map[string]json.RawMessage
	REST         map[string]json.RawMessage
}

func (r *clientResult) UnmarshalJSON(b []byte) error {
	var v struct {
		Runtime      string                     `json:"runtime"`
		UploadSHA256 string                     `json:"upload_sha256"`
		Libraries    map[string][]string        `json:"libraries"`
		GRPC         map[string]json.RawMessage `json:"grpc"`
		REST         map[string]json.RawMessage `json:"rest"`
	}
	err := json.Unmarshal(b, &v)
	*r = clientResult{v.Runtime, v.UploadSHA256, v.Libraries, v.GRPC, v.REST}
	return err
}

type (
	grpcError struct {
		Code    codes.Code `json:"code"`
		Message string     `json:"message"`
	}
	restError struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	feed struct {
		Count       int      `json:"count"`
		IDs         []string `json:"ids"`
		ContentType string   `json:"content_type"`
	}
	rate struct {
		Calls   int     `json:"calls"`
		Seconds float64 `json:"seconds"`
	}
)

// language is one language's pair of clients.
type language struct {
	name string
	// The hand-written client code of each transport, globs relative to
	// this directory; the lines counted exclude blank and comment lines.
	grpcFiles, restFiles []string
	comment              string // the line comment marker
	// How each client came to be, for the result.
	grpcClient, restClient string
	grpcStubs, restStubs   string
	// setup readies the language (installing what is missing where it
	// can) and returns its runner, or why the language must skip.
	setup func(t *testing.T) (run runner, skip string)
}

// runner runs a language's clients against the servers and returns what
// they printed.
type runner func(t *testing.T, restURL, grpcAddr string, p plan) clientResult

var languages = []language{
	{
		name:       "Go",
		grpcFiles:  []string{"../internal/client/grpc.go", "../grpcsvc/grpcwire/grpcwire.go"},
		restFiles:  []string{"../internal/client/rest.go", "../restsvc/restwire/[a-z]*[a-z].go"},
		comment:    "//",
		grpcClient: "generated", grpcStubs: "generated stubs (gen/, protoc-gen-go-grpc) behind internal/client",
		restClient: "hand-written", restStubs: "hand-written requests (net/http, restwire's routes, feed reader and chat frames)",
		setup: func(*testing.T) (runner, string) { return runGo, "" },
	},
	{
		name:       "JavaScript",
		grpcFiles:  []string{"node/grpc.mjs"},
		restFiles:  []string{"node/rest.mjs"},
		comment:    "//",
		grpcClient: "loaded", grpcStubs: "stubs loaded from the .proto files at run time, none generated",
		restClient: "hand-written", restStubs: "hand-written requests (URLs, JSON, NDJSON lines, WebSocket frames)",
		setup: setupNode,
	},
	{
		name:       "Python",
		grpcFiles:  []string{"python/grpc_calls.py"},
		restFiles:  []string{"python/rest_calls.py"},
		comment:    "#",
		grpcClient: "generated", grpcStubs: "stubs generated from the .proto files by grpc_tools.protoc at test time",
		restClient: "hand-written", restStubs: "hand-written requests (http.client, JSON, NDJSON lines, WebSocket frames)",
		setup: setupPython,
	},
	{
		name:       "C++",
		grpcFiles:  []string{"cpp/grpc_calls.cc"},
		restFiles:  []string{"cpp/rest_calls.cc", "cpp/websocket.h", "cpp/websocket.cc"},
		comment:    "//",
		grpcClient: "generated", grpcStubs: "stubs generated from the .proto files by protoc and grpc_cpp_plugin at test time",
		restClient: "hand-written", restStubs: "hand-written requests (libcurl, nlohmann-json, NDJSON lines) and WebSocket framing over a socket",
		setup: setupCpp,
	},
}

// TestClients runs each language's gRPC and REST clients against the real
// servers, checks every answer against the Go core's answer to the same
// call, and, with $INTEROP_RESULT set, writes what each client completed
// and needed there (see doc.go).
func TestClients(t *testing.T) {
	var result report.Interop
	t.Cleanup(func() { writeResult(t, result) })
	for _, lang := range languages {
		t.Run(lang.name, func(t *testing.T) {
			grpcC, restC := lang.describe(t)
			defer func() { result.Clients = append(result.Clients, grpcC, restC) }()
			run, skip := lang.setup(t)
			if skip != "" {
				grpcC.Skipped, restC.Skipped = skip, skip
				t.Skip(skip)
			}
			svc, err := core.New(core.WithUser(user, password), core.WithBcryptCost(bcrypt.MinCost))
			if err != nil {
				t.Fatal(err)
			}
			restURL, grpcAddr, uploads := serve(t, svc)
			p := newPlan(strings.ToLower(lang.name))
			got := run(t, restURL, grpcAddr, p)
			t.Logf("%s; gRPC: %s; REST: %s", got.Runtime, strings.Join(got.Libraries["grpc"], ", "), strings.Join(got.Libraries["rest"], ", "))
			grpcC.Language = got.Runtime // "Python 3.11.2"
			if !strings.HasPrefix(got.Runtime, lang.name+" ") {
				grpcC.Language = lang.name + " (" + got.Runtime + ")" // "JavaScript (Node.js v20.20.2)"
			}
			restC.Language = grpcC.Language
			grpcC.Libraries, restC.Libraries = got.Libraries["grpc"], got.Libraries["rest"]
			w := expect(t, svc, p)
			if got.UploadSHA256 != w.upload.SHA256 {
				t.Errorf("SHA-256 of the upload by the client's own library = %s, by Go = %s: the two sides made different bytes", got.UploadSHA256, w.upload.SHA256)
			}
			t.Run("grpc", func(t *testing.T) { grpcC.Kinds = w.checkGRPC(t, got.GRPC) })
			t.Run("rest", func(t *testing.T) { restC.Kinds = w.checkREST(t, got.REST, uploads) })
			for _, c := range []struct {
				client *report.InteropClient
				r      map[string]json.RawMessage
			}{{&grpcC, got.GRPC}, {&restC, got.REST}} {
				var rt rate
				decode(t, "unary_rate", c.r["unary_rate"], &rt)
				c.client.UnaryCalls, c.client.UnarySeconds = rt.Calls, rt.Seconds
				if rt.Calls > 0 && rt.Seconds > 0 {
					c.client.UnaryCallsPerSecond = float64(rt.Calls) / rt.Seconds
				}
				t.Logf("%s: %d unary calls in %.2fs, one at a time: %.0f calls/s", c.client.Transport, rt.Calls, rt.Seconds, c.client.UnaryCallsPerSecond)
			}
		})
	}
}

// describe returns the language's two result entries, with what the test
// counts from the files, and no call kind completed yet.
func (l language) describe(t *testing.T) (grpcC, restC report.InteropClient) {
	t.Helper()
	entry := func(transport, client, stubs string, globs []string) report.InteropClient {
		files, lines := countLines(t, globs, l.comment)
		kinds := map[string]bool{}
		for _, k := range callKinds {
			kinds[k] = false
		}
		return report.InteropClient{
			Language: l.name, Transport: transport, Client: client, Stubs: stubs,
			Files: files, HandWrittenLines: lines, Kinds: kinds,
		}
	}
	return entry("grpc", l.grpcClient, l.grpcStubs, l.grpcFiles), entry("rest", l.restClient, l.restStubs, l.restFiles)
}

var callKinds = []string{"unary", "server-stream", "client-stream", "bidi"}

// countLines counts the lines of code of the files globs match: lines
// neither blank nor starting with the comment marker. Files are named
// relative to the repository.
func countLines(t *testing.T, globs []string, comment string) (files []string, lines int) {
	t.Helper()
	for _, g := range globs {
		matches, err := filepath.Glob(filepath.FromSlash(g))
		if err != nil || len(matches) == 0 {
			t.Fatalf("no client file matches %s (%v): the count would be wrong", g, err)
		}
		for _, m := range matches {
			if strings.HasSuffix(m, "_test.go") {
				continue
			}
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			for line := range strings.SplitSeq(string(b), "\n") {
				if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, comment) {
					lines++
				}
			}
			f := filepath.ToSlash(m)
			if rel, up := strings.CutPrefix(f, "../"); up {
				f = rel
			} else {
				f = "interop/" + f
			}
			files = append(files, f)
		}
	}
	return files, lines
}

// want is the core's answers to the calls every client makes.
type want struct {
	svc                  *core.Service
	p                    plan
	user, wrong          core.UserResult
	badToken             core.TokenResult
	tx                   *core.Transaction
	authErr, notFoundErr error
	ids                  []string
	upload               core.UploadSummary
	chat                 []core.ChatEvent
}

func expect(t *testing.T, svc *core.Service, p plan) *want {
	t.Helper()
	ctx := t.Context()
	w := &want{svc: svc, p: p}
	var err error
	if w.user, err = svc.ValidateUser(ctx, "", p.User, p.Password); err != nil {
		t.Fatal(err)
	}
	if w.wrong, err = svc.ValidateUser(ctx, "", p.User, p.Password+"-wrong"); err != nil {
		t.Fatal(err)
	}
	if w.badToken, err = svc.ValidateToken(ctx, p.BadToken); err != nil {
		t.Fatal(err)
	}
	if w.tx, err = svc.GetTransaction(ctx, p.TransactionID); err != nil {
		t.Fatal(err)
	}
	if _, w.authErr = svc.Authenticate(p.BadToken); w.authErr == nil {
		t.Fatalf("core accepts %q as a token", p.BadToken)
	}
	if _, w.notFoundErr = svc.GetTransaction(ctx, p.UnknownID); core.CodeOf(w.notFoundErr) != core.CodeNotFound {
		t.Fatalf("core.GetTransaction(%q) = %v, want not_found", p.UnknownID, w.notFoundErr)
	}
	err = svc.ListTransactions(ctx, core.ListRequest{AccountID: p.Account, Payload: p.Payload, Limit: p.Limit},
		func(tx *core.Transaction) error { w.ids = append(w.ids, tx.ID); return nil })
	if err != nil {
		t.Fatal(err)
	}
	w.upload = coreUpload(t, svc, p)
	w.chat = coreChat(t, svc, p)
	if len(w.chat) != p.ChatMessages {
		t.Fatalf("core answered %d chat messages with %d events, want one ack each", p.ChatMessages, len(w.chat))
	}
	return w
}

// token checks a token a client received: the core accepts it for the
// user, and says when it expires.
func (w *want) token(t *testing.T, token string) core.TokenResult {
	t.Helper()
	if sub, err := w.svc.Authenticate(token); err != nil || sub != user {
		t.Fatalf("core.Authenticate(token the client got) = %q, %v; want %q, nil", sub, err, user)
	}
	r, err := w.svc.ValidateToken(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// kinds runs each named check as a subtest and records, per call kind,
// whether all of that kind's checks passed.
type kinds map[string]bool

func (k kinds) run(t *testing.T, kind, name string, check func(t *testing.T)) {
	ok := t.Run(name, check)
	if prev, seen := k[kind]; seen {
		ok = ok && prev
	}
	k[kind] = ok
}

// checkGRPC checks a client's gRPC answers, read in protobuf's JSON
// mapping into the generated Go messages.
func (w *want) checkGRPC(t *testing.T, r map[string]json.RawMessage) map[string]bool {
	k := kinds{}
	k.run(t, "unary", "ValidateUser", func(t *testing.T) {
		login := okProto[*authv1.ValidateUserResponse](t, r, "validate_user")
		tok := w.token(t, login.GetToken())
		if login.GetIsValid() != w.user.IsValid || login.GetMessage() != w.user.Message || !login.GetExpiresAt().AsTime().Equal(tok.ExpiresAt) {
			t.Errorf("got %v; core answers is_valid %v, message %q, expiry %v", login, w.user.IsValid, w.user.Message, tok.ExpiresAt)
		}
		wrong := okProto[*authv1.ValidateUserResponse](t, r, "validate_user_wrong_password")
		if diff := cmp.Diff(protoconv.UserResult(w.wrong), wrong, protocmp.Transform()); diff != "" {
			t.Errorf("wrong password (-core +client):\n%s", diff)
		}
	})
	k.run(t, "unary", "ValidateToken", func(t *testing.T) {
		login := okProto[*authv1.ValidateUserResponse](t, r, "validate_user")
		want := protoconv.TokenResult(w.token(t, login.GetToken()))
		if diff := cmp.Diff(want, okProto[*authv1.ValidateTokenResponse](t, r, "validate_token"), protocmp.Transform()); diff != "" {
			t.Errorf("(-core +client):\n%s", diff)
		}
		if diff := cmp.Diff(protoconv.TokenResult(w.badToken), okProto[*authv1.ValidateTokenResponse](t, r, "validate_token_bad"), protocmp.Transform()); diff != "" {
			t.Errorf("bad token (-core +client):\n%s", diff)
		}
	})
	k.run(t, "unary", "GetTransaction", func(t *testing.T) {
		tx := okProto[*transactionv1.Transaction](t, r, "get_transaction")
		if diff := cmp.Diff(protoconv.Transaction(w.tx), tx, protocmp.Transform()); diff != "" {
			t.Errorf("the record differs from core's (-core +client):\n%s", diff)
		}
		if tx.GetStatus() == transactionv1.Status_STATUS_UNSPECIFIED || len(tx.GetLineItems()) == 0 || len(tx.GetMetadata()) == 0 {
			t.Errorf("record %v lacks a status, line items or metadata; the check proves little", tx)
		}
	})
	for _, c := range []struct {
		name, call string
		err        error
		code       codes.Code
	}{
		{"GetTransaction/bad token", "get_transaction_bad_token", w.authErr, codes.Unauthenticated},
		{"GetTransaction/unknown id", "get_transaction_unknown", w.notFoundErr, codes.NotFound},
	} {
		k.run(t, "unary", c.name, func(t *testing.T) {
			want := grpcError{Code: grpcwire.CodeOf(core.CodeOf(c.err)), Message: core.MessageOf(c.err)}
			if want.Code != c.code {
				t.Fatalf("grpcwire maps core's %v to %v, not %v", core.CodeOf(c.err), want.Code, c.code)
			}
			if e := failed[grpcError](t, r, c.call); e != want {
				t.Errorf("got %+v; want %+v", e, want)
			}
		})
	}
	k.run(t, "server-stream", "ListTransactions", func(t *testing.T) { w.checkFeed(t, ok[feed](t, r, "list_transactions")) })
	k.run(t, "client-stream", "Upload", func(t *testing.T) {
		// One gRPC message per chunk, so even Chunks matches.
		if diff := cmp.Diff(protoconv.UploadSummary(w.upload), okProto[*filev1.UploadSummary](t, r, "upload"), protocmp.Transform()); diff != "" {
			t.Errorf("the summary differs from core's (-core +client):\n%s", diff)
		}
	})
	k.run(t, "bidi", "Chat", func(t *testing.T) {
		var c struct {
			Events []json.RawMessage `json:"events"`
		}
		c.Events = nil
		decode(t, "chat", okRaw(t, r, "chat"), &c)
		events := make([]core.ChatEvent, len(c.Events))
		for i, raw := range c.Events {
			var m chatv1.ChatEvent
			unmarshalProto(t, "chat event", raw, &m)
			events[i] = protoconv.FromChatEvent(&m)
		}
		w.checkChat(t, events)
	})
	return k
}

// checkREST checks a client's REST answers, read as the Go client reads
// them, into the core's types.
func (w *want) checkREST(t *testing.T, r map[string]json.RawMessage, uploads *uploadLog) map[string]bool {
	k := kinds{}
	k.run(t, "unary", "ValidateUser", func(t *testing.T) {
		login := ok[core.UserResult](t, r, "validate_user")
		tok := w.token(t, login.Token)
		if login.IsValid != w.user.IsValid || login.Message != w.user.Message || !login.ExpiresAt.Equal(tok.ExpiresAt) {
			t.Errorf("got %+v; core answers is_valid %v, message %q, expiry %v", login, w.user.IsValid, w.user.Message, tok.ExpiresAt)
		}
		if diff := cmp.Diff(w.wrong, ok[core.UserResult](t, r, "validate_user_wrong_password")); diff != "" {
			t.Errorf("wrong password (-core +client):\n%s", diff)
		}
	})
	k.run(t, "unary", "ValidateToken", func(t *testing.T) {
		want := w.token(t, ok[core.UserResult](t, r, "validate_user").Token)
		if diff := cmp.Diff(want, ok[core.TokenResult](t, r, "validate_token")); diff != "" {
			t.Errorf("(-core +client):\n%s", diff)
		}
		if diff := cmp.Diff(w.badToken, ok[core.TokenResult](t, r, "validate_token_bad")); diff != "" {
			t.Errorf("bad token (-core +client):\n%s", diff)
		}
	})
	k.run(t, "unary", "GetTransaction", func(t *testing.T) {
		tx := ok[core.Transaction](t, r, "get_transaction")
		if diff := cmp.Diff(w.tx, &tx); diff != "" {
			t.Errorf("the record differs from core's (-core +client):\n%s", diff)
		}
	})
	for _, c := range []struct {
		name, call string
		err        error
		status     int
	}{
		{"GetTransaction/bad token", "get_transaction_bad_token", w.authErr, http.StatusUnauthorized},
		{"GetTransaction/unknown id", "get_transaction_unknown", w.notFoundErr, http.StatusNotFound},
	} {
		k.run(t, "unary", c.name, func(t *testing.T) {
			want := restError{Status: restwire.StatusOf(core.CodeOf(c.err)), Code: core.CodeOf(c.err).String(), Message: core.MessageOf(c.err)}
			if want.Status != c.status {
				t.Fatalf("restwire maps core's %v to %d, not %d", core.CodeOf(c.err), want.Status, c.status)
			}
			if e := failed[restError](t, r, c.call); e != want {
				t.Errorf("got %+v; want %+v", e, want)
			}
		})
	}
	k.run(t, "server-stream", "ListTransactions", func(t *testing.T) {
		f := ok[feed](t, r, "list_transactions")
		if !strings.HasPrefix(f.ContentType, restwire.ContentTypeNDJSON) {
			t.Errorf("feed Content-Type %q, want %s", f.ContentType, restwire.ContentTypeNDJSON)
		}
		w.checkFeed(t, f)
	})
	k.run(t, "client-stream", "Upload", func(t *testing.T) {
		var how string
		decode(t, "upload_body", r["upload_body"], &how)
		reqs := uploads.requests()
		want := []uploadRequest{{Proto: "HTTP/1.1", TransferEncoding: []string{"chunked"}, ContentLength: -1}}
		if diff := cmp.Diff(want, reqs); diff != "" || how != "streamed" {
			t.Errorf("the client says its upload body was %q; the server saw (-want +got):\n%s", how, diff)
		}
		// Chunks counts the server's body reads, which depend on how TCP
		// delivered the bytes: only the rest is comparable.
		if diff := cmp.Diff(w.upload, ok[core.UploadSummary](t, r, "upload"), cmpopts.IgnoreFields(core.UploadSummary{}, "Chunks")); diff != "" {
			t.Errorf("the summary differs from core's (-core +client):\n%s", diff)
		}
	})
	k.run(t, "bidi", "Chat", func(t *testing.T) {
		c := ok[struct {
			Skipped  string           `json:"skipped"`
			Protocol string           `json:"protocol"`
			Events   []core.ChatEvent `json:"events"`
		}](t, r, "chat")
		if c.Skipped != "" {
			t.Fatalf("the client skipped the WebSocket chat: %s", c.Skipped)
		}
		if c.Protocol != restwire.SubprotocolJSON {
			t.Errorf("WebSocket subprotocol %q, want %q", c.Protocol, restwire.SubprotocolJSON)
		}
		w.checkChat(t, c.Events)
	})
	return k
}

func (w *want) checkFeed(t *testing.T, f feed) {
	t.Helper()
	if f.Count != len(w.ids) {
		t.Errorf("the client counted %d records; core sends %d", f.Count, len(w.ids))
	}
	if diff := cmp.Diff(w.ids, f.IDs); diff != "" {
		t.Errorf("record ids in order (-core +client):\n%s", diff)
	}
}

func (w *want) checkChat(t *testing.T, events []core.ChatEvent) {
	t.Helper()
	for i, ev := range events {
		if ev.SentAt.IsZero() {
			t.Errorf("event %d has no sent_at", i)
		}
		if want := uint64(i + 1); ev.Kind == core.EventAck && ev.Seq != want {
			t.Errorf("ack %d echoes seq %d, want %d", i, ev.Seq, want)
		}
	}
	if diff := cmp.Diff(w.chat, events, cmpopts.IgnoreFields(core.ChatEvent{}, "SentAt")); diff != "" {
		t.Errorf("events differ from core's (-core +client):\n%s", diff)
	}
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
		if r.Method == http.MethodPost && r.URL.Path == restwire.PathFiles {
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

// runProcess runs a client process with p on its standard input and
// decodes what it prints.
func runProcess(t *testing.T, env []string, name string, args []string, p plan) clientResult {
	t.Helper()
	in, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	// A bound that only a hung client reaches; it asserts no timing.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstderr:\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	var r clientResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("%s printed no JSON object: %v\nstdout:\n%s\nstderr:\n%s", name, err, stdout.String(), stderr.String())
	}
	return r
}

// coreUpload uploads the bytes the clients make, chunked as they chunk
// them, straight to the core.
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

// uploadData is the clients' upload file: byte i is (i*131 + 17) mod 251.
func uploadData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*131 + 17) % 251)
	}
	return b
}

// coreChat runs the chat session the clients run, straight on the core,
// and returns the events the member receives.
func coreChat(t *testing.T, svc *core.Service, p plan) []core.ChatEvent {
	t.Helper()
	next := 0
	recv := func(context.Context) (core.ChatMessage, error) {
		if next == p.ChatMessages {
			return core.ChatMessage{}, io.EOF
		}
		next++
		return core.ChatMessage{Room: p.Room, Seq: uint64(next), Text: chatText(next, p)}, nil
	}
	var events []core.ChatEvent
	send := func(_ context.Context, ev core.ChatEvent) error { events = append(events, ev); return nil }
	if err := svc.Chat(t.Context(), p.User, recv, send); err != nil {
		t.Fatal(err)
	}
	return events
}

// chatText is message seq's text: "hello 3 from python".
func chatText(seq int, p plan) string { return "hello " + strconv.Itoa(seq) + " from " + p.ChatFrom }

// decode unmarshals raw into v, failing the test if it cannot.
func decode(t *testing.T, name string, raw json.RawMessage, v any) {
	t.Helper()
	if raw == nil {
		t.Fatalf("the client printed no %q", name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("the client's %q: %v\n%s", name, err, raw)
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

// okRaw returns the answer of a call that must have succeeded.
func okRaw(t *testing.T, results map[string]json.RawMessage, name string) json.RawMessage {
	t.Helper()
	raw := results[name]
	if e := errorOf(t, name, raw); e != nil {
		t.Fatalf("%s failed in the client: %s", name, e)
	}
	return raw
}

// ok returns the answer of a call that must have succeeded.
func ok[T any](t *testing.T, results map[string]json.RawMessage, name string) T {
	t.Helper()
	var v T
	decode(t, name, okRaw(t, results, name), &v)
	return v
}

// okProto returns the gRPC answer of a call that must have succeeded, read
// from protobuf's JSON mapping.
func okProto[M interface {
	proto.Message
	*P
}, P any](t *testing.T, results map[string]json.RawMessage, name string) M {
	t.Helper()
	m := M(new(P))
	unmarshalProto(t, name, okRaw(t, results, name), m)
	return m
}

func unmarshalProto(t *testing.T, name string, raw json.RawMessage, m proto.Message) {
	t.Helper()
	if err := protojson.Unmarshal(raw, m); err != nil {
		t.Fatalf("the client's %q is not a %s in protobuf's JSON mapping: %v\n%s", name, m.ProtoReflect().Descriptor().FullName(), err, raw)
	}
}

// failed returns the error of a call that must have failed.
func failed[E any](t *testing.T, results map[string]json.RawMessage, name string) E {
	t.Helper()
	raw := results[name]
	e := errorOf(t, name, raw)
	if e == nil {
		t.Fatalf("%s succeeded in the client, want an error: %s", name, raw)
	}
	var v E
	decode(t, name, e, &v)
	return v
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
	in.MeasuredBy = "go test ./interop -run TestClients"
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Errorf("%s: %v", resultEnv, err)
	}
}
