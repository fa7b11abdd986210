// Package serverproc starts cmd/server as a child process and waits until
// it listens, for the report, the soak test and the crosscheck: one way to
// run the server out of process, and one readiness protocol.
//
// The protocol is the -ready-file: once every listener is open, the server
// writes its addresses as JSON (Ready) to that file, whole, by rename, so a
// reader that sees the file sees all of it. Scripts wait for the file to
// exist; Go code calls Start.
package serverproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Ready is what the server writes to its -ready-file.
type Ready struct {
	// REST is the REST base URL (http:// or https://), GRPC the gRPC
	// host:port, Debug the debug base URL; each empty when not served.
	REST  string `json:"rest,omitempty"`
	GRPC  string `json:"grpc,omitempty"`
	TLS   bool   `json:"tls"`
	Debug string `json:"debug,omitempty"`
	// Connect and Gateway are the host:port of the middle ways' servers
	// (cleartext), each empty when not served.
	Connect string `json:"connect,omitempty"`
	Gateway string `json:"gateway,omitempty"`
}

// WriteReady writes r to path whole: a reader never sees half of it.
func WriteReady(path string, r Ready) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*")
	if err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ready file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ready file: %w", err)
	}
	return nil
}

// Config says how to start the server.
type Config struct {
	// Bin is the server binary; Args its flags, to which Start adds
	// -ready-file (and nothing else: give the addresses, e.g.
	// "-rest-addr", "127.0.0.1:0").
	Bin  string
	Args []string
	// Prefix runs the binary through a command, e.g. {"taskset", "-c",
	// "0"}, which must exec it (so that the process id is the server's).
	Prefix []string
	// Env is added to this process's environment, e.g. "GOMAXPROCS=1".
	Env []string
	// Dir holds the ready file (default: a new temporary directory,
	// removed by Stop).
	Dir string
	// Output receives the server's stdout and stderr; by default they are
	// kept, and a failed start quotes them.
	Output io.Writer
	// ReadyTimeout bounds the wait for the ready file (default 1 min).
	ReadyTimeout time.Duration
}

// Proc is a running server.
type Proc struct {
	Ready
	cmd     *exec.Cmd
	log     *syncBuffer
	tmpDir  string
	done    chan struct{}
	waitErr error
	once    sync.Once
}

// Start starts the server and waits until its ready file appears, the
// process exits, ctx ends or the timeout passes. The server runs in its
// own process group, so that a Ctrl-C meant for the caller reaches it only
// through Stop, and gets SIGTERM should the caller die without stopping it.
func Start(ctx context.Context, cfg Config) (*Proc, error) {
	if cfg.Bin == "" {
		return nil, errors.New("serverproc: no server binary")
	}
	p := &Proc{log: &syncBuffer{}, done: make(chan struct{})}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "serverproc-")
		if err != nil {
			return nil, err
		}
		dir, p.tmpDir = d, d
	}
	ready := filepath.Join(dir, fmt.Sprintf("ready-%d-%d.json", os.Getpid(), time.Now().UnixNano()))
	argv := append(append(append([]string{}, cfg.Prefix...), cfg.Bin), cfg.Args...)
	argv = append(argv, "-ready-file", ready)
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), cfg.Env...)
	var out io.Writer = p.log
	if cfg.Output != nil {
		out = io.MultiWriter(p.log, cfg.Output)
	}
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("start server: %w", err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	timeout := cfg.ReadyTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			p.Kill()
			return nil, ctx.Err()
		case <-p.done:
			p.cleanup()
			return nil, fmt.Errorf("server exited before it was ready (%v): %s", p.waitErr, bytes.TrimSpace(p.log.Bytes()))
		case <-deadline.C:
			p.Kill()
			return nil, fmt.Errorf("server not ready after %v: %s", timeout, bytes.TrimSpace(p.log.Bytes()))
		case <-tick.C:
			b, err := os.ReadFile(ready)
			if err != nil {
				continue
			}
			os.Remove(ready)
			if err := json.Unmarshal(b, &p.Ready); err != nil {
				p.Kill()
				return nil, fmt.Errorf("server ready file: %w", err)
			}
			return p, nil
		}
	}
}

// PID is the server's process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Log returns what the server has printed so far.
func (p *Proc) Log() string { return string(p.log.Bytes()) }

// Stop sends SIGTERM and waits up to grace for the server to exit, then
// kills it. It returns an error when the server had to be killed or did
// not exit cleanly; it is safe to call more than once.
func (p *Proc) Stop(grace time.Duration) error {
	var err error
	p.once.Do(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(grace):
				_ = p.cmd.Process.Kill()
				<-p.done
				err = fmt.Errorf("server did not exit within %v of SIGTERM", grace)
			}
		}
		if err == nil && p.waitErr != nil {
			err = fmt.Errorf("server exit: %w", p.waitErr)
		}
		p.cleanup()
	})
	return err
}

// Kill ends the server at once, if it still runs.
func (p *Proc) Kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		p.cleanup()
	})
}

func (p *Proc) cleanup() {
	if p.tmpDir != "" {
		os.RemoveAll(p.tmpDir)
	}
}

// syncBuffer is a bytes.Buffer safe to write from the process's output
// copiers while Log reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}
