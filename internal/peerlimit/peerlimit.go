// Package peerlimit caps the connections one client address may hold open
// at once, over every listener a Limiter wraps: a client that opens
// connections without end (each one cheap for it, a goroutine and buffers
// for the server) is refused past the cap, while other addresses are
// served. A refused connection is accepted and closed at once: the client
// sees it end before any byte.
//
// Addresses are counted by IP, IPv6 by its /64 (one host usually holds a
// whole /64). Behind a proxy every client has the proxy's address: there
// the cap belongs in the proxy, and this one is set off (0).
package peerlimit

import (
	"net"
	"net/netip"
	"sync"
)

// Limiter counts open connections per client address. It is safe for
// concurrent use.
type Limiter struct {
	max      int
	loopback bool // count loopback addresses too

	mu      sync.Mutex
	open    map[string]int
	refused int64
}

// New returns a limiter of max connections per address, or nil (no limit)
// if max is 0 or less. Loopback clients are counted only when loopback is
// true: on one machine, the benchmarks' load drivers open up to 10,000
// connections from 127.0.0.1, and a local client can hurt the server in
// other ways anyway.
func New(max int, loopback bool) *Limiter {
	if max <= 0 {
		return nil
	}
	return &Limiter{max: max, loopback: loopback, open: map[string]int{}}
}

// Key is the address a limit counts for a network address ("ip:port" or
// an IP): the IP, or an IPv6 address's /64.
func Key(addr string) string {
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		ip = ap.Addr()
	} else if a, err := netip.ParseAddr(addr); err == nil {
		ip = a
	} else {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// Refused returns how many connections the limiter has refused.
func (l *Limiter) Refused() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused
}

// Listener returns lis with its connections counted; one past the cap of
// its address is closed as soon as it is accepted. A nil Limiter returns
// lis itself.
func (l *Limiter) Listener(lis net.Listener) net.Listener {
	if l == nil {
		return lis
	}
	return &listener{Listener: lis, l: l}
}

type listener struct {
	net.Listener
	l *Limiter
}

func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, ok := ln.l.admit(c.RemoteAddr())
		if ok {
			if key == "" {
				return c, nil // not counted
			}
			return &conn{Conn: c, l: ln.l, key: key}, nil
		}
		c.Close()
	}
}

// admit counts a new connection from addr and returns its key ("" when
// it is not counted), or reports that addr is at its cap.
func (l *Limiter) admit(addr net.Addr) (string, bool) {
	key := Key(addr.String())
	if ip, err := netip.ParseAddr(key); err == nil && ip.IsLoopback() && !l.loopback {
		return "", true
	}
	if p, err := netip.ParsePrefix(key); err == nil && p.Addr().IsLoopback() && !l.loopback {
		return "", true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.max {
		l.refused++
		return key, false
	}
	l.open[key]++
	return key, true
}

func (l *Limiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

type conn struct {
	net.Conn
	l    *Limiter
	key  string
	once sync.Once
}

func (c *conn) Close() error {
	c.once.Do(func() { c.l.release(c.key) })
	return c.Conn.Close()
}
