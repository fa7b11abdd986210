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

import "restvsgrpc/internal/cli"

func main() { cli.Main("report", run) }
