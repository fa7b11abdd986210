// Package load drives the services at a controlled load and measures what
// it costs, for cmd/loadgen.
//
// It has two load models. Closed loop: -c workers each make one call after
// another, so the rate is whatever the server allows. Open loop: calls are
// due at a fixed rate (constant or Poisson arrivals) whether or not earlier
// ones have finished, and each call is timed from its intended start, so a
// server that stalls is charged for the calls that queued behind the stall
// (no coordinated omission). Response time (from the intended start) and
// service time (from the actual send) are recorded separately, as are late
// sends, and a run whose achieved rate falls short of the target by more
// than a tolerance fails.
//
// Latencies go into HDR histograms, one per worker (workers share them
// past 16 workers, or 4 per CPU), merged at the end, so memory stays flat
// however long a run lasts and however many workers it has. Each worker
// keeps its last 32 calls to itself and adds them to its histogram in one
// locked step, so thousands of workers do not queue for a lock. A warm-up
// runs first and is not recorded. Around the measured window the driver reads its own CPU
// time (rusage), the server's (/proc/PID/stat) and the CPU stolen by the
// hypervisor (/proc/stat); a window with too much steal is flagged and may
// be repeated.
//
// A Target makes one call of one kind over one variant: unary calls,
// server streams, client streams and bidi echo over rest, rest-proto,
// rest-h2c and grpc, with or without TLS. Targets are internal/client's,
// the stack conformance proves, in its two client modes (bytes and
// decode); they count wire bytes on the socket (internal/wirecount) and
// body bytes, and for gRPC also what its stats.Handler sees.
package load
