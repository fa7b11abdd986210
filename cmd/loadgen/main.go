// Command loadgen drives the restvsgrpc services at a controlled load and
// reports latency percentiles, throughput, bytes on the wire and CPU per
// call, for every variant (rest, rest-proto, rest-h2c, grpc) and call kind
// (unary, server stream, client stream, bidi):
//
//	loadgen -variant grpc -target 127.0.0.1:50051 -user alice:s3cret-pass -rpc GetTransaction -payload 1KiB -c 64 -duration 10s
//
// It runs closed-loop (-c workers, one call after another) or open-loop at
// a fixed rate (-rate, constant or Poisson arrivals, each call timed from
// its intended start). Run it with -help for every flag. Exit status: 0
// when the run succeeded, 2 for bad flags, 1 for anything else (unreachable
// server, failed calls, rate short of the target, interrupted), always with
// a one-line message.
package main

import (
	"os"
	"runtime/debug"

	"restvsgrpc/internal/cli"
)

func main() {
	tuneGC()
	cli.Main("loadgen", run)
}

// tuneGC makes the driver collect garbage less often than Go's default,
// which costs about 15% of its CPU per call. It sets no memory limit: a soft
// limit near the heap of thousands of connections (64 MiB did) makes the
// collector run back to back, which tripled the driver's CPU per call at
// 2,000 callers. GOGC or GOMEMLIMIT in the environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
