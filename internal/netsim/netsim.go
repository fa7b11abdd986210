// Package netsim simulates a network on top of loopback: it delays and paces
// the bytes of a net.Conn so that a benchmark on one machine sees the
// round-trip time and bandwidth of a LAN or a WAN.
//
// Shape one side of a connection only, the same side for every transport:
// the benchmarks wrap the server's listener (Profile.Listener), so the REST
// and gRPC servers sit behind the very same simulated links. A shaped conn
// delays both directions by half the profile's RTT: what it writes is
// delivered to the peer after that delay, and what the peer sent becomes
// readable after it. Each direction is also paced at the profile's
// bandwidth, as a link serialises bytes. Conns wait side by side, and each
// conn has the whole bandwidth to itself: the conns of one listener do not
// share a link, so 64 HTTP/1.1 connections can carry 64 times what one
// HTTP/2 connection can. The benchmarks stay below that difference: their
// concurrent shaped calls carry 1 KiB (about 32 Mbit/s in all at wan's
// 1,400 calls/s), and their shaped streams run one at a time.
//
// The idea follows grpc-go's benchmark/latency package (delay each write's
// delivery by the latency, pace writes by the bandwidth) but needs no
// cooperation from the peer: delays are applied by goroutines inside the
// shaped conn, so an unwrapped client can talk to a shaped server.
//
// Timers on small virtual machines fire about 1 ms late, which would turn
// lan's 0.25 ms one-way delay into 1 ms. Waits are therefore kept by one
// clock goroutine that sleeps until 2 ms before the earliest due time and
// yields the processor in a loop (runtime.Gosched) for the rest: accurate
// to tens of microseconds, at the price of CPU time spent yielding while a
// delivery is due, which a process's CPU figures on the lan profile include.
package netsim

import (
	"context"
	"fmt"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Profile is a simulated network link.
type Profile struct {
	Name string
	// RTT is the round-trip time the link adds; each direction gets half.
	RTT time.Duration
	// BitsPerSecond is the bandwidth of each direction; 0 is unlimited.
	BitsPerSecond int64
}

// The named profiles.
var (
	// Loopback adds nothing: the machine's own loopback.
	Loopback = Profile{Name: "loopback"}
	// LAN is a data-centre network: 0.5 ms RTT, 1 Gbit/s.
	LAN = Profile{Name: "lan", RTT: 500 * time.Microsecond, BitsPerSecond: 1e9}
	// WAN is a long-haul link: 40 ms RTT, 50 Mbit/s.
	WAN = Profile{Name: "wan", RTT: 40 * time.Millisecond, BitsPerSecond: 50e6}
)

var profiles = map[string]Profile{Loopback.Name: Loopback, LAN.Name: LAN, WAN.Name: WAN}

// ByName returns the named profile: "loopback", "lan" or "wan".
func ByName(name string) (Profile, error) {
	p, ok := profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("network profile %q: want one of %v", name, Names())
	}
	return p, nil
}

// Names lists the named profiles, sorted.
func Names() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Shapes reports whether p changes anything.
func (p Profile) Shapes() bool { return p.RTT > 0 || p.BitsPerSecond > 0 }

func (p Profile) String() string { return p.Name }

// txTime is how long the link takes to carry n bytes.
func (p Profile) txTime(n int) time.Duration {
	if p.BitsPerSecond <= 0 {
		return 0
	}
	return time.Duration(float64(n) * 8 * float64(time.Second) / float64(p.BitsPerSecond))
}

// Listener wraps l so that every accepted connection is shaped by p.
func (p Profile) Listener(l net.Listener) net.Listener {
	if !p.Shapes() {
		return l
	}
	return &listener{Listener: l, p: p}
}

type listener struct {
	net.Listener
	p Profile
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.p.Conn(c), nil
}

// DialContext wraps a dial function (net.Dialer.DialContext,
// http.Transport.DialContext) so that its connections are shaped by p.
// A nil dial uses a zero net.Dialer.
func (p Profile) DialContext(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if dial == nil {
		dial = new(net.Dialer).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return p.Conn(c), nil
	}
}

// Tuning of a shaped conn.
const (
	// chunkSize splits large writes so that a long message streams over
	// the link instead of arriving all at once.
	chunkSize = 32 << 10
	// sendBuffer is how far, in bytes, a writer may run ahead of the link
	// before Write blocks, as a socket's send buffer allows.
	sendBuffer = 256 << 10
	// queued bounds the chunks waiting in each direction.
	queued = 1024
	// lingerGrace is how long Close lets queued bytes drain beyond the
	// link's own delay before giving up on a peer that does not read.
	lingerGrace = time.Second
)

// Conn returns c shaped by p, or c itself when p shapes nothing. The
// returned conn starts two goroutines that end once it is closed and its
// queued bytes are delivered.
func (p Profile) Conn(c net.Conn) net.Conn {
	if !p.Shapes() {
		return c
	}
	s := &conn{
		Conn:   c,
		p:      p,
		oneWay: p.RTT / 2,
		wq:     make(chan packet, queued),
		rq:     make(chan packet, queued),
		closed: make(chan struct{}),
		wake:   make(chan struct{}),
	}
	go s.deliver()
	go s.receive()
	return s
}

type packet struct {
	data []byte
	at   time.Time // when the bytes reach the far end of the link
	err  error
}

type conn struct {
	net.Conn
	p      Profile
	oneWay time.Duration

	// Write side: Write queues chunks on wq, deliver writes them out.
	wmu   sync.Mutex
	wfree time.Time // when the outbound link has carried everything queued
	wq    chan packet
	werr  atomic.Pointer[error]

	// Read side: receive queues what arrives on rq, Read hands it out.
	rq   chan packet
	rmu  sync.Mutex
	cur  packet
	have bool

	dmu      sync.Mutex
	deadline time.Time
	wake     chan struct{} // closed and replaced when the read deadline changes

	closeOnce sync.Once
	closed    chan struct{}
}

// deliver writes each queued chunk to the socket once its time has come,
// then closes the socket after Close.
func (c *conn) deliver() {
	defer c.Conn.Close()
	for pkt := range c.wq {
		if c.werr.Load() != nil {
			continue // drop what follows a failed write
		}
		<-after(pkt.at)
		if _, err := c.Conn.Write(pkt.data); err != nil {
			c.werr.Store(&err)
		}
	}
}

// receive reads the socket and stamps each chunk with the time it is due
// to become readable: after the bandwidth has carried it and the latency
// has passed.
func (c *conn) receive() {
	buf := make([]byte, chunkSize)
	var free time.Time
	for {
		n, err := c.Conn.Read(buf)
		now := time.Now()
		if n > 0 {
			free = later(now, free).Add(c.p.txTime(n))
			pkt := packet{data: append([]byte(nil), buf[:n]...), at: free.Add(c.oneWay)}
			select {
			case c.rq <- pkt:
			case <-c.closed:
				return
			}
		}
		if err != nil {
			select {
			case c.rq <- packet{err: err, at: later(now, free).Add(c.oneWay)}:
			case <-c.closed:
			}
			return
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Write queues p for delivery after the link's delay, blocking only while
// more than a send buffer's worth of bytes waits for the link.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	n := 0
	for len(p) > 0 {
		select {
		case <-c.closed:
			return n, net.ErrClosed
		default:
		}
		if err := c.werr.Load(); err != nil {
			return n, *err
		}
		chunk := p[:min(len(p), chunkSize)]
		now := time.Now()
		c.wfree = later(now, c.wfree).Add(c.p.txTime(len(chunk)))
		if ahead := c.wfree.Sub(now) - c.p.txTime(sendBuffer); ahead > 0 {
			if !sleepUntil(now.Add(ahead), c.closed) {
				return n, net.ErrClosed
			}
		}
		select {
		case c.wq <- packet{data: append([]byte(nil), chunk...), at: c.wfree.Add(c.oneWay)}:
		case <-c.closed:
			return n, net.ErrClosed
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// Read returns bytes whose delivery time has come, waiting for them within
// the read deadline.
func (c *conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.await(); err != nil {
		return 0, err
	}
	if len(c.cur.data) == 0 {
		return 0, c.cur.err // sticky: every later Read sees it too
	}
	n := copy(p, c.cur.data)
	c.cur.data = c.cur.data[n:]
	if len(c.cur.data) == 0 && c.cur.err == nil {
		c.have = false
	}
	return n, nil
}

// await waits until c.cur holds a packet whose time has come.
func (c *conn) await() error {
	for {
		ready, err := c.awaitOnce()
		if ready || err != nil {
			return err
		}
	}
}

// awaitOnce waits for one event: a packet, its due time, the deadline, a
// change of deadline or Close. It reports whether c.cur is ready.
func (c *conn) awaitOnce() (bool, error) {
	c.dmu.Lock()
	deadline, wake := c.deadline, c.wake
	c.dmu.Unlock()
	var expire <-chan time.Time
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return false, os.ErrDeadlineExceeded
		}
		t := time.NewTimer(d)
		defer t.Stop()
		expire = t.C
	}
	var due <-chan struct{}
	var w *wakeup
	in := c.rq
	if c.have {
		if !time.Now().Before(c.cur.at) {
			return true, nil
		}
		w = schedule(c.cur.at)
		due, in = w.ch, nil
	}
	select {
	case c.cur = <-in:
		c.have = true
		return false, nil
	case <-due:
		return true, nil
	case <-expire:
		cancel(w)
		return false, os.ErrDeadlineExceeded
	case <-wake:
		cancel(w)
		return false, nil
	case <-c.closed:
		cancel(w)
		return false, net.ErrClosed
	}
}

// Close stops reads and writes at once; bytes already written are still
// delivered, as a socket lingers, before the underlying conn closes.
func (c *conn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.wmu.Lock() // no Write is queueing any more
		close(c.wq)
		linger := later(time.Now(), c.wfree).Add(c.oneWay + lingerGrace)
		c.wmu.Unlock()
		_ = c.Conn.SetWriteDeadline(linger)
	})
	return nil
}

// SetDeadline sets the read and write deadlines.
func (c *conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline of Read. It is kept here, not passed to
// the socket, whose reader runs ahead of the delay.
func (c *conn) SetReadDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.deadline = t
	close(c.wake)
	c.wake = make(chan struct{})
	return nil
}

// SetWriteDeadline sets the deadline of the socket writes that deliver the
// bytes; Write itself only blocks for pacing.
func (c *conn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(t) }
