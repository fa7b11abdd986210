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
	name        string
	payloads    []core.Payload // codec and unary GetTransaction
	concs       []int          // unary
	streamConcs []int
	nets        []string // network profiles besides loopback, run at one payload and conc
	works       []time.Duration
	// streamMsgs is the number of records in one server stream.
	streamMsgs int
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
		name: "smoke", payloads: []core.Payload{core.Payload100B, core.Payload1KiB}, concs: []int{1, 4},
		streamConcs: []int{1}, nets: []string{"lan"}, works: []time.Duration{10 * time.Microsecond},
		streamMsgs: 20, uploadBytes: 256 << 10, chatPayloads: []core.Payload{core.Payload100B},
		conns: []int{2}, tls: true, gzipPayloads: []core.Payload{core.Payload1KiB},
	},
	"default": {
		name: "default", payloads: []core.Payload{core.Payload100B, core.Payload1KiB, core.Payload64KiB}, concs: []int{1, 64},
		streamConcs: []int{1}, nets: []string{"lan", "wan"}, works: []time.Duration{100 * time.Microsecond},
		streamMsgs: 1000, uploadBytes: 4 << 20, chatPayloads: []core.Payload{core.Payload100B},
		conns: []int{4}, tls: true, gzipPayloads: []core.Payload{core.Payload64KiB},
	},
	"full": {
		name: "full", payloads: core.Payloads, concs: []int{1, 16, 64, 256},
		streamConcs: []int{1, 16}, nets: []string{"lan", "wan"},
		works:      []time.Duration{10 * time.Microsecond, 100 * time.Microsecond, time.Millisecond},
		streamMsgs: 1000, uploadBytes: 16 << 20, chatPayloads: []core.Payload{core.Payload100B, core.Payload1KiB},
		conns: []int{4}, tls: true, gzipPayloads: []core.Payload{core.Payload1KiB, core.Payload64KiB, core.Payload1MiB},
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
// real (default) bcrypt cost so that ValidateUser shows what it costs.
func newService(tb testing.TB, opts ...core.Option) *core.Service {
	tb.Helper()
	svc, err := core.New(append([]core.Option{
		core.WithUser(benchUser, benchPW),
		core.WithBcryptCost(bcrypt.DefaultCost),
	}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}
