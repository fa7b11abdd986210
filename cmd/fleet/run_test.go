package main

import (
	"bytes"
	"context"
	"strings"
	"sync"

	"testing"
	"time"

	"restvsgrpc/internal/cli"
	"restvsgrpc/internal/openfiles"
)

func TestBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no binaries", []string{"-out", "x"}, "-server and -loadgen"},
		{"no out", []string{"-server", "s", "-loadgen", "l"}, "-out"},
		{"bad section", []string{"-server", "s", "-loadgen", "l", "-out", "x", "-sections", "balance,moon"}, "moon"},
		{"no callers", []string{"-server", "s", "-loadgen", "l", "-out", "x", "-c", "0"}, "-c 0"},
		{"bad sweep", []string{"-server", "s", "-loadgen", "l", "-out", "x", "-scale-c", "1,ten"}, "ten"},
		{"bad variant", []string{"-server", "s", "-loadgen", "l", "-out", "x", "-scale-variants", "grpc,soap"}, "soap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if code := cli.ExitCode("fleet", err, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tc.want)
			}
		})
	}
}

func TestBenchLine(t *testing.T) {
	t.Parallel()
	in := "BenchmarkLoad/rpc=GetTransaction/variant=grpc/payload=100B/conc=64/mode=closed-1\t100\t5 ns/op\t20 req/s"
	got := benchLine(in, []string{"lb=haproxy-l4", "conns=default"}, metric(0.5, "max-share"))
	want := "BenchmarkLoad/rpc=GetTransaction/variant=grpc/payload=100B/conc=64/mode=closed/lb=haproxy-l4/conns=default-1\t100\t5 ns/op\t20 req/s\t0.5 max-share"
	if got != want {
		t.Errorf("benchLine:\n got %q\nwant %q", got, want)
	}
	if got, want := renameProcs("BenchmarkLoad/a=b-1", "backend=b0"), "BenchmarkLoad/a=b/backend=b0-1"; got != want {
		t.Errorf("renameProcs: got %q, want %q", got, want)
	}
}

func TestFleetRate(t *testing.T) {
	t.Parallel()
	base := sampleTime(0)
	samples := []sample{
		{at: base, calls: []int64{0, 0, 0}},
		{at: sampleTime(500), calls: []int64{50, 50, 50}},
		{at: sampleTime(1000), calls: []int64{100, -1, 200}},
	}
	if got := fleetRate(samples, base, sampleTime(1000), 1); got != 300 {
		t.Errorf("rate without b1 = %v, want 300 calls/s", got)
	}
	if got := fleetRate(samples, base, sampleTime(500), -1); got != 300 {
		t.Errorf("rate of all = %v, want 300 calls/s", got)
	}
}

func sampleTime(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }

// TestSampleAndKill pins the failover sampler's order: every call goes to
// one backend (an L4 balancer's pinned connection) and the backend reads
// unreadable from its kill on; the fleet's rate before the kill must
// still be that backend's, and it must be the one killed.
func TestSampleAndKill(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		calls int64
		dead  = -1
	)
	read := func(i int) int64 {
		mu.Lock()
		defer mu.Unlock()
		switch i {
		case dead:
			return -1
		case 1:
			calls += 10
			return calls
		}
		return 0
	}
	killed, stop := make(chan killEvent, 1), make(chan struct{})
	start := time.Now()
	sampled := make(chan []sample, 1)
	go func() {
		sampled <- sampleAndKill(read, 3, time.Millisecond, start.Add(20*time.Millisecond),
			func(i int) { mu.Lock(); dead = i; mu.Unlock() }, killed, stop)
	}()
	k := <-killed
	time.Sleep(10 * time.Millisecond)
	close(stop)
	samples := <-sampled
	if k.victim != 1 {
		t.Errorf("killed b%d, want b1 (the one with calls)", k.victim)
	}
	if pre := fleetRate(samples, start, k.at, -1); pre <= 0 {
		t.Errorf("rate before the kill %v, want the victim's calls counted", pre)
	}
	if after := fleetRate(samples, k.at, samples[len(samples)-1].at, k.victim); after != 0 {
		t.Errorf("survivors' rate %v, want 0", after)
	}
}

// TestCheckFiles: a sweep the machine cannot hold (more files than the
// kernel lets any process have, fs.nr_open) fails at once, saying what to
// change; one it can hold passes.
func TestCheckFiles(t *testing.T) {
	most, err := openfiles.Most()
	if err != nil {
		t.Skip(err)
	}
	e := &env{}
	if err := e.checkFiles(10); err != nil {
		t.Errorf("10 callers: %v", err)
	}
	err = e.checkFiles(most)
	if err == nil || !strings.Contains(err.Error(), "hard limit") || !strings.Contains(err.Error(), "-scale-c") {
		t.Errorf("more callers than the kernel allows: %v, want an error saying what to change", err)
	}
}
