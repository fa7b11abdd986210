package main

import (
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"restvsgrpc/internal/cli"
)

// options is the parsed command line.
type options struct {
	profile *profile
	out     string
	skipRun bool
	dryRun  bool
	readme  string
	// stability measures twice and compares the verdicts; compare
	// compares two output directories' verdicts ("a,b").
	stability bool
	compare   string
	// qps lists result files (or directories of them) of grpc's
	// qps_json_driver, to render instead of measuring.
	qps string
	// parts are the parts of the profile measured (profileParts), all
	// when empty.
	parts []string
}

// profileParts are the parts of a profile -parts can choose.
var profileParts = []string{"bench", "load", "codecs", "middle"}

const usageHeader = `Usage: report [flags]

Runs the REST-versus-gRPC measurements and writes results/<profile>/:
raw/ (benchmark text with provenance), json/ (load driver output),
benchstat tables, SVG plots and REPORT.md. The server runs as its own
process pinned to CPU 0 and the load driver on CPU 1, GOMAXPROCS=1 each
(on one CPU both share it, and the report says so). After the planned
windows, a load-driver condition whose interval straddles a threshold
so that a verdict is uncertain is measured again with as many pairs
more (a few conditions at most; raw/settle.txt). Ctrl-C stops
everything; what was written so far stays.

Profiles: quick (default, about 10 minutes on 2 CPUs), full (about 65 minutes),
smoke (about a minute: checks that everything runs; figures too thin to trust).

Flags:
`

func parseFlags(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	name := fs.String("profile", "quick", "measurement `profile`: "+strings.Join(profileNames(), " or "))
	fs.StringVar(&o.out, "out", "", "output `directory` (default results/<profile>)")
	fs.BoolVar(&o.skipRun, "skip-run", false, "run nothing: regenerate the benchstat tables and REPORT.md from the raw files already in the output directory")
	fs.BoolVar(&o.dryRun, "n", false, "print the plan (steps and time estimate) and exit")
	fs.BoolVar(&o.stability, "stability", false, "measure the profile twice, into <out>/stability-1 and -2 (with -skip-run: re-render those), and print every verdict that differs; fails if any does")
	fs.StringVar(&o.compare, "compare", "", "compare the verdicts of two output `directories` (\"a,b\", each with its verdicts.json) and print every one that differs; fails if any does")
	fs.StringVar(&o.qps, "qps-results", "", "measure nothing: write the `results` of grpc's qps_json_driver (--scenario_result_file; files or directories of them, comma-separated) into <out>/raw/qps.txt and render REPORT.md from the raw files there")
	parts := fs.String("parts", "", "measure only these comma-separated `parts` of the profile: "+strings.Join(profileParts, ", ")+" (go test -bench; the load-driver sweeps with their settling; the Codecs windows; the Middle ways windows); default all. The cross-language test always runs; the report says which parts were measured")
	fs.StringVar(&o.readme, "readme", "", "also put the measured table into this `file` (e.g. README.md), between its headline markers")
	if err := cli.Parse(fs, usageHeader, args, stdout); err != nil {
		return o, err
	}
	if a, b, ok := strings.Cut(o.compare, ","); o.compare != "" && (!ok || a == "" || b == "") {
		return o, cli.Usagef("-compare %q: want two directories, a,b", o.compare)
	}
	p, ok := profiles[*name]
	if !ok {
		return o, cli.Usagef("-profile %q: want %s", *name, strings.Join(profileNames(), " or "))
	}
	o.profile = p
	if *parts != "" {
		o.parts = strings.Split(*parts, ",")
		for _, pt := range o.parts {
			if !slices.Contains(profileParts, pt) {
				return o, cli.Usagef("-parts: no part %q (want %s)", pt, strings.Join(profileParts, ", "))
			}
		}
		o.profile = p.only(o.parts)
	}
	if o.out == "" {
		o.out = filepath.Join("results", p.name)
	}
	return o, nil
}
