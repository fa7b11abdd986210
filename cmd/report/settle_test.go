package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"restvsgrpc/internal/report"
)

// uncertainRaw is a raw load file of two conditions: gRPC is clearly ahead
// at 64 callers and a few percent ahead at one caller, whose interval
// spans the 1.05× threshold, so that the Speed verdict is uncertain.
func uncertainRaw(pairs int) string {
	var b strings.Builder
	b.WriteString("goos: linux\n")
	for rep := range pairs {
		for _, c := range []struct {
			conc  int
			ratio float64
		}{{1, 1.0 + 0.02*float64(rep)}, {64, 1.5}} {
			for _, v := range []string{"rest", "grpc"} {
				rate := 1000.0
				if v == "grpc" {
					rate *= c.ratio
				}
				fmt.Fprintf(&b, "slice: GetTransaction-64KiB-c%d-closed-w0s-%d\n", c.conc, rep)
				fmt.Fprintf(&b, "BenchmarkLoad/rpc=GetTransaction/variant=%s/payload=64KiB/conc=%d/mode=closed/check=bytes/work=0s-1\t1000\t%.0f req/s\t0.5 client-busy\t0.99 server-busy\t1000 server-cpu-ns/op\n", v, c.conc, rate)
			}
		}
	}
	return b.String()
}

func buildRaw(t *testing.T, text string) *report.Report {
	t.Helper()
	d, err := report.Read(strings.NewReader(text), "load.txt")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// Only the condition whose interval spans a threshold, and that leaves
// the verdict uncertain, is measured again: its two variants, in new
// slices after the planned ones.
func TestSettlePlan(t *testing.T) {
	t.Parallel()
	p := &profile{
		variants: []string{"rest", "grpc"}, works: []time.Duration{0},
		unary:   []loadCase{{"GetTransaction", "64KiB", 1}, {"GetTransaction", "64KiB", 64}},
		windows: 9, settlePairs: 3, settleMax: 2,
	}
	rep := buildRaw(t, uncertainRaw(9))
	if !rep.Verdicts["Speed"].Uncertain {
		t.Fatalf("the test's data should leave Speed uncertain: %s", rep.Verdicts["Speed"])
	}
	ws, conds := p.settlePlan(rep)
	var got []string
	for _, w := range ws {
		got = append(got, w.variant+" "+w.slice())
	}
	want := []string{
		"rest GetTransaction-64KiB-c1-closed-w0s-9", "grpc GetTransaction-64KiB-c1-closed-w0s-9",
		"grpc GetTransaction-64KiB-c1-closed-w0s-10", "rest GetTransaction-64KiB-c1-closed-w0s-10",
		"rest GetTransaction-64KiB-c1-closed-w0s-11", "grpc GetTransaction-64KiB-c1-closed-w0s-11",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("settle windows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(conds) != 1 || !strings.Contains(conds[0], "one caller") {
		t.Errorf("conditions named %q, want the one-caller condition", conds)
	}

	// A condition the plan did not measure is not measured again.
	p.unary = p.unary[1:]
	if ws, _ := p.settlePlan(rep); len(ws) != 0 {
		t.Errorf("%d windows planned for a condition outside the plan", len(ws))
	}
	// Nor one of a verdict that is decided.
	p.unary = []loadCase{{"GetTransaction", "64KiB", 64}}
	decided := buildRaw(t, strings.ReplaceAll(uncertainRaw(9), "conc=1/", "conc=64/"))
	if ws, _ := p.settlePlan(decided); len(ws) != 0 || decided.Verdicts["Speed"].Uncertain {
		t.Errorf("%d windows planned for a decided verdict (%s)", len(ws), decided.Verdicts["Speed"])
	}
}

// settle runs its windows into raw/settle.txt, and the rules say how many
// conditions were measured again.
func TestSettle(t *testing.T) {
	t.Setenv("REPORT_FAKE_SERVER", "1")
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(raw, "load.txt"), []byte(uncertainRaw(9)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &profile{
		variants: []string{"rest", "grpc"}, works: []time.Duration{0},
		unary:   []loadCase{{"GetTransaction", "64KiB", 1}, {"GetTransaction", "64KiB", 64}},
		windows: 9, settlePairs: 2, settleMax: 2, duration: time.Second,
	}
	r := fakeRunner(p, dir)
	if err := r.settle(context.Background(), raw, dir); err != nil {
		t.Fatal(err)
	}
	got := rawLines(t, filepath.Join(raw, settleFile), "slice:", "settled:")
	want := []string{"settled:", "slice: GetTransaction-64KiB-c1-closed-w0s-9", "slice: GetTransaction-64KiB-c1-closed-w0s-9",
		"slice: GetTransaction-64KiB-c1-closed-w0s-10", "slice: GetTransaction-64KiB-c1-closed-w0s-10"}
	for i := range got {
		if i < len(want) && !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d of settle.txt: %q, want %q…", i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		t.Errorf("settle.txt has %d slice and settled lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	d, err := report.ReadFiles(filepath.Join(raw, "load.txt"), filepath.Join(raw, settleFile))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	if md := string(rep.Markdown); !strings.Contains(md, "was measured again, with as many pairs more") {
		t.Errorf("the rules do not say that conditions were measured again")
	}
}
