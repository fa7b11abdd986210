package report_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"restvsgrpc/internal/report"
)

// TestFleetStaysInItsSections: cmd/fleet's rows (one backend per run,
// single windows) must not change the single-server verdicts.
func TestFleetStaysInItsSections(t *testing.T) {
	t.Parallel()
	alone, with := build(t, "fixture.txt"), build(t, "fixture.txt", "fleet.txt")
	for _, sec := range []string{"## Protocol", "## Data format", "## Speed", "## Decomposition", "## Latency against throughput", "## Streaming"} {
		if a, w := section(alone.Markdown, sec), section(with.Markdown, sec); a != w {
			t.Errorf("%s differs with the fleet's files:\n%s\n---- with:\n%s", sec, a, w)
		}
	}
}

// section returns the markdown from the heading that starts with h to
// the next heading of its level.
func section(md []byte, h string) string {
	s := string(md)
	i := strings.Index(s, "\n"+h)
	if i < 0 {
		return ""
	}
	s = s[i+1:]
	if j := strings.Index(s[len(h):], "\n## "); j >= 0 {
		return s[:len(h)+j]
	}
	return s
}

// TestFleetFigures: the fleet's sections draw their figures, each an SVG
// that REPORT.md references.
func TestFleetFigures(t *testing.T) {
	t.Parallel()
	r := build(t, "fleet.txt")
	got := map[string]bool{}
	for _, p := range r.Plots {
		got[p.File] = true
		var root struct{ XMLName xml.Name }
		if err := xml.NewDecoder(bytes.NewReader(p.SVG)).Decode(&root); err != nil || root.XMLName.Local != "svg" {
			t.Errorf("%s: not an SVG (%v)", p.File, err)
		}
		if !bytes.Contains(r.Markdown, []byte("]("+p.File+")")) {
			t.Errorf("REPORT.md does not reference %s", p.File)
		}
	}
	for _, f := range []string{"balance-max-share.svg", "scale-sockets.svg", "scale-p99.svg", "scale-rss.svg"} {
		if !got[f] {
			t.Errorf("figure %s missing; got %v", f, got)
		}
	}
}

// TestIdealForReadsBalancers: where an L4 balancer sent every gRPC call
// to one backend and spread REST's, Ideal for says gRPC needs more setup
// there; with gRPC's calls spread too, it says nothing of it.
func TestIdealForReadsBalancers(t *testing.T) {
	t.Parallel()
	r := build(t, "fixture.txt", "fleet.txt")
	const said = "one grpc connection sent 100% of the calls to one backend"
	if !strings.Contains(r.Table, said) {
		t.Errorf("headline does not name the pinned gRPC calls:\n%s", r.Table)
	}
	if !strings.Contains(string(r.Markdown), "there gRPC needs more setup than REST") {
		t.Error("Ideal for section does not say gRPC needs more setup behind the balancer")
	}

	// The same files with gRPC's calls spread evenly behind L4.
	raw, err := os.ReadFile(filepath.Join("testdata", "raw", "fleet.txt"))
	if err != nil {
		t.Fatal(err)
	}
	spread := regexp.MustCompile(`(?m)^(BenchmarkLoad/rpc=GetTransaction/variant=grpc/[^\t]*/lb=haproxy-l4/conns=default/backend=b\d-1\t\d+\t)[0-9.e+-]+ share$`)
	if !spread.Match(raw) {
		t.Fatal("fixture has no grpc haproxy-l4 backend lines to rewrite")
	}
	evened := spread.ReplaceAll(raw, []byte("${1}0.333 share"))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fleet.txt"), evened, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := report.ReadFiles(filepath.Join("testdata", "raw", "fixture.txt"), filepath.Join(dir, "fleet.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := report.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r2.Table, "sent 100% of the calls") || strings.Contains(string(r2.Markdown), "there gRPC needs more setup") {
		t.Error("with gRPC's calls spread, Ideal for still says they were pinned")
	}
}

// TestBalancerBound: each balanced run names the part that ran out of CPU
// first, from the busy shares cmd/fleet records, and runs recorded before
// it kept them say so.
func TestBalancerBound(t *testing.T) {
	t.Parallel()
	sec := section(build(t, "balancebusy.txt").Markdown, "## Behind a balancer")
	for _, want := range []string{
		// One backend called directly ran out of its CPU.
		"| none (one backend, called directly) | rest | one per caller | 1.00 | 0.00 | 0.00 | 18k/s | — | 9 ms | — | — | server-bound (backends 0.99/0.00/0.00, together 0.99, driver 0.41) |",
		// The balancer's one thread ran out while the backends had room.
		"| rest | one per caller | 0.33 | 0.33 | 0.33 | 9k/s | 0.5× | 9 ms | 1.00× | 27 µs | balancer-bound (balancer 0.97, backends 0.21/0.20/0.20, together 0.61, driver 0.30) |",
		// Nothing ran out: the pinned connection left two backends idle.
		"neither (balancer 0.12, backends 0.00/0.48/0.00, together 0.48, driver 0.35) |",
		// The driver balancing on its own ran out first.
		"client-bound (backends 0.23/0.24/0.23, together 0.70, driver 0.93) |",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("balancer section lacks %q:\n%s", want, sec)
		}
	}
	old := section(build(t, "fleet.txt").Markdown, "## Behind a balancer")
	if n := strings.Count(old, "| not recorded |"); n == 0 || strings.Contains(old, "-bound (") {
		t.Errorf("results without busy shares: %d rows say not recorded, want all:\n%s", n, old)
	}
}
