package report_test

import (
	"fmt"
	"strings"
	"testing"

	"restvsgrpc/internal/report"
)

// The Speed row's Measured cell spans gRPC's gains, not raw ratios: at a
// condition compared on server CPU per call, gRPC spending twice REST's CPU
// is a gain of 0.5×, not a ratio of 2× that reads as "gRPC twice as fast".
func TestMeasuredCellsAreGains(t *testing.T) {
	var b strings.Builder
	b.WriteString("goos: linux\n")
	for rep := range 9 {
		for _, v := range []string{"rest", "grpc"} {
			rate, cpu, client := 1000.0, 1000.0, 0.5
			if v == "grpc" {
				rate *= 1.5 + 0.001*float64(rep)
			}
			// One caller: neither side saturated, compared on server CPU.
			fmt.Fprintf(&b, "slice: GetTransaction-100B-c1-closed-w0s-%d\n", rep)
			c1cpu := cpu
			if v == "grpc" {
				c1cpu = 2000 + float64(rep)
			}
			fmt.Fprintf(&b, "BenchmarkLoad/rpc=GetTransaction/variant=%s/payload=100B/conc=1/mode=closed/check=bytes/work=0s-1\t1000\t1000 req/s\t0.3 client-busy\t0.5 server-busy\t%.0f server-cpu-ns/op\n", v, c1cpu)
			// 64 callers: both servers saturated, compared on calls per second.
			fmt.Fprintf(&b, "slice: GetTransaction-100B-c64-closed-w0s-%d\n", rep)
			fmt.Fprintf(&b, "BenchmarkLoad/rpc=GetTransaction/variant=%s/payload=100B/conc=64/mode=closed/check=bytes/work=0s-1\t1000\t%.0f req/s\t%g client-busy\t0.99 server-busy\t%.0f server-cpu-ns/op\n", v, rate, client, cpu)
		}
	}
	d, err := report.Read(strings.NewReader(b.String()), "load.txt")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	var speed string
	for _, l := range strings.Split(rep.Table, "\n") {
		if strings.HasPrefix(l, "| Speed |") {
			speed = l
		}
	}
	if !strings.Contains(speed, "gain over REST at 2 conditions: 0.5–1.5×") {
		t.Errorf("Speed row's Measured cell does not span the gains 0.5–1.5×:\n%s", speed)
	}
}
