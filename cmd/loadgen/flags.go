package main

import (
	"flag"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"restvsgrpc/bench/load"
	"restvsgrpc/internal/cli"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/variant"
)

// config is the parsed command line.
type config struct {
	target      load.TargetConfig
	workers     int
	streams     int
	rate        float64
	arrivals    string
	seed        uint64
	duration    time.Duration
	calls       int64
	warmup      time.Duration
	tolerance   float64
	serverPID   int
	watchPIDs   []int
	maxSteal    float64
	retries     int
	allowErrors bool
	jsonFile    string
	bench       bool
	hgrmFile    string
	progress    string
	cpuProfile  string
	late        time.Duration
}

const usageHeader = `Usage: loadgen [flags]

Drives one call kind of the restvsgrpc services over one variant and reports
what it measured: calls/s, latency percentiles from HDR histograms (response
time from each call's intended start and service time from its send), bytes
on the wire and in bodies per call, the driver's and the server's CPU per
call, and the CPU stolen by the hypervisor over the window.

Closed loop (default): -c workers each make one call after another.
Open loop (-rate): calls are due at a fixed rate whatever the server does;
each is timed from its intended start (no coordinated omission); late sends
are counted, and a run whose achieved rate falls short of -rate by more than
-rate-tolerance fails. -c then caps the calls in flight.

Calls (-rpc): ValidateToken, GetTransaction, ValidateUser (unary, the last a
bcrypt login each time: cmd/server's login limits refuse one user logging in
that often from one address unless its -login-* flags raise them); ListTransactions (server stream of -stream-msgs
records); Upload (client stream of -stream-msgs chunks of -payload bytes);
Chat (bidi: each call sends one message and waits for its acknowledgement on
a stream kept open per worker).

Variants (-variant): rest (HTTP/1.1, JSON), rest-proto (HTTP/1.1, protobuf
bodies), rest-h2c (HTTP/2 cleartext, or h2 with -tls, JSON), grpc.

Client modes (-check), the same for every variant and call:
  bytes   (default) the server's capacity: no answer is decoded; each one
          (each record of a feed, each chat event) is compared byte for byte
          with the encoding the deterministic data set prescribes (-seed of
          the server, given here as -data-seed), requests and upload chunks
          are encoded once. Unary REST calls go through lean clients
          (fasthttp over HTTP/1.1, as lean as wrk; a minimal HTTP/2 client
          over rest-h2c, as h2load; and for unary gRPC calls, pre-framed
          requests over that HTTP/2 client, as h2load sends gRPC frames);
          gRPC streams go through grpc-go with a codec that passes raw
          message bytes. It is the default because the report's
          throughput rows measure the server, and a driver that decodes may
          run out of CPU first.
  decode  what a Go caller pays: net/http and encoding/json into structs for
          REST, grpc-go's generated stubs, the WebSocket library for chat;
          every answer decoded and every field checked.
Either mode fails a call on the first wrong byte, status or code, and says
which call and what differed.

The driver logs in once (ValidateUser) with -user and -password and reuses
the token. Start the server with the same user:
  server -user alice:s3cret-pass
  loadgen -user alice:s3cret-pass ...
(-password defaults to $LOADGEN_PASSWORD.)

Examples:
  loadgen -variant rest -rpc ValidateToken -c 64 -duration 10s -user alice:s3cret-pass
  loadgen -variant grpc -target 127.0.0.1:50051 -rpc GetTransaction -payload 64KiB -c 16 -n 100000
  loadgen -variant rest-h2c -rpc ListTransactions -stream-msgs 1000 -c 4
  loadgen -variant grpc -target 127.0.0.1:50051 -rpc Chat -rate 20000 -arrivals poisson -c 128
  loadgen -variant rest -rpc GetTransaction -server-pid $(pgrep -n server) -bench -json out.json -hgrm out.hgrm

The driver collects garbage at GOGC=400 and sets no memory limit (GOGC and
GOMEMLIMIT in the environment override that): it spends less CPU per call,
so that it is not the bottleneck, also with thousands of connections. It
raises its open-file limit to what -c and -conns need (one socket per
worker over HTTP/1.1), the hard limit too where it may (as root), and
says what to change when the machine refuses.

Output: a summary on stdout; -bench adds a line in the Go benchmark format
(benchstat compares runs); -json FILE everything, histograms included;
-hgrm FILE the HdrHistogram percentile distribution (microseconds). On a
terminal a progress line is shown on stderr each second. Ctrl-C stops the
run and prints what was measured so far.

Flags:
`

// parseFlags parses args. -help prints the usage on stdout and returns
// flag.ErrHelp; a bad command line returns a cli.UsageError.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	var (
		cfg      config
		t        = &cfg.target
		name     string
		rpc      string
		payload  string
		user     string
		password string
		watch    string
	)
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&t.Addr, "target", "", "server `host:port`; default 127.0.0.1:8080 (REST) or 127.0.0.1:50051 (grpc), the server's defaults")
	fs.StringVar(&name, "variant", variant.REST, "`variant`: rest, rest-proto, rest-h2c or grpc, or a codec variant: rest-sonic, rest-go_json (rest with that JSON library on both sides), grpc-vt (grpc with vtprotobuf on both sides) or, built with GOEXPERIMENT=jsonv2, rest-jsonv2 (encoding/json/v2)")
	fs.StringVar(&rpc, "rpc", string(load.ValidateToken), "`call`: ValidateToken, GetTransaction, ValidateUser, ListTransactions, Upload or Chat")
	fs.StringVar(&payload, "payload", string(core.Payload100B), "payload `class`: 100B, 1KiB, 64KiB or 1MiB (records fetched or streamed, upload chunk and chat text size)")
	fs.IntVar(&t.StreamMsgs, "stream-msgs", 100, "messages per stream call: records of a ListTransactions, chunks of an Upload")
	fs.DurationVar(&t.FeedInterval, "feed-interval", 0, "ListTransactions: the server sends a record every `interval` (whole milliseconds, up to 1m), as to a dashboard holding a live feed; 0 sends as fast as the driver reads")
	fs.BoolVar(&t.SSE, "sse", false, "ListTransactions over rest or rest-h2c as server-sent events instead of NDJSON")
	fs.IntVar(&cfg.workers, "c", 1, "concurrent calls (workers); in the open loop, the most calls in flight")
	fs.StringVar(&t.GRPCBalance, "grpc-lb", "", "grpc: `policy` round_robin spreads calls over every address of a comma-separated -target (client-side balancing)")
	fs.IntVar(&t.Conns, "conns", 0, "connections; 0 means one per worker over HTTP/1.1 and one over HTTP/2 (grpc, rest-h2c)")
	fs.IntVar(&cfg.streams, "streams", 0, "concurrent calls per connection: sets -c to conns × streams (HTTP/2 variants)")
	fs.StringVar(&t.Check, "check", load.CheckBytes, "client `mode`: bytes (no decoding, answers compared byte for byte: the server's capacity) or decode (net/http+encoding/json, generated stubs: what a Go caller pays)")
	fs.Uint64Var(&t.Seed, "data-seed", 1, "`seed` of the server's data set (its -seed), which answers are checked against")
	fs.Float64Var(&cfg.rate, "rate", 0, "open loop: target `rate` in calls per second (0: closed loop)")
	fs.StringVar(&cfg.arrivals, "arrivals", string(load.Constant), "open-loop arrivals: constant or poisson")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the Poisson arrivals")
	fs.Float64Var(&cfg.tolerance, "rate-tolerance", 0.05, "open loop: how far, as a fraction, the achieved rate may fall short of -rate")
	fs.DurationVar(&cfg.late, "late", time.Millisecond, "open loop: a call sent this long after its intended start counts as late")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of the measured window")
	fs.Int64Var(&cfg.calls, "n", 0, "measure this many calls instead of a -duration")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "calls made before the measured window, not recorded")
	fs.StringVar(&user, "user", "demo", "user to log in as, `name` or name:password (the server's -user syntax)")
	fs.StringVar(&password, "password", os.Getenv("LOADGEN_PASSWORD"), "password of -user (default $LOADGEN_PASSWORD)")
	fs.BoolVar(&t.TLS, "tls", false, "connect with TLS (a server started with -tls; rest-h2c then negotiates h2)")
	fs.BoolVar(&t.Insecure, "insecure", false, "with -tls, do not verify the server's certificate (the server's self-signed one)")
	fs.StringVar(&t.CAFile, "cacert", "", "with -tls, trust the PEM certificate(s) in `file` (see the server's -write-cert)")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "`pid` of the server, to report its CPU per call from /proc/pid/stat")
	fs.StringVar(&watch, "watch-pids", "", "comma-separated `pids` of further processes (a balancer, its backends) whose CPU over the window -json records, read as -server-pid's")
	fs.Float64Var(&cfg.maxSteal, "max-steal", 0.1, "flag a window whose CPU steal passes this many `CPUs`")
	fs.IntVar(&cfg.retries, "retries", 0, "measure a flagged window again, up to this many times")
	fs.BoolVar(&cfg.allowErrors, "allow-errors", false, "do not fail the run when calls fail (they are still counted by code)")
	fs.StringVar(&cfg.jsonFile, "json", "", "write the whole result, histograms included, as JSON to `file`")
	fs.BoolVar(&cfg.bench, "bench", false, "also print the result in the Go benchmark format on stdout")
	fs.StringVar(&cfg.hgrmFile, "hgrm", "", "write the HdrHistogram percentile distribution of response times to `file`")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the driver's own CPU profile to `file` (to check it is not the bottleneck)")
	fs.StringVar(&cfg.progress, "progress", "auto", "live progress line on stderr: auto (on a terminal only), on or off")
	if err := cli.Parse(fs, usageHeader, args, stdout); err != nil {
		return cfg, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	t.Variant = name
	if exp := variant.Experiment(name); exp != "" && !slices.Contains(variant.Clients, name) {
		return cfg, cli.Usagef("-variant %s: this build lacks it; build with GOEXPERIMENT=%s (GOEXPERIMENT=%s go build ./cmd/loadgen)", name, exp, exp)
	}
	if !slices.Contains(variant.Clients, name) {
		return cfg, cli.Usagef("-variant %q: want one of %s", name, strings.Join(variant.Clients, ", "))
	}
	r, err := load.ParseRPC(rpc)
	if err != nil {
		return cfg, cli.UsageError{Err: err}
	}
	t.RPC = r
	p, err := core.ParsePayload(payload)
	if err != nil {
		return cfg, cli.Usagef("-payload %q: want 100B, 1KiB, 64KiB or 1MiB", payload)
	}
	t.Payload = p
	if name, pw, ok := strings.Cut(user, ":"); ok {
		user = name
		if !set["password"] {
			password = pw
		}
	}
	t.User, t.Password = user, password
	if t.Addr == "" {
		switch {
		case variant.IsGRPC(name):
			t.Addr = "127.0.0.1:50051"
		case variant.IsConnect(name):
			t.Addr = "127.0.0.1:8081"
		case name == variant.Gateway:
			t.Addr = "127.0.0.1:8082"
		default:
			t.Addr = "127.0.0.1:8080"
		}
	}
	if _, err := load.ParseArrivals(cfg.arrivals); err != nil {
		return cfg, cli.UsageError{Err: err}
	}
	if watch != "" {
		for f := range strings.SplitSeq(watch, ",") {
			pid, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || pid < 1 {
				return cfg, cli.Usagef("-watch-pids: %q is not a process id", f)
			}
			cfg.watchPIDs = append(cfg.watchPIDs, pid)
		}
	}
	if set["n"] && set["duration"] {
		return cfg, cli.Usagef("-n and -duration: give one")
	}
	if cfg.streams > 0 {
		if set["c"] {
			return cfg, cli.Usagef("-c and -streams: give one (-streams sets -c to conns × streams)")
		}
		cfg.workers = max(t.Conns, 1) * cfg.streams
	}
	switch {
	case t.User == "":
		return cfg, cli.Usagef("-user is empty")
	case t.Password == "":
		return cfg, cli.Usagef("no password: give -user name:password, -password or $LOADGEN_PASSWORD")
	case cfg.workers < 1:
		return cfg, cli.Usagef("-c %d: want at least 1", cfg.workers)
	case t.Conns < 0:
		return cfg, cli.Usagef("-conns %d: must not be negative", t.Conns)
	case cfg.streams < 0:
		return cfg, cli.Usagef("-streams %d: must not be negative", cfg.streams)
	case t.StreamMsgs < 1:
		return cfg, cli.Usagef("-stream-msgs %d: want at least 1", t.StreamMsgs)
	case cfg.rate < 0:
		return cfg, cli.Usagef("-rate %v: must not be negative", cfg.rate)
	case cfg.tolerance < 0 || cfg.tolerance >= 1:
		return cfg, cli.Usagef("-rate-tolerance %v: want 0 to 1", cfg.tolerance)
	case cfg.calls < 0:
		return cfg, cli.Usagef("-n %d: must not be negative", cfg.calls)
	case cfg.calls == 0 && cfg.duration <= 0:
		return cfg, cli.Usagef("-duration %v: must be positive", cfg.duration)
	case cfg.late <= 0:
		return cfg, cli.Usagef("-late %v: must be positive", cfg.late)
	case cfg.warmup < 0:
		return cfg, cli.Usagef("-warmup %v: must not be negative", cfg.warmup)
	case cfg.maxSteal < 0:
		return cfg, cli.Usagef("-max-steal %v: must not be negative", cfg.maxSteal)
	case cfg.retries < 0:
		return cfg, cli.Usagef("-retries %d: must not be negative", cfg.retries)
	case cfg.serverPID < 0:
		return cfg, cli.Usagef("-server-pid %d: must not be negative", cfg.serverPID)
	case t.Check != load.CheckBytes && t.Check != load.CheckDecode:
		return cfg, cli.Usagef("-check %q: want bytes or decode", t.Check)
	case t.Seed == 0:
		return cfg, cli.Usagef("-data-seed 0: want the server's -seed, 1 by default")
	case t.FeedInterval != 0 && t.RPC != load.ListTransactions:
		return cfg, cli.Usagef("-feed-interval paces ListTransactions feeds, not %s", t.RPC)
	case t.SSE && (t.RPC != load.ListTransactions || variant.JSON(name) == ""):
		return cfg, cli.Usagef("-sse is for ListTransactions over a JSON variant (rest, rest-h2c, rest-sonic, rest-go_json, rest-jsonv2)")
	case t.GRPCBalance != "" && (t.GRPCBalance != load.RoundRobin || !variant.IsGRPC(name) || t.TLS):
		return cfg, cli.Usagef("-grpc-lb %q: want round_robin, with -variant grpc or grpc-vt and without -tls", t.GRPCBalance)
	case (t.Insecure || t.CAFile != "") && !t.TLS:
		return cfg, cli.Usagef("-insecure and -cacert need -tls")
	case cfg.progress != "auto" && cfg.progress != "on" && cfg.progress != "off":
		return cfg, cli.Usagef("-progress %q: want auto, on or off", cfg.progress)
	case t.RPC == load.Chat && p != core.Payload100B && p != core.Payload1KiB:
		return cfg, cli.Usagef("-payload %s: a chat message carries at most %d bytes of text (use 100B or 1KiB)", p, core.MaxChatText)
	}
	if set["n"] {
		cfg.duration = 0
	}
	return cfg, nil
}
