// Package netns gives a client and a server a real network path on one
// machine: two network namespaces joined by a veth pair (MTU 1500 by
// default, so TCP segments as it does on a LAN, unlike loopback's 64 KiB),
// optionally limited in bandwidth by a tbf qdisc. Loopback makes the other
// side of the comparison: one namespace, its own lo, counted the same way.
//
// Namespaces are made with ip(8) and need root. Each is named after this
// process's id, so CleanStale can remove what a killed run left behind;
// Close removes them, and callers defer it. Traffic stays inside the
// namespaces: neither end of the pair is in the caller's namespace.
package netns

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"unicode"
)

// prefix starts the name of every namespace and link this package makes.
const prefix = "rvg"

// The addresses of the two ends of a veth pair.
const (
	serverIP = "10.254.0.1"
	clientIP = "10.254.0.2"
)

// Path is a network path between a client namespace and a server one
// (the same namespace for Loopback).
type Path struct {
	// Client and Server name the namespaces; ServerIP is the server's
	// address as the client reaches it.
	Client, Server string
	ServerIP       string
	links          []link // every device the traffic crosses, counted on send
	owned          []string
}

type link struct{ ns, dev string }

// Available returns nil when namespaces can be made here, or why not.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("network namespaces need ip(8) (iproute2)")
	}
	return nil
}

func ip(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func name(role string) string { return fmt.Sprintf("%s%d%s", prefix, os.Getpid(), role) }

// newNS makes namespace n with lo up, owned by p.
func (p *Path) newNS(ctx context.Context, n string) error {
	if err := ip(ctx, "netns", "add", n); err != nil {
		return err
	}
	p.owned = append(p.owned, n)
	return ip(ctx, "-n", n, "link", "set", "lo", "up")
}

// Loopback returns one namespace holding both sides, over its own lo.
func Loopback(ctx context.Context) (*Path, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	n := name("l")
	p := &Path{Client: n, Server: n, ServerIP: "127.0.0.1", links: []link{{n, "lo"}}}
	if err := p.newNS(ctx, n); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Veth returns two namespaces joined by a veth pair of the given MTU
// (1500 when 0). With rate (e.g. "100mbit"), a tbf qdisc limits each end
// to it.
func Veth(ctx context.Context, mtu int, rate string) (*Path, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if mtu == 0 {
		mtu = 1500
	}
	c, s := name("c"), name("s")
	p := &Path{Client: c, Server: s, ServerIP: serverIP}
	fail := func(err error) (*Path, error) { p.Close(); return nil, err }
	for _, n := range []string{c, s} {
		if err := p.newNS(ctx, n); err != nil {
			return fail(err)
		}
	}
	// Made in the client namespace, so that nothing of it ever sits in
	// the caller's.
	if err := ip(ctx, "-n", c, "link", "add", "veth0", "mtu", strconv.Itoa(mtu), "type", "veth", "peer", "name", "veth0", "netns", s); err != nil {
		return fail(err)
	}
	for _, e := range []struct{ ns, addr string }{{c, clientIP}, {s, serverIP}} {
		if err := ip(ctx, "-n", e.ns, "addr", "add", e.addr+"/30", "dev", "veth0"); err != nil {
			return fail(err)
		}
		if err := ip(ctx, "-n", e.ns, "link", "set", "veth0", "up"); err != nil {
			return fail(err)
		}
		if rate != "" {
			out, err := exec.CommandContext(ctx, "ip", "netns", "exec", e.ns, "tc", "qdisc", "add", "dev", "veth0", "root",
				"tbf", "rate", rate, "burst", "64kb", "latency", "50ms").CombinedOutput()
			if err != nil {
				return fail(fmt.Errorf("tc tbf %s: %v: %s", rate, err, bytes.TrimSpace(out)))
			}
		}
		p.links = append(p.links, link{e.ns, "veth0"})
	}
	return p, nil
}

// Exec returns the command prefix that runs a program in namespace ns.
func Exec(ns string) []string { return []string{"ip", "netns", "exec", ns} }

// Close removes the namespaces, and with them the veth pair.
func (p *Path) Close() error {
	var errs []error
	for _, n := range p.owned {
		errs = append(errs, ip(context.Background(), "netns", "del", n))
	}
	p.owned = nil
	return errors.Join(errs...)
}

// Counters are what the kernel counted on a path, summed over its
// namespaces and devices: TCP segments sent (as MSS-sized segments) and
// retransmitted, and packets and bytes sent on the devices (IP and TCP
// headers included; an offloaded super-packet counts once).
type Counters struct {
	Segs, Retrans          int64
	LinkPackets, LinkBytes int64
}

// Sub returns c minus d.
func (c Counters) Sub(d Counters) Counters {
	return Counters{c.Segs - d.Segs, c.Retrans - d.Retrans, c.LinkPackets - d.LinkPackets, c.LinkBytes - d.LinkBytes}
}

// Counters reads the path's counters now.
func (p *Path) Counters(ctx context.Context) (Counters, error) {
	var c Counters
	seen := map[string]bool{}
	for _, l := range p.links {
		if !seen[l.ns] {
			seen[l.ns] = true
			out, err := exec.CommandContext(ctx, "ip", "netns", "exec", l.ns, "cat", "/proc/net/snmp").Output()
			if err != nil {
				return c, fmt.Errorf("snmp of %s: %w", l.ns, err)
			}
			segs, retrans, err := tcpSegs(out)
			if err != nil {
				return c, err
			}
			c.Segs += segs
			c.Retrans += retrans
		}
		out, err := exec.CommandContext(ctx, "ip", "-n", l.ns, "-s", "-j", "link", "show", "dev", l.dev).Output()
		if err != nil {
			return c, fmt.Errorf("link %s of %s: %w", l.dev, l.ns, err)
		}
		var st []struct {
			Stats struct {
				TX struct{ Bytes, Packets int64 } `json:"tx"`
			} `json:"stats64"`
		}
		if err := json.Unmarshal(out, &st); err != nil || len(st) != 1 {
			return c, fmt.Errorf("link %s of %s: %q: %v", l.dev, l.ns, out, err)
		}
		c.LinkPackets += st[0].Stats.TX.Packets
		c.LinkBytes += st[0].Stats.TX.Bytes
	}
	return c, nil
}

// tcpSegs reads OutSegs and RetransSegs from a /proc/net/snmp, whose Tcp
// lines are a header line of names and a line of values.
func tcpSegs(snmp []byte) (out, retrans int64, err error) {
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(snmp))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "Tcp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, v := range f {
			if i >= len(names) {
				break
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			switch names[i] {
			case "OutSegs":
				out = n
			case "RetransSegs":
				retrans = n
			}
		}
		return out, retrans, nil
	}
	return 0, 0, errors.New("/proc/net/snmp: no Tcp lines")
}

// CleanStale removes the namespaces of runs whose process is gone, such
// as one killed before its Close ran.
func CleanStale(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "ip", "netns", "list").Output()
	if err != nil {
		return err
	}
	var errs []error
	for l := range strings.SplitSeq(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || !strings.HasPrefix(f[0], prefix) {
			continue
		}
		digits := strings.TrimRightFunc(strings.TrimPrefix(f[0], prefix), unicode.IsLetter) // the role
		pid, err := strconv.Atoi(digits)
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		errs = append(errs, ip(ctx, "netns", "del", f[0]))
	}
	return errors.Join(errs...)
}
