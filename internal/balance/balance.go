// Package balance runs HAProxy in front of a fleet of backends, as a real
// load balancer between a client and several servers: in mode tcp (L4,
// round robin per connection) or mode http (L7, round robin per request,
// HTTP/2 to the backends for gRPC and h2c, HTTP/1.1 for plain REST).
//
// HAProxy, not nginx: one program gives both layers with the same
// balancing rule, and its L7 mode speaks HTTP/2 to the backends for REST
// over h2c as well as for gRPC, where nginx proxies plain HTTP to its
// upstreams over HTTP/1.1 only (grpc_pass is for gRPC alone). Each proxy
// gets a configuration file of its own in a temporary directory, runs in
// the foreground as a child process and is stopped by its process id.
package balance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Layer is how a proxy balances.
type Layer string

// The layers, also the names of the runs they appear in.
const (
	L4 Layer = "haproxy-l4" // mode tcp: each connection goes to the next backend
	L7 Layer = "haproxy-l7" // mode http: each request or RPC goes to the next backend
)

// Backend is one server of the fleet: its REST and gRPC host:port.
type Backend struct {
	REST, GRPC string
}

// Config says what a proxy balances.
type Config struct {
	// Bin is the haproxy binary (see Find).
	Bin      string
	Layer    Layer
	Backends []Backend
	// Host is the address the frontends listen on (default 127.0.0.1).
	Host string
	// Prefix runs haproxy through a command that execs it, e.g.
	// {"taskset", "-c", "1"}, so that the process id is HAProxy's.
	Prefix []string
}

// Proxy is a running HAProxy. Its frontends are host:port addresses:
// REST takes HTTP/1.1, H2C takes REST over HTTP/2 cleartext and GRPC takes
// gRPC. At L4 the REST frontend passes any bytes through, so H2C is the
// same address.
type Proxy struct {
	REST, H2C, GRPC string
	cmd             *exec.Cmd
	dir             string
	done            chan struct{}
	log             bytes.Buffer
}

// ErrUnavailable means HAProxy is not installed and cannot be.
var ErrUnavailable = errors.New("haproxy unavailable")

// Lookup returns the path of haproxy if it is installed, and never
// installs it.
func Lookup() (string, error) {
	p, err := exec.LookPath("haproxy")
	if err != nil {
		return "", fmt.Errorf("%w: not installed", ErrUnavailable)
	}
	return p, nil
}

// Find returns the path of haproxy, installing the Debian package first
// when it is missing and this process is root with apt-get at hand. The
// error, ErrUnavailable wrapped, says in one line why it could not.
func Find(ctx context.Context) (string, error) {
	if p, err := Lookup(); err == nil {
		return p, nil
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil || os.Geteuid() != 0 {
		return "", fmt.Errorf("%w: not installed, and installing needs root and apt-get", ErrUnavailable)
	}
	install := func() error {
		out, err := exec.CommandContext(ctx, apt, "install", "-y", "-q", "haproxy").CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get install haproxy: %v: %s", err, lastLine(out))
		}
		return nil
	}
	if err := install(); err != nil {
		// The package lists may be missing or stale: refresh them once.
		if out, uerr := exec.CommandContext(ctx, apt, "update", "-q").CombinedOutput(); uerr != nil {
			return "", fmt.Errorf("%w: apt-get update: %v: %s", ErrUnavailable, uerr, lastLine(out))
		}
		if err := install(); err != nil {
			return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
	if p, err := exec.LookPath("haproxy"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: installed, yet not on PATH", ErrUnavailable)
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// The configuration's fixed part. One thread: the proxy's CPU per call is
// then one thread's work, and it does not spin on the CPUs the backends
// need. Backends are checked by TCP connect every 200 ms (never by an HTTP
// request, which their call counters would count); one failed check takes
// a backend out, and a refused connection is retried on another backend
// (redispatch). Timeouts are long enough for a stream that waits.
const configHead = `global
	nbthread 1
	maxconn 9000

defaults
	mode %s
	timeout connect 2s
	timeout client 5m
	timeout server 5m
	timeout tunnel 5m
	retries 2
	option redispatch
	default-server check inter 200ms fall 1 rise 2
`

// frontend is one listener of the proxy and the backends it spreads over.
type frontend struct {
	name, bind string
	servers    []string
	// h2 makes the frontend take HTTP/2 with prior knowledge and speak it
	// to the backends (L7 only).
	h2 bool
}

// config returns HAProxy's configuration for mode and the frontends.
func config(mode string, fronts []frontend) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, configHead, mode)
	for _, f := range fronts {
		proto := ""
		if f.h2 {
			proto = " proto h2"
		}
		fmt.Fprintf(&b, "\nfrontend %s\n\tbind %s%s\n\tdefault_backend %s\n", f.name, f.bind, proto, f.name)
		fmt.Fprintf(&b, "\nbackend %s\n\tbalance roundrobin\n", f.name)
		for i, s := range f.servers {
			fmt.Fprintf(&b, "\tserver b%d %s%s\n", i, s, proto)
		}
	}
	return []byte(b.String())
}

// Start writes the configuration, starts HAProxy and waits until every
// frontend accepts connections.
func Start(ctx context.Context, cfg Config) (*Proxy, error) {
	if cfg.Bin == "" {
		return nil, errors.New("balance: no haproxy binary")
	}
	if len(cfg.Backends) == 0 {
		return nil, errors.New("balance: no backends")
	}
	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	var rest, grpcs []string
	for _, b := range cfg.Backends {
		rest, grpcs = append(rest, b.REST), append(grpcs, b.GRPC)
	}
	p := &Proxy{done: make(chan struct{})}
	var fronts []frontend
	mode := "tcp"
	switch cfg.Layer {
	case L4:
		p.REST, p.GRPC = freeAddr(host), freeAddr(host)
		p.H2C = p.REST
		fronts = []frontend{{name: "rest", bind: p.REST, servers: rest}, {name: "grpc", bind: p.GRPC, servers: grpcs}}
	case L7:
		mode = "http"
		p.REST, p.H2C, p.GRPC = freeAddr(host), freeAddr(host), freeAddr(host)
		fronts = []frontend{
			{name: "rest", bind: p.REST, servers: rest},
			{name: "rest_h2c", bind: p.H2C, servers: rest, h2: true},
			{name: "grpc", bind: p.GRPC, servers: grpcs, h2: true},
		}
	default:
		return nil, fmt.Errorf("balance: layer %q: want %s or %s", cfg.Layer, L4, L7)
	}
	for _, a := range []string{p.REST, p.H2C, p.GRPC} {
		if a == "" {
			return nil, fmt.Errorf("balance: no free port on %s", host)
		}
	}
	return p, p.start(ctx, cfg.Bin, cfg.Prefix, config(mode, fronts))
}

// freeAddr returns host:port with a port free a moment ago, or "". HAProxy
// binds it a moment later; should another process take it in between,
// the start fails and says so.
func freeAddr(host string) string {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return ""
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs haproxy on conf in the foreground (-db) and waits until its
// frontends accept connections.
func (p *Proxy) start(ctx context.Context, bin string, prefix []string, conf []byte) error {
	dir, err := os.MkdirTemp("", "balance-")
	if err != nil {
		return err
	}
	p.dir = dir
	file := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(file, conf, 0o600); err != nil {
		os.RemoveAll(dir)
		return err
	}
	// Check the file first: a bad configuration fails with HAProxy's own
	// words instead of a missing listener.
	if out, err := exec.CommandContext(ctx, bin, "-c", "-q", "-f", file).CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("haproxy -c: %v: %s", err, strings.TrimSpace(string(out)))
	}
	argv := append(append(append([]string{}, prefix...), bin), "-db", "-f", file)
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = &p.log, &p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("start haproxy: %w", err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for _, a := range []string{p.REST, p.H2C, p.GRPC} {
		for {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-p.done:
				p.Stop()
				return fmt.Errorf("haproxy exited at start: %s", strings.TrimSpace(p.log.String()))
			case <-ctx.Done():
				p.Stop()
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				p.Stop()
				return fmt.Errorf("haproxy not listening on %s after 10s", a)
			}
		}
	}
	return nil
}

// PID is HAProxy's process id, whose CPU time is the proxy's cost.
func (p *Proxy) PID() int { return p.cmd.Process.Pid }

// Stop ends HAProxy by its process id (SIGTERM, then SIGKILL after a
// second) and removes its configuration. It is safe to call twice.
func (p *Proxy) Stop() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	os.RemoveAll(p.dir)
}
