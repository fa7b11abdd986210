package report_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/report"
)

const small = `commit: abc
cpu: Test CPU
BenchmarkLoad/rpc=GetTransaction/variant=grpc/payload=1MiB/conc=64/mode=closed-1	100	5000 req/s	100 client-cpu-ns/op	300 server-cpu-ns/op
BenchmarkLoad/rpc=GetTransaction/variant=grpc/payload=100B/conc=1/mode=closed-1	100	6000 req/s	100 client-cpu-ns/op	200 server-cpu-ns/op
commit: def
BenchmarkUnary/rpc=GetTransaction/variant=rest/payload=64KiB/conc=16-1	100	2000 ns/op
BenchmarkUnary/rpc=GetTransaction/variant=rest/payload=64KiB/conc=16-1	100	4000 ns/op
BenchmarkLoad/rpc=ListTransactions/variant=rest-h2c/payload=1KiB/conc=1/mode=closed/stream=sse-1	10	900 msgs/s
`

func TestRead(t *testing.T) {
	t.Parallel()
	d, err := report.Read(strings.NewReader(small), "small.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"lines", d.Lines, 5},
		{"series", len(d.Series), 4},
		{"sse is a variant", d.Series[3].Keys, map[string]string{"rpc": "ListTransactions", "variant": "rest-h2c-sse", "payload": "1KiB", "conc": "1", "mode": "closed"}},
		{"provenance", d.Provenance["commit"], []string{"abc", "def"}},
		{"cpu summed", d.Series[0].Values["cpu-ns/op"], []float64{400}},
		{"req/s kept", d.Series[0].Values["req/s"], []float64{5000}},
		{"req/s from ns/op", d.Series[2].Values["req/s"], []float64{5e5, 2.5e5}},
		{"keys", d.Series[2].Keys, map[string]string{"rpc": "GetTransaction", "variant": "rest", "payload": "64KiB", "conc": "16"}},
		{"payloads by size", report.Values(d.Series, "payload"), []string{"100B", "1KiB", "64KiB", "1MiB"}},
		{"conc numerically", report.Values(d.Series, "conc"), []string{"1", "16", "64"}},
		{"select", len(d.Select("Load", report.Filter{"conc": "1"})), 2},
		{"select absent key", len(d.Select("Load", report.Filter{"rate": ""})), 3},
		{"select present key", len(d.Select("Load", report.Filter{"rate": "*"})), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadSyntaxError(t *testing.T) {
	t.Parallel()
	if _, err := report.Read(strings.NewReader("BenchmarkX-1\t100\tnotanumber ns/op\n"), "bad.txt"); err == nil {
		t.Error("Read of a malformed line: got no error, want one")
	}
}

// Samples pair by their slice when every one has a slice, whatever order
// the lines came in; without slices, by position.
func TestPairs(t *testing.T) {
	t.Parallel()
	const raw = `slice: a
BenchmarkLoad/variant=rest/payload=1KiB-1	1	100 req/s
BenchmarkLoad/variant=grpc/payload=1KiB-1	1	150 req/s
slice: b
BenchmarkLoad/variant=grpc/payload=1KiB-1	1	300 req/s
slice: c
BenchmarkLoad/variant=rest/payload=1KiB-1	1	50 req/s
slice: b
BenchmarkLoad/variant=rest/payload=1KiB-1	1	200 req/s
`
	d, err := report.Read(strings.NewReader(raw), "pairs.txt")
	if err != nil {
		t.Fatal(err)
	}
	rest, grpc := d.Series[0], d.Series[1]
	x, y := report.Pairs(grpc, rest, "req/s")
	if diff := cmp.Diff([][]float64{{150, 300}, {100, 200}}, [][]float64{x, y}); diff != "" {
		t.Errorf("Pairs by slice (-want +got):\n%s", diff)
	}
	if _, ok := d.Provenance["slice"]; ok {
		t.Error("slice lines are listed as provenance")
	}
}
