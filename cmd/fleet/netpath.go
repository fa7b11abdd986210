package main

import (
	"context"
	"fmt"
	"strconv"

	"restvsgrpc/internal/netns"
)

// netpathRun is one path of the netpath section.
type netpathRun struct {
	name string // loopback, veth, veth-tbf
	make func(context.Context) (*netns.Path, error)
}

// netpath runs each variant at two payload sizes over a namespace's
// loopback and over a veth pair (MTU 1500, and rate-limited with -tbf),
// counting TCP segments and link packets and bytes per call.
func (e *env) netpath(ctx context.Context) error {
	if err := netns.Available(); err != nil {
		return e.skip("netpath", err.Error())
	}
	if err := netns.CleanStale(ctx); err != nil {
		fmt.Fprintf(e.log, "fleet: stale namespaces: %v\n", err)
	}
	raw, err := e.createRaw("netpath", "units: segs/op counts TCP segments sent by both sides (/proc/net/snmp OutSegs of each namespace, MSS-sized), retrans/op the retransmitted ones, link-pkts/op and link-B/op what the path's devices sent (lo, or both ends of the veth pair; headers included)")
	if err != nil {
		return err
	}
	defer raw.close()
	paths := []netpathRun{
		{"loopback", netns.Loopback},
		{"veth", func(ctx context.Context) (*netns.Path, error) { return netns.Veth(ctx, 1500, "") }},
	}
	if e.cfg.tbf != "" {
		paths = append(paths, netpathRun{"veth-tbf-" + e.cfg.tbf, func(ctx context.Context) (*netns.Path, error) { return netns.Veth(ctx, 1500, e.cfg.tbf) }})
	}
	for _, pr := range paths {
		if err := e.netpathOn(ctx, raw, pr); err != nil {
			return fmt.Errorf("%s: %w", pr.name, err)
		}
	}
	return nil
}

func (e *env) netpathOn(ctx context.Context, raw *rawFile, pr netpathRun) error {
	p, err := pr.make(ctx)
	if err != nil {
		return err
	}
	defer p.Close()
	bs, err := e.startFleet(ctx, 1, p.ServerIP, netns.Exec(p.Server))
	if err != nil {
		return err
	}
	defer stopFleet(bs)
	for _, payload := range []string{"100B", "64KiB"} {
		for _, v := range []string{"rest", "rest-h2c", "grpc"} {
			addr := bs[0].REST
			if v == "grpc" {
				addr = bs[0].GRPC
			}
			before, err := p.Counters(ctx)
			if err != nil {
				return err
			}
			d, err := e.drive(ctx, netns.Exec(p.Client), "-variant", v, "-target", addr, "-rpc", "GetTransaction",
				"-payload", payload, "-c", strconv.Itoa(min(e.cfg.conc, 16)), "-duration", e.cfg.duration.String(), "-warmup", "0s",
				"-server-pid", strconv.Itoa(bs[0].PID()))
			if err != nil {
				return err
			}
			after, err := p.Counters(ctx)
			if err != nil {
				return err
			}
			c := after.Sub(before)
			// The login and the handshakes ride along: a few segments over
			// thousands of calls.
			calls := float64(d.res.Calls + d.res.ErrorCount)
			raw.line("proto: " + d.res.Protocol)
			raw.line(benchLine(d.line, []string{"path=" + pr.name},
				metric(float64(c.Segs)/calls, "segs/op"), metric(float64(c.Retrans)/calls, "retrans/op"),
				metric(float64(c.LinkPackets)/calls, "link-pkts/op"), metric(float64(c.LinkBytes)/calls, "link-B/op")))
			fmt.Fprintf(e.log, "fleet: %-9s %-9s %-6s %8.0f calls/s  %6.1f segs/call  %8.0f link B/call\n", pr.name, v, payload,
				d.res.Rate, float64(c.Segs)/calls, float64(c.LinkBytes)/calls)
		}
	}
	return nil
}
