package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
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
	if _, err := e.haproxy(ctx); err != nil {
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

	type outcome struct {
		d   driven
		err error
	}
	done := make(chan outcome, 1)
	startedAt := time.Now()
	go func() {
		d, err := e.drive(ctx, nil, append(flags, "-variant", c.variant, "-target", addr, "-rpc", "GetTransaction",
			"-payload", e.cfg.payload, "-c", strconv.Itoa(e.cfg.conc), "-duration", e.cfg.duration.String(),
			"-warmup", e.cfg.warmup.String(), "-allow-errors",
			// Whether calls fail over is the client library's doing
			// (redialling, re-resolving), so the callers are the real
			// libraries, as the report's failover section says: the
			// bytes mode's lean HTTP/2 client redials too, but it is
			// the driver's own, not a library an application runs.
			"-check", "decode")...)
		done <- outcome{d, err}
	}()
	// Kill a third of the way into the window, the busiest backend: the
	// one an L4 balancer pinned a single connection to, if it did.
	read := func(i int) int64 {
		if st, err := bs[i].stats(ctx); err == nil {
			return st.calls(c.variant)
		}
		return -1
	}
	stop, killed := make(chan struct{}), make(chan killEvent, 1)
	sampled := make(chan []sample, 1)
	go func() {
		sampled <- sampleAndKill(read, len(bs), sampleEvery, startedAt.Add(e.cfg.warmup+e.cfg.duration/3),
			func(i int) { bs[i].Kill() }, killed, stop)
	}()
	var k killEvent
	select {
	case k = <-killed:
	case o := <-done:
		close(stop)
		<-sampled
		return fmt.Errorf("loadgen ended before the kill: %v", o.err)
	}
	o := <-done
	close(stop)
	samples := <-sampled
	if o.err != nil {
		return o.err
	}
	victim, killedAt := k.victim, k.at

	// The fleet's rate before the kill, over the measured window so far.
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

// killEvent is the SIGKILL of one backend: which, and when.
type killEvent struct {
	victim int
	at     time.Time
}

// sampleAndKill reads the n backends' call counts (read returns -1 for an
// unreadable one) every interval until stop is closed, and returns the
// samples. The first sample taken at or after killDue, once the backends
// have counted calls since the first, picks the victim,
// the backend with most calls, and kill runs right after that sample and
// before the next: the latest sample before the kill has read every
// backend alive. (A kill from another goroutine could land in the middle
// of a sample, which then counted the victim unreadable: with an L4
// balancer pinning every call to the victim, the fleet seemed idle before
// the kill.)
func sampleAndKill(read func(i int) int64, n int, every time.Duration, killDue time.Time, kill func(i int), killed chan<- killEvent, stop <-chan struct{}) []sample {
	t := time.NewTicker(every)
	defer t.Stop()
	var samples []sample
	dead := false
	for {
		s := sample{at: time.Now()}
		for i := range n {
			s.calls = append(s.calls, read(i))
		}
		samples = append(samples, s)
		if !dead && !s.at.Before(killDue) && served(samples[0], s) {
			victim := 0
			for i, c := range s.calls {
				if c > s.calls[victim] {
					victim = i
				}
			}
			kill(victim)
			dead = true
			killed <- killEvent{victim: victim, at: time.Now()}
		}
		select {
		case <-stop:
			return samples
		case <-t.C:
		}
	}
}

// served reports whether the backends counted calls between samples a
// and b: a kill before the callers got going would measure nothing.
func served(a, b sample) bool {
	for i := range a.calls {
		if a.calls[i] >= 0 && b.calls[i] > a.calls[i] {
			return true
		}
	}
	return false
}

// fleetRate returns the calls per second the backends other than skip
// served between from and to: for each, by its readable samples nearest
// those times.
func fleetRate(samples []sample, from, to time.Time, skip int) float64 {
	var rate float64
	for i := range samples[0].calls {
		if i == skip {
			continue
		}
		a, b := readable(samples, i, from), readable(samples, i, to)
		if a == nil || b == nil || !b.at.After(a.at) {
			continue
		}
		rate += float64(b.calls[i]-a.calls[i]) / b.at.Sub(a.at).Seconds()
	}
	return rate
}

// readable returns the latest sample at or before t that read backend i,
// or else the first that did.
func readable(samples []sample, i int, t time.Time) *sample {
	var best *sample
	for k := range samples {
		s := &samples[k]
		if s.calls[i] < 0 {
			continue
		}
		if best != nil && s.at.After(t) {
			break
		}
		best = s
	}
	return best
}
