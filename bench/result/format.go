package result

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
)

// BenchName returns the run's name in the Go benchmark format, with its
// dimensions as key=value parts, e.g.
// "BenchmarkLoad/rpc=GetTransaction/variant=grpc/payload=1KiB/conc=64/mode=closed".
// Open-loop runs add rate=N; TLS runs tls=on; REST feeds as server-sent
// events stream=sse; REST runs with the net/http client client=nethttp.
func (r *Result) BenchName() string {
	var b strings.Builder
	b.WriteString("BenchmarkLoad")
	part := func(k, v string) {
		if v != "" {
			b.WriteString("/" + k + "=" + v)
		}
	}
	part("rpc", string(r.RPC))
	part("variant", r.Variant)
	part("payload", r.Payload)
	part("conc", strconv.Itoa(r.Workers))
	part("mode", r.Mode)
	if r.Mode == "open" {
		part("rate", strconv.FormatFloat(r.TargetRate, 'f', -1, 64))
	}
	if r.TLS {
		part("tls", "on")
	}
	if r.SSE {
		part("stream", "sse")
	}
	if r.FeedInterval > 0 {
		part("interval", r.FeedInterval.String())
	}
	if r.Client == "nethttp" {
		part("client", r.Client)
	}
	if r.CheckMode != "" {
		part("check", r.CheckMode)
	}
	part("engine", r.Engine)
	return b.String()
}

// WriteBench writes the result as one line of the Go benchmark format, so
// that benchstat compares runs. The iteration count is the number of
// successful calls; the units are:
//
//	ns/op              mean service time
//	req/s              successful calls per second
//	p50-ns ... max-ns  response time percentiles (p50, p90, p99, p999, max)
//	svc-p50-ns svc-p99-ns  service time percentiles (open loop only)
//	late/op            fraction of calls sent late (open loop only)
//	wire-B/op          bytes on the client's sockets, both ways (when counted)
//	body-B/op          encoded bodies, both ways (when counted)
//	grpc-wire-B/op     grpc stats.Handler wire lengths, both ways (grpc)
//	client-cpu-ns/op   the driver's CPU per call
//	server-cpu-ns/op   the server's CPU per call (with a server pid)
//	client-busy        the driver's CPU over the window / the CPUs it may use
//	server-busy        the server's likewise (Classify turns both into a Bound)
//	steal-cpu          CPUs stolen over the window, on average
//	msgs/s             stream messages per second, both ways (streams)
//	MB/s               body megabytes per second, both ways (streams)
//	first-msg-p50-ns first-msg-p99-ns  time to first message (server streams)
//	errors/op          failed calls per successful call (when any failed)
func (r *Result) WriteBench(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s-%d\t%d", r.BenchName(), runtime.GOMAXPROCS(0), r.Calls)
	metric := func(v float64, unit string) {
		fmt.Fprintf(&b, "\t%s %s", formatValue(v), unit)
	}
	ns := func(d interface{ Nanoseconds() int64 }) float64 { return float64(d.Nanoseconds()) }
	metric(ns(r.Service.Mean()), "ns/op")
	metric(r.Rate, "req/s")
	metric(ns(r.Response.Percentile(50)), "p50-ns")
	metric(ns(r.Response.Percentile(90)), "p90-ns")
	metric(ns(r.Response.Percentile(99)), "p99-ns")
	metric(ns(r.Response.Percentile(99.9)), "p999-ns")
	metric(ns(r.Response.Max()), "max-ns")
	if r.Mode == "open" {
		metric(ns(r.Service.Percentile(50)), "svc-p50-ns")
		metric(ns(r.Service.Percentile(99)), "svc-p99-ns")
		metric(r.perCall(r.Late), "late/op")
	}
	c := r.Counters
	if c != (Counters{}) { // another engine's runs count no bytes
		metric(r.perCall(c.WireIn+c.WireOut), "wire-B/op")
		metric(r.perCall(c.BodyIn+c.BodyOut), "body-B/op")
	}
	if c.GRPCWireIn+c.GRPCWireOut > 0 {
		metric(r.perCall(c.GRPCWireIn+c.GRPCWireOut), "grpc-wire-B/op")
	}
	metric(r.perCall(int64(r.ClientCPU)), "client-cpu-ns/op")
	if r.ServerCPUMeasured {
		metric(r.perCall(int64(r.ServerCPU)), "server-cpu-ns/op")
	}
	if r.ClientCPUs > 0 && r.Window > 0 {
		metric(r.ClientBusy(), "client-busy")
	}
	if r.ServerCPUMeasured && r.ServerCPUs > 0 && r.Window > 0 {
		metric(r.ServerBusy(), "server-busy")
	}
	if r.StealMeasured {
		metric(r.StealCPU, "steal-cpu")
	}
	if r.MsgsIn+r.MsgsOut > 0 && r.Window > 0 {
		s := r.Window.Seconds()
		metric(float64(r.MsgsIn+r.MsgsOut)/s, "msgs/s")
		metric(float64(c.BodyIn+c.BodyOut)/s/1e6, "MB/s")
	}
	if r.FirstMsg.Count() > 0 {
		metric(ns(r.FirstMsg.Percentile(50)), "first-msg-p50-ns")
		metric(ns(r.FirstMsg.Percentile(99)), "first-msg-p99-ns")
	}
	if r.ErrorCount > 0 {
		metric(r.perCall(r.ErrorCount), "errors/op")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result as indented JSON, histograms included.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// formatValue prints whole numbers from 100 up without a fraction or an
// exponent, and smaller ones to six significant digits.
func formatValue(v float64) string {
	if math.Abs(v) >= 100 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}
