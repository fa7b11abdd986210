package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"restvsgrpc/internal/serverproc"
)

// server is the running cmd/server process and the login it was given.
type server struct {
	proc       *serverproc.Proc
	rest, grpc string // http://host:port and host:port
	// connect and gateway are the middle ways' host:port, when served.
	connect, gateway string
	user, pass       string
	pid              int
}

// startServer starts bin on CPU 0 with GOMAXPROCS=1, work per call and
// the flags of a variant (variant.ServerFlags), and waits until it listens.
func startServer(ctx context.Context, bin, tmp string, pin pinning, work time.Duration, flags ...string) (*server, error) {
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return nil, err
	}
	s := &server{user: "report", pass: hex.EncodeToString(pw)}
	// Every load-driver window logs one user in from one address, hundreds
	// a run: the server's login rate limits are off, or they would refuse
	// it, and its hash is cheap (bcrypt's least cost), or each login would
	// take some 70 ms of the measured server's CPU; login is measured by
	// BenchmarkValidateUser at the default cost.
	args := append([]string{
		"-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-h2c",
		"-user", s.user + ":" + s.pass, "-work", work.String(),
		"-login-user-burst", "0", "-login-addr-burst", "0", "-bcrypt-cost", "4",
	}, flags...)
	name, args := pin.wrap(0, bin, args...)
	p, err := serverproc.Start(ctx, serverproc.Config{
		Bin: name, Args: args, Env: []string{"GOMAXPROCS=1"}, Dir: tmp, ReadyTimeout: time.Minute,
	})
	if err != nil {
		return nil, err
	}
	s.proc, s.rest, s.grpc, s.pid = p, p.REST, p.GRPC, p.PID()
	s.connect, s.gateway = p.Connect, p.Gateway
	return s, nil
}

// stop ends the server gracefully (SIGTERM, then a kill after 15 s). It is
// safe to call more than once.
func (s *server) stop() error {
	if err := s.proc.Stop(15 * time.Second); err != nil {
		return fmt.Errorf("%w: %s", err, s.proc.Log())
	}
	return nil
}
