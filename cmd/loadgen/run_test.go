package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/perf/benchfmt"
	"google.golang.org/grpc"

	"restvsgrpc/grpcsvc"
	"restvsgrpc/internal/cli"
	"restvsgrpc/internal/core"
	"restvsgrpc/restsvc"
)

func TestHelpExplainsEveryFlag(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-help"}, &out, &out)
	if !errors.Is(err, flag.ErrHelp) || cli.ExitCode("loadgen", err, &out) != 0 {
		t.Fatalf("run -help: %v", err)
	}
	help := out.String()
	flags := []string{"target", "variant", "rpc", "payload", "stream-msgs", "c", "conns", "streams", "check", "data-seed",
		"rate", "arrivals", "seed", "rate-tolerance", "duration", "n", "warmup", "user", "password", "tls", "insecure",
		"cacert", "server-pid", "watch-pids", "max-steal", "retries", "allow-errors", "json", "bench", "hgrm", "progress", "cpuprofile", "late", "sse", "grpc-lb", "feed-interval"}
	for _, f := range flags {
		if !strings.Contains(help, "\n  -"+f+" ") && !strings.Contains(help, "\n  -"+f+"\n") {
			t.Errorf("-help does not explain -%s", f)
		}
	}
	for _, s := range []string{"Examples:", "loadgen -variant grpc", "coordinated omission", "$LOADGEN_PASSWORD"} {
		if !strings.Contains(help, s) {
			t.Errorf("-help does not say %q", s)
		}
	}
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-frobnicate"}, "not defined"},
		{"bad variant", []string{"-variant", "soap"}, "-variant"},
		{"bad rpc", []string{"-rpc", "Delete"}, "rpc"},
		{"bad payload", []string{"-payload", "2KiB"}, "-payload"},
		{"no password", []string{"-user", "alice"}, "no password"},
		{"no workers", []string{"-c", "0"}, "-c 0"},
		{"n and duration", []string{"-n", "5", "-duration", "1s"}, "give one"},
		{"c and streams", []string{"-c", "4", "-streams", "2"}, "give one"},
		{"bad arrivals", []string{"-rate", "10", "-arrivals", "bursty"}, "arrivals"},
		{"insecure without tls", []string{"-insecure"}, "need -tls"},
		{"chat too big", []string{"-rpc", "Chat", "-payload", "64KiB"}, "at most"},
		{"bad check", []string{"-check", "json"}, "-check"},
		{"grpc-lb over rest", []string{"-grpc-lb", "round_robin"}, "-grpc-lb"},
		{"bad grpc-lb", []string{"-variant", "grpc", "-grpc-lb", "random"}, "-grpc-lb"},
		{"bad watch-pids", []string{"-watch-pids", "12,x"}, "-watch-pids"},
		{"stray argument", []string{"now"}, "unexpected argument"},
		{"feed-interval of a unary call", []string{"-rpc", "GetTransaction", "-feed-interval", "1s"}, "-feed-interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := tc.args
			if tc.name != "no password" {
				args = append([]string{"-user", "alice:pw"}, args...)
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr)
			if code := cli.ExitCode("loadgen", err, &stderr); code != 2 {
				t.Errorf("exit %d, want 2 (err %v)", code, err)
			}
			if msg := stderr.String(); !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 {
				t.Errorf("stderr %q: want one line saying %q", msg, tc.want)
			}
		})
	}
}

func TestUserFlagTakesThePassword(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-user", "alice:s3cret:pass", "-variant", "grpc"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.target.User != "alice" || cfg.target.Password != "s3cret:pass" || cfg.target.Addr != "127.0.0.1:50051" {
		t.Errorf("user %q password %q addr %q", cfg.target.User, cfg.target.Password, cfg.target.Addr)
	}
}

// startServers serves REST (with h2c) and gRPC on loopback.
func startServers(t *testing.T) (rest, grpcAddr string) {
	t.Helper()
	svc, err := core.New(core.WithUser("alice", "alice-password"), core.WithBcryptCost(4))
	if err != nil {
		t.Fatal(err)
	}
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hs := restsvc.NewServer(restsvc.NewHandler(svc), restsvc.WithH2C(), restsvc.WithBaseContext(ctx))
	gs := grpcsvc.NewServer(svc)
	go hs.Serve(rl)
	go gs.Serve(gl)
	t.Cleanup(func() { cancel(); hs.Close(); gs.Stop() })
	return rl.Addr().String(), gl.Addr().String()
}

// TestRunWritesEveryOutput runs the command against real servers and reads
// back its -bench line with benchfmt, its -json and its -hgrm.
func TestRunWritesEveryOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped with -short")
	}
	rest, grpcAddr := startServers(t)
	for _, variant := range []string{"rest", "rest-h2c", "grpc"} {
		t.Run(variant, func(t *testing.T) {
			dir := t.TempDir()
			addr := rest
			if variant == "grpc" {
				addr = grpcAddr
			}
			jsonFile, hgrmFile := filepath.Join(dir, "out.json"), filepath.Join(dir, "out.hgrm")
			args := []string{"-variant", variant, "-target", addr, "-user", "alice:alice-password", "-rpc", "GetTransaction",
				"-payload", "1KiB", "-c", "4", "-n", "200", "-warmup", "50ms", "-server-pid", strconv.Itoa(os.Getpid()),
				"-watch-pids", strconv.Itoa(os.Getpid()), "-bench", "-json", jsonFile, "-hgrm", hgrmFile}
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("stderr not empty without a terminal: %q", stderr.String())
			}

			rd := benchfmt.NewReader(bytes.NewReader(stdout.Bytes()), "stdout")
			var got []string
			for rd.Scan() {
				if r, ok := rd.Result().(*benchfmt.Result); ok {
					got = append(got, string(r.Name.Full()))
					if r.Iters != 200 {
						t.Errorf("iterations %d, want 200", r.Iters)
					}
					if v, ok := r.Value("req/s"); !ok || v <= 0 {
						t.Errorf("req/s %v %v", v, ok)
					}
				}
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], "Load/rpc=GetTransaction/variant="+variant+"/payload=1KiB/conc=4/mode=closed") {
				t.Errorf("benchmark names %q", got)
			}

			b, err := os.ReadFile(jsonFile)
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				Protocol          string `json:"protocol"`
				Calls             int64  `json:"calls"`
				Discarded         *int   `json:"discarded_windows"`
				Flagged           *bool  `json:"steal_flagged"`
				ServerCPUMeasured bool   `json:"server_cpu_measured"`
				Watched           []struct {
					PID  int `json:"pid"`
					CPUs int `json:"cpus"`
				} `json:"watched"`
				Response struct {
					Count int64  `json:"count"`
					HDR   string `json:"hdr"`
				} `json:"response"`
			}
			if err := json.Unmarshal(b, &res); err != nil {
				t.Fatal(err)
			}
			if len(res.Watched) != 1 || res.Watched[0].PID != os.Getpid() || res.Watched[0].CPUs < 1 {
				t.Errorf("watched processes: %+v, want this one (pid %d) with its CPUs", res.Watched, os.Getpid())
			}
			if res.Protocol == "" || res.Calls != 200 || res.Discarded == nil || res.Flagged == nil || !res.ServerCPUMeasured || res.Response.Count != 200 || res.Response.HDR == "" {
				t.Errorf("json: %s", b)
			}

			h, err := os.ReadFile(hgrmFile)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(h), " Value\tPercentile") || !strings.Contains(string(h), "Total count    =          200") {
				t.Errorf("hgrm:\n%s", h)
			}
		})
	}
}

// TestFeedInterval runs paced feeds on every transport and client mode and
// checks that the pacing reached the server: a feed of three records, one
// every interval, cannot end before two intervals have passed (a lower
// bound, which a slow machine cannot break).
func TestFeedInterval(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped with -short")
	}
	rest, grpcAddr := startServers(t)
	const interval = 200 * time.Millisecond
	for _, tc := range []struct{ variant, check string }{
		{"rest", "bytes"}, {"rest-proto", "bytes"}, {"rest-h2c", "bytes"}, {"grpc", "bytes"}, {"rest", "decode"}, {"grpc", "decode"},
	} {
		t.Run(tc.variant+"/"+tc.check, func(t *testing.T) {
			t.Parallel()
			addr := rest
			if tc.variant == "grpc" {
				addr = grpcAddr
			}
			args := []string{"-variant", tc.variant, "-check", tc.check, "-target", addr, "-user", "alice:alice-password",
				"-rpc", "ListTransactions", "-stream-msgs", "3", "-feed-interval", interval.String(), "-c", "2", "-n", "2", "-warmup", "0s", "-bench"}
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), "3 records a feed, one every 200ms") {
				t.Errorf("the summary does not state the pacing:\n%s", stdout.String())
			}
			rd := benchfmt.NewReader(bytes.NewReader(stdout.Bytes()), "stdout")
			n := 0
			for rd.Scan() {
				r, ok := rd.Result().(*benchfmt.Result)
				if !ok {
					continue
				}
				n++
				if !strings.Contains(string(r.Name.Full()), "/interval=200ms/") {
					t.Errorf("benchmark name %q does not carry the interval", r.Name.Full())
				}
				// HDR histograms keep 3 significant digits: 1% of margin.
				// benchfmt tidies p50-ns into seconds.
				if v, ok := r.Value("p50-sec"); !ok || v < 0.99*(2*interval).Seconds() {
					t.Errorf("median feed took %vs, less than two intervals: the server did not pace it", v)
				}
			}
			if n != 1 {
				t.Errorf("%d benchmark lines, want 1:\n%s", n, stdout.String())
			}
		})
	}
}

// TestGRPCRoundRobin runs -grpc-lb round_robin over three gRPC servers and
// checks from each server's own count that every one of them was called.
func TestGRPCRoundRobin(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped with -short")
	}
	svc, err := core.New(core.WithUser("alice", "alice-password"), core.WithBcryptCost(4))
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	counts := make([]atomic.Int64, 3)
	for i := range counts {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		count := grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			counts[i].Add(1)
			return h(ctx, req)
		})
		gs := grpcsvc.NewServer(svc, grpcsvc.WithServerOptions(count))
		go gs.Serve(l)
		t.Cleanup(gs.Stop)
		addrs = append(addrs, l.Addr().String())
	}
	args := []string{"-variant", "grpc", "-grpc-lb", "round_robin", "-target", strings.Join(addrs, ","),
		"-user", "alice:alice-password", "-rpc", "GetTransaction", "-c", "4", "-n", "300", "-warmup", "0s"}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	for i := range counts {
		if n := counts[i].Load(); n == 0 {
			t.Errorf("server %d of 3 got no call", i)
		}
	}
}

// TestUnreachableServer fails in one line, exit 1.
func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"-target", addr, "-user", "a:b"}, &stdout, &stderr)
	if code := cli.ExitCode("loadgen", err, &stderr); code != 1 || !strings.Contains(stderr.String(), "cannot reach") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestInterruptPrintsWhatWasMeasured stops an hour-long run early, as
// Ctrl-C does: the summary of the calls made so far is printed, and the
// run fails saying it was interrupted.
func TestInterruptPrintsWhatWasMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped with -short")
	}
	_, grpcAddr := startServers(t)
	// The first progress line of the measured window (after a second)
	// plays the user's Ctrl-C.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	stderr := &cancelOnWrite{want: "calls/s", cancel: cancel}
	err := run(ctx, []string{"-variant", "grpc", "-target", grpcAddr, "-user", "alice:alice-password", "-duration", "1h", "-warmup", "0s", "-c", "2", "-bench", "-progress", "on"}, &stdout, stderr)
	var msg bytes.Buffer
	if code := cli.ExitCode("loadgen", err, &msg); code != 1 || !strings.Contains(msg.String(), "interrupted") {
		t.Errorf("exit %d, message %q", code, msg.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "interrupted: figures cover the calls completed so far") || !strings.Contains(out, "BenchmarkLoad/rpc=ValidateToken/variant=grpc") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"user with password", []string{"-c", "4", "-user", "alice:s3cret"}, []string{"-c", "4", "-user", "alice:***"}},
		{"user alone", []string{"-user", "alice"}, []string{"-user", "alice"}},
		{"password", []string{"-password", "s3cret", "-bench"}, []string{"-password", "***", "-bench"}},
		{"password with a colon", []string{"--password", "a:b"}, []string{"--password", "***"}},
		{"equals forms", []string{"-user=bob:pw", "-password=pw"}, []string{"-user=bob:***", "-password=***"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, redact(tc.args)); diff != "" {
				t.Errorf("redact(%q) (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

// cancelOnWrite calls cancel on the first write that contains want.
type cancelOnWrite struct {
	want   string
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.want) {
		c.cancel()
	}
	return len(p), nil
}
