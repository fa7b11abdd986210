package netns_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"restvsgrpc/internal/netns"
)

// echoBytes is what the client helper sends and reads back.
const echoBytes = 200_000

// TestMain doubles as the helpers run inside a namespace: an echo server
// and a client of it.
func TestMain(m *testing.M) {
	switch os.Getenv("NETNS_HELPER") {
	case "serve":
		os.Exit(serve(os.Getenv("NETNS_ADDR")))
	case "dial":
		os.Exit(dial(os.Getenv("NETNS_ADDR")))
	}
	os.Exit(m.Run())
}

func serve(addr string) int {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, err := l.Accept()
	if err != nil {
		return 1
	}
	io.Copy(c, c)
	c.Close()
	return 0
}

func dial(addr string) int {
	var c net.Conn
	var err error
	for range 100 { // the server may not listen yet
		if c, err = net.Dial("tcp", addr); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() {
		c.Write(bytes.Repeat([]byte("x"), echoBytes))
		c.(*net.TCPConn).CloseWrite()
	}()
	n, err := io.Copy(io.Discard, c)
	if err != nil || n != echoBytes {
		fmt.Fprintln(os.Stderr, "echo:", n, err)
		return 1
	}
	return 0
}

// echo runs the echo server in p's server namespace and the client in its
// client namespace, and returns the segments the path counted.
func echo(t *testing.T, p *netns.Path) netns.Counters {
	t.Helper()
	before, err := p.Counters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	echoBetween(t, p.Server, p.Client, p.ServerIP)
	after, err := p.Counters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return after.Sub(before)
}

// echoBetween runs the echo server in namespace srvNS, listening on ip,
// and its client in cliNS.
func echoBetween(t *testing.T, srvNS, cliNS, ip string) {
	t.Helper()
	ctx := t.Context()
	addr := net.JoinHostPort(ip, "7007")
	helper := func(ns, role string) *exec.Cmd {
		argv := append(netns.Exec(ns), os.Args[0], "-test.run=^$")
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "NETNS_HELPER="+role, "NETNS_ADDR="+addr)
		return cmd
	}
	srv := helper(srvNS, "serve")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Wait()
	if out, err := helper(cliNS, "dial").CombinedOutput(); err != nil {
		srv.Process.Kill()
		t.Fatalf("client in %s of %s: %v: %s", cliNS, addr, err, out)
	}
}

// TestLAN echoes between two hosts of a LAN and from its hub to each
// host, each listening on its own address only; then the namespaces are
// gone.
func TestLAN(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skip(err)
	}
	l, err := netns.NewLAN(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	echoBetween(t, l.Hosts[0], l.Hosts[1], l.IPs[0])
	echoBetween(t, l.Hosts[1], l.Hub, l.IPs[1])
	echoBetween(t, l.Hub, l.Hosts[0], l.HubIP)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range append([]string{l.Hub}, l.Hosts...) {
		if strings.Contains(string(out), n) {
			t.Errorf("namespace %s still there after Close: %s", n, out)
		}
	}
}

// TestPaths echoes the same bytes over a veth pair and over a namespace's
// loopback: at MTU 1500 TCP sends them as many segments (at most 1448 bytes
// of payload each), over loopback as a few. Then the namespaces are gone.
func TestPaths(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skip(err)
	}
	ctx := t.Context()
	veth, err := netns.Veth(ctx, 1500, "")
	if err != nil {
		t.Fatal(err)
	}
	defer veth.Close()
	v := echo(t, veth)
	if min := int64(2 * echoBytes / 1448); v.Segs < min || v.LinkPackets == 0 || v.LinkBytes < 2*echoBytes {
		t.Errorf("veth: %+v; want at least %d segments and %d bytes on the link", v, min, 2*echoBytes)
	}
	lo, err := netns.Loopback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lo.Close()
	l := echo(t, lo)
	if l.Segs == 0 || l.Segs >= v.Segs {
		t.Errorf("loopback %d segments, veth %d: want fewer over loopback", l.Segs, v.Segs)
	}

	if err := errors.Join(veth.Close(), lo.Close()); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{veth.Client, veth.Server, lo.Client} {
		if strings.Contains(string(out), n) {
			t.Errorf("namespace %s still there after Close: %s", n, out)
		}
	}
}
