// Package report turns raw Go benchmark text into REPORT.md: the article's
// REST-versus-gRPC table with measured figures and a verdict per row, the
// decomposition of gRPC's difference into its HTTP/2 and protobuf parts,
// latency-throughput curves, the four call kinds, crossover points, and
// the method and its caveats, with SVG plots.
//
// The input is what `go test -bench` and `loadgen -bench` print, with
// provenance as `key: value` lines; it is read with golang.org/x/perf's
// benchfmt and summarised with benchmath (medians, 95% confidence intervals,
// Mann-Whitney p-values). Nothing in the report is typed by hand: a section
// without data says so.
//
// Verdicts follow fixed rules (see Rules, Rules.Compare and Decide): at each
// condition gRPC wins or loses only when the difference is significant and at
// least MinEffect; a claim holds when gRPC wins everywhere it was decided,
// holds only when it wins somewhere (named), and does not hold otherwise.
package report
