package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"restvsgrpc/bench/load"
	"restvsgrpc/bench/result"
	"restvsgrpc/internal/balance"
	"restvsgrpc/internal/serverproc"
)

// backend is one server process of a fleet.
type backend struct {
	*serverproc.Proc
	balance.Backend
}

// canPin reports whether backends and driver can run on CPUs of their own.
func canPin() bool {
	_, err := exec.LookPath("taskset")
	return err == nil && runtime.NumCPU() >= 2
}

// pin returns the command prefix that runs a process on cpu, or nothing.
func (e *env) pin(cpu string) []string {
	if !e.pinned {
		return nil
	}
	return []string{"taskset", "-c", cpu}
}

// startFleet starts n backends, each serving REST (HTTP/1.1 and h2c on one
// port), gRPC and its debug listener on host, under prefix (e.g. ip netns
// exec).
func (e *env) startFleet(ctx context.Context, n int, host string, prefix []string, args ...string) ([]*backend, error) {
	var bs []*backend
	for range n {
		p, err := serverproc.Start(ctx, serverproc.Config{
			Bin: e.cfg.server,
			Args: append([]string{"-rest-addr", host + ":0", "-grpc-addr", host + ":0", "-debug-addr", host + ":0",
				"-h2c", "-user", e.user, "-token-key-file", e.keyFile, "-bcrypt-cost", "4"}, args...),
			Prefix: append(append([]string{}, prefix...), e.pin("0")...),
			Env:    []string{"GOMAXPROCS=1"},
		})
		if err != nil {
			stopFleet(bs)
			return nil, err
		}
		bs = append(bs, &backend{Proc: p, Backend: balance.Backend{REST: strings.TrimPrefix(p.REST, "http://"), GRPC: p.GRPC}})
	}
	return bs, nil
}

func stopFleet(bs []*backend) {
	for _, b := range bs {
		b.Stop(5 * time.Second)
	}
}

// debugStats is the part of a backend's /debug/stats the fleet reads.
type debugStats struct {
	Goroutines int   `json:"goroutines"`
	RESTCalls  int64 `json:"rest_calls"`
	GRPCCalls  int64 `json:"grpc_calls"`
}

var debugClient = &http.Client{Timeout: 2 * time.Second}

// stats reads b's /debug/stats.
func (b *backend) stats(ctx context.Context) (debugStats, error) {
	var s debugStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.Debug+"/debug/stats", nil)
	if err != nil {
		return s, err
	}
	resp, err := debugClient.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// calls returns the calls b began on the transport of v.
func (s debugStats) calls(v string) int64 {
	if v == "grpc" {
		return s.GRPCCalls
	}
	return s.RESTCalls
}

// snapshot is what a run reads before and after: each backend's calls of
// the variant and CPU, and the proxy's CPU.
type snapshot struct {
	calls      []int64
	backendCPU time.Duration
	proxyCPU   time.Duration
}

func takeSnapshot(ctx context.Context, bs []*backend, v string, proxyPID int) (snapshot, error) {
	var s snapshot
	for _, b := range bs {
		st, err := b.stats(ctx)
		if err != nil {
			return s, fmt.Errorf("backend stats: %w", err)
		}
		cpu, err := load.ProcessCPU(b.PID())
		if err != nil {
			return s, err
		}
		s.calls = append(s.calls, st.calls(v))
		s.backendCPU += cpu
	}
	if proxyPID > 0 {
		cpu, err := load.ProcessCPU(proxyPID)
		if err != nil {
			return s, err
		}
		s.proxyCPU = cpu
	}
	return s, nil
}

// driven is one loadgen run: its benchmark line and its result.
type driven struct {
	line string // the BenchmarkLoad line, name and values
	res  result.Result
}

// drive runs loadgen with args (plus the user, -bench and -json) under
// prefix and returns what it measured.
func (e *env) drive(ctx context.Context, prefix []string, args ...string) (driven, error) {
	return e.driveWatched(ctx, prefix, nil, args...)
}

// driveWatched is drive calling watch with loadgen's pid every
// scaleSampleEvery while it runs (watch may be nil).
func (e *env) driveWatched(ctx context.Context, prefix []string, watch func(pid int), args ...string) (driven, error) {
	var d driven
	jsonFile := filepath.Join(e.dir, "run.json")
	argv := append(append(append([]string{}, prefix...), e.pin("1")...), e.cfg.loadgen)
	argv = append(argv, args...)
	argv = append(argv, "-user", e.user, "-bench", "-json", jsonFile, "-progress", "off")
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Start()
	if err == nil && watch != nil {
		stop, watched := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(watched)
			t := time.NewTicker(scaleSampleEvery)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					watch(cmd.Process.Pid)
				}
			}
		}()
		err = cmd.Wait()
		close(stop)
		<-watched
	} else if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		return d, fmt.Errorf("loadgen %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	for l := range strings.SplitSeq(stdout.String(), "\n") {
		if strings.HasPrefix(l, "BenchmarkLoad/") {
			d.line = l
		}
	}
	if d.line == "" {
		return d, fmt.Errorf("loadgen %s: no benchmark line in %q", strings.Join(args, " "), stdout.String())
	}
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		return d, err
	}
	return d, json.Unmarshal(b, &d.res)
}

// benchLine renames a loadgen benchmark line, adding key=value parts to
// its name, and appends metrics ("value unit" each).
func benchLine(line string, keys []string, metrics ...string) string {
	name, rest, _ := strings.Cut(line, "\t")
	procs := ""
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name, procs = name[:i], name[i:]
		}
	}
	for _, k := range keys {
		name += "/" + k
	}
	out := name + procs + "\t" + rest
	for _, m := range metrics {
		out += "\t" + m
	}
	return out
}

// metric formats one value and its unit for a benchmark line.
func metric(v float64, unit string) string {
	return strconv.FormatFloat(v, 'g', 6, 64) + " " + unit
}

// rawFile is one section's output: provenance lines, then benchmark lines.
type rawFile struct {
	f *os.File
}

func (e *env) createRaw(section string, extra ...string) (*rawFile, error) {
	f, err := os.Create(filepath.Join(e.cfg.out, section+".txt"))
	if err != nil {
		return nil, err
	}
	commit := "unknown"
	if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
		if exec.Command("git", "diff", "--quiet", "HEAD", "--", ".").Run() != nil {
			commit += "-dirty"
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	pinning := "none (fewer than 2 CPUs or no taskset)"
	if e.pinned {
		pinning = "backends taskset -c 0 GOMAXPROCS=1 each; loadgen and proxy taskset -c 1 (loadgen GOMAXPROCS=1, haproxy nbthread 1)"
	}
	fmt.Fprintf(f, "commit: %s\ngo: %s\ngoos: %s\ngoarch: %s\ncpu: %s\ncpus: %d\nkernel: %s\ndate: %s\n",
		commit, runtime.Version(), runtime.GOOS, runtime.GOARCH, cpuModel(), runtime.NumCPU(),
		strings.TrimSpace(string(kernel)), time.Now().UTC().Format(time.RFC3339))
	if e.cfg.profile != "" {
		fmt.Fprintf(f, "profile: %s\n", e.cfg.profile)
	}
	fmt.Fprintf(f, "section: %s\npinning: %s\nflags: loadgen -duration %v -warmup %v -c %d; fleet -scale-c %s -feed-interval %v (scale: a warm-up of at least 0.5 ms per caller)\n", section, pinning,
		e.cfg.duration, e.cfg.warmup, e.cfg.conc, joinInts(e.cfg.scaleConc), e.cfg.feedInterval)
	for _, x := range extra {
		fmt.Fprintln(f, x)
	}
	fmt.Fprintln(f)
	return &rawFile{f: f}, nil
}

func (r *rawFile) line(s string) { fmt.Fprintln(r.f, s) }

func (r *rawFile) close() error { return r.f.Close() }

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for l := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// errNoCalls means the backends counted no call of a run.
var errNoCalls = errors.New("the backends counted no call")

// joinInts writes ns comma-separated.
func joinInts(ns []int) string {
	var ss []string
	for _, n := range ns {
		ss = append(ss, strconv.Itoa(n))
	}
	return strings.Join(ss, ",")
}
