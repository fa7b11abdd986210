package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// run is the whole command, minus the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return err
	}
	l := &load{user: "soak", password: hex.EncodeToString(pw)}

	srv, err := startServer(ctx, cfg.server, "-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0",
		"-h2c", "-user", l.user+":"+l.password, "-bcrypt-cost", "4", "-grace", "10s")
	if err != nil {
		return err
	}
	defer srv.kill()
	fmt.Fprintf(stdout, "server pid %d: rest %s, grpc %s, debug %s\n", srv.cmd.Process.Pid, srv.rest, srv.grpc, srv.debug)

	clients, closeClients, err := l.clients(ctx, srv.rest, srv.grpc)
	if err != nil {
		return err
	}
	defer closeClients()
	fmt.Fprintf(stdout, "driving %d call kinds over %d variants at %g calls/s each for %v, sampling every %v\n",
		len(kinds), len(variants), cfg.rate, cfg.duration, cfg.sample)

	loadCtx, stopLoad := context.WithTimeout(ctx, cfg.duration)
	defer stopLoad()
	var wg sync.WaitGroup
	for _, c := range clients {
		for _, k := range kinds {
			wg.Go(func() { l.drive(loadCtx, c, k, cfg.rate) })
		}
	}

	hc := &http.Client{Timeout: 10 * time.Second}
	var samples []sample
	start := time.Now()
	tick := time.NewTicker(cfg.sample)
	var sampleErr error
	for sampleErr == nil {
		select {
		case <-loadCtx.Done():
		case <-tick.C:
			s, err := take(loadCtx, hc, srv.cmd.Process.Pid, srv.debug)
			if err != nil {
				if loadCtx.Err() == nil {
					sampleErr = fmt.Errorf("sample: %w", err)
				}
				continue
			}
			s.at, s.calls = time.Since(start), l.calls.Load()
			samples = append(samples, s)
			continue
		}
		break
	}
	tick.Stop()
	stopLoad()
	wg.Wait()
	closeClients()
	interrupted := ctx.Err() != nil

	exitErr := srv.stop(30 * time.Second)

	printSamples(stdout, samples)
	fmt.Fprintf(stdout, "calls: %d completed, %d failed\n", l.calls.Load(), l.failed())
	var problems []string
	if sampleErr != nil {
		problems = append(problems, sampleErr.Error())
	}
	if n := l.failed(); n > 0 {
		keys := make([]string, 0, len(l.failures))
		for k := range l.failures {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(stdout, "failed %s: %d\n", k, l.failures[k])
		}
		for _, e := range l.firstErrs {
			fmt.Fprintf(stdout, "  %s\n", e)
		}
		problems = append(problems, fmt.Sprintf("%d calls failed", n))
	}
	if exitErr != nil {
		problems = append(problems, exitErr.Error())
	}
	if interrupted {
		problems = append(problems, "interrupted")
	} else {
		grew, err := judge(samples, cfg.factor, cfg.slack)
		if err != nil {
			problems = append(problems, err.Error())
		}
		problems = append(problems, grew...)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	fmt.Fprintln(stdout, "PASS: no call failed, nothing grew without bound, the server stopped cleanly")
	return nil
}

func (l *load) failed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, v := range l.failures {
		n += v
	}
	return n
}

// server is the running server binary.
type server struct {
	cmd               *exec.Cmd
	rest, grpc, debug string
	done              chan error
}

// startServer runs the binary and waits for its ready line.
func startServer(ctx context.Context, path string, args ...string) (*server, error) {
	s := &server{cmd: exec.Command(path, args...), done: make(chan error, 1)}
	var stderr strings.Builder
	s.cmd.Stderr = &stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		// Read stdout to its end, so that the server never blocks on it;
		// only the ready line is used.
		sc := bufio.NewScanner(out)
		seen := false
		for sc.Scan() {
			if line := sc.Text(); !seen && strings.HasPrefix(line, "ready ") {
				ready <- line
				seen = true
			}
		}
		s.done <- s.cmd.Wait()
	}()
	select {
	case line := <-ready:
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "rest="); ok {
				s.rest = v
			}
			if v, ok := strings.CutPrefix(f, "grpc="); ok {
				s.grpc = v
			}
			if v, ok := strings.CutPrefix(f, "debug="); ok {
				s.debug = v
			}
		}
		if s.rest == "" || s.grpc == "" || s.debug == "" {
			s.kill()
			return nil, fmt.Errorf("server: ready line %q lacks an address (is %s too old for -debug-addr?)", line, path)
		}
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("server exited before it was ready: %v: %s", err, strings.TrimSpace(stderr.String()))
	case <-time.After(time.Minute):
		s.kill()
		return nil, errors.New("server: no ready line within a minute")
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	}
}

// stop sends SIGTERM and waits up to bound for a clean exit.
func (s *server) stop(bound time.Duration) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("server exit after SIGTERM: %w", err)
		}
		return nil
	case <-time.After(bound):
		s.kill()
		return fmt.Errorf("server did not exit within %v of SIGTERM", bound)
	}
}

// kill ends the server if it still runs.
func (s *server) kill() { _ = s.cmd.Process.Kill() }
