package report_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func buildFixture(t *testing.T) *report.Report {
	t.Helper()
	return build(t, "fixture.txt")
}

func build(t *testing.T, raws ...string) *report.Report {
	t.Helper()
	var paths []string
	for _, raw := range raws {
		paths = append(paths, filepath.Join("testdata", "raw", raw))
	}
	d, err := report.ReadFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(d, report.WithP99Bound(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGoldenReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		raws   []string
		golden string
	}{
		{"every section, the Codecs and Middle ways windows too", []string{"fixture.txt", "codecs.txt", "middle.txt"}, "REPORT.golden.md"},
		{"codec only: the other sections say they have no data", []string{"sparse.txt"}, "REPORT.sparse.golden.md"},
		{"cmd/fleet's files only: balancers, failover, the sweep, the network path", []string{"fleet.txt"}, "REPORT.fleet.golden.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, tt.golden, build(t, tt.raws...).Markdown)
		})
	}
}

// checkGolden compares md with testdata/name, which go test -update rewrites.
func checkGolden(t *testing.T, name string, md []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, md, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(md)); diff != "" {
		t.Errorf("REPORT.md differs from %s (-want +got); run go test -update if the change is intended:\n%s", golden, diff)
	}
}

func TestPlotsAreSVGAndReferenced(t *testing.T) {
	t.Parallel()
	r := buildFixture(t)
	wantFiles := []string{"bytes-by-payload.svg", "streaming-by-kind.svg", "latency-throughput-1.svg", "latency-percentiles-1.svg"}
	got := map[string]bool{}
	for _, p := range r.Plots {
		got[p.File] = true
		dec := xml.NewDecoder(bytes.NewReader(p.SVG))
		var root struct{ XMLName xml.Name }
		if err := dec.Decode(&root); err != nil {
			t.Errorf("%s: not XML: %v", p.File, err)
		} else if root.XMLName.Local != "svg" {
			t.Errorf("%s: root element %q, want svg", p.File, root.XMLName.Local)
		}
		if !strings.Contains(string(r.Markdown), "]("+p.File+")") {
			t.Errorf("REPORT.md does not reference %s", p.File)
		}
	}
	for _, f := range wantFiles {
		if !got[f] {
			t.Errorf("plot %s missing; got %v", f, got)
		}
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	r := buildFixture(t)
	dir := t.TempDir()
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range append([]string{"REPORT.md"}, "bytes-by-payload.svg") {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestEmptyInput(t *testing.T) {
	t.Parallel()
	d, err := report.Read(strings.NewReader("commit: abc\n"), "empty.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.Build(d); err == nil {
		t.Error("Build of a file without results: got no error, want one")
	}
}

// The headline fits on a screen and reads as words: every measured cell and
// verdict within its limit, no name keys, six rows.
func TestHeadlineReadable(t *testing.T) {
	t.Parallel()
	for _, raws := range [][]string{{"fixture.txt"}, {"fixture.txt", "codecs.txt"}, {"sparse.txt"}, {"bound.txt"}, {"bound.txt", "codecs.txt"}, {"fleet.txt"}} {
		raw := strings.Join(raws, "+")
		r := build(t, raws...)
		for _, p := range report.HeadlineProblems(r.Table) {
			t.Errorf("%s: %s", raw, p)
		}
		if n := strings.Count(r.Table, "\n") - 2; n != len(report.Rows) {
			t.Errorf("%s: table has %d rows, want %d", raw, n, len(report.Rows))
		}
	}
}

// The check itself catches what it is for.
func TestHeadlineProblems(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", report.MaxVerdict+1)
	table := "| Row | Claim | Measured | Verdict |\n|---|---|---|---|\n" +
		"| Speed | c | at payload=64KiB | **holds** |\n| Streaming | c | fine | **" + long + "** |\n"
	got := report.HeadlineProblems(table)
	if len(got) != 2 || !strings.Contains(got[0], `"payload=6"`) || !strings.Contains(got[1], "verdict of 201") {
		t.Errorf("HeadlineProblems = %q, want the key and the long verdict", got)
	}
}

// Throughput verdicts never rest on a row the driver (or latency) bounded:
// in bound.txt, rest at 100 B and 64 callers ran out of client CPU with
// 30% fewer calls per second than grpc, yet costs its server less CPU per
// call; the verdict must read the latter.
func TestThroughputVerdictsUseServerBoundRows(t *testing.T) {
	t.Parallel()
	r := build(t, "bound.txt")
	for _, row := range []string{"Speed", "Ideal for"} {
		v := r.Verdicts[row]
		all := append(append(append(append(v.Wins, v.Losses...), v.Sames...), v.Uncertains...), v.Unclears...)
		if len(all) == 0 {
			t.Fatalf("%s: no comparisons", row)
		}
		for _, c := range all {
			if c.Unit == "req/s" && (c.GRPCBound != report.ServerBound || c.RESTBound != report.ServerBound) {
				t.Errorf("%s: compares calls per second at %v, where gRPC was %s and REST %s", row, c.Cond, c.GRPCBound, c.RESTBound)
			}
			if c.Cond["payload"] == "100B" && c.Cond["conc"] == "64" && (c.Unit != "server-cpu-ns/op" || c.Outcome != report.Loss) {
				t.Errorf("%s: at 100B c=64 compared %s with outcome %v, want server CPU per call and a loss", row, c.Unit, c.Outcome)
			}
		}
	}
	if s := r.Verdicts["Speed"].String(); !strings.HasPrefix(s, "Holds for 64 KiB records") {
		t.Errorf("Speed verdict %q, want it to hold for 64 KiB records only", s)
	}
	for _, want := range []string{"client-bound (client 0.97, server 0.60)", "server-bound (client 0.70, server 0.95)"} {
		if !strings.Contains(string(r.Markdown), want) {
			t.Errorf("REPORT.md lacks the bound class %q", want)
		}
	}
}

// With the Codecs windows, the Data format and Speed verdicts each end with
// one sentence on the library's share of the gap, from those windows: the
// cheapest JSON library against grpc-go at the largest records. Without
// them nothing is added, and the Codecs section is absent.
func TestCodecSentences(t *testing.T) {
	t.Parallel()
	without, with := build(t, "fixture.txt"), build(t, "fixture.txt", "codecs.txt")
	for _, tt := range []struct{ row, want string }{
		// codecs.txt: sonic's server 360 µs against grpc 440 µs and
		// encoding/json 540 µs; its client 900 µs against 380 µs and 1.7 ms,
		// each times the slice's drift (1 to 1.3).
		{"Speed", "With sonic"},
		{"Data format", "With sonic"},
	} {
		got := with.Verdicts[tt.row].String()
		if !strings.Contains(got, tt.want) || !strings.Contains(got, "of CPU per 64 KiB call") {
			t.Errorf("%s with the Codecs windows: %q, want the library sentence %q…", tt.row, got, tt.want)
		}
		if got := without.Verdicts[tt.row].String(); strings.Contains(got, "grpc-go's") {
			t.Errorf("%s without the Codecs windows: %q, want no library sentence", tt.row, got)
		}
		if with.Verdicts[tt.row].Key() != without.Verdicts[tt.row].Key() {
			t.Errorf("%s: the Codecs windows changed the verdict %q to %q; they may only add a sentence", tt.row, without.Verdicts[tt.row].Key(), with.Verdicts[tt.row].Key())
		}
	}
	if !strings.Contains(string(with.Markdown), "## Codecs") || strings.Contains(string(without.Markdown), "## Codecs") {
		t.Error("the Codecs section should appear with its windows only")
	}
}
