package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/cli"
	"restvsgrpc/internal/variant"
)

// TestMain lets the test binary play the server and the load driver.
// With REPORT_FAKE_SERVER set, as a server it writes the ready file named
// by -ready-file and waits for SIGTERM; called with -target, it plays the
// load driver: one benchmark line and a JSON file.
func TestMain(m *testing.M) {
	switch os.Getenv("REPORT_FAKE_SERVER") {
	case "":
		os.Exit(m.Run())
	case "exit":
		fmt.Println("fake server: refusing to start")
		os.Exit(3)
	}
	if len(os.Args) > 1 && os.Args[1] == "-target" {
		fakeLoadgen(os.Args[1:])
		return
	}
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	readyFile := fs.String("ready-file", "", "")
	fs.String("rest-addr", "", "")
	fs.String("grpc-addr", "", "")
	fs.Bool("h2c", false, "")
	fs.String("user", "", "")
	fs.String("work", "", "")
	fs.String("login-user-burst", "", "")
	fs.String("login-addr-burst", "", "")
	fs.String("bcrypt-cost", "", "")
	restJSON := fs.String("rest-json", "encoding/json", "")
	grpcCodec := fs.String("grpc-codec", "proto", "")
	connectAddr := fs.String("connect-addr", "", "")
	gatewayAddr := fs.String("gateway-addr", "", "")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if starts := os.Getenv("REPORT_FAKE_STARTS"); starts != "" {
		f, _ := os.OpenFile(starts, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		line := fmt.Sprint(os.Getpid(), " ", *restJSON, " ", *grpcCodec)
		if *connectAddr != "" {
			line += " connect"
		}
		if *gatewayAddr != "" {
			line += " gateway"
		}
		fmt.Fprintln(f, line)
		f.Close()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	ready := `{"rest":"http://127.0.0.1:1","grpc":"127.0.0.1:2"`
	if *connectAddr != "" {
		ready += `,"connect":"127.0.0.1:3"`
	}
	if *gatewayAddr != "" {
		ready += `,"gateway":"127.0.0.1:4"`
	}
	// Written whole, by rename, as the real server does: the reader polls.
	os.WriteFile(*readyFile+".tmp", []byte(ready+"}"), 0o644)
	os.Rename(*readyFile+".tmp", *readyFile)
	<-sig
	os.Exit(0)
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		profile string
		out     string
		skip    bool
		wantErr bool
	}{
		{"defaults", nil, "quick", filepath.Join("results", "quick"), false, false},
		{"full", []string{"-profile", "full"}, "full", filepath.Join("results", "full"), false, false},
		{"out and skip-run", []string{"-out", "x", "-skip-run"}, "quick", "x", true, false},
		{"unknown profile", []string{"-profile", "huge"}, "", "", false, true},
		{"stray argument", []string{"now"}, "", "", false, true},
		{"unknown flag", []string{"-fast"}, "", "", false, true},
		{"unknown part", []string{"-parts", "codecs,plots"}, "", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tt.args, &bytes.Buffer{})
			if tt.wantErr {
				var u cli.UsageError
				if !errors.As(err, &u) {
					t.Fatalf("parseFlags(%q) error = %v, want a usage error", tt.args, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []any{o.profile.name, o.out, o.skipRun}
			if diff := cmp.Diff([]any{tt.profile, tt.out, tt.skip}, got); diff != "" {
				t.Errorf("parseFlags(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-help"}, &out, &bytes.Buffer{})
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -help: %v, want flag.ErrHelp", err)
	}
	for _, f := range []string{"-profile", "-out", "-skip-run"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("-help does not explain %s:\n%s", f, out.String())
		}
	}
}

func TestInterleave(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rep  int
		want []string
	}{
		{"even repetition forward", 0, []string{"a", "b", "c"}},
		{"odd repetition backward", 1, []string{"c", "b", "a"}},
		{"next even forward again", 2, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, interleave([]string{"a", "b", "c"}, tt.rep)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	p := &profile{
		variants:  []string{"rest", "grpc"},
		unary:     []loadCase{{"GetTransaction", "100B", 1}, {"GetTransaction", "100B", 64}},
		open:      []loadCase{{"GetTransaction", "100B", 64}},
		rates:     []int{100, 200},
		streams:   []loadCase{{"Chat", "1KiB", 1}},
		works:     []time.Duration{0, time.Millisecond},
		workCases: []loadCase{{"GetTransaction", "100B", 64}, {"GetTransaction", "1KiB", 64}},
		windows:   2,
		openWins:  1,
	}
	describe := func(ws []window) []string {
		var out []string
		for _, w := range ws {
			out = append(out, fmt.Sprintf("%s %s c%d r%d %s #%d", w.c.rpc, w.c.payload, w.c.conc, w.rate, w.variant, w.rep))
		}
		return out
	}
	tests := []struct {
		name string
		work time.Duration
		want []string
	}{
		{"base work: unary, work cases, streams, open loop, interleaved", 0, []string{
			"GetTransaction 100B c1 r0 rest #0", "GetTransaction 100B c1 r0 grpc #0",
			"GetTransaction 100B c1 r0 grpc #1", "GetTransaction 100B c1 r0 rest #1",
			"GetTransaction 100B c64 r0 rest #0", "GetTransaction 100B c64 r0 grpc #0",
			"GetTransaction 100B c64 r0 grpc #1", "GetTransaction 100B c64 r0 rest #1",
			"GetTransaction 1KiB c64 r0 rest #0", "GetTransaction 1KiB c64 r0 grpc #0",
			"GetTransaction 1KiB c64 r0 grpc #1", "GetTransaction 1KiB c64 r0 rest #1",
			"Chat 1KiB c1 r0 rest #0", "Chat 1KiB c1 r0 grpc #0",
			"Chat 1KiB c1 r0 grpc #1", "Chat 1KiB c1 r0 rest #1",
			"GetTransaction 100B c64 r100 rest #0", "GetTransaction 100B c64 r100 grpc #0",
			"GetTransaction 100B c64 r200 rest #0", "GetTransaction 100B c64 r200 grpc #0",
		}},
		{"other work: only the work cases", time.Millisecond, []string{
			"GetTransaction 100B c64 r0 rest #0", "GetTransaction 100B c64 r0 grpc #0",
			"GetTransaction 100B c64 r0 grpc #1", "GetTransaction 100B c64 r0 rest #1",
			"GetTransaction 1KiB c64 r0 rest #0", "GetTransaction 1KiB c64 r0 grpc #0",
			"GetTransaction 1KiB c64 r0 grpc #1", "GetTransaction 1KiB c64 r0 rest #1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, describe(p.plan(tt.work))); diff != "" {
				t.Errorf("plan(%v) (-want +got):\n%s", tt.work, diff)
			}
		})
	}
}

// -parts empties the parts it does not name; the full profile itself is
// left as it was.
func TestParts(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"-profile", "full", "-parts", "codecs,middle"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	p := o.profile
	var load int
	for _, w := range p.works {
		load += len(p.plan(w))
	}
	if load != 0 || len(p.benchRegexes) != 0 || p.settleMax != 0 || len(p.codecPlan()) == 0 || len(p.middlePlan()) == 0 {
		t.Errorf("-parts codecs,middle: %d load windows, %d bench patterns, settle %d, %d codec and %d middle windows; want only codec and middle windows",
			load, len(p.benchRegexes), p.settleMax, len(p.codecPlan()), len(p.middlePlan()))
	}
	if full := profiles["full"]; len(full.unary) == 0 || len(full.benchRegexes) == 0 {
		t.Errorf("-parts changed the full profile itself")
	}
}

func TestProfilesFitTheirBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		budget time.Duration
	}{
		{"quick", 10 * time.Minute},
		{"full", 65 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &runner{o: options{profile: profiles[tt.name]}}
			if got := profiles[tt.name].estimate(r.benchCost()); got > tt.budget {
				t.Errorf("profile %s is planned at %v, over its budget %v", tt.name, got, tt.budget)
			}
		})
	}
}

func TestAddNameKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line, want string
	}{
		{"before the procs suffix", "BenchmarkLoad/variant=grpc-1\t10\t5 req/s", "BenchmarkLoad/variant=grpc/work=1ms-1\t10\t5 req/s"},
		{"no suffix", "BenchmarkLoad/variant=rest-h2c\t10\t5 req/s", "BenchmarkLoad/variant=rest-h2c/work=1ms\t10\t5 req/s"},
		{"key already there", "BenchmarkLoad/work=0s/variant=grpc-1\t10\t5 req/s", "BenchmarkLoad/work=0s/variant=grpc-1\t10\t5 req/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := addNameKey(tt.line, "work", "1ms"); got != tt.want {
				t.Errorf("addNameKey(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

// Steal bookkeeping is copied from the run's JSON, and left out, not made
// zero, when the JSON could not be read.
func TestCopyBenchLines(t *testing.T) {
	t.Parallel()
	in := "goos: linux\nBenchmarkLoad/variant=grpc-1\t10\t5 req/s\nPASS\n"
	tests := []struct {
		name string
		info *windowInfo
		want string
	}{
		{"json read", &windowInfo{Protocol: "HTTP/2.0", Discarded: 2, Flagged: true},
			"slice: -100B-c1-closed-w0s-0\nproto: HTTP/2.0\nBenchmarkLoad/variant=grpc/work=0s-1\t10\t5 req/s\t2 discarded-windows\t1 steal-flagged\n"},
		{"json unreadable", nil, "slice: -100B-c1-closed-w0s-0\nproto: \nBenchmarkLoad/variant=grpc/work=0s-1\t10\t5 req/s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			if err := copyBenchLines(&out, strings.NewReader(in), window{c: loadCase{payload: "100B", conc: 1}}, tt.info); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("copyBenchLines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var out bytes.Buffer
	p := newProgress(&out, 3, 30*time.Second, clock)
	p.step("one", 10*time.Second)
	now = now.Add(20 * time.Second) // twice as slow as planned
	p.step("two", 10*time.Second)
	want := "[1/3] one  (elapsed 0s, about 30s left)\n[2/3] two  (elapsed 20s, about 40s left)\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestProvenanceWrite(t *testing.T) {
	t.Parallel()
	p := &provenance{}
	p.add("commit", "abc")
	p.add("cpu", "Some  CPU\n@ 2GHz")
	var out bytes.Buffer
	if err := p.write(&out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("commit: abc\ncpu: Some CPU @ 2GHz\n\n", out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestServerStartStop(t *testing.T) {
	t.Setenv("REPORT_FAKE_SERVER", "1")
	srv, err := startServer(context.Background(), os.Args[0], t.TempDir(), pinning{cpus: 1}, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if srv.rest != "http://127.0.0.1:1" || srv.grpc != "127.0.0.1:2" {
		t.Errorf("addresses %q %q, want those of the ready file", srv.rest, srv.grpc)
	}
	if err := srv.stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	select {
	case <-srv.proc.Done():
	default:
		t.Error("server still running after stop")
	}
	if err := srv.stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
}

func TestServerThatExitsEarly(t *testing.T) {
	t.Setenv("REPORT_FAKE_SERVER", "exit")
	_, err := startServer(context.Background(), os.Args[0], t.TempDir(), pinning{cpus: 1}, 0)
	if err == nil || !strings.Contains(err.Error(), "refusing to start") {
		t.Errorf("startServer of a server that exits: %v, want its output in the error", err)
	}
}

func TestSkipRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join("..", "..", "internal", "report", "testdata", "raw", "fixture.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "raw"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "raw", "load.txt"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("Measuring took 1m0s (profile quick).\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-skip-run", "-out", dir}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## The article's table", "Measuring took 1m0s", "benchstat-load.txt"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
	if !strings.Contains(out.String(), "Speed:") {
		t.Errorf("stdout lacks the verdicts:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "benchstat-load.txt")); err != nil {
		t.Error(err)
	}
}

func TestSkipRunWithoutRawFiles(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"-skip-run", "-out", t.TempDir()}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "no raw files") {
		t.Errorf("run -skip-run on an empty directory: %v, want a no-raw-files error", err)
	}
}

func fakeLoadgen(args []string) {
	fs := flag.NewFlagSet("fakeloadgen", flag.ContinueOnError)
	variant := fs.String("variant", "", "")
	jsonPath := fs.String("json", "", "")
	conc := fs.Int("c", 0, "")
	check := fs.String("check", "", "")
	target := fs.String("target", "", "")
	for _, f := range []string{"rpc", "payload", "user", "duration", "warmup", "server-pid", "max-steal", "retries", "rate", "rate-tolerance"} {
		fs.String(f, "", "")
	}
	fs.Bool("bench", false, "")
	fs.Bool("allow-errors", false, "")
	if err := fs.Parse(args); err != nil {
		os.Exit(2)
	}
	if *variant == "fail" {
		fmt.Fprintln(os.Stderr, "loadgen: 3 calls failed")
		os.Exit(1)
	}
	proto := "HTTP/1.1"
	switch *target {
	case "127.0.0.1:2": // the fake server's gRPC address
		proto = "HTTP/2"
	case "127.0.0.1:3", "127.0.0.1:4": // its connect and gateway addresses
		proto = "HTTP/1.1 (" + *target + ")"
	}
	os.WriteFile(*jsonPath, []byte(`{"protocol":"`+proto+`","discarded_windows":1,"steal_flagged":false}`), 0o644)
	fmt.Println("a human summary line: 1000 calls")
	name := fmt.Sprintf("BenchmarkLoad/rpc=GetTransaction/variant=%s/payload=100B/conc=%d/mode=closed", *variant, *conc)
	if *check != "" {
		name += "/check=" + *check
	}
	fmt.Printf("%s-1\t1000\t1000 req/s\t0.01 steal-cpu\n", name)
	os.Exit(0)
}

func TestRunLoad(t *testing.T) {
	t.Setenv("REPORT_FAKE_SERVER", "1")
	dir := t.TempDir()
	p := &profile{
		variants:  []string{"rest", "grpc", "fail"},
		unary:     []loadCase{{"GetTransaction", "100B", 4}},
		works:     []time.Duration{0, 100 * time.Microsecond},
		workCases: []loadCase{{"GetTransaction", "100B", 4}},
		windows:   1,
		duration:  time.Second,
	}
	var stderr bytes.Buffer
	r := &runner{
		o:      options{profile: p, out: dir},
		tmp:    dir,
		pin:    pinning{cpus: 1},
		stderr: &stderr,
		prov:   &provenance{},
		bins:   map[string]string{"server": os.Args[0], "loadgen": os.Args[0]},
	}
	r.prog = newProgress(&stderr, 10, time.Minute, time.Now)
	raw := filepath.Join(dir, "load.txt")
	if err := r.runLoad(context.Background(), raw, dir); err != nil {
		t.Fatal(err)
	}
	got := rawLines(t, raw, "Benchmark", "proto:", "slice:")
	want := []string{
		"slice: GetTransaction-100B-c4-closed-w0s-0",
		"proto: HTTP/1.1",
		"BenchmarkLoad/rpc=GetTransaction/variant=rest/payload=100B/conc=4/mode=closed/work=0s-1\t1000\t1000 req/s\t0.01 steal-cpu\t1 discarded-windows\t0 steal-flagged",
		"slice: GetTransaction-100B-c4-closed-w0s-0",
		"proto: HTTP/2",
		"BenchmarkLoad/rpc=GetTransaction/variant=grpc/payload=100B/conc=4/mode=closed/work=0s-1\t1000\t1000 req/s\t0.01 steal-cpu\t1 discarded-windows\t0 steal-flagged",
		"slice: GetTransaction-100B-c4-closed-w100us-0",
		"proto: HTTP/1.1",
		"BenchmarkLoad/rpc=GetTransaction/variant=rest/payload=100B/conc=4/mode=closed/work=100us-1\t1000\t1000 req/s\t0.01 steal-cpu\t1 discarded-windows\t0 steal-flagged",
		"slice: GetTransaction-100B-c4-closed-w100us-0",
		"proto: HTTP/2",
		"BenchmarkLoad/rpc=GetTransaction/variant=grpc/payload=100B/conc=4/mode=closed/work=100us-1\t1000\t1000 req/s\t0.01 steal-cpu\t1 discarded-windows\t0 steal-flagged",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("raw load file (-want +got):\n%s", diff)
	}
	if len(r.failures) != 2 || r.windowsTotal != 6 {
		t.Errorf("failures %q of %d windows, want the 2 fail windows of 6", r.failures, r.windowsTotal)
	}
	if !strings.Contains(stderr.String(), "3 calls failed") {
		t.Errorf("stderr lacks the failed window's error:\n%s", stderr.String())
	}
}

// Each slice (every variant of one repetition) runs on a server of its own.
func TestRunLoadFreshServerPerSlice(t *testing.T) {
	t.Setenv("REPORT_FAKE_SERVER", "1")
	dir := t.TempDir()
	starts := filepath.Join(dir, "starts")
	t.Setenv("REPORT_FAKE_STARTS", starts)
	p := &profile{
		variants: []string{"rest", "grpc"},
		unary:    []loadCase{{"GetTransaction", "100B", 4}},
		works:    []time.Duration{0},
		windows:  3,
	}
	r := fakeRunner(p, dir)
	if err := r.runLoad(context.Background(), filepath.Join(dir, "load.txt"), dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(starts)
	if n := strings.Count(string(b), "\n"); err != nil || n != 3 {
		t.Errorf("%d servers started (%v), want 3: one per slice", n, err)
	}
}

// fakeRunner is a runner whose server and load driver are this test
// binary (TestMain), on one CPU.
func fakeRunner(p *profile, dir string) *runner {
	r := &runner{
		o: options{profile: p, out: dir}, tmp: dir, pin: pinning{cpus: 1}, stderr: io.Discard,
		prov: &provenance{}, bins: map[string]string{"server": os.Args[0], "loadgen": os.Args[0]},
	}
	r.prog = newProgress(io.Discard, 10, time.Minute, time.Now)
	return r
}

// rawLines returns the lines of a raw file that start with one of prefixes.
func rawLines(t *testing.T, path string, prefixes ...string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// The Codecs windows run into their own raw file, marked as their section,
// in both client modes; each variant's windows of a slice run on a server
// started with that variant's flags, one server at a time.
func TestRunCodecs(t *testing.T) {
	t.Setenv("REPORT_FAKE_SERVER", "1")
	dir := t.TempDir()
	starts := filepath.Join(dir, "starts")
	t.Setenv("REPORT_FAKE_STARTS", starts)
	p := &profile{
		variants:  []string{"rest", "grpc"},
		works:     []time.Duration{0},
		codecs:    []loadCase{{"GetTransaction", "64KiB", 64}},
		codecWins: 1,
	}
	r := fakeRunner(p, dir)
	raw := filepath.Join(dir, "codecs.txt")
	if err := r.runCodecs(context.Background(), raw, dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(starts)
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		_, f, _ := strings.Cut(l, " ")
		flags = append(flags, f)
	}
	// rest-sonic, rest-go_json, rest, grpc, grpc-vt: rest and grpc share
	// a server, the others need their own; in each client mode.
	server := []string{"sonic proto", "go_json proto", "encoding/json proto", "encoding/json vt"}
	if diff := cmp.Diff(append(slices.Clone(server), server...), flags); diff != "" {
		t.Errorf("servers started with (-want +got):\n%s", diff)
	}
	var got []string
	for _, l := range rawLines(t, raw, "Benchmark", "proto:", "section:") {
		name, _, _ := strings.Cut(l, "\t")
		got = append(got, name)
	}
	want := []string{"section: codecs"}
	for _, check := range []string{"bytes", "decode"} {
		for _, v := range variant.Libraries {
			proto := "proto: HTTP/1.1"
			if variant.IsGRPC(v) {
				proto = "proto: HTTP/2"
			}
			want = append(want, proto, "BenchmarkLoad/rpc=GetTransaction/variant="+v+"/payload=100B/conc=64/mode=closed/check="+check+"/work=0s-1")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("raw codecs file (-want +got):\n%s", diff)
	}
}

// The Middle ways windows run into their own raw file, in decode mode,
// each middle way driven at the address its server announced: connect's
// and the gateway's.
func TestRunMiddle(t *testing.T) {
	t.Setenv("REPORT_FAKE_SERVER", "1")
	dir := t.TempDir()
	starts := filepath.Join(dir, "starts")
	t.Setenv("REPORT_FAKE_STARTS", starts)
	p := &profile{works: []time.Duration{0}, middle: []loadCase{{"GetTransaction", "1KiB", 64}}, middleWins: 1}
	r := fakeRunner(p, dir)
	raw := filepath.Join(dir, "middle.txt")
	if err := r.runMiddle(context.Background(), raw, dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(starts)
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		_, f, _ := strings.Cut(l, " ")
		flags = append(flags, f)
	}
	// rest and grpc share a server, the connect variants another, the
	// gateway its own.
	if diff := cmp.Diff([]string{"encoding/json proto", "encoding/json proto connect", "encoding/json proto gateway"}, flags); diff != "" {
		t.Errorf("servers started with (-want +got):\n%s", diff)
	}
	var got []string
	for _, l := range rawLines(t, raw, "Benchmark", "proto:", "section:") {
		name, _, _ := strings.Cut(l, "\t")
		got = append(got, name)
	}
	want := []string{"section: middle"}
	protos := map[string]string{"rest": "HTTP/1.1", "grpc": "HTTP/2", "gateway": "HTTP/1.1 (127.0.0.1:4)"}
	for _, v := range variant.MiddleCompared {
		proto, ok := protos[v]
		if !ok {
			proto = "HTTP/1.1 (127.0.0.1:3)"
		}
		want = append(want, "proto: "+proto, "BenchmarkLoad/rpc=GetTransaction/variant="+v+"/payload=100B/conc=64/mode=closed/check=decode/work=0s/set=middle-1")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("raw middle file (-want +got):\n%s", diff)
	}
}

func TestRunLoadCanceled(t *testing.T) {
	t.Setenv("REPORT_FAKE_SERVER", "1")
	dir := t.TempDir()
	p := &profile{
		variants: []string{"rest"},
		unary:    []loadCase{{"GetTransaction", "100B", 1}},
		works:    []time.Duration{0},
		windows:  1,
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := fakeRunner(p, dir)
	if err := r.runLoad(ctx, filepath.Join(dir, "load.txt"), dir); !errors.Is(err, context.Canceled) {
		t.Errorf("runLoad with a canceled context: %v, want context.Canceled", err)
	}
}

func TestLoadgenArgs(t *testing.T) {
	t.Parallel()
	p := &profile{duration: time.Second, warmup: 200 * time.Millisecond, maxSteal: 0.1, retries: 2}
	srv := &server{rest: "http://127.0.0.1:8080", grpc: "127.0.0.1:9090", user: "u", pass: "p", pid: 42}
	common := []string{"-user", "u:p", "-duration", "1s", "-warmup", "200ms", "-server-pid", "42", "-max-steal", "0.1", "-retries", "2", "-json", "f.json", "-bench"}
	tests := []struct {
		name string
		w    window
		want []string
	}{
		{"rest closed loop", window{variant: "rest", c: loadCase{"GetTransaction", "100B", 64}},
			append(append([]string{"-target", "127.0.0.1:8080", "-variant", "rest", "-rpc", "GetTransaction", "-payload", "100B"}, common...), "-c", "64")},
		{"grpc open loop allows errors", window{variant: "grpc", c: loadCase{"GetTransaction", "100B", 64}, rate: 8000},
			append(append([]string{"-target", "127.0.0.1:9090", "-variant", "grpc", "-rpc", "GetTransaction", "-payload", "100B"}, common...),
				"-rate", "8000", "-rate-tolerance", "0.99", "-allow-errors", "-c", "64")},
		{"grpc-vt in decode mode goes to the gRPC address", window{variant: "grpc-vt", c: loadCase{"GetTransaction", "64KiB", 64}, check: "decode"},
			append(append([]string{"-target", "127.0.0.1:9090", "-variant", "grpc-vt", "-rpc", "GetTransaction", "-payload", "64KiB"}, common...), "-check", "decode", "-c", "64")},
		{"rest-sse is rest with -sse", window{variant: "rest-sse", c: loadCase{"ListTransactions", "1KiB", 1}},
			append(append([]string{"-target", "127.0.0.1:8080", "-variant", "rest", "-rpc", "ListTransactions", "-payload", "1KiB"}, common...), "-sse", "-c", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, loadgenArgs(p, srv, tt.w, "f.json")); diff != "" {
				t.Errorf("loadgenArgs (-want +got):\n%s", diff)
			}
		})
	}
}

// -compare prints each row and fails when a verdict's key differs.
func TestCompareVerdicts(t *testing.T) {
	t.Parallel()
	write := func(speed string) string {
		dir := t.TempDir()
		js := `[{"row":"Speed","key":"` + speed + `","sentence":"s ` + speed + `"},{"row":"Protocol","key":"holds","sentence":"p"}]`
		if err := os.WriteFile(filepath.Join(dir, "verdicts.json"), []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	a, b, c := write("holds only when 64 KiB records"), write("holds only when 64 KiB records"), write("uncertain")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-compare", a + "," + b}, &out, io.Discard); err != nil {
		t.Errorf("same verdicts: %v\n%s", err, out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"-compare", a + "," + c}, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "DIFFERS  Speed:") || !strings.Contains(out.String(), "s uncertain") {
		t.Errorf("differing verdicts: err %v, output:\n%s", err, out.String())
	}
}
