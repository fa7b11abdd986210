package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"restvsgrpc/bench/load"
)

// run is the whole command, minus the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	if err := ensureFiles(connsNeeded(cfg.target.Variant, string(cfg.target.RPC), cfg.workers, cfg.target.Conns)); err != nil {
		return err
	}
	tg, err := load.NewTarget(ctx, cfg.target)
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("interrupted before the run started")
		}
		return err
	}
	defer tg.Close()

	opts := []load.Option{
		load.WithWorkers(cfg.workers),
		load.WithWarmup(cfg.warmup),
		load.WithRateTolerance(cfg.tolerance),
		load.WithServerPID(cfg.serverPID),
		load.WithWatchPIDs(cfg.watchPIDs...),
		load.WithMaxSteal(cfg.maxSteal),
		load.WithRetries(cfg.retries),
		load.WithSeed(cfg.seed),
		load.WithLateThreshold(cfg.late),
	}
	if cfg.calls > 0 {
		opts = append(opts, load.WithCalls(cfg.calls))
	} else {
		opts = append(opts, load.WithDuration(cfg.duration))
	}
	if cfg.rate > 0 {
		opts = append(opts, load.WithRate(cfg.rate, load.Arrivals(cfg.arrivals)))
	}
	var bar *progressLine
	if cfg.progress == "on" || (cfg.progress == "auto" && isTerminal(stderr)) {
		bar = &progressLine{w: stderr}
		opts = append(opts, load.WithProgress(time.Second, bar.show))
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := load.Run(ctx, tg, opts...)
	bar.clear()
	if err != nil {
		return err
	}
	res.Variant = cfg.target.Variant
	res.RPC = string(cfg.target.RPC)
	res.Payload = string(cfg.target.Payload)
	res.TLS = cfg.target.TLS
	res.SSE = cfg.target.SSE
	res.Conns = cfg.target.Conns
	res.Target = cfg.target.Addr
	res.Args = redact(args)
	res.GOMAXPROCS = runtime.GOMAXPROCS(0)
	if cfg.target.RPC == load.ListTransactions || cfg.target.RPC == load.Upload {
		res.StreamMsgs = cfg.target.StreamMsgs
		res.FeedInterval = cfg.target.FeedInterval
	}
	res.CheckMode = cfg.target.Check

	if err := res.WriteSummary(stdout); err != nil {
		return err
	}
	if cfg.bench {
		if err := res.WriteBench(stdout); err != nil {
			return err
		}
	}
	if cfg.jsonFile != "" {
		if err := writeFile(cfg.jsonFile, res.WriteJSON); err != nil {
			return err
		}
	}
	if cfg.hgrmFile != "" {
		if err := writeFile(cfg.hgrmFile, res.Response.WritePercentiles); err != nil {
			return err
		}
	}
	if res.Interrupted {
		return errors.New("interrupted: the figures above cover the calls completed so far")
	}
	return res.Check(cfg.allowErrors)
}

// writeFile writes a file whole through write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine redraws one status line in place.
type progressLine struct {
	w     io.Writer
	shown bool
}

func (p *progressLine) show(pr load.Progress) {
	var b strings.Builder
	b.WriteString("\r\033[K")
	if pr.Warmup {
		fmt.Fprintf(&b, "warming up %v", pr.Elapsed.Round(time.Second))
	} else {
		const width = 20
		n := int(pr.Done * width)
		fmt.Fprintf(&b, "[%s%s] %3.0f%% %6v  %8.0f calls/s  p99 %v  errors %d",
			strings.Repeat("#", n), strings.Repeat("-", width-n), pr.Done*100,
			pr.Elapsed.Round(time.Second), pr.Rate, pr.P99.Round(time.Microsecond), pr.Errors)
	}
	io.WriteString(p.w, b.String())
	p.shown = true
}

// clear removes the line, if one was drawn.
func (p *progressLine) clear() {
	if p != nil && p.shown {
		io.WriteString(p.w, "\r\033[K")
	}
}

// redact returns args with passwords replaced by "***", for the JSON.
func redact(args []string) []string {
	out := make([]string, len(args))
	prev := ""
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			name, value, hasValue = prev, a, true
			a = ""
		} else if hasValue {
			a = a[:len(a)-len(value)]
		}
		switch {
		case !hasValue:
		case name == "password":
			value = "***"
		case name == "user":
			if u, _, ok := strings.Cut(value, ":"); ok {
				value = u + ":***"
			}
		}
		if hasValue {
			a += value
		}
		out[i] = a
		prev = ""
		if !hasValue {
			prev = name
		}
	}
	return out
}
