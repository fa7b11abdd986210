package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// provenance is the `key: value` header of every raw file.
type provenance struct {
	lines [][2]string
}

func (p *provenance) add(k, v string) { p.lines = append(p.lines, [2]string{k, v}) }

// with returns a copy of p with one more line.
func (p *provenance) with(k, v string) *provenance {
	c := &provenance{lines: append([][2]string(nil), p.lines...)}
	c.add(k, v)
	return c
}

// write writes the lines in the Go benchmark format's configuration syntax.
func (p *provenance) write(w io.Writer) error {
	for _, kv := range p.lines {
		v := strings.Join(strings.Fields(kv[1]), " ")
		if _, err := fmt.Fprintf(w, "%s: %s\n", kv[0], v); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// collectProvenance records what a reader needs to attribute the numbers.
func collectProvenance(ctx context.Context, o options, pin pinning, now time.Time) *provenance {
	p := &provenance{}
	p.add("commit", gitCommit(ctx))
	p.add("go", goVersion(ctx))
	p.add("goos", runtime.GOOS)
	p.add("goarch", runtime.GOARCH)
	p.add("cpu", cpuModel())
	p.add("cpus", fmt.Sprint(runtime.NumCPU()))
	p.add("kernel", kernel())
	p.add("date", now.UTC().Format(time.RFC3339))
	p.add("loadavg-at-start", loadAvg())
	p.add("profile", o.profile.name)
	p.add("pinning", pin.String())
	return p
}

func output(ctx context.Context, name string, args ...string) string {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func gitCommit(ctx context.Context) string {
	c := output(ctx, "git", "rev-parse", "HEAD")
	if c == "unknown" {
		return c
	}
	if dirty := output(ctx, "git", "status", "--porcelain", "--untracked-files=no"); dirty != "" && dirty != "unknown" {
		c += " (with uncommitted changes)"
	}
	return c
}

func goVersion(ctx context.Context) string {
	if v := output(ctx, "go", "env", "GOVERSION"); v != "unknown" {
		return v
	}
	return runtime.Version()
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS
	}
	return strings.TrimSpace(string(b))
}

// pinning says where the server and the load driver run.
type pinning struct {
	taskset string // path of taskset, "" when not pinning
	cpus    int
}

func detectPinning() pinning {
	p := pinning{cpus: runtime.NumCPU()}
	if p.cpus >= 2 {
		if path, err := exec.LookPath("taskset"); err == nil {
			p.taskset = path
		}
	}
	return p
}

func (p pinning) String() string {
	switch {
	case p.taskset != "":
		return "server taskset -c 0 GOMAXPROCS=1; loadgen taskset -c 1 GOMAXPROCS=1"
	case p.cpus < 2:
		return "none: one CPU, server and loadgen share it (GOMAXPROCS=1 each)"
	}
	return "none: taskset not found (GOMAXPROCS=1 each)"
}

// wrap returns the command line that runs name with args on cpu.
func (p pinning) wrap(cpu int, name string, args ...string) (string, []string) {
	if p.taskset == "" {
		return name, args
	}
	return p.taskset, append([]string{"-c", fmt.Sprint(cpu), name}, args...)
}

// loadAvg is the 1, 5 and 15 minute load average: other processes on the
// machine take CPU that no steal counter shows.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
