package cli_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"restvsgrpc/internal/cli"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		usage  bool // a UsageError
		help   bool
		stdout string // its prefix
	}{
		{name: "ok", args: []string{"-n", "3"}},
		{name: "bad flag", args: []string{"-m"}, usage: true},
		{name: "bad value", args: []string{"-n", "x"}, usage: true},
		{name: "stray argument", args: []string{"x"}, usage: true},
		{name: "help", args: []string{"-help"}, help: true, stdout: "Usage: t\n  -n int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.Int("n", 0, "a number")
			var out bytes.Buffer
			err := cli.Parse(fs, "Usage: t\n", tt.args, &out)
			var uerr cli.UsageError
			if errors.As(err, &uerr) != tt.usage || errors.Is(err, flag.ErrHelp) != tt.help {
				t.Errorf("Parse(%q) = %v, want usage error %v, help %v", tt.args, err, tt.usage, tt.help)
			}
			if !strings.HasPrefix(out.String(), tt.stdout) {
				t.Errorf("stdout %q, want it to start with %q", out.String(), tt.stdout)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		code   int
		stderr string
	}{
		{name: "success", err: nil, code: 0},
		{name: "help", err: flag.ErrHelp, code: 0},
		{name: "usage", err: cli.Usagef("-x %d: too big", 3), code: 2, stderr: "cmd: -x 3: too big (run with -help for usage)\n"},
		{name: "failure", err: errors.New("port busy"), code: 1, stderr: "cmd: port busy\n"},
		{name: "wrapped usage", err: fmt.Errorf("flags: %w", cli.Usagef("bad")), code: 2, stderr: "cmd: flags: bad (run with -help for usage)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			if got := cli.ExitCode("cmd", tt.err, &stderr); got != tt.code || stderr.String() != tt.stderr {
				t.Errorf("ExitCode(%v) = %d, %q; want %d, %q", tt.err, got, stderr.String(), tt.code, tt.stderr)
			}
			if got := cli.Status(tt.err); got != tt.code {
				t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.code)
			}
		})
	}
}

// TestRun sends the test process SIGINT and SIGTERM from inside run: each
// must end run's context instead of the process, and run must get the
// process's arguments and output.
func TestRun(t *testing.T) {
	// Not parallel: signals go to the whole process.
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			want := errors.New("run's error")
			err := cli.Run(func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
				if !slices.Equal(args, os.Args[1:]) || stdout != os.Stdout || stderr != os.Stderr {
					t.Errorf("run got args %q, stdout %v, stderr %v; want the process's", args, stdout, stderr)
				}
				if err := syscall.Kill(os.Getpid(), sig); err != nil {
					t.Fatal(err)
				}
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Second):
					t.Errorf("context still running 10s after %v", sig)
				}
				return want
			})
			if err != want {
				t.Errorf("Run = %v, want run's error %v", err, want)
			}
		})
	}
}
