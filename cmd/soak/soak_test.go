package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/cli"
)

func TestParseRSS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  string
		want    int64
		wantErr bool
	}{
		{name: "kB", status: "Name:\tserver\nVmPeak:\t  9000 kB\nVmRSS:\t   31744 kB\nThreads:\t7\n", want: 31744 << 10},
		{name: "missing", status: "Name:\tserver\n", wantErr: true},
		{name: "odd unit", status: "VmRSS:\t 12 MB\n", wantErr: true},
		{name: "not a number", status: "VmRSS:\t x kB\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseRSS([]byte(tt.status))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseRSS = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// steady returns n samples whose figures follow f(i).
func steady(n int, f func(i int) (rssMiB int64, goroutines, fds int)) []sample {
	s := make([]sample, n)
	for i := range s {
		rss, g, fds := f(i)
		s[i] = sample{at: time.Duration(i) * time.Second, rss: rss << 20, goroutines: g, fds: fds}
	}
	return s
}

func TestJudge(t *testing.T) {
	t.Parallel()
	sl := slack{rss: 32 << 20, goroutines: 50, fds: 20}
	tests := []struct {
		name    string
		samples []sample
		grew    []string // figure names that must be reported
		wantErr bool
	}{
		{name: "flat", samples: steady(9, func(int) (int64, int, int) { return 30, 25, 22 })},
		{name: "noisy but bounded", samples: steady(9, func(i int) (int64, int, int) { return 30 + int64(i%3)*5, 25 + (i%2)*20, 22 + i%2 })},
		{name: "warm-up then flat", samples: steady(9, func(i int) (int64, int, int) { return 20 + min(int64(i), 3)*10, 25, 22 })},
		{name: "goroutine leak", samples: steady(9, func(i int) (int64, int, int) { return 30, 25 + 40*i, 22 }), grew: []string{"goroutines"}},
		{name: "fd leak", samples: steady(9, func(i int) (int64, int, int) { return 30, 25, 22 + 10*i }), grew: []string{"open fds"}},
		{name: "memory leak", samples: steady(9, func(i int) (int64, int, int) { return 30 + 20*int64(i), 25, 22 }), grew: []string{"rss"}},
		{name: "too few samples", samples: steady(5, func(int) (int64, int, int) { return 30, 25, 22 }), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			grew, err := judge(tt.samples, 1.5, sl)
			if (err != nil) != tt.wantErr {
				t.Fatalf("judge error %v, want error %v", err, tt.wantErr)
			}
			var names []string
			for _, g := range grew {
				names = append(names, strings.SplitN(g, " grew", 2)[0])
			}
			if diff := cmp.Diff(tt.grew, names); diff != "" {
				t.Errorf("grown figures (-want +got):\n%s\n%q", diff, grew)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown flag", args: []string{"-nope"}, want: "not defined"},
		{name: "zero duration", args: []string{"-duration", "0s"}, want: "-duration"},
		{name: "rate too high", args: []string{"-rate", "5000"}, want: "-rate"},
		{name: "factor below one", args: []string{"-factor", "0.5"}, want: "-factor"},
		{name: "argument", args: []string{"extra"}, want: "unexpected argument"},
		{name: "no server", args: []string{"-server", ""}, want: "-server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errOut)
			var uerr cli.UsageError
			if !errors.As(err, &uerr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want a usage error about %q", tt.args, err, tt.want)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-help"}, &out, &out); !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out.String(), "Usage: soak") {
			t.Errorf("-help: %v, %.30q", err, out.String())
		}
	})
}

// TestShortSoak runs the real server binary under the soak's load for a
// few seconds: every call kind over every variant succeeds, samples are
// taken and judged, and the server stops cleanly.
func TestShortSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and soaks the server binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "server")
	if out, err := exec.Command("go", "build", "-o", bin, "../server").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var out bytes.Buffer
	err := run(t.Context(), []string{"-server", bin, "-duration", "8s", "-rate", "4"}, &out, &out)
	if err != nil {
		t.Fatalf("soak: %v\n%s", err, out.String())
	}
	for _, want := range []string{"rss MiB", "calls: ", " 0 failed", "PASS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
