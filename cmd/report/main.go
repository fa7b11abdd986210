// Command report runs the project's measurements and writes
// results/<profile>/: raw benchmark text with provenance, load-driver JSON,
// benchstat tables, SVG plots and REPORT.md.
//
// It builds cmd/server and cmd/loadgen, starts the server as its own process
// pinned to CPU 0 and runs the load driver pinned to CPU 1 (GOMAXPROCS=1
// each), sweeps the variants in interleaved order, runs a short
// `go test -bench` subset, and renders the report with internal/report.
// Ctrl-C stops the run and the server; the raw files written so far stay.
//
// Usage:
//
//	report [-profile quick|full] [-out DIR] [-skip-run]
package main

import (
	"fmt"
	"os"

	"restvsgrpc/internal/cli"
)

// main is cli.Main but for the message: report prints every error as
// "report: ..." alone, without the pointer to -help that the other
// commands add to a usage error.
func main() {
	err := cli.Run(run)
	code := cli.Status(err)
	if code != 0 {
		fmt.Fprintln(os.Stderr, "report:", err)
	}
	os.Exit(code)
}
