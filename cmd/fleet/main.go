// Command fleet measures the services as a fleet: three server processes
// behind real load balancers (HAProxy at L4 and L7, and gRPC's client-side
// round robin), a backend killed in the middle of a balanced run, and a
// real network path between network namespaces. It drives cmd/loadgen and
// writes raw results in the Go benchmark format for the report. Run it
// with -help for the flags.
package main

import "restvsgrpc/internal/cli"

func main() { cli.Main("fleet", run) }
