package netsim_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"restvsgrpc/internal/netsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pair returns a loopback TCP connection whose accepted side is shaped by p.
func pair(t *testing.T, p netsim.Profile) (shaped, peer net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sl := p.Listener(l)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := sl.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	peer, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	shaped = <-accepted
	if shaped == nil {
		t.FailNow()
	}
	t.Cleanup(func() { shaped.Close(); peer.Close() })
	return shaped, peer
}

func TestByName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		want    netsim.Profile
		wantErr bool
	}{
		{name: "loopback", want: netsim.Loopback},
		{name: "lan", want: netsim.LAN},
		{name: "wan", want: netsim.WAN},
		{name: "moon", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := netsim.ByName(tc.name)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ByName(%q) error %v, want error %v", tc.name, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ByName(%q) (-want +got):\n%s", tc.name, diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"lan", "loopback", "wan"}, netsim.Names()); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}
}

func TestLoopbackIsUnwrapped(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if got := netsim.Loopback.Conn(a); got != a {
		t.Errorf("Loopback.Conn returned %T, want the conn itself", got)
	}
}

// TestBytesIntactAndInOrder sends random bytes in writes of random sizes
// both ways and checks that they arrive unchanged.
func TestBytesIntactAndInOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    netsim.Profile
		size int
	}{
		{name: "lan", p: netsim.LAN, size: 1 << 20},
		{name: "wan", p: netsim.WAN, size: 256 << 10},
		{name: "fast-link", p: netsim.Profile{Name: "fast", RTT: time.Millisecond}, size: 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			shaped, peer := pair(t, tc.p)
			r := rand.New(rand.NewPCG(1, uint64(tc.size)))
			want := make([]byte, tc.size)
			for i := range want {
				want[i] = byte(r.Uint32())
			}
			for _, dir := range []struct {
				name     string
				from, to net.Conn
			}{{"from-shaped", shaped, peer}, {"to-shaped", peer, shaped}} {
				errc := make(chan error, 1)
				go func() {
					rest := want
					for len(rest) > 0 {
						n := min(len(rest), 1+r.IntN(70_000))
						if _, err := dir.from.Write(rest[:n]); err != nil {
							errc <- err
							return
						}
						rest = rest[n:]
					}
					errc <- nil
				}()
				got := make([]byte, len(want))
				if _, err := io.ReadFull(dir.to, got); err != nil {
					t.Fatalf("%s: read: %v", dir.name, err)
				}
				if err := <-errc; err != nil {
					t.Fatalf("%s: write: %v", dir.name, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s: bytes differ from those sent", dir.name)
				}
			}
		})
	}
}

// TestWANDelaysBothWays checks lower bounds only: nothing is delivered
// before half the RTT has passed, in either direction.
func TestWANDelaysBothWays(t *testing.T) {
	t.Parallel()
	shaped, peer := pair(t, netsim.WAN)
	oneWay := netsim.WAN.RTT / 2
	buf := make([]byte, 16)

	start := time.Now()
	if _, err := shaped.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(peer, buf[:4]); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < oneWay {
		t.Errorf("write from the shaped side arrived after %v, want at least %v", got, oneWay)
	}

	start = time.Now()
	if _, err := peer.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(shaped, buf[:4]); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < oneWay {
		t.Errorf("write to the shaped side became readable after %v, want at least %v", got, oneWay)
	}
}

// TestBandwidthPaces checks that bytes take at least size/bandwidth to
// cross the link.
func TestBandwidthPaces(t *testing.T) {
	t.Parallel()
	p := netsim.Profile{Name: "slow", BitsPerSecond: 8 << 20} // 1 MiB/s
	shaped, peer := pair(t, p)
	const size = 300 << 10
	start := time.Now()
	go func() { _, _ = shaped.Write(make([]byte, size)) }()
	if _, err := io.ReadFull(peer, make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	want := time.Duration(size) * time.Second / (1 << 20)
	if got := time.Since(start); got < want {
		t.Errorf("%d bytes at 1 MiB/s took %v, want at least %v", size, got, want)
	}
}

func TestReadDeadline(t *testing.T) {
	t.Parallel()
	shaped, peer := pair(t, netsim.LAN)
	if err := shaped.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := shaped.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline: %v, want a timeout", err)
	}
	// A deadline moved into the past wakes a blocked Read, as net/http
	// does to stop its background read.
	if err := shaped.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { _, err := shaped.Read(make([]byte, 1)); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	_ = shaped.SetReadDeadline(time.Unix(1, 0))
	if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read woken by a past deadline: %v, want a timeout", err)
	}
	// The conn still works afterwards.
	_ = shaped.SetReadDeadline(time.Time{})
	if _, err := peer.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := io.ReadFull(shaped, b); err != nil || b[0] != 'x' {
		t.Fatalf("read %q, %v; want x", b, err)
	}
}

// TestCloseDeliversQueued checks that bytes written just before Close
// still reach the peer, followed by EOF, and that reads after Close fail.
func TestCloseDeliversQueued(t *testing.T) {
	t.Parallel()
	shaped, peer := pair(t, netsim.WAN)
	if _, err := shaped.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := shaped.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(peer)
	if err != nil || string(got) != "last words" {
		t.Fatalf("peer read %q, %v; want \"last words\" then EOF", got, err)
	}
	if _, err := shaped.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %v, want net.ErrClosed", err)
	}
	if _, err := shaped.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v, want net.ErrClosed", err)
	}
}

func TestPeerCloseIsEOF(t *testing.T) {
	t.Parallel()
	shaped, peer := pair(t, netsim.LAN)
	if _, err := peer.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	peer.Close()
	got, err := io.ReadAll(shaped)
	if err != nil || string(got) != "bye" {
		t.Fatalf("shaped side read %q, %v; want bye then EOF", got, err)
	}
}

func TestDialContextShapes(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() { c, _ := l.Accept(); accepted <- c }()
	c, err := netsim.WAN.DialContext(nil)(t.Context(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	peer := <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	defer peer.Close()
	start := time.Now()
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(peer, make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	if got, want := time.Since(start), netsim.WAN.RTT/2; got < want {
		t.Errorf("dialed conn delivered after %v, want at least %v", got, want)
	}
}

// TestConcurrentConnsOverlap checks that the shaped conns of one listener
// wait side by side, not one after another: n clients each make one round
// trip at the same time, and together they must take far less than n round
// trips (a generous upper bound relative to n×RTT, not a timing target: a
// link that serialised its conns would take n×RTT or more).
func TestConcurrentConnsOverlap(t *testing.T) {
	t.Parallel()
	const n = 16
	p := netsim.Profile{Name: "far", RTT: 100 * time.Millisecond, BitsPerSecond: netsim.WAN.BitsPerSecond}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sl := p.Listener(l)
	served := make(chan error, n)
	go func() {
		for range n {
			c, err := sl.Accept()
			if err != nil {
				served <- err
				return
			}
			go func() { // echo one message
				defer c.Close()
				buf := make([]byte, 4)
				_, err := io.ReadFull(c, buf)
				if err == nil {
					_, err = c.Write(buf)
				}
				served <- err
			}()
		}
	}()
	defer sl.Close()

	peers := make([]net.Conn, n)
	for i := range peers {
		if peers[i], err = net.Dial("tcp", l.Addr().String()); err != nil {
			t.Fatal(err)
		}
		defer peers[i].Close()
	}
	errs := make(chan error, n)
	start := time.Now()
	for _, c := range peers {
		go func() {
			buf := []byte("ping")
			_, err := c.Write(buf)
			if err == nil {
				_, err = io.ReadFull(c, buf)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got := time.Since(start)
	for range n {
		if err := <-served; err != nil {
			t.Fatal(err)
		}
	}
	if limit := n * p.RTT / 4; got >= limit {
		t.Errorf("%d concurrent round trips took %v, want under %v (%d RTTs of %v would mean the conns wait one after another)", n, got, limit, n, p.RTT)
	}
	if got < p.RTT {
		t.Errorf("%d concurrent round trips took %v, want at least one RTT (%v)", n, got, p.RTT)
	}
}
