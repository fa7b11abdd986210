package report_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"restvsgrpc/internal/report"
)

// writeRun writes a load-driver JSON file for variant at the fixture's
// open-loop rate 20000/s, with n response times of 100 µs to 100+n µs.
func writeRun(t *testing.T, dir, variant string, n int) string {
	t.Helper()
	h := hdr.New(1, 10_000_000_000, 3)
	for i := range n {
		if err := h.RecordValue(int64(100_000 + 1000*i)); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, variant+".json")
	js := fmt.Sprintf(`{"variant":%q,"rpc":"GetTransaction","payload":"100B","workers":64,"mode":"open","target_rate":20000,"response":{"hdr":%q}}`,
		variant, base64.StdEncoding.EncodeToString(enc))
	if err := os.WriteFile(path, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHistograms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rest := writeRun(t, dir, "rest", 500)
	grpc := writeRun(t, dir, "grpc", 300)
	hs, err := report.ReadHistograms(rest, rest, grpc)
	if err != nil {
		t.Fatal(err)
	}
	var counts []int64
	for _, h := range hs {
		counts = append(counts, h.TotalCount())
	}
	slices.Sort(counts)
	if !slices.Equal(counts, []int64{300, 1000}) {
		t.Errorf("histogram counts %v, want [300 1000] (two rest windows merged)", counts)
	}

	d, err := report.ReadFiles(filepath.Join("testdata", "raw", "fixture.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(d, report.WithHistograms(hs))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, p := range r.Plots {
		if p.File == "latency-cdf-1.svg" {
			found = true
		}
	}
	if !found || !strings.Contains(string(r.Markdown), "](latency-cdf-1.svg)") {
		t.Error("no latency-cdf-1.svg plot referenced from REPORT.md with the histograms given")
	}
	// Its points are no median with an interval: the caption and the
	// reading say so.
	for _, want := range []string{"(windows merged, no interval)](latency-cdf-1.svg)", "merged into one, so it carries no interval."} {
		if !strings.Contains(string(r.Markdown), want) {
			t.Errorf("REPORT.md does not say of the distribution %q", want)
		}
	}
}

func TestHistogramsBadJSON(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(`{"response":{"hdr":"not base64!"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := report.ReadHistograms(path); err == nil {
		t.Error("ReadHistograms of a corrupt histogram: got no error, want one")
	}
}
