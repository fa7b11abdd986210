package interop_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"restvsgrpc/grpcsvc/grpcwire"
	"restvsgrpc/internal/client"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/protoconv"
	"restvsgrpc/restsvc/restwire"
)

// runGo makes the calls with the project's own Go clients (internal/client,
// the same stacks conformance and the benchmarks use) and records them as
// the other languages' clients print theirs: gRPC answers in protobuf's
// JSON mapping, REST answers as JSON. The Go clients hand back core errors,
// so their recorded status or gRPC code is the one the code maps to; the
// conformance suite's TestErrorMapping checks that mapping on the wire.
func runGo(t *testing.T, restURL, grpcAddr string, p plan) clientResult {
	t.Helper()
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	sum := sumOf(uploadData(p.UploadBytes))
	return clientResult{
		Runtime:      "Go " + strings.TrimPrefix(runtime.Version(), "go"),
		UploadSHA256: sum,
		Libraries:    map[string][]string{"grpc": {"google.golang.org/grpc", "google.golang.org/protobuf"}, "rest": {"github.com/coder/websocket"}},
		GRPC: goCalls(t, client.NewGRPC(conn), p, func(v any) json.RawMessage {
			b, err := protojson.Marshal(v.(proto.Message))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}, func(err error) any {
			return grpcError{Code: grpcwire.CodeOf(core.CodeOf(err)), Message: core.MessageOf(err)}
		}),
		REST: goCalls(t, client.NewREST(restURL, &http.Client{Transport: tr}), p, func(v any) json.RawMessage {
			return mustJSON(t, v)
		}, func(err error) any {
			c := core.CodeOf(err)
			return restError{Status: restwire.StatusOf(c), Code: c.String(), Message: core.MessageOf(err)}
		}),
	}
}

// goCalls makes every call of the plan with c. enc encodes an answer, the
// protobuf message of gRPC's answers or the core value of REST's; fail
// records an error.
func goCalls(t *testing.T, c client.Client, p plan, enc func(any) json.RawMessage, fail func(error) any) map[string]json.RawMessage {
	t.Helper()
	ctx := t.Context()
	isGRPC := c.Variant() == "grpc"
	out := map[string]json.RawMessage{}
	record := func(name string, v any, pb func() proto.Message, err error) {
		switch {
		case err != nil:
			out[name] = mustJSON(t, map[string]any{"error": fail(err)})
		case isGRPC:
			out[name] = enc(pb())
		default:
			out[name] = enc(v)
		}
	}
	login, err := c.ValidateUser(ctx, p.User, p.Password)
	record("validate_user", login, func() proto.Message { return protoconv.UserResult(login) }, err)
	wrong, err := c.ValidateUser(ctx, p.User, p.Password+"-wrong")
	record("validate_user_wrong_password", wrong, func() proto.Message { return protoconv.UserResult(wrong) }, err)
	for name, tok := range map[string]string{"validate_token": login.Token, "validate_token_bad": p.BadToken} {
		r, err := c.ValidateToken(ctx, tok)
		record(name, r, func() proto.Message { return protoconv.TokenResult(r) }, err)
	}
	for name, get := range map[string]struct{ token, id string }{
		"get_transaction":           {login.Token, p.TransactionID},
		"get_transaction_bad_token": {p.BadToken, p.TransactionID},
		"get_transaction_unknown":   {login.Token, p.UnknownID},
	} {
		c.SetToken(get.token)
		tx, err := c.GetTransaction(ctx, get.id)
		record(name, tx, func() proto.Message { return protoconv.Transaction(tx) }, err)
	}
	c.SetToken(login.Token)

	var ids []string
	err = c.ListTransactions(ctx, core.ListRequest{AccountID: p.Account, Payload: p.Payload, Limit: p.Limit},
		func(tx *core.Transaction) error { ids = append(ids, tx.ID); return nil })
	if err != nil {
		out["list_transactions"] = mustJSON(t, map[string]any{"error": fail(err), "count": len(ids)})
	} else {
		f := feed{Count: len(ids), IDs: ids}
		if !isGRPC {
			f.ContentType = restwire.ContentTypeNDJSON // what the Go client's feed reader insisted on
		}
		out["list_transactions"] = mustJSON(t, f)
	}

	up, err := c.Upload(ctx, p.Filename, bytes.NewReader(uploadData(p.UploadBytes)), p.UploadChunk)
	record("upload", up, func() proto.Message { return protoconv.UploadSummary(up) }, err)
	out["upload_body"] = mustJSON(t, "streamed")

	events, err := goChat(t, c, p)
	var chat []json.RawMessage
	for _, ev := range events {
		if isGRPC {
			chat = append(chat, enc(protoconv.ChatEvent(ev)))
		} else {
			chat = append(chat, enc(ev))
		}
	}
	if err != nil {
		out["chat"] = mustJSON(t, map[string]any{"error": fail(err), "events": chat})
	} else {
		// The Go client offers json first, as restwire.Subprotocols lists.
		out["chat"] = mustJSON(t, map[string]any{"events": chat, "protocol": restwire.Subprotocols[0]})
	}

	n, start := 0, time.Now()
	for n < p.RateMaxCalls && time.Since(start).Seconds() < p.RateSeconds {
		if _, err := c.ValidateToken(ctx, login.Token); err != nil {
			t.Fatal(err)
		}
		n++
	}
	out["unary_rate"] = mustJSON(t, rate{Calls: n, Seconds: time.Since(start).Seconds()})
	return out
}

func goChat(t *testing.T, c client.Client, p plan) ([]core.ChatEvent, error) {
	t.Helper()
	s, err := c.Chat(t.Context())
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for seq := 1; seq <= p.ChatMessages; seq++ {
		if err := s.Send(core.ChatMessage{Room: p.Room, Seq: uint64(seq), Text: chatText(seq, p)}); err != nil {
			return nil, err
		}
	}
	if err := s.CloseSend(); err != nil {
		return nil, err
	}
	var events []core.ChatEvent
	for {
		ev, err := s.Recv()
		if err == io.EOF {
			return events, nil
		}
		if err != nil {
			return events, err
		}
		events = append(events, ev)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setupNode readies the Node client: node 20 or later, and its packages
// installed from the lockfile (npm ci) when they are missing.
func setupNode(t *testing.T) (runner, string) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "node is not on PATH: install Node.js 20 or later (Debian: nodejs npm)"
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
		return nil, fmt.Sprintf("node %s is too old: the client needs Node.js 20 or later (fetch with streamed bodies, WebSocket)", strings.TrimSpace(string(out)))
	}
	if _, err := os.Stat(filepath.FromSlash("node/node_modules")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return nil, "interop/node/node_modules is missing and npm is not on PATH: run make interop-deps"
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = "node"
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Sprintf("npm ci in interop/node failed (%v): %s", err, lastLine(out))
		}
	}
	var flags []string
	if major < 22 {
		// WebSocket is global from Node 22; Node 20 and 21 have it behind
		// a flag.
		flags = append(flags, "--experimental-websocket")
	}
	return func(t *testing.T, restURL, grpcAddr string, p plan) clientResult {
		return runProcess(t, nil, node, append(flags, "node/client.mjs", restURL, grpcAddr), p)
	}, ""
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

// pythonPackages are Debian's packages of the Python client.
var pythonPackages = []string{"python3-grpcio", "python3-grpc-tools", "python3-websockets"}

// setupPython readies the Python client: a python3 that imports grpc,
// grpc_tools and websockets (Debian's packages, installed with apt-get when
// missing and the test runs as root), and stubs generated from proto/ into
// a temporary directory.
func setupPython(t *testing.T) (runner, string) {
	const probe = "import grpc, grpc_tools, websockets"
	python := findPython(probe)
	if python == "" {
		if why := aptInstall(pythonPackages...); why != "" {
			return nil, "no python3 with grpcio, grpc_tools and websockets: " + why
		}
		if python = findPython(probe); python == "" {
			return nil, "no python3 imports grpc, grpc_tools and websockets after installing " + strings.Join(pythonPackages, " ")
		}
	}
	stubs := t.TempDir()
	protos, err := protoFiles()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-m", "grpc_tools.protoc", "-I../proto", "--python_out=" + stubs, "--grpc_python_out=" + stubs}, protos...)
	if out, err := exec.Command(python, args...).CombinedOutput(); err != nil {
		t.Fatalf("grpc_tools.protoc: %v\n%s", err, out)
	}
	return func(t *testing.T, restURL, grpcAddr string, p plan) clientResult {
		return runProcess(t, []string{"PYTHONPATH=python"}, python, []string{"python/client.py", restURL, grpcAddr, stubs}, p)
	}, ""
}

// findPython returns the first python3 that runs probe: Debian's own
// first, whose packages apt-get installs, then the one on PATH.
func findPython(probe string) string {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", probe).Run() == nil {
			return py
		}
	}
	return ""
}

// protoFiles lists proto/**/*.proto relative to proto/.
func protoFiles() ([]string, error) {
	var files []string
	err := filepath.WalkDir("../proto", func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".proto") {
			rel, _ := filepath.Rel("../proto", path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	return files, err
}

var aptUpdate sync.Once

// aptInstall installs Debian packages with apt-get, which needs root; it
// returns why it could not, or "".
func aptInstall(pkgs ...string) string {
	apt, err := exec.LookPath("apt-get")
	if err != nil {
		return "no apt-get to install " + strings.Join(pkgs, " ") + " with"
	}
	if os.Geteuid() != 0 {
		return "not root, so apt-get cannot install " + strings.Join(pkgs, " ")
	}
	aptUpdate.Do(func() { _ = exec.Command(apt, "update").Run() })
	cmd := exec.Command(apt, append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Sprintf("apt-get install %s failed (%v): %s", strings.Join(pkgs, " "), err, lastLine(out))
	}
	return ""
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func sumOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// cppPackages are Debian's packages of the C++ client; cppModules are the
// pkg-config names of its libraries.
var (
	cppPackages = []string{"g++", "pkg-config", "protobuf-compiler", "protobuf-compiler-grpc", "libprotobuf-dev",
		"libgrpc++-dev", "libcurl4-openssl-dev", "libssl-dev", "nlohmann-json3-dev"}
	cppModules = []string{"grpc++", "protobuf", "libcurl", "libcrypto", "nlohmann_json"}
)

// setupCpp readies the C++ client: the toolchain (Debian's packages,
// installed with apt-get when missing and the test runs as root), stubs
// generated from proto/ by protoc and grpc_cpp_plugin, and one g++ build,
// kept in the user's cache directory under a hash of everything it is
// made from, so that a second run does not compile again.
func setupCpp(t *testing.T) (runner, string) {
	if why := cppMissing(); why != "" {
		if err := aptInstall(cppPackages...); err != "" {
			return nil, "no C++ toolchain (" + why + "): " + err
		}
		if why := cppMissing(); why != "" {
			return nil, "no C++ toolchain after installing " + strings.Join(cppPackages, " ") + ": " + why
		}
	}
	bin := buildCpp(t)
	return func(t *testing.T, restURL, grpcAddr string, p plan) clientResult {
		return runProcess(t, nil, bin, []string{restURL, grpcAddr}, p)
	}, ""
}

// cppMissing returns what the C++ build lacks, or "".
func cppMissing() string {
	for _, tool := range []string{"g++", "pkg-config", "protoc", "grpc_cpp_plugin"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not on PATH"
		}
	}
	if out, err := exec.Command("pkg-config", append([]string{"--exists", "--print-errors"}, cppModules...)...).CombinedOutput(); err != nil {
		return "pkg-config: " + lastLine(out)
	}
	return ""
}

// buildCpp returns the path of the built C++ client, building it unless
// the cache holds a build of the same sources, protos, flags and tools.
func buildCpp(t *testing.T) string {
	t.Helper()
	cflags := cppOutput(t, "pkg-config", append([]string{"--cflags"}, cppModules...)...)
	libs := cppOutput(t, "pkg-config", append([]string{"--libs"}, cppModules...)...)
	protos, err := protoFiles()
	if err != nil {
		t.Fatal(err)
	}
	sources, err := filepath.Glob("cpp/*.cc")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no interop/cpp/*.cc (%v)", err)
	}
	headers, _ := filepath.Glob("cpp/*.h")
	key := sha256.New()
	for _, s := range []string{cflags, libs, cppOutput(t, "g++", "--version"), cppOutput(t, "protoc", "--version")} {
		fmt.Fprintf(key, "%q\n", s)
	}
	for _, f := range append(append(append([]string{}, sources...), headers...), prefixed("../proto/", protos)...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(key, "%s %d\n%s", f, len(b), b)
	}
	hash := hex.EncodeToString(key.Sum(nil))[:16]

	// Without a cache directory each run builds into its own temporary one.
	root := t.TempDir()
	if dir, err := os.UserCacheDir(); err == nil {
		root = filepath.Join(dir, "restvsgrpc", "interop-cpp")
	}
	bin := filepath.Join(root, hash, "client")
	if _, err := os.Stat(bin); err == nil {
		t.Logf("C++ client: cached build %s", bin)
		return bin
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	// Built beside its final place and renamed there, so that a build
	// another test process makes at the same time is never seen half done.
	tmp, err := os.MkdirTemp(root, "build-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	gen := filepath.Join(tmp, "gen")
	if err := os.Mkdir(gen, 0o755); err != nil {
		t.Fatal(err)
	}
	plugin, _ := exec.LookPath("grpc_cpp_plugin")
	cppOutput(t, "protoc", append([]string{"-I../proto", "--cpp_out=" + gen, "--grpc_out=" + gen, "--plugin=protoc-gen-grpc=" + plugin}, protos...)...)
	var genSources []string
	for _, p := range protos {
		base := filepath.Join(gen, filepath.FromSlash(strings.TrimSuffix(p, ".proto")))
		genSources = append(genSources, base+".pb.cc", base+".grpc.pb.cc")
	}
	start := time.Now()
	args := append([]string{"-std=c++17", "-O2", "-Wall", "-I" + gen, "-Icpp", "-o", filepath.Join(tmp, "client")}, strings.Fields(cflags)...)
	args = append(append(append(args, sources...), genSources...), strings.Fields(libs)...)
	cppOutput(t, "g++", args...)
	t.Logf("C++ client: built in %.0fs", time.Since(start).Seconds())
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(tmp, "client"), bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// cppOutput runs a tool of the C++ build and returns what it printed,
// failing the test if it fails.
func cppOutput(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
