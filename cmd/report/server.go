package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// server is the running cmd/server process.
type server struct {
	cmd        *exec.Cmd
	rest, grpc string // http://host:port and host:port
	user, pass string
	log        *bytes.Buffer
	done       chan struct{}
	once       sync.Once
	waitErr    error
}

// startServer starts bin on CPU 0 with work per call and waits until it
// listens. The server runs in its own process group, so that the caller's
// Ctrl-C reaches it only through stop.
func startServer(ctx context.Context, bin, tmp string, pin pinning, work time.Duration) (*server, error) {
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return nil, err
	}
	s := &server{user: "report", pass: hex.EncodeToString(pw), log: &bytes.Buffer{}, done: make(chan struct{})}
	ready := filepath.Join(tmp, fmt.Sprintf("ready-%d.json", time.Now().UnixNano()))
	name, args := pin.wrap(0, bin,
		"-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-h2c",
		"-user", s.user+":"+s.pass, "-work", work.String(), "-ready-file", ready)
	s.cmd = exec.Command(name, args...)
	s.cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	// Pdeathsig is a backstop should this process die without stopping it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-s.done:
			return nil, fmt.Errorf("server exited before it was ready (%v): %s", s.waitErr, bytes.TrimSpace(s.log.Bytes()))
		case <-deadline.C:
			s.stop()
			return nil, errors.New("server not ready after 60s")
		case <-tick.C:
			b, err := os.ReadFile(ready)
			if err != nil {
				continue
			}
			var r struct{ REST, GRPC string }
			if err := json.Unmarshal(b, &r); err != nil {
				s.stop()
				return nil, fmt.Errorf("server ready file: %w", err)
			}
			os.Remove(ready)
			s.rest, s.grpc = r.REST, r.GRPC
			return s, nil
		}
	}
}

// pid is the server's process id (taskset execs the server, keeping it).
func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM, waits up to 15 s for a graceful exit, then kills.
// It is safe to call more than once.
func (s *server) stop() error {
	s.once.Do(func() {
		select {
		case <-s.done:
			return
		default:
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	var ee *exec.ExitError
	if s.waitErr != nil && !errors.As(s.waitErr, &ee) {
		return s.waitErr
	}
	return nil
}
