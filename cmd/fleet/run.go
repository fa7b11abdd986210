package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"restvsgrpc/internal/balance"
	"restvsgrpc/internal/cli"
	"restvsgrpc/internal/variant"
)

const usage = `Usage: fleet -server BIN -loadgen BIN -out DIR [flags]

Measures the services as a fleet, each section into DIR/<section>.txt in
the Go benchmark format (provenance lines first):

  balance   three cmd/server backends behind HAProxy mode tcp (lb=haproxy-l4,
            round robin per connection), HAProxy mode http (lb=haproxy-l7,
            round robin per request, HTTP/2 to the backends for grpc and
            rest-h2c) and grpc-go's client-side round_robin (lb=client-rr),
            against one backend called directly (lb=none), for rest,
            rest-h2c and grpc. Per run: throughput and latency (loadgen's
            units), each backend's share of the calls from its own
            /debug/stats counter (one line per backend, unit share), the
            proxy's and the backends' CPU per call, and the busy shares
            over the window of the driver, the proxy and each backend (the
            report's bound class).
  failover  the same fleets with backend b1 killed (SIGKILL) mid-run: failed
            calls per transport and the time until the survivors carry the
            load again.
  scale     in-flight callers swept (-scale-c) over every variant, for
            unary GetTransaction and for ListTransactions feeds held open,
            a record every -feed-interval (a dashboard each; each feed
            lasts about half the window): per point the sockets loadgen
            needed and the server held (/proc/PID/fd), the server's RSS and
            goroutines per caller (peaks over the idle server), latency
            percentiles, CPU per call on both sides and their busy shares
            (the bound class). The open-file limit is raised to the hard
            limit; the section fails saying so when that is too low.
  netpath   client and server in network namespaces of their own joined by
            a veth pair (MTU 1500), against both in one namespace over its
            loopback: TCP segments, link packets and bytes per call, and
            throughput. Needs root and ip(8).

HAProxy is installed from the distribution (apt-get) when missing and this
runs as root; otherwise the balancer sections are skipped with one line.
Backends run pinned to CPU 0, loadgen and HAProxy to CPU 1 (GOMAXPROCS=1,
nbthread 1) when there are two CPUs and taskset.

Flags:
`

type config struct {
	server, loadgen, out, profile string
	sections                      []string
	duration, warmup              time.Duration
	conc                          int
	payload                       string
	tbf                           string
	scaleConc                     []int
	scaleVariants                 []string
	feedInterval                  time.Duration
	install                       bool
}

var allSections = []string{"balance", "failover", "scale", "netpath"}

func parseFlags(args []string, stdout io.Writer) (config, error) {
	var cfg config
	var sections, scaleConc, scaleVariants string
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.StringVar(&cfg.server, "server", "", "the cmd/server `binary`")
	fs.StringVar(&cfg.loadgen, "loadgen", "", "the cmd/loadgen `binary`")
	fs.StringVar(&cfg.out, "out", "", "`directory` for the raw results, e.g. results/full/raw")
	fs.StringVar(&cfg.profile, "profile", "", "profile name written into the provenance lines")
	fs.StringVar(&sections, "sections", strings.Join(allSections, ","), "comma-separated `sections` to run: balance, failover, scale, netpath")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "measured window of each run")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "warm-up of each run")
	fs.IntVar(&cfg.conc, "c", 64, "concurrent callers of each run")
	fs.StringVar(&cfg.payload, "payload", "100B", "payload class of the balanced runs")
	fs.StringVar(&scaleConc, "scale-c", "1,64,1000,10000", "scale: comma-separated in-flight `callers` of the sweep")
	fs.StringVar(&scaleVariants, "scale-variants", strings.Join(variant.All, ","), "scale: comma-separated `variants`")
	fs.DurationVar(&cfg.feedInterval, "feed-interval", time.Second, "scale: each ListTransactions feed sends a record every `interval` (whole milliseconds), as to a dashboard holding it open; a feed carries enough records to last about half of -duration")
	fs.BoolVar(&cfg.install, "install", true, "install HAProxy from the distribution when it is missing (root and apt-get); false only looks for it")
	fs.StringVar(&cfg.tbf, "tbf", "", "netpath: also run over the veth pair limited to this `rate` by a tbf qdisc (e.g. 100mbit)")
	if err := cli.Parse(fs, usage, args, stdout); err != nil {
		return cfg, err
	}
	cfg.sections = strings.Split(sections, ",")
	for _, s := range cfg.sections {
		if !slices.Contains(allSections, s) {
			return cfg, cli.Usagef("-sections: %q is not one of %s", s, strings.Join(allSections, ", "))
		}
	}
	for _, c := range strings.Split(scaleConc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return cfg, cli.Usagef("-scale-c: %q is not a positive number of callers", c)
		}
		cfg.scaleConc = append(cfg.scaleConc, n)
	}
	cfg.scaleVariants = strings.Split(scaleVariants, ",")
	for _, v := range cfg.scaleVariants {
		if !slices.Contains(variant.All, v) {
			return cfg, cli.Usagef("-scale-variants: %q is not one of %s", v, strings.Join(variant.All, ", "))
		}
	}
	switch {
	case cfg.feedInterval < time.Millisecond || cfg.feedInterval%time.Millisecond != 0:
		return cfg, cli.Usagef("-feed-interval %v: want whole milliseconds, at least 1ms", cfg.feedInterval)
	case cfg.server == "" || cfg.loadgen == "":
		return cfg, cli.Usagef("-server and -loadgen are required")
	case cfg.out == "":
		return cfg, cli.Usagef("-out is required")
	case cfg.conc < 1:
		return cfg, cli.Usagef("-c %d: want at least 1", cfg.conc)
	case cfg.duration <= 0 || cfg.warmup < 0:
		return cfg, cli.Usagef("-duration must be positive and -warmup not negative")
	}
	return cfg, nil
}

// run is the whole command, minus the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	for _, b := range []*string{&cfg.server, &cfg.loadgen} {
		if *b, err = filepath.Abs(*b); err != nil {
			return err
		}
		if _, err := os.Stat(*b); err != nil {
			return fmt.Errorf("binary: %w", err)
		}
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	env, err := newEnv(cfg, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	var errs []error
	for _, s := range cfg.sections {
		fmt.Fprintf(stderr, "fleet: section %s\n", s)
		var err error
		switch s {
		case "balance":
			err = env.balance(ctx)
		case "failover":
			err = env.failover(ctx)
		case "scale":
			err = env.scale(ctx)
		case "netpath":
			err = env.netpath(ctx)
		}
		if errors.Is(err, errSkipped) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

// errSkipped means a section could not run on this machine and said why.
var errSkipped = errors.New("skipped")

// env is what every section shares: the binaries, a user every backend
// knows, and one token key, so that a token issued by one backend is valid
// on all of them.
type env struct {
	cfg     config
	log     io.Writer
	dir     string
	user    string // name:password
	keyFile string
	pinned  bool
}

func newEnv(cfg config, log io.Writer) (*env, error) {
	dir, err := os.MkdirTemp("", "fleet-")
	if err != nil {
		return nil, err
	}
	key, pw := make([]byte, 32), make([]byte, 12)
	rand.Read(key)
	rand.Read(pw)
	e := &env{cfg: cfg, log: log, dir: dir, user: "fleet:" + hex.EncodeToString(pw), keyFile: filepath.Join(dir, "token.key")}
	if err := os.WriteFile(e.keyFile, []byte(hex.EncodeToString(key)), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	e.pinned = canPin()
	return e, nil
}

func (e *env) close() { os.RemoveAll(e.dir) }

// haproxy returns the path of haproxy, installing it if -install allows.
func (e *env) haproxy(ctx context.Context) (string, error) {
	if e.cfg.install {
		return balance.Find(ctx)
	}
	return balance.Lookup()
}

func (e *env) skip(section, why string) error {
	fmt.Fprintf(e.log, "fleet: %s skipped: %s\n", section, why)
	return errSkipped
}
