package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"restvsgrpc/bench/result"
	"restvsgrpc/internal/balance"
)

// The balancing of a run: none (one backend called directly), HAProxy at
// either layer, or gRPC's client-side round robin.
const (
	lbNone     = "none"
	lbClientRR = "client-rr"
)

// balanceCase is one balanced run.
type balanceCase struct {
	variant, lb string
	conns       int // 0: loadgen's default (one per caller over HTTP/1.1, one over HTTP/2)
}

// balanceCases covers every balancer for each variant, and the two
// remedies for an HTTP/2 connection pinned by an L4 balancer: several
// connections, or balancing per call (L7 or client-side).
var balanceCases = []balanceCase{
	{"rest", lbNone, 0}, {"rest-h2c", lbNone, 0}, {"grpc", lbNone, 0},
	{"rest", string(balance.L4), 0}, {"rest-h2c", string(balance.L4), 0}, {"grpc", string(balance.L4), 0},
	{"rest-h2c", string(balance.L4), 6}, {"grpc", string(balance.L4), 6},
	{"rest", string(balance.L7), 0}, {"rest-h2c", string(balance.L7), 0}, {"grpc", string(balance.L7), 0},
	{"grpc", lbClientRR, 0},
}

// fleetSize is the number of backends of a balanced fleet.
const fleetSize = 3

// proxies starts one HAProxy per layer in front of bs; with no haproxy it
// returns nil and says why in one line.
func (e *env) proxies(ctx context.Context, section string, bs []*backend) (map[string]*balance.Proxy, error) {
	bin, err := e.haproxy(ctx)
	if err != nil {
		return nil, e.skip(section+" (HAProxy runs)", err.Error())
	}
	var cfg = balance.Config{Bin: bin, Prefix: e.pin("1")}
	for _, b := range bs {
		cfg.Backends = append(cfg.Backends, b.Backend)
	}
	ps := map[string]*balance.Proxy{}
	for _, l := range []balance.Layer{balance.L4, balance.L7} {
		cfg.Layer = l
		p, err := balance.Start(ctx, cfg)
		if err != nil {
			stopProxies(ps)
			return nil, err
		}
		ps[string(l)] = p
	}
	return ps, nil
}

func stopProxies(ps map[string]*balance.Proxy) {
	for _, p := range ps {
		p.Stop()
	}
}

// target returns where loadgen sends the calls of c and the flags that
// say how, and the proxy's pid (0 when there is none).
func (c balanceCase) target(bs []*backend, ps map[string]*balance.Proxy) (addr string, flags []string, pid int) {
	if c.conns > 0 {
		flags = append(flags, "-conns", strconv.Itoa(c.conns))
	}
	switch c.lb {
	case lbNone:
		if c.variant == "grpc" {
			return bs[0].GRPC, flags, 0
		}
		return bs[0].REST, flags, 0
	case lbClientRR:
		var as []string
		for _, b := range bs {
			as = append(as, b.GRPC)
		}
		return strings.Join(as, ","), append(flags, "-grpc-lb", "round_robin"), 0
	}
	p := ps[c.lb]
	switch c.variant {
	case "grpc":
		return p.GRPC, flags, p.PID()
	case "rest-h2c":
		return p.H2C, flags, p.PID()
	}
	return p.REST, flags, p.PID()
}

func (c balanceCase) keys() []string {
	conns := "default"
	if c.conns > 0 {
		conns = strconv.Itoa(c.conns)
	}
	return []string{"lb=" + c.lb, "conns=" + conns}
}

// balance runs balanceCases over one fleet and one proxy per layer.
func (e *env) balance(ctx context.Context) error {
	bs, err := e.startFleet(ctx, fleetSize, "127.0.0.1", nil)
	if err != nil {
		return err
	}
	defer stopFleet(bs)
	ps, err := e.proxies(ctx, "balance", bs)
	if err != nil && !errors.Is(err, errSkipped) {
		return err
	}
	defer stopProxies(ps)
	raw, err := e.createRaw("balance", "units: share is a backend's part of the calls it counted itself (/debug/stats); proxy-cpu-ns/op and backends-cpu-ns/op divide CPU over the run by the calls the backends counted; over loadgen's window (-watch-pids), server-busy is a backend's CPU as a share of its own CPUs, backends-busy the backends' together of the CPUs they share, proxy-busy HAProxy's of its one thread, client-busy loadgen's own")
	if err != nil {
		return err
	}
	defer raw.close()
	for _, c := range balanceCases {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ps == nil && c.lb != lbNone && c.lb != lbClientRR {
			continue
		}
		addr, flags, pid := c.target(bs, ps)
		before, err := takeSnapshot(ctx, bs, c.variant, pid)
		if err != nil {
			return err
		}
		flags = append(flags, "-watch-pids", watchList(bs, pid))
		d, err := e.drive(ctx, nil, append(flags, "-variant", c.variant, "-target", addr, "-rpc", "GetTransaction",
			"-payload", e.cfg.payload, "-c", strconv.Itoa(e.cfg.conc), "-duration", e.cfg.duration.String(), "-warmup", e.cfg.warmup.String())...)
		if err != nil {
			return err
		}
		after, err := takeSnapshot(ctx, bs, c.variant, pid)
		if err != nil {
			return err
		}
		var total int64
		shares := make([]float64, len(bs))
		for i := range bs {
			total += after.calls[i] - before.calls[i]
		}
		if total == 0 {
			return fmt.Errorf("%v: %w", c, errNoCalls)
		}
		maxShare := 0.0
		for i := range bs {
			shares[i] = float64(after.calls[i]-before.calls[i]) / float64(total)
			maxShare = max(maxShare, shares[i])
		}
		busy, err := balanceBusy(&d.res, len(bs), pid > 0, e.pinned)
		if err != nil {
			return fmt.Errorf("%v: %w", c, err)
		}
		metrics := []string{
			metric(float64(after.backendCPU-before.backendCPU)/float64(total), "backends-cpu-ns/op"),
			metric(maxShare, "max-share"),
			metric(busy.backends, "backends-busy"),
		}
		if pid > 0 {
			metrics = append(metrics, metric(float64(after.proxyCPU-before.proxyCPU)/float64(total), "proxy-cpu-ns/op"), metric(busy.proxy, "proxy-busy"))
		}
		raw.line("proto: " + d.res.Protocol)
		raw.line(benchLine(d.line, c.keys(), metrics...))
		name, _, _ := strings.Cut(benchLine(d.line, c.keys()), "\t")
		for i := range bs {
			raw.line(fmt.Sprintf("%s\t%d\t%s\t%s", renameProcs(name, "backend=b"+strconv.Itoa(i)), after.calls[i]-before.calls[i], metric(shares[i], "share"), metric(busy.each[i], "server-busy")))
		}
		fmt.Fprintf(e.log, "fleet: %-9s %-10s conns=%-7s %8.0f calls/s  p99 %-9v shares %.2f  busy: backends %.2f together %.2f, proxy %.2f, driver %.2f\n", c.variant, c.lb, c.keys()[1][6:],
			d.res.Rate, d.res.Response.Percentile(99).Round(time.Microsecond), shares, busy.each, busy.backends, busy.proxy, d.res.ClientBusy())
	}
	return nil
}

// watchList is loadgen's -watch-pids for a balanced run: the backends in
// order, then the proxy when there is one.
func watchList(bs []*backend, proxyPID int) string {
	var pids []string
	for _, b := range bs {
		pids = append(pids, strconv.Itoa(b.PID()))
	}
	if proxyPID > 0 {
		pids = append(pids, strconv.Itoa(proxyPID))
	}
	return strings.Join(pids, ",")
}

// busyShares is what each part of a balanced run used of the CPUs it may
// use over loadgen's window (the driver's own share is loadgen's
// client-busy).
type busyShares struct {
	each     []float64 // each backend, of its own CPUs
	backends float64   // the backends together, of the CPUs they share
	proxy    float64
}

// balanceBusy reads the busy shares of a balanced run from loadgen's
// watched processes: n backends, then the proxy if withProxy. The proxy
// may use one CPU; each backend what loadgen read (GOMAXPROCS=1). Pinned
// backends share one CPU (taskset -c 0), so together they may use one;
// otherwise as many as their own CPUs add up to, at most the machine's.
func balanceBusy(res *result.Result, n int, withProxy, pinned bool) (busyShares, error) {
	want := n
	if withProxy {
		want++
	}
	if len(res.Watched) != want {
		return busyShares{}, fmt.Errorf("loadgen watched %d processes, want %d", len(res.Watched), want)
	}
	var b busyShares
	var cpu time.Duration
	together := 0
	for _, p := range res.Watched[:n] {
		if p.CPUs < 1 {
			return busyShares{}, fmt.Errorf("backend pid %d: its CPUs are not known", p.PID)
		}
		b.each = append(b.each, res.Busy(p))
		cpu += p.CPU
		together += p.CPUs
	}
	together = min(together, runtime.NumCPU())
	if pinned {
		together = 1
	}
	b.backends = res.Busy(result.ProcessCPU{CPU: cpu, CPUs: together})
	if withProxy {
		p := res.Watched[n]
		p.CPUs = 1 // HAProxy runs one thread (nbthread 1), whatever its affinity
		b.proxy = res.Busy(p)
	}
	return b, nil
}

// renameProcs adds key to a benchmark name that ends in -GOMAXPROCS.
func renameProcs(name, key string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		return name[:i] + "/" + key + name[i:]
	}
	return name + "/" + key
}
