package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"restvsgrpc/internal/balance"
	"restvsgrpc/internal/netns"
	"restvsgrpc/internal/report"
)

// TestSmallFleet runs every section at a small scale with the real
// binaries, and reads what they wrote as the report does. HAProxy and the
// namespaces are used where the machine has them (the sections skip with
// a line otherwise, and so do these checks); nothing here times anything.
func TestSmallFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	dir := t.TempDir()
	for _, b := range []string{"server", "loadgen"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, b), "restvsgrpc/cmd/"+b).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", b, err, out)
		}
	}
	out := filepath.Join(dir, "raw")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"-server", filepath.Join(dir, "server"), "-loadgen", filepath.Join(dir, "loadgen"), "-out", out,
		"-duration", "1s", "-warmup", "100ms", "-c", "8", "-scale-c", "1,8", "-scale-variants", "rest,grpc", "-feed-interval", "100ms", "-install=false"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("fleet: %v\n%s", err, stderr.String())
	}
	t.Log(stderr.String())

	_, haproxyErr := balance.Lookup()
	haveHAProxy := haproxyErr == nil
	haveNetns := netns.Available() == nil
	var files []string
	for _, sec := range []string{"balance", "failover", "scale", "netpath"} {
		f := filepath.Join(out, sec+".txt")
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	d, err := report.ReadFiles(files...)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{} // bench lines by section
	for _, s := range d.Series {
		sec := s.Config["section"]
		count[sec]++
		switch {
		case sec == "scale" && s.Key("idle") != "":
			// Every normal call succeeded with the idle connections held.
			if s.Values["calls-ok"][0] != 200 || s.Values["failed-calls"][0] != 0 || s.Values["idle-opened"][0] != 8 || s.Values["server-fds"][0] < 8 {
				t.Errorf("%s: %v calls ok, %v failed, %v idle opened, %v server files; want 200, 0, 8 and at least 8",
					s.Name, s.Values["calls-ok"], s.Values["failed-calls"], s.Values["idle-opened"], s.Values["server-fds"])
			}
		case sec == "scale":
			for _, u := range []string{"client-fds", "server-fds", "server-rss-B", "server-goroutines/caller", "p999-ns", "server-cpu-ns/op", "server-busy"} {
				if !s.Has(u) {
					t.Errorf("%s: no %s", s.Name, u)
				}
			}
			// A socket per HTTP/1.1 caller on both sides.
			if s.Key("variant") == "rest" && s.Key("conc") == "8" && (s.Values["client-fds"][0] < 8 || s.Values["server-fds"][0] < 8) {
				t.Errorf("%s: %v client and %v server files for 8 HTTP/1.1 callers", s.Name, s.Values["client-fds"], s.Values["server-fds"])
			}
		case sec == "balance" && s.Key("backend") != "" && !s.Has("server-busy"):
			t.Errorf("%s: no server-busy", s.Name)
		case sec == "balance" && s.Key("backend") == "" && (!s.Has("backends-busy") || !s.Has("client-busy") || strings.HasPrefix(s.Key("lb"), "haproxy") != s.Has("proxy-busy")):
			t.Errorf("%s: busy shares %v, want the driver's, the backends' and the proxy's exactly when there is one", s.Name, s.Values)
		case sec == "failover" && !s.Has("failed-calls"):
			t.Errorf("%s: no failed-calls", s.Name)
		case sec == "netpath" && !s.Has("segs/op"):
			t.Errorf("%s: no segs/op", s.Name)
		}
	}
	// 2 calls × 2 variants × 2 points, and the idle check on 2 ports.
	if count["scale"] != 10 {
		t.Errorf("scale: %d lines, want 10", count["scale"])
	}
	// Without HAProxy only lb=none and client-rr run: 4 runs, 3 backend lines each.
	wantBalance := 4 * (1 + fleetSize)
	if haveHAProxy {
		wantBalance = len(balanceCases) * (1 + fleetSize)
	}
	if count["balance"] != wantBalance {
		t.Errorf("balance: %d lines, want %d", count["balance"], wantBalance)
	}
	if haveNetns && count["netpath"] == 0 {
		t.Error("netpath: namespaces available but no lines")
	}

	r, err := report.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	md := string(r.Markdown)
	for _, want := range []string{"## Behind a balancer\n\n3 backends", "### unary GetTransaction", "### ListTransactions feeds", "a record every 100ms", "| REST (HTTP/1.1 and h2c) | 8 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
