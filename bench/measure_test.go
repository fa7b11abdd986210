package bench

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"restvsgrpc/bench/load"
	"restvsgrpc/internal/hist"
)

// worker is one concurrent caller: op does one timed operation; warmed,
// if set, is called once the untimed warm-up op has succeeded, to forget
// what that op recorded on its own (a stream's time to first record);
// done releases what the worker holds.
type worker struct {
	op     func() error
	warmed func()
	done   func()
}

// result is what measure observed.
type result struct {
	lat     *hist.Histogram
	elapsed time.Duration
}

// measure runs b.N operations split among conc workers made by newWorker,
// on the load driver's engine (bench/load.Run), each timed into an HDR
// histogram. Each worker runs one untimed warm-up operation first
// (connections, streams, first allocations). The first error fails the
// benchmark: errors are never timed as results. With a target, the bytes
// its server sockets carried during the timed part are reported as
// wire-B/op (both ways), and its protocol and connection reuse are
// checked. cpu-ns/op is the CPU time of the whole process (client, server,
// runtime) per op during the timed part.
func measure(b *testing.B, t *target, conc int, newWorker func(w int) (worker, error)) result {
	b.Helper()
	workers := make([]worker, conc)
	defer func() {
		for _, w := range workers {
			if w.done != nil {
				w.done()
			}
		}
	}()
	for i := range workers {
		w, err := newWorker(i)
		if err != nil {
			b.Fatalf("worker %d: %v", i, err)
		}
		workers[i] = w
	}
	tg := load.TargetFunc(func(_ context.Context, i int) (load.Caller, error) {
		w, warm := workers[i], true
		return load.CallerFunc(func(context.Context) (load.Outcome, error) {
			if err := w.op(); err != nil {
				return load.Outcome{}, fmt.Errorf("worker %d: %w", i, err)
			}
			if warm && w.warmed != nil {
				w.warmed()
			}
			warm = false
			return load.Outcome{}, nil
		}), nil
	})
	b.ReportAllocs()
	res, err := load.Run(context.Background(), tg,
		load.WithWorkers(conc), load.WithCalls(int64(b.N)), load.WithWarmupCalls(1), load.WithStopOnError(),
		load.WithOnOpen(func() {
			if t != nil {
				t.wire.Reset()
				if t.payload != nil {
					t.payload.reset()
				}
			}
			b.ResetTimer()
		}))
	// The counts end with the timed part, before anything else runs.
	var wire int64
	if t != nil {
		wire = t.wire.Total()
	}
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if err := res.Check(false); err != nil {
		b.Fatal(err)
	}
	if err := fewerOpsThanWorkers(b.N, conc, b.Elapsed(), benchTimeFlag()); err != nil && !testing.Short() {
		b.Fatal(err)
	}
	res.Service.Report(b)
	if res.ClientCPU > 0 {
		b.ReportMetric(float64(res.ClientCPU.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	if t != nil {
		t.check(b, conc)
		b.ReportMetric(float64(wire)/float64(b.N), "wire-B/op")
	}
	return result{lat: &res.Service, elapsed: res.Window}
}

// fewerOpsThanWorkers reports a result that would time fewer operations
// than there are workers: b.N operations keep only b.N of the conc workers
// busy, so such a row measures the latency of one round of calls, not the
// throughput of conc workers (on net=wan at -benchtime=20ms, b.N stays 1
// and conc=64 reads as one call per RTT). The testing package's first
// probe runs b.N=1; a result is final when -benchtime=Nx asks for N ops,
// or when the run already took -benchtime. The smoke (-short) is exempt:
// its figures are not results.
func fewerOpsThanWorkers(n, conc int, elapsed time.Duration, benchtime string) error {
	if n >= conc {
		return nil
	}
	times, d := parseBenchTime(benchtime)
	switch {
	case times > 0 && times < conc:
		return fmt.Errorf("-benchtime=%dx runs fewer ops than the %d workers: use at least %dx", times, conc, conc)
	case times == 0 && elapsed >= d:
		return fmt.Errorf("b.N=%d ops took %v, past -benchtime=%v, so the result would keep only %d of the %d workers busy: "+
			"raise -benchtime well above one op's latency, or use -benchtime=Nx with N >= %d", n, elapsed, d, n, conc, conc)
	}
	return nil
}

// benchTimeFlag returns the value of -benchtime.
func benchTimeFlag() string {
	if f := flag.Lookup("test.benchtime"); f != nil {
		return f.Value.String()
	}
	return ""
}

// parseBenchTime reads a -benchtime value: a count of ops (Nx), or else a
// duration (1s when unreadable, the testing package's default).
func parseBenchTime(s string) (times int, d time.Duration) {
	d = time.Second
	if v, ok := strings.CutSuffix(s, "x"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n, 0
		}
	}
	if v, err := time.ParseDuration(s); err == nil {
		d = v
	}
	return 0, d
}

// perSecond reports count events over r's elapsed time under unit.
func (r result) perSecond(b *testing.B, count float64, unit string) {
	if r.elapsed > 0 {
		b.ReportMetric(count/r.elapsed.Seconds(), unit)
	}
}
