package load

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"restvsgrpc/internal/core"
)

// fakeTarget's callers run call; it counts every call made.
type fakeTarget struct {
	made atomic.Int64
	call func(ctx context.Context, n int64) (Outcome, error)
}

func (f *fakeTarget) NewCaller(context.Context, int) (Caller, error) {
	return CallerFunc(func(ctx context.Context) (Outcome, error) {
		n := f.made.Add(1)
		if f.call == nil {
			return Outcome{}, nil
		}
		return f.call(ctx, n)
	}), nil
}
func (f *fakeTarget) Counters() Counters { return Counters{} }
func (f *fakeTarget) Protocol() string   { return "fake" }
func (f *fakeTarget) Close() error       { return nil }

func TestClosedLoopCountsCallsAndErrors(t *testing.T) {
	t.Parallel()
	f := &fakeTarget{call: func(_ context.Context, n int64) (Outcome, error) {
		switch {
		case n%10 == 0:
			return Outcome{}, core.Errorf(core.CodeNotFound, "no record %d", n)
		case n%25 == 1:
			return Outcome{}, core.Errorf(core.CodeUnavailable, "try again")
		}
		return Outcome{MsgsIn: 2, BodyIn: 100, BodyOut: 10}, nil
	}}
	res, err := Run(context.Background(), f, WithWorkers(4), WithCalls(1000))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Calls + res.ErrorCount; got != 1000 {
		t.Errorf("calls + errors = %d, want 1000", got)
	}
	if got := res.Errors["not_found"] + res.Errors["unavailable"]; got != res.ErrorCount || res.Errors["not_found"] == 0 || res.Errors["unavailable"] == 0 {
		t.Errorf("errors by code %v, total %d", res.Errors, res.ErrorCount)
	}
	if !strings.Contains(res.ErrorMsg["not_found"], "no record") {
		t.Errorf("first not_found message %q", res.ErrorMsg["not_found"])
	}
	if res.Service.Count() != res.Calls || res.MsgsIn != 2*res.Calls || res.Counters.BodyIn != 100*res.Calls {
		t.Errorf("histogram count %d, msgs %d, body in %d for %d calls", res.Service.Count(), res.MsgsIn, res.Counters.BodyIn, res.Calls)
	}
	if err := res.Check(false); err == nil || !strings.Contains(err.Error(), "calls failed") {
		t.Errorf("Check = %v, want a calls-failed error", err)
	}
	if err := res.Check(true); err != nil {
		t.Errorf("Check with errors allowed = %v", err)
	}
}

func TestWarmupIsNotRecorded(t *testing.T) {
	t.Parallel()
	f := &fakeTarget{}
	res, err := Run(context.Background(), f, WithWorkers(2), WithWarmup(200*time.Millisecond), WithCalls(50))
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 50 {
		t.Errorf("calls = %d, want 50", res.Calls)
	}
	if made := f.made.Load(); made <= 50 {
		t.Errorf("%d calls made in all: the warm-up made none", made)
	}
}

// TestOpenLoopChargesStalls stalls one call for 100ms in an open-loop run
// at 1000/s with one worker: the calls due during the stall are sent late,
// and their response time, from their intended start, carries the wait
// that their service time does not (coordinated omission).
func TestOpenLoopChargesStalls(t *testing.T) {
	t.Parallel()
	const stall = 100 * time.Millisecond
	f := &fakeTarget{call: func(_ context.Context, n int64) (Outcome, error) {
		if n == 20 {
			time.Sleep(stall)
		}
		return Outcome{}, nil
	}}
	res, err := Run(context.Background(), f, WithWorkers(1), WithRate(1000, Constant), WithCalls(300), WithRateTolerance(0.99))
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 300 || res.Response.Count() != 300 || res.Service.Count() != 300 {
		t.Fatalf("calls %d, histograms %d and %d, want 300", res.Calls, res.Response.Count(), res.Service.Count())
	}
	// About 99 calls fell due during the stall; a slow machine only adds.
	if res.Late < 50 {
		t.Errorf("late = %d, want at least 50", res.Late)
	}
	if res.Response.Max() < stall || res.Service.Max() < stall {
		t.Errorf("max response %v, service %v: want both at least %v", res.Response.Max(), res.Service.Max(), stall)
	}
	// The call due just after the stall began waited about 99ms for a
	// send; its service time was short. So the response time's 90th
	// percentile (30 of 300 calls waited 70ms or more) passes 50ms.
	if p := res.Response.Percentile(90); p < 50*time.Millisecond {
		t.Errorf("response p90 %v, want ≥ 50ms: the waits of late calls were not charged", p)
	}
}

func TestOpenLoopShortOfRateFails(t *testing.T) {
	t.Parallel()
	f := &fakeTarget{call: func(context.Context, int64) (Outcome, error) {
		time.Sleep(5 * time.Millisecond) // at most 200 calls/s with one worker
		return Outcome{}, nil
	}}
	res, err := Run(context.Background(), f, WithWorkers(1), WithRate(1000, Poisson), WithDuration(150*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rate > 500 {
		t.Fatalf("achieved %v calls/s with a 5ms call and one worker", res.Rate)
	}
	if err := res.Check(false); err == nil || !strings.Contains(err.Error(), "short of the target") {
		t.Errorf("Check = %v, want a short-of-the-target error", err)
	}
}

func TestInterruptKeepsWhatWasMeasured(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeTarget{call: func(ctx context.Context, n int64) (Outcome, error) {
		if n == 200 {
			cancel()
		}
		if err := ctx.Err(); err != nil {
			return Outcome{}, err // cut by the interrupt: not an error of the run
		}
		return Outcome{}, nil
	}}
	res, err := Run(ctx, f, WithWorkers(3), WithDuration(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Calls < 150 || res.ErrorCount != 0 {
		t.Errorf("interrupted %v, calls %d, errors %d: want true, ≥150, 0", res.Interrupted, res.Calls, res.ErrorCount)
	}
}

// TestStealRetries feeds a /proc/stat whose steal grows with every call:
// each window is flagged, measured again up to -retries times, and the
// discarded windows are counted.
func TestStealRetries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var mu sync.Mutex
	var ticks int64
	writeStat := func() {
		mu.Lock()
		defer mu.Unlock()
		ticks += 1000 // 10 s of steal per call: far over any window
		stat := "cpu  1 2 3 4 5 6 7 " + strconv.FormatInt(ticks, 10) + " 0 0\n"
		if err := os.WriteFile(filepath.Join(dir, "stat.tmp"), []byte(stat), 0o644); err != nil {
			t.Error(err)
		}
		if err := os.Rename(filepath.Join(dir, "stat.tmp"), filepath.Join(dir, "stat")); err != nil {
			t.Error(err)
		}
	}
	writeStat()
	f := &fakeTarget{call: func(context.Context, int64) (Outcome, error) { writeStat(); return Outcome{}, nil }}
	res, err := Run(context.Background(), f, WithCalls(20), WithProcDir(dir), WithMaxSteal(0.5), WithRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Measured, Flagged bool
		Discarded         int
		Calls             int64
	}{res.StealMeasured, res.StealFlagged, res.Discarded, res.Calls}
	want := got
	want.Measured, want.Flagged, want.Discarded, want.Calls = true, true, 2, 20
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steal bookkeeping (-want +got):\n%s", diff)
	}
	if made := f.made.Load(); made != 60 {
		t.Errorf("%d calls made, want 3 windows of 20", made)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
	}{
		{"no workers", []Option{WithWorkers(0)}},
		{"negative rate", []Option{WithRate(-1, Constant)}},
		{"no length", []Option{WithDuration(0)}},
		{"negative warm-up", []Option{WithWarmup(-time.Second)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Run(context.Background(), &fakeTarget{}, tc.opts...); err == nil {
				t.Error("Run succeeded")
			}
		})
	}
}

func TestProgressIsReported(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []Progress
	)
	f := &fakeTarget{call: func(context.Context, int64) (Outcome, error) {
		time.Sleep(time.Millisecond)
		return Outcome{}, nil
	}}
	_, err := Run(context.Background(), f, WithWorkers(2), WithWarmup(100*time.Millisecond), WithDuration(200*time.Millisecond),
		WithProgress(10*time.Millisecond, func(p Progress) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, p)
		}))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var warm, measured bool
	for i, p := range seen {
		warm = warm || p.Warmup
		if !p.Warmup {
			measured = true
			if p.Done < 0 || p.Done > 1 || (p.Calls > 0 && p.P99 <= 0) || (i > 0 && !seen[i-1].Warmup && p.Calls < seen[i-1].Calls) {
				t.Errorf("progress %d: %+v", i, p)
			}
		}
	}
	if !warm || !measured {
		t.Errorf("%d reports, warm-up seen %v, measuring seen %v", len(seen), warm, measured)
	}
}

func TestWarmupCallsAndOnOpen(t *testing.T) {
	t.Parallel()
	var calls, atOpen atomic.Int64
	tg := TargetFunc(func(context.Context, int) (Caller, error) {
		return CallerFunc(func(context.Context) (Outcome, error) {
			calls.Add(1)
			return Outcome{}, nil
		}), nil
	})
	res, err := Run(context.Background(), tg, WithWorkers(3), WithCalls(30), WithWarmupCalls(2),
		WithOnOpen(func() { atOpen.Store(calls.Load()) }))
	if err != nil {
		t.Fatal(err)
	}
	if got := atOpen.Load(); got != 6 {
		t.Errorf("%d calls made when the window opened, want the 6 warm-up calls", got)
	}
	if res.Calls != 30 || calls.Load() != 36 {
		t.Errorf("%d calls recorded, %d made; want 30 and 36", res.Calls, calls.Load())
	}
}

func TestWarmupCallFailureFailsRun(t *testing.T) {
	t.Parallel()
	tg := TargetFunc(func(context.Context, int) (Caller, error) {
		return CallerFunc(func(context.Context) (Outcome, error) {
			return Outcome{}, core.Errorf(core.CodeUnauthenticated, "no token")
		}), nil
	})
	_, err := Run(context.Background(), tg, WithWorkers(2), WithCalls(10), WithWarmupCalls(1))
	if err == nil || !strings.Contains(err.Error(), "warm-up of worker") || !strings.Contains(err.Error(), "no token") {
		t.Errorf("Run = %v, want the warm-up failure", err)
	}
}

func TestStopOnError(t *testing.T) {
	t.Parallel()
	f := &fakeTarget{call: func(_ context.Context, n int64) (Outcome, error) {
		if n == 50 {
			return Outcome{}, core.Errorf(core.CodeInternal, "call %d broke", n)
		}
		return Outcome{}, nil
	}}
	res, err := Run(context.Background(), f, WithWorkers(4), WithCalls(100000), WithStopOnError())
	if err != nil {
		t.Fatal(err)
	}
	if res.ErrorCount != 1 || !strings.Contains(res.ErrorMsg["internal"], "call 50 broke") {
		t.Errorf("errors %v %v, want the one failure", res.Errors, res.ErrorMsg)
	}
	if made := f.made.Load(); made > 1000 {
		t.Errorf("%d calls made after a failure at the 50th, want the run to stop", made)
	}
	if res.Interrupted {
		t.Error("a stop on error is marked as an interrupt")
	}
}

// BenchmarkEngine measures what the engine itself costs per call, with
// callers that do nothing: it must stay flat from tens to thousands of
// workers.
func BenchmarkEngine(b *testing.B) {
	for _, workers := range []int{1, 64, 10000} {
		for _, mode := range []string{"closed", "open"} {
			b.Run("workers="+strconv.Itoa(workers)+"/mode="+mode, func(b *testing.B) {
				tg := TargetFunc(func(context.Context, int) (Caller, error) {
					return CallerFunc(func(context.Context) (Outcome, error) { return Outcome{}, nil }), nil
				})
				opts := []Option{WithWorkers(workers), WithCalls(int64(b.N)), WithProcDir(b.TempDir())}
				if mode == "open" {
					opts = append(opts, WithRate(1e9, Constant)) // always behind: no waiting
				}
				b.ReportAllocs()
				b.ResetTimer()
				if _, err := Run(context.Background(), tg, opts...); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// countingTarget is a fakeTarget whose Counters count the bytes of the
// calls completed so far: 1 byte in per call.
type countingTarget struct {
	fakeTarget
	done atomic.Int64
}

func (f *countingTarget) NewCaller(ctx context.Context, i int) (Caller, error) {
	c, _ := f.fakeTarget.NewCaller(ctx, i)
	return CallerFunc(func(ctx context.Context) (Outcome, error) {
		out, err := c.Call(ctx)
		f.done.Add(1)
		return out, err
	}), nil
}
func (f *countingTarget) Counters() Counters { return Counters{WireIn: f.done.Load()} }

// TestClosedLoopMeasuresTheWindow runs a closed loop whose second call
// outlasts the window by far: the window is the duration, not the time
// to the last call's end, and the bytes counted are those moved in it.
// Counting to the last call's end instead adds the drain, when fewer and
// fewer calls are in flight, and biases the rate low.
func TestClosedLoopMeasuresTheWindow(t *testing.T) {
	t.Parallel()
	const d = 400 * time.Millisecond
	f := &countingTarget{fakeTarget: fakeTarget{call: func(ctx context.Context, n int64) (Outcome, error) {
		wait := d / 2 // the first call ends mid-window, the second long after it
		if n > 1 {
			wait = 2 * d
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		return Outcome{}, nil
	}}}
	res, err := Run(context.Background(), f, WithDuration(d))
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 2 {
		t.Fatalf("calls = %d, want the 2 started in the window", res.Calls)
	}
	// The window opens at the first measured call, a moment after the run
	// starts, and closes when the duration has run out.
	if res.Window < d*3/4 || res.Window > d+d/4 {
		t.Errorf("window %v, want about the duration %v (the last call ended at %v)", res.Window, d, d/2+2*d)
	}
	if res.Counters.WireIn != 1 {
		t.Errorf("bytes in %d, want 1: the one call that ended in the window", res.Counters.WireIn)
	}
}

// TestWatchedProcessCPU watches this process while every call burns a
// millisecond of its CPU: the watched CPU over the window rises, and a
// process that does not exist fails the run before it starts.
func TestWatchedProcessCPU(t *testing.T) {
	t.Parallel()
	burn := func(context.Context, int64) (Outcome, error) {
		start := ownCPU()
		for ownCPU()-start < time.Millisecond {
		}
		return Outcome{}, nil
	}
	res, err := Run(context.Background(), &fakeTarget{call: burn}, WithCalls(100), WithWatchPIDs(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Watched) != 1 || res.Watched[0].PID != os.Getpid() || res.Watched[0].CPUs < 1 {
		t.Fatalf("watched %+v, want this process with its CPUs", res.Watched)
	}
	if res.Watched[0].CPU <= 0 || res.Busy(res.Watched[0]) <= 0 {
		t.Errorf("watched CPU %v (busy %.2f) over 100 calls of 1ms CPU each, want more than 0", res.Watched[0].CPU, res.Busy(res.Watched[0]))
	}
	if _, err := Run(context.Background(), &fakeTarget{}, WithCalls(1), WithWatchPIDs(0x3fffffff)); err == nil || !strings.Contains(err.Error(), "watched pid") {
		t.Errorf("watching a process that does not exist: %v, want an error naming it", err)
	}
}

// ownCPU is this process's user and system CPU so far.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
