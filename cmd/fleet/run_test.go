package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"restvsgrpc/internal/cli"
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
