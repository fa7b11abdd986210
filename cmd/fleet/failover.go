package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"restvsgrpc/internal/balance"
)

// failoverCases are the balanced runs a backend dies in.
var failoverCases = []balanceCase{
	{"rest", string(balance.L4), 0}, {"rest", string(balance.L7), 0},
	{"rest-h2c", string(balance.L7), 0},
	{"grpc", string(balance.L4), 0}, {"grpc", string(balance.L7), 0}, {"grpc", lbClientRR, 0},
}

// Failover thresholds: the survivors carry the load once their calls over
// recoverWindow reach recoverShare of the whole fleet's rate in the second
// before the kill.
const (
	recoverWindow = 250 * time.Millisecond
	recoverShare  = 0.8
	sampleEvery   = 20 * time.Millisecond
)

// sample is every backend's call count at one moment (-1: unreadable).
type sample struct {
	at    time.Time
	calls []int64
}

// failover kills the busiest backend (SIGKILL) a while into each balanced
// run and measures what the callers saw: failed calls by code, and how
// long until the survivors carried the load.
func (e *env) failover(ctx context.Context) error {
	if _, err := balance.Find(ctx); err != nil {
		fmt.Fprintf(e.log, "fleet: failover (HAProxy runs) skipped: %v\n", err)
	}
	raw, err := e.createRaw("failover", fmt.Sprintf("units: failed-calls counts calls that failed (by code in the failed- units); recover-ns is the time from the SIGKILL of the busiest backend until the survivors served %.0f%% of the fleet's rate before it within %v (-1: never); after-ratio is the survivors' rate in the last second over the fleet's before", recoverShare*100, recoverWindow))
	if err != nil {
		return err
	}
	defer raw.close()
	for _, c := range failoverCases {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := e.failoverRun(ctx, raw, c); err != nil {
			if errors.Is(err, errSkipped) {
				continue
			}
			return fmt.Errorf("%s %s: %w", c.variant, c.lb, err)
		}
	}
	return nil
}

func (e *env) failoverRun(ctx context.Context, raw *rawFile, c balanceCase) error {
	bs, err := e.startFleet(ctx, fleetSize, "127.0.0.1", nil)
	if err != nil {
		return err
	}
	defer stopFleet(bs)
	var ps map[string]*balance.Proxy
	if c.lb != lbClientRR {
		if ps, err = e.proxies(ctx, "failover", bs); err != nil {
			return err
		}
		defer stopProxies(ps)
	}
	addr, flags, _ := c.target(bs, ps)

	var (
		mu      sync.Mutex
		samples []sample
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			s := sample{at: time.Now()}
			for _, b := range bs {
				n := int64(-1)
				if st, err := b.stats(ctx); err == nil {
					n = st.calls(c.variant)
				}
				s.calls = append(s.calls, n)
			}
			mu.Lock()
			samples = append(samples, s)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	type outcome struct {
		d   driven
		err error
	}
	done := make(chan outcome, 1)
	startedAt := time.Now()
	go func() {
		d, err := e.drive(ctx, nil, append(flags, "-variant", c.variant, "-target", addr, "-rpc", "GetTransaction",
			"-payload", e.cfg.payload, "-c", strconv.Itoa(e.cfg.conc), "-duration", e.cfg.duration.String(),
			"-warmup", e.cfg.warmup.String(), "-allow-errors")...)
		done <- outcome{d, err}
	}()
	// Kill a third of the way into the window, the busiest backend: the
	// one an L4 balancer pinned a single connection to, if it did.
	select {
	case <-time.After(e.cfg.warmup + e.cfg.duration/3):
	case o := <-done:
		close(stop)
		wg.Wait()
		return fmt.Errorf("loadgen ended before the kill: %v", o.err)
	}
	mu.Lock()
	last := samples[len(samples)-1]
	mu.Unlock()
	victim := 0
	for i, n := range last.calls {
		if n > last.calls[victim] {
			victim = i
		}
	}
	bs[victim].Kill()
	killedAt := time.Now()
	o := <-done
	close(stop)
	wg.Wait()
	if o.err != nil {
		return o.err
	}

	// The fleet's rate before the kill, over the measured window so far
	// (a busy backend may answer its stats late, so a longer span).
	pre := fleetRate(samples, startedAt.Add(e.cfg.warmup), killedAt, -1)
	if pre == 0 {
		return fmt.Errorf("the backends counted no call before the kill")
	}
	recover := time.Duration(-1)
	for _, s := range samples {
		if s.at.Before(killedAt) {
			continue
		}
		if s.at.Add(recoverWindow).After(samples[len(samples)-1].at) {
			break
		}
		if fleetRate(samples, s.at, s.at.Add(recoverWindow), victim) >= recoverShare*pre {
			recover = s.at.Sub(killedAt)
			break
		}
	}
	end := samples[len(samples)-1].at
	after := fleetRate(samples, end.Add(-time.Second), end, victim)
	metrics := []string{
		metric(float64(o.d.res.ErrorCount), "failed-calls"),
		metric(float64(recover.Nanoseconds()), "recover-ns"),
		metric(pre, "fleet-rate-before"),
		metric(after/pre, "after-ratio"),
	}
	codes := slices.Sorted(maps.Keys(o.d.res.Errors))
	for _, code := range codes {
		metrics = append(metrics, metric(float64(o.d.res.Errors[code]), "failed-"+code))
	}
	keys := append(c.keys(), "kill=b"+strconv.Itoa(victim))
	raw.line("proto: " + o.d.res.Protocol)
	raw.line(benchLine(o.d.line, keys, metrics...))
	var why []string
	for _, code := range codes {
		why = append(why, fmt.Sprintf("%d %s (%s)", o.d.res.Errors[code], code, o.d.res.ErrorMsg[code]))
	}
	fmt.Fprintf(e.log, "fleet: kill b%d %-9s %-10s failed %d, recovered after %v, after/before %.2f; %s\n", victim, c.variant, c.lb,
		o.d.res.ErrorCount, recover.Round(time.Millisecond), after/pre, strings.Join(why, "; "))
	return nil
}

// fleetRate returns the calls per second the backends other than skip
// served between from and to, by the samples nearest those times.
func fleetRate(samples []sample, from, to time.Time, skip int) float64 {
	at := func(t time.Time) sample {
		best := samples[0]
		for _, s := range samples {
			if s.at.After(t) {
				break
			}
			best = s
		}
		return best
	}
	a, b := at(from), at(to)
	if !b.at.After(a.at) {
		return 0
	}
	var n int64
	for i := range a.calls {
		if i == skip || a.calls[i] < 0 || b.calls[i] < 0 {
			continue
		}
		n += b.calls[i] - a.calls[i]
	}
	return float64(n) / b.at.Sub(a.at).Seconds()
}
