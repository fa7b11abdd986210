package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"restvsgrpc/internal/serverproc"
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

	// One user logs in -rate times a second per variant from one
	// address: the login rate limits are off (their tests pin them), the
	// compare slots stay.
	srv, err := serverproc.Start(ctx, serverproc.Config{Bin: cfg.server, Args: []string{
		"-rest-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0",
		"-h2c", "-user", l.user + ":" + l.password, "-bcrypt-cost", "4", "-grace", "10s",
		"-login-user-burst", "0", "-login-addr-burst", "0"}})
	if err != nil {
		return err
	}
	defer srv.Kill()
	if srv.REST == "" || srv.GRPC == "" || srv.Debug == "" {
		return fmt.Errorf("server: ready file %+v lacks an address (is %s too old for -debug-addr?)", srv.Ready, cfg.server)
	}
	fmt.Fprintf(stdout, "server pid %d: rest %s, grpc %s, debug %s\n", srv.PID(), srv.REST, srv.GRPC, srv.Debug)

	clients, closeClients, err := l.clients(ctx, srv.REST, srv.GRPC)
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
			wg.Go(func() { l.drive(loadCtx, c, k, cfg.rate, cfg.duration) })
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
			s, err := take(loadCtx, hc, srv.PID(), srv.Debug)
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

	exitErr := srv.Stop(30 * time.Second)

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
