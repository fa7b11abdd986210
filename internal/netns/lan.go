package netns

import (
	"context"
	"fmt"
)

// A LAN is hosts on one Ethernet segment: each host a namespace of its
// own, joined by a veth pair to a bridge in a hub namespace. The bridge
// has an address too, so that a program in the hub (a benchmark driver)
// reaches every host; the hosts reach each other across the bridge.
type LAN struct {
	// Hub names the hub's namespace and HubIP its address on the bridge.
	Hub, HubIP string
	// Hosts name the hosts' namespaces and IPs their addresses.
	Hosts, IPs []string
	p          Path // owns the namespaces
}

// The LAN's /24, apart from the veth pairs' 10.254.0.0/30.
const lanNet = "10.254.1."

// NewLAN returns a LAN of n hosts (at most 26: each is named by a letter,
// so that CleanStale reads the owner's pid back from the name).
func NewLAN(ctx context.Context, n int) (*LAN, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if n < 1 || n > 26 {
		return nil, fmt.Errorf("a LAN of %d hosts: want 1 to 26", n)
	}
	l := &LAN{Hub: name("h"), HubIP: lanNet + "254"}
	fail := func(err error) (*LAN, error) { l.Close(); return nil, err }
	if err := l.p.newNS(ctx, l.Hub); err != nil {
		return fail(err)
	}
	for _, args := range [][]string{
		{"link", "add", "br0", "type", "bridge"},
		{"addr", "add", l.HubIP + "/24", "dev", "br0"},
		{"link", "set", "br0", "up"},
	} {
		if err := ip(ctx, append([]string{"-n", l.Hub}, args...)...); err != nil {
			return fail(err)
		}
	}
	for i := range n {
		h, addr, port := name(string(rune('a'+i))), fmt.Sprintf("%s%d", lanNet, i+1), fmt.Sprintf("p%d", i)
		if err := l.p.newNS(ctx, h); err != nil {
			return fail(err)
		}
		l.Hosts, l.IPs = append(l.Hosts, h), append(l.IPs, addr)
		// Made in the host's namespace, its peer moved to the hub's:
		// nothing of the LAN ever sits in the caller's namespace.
		for _, c := range [][]string{
			{"-n", h, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", l.Hub},
			{"-n", l.Hub, "link", "set", port, "master", "br0"},
			{"-n", l.Hub, "link", "set", port, "up"},
			{"-n", h, "addr", "add", addr + "/24", "dev", "eth0"},
			{"-n", h, "link", "set", "eth0", "up"},
		} {
			if err := ip(ctx, c...); err != nil {
				return fail(err)
			}
		}
	}
	return l, nil
}

// Close removes the namespaces, and with them the bridge and the veth
// pairs.
func (l *LAN) Close() error { return l.p.Close() }
