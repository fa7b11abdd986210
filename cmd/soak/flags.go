package main

import (
	"flag"
	"io"
	"time"

	"restvsgrpc/internal/cli"
)

// config is the parsed command line.
type config struct {
	server   string
	duration time.Duration
	sample   time.Duration
	rate     float64
	factor   float64
	slack    slack
}

const usageHeader = `Usage: soak [flags]

Starts the server binary on loopback ports, drives it at -rate calls a
second for each call kind (ValidateUser, ValidateToken, GetTransaction,
ListTransactions, Upload, Chat) over each variant (rest, rest-proto,
rest-h2c, grpc) for -duration, and samples the server's RSS, goroutines
and open file descriptors every -sample. It fails if any call fails or a
call kind completes none, if the server does not exit 0 on SIGTERM, or if a figure's mean over the last
third of the samples exceeds -factor times its mean over the first third
plus its slack.

Flags:
`

// parseFlags parses args. -help prints the usage on stdout and returns
// flag.ErrHelp; a bad command line returns a cli.UsageError.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.StringVar(&cfg.server, "server", "bin/server", "the server binary (`path`), built from ./cmd/server")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Minute, "how long to drive the server")
	fs.DurationVar(&cfg.sample, "sample", 5*time.Second, "time between samples (shortened so that there are at least 6)")
	fs.Float64Var(&cfg.rate, "rate", 10, "calls a second for each call kind over each variant (24 pairs)")
	fs.Float64Var(&cfg.factor, "factor", 1.5, "how many times its first third's mean a figure's last third may reach (plus its slack)")
	fs.Int64Var(&cfg.slack.rss, "slack-rss", 32<<20, "absolute slack for RSS, in `bytes`")
	fs.IntVar(&cfg.slack.goroutines, "slack-goroutines", 50, "absolute slack for goroutines")
	fs.IntVar(&cfg.slack.fds, "slack-fds", 20, "absolute slack for open file descriptors")
	if err := cli.Parse(fs, usageHeader, args, stdout); err != nil {
		return cfg, err
	}
	switch {
	case cfg.server == "":
		return cfg, cli.Usagef("-server is required")
	case cfg.duration <= 0:
		return cfg, cli.Usagef("-duration %v: must be positive", cfg.duration)
	case cfg.sample <= 0:
		return cfg, cli.Usagef("-sample %v: must be positive", cfg.sample)
	case cfg.rate <= 0 || cfg.rate > 1000:
		return cfg, cli.Usagef("-rate %v: want more than 0 and at most 1000", cfg.rate)
	case cfg.factor < 1:
		return cfg, cli.Usagef("-factor %v: want at least 1", cfg.factor)
	case cfg.slack.rss < 0 || cfg.slack.goroutines < 0 || cfg.slack.fds < 0:
		return cfg, cli.Usagef("slacks must not be negative")
	}
	// At least 7 samples fit in the run, so that 6 are sure to be taken.
	if min := cfg.duration / 8; cfg.sample > min {
		cfg.sample = min
	}
	return cfg, nil
}
