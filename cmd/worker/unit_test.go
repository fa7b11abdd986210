package main

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"strings"
	"testing"
	"time"

	pb "google.golang.org/grpc/interop/grpc_testing"

	"restvsgrpc/internal/cli"
)

func TestFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"--driver_port=10400", "--server_port=10401", "-user", "a:b"}, nil)
	if err != nil || cfg.driverPort != 10400 || cfg.serverPort != 10401 || cfg.user != "a" || cfg.password != "b" {
		t.Errorf("grpc's --name=value form: %+v, %v", cfg, err)
	}
	var out bytes.Buffer
	if _, err := parseFlags([]string{"-help"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "VARIANT/RPC[/CHECK]") {
		t.Errorf("-help: %v, usage %q", err, out.String())
	}
	for _, args := range [][]string{{"-user", "nopassword"}, {"-driver_port", "70000"}, {"stray"}} {
		if _, err := parseFlags(args, nil); cli.Status(err) != 2 {
			t.Errorf("parseFlags(%q) = %v, want a usage error", args, err)
		}
	}
}

// TestBuckets pins grpc's histogram rule: bucket i holds [(1+r)^i,
// (1+r)^(i+1)), int(ln(max)/ln(1+r))+1 buckets, values clamped to [1, max].
func TestBuckets(t *testing.T) {
	b := newBuckets(&pb.HistogramParams{Resolution: 0.01, MaxPossible: 60e9})
	if want := int(math.Log(60e9)/math.Log(1.01)) + 1; len(b.counts) != want {
		t.Fatalf("%d buckets, want %d", len(b.counts), want)
	}
	for _, d := range []time.Duration{1000, 1000, 0, time.Hour} {
		b.record(d)
	}
	at := func(v float64) int { return int(math.Log(v) / math.Log(1.01)) }
	if b.counts[at(1000)] != 2 || b.counts[0] != 1 || b.counts[len(b.counts)-1] != 1 {
		t.Errorf("1µs twice, 0 and 1h landed elsewhere: bucket %d=%d, 0=%d, last=%d", at(1000), b.counts[at(1000)], b.counts[0], b.counts[len(b.counts)-1])
	}
	o := newBuckets(nil) // grpc's defaults: the same buckets
	o.record(5 * time.Microsecond)
	b.add(o)
	p := b.proto()
	if p.Count != 5 || p.MinSeen != 0 || p.MaxSeen != float64(time.Hour) || p.Sum != float64(2000+5000+time.Hour) {
		t.Errorf("merged: %v", p)
	}
	if e := newBuckets(nil).proto(); e.MinSeen != defaultMaxPossible || e.Count != 0 {
		t.Errorf("an empty histogram: min %v count %v; want grpc's min of max_possible, so that a merge keeps the others' min", e.MinSeen, e.Count)
	}
}

func TestParseCPUTimes(t *testing.T) {
	total, idle, err := parseCPUTimes([]byte("cpu  10 1 5 100 2 3 4 7 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"))
	if err != nil || total != 125 || idle != 100 {
		t.Errorf("got %d, %d, %v; want 125 (steal excluded, as grpc counts), 100", total, idle, err)
	}
	if _, _, err := parseCPUTimes([]byte("intr 1 2 3\n")); err == nil {
		t.Error("a /proc/stat without a cpu line parsed")
	}
}
