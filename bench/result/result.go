// Package result is the schema of one load-driver measurement: what a run
// measured in its window, in the JSON form that loadgen writes, the Go
// benchmark format that benchstat and the report read, and the human
// summary. It is a leaf: the report reads results without linking the
// load engine or any client.
package result

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"restvsgrpc/internal/hist"
)

// Result is what a run measured in its window. Its JSON form is what
// `loadgen -json` writes.
type Result struct {
	// Set by the caller of Run, to name the run.
	Variant string `json:"variant,omitempty"`
	RPC     string `json:"rpc,omitempty"`
	Payload string `json:"payload,omitempty"`
	Client  string `json:"client,omitempty"` // the HTTP client, for rest variants
	// Engine names the benchmark engine when it is not loadgen's: "qps",
	// grpc's qps_json_driver driving cmd/worker.
	Engine string `json:"engine,omitempty"`
	// CheckMode is the client mode: "bytes" (answers compared byte for
	// byte, nothing decoded) or "decode" (decoded into Go values).
	CheckMode string `json:"check,omitempty"`
	SSE       bool   `json:"sse,omitempty"` // a REST feed as server-sent events
	TLS       bool   `json:"tls"`
	Conns     int    `json:"conns,omitempty"` // connections asked for
	// Target is the server's address; StreamMsgs the messages per stream
	// call; Args the driver's command line; GOMAXPROCS its own.
	Target     string `json:"target,omitempty"`
	StreamMsgs int    `json:"stream_msgs,omitempty"`
	// FeedInterval paced each feed (a record every FeedInterval).
	FeedInterval time.Duration `json:"feed_interval,omitempty"`
	Args         []string      `json:"args,omitempty"`
	GOMAXPROCS   int           `json:"gomaxprocs,omitempty"`

	// Protocol is what the target negotiated, e.g. "HTTP/1.1".
	Protocol string `json:"protocol"`
	// Mode is "closed" or "open".
	Mode       string        `json:"mode"`
	Workers    int           `json:"workers"`
	TargetRate float64       `json:"target_rate,omitempty"` // calls/s, open loop
	Arrivals   string        `json:"arrivals,omitempty"`
	Tolerance  float64       `json:"rate_tolerance,omitempty"`
	Warmup     time.Duration `json:"warmup_ns"`
	// Window is the measured time: in a closed loop with a duration, the
	// duration itself (calls started in it, CPUs and bytes used in it);
	// otherwise from the end of the warm-up to the last call's end.
	Window time.Duration `json:"window_ns"`

	// Calls counts the calls that succeeded; failed ones are in Errors.
	Calls      int64             `json:"calls"`
	ErrorCount int64             `json:"error_count"`
	Errors     map[string]int64  `json:"errors"`         // by core code name
	ErrorMsg   map[string]string `json:"error_messages"` // the first message of each code
	Rate       float64           `json:"rate"`           // successful calls per second
	Late       int64             `json:"late"`           // open loop: calls sent late
	MsgsIn     int64             `json:"msgs_in"`        // stream messages received
	MsgsOut    int64             `json:"msgs_out"`       // stream messages sent

	// Response is timed from each call's intended start (open loop) and
	// Service from its actual send; in the closed loop they are the same.
	Response hist.Histogram `json:"response"`
	Service  hist.Histogram `json:"service"`
	// FirstMsg is the time to the first message of server streams.
	FirstMsg hist.Histogram `json:"first_msg"`

	Counters Counters `json:"bytes"`

	ClientCPU         time.Duration `json:"client_cpu_ns"`
	ServerCPU         time.Duration `json:"server_cpu_ns"`
	ServerCPUMeasured bool          `json:"server_cpu_measured"`
	// ClientCPUs and ServerCPUs are the CPUs each side may use (its
	// GOMAXPROCS within its CPU affinity): the capacity that ClientBusy
	// and ServerBusy divide by. Zero when not known.
	ClientCPUs int `json:"client_cpus,omitempty"`
	ServerCPUs int `json:"server_cpus,omitempty"`
	// Watched is the CPU further processes used over the window (loadgen
	// -watch-pids), in the order given: a balancer and its backends, say.
	// Results written before it existed have none.
	Watched []ProcessCPU `json:"watched,omitempty"`
	// StealCPU is the CPU stolen by the hypervisor over the window, in
	// CPUs (0.25 is a quarter of one CPU on average).
	StealCPU      float64 `json:"steal_cpu"`
	StealMeasured bool    `json:"steal_measured"`
	MaxSteal      float64 `json:"max_steal"`
	StealFlagged  bool    `json:"steal_flagged"`
	// Discarded counts windows measured again for their steal.
	Discarded   int  `json:"discarded_windows"`
	Interrupted bool `json:"interrupted"`
}

// Bound says which side ran out of CPU first in a window, and so what a
// throughput or latency-under-load figure measured: the server, the
// driver, or neither (latency, locks, or flow control).
type Bound string

// The bound classes. A row is server-bound when the server used at least
// BusyThreshold of the CPUs it may use; otherwise client-bound when the
// driver did; otherwise neither. Unknown when the server's CPU was not
// measured.
const (
	ServerBound  Bound = "server-bound"
	ClientBound  Bound = "client-bound"
	NeitherBound Bound = "neither"
	UnknownBound Bound = "unknown"
	// BalancerBound is a run through a balancer whose balancer, not its
	// backends, ran out first (ClassifyBalanced).
	BalancerBound Bound = "balancer-bound"
)

// BusyThreshold is the share of its CPUs at which a side counts as the one
// that ran out.
const BusyThreshold = 0.9

// Classify returns the bound class of a window from each side's busy
// share (CPU used over the window divided by the CPUs it may use).
func Classify(clientBusy, serverBusy float64) Bound {
	switch {
	case serverBusy >= BusyThreshold:
		return ServerBound
	case clientBusy >= BusyThreshold:
		return ClientBound
	}
	return NeitherBound
}

// ClassifyBalanced is Classify for a run through a balancer, whose
// backends are the server: server-bound when the backends passed
// BusyThreshold, else balancer-bound when the balancer did, else as
// Classify.
func ClassifyBalanced(clientBusy, balancerBusy, serverBusy float64) Bound {
	if serverBusy < BusyThreshold && balancerBusy >= BusyThreshold {
		return BalancerBound
	}
	return Classify(clientBusy, serverBusy)
}

// ClientBusy is the driver's CPU over the window as a share of the CPUs it
// may use, or 0 when that is not known.
func (r *Result) ClientBusy() float64 { return busy(r.ClientCPU, r.Window, r.ClientCPUs) }

// ServerBusy is the server's CPU over the window as a share of the CPUs it
// may use, or 0 when that is not known.
func (r *Result) ServerBusy() float64 {
	if !r.ServerCPUMeasured {
		return 0
	}
	return busy(r.ServerCPU, r.Window, r.ServerCPUs)
}

func busy(cpu, window time.Duration, cpus int) float64 {
	if window <= 0 || cpus <= 0 {
		return 0
	}
	return cpu.Seconds() / window.Seconds() / float64(cpus)
}

// ProcessCPU is the CPU one watched process used over a window.
type ProcessCPU struct {
	PID int           `json:"pid"`
	CPU time.Duration `json:"cpu_ns"`
	// CPUs is what it may use, as ServerCPUs; zero when not known.
	CPUs int `json:"cpus,omitempty"`
}

// Busy is p's CPU over the window as a share of the CPUs it may use, or 0
// when that is not known.
func (r *Result) Busy(p ProcessCPU) float64 { return busy(p.CPU, r.Window, p.CPUs) }

// Bound classes the window; UnknownBound when either side's capacity or
// the server's CPU was not measured.
func (r *Result) Bound() Bound {
	if !r.ServerCPUMeasured || r.ServerCPUs <= 0 || r.ClientCPUs <= 0 || r.Window <= 0 {
		return UnknownBound
	}
	return Classify(r.ClientBusy(), r.ServerBusy())
}

// ErrNoCalls means the window ended before any call completed.
var ErrNoCalls = errors.New("no call completed in the measured window")

// Check returns the run's verdict: an error when calls failed (unless
// allowErrors), when no call completed, or when an open-loop run fell short
// of its target rate by more than the tolerance.
func (r *Result) Check(allowErrors bool) error {
	var errs []error
	if r.ErrorCount > 0 && !allowErrors {
		codes := slices.Sorted(maps.Keys(r.Errors))
		var parts []string
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%d %s (%s)", r.Errors[c], c, r.ErrorMsg[c]))
		}
		errs = append(errs, fmt.Errorf("%d calls failed: %s", r.ErrorCount, strings.Join(parts, "; ")))
	}
	if r.Calls == 0 {
		errs = append(errs, ErrNoCalls)
	}
	if r.Mode == "open" && r.Calls > 0 && !r.Interrupted && r.Rate < r.TargetRate*(1-r.Tolerance) {
		errs = append(errs, fmt.Errorf("achieved %.0f calls/s, short of the target %.0f/s by more than %.0f%%", r.Rate, r.TargetRate, r.Tolerance*100))
	}
	return errors.Join(errs...)
}

// perCall divides n by the number of calls.
func (r *Result) perCall(n int64) float64 {
	if r.Calls == 0 {
		return 0
	}
	return float64(n) / float64(r.Calls)
}

// WriteSummary writes the human summary.
func (r *Result) WriteSummary(w io.Writer) error {
	var b strings.Builder
	name := strings.TrimSpace(fmt.Sprintf("%s %s %s", r.RPC, r.Variant, r.Payload))
	fmt.Fprintf(&b, "%s over %s, %s loop, %d workers", name, r.Protocol, r.Mode, r.Workers)
	if r.Mode == "open" {
		fmt.Fprintf(&b, ", target %.0f/s %s", r.TargetRate, r.Arrivals)
	}
	if r.FeedInterval > 0 {
		fmt.Fprintf(&b, ", %d records a feed, one every %v", r.StreamMsgs, r.FeedInterval)
	}
	b.WriteString("\n")
	if r.Interrupted {
		b.WriteString("interrupted: figures cover the calls completed so far\n")
	}
	fmt.Fprintf(&b, "  calls      %d ok, %d failed in %v: %.1f calls/s\n", r.Calls, r.ErrorCount, r.Window.Round(time.Millisecond), r.Rate)
	for _, c := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(&b, "  error      %d %s, first: %s\n", r.Errors[c], c, r.ErrorMsg[c])
	}
	if r.Mode == "open" {
		fmt.Fprintf(&b, "  late       %d sent late\n", r.Late)
		writeHist(&b, "response", r.Response)
	}
	writeHist(&b, "service", r.Service)
	if r.FirstMsg.Count() > 0 {
		writeHist(&b, "first msg", r.FirstMsg)
	}
	if r.MsgsIn+r.MsgsOut > 0 && r.Window > 0 {
		s := r.Window.Seconds()
		fmt.Fprintf(&b, "  messages   in %.0f/s %.2f MB/s, out %.0f/s %.2f MB/s (bodies)\n",
			float64(r.MsgsIn)/s, float64(r.Counters.BodyIn)/s/1e6, float64(r.MsgsOut)/s, float64(r.Counters.BodyOut)/s/1e6)
	}
	c := r.Counters
	fmt.Fprintf(&b, "  bytes/call wire %.0f (out %.0f, in %.0f), body %.0f (out %.0f, in %.0f), %d conns\n",
		r.perCall(c.WireIn+c.WireOut), r.perCall(c.WireOut), r.perCall(c.WireIn),
		r.perCall(c.BodyIn+c.BodyOut), r.perCall(c.BodyOut), r.perCall(c.BodyIn), c.Conns)
	if c.GRPCWireIn+c.GRPCWireOut > 0 {
		fmt.Fprintf(&b, "  grpc stats wire %.0f B/call (out %.0f, in %.0f)\n",
			r.perCall(c.GRPCWireIn+c.GRPCWireOut), r.perCall(c.GRPCWireOut), r.perCall(c.GRPCWireIn))
	}
	fmt.Fprintf(&b, "  cpu/call   client %v", time.Duration(r.perCall(int64(r.ClientCPU))).Round(100*time.Nanosecond))
	if r.ServerCPUMeasured {
		fmt.Fprintf(&b, ", server %v", time.Duration(r.perCall(int64(r.ServerCPU))).Round(100*time.Nanosecond))
	}
	if r.Window > 0 {
		fmt.Fprintf(&b, " (client %.2f CPUs", r.ClientCPU.Seconds()/r.Window.Seconds())
		if r.ServerCPUMeasured {
			fmt.Fprintf(&b, ", server %.2f CPUs", r.ServerCPU.Seconds()/r.Window.Seconds())
		}
		b.WriteString(")")
	}
	b.WriteString("\n")
	if bd := r.Bound(); bd != UnknownBound {
		fmt.Fprintf(&b, "  bound      %s: client busy %.0f%% of %d CPUs, server busy %.0f%% of %d\n",
			bd, 100*r.ClientBusy(), r.ClientCPUs, 100*r.ServerBusy(), r.ServerCPUs)
	}
	if r.StealMeasured {
		flag := ""
		if r.StealFlagged {
			flag = fmt.Sprintf(" FLAGGED: over -max-steal %.2f", r.MaxSteal)
		}
		fmt.Fprintf(&b, "  steal      %.3f CPUs%s", r.StealCPU, flag)
		if r.Discarded > 0 {
			fmt.Fprintf(&b, " (%d windows discarded for steal)", r.Discarded)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeHist(b *strings.Builder, name string, h hist.Histogram) {
	fmt.Fprintf(b, "  %-10s p50 %v  p90 %v  p99 %v  p99.9 %v  max %v  mean %v\n", name,
		us(h.Percentile(50)), us(h.Percentile(90)), us(h.Percentile(99)), us(h.Percentile(99.9)), us(h.Max()), us(h.Mean()))
}

// us rounds d for reading: microsecond precision below 10ms.
func us(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}

// Counters are a target's running totals. Byte counts are each way, as seen
// by the client: In is what it read, Out what it wrote.
type Counters struct {
	// WireIn and WireOut count every byte on the client's sockets:
	// headers, frames, TLS records, handshakes.
	WireIn  int64 `json:"wire_in"`
	WireOut int64 `json:"wire_out"`
	// BodyIn and BodyOut count the encoded messages (JSON or protobuf
	// bodies, gRPC payloads), without framing, of the calls recorded.
	BodyIn  int64 `json:"body_in"`
	BodyOut int64 `json:"body_out"`
	// Conns counts the connections dialed, since the target was made.
	Conns int64 `json:"conns"`
	// GRPCWireIn and GRPCWireOut are what grpc-go's stats.Handler reports
	// as wire lengths of payloads, headers and trailers (grpc only).
	GRPCWireIn  int64 `json:"grpc_wire_in,omitempty"`
	GRPCWireOut int64 `json:"grpc_wire_out,omitempty"`
}

// Sub returns the counts of c since d was taken.
func (c Counters) Sub(d Counters) Counters {
	return Counters{
		WireIn: c.WireIn - d.WireIn, WireOut: c.WireOut - d.WireOut,
		BodyIn: c.BodyIn - d.BodyIn, BodyOut: c.BodyOut - d.BodyOut,
		Conns:      c.Conns - d.Conns,
		GRPCWireIn: c.GRPCWireIn - d.GRPCWireIn, GRPCWireOut: c.GRPCWireOut - d.GRPCWireOut,
	}
}
