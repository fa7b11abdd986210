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

func build(t *testing.T, raw string) *report.Report {
	t.Helper()
	d, err := report.ReadFiles(filepath.Join("testdata", "raw", raw))
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
		name, raw, golden string
	}{
		{"every section", "fixture.txt", "REPORT.golden.md"},
		{"codec only: the other sections say they have no data", "sparse.txt", "REPORT.sparse.golden.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := build(t, tt.raw)
			golden := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(golden, r.Markdown, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(r.Markdown)); diff != "" {
				t.Errorf("REPORT.md differs from %s (-want +got); run go test -update if the change is intended:\n%s", golden, diff)
			}
		})
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
