package bench

import (
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"restvsgrpc/internal/core"
)

// dims are the dimensions a run sweeps. Which set runs is chosen by the
// BENCH_SET environment variable: "default" (unset), "full", and the set
// under -short ("smoke"), which CI runs once per benchmark.
type dims struct {
	name     string
	payloads []core.Payload // codec, and unary GetTransaction at the first conc
	concs    []int          // unary
	// sweepConcs are the concurrencies at which unary GetTransaction runs
	// the payloads besides 1 KiB (1 KiB runs at every conc).
	sweepConcs  []int
	streamConcs []int
	nets        []string // network profiles besides loopback, run at one payload and conc
	// streamNets are the network profiles of the streaming benchmarks.
	streamNets []string
	works      []time.Duration
	// streamPayloads are the record sizes of the server stream.
	streamPayloads []core.Payload
	// streamMsgs is the number of records in one server stream.
	streamMsgs int
	// uploadChunks are the chunk sizes of the client stream (1 KiB chunks
	// show per-message overhead, 64 KiB chunks bulk throughput); the last
	// one runs over streamNets.
	uploadChunks []core.Payload
	// uploadBytes is the size of one uploaded file.
	uploadBytes  int
	chatPayloads []core.Payload
	// conns are HTTP/2 connection counts besides 1, at the top concurrency.
	conns []int
	// tls adds TLS rows at every concurrency.
	tls bool
	// gzipPayloads are the payloads of gzip rows, at concurrency 1.
	gzipPayloads []core.Payload
}

var sets = map[string]dims{
	"smoke": {
		name: "smoke", payloads: []core.Payload{core.Payload100B, core.Payload1KiB}, concs: []int{1, 4}, sweepConcs: []int{1, 4},
		streamConcs: []int{1}, nets: []string{"lan"}, streamNets: []string{"lan"}, works: []time.Duration{10 * time.Microsecond},
		streamPayloads: []core.Payload{core.Payload100B, core.Payload1KiB}, streamMsgs: 20,
		uploadChunks: []core.Payload{core.Payload1KiB, core.Payload64KiB}, uploadBytes: 256 << 10, chatPayloads: []core.Payload{core.Payload100B},
		conns: []int{2}, tls: true, gzipPayloads: []core.Payload{core.Payload1KiB},
	},
	// default is sized to finish one pass in about 5 minutes on 2 CPUs:
	// the unary headline rows, one payload sweep, one row per stream kind,
	// each further dimension once.
	"default": {
		name: "default", payloads: []core.Payload{core.Payload100B, core.Payload1KiB, core.Payload64KiB}, concs: []int{1, 64}, sweepConcs: []int{1},
		streamConcs: []int{1}, nets: []string{"lan", "wan"}, works: []time.Duration{100 * time.Microsecond},
		streamPayloads: []core.Payload{core.Payload1KiB}, streamMsgs: 1000,
		uploadChunks: []core.Payload{core.Payload1KiB}, uploadBytes: 4 << 20, chatPayloads: []core.Payload{core.Payload100B},
		conns: []int{4}, tls: true, gzipPayloads: []core.Payload{core.Payload64KiB},
	},
	"full": {
		name: "full", payloads: core.Payloads, concs: []int{1, 16, 64, 256}, sweepConcs: []int{1, 16, 64, 256},
		streamConcs: []int{1, 16}, nets: []string{"lan", "wan"}, streamNets: []string{"lan", "wan"},
		works:          []time.Duration{10 * time.Microsecond, 100 * time.Microsecond, time.Millisecond},
		streamPayloads: core.Payloads, streamMsgs: 1000,
		uploadChunks: []core.Payload{core.Payload1KiB, core.Payload64KiB}, uploadBytes: 16 << 20,
		chatPayloads: []core.Payload{core.Payload100B, core.Payload1KiB},
		conns:        []int{4}, tls: true, gzipPayloads: []core.Payload{core.Payload1KiB, core.Payload64KiB, core.Payload1MiB},
	},
}

// set returns the dimensions of this run.
func set() dims {
	if testing.Short() {
		return sets["smoke"]
	}
	if d, ok := sets[os.Getenv("BENCH_SET")]; ok {
		return d
	}
	return sets["default"]
}

// Credentials of the benchmark's user.
const (
	benchUser = "bench"
	benchPW   = "bench-password-1"
)

// newService returns the core every server of a benchmark serves, with the
// real (default) bcrypt cost so that ValidateUser shows what it costs, and
// benchLoginLimits: every target and worker logs the one user in from one
// address, which the default rate limits exist to refuse.
func newService(tb testing.TB, opts ...core.Option) *core.Service {
	tb.Helper()
	svc, err := core.New(append([]core.Option{
		core.WithUser(benchUser, benchPW),
		core.WithBcryptCost(bcrypt.DefaultCost),
		core.WithLoginLimits(benchLoginLimits()),
	}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}
