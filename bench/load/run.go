package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"restvsgrpc/bench/result"
	"restvsgrpc/internal/core"
	"restvsgrpc/internal/hist"
)

// Option configures Run.
type Option func(*config)

type config struct {
	workers     int
	rate        float64
	arrivals    Arrivals
	seed        uint64
	duration    time.Duration
	calls       int64
	warmup      time.Duration
	tolerance   float64
	late        time.Duration
	serverPID   int
	watchPIDs   []int
	maxSteal    float64
	retries     int
	procDir     string
	progress    func(Progress)
	progressInt time.Duration
	warmCalls   int
	stopOnError bool
	onOpen      func()
}

// WithWorkers sets the number of concurrent calls (default 1). In the open
// loop it caps the calls in flight: when all are busy, due calls wait and
// are charged for the wait.
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithRate makes the run open-loop: calls are due at rate per second,
// spaced by the given arrival law. Zero (the default) is the closed loop.
func WithRate(rate float64, a Arrivals) Option {
	return func(c *config) { c.rate, c.arrivals = rate, a }
}

// WithSeed fixes the Poisson draws (default 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithDuration sets the measured window's length (default 10s).
func WithDuration(d time.Duration) Option { return func(c *config) { c.duration, c.calls = d, 0 } }

// WithCalls ends the measured window after n calls instead of a duration.
func WithCalls(n int64) Option { return func(c *config) { c.calls, c.duration = n, 0 } }

// WithWarmup runs calls for d before the measured window; they are not
// recorded (default none).
func WithWarmup(d time.Duration) Option { return func(c *config) { c.warmup = d } }

// WithWarmupCalls has every worker make n calls of its own, unrecorded,
// before the run starts (connections, streams, first allocations); a
// failed one fails Run. It comes before any WithWarmup time.
func WithWarmupCalls(n int) Option { return func(c *config) { c.warmCalls = n } }

// WithStopOnError ends the run at the first failed call, which the
// Result's Errors hold, as benchmarks want: an error is never timed as a
// result.
func WithStopOnError() Option { return func(c *config) { c.stopOnError = true } }

// WithOnOpen calls fn as the measured window opens, before any measured
// call and before the window's CPU and byte counters are read: a benchmark
// resets its timer and its own counters there.
func WithOnOpen(fn func()) Option { return func(c *config) { c.onOpen = fn } }

// WithRateTolerance sets how far below the target rate the achieved rate
// may fall, as a fraction (default 0.05): beyond it Result.Check fails.
func WithRateTolerance(f float64) Option { return func(c *config) { c.tolerance = f } }

// WithLateThreshold sets how far behind its intended start a call may be
// sent before it counts as late (default 1ms).
func WithLateThreshold(d time.Duration) Option { return func(c *config) { c.late = d } }

// WithServerPID reads the server's CPU time from /proc/pid/stat.
func WithServerPID(pid int) Option { return func(c *config) { c.serverPID = pid } }

// WithWatchPIDs reads the CPU time of further processes over the window
// as it does the server's, e.g. a balancer's and each of its backends'
// (Result.Watched, in the order given).
func WithWatchPIDs(pids ...int) Option {
	return func(c *config) { c.watchPIDs = append([]int(nil), pids...) }
}

// WithMaxSteal flags a window whose CPU steal, in CPUs, passes max
// (default 0.1); with WithRetries such a window is measured again.
func WithMaxSteal(max float64) Option { return func(c *config) { c.maxSteal = max } }

// WithRetries measures a window again, up to n more times, while its steal
// passes the maximum.
func WithRetries(n int) Option { return func(c *config) { c.retries = n } }

// WithProcDir reads /proc files from dir instead, for tests.
func WithProcDir(dir string) Option { return func(c *config) { c.procDir = dir } }

// WithProgress calls fn every interval with the figures so far.
func WithProgress(interval time.Duration, fn func(Progress)) Option {
	return func(c *config) { c.progressInt, c.progress = interval, fn }
}

// Progress is a live view of a run.
type Progress struct {
	Warmup  bool          // still warming up
	Elapsed time.Duration // since the measured window started
	Calls   int64         // completed in the window
	Errors  int64
	Rate    float64       // calls per second over the last interval
	P99     time.Duration // response time so far
	// Done is the fraction of a fixed-length run completed, 0 to 1.
	Done float64
}

// Result is what a run measured, in the result schema.
type Result = result.Result

// ErrNoCalls means the window ended before any call completed.
var ErrNoCalls = result.ErrNoCalls

// Run drives t and returns what it measured. On ctx's end it returns the
// figures of the calls completed so far, with Interrupted set. It fails
// only when the run could not be made (a caller could not be set up); the
// run's own verdict, errors and rate, is Result.Check.
func Run(ctx context.Context, t Target, opts ...Option) (*Result, error) {
	cfg := config{workers: 1, arrivals: Constant, seed: 1, duration: 10 * time.Second, tolerance: 0.05, late: time.Millisecond, maxSteal: 0.1, procDir: "/proc", progressInt: time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.workers < 1:
		return nil, fmt.Errorf("workers %d: want at least 1", cfg.workers)
	case cfg.rate < 0 || math.IsNaN(cfg.rate) || math.IsInf(cfg.rate, 0):
		return nil, fmt.Errorf("rate %v: want a positive number, or 0 for the closed loop", cfg.rate)
	case cfg.duration <= 0 && cfg.calls <= 0:
		return nil, errors.New("neither a duration nor a number of calls")
	case cfg.warmup < 0:
		return nil, fmt.Errorf("warmup %v: must not be negative", cfg.warmup)
	case cfg.warmCalls < 0:
		return nil, fmt.Errorf("warm-up calls %d: must not be negative", cfg.warmCalls)
	}

	callers := make([]Caller, cfg.workers)
	defer func() {
		for _, c := range callers {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range callers {
		c, err := t.NewCaller(ctx, i)
		if err != nil {
			return nil, err
		}
		callers[i] = c
	}

	if err := warmUp(ctx, callers, cfg.warmCalls); err != nil {
		return nil, err
	}
	meter := cpuMeter{procDir: cfg.procDir, serverPID: cfg.serverPID, watch: cfg.watchPIDs}
	if _, err := meter.read(); err != nil {
		return nil, err
	}
	var (
		res       *Result
		discarded int
	)
	for attempt := 0; ; attempt++ {
		warmup := cfg.warmup
		if attempt > 0 {
			warmup = 0 // the server is warm already
		}
		w := &window{cfg: cfg, t: t, callers: callers, meter: meter, warmup: warmup}
		r, err := w.run(ctx)
		if err != nil {
			return nil, err
		}
		res = r
		if r.Interrupted || !r.StealFlagged || attempt >= cfg.retries {
			break
		}
		discarded++
	}
	res.Discarded = discarded
	res.Protocol = t.Protocol()
	return res, nil
}

// warmUp has every caller make n calls at once, and returns the first
// failure.
func warmUp(ctx context.Context, callers []Caller, n int) error {
	if n == 0 {
		return nil
	}
	errs := make([]error, len(callers))
	var wg sync.WaitGroup
	for i, c := range callers {
		wg.Go(func() {
			for range n {
				if _, err := c.Call(ctx); err != nil {
					errs[i] = fmt.Errorf("warm-up of worker %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// window is one measured window with its warm-up.
type window struct {
	cfg     config
	t       Target
	callers []Caller
	meter   cpuMeter
	warmup  time.Duration

	start  time.Time
	stopAt time.Duration // no call starts at or after this offset
	issued atomic.Int64  // calls started in the measured window
	mu     sync.Mutex    // guards sched
	sched  schedule
	shards []*shard
	stop   context.CancelFunc // ends the calls (WithStopOnError)

	// open takes the "before" readings when the measured window opens:
	// the first worker to start a measured call does it, before that call.
	open     sync.Once
	opened   chan struct{}
	before   cpuSnap
	counters Counters

	// shut takes the "after" readings at the window's end in a closed
	// loop with a duration, while the calls then in flight finish.
	shut      sync.Once
	onTime    bool // the readings were taken when the window ran out
	after     cpuSnap
	afterErr  error
	afterCtrs Counters
}

// closeWindow takes the "after" readings, once; onTime says the window
// ran out rather than the run ended.
func (w *window) closeWindow(onTime bool) {
	w.shut.Do(func() {
		w.after, w.afterErr = w.meter.read()
		w.afterCtrs = w.t.Counters()
		w.onTime = onTime
	})
}

func (w *window) snapshot() {
	if w.cfg.onOpen != nil {
		w.cfg.onOpen()
	}
	w.before, _ = w.meter.read()
	w.counters = w.t.Counters()
	close(w.opened)
}

// shard is the statistics of one worker (or a few, when there are more
// workers than shards).
type shard struct {
	mu       sync.Mutex
	resp     hist.Histogram // from the intended start (open loop only)
	svc      hist.Histogram // from the actual send
	first    hist.Histogram // to the first streamed message
	calls    int64
	errs     int64
	late     int64
	msgsIn   int64
	msgsOut  int64
	bytes    Counters // body and gRPC counts of the calls recorded
	lastEnd  time.Duration
	codes    map[string]int64
	firstErr map[string]string
}

// shardCount is how many statistics shards serve n workers: one per
// worker up to 16, or 4 per CPU on bigger machines, so that memory stays
// flat (each shard holds up to three histograms of about 200 KiB) however
// many workers run; workers take a shard's lock once per flushEvery calls.
func shardCount(n int) int { return min(n, max(16, 4*runtime.GOMAXPROCS(0))) }

func (w *window) run(ctx context.Context) (*Result, error) {
	cfg := w.cfg
	open := cfg.rate > 0
	n := shardCount(cfg.workers)
	w.shards = make([]*shard, n)
	for i := range w.shards {
		s := &shard{codes: map[string]int64{}, firstErr: map[string]string{}}
		w.shards[i] = s
	}
	w.stopAt = time.Duration(math.MaxInt64)
	if cfg.duration > 0 {
		w.stopAt = w.warmup + cfg.duration
	}
	if open {
		w.sched = newSchedule(cfg.arrivals, cfg.rate, cfg.seed)
	}

	// With WithStopOnError the first failure ends the run through callCtx;
	// an end of ctx is the caller's interrupt.
	callCtx, stop := context.WithCancel(ctx)
	defer stop()
	w.stop = stop
	var wg sync.WaitGroup
	w.opened = make(chan struct{})
	w.start = time.Now()
	for i, c := range w.callers {
		s := w.shards[i%n]
		wg.Go(func() {
			if open {
				w.openLoop(callCtx, c, s)
			} else {
				w.closedLoop(callCtx, c, s)
			}
		})
	}
	stopProgress := w.progress(callCtx, w.opened)
	// A closed loop with a duration is measured over the window itself:
	// the calls started in it (awaited, so that each latency is recorded),
	// and the CPUs and bytes used until it ends. Readings taken after the
	// last call's end instead would add the drain, when fewer and fewer
	// calls are in flight: with 1,000 callers of 1 s calls and a 3 s
	// window, a rate 0.79× the server's (the crosscheck found it).
	bounded := !open && cfg.duration > 0 && cfg.calls == 0
	if bounded {
		// Wait for the window to open (or the run to end in its warm-up),
		// then for its end.
		go func() {
			select {
			case <-w.opened:
			case <-callCtx.Done():
				return
			}
			t := time.NewTimer(time.Until(w.start.Add(w.stopAt)))
			defer t.Stop()
			select {
			case <-t.C:
				w.closeWindow(true)
			case <-callCtx.Done():
			}
		}()
	}
	wg.Wait()
	stopProgress()
	stop() // ends the timer above when the window did not run out
	interrupted := ctx.Err() != nil
	w.open.Do(w.snapshot) // when the run ended in its warm-up
	before := w.before
	w.closeWindow(false) // unless the window ran out: at the run's end
	after, err, ctrs := w.after, w.afterErr, w.afterCtrs
	if err != nil && !interrupted {
		return nil, err
	}
	c := ctrs.Sub(w.counters)

	res := w.result()
	if w.onTime {
		res.Window = after.at.Sub(before.at)
		res.Rate = float64(res.Calls) / res.Window.Seconds()
	}
	res.Interrupted = interrupted
	res.Counters.WireIn, res.Counters.WireOut = c.WireIn, c.WireOut
	res.Counters.Conns = w.t.Counters().Conns // dialed so far, warm-up included
	res.ClientCPU = after.client - before.client
	res.ClientCPUs = runtime.GOMAXPROCS(0)
	if after.serverOK && before.serverOK {
		res.ServerCPU = after.server - before.server
		res.ServerCPUMeasured = true
		res.ServerCPUs = w.meter.cpusOf(w.meter.serverPID)
	}
	if len(after.watched) == len(w.meter.watch) && len(before.watched) == len(w.meter.watch) {
		for i, pid := range w.meter.watch {
			res.Watched = append(res.Watched, result.ProcessCPU{PID: pid, CPU: after.watched[i] - before.watched[i], CPUs: w.meter.cpusOf(pid)})
		}
	}
	if wall := after.at.Sub(before.at); after.stealOK && before.stealOK && wall > 0 {
		res.StealCPU = float64(after.steal-before.steal) / float64(wall)
		res.StealMeasured = true
		res.StealFlagged = res.StealCPU > cfg.maxSteal
	}
	res.MaxSteal = cfg.maxSteal
	return res, nil
}

// closedLoop makes one call after another until the window ends.
func (w *window) closedLoop(ctx context.Context, c Caller, s *shard) {
	p := new(pending)
	defer w.flush(s, p)
	opened := false // this worker has passed w.open
	for ctx.Err() == nil {
		at := time.Since(w.start)
		if at >= w.stopAt {
			return
		}
		measured := at >= w.warmup
		if measured && w.cfg.calls > 0 && w.issued.Add(1) > w.cfg.calls {
			return
		}
		if measured && !opened {
			w.open.Do(w.snapshot)
			opened = true
			at = time.Since(w.start) // the snapshot is not the call's time
		}
		out, err := c.Call(ctx)
		end := time.Since(w.start)
		if measured {
			w.record(ctx, s, p, at, at, end, out, err)
		}
	}
}

// openLoop takes the next due call from the schedule, waits for its time
// and makes it, until the window ends.
func (w *window) openLoop(ctx context.Context, c Caller, s *shard) {
	p := new(pending)
	defer w.flush(s, p)
	var timer *time.Timer // one per worker, not one per call
	opened := false       // this worker has passed w.open
	for ctx.Err() == nil {
		w.mu.Lock()
		due := w.sched.next()
		measured := due >= w.warmup
		over := due >= w.stopAt || (measured && w.cfg.calls > 0 && w.issued.Add(1) > w.cfg.calls)
		w.mu.Unlock()
		if over {
			return
		}
		sent := time.Since(w.start)
		if wait := due - sent; wait > 0 {
			if timer == nil {
				timer = time.NewTimer(wait)
				defer timer.Stop()
			} else {
				timer.Reset(wait) // drained: its last value was received
			}
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			sent = time.Since(w.start)
		}
		// The window opens at the first measured send, not when a worker
		// takes a due call that may be many calls ahead of the clock.
		if measured && !opened {
			w.open.Do(w.snapshot)
			opened = true
			sent = time.Since(w.start)
		}
		out, err := c.Call(ctx)
		end := time.Since(w.start)
		if measured {
			w.record(ctx, s, p, due, sent, end, out, err)
		}
	}
}

// flushEvery is how many successful calls a worker records on its own
// before it adds them to its shard under the shard's lock: thousands of
// workers then share a few shards without contending for them.
const flushEvery = 32

// pending is a worker's successful calls not yet added to its shard.
type pending struct {
	n                int
	svc, resp, first [flushEvery]time.Duration // first: 0 when not measured
	calls, late      int64
	msgsIn, msgsOut  int64
	bytes            Counters
	lastEnd          time.Duration
}

// record adds one call to the worker's pending calls, or a failure to its
// shard at once (failures are rare and their first message is kept).
// Calls cut by the run's own end (ctx) are not counted: they measured
// nothing.
func (w *window) record(ctx context.Context, s *shard, p *pending, due, sent, end time.Duration, out Outcome, err error) {
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		if w.cfg.stopOnError {
			w.stop()
		}
		code := core.CodeOf(err).String()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.lastEnd = max(s.lastEnd, end)
		s.errs++
		s.codes[code]++
		if _, ok := s.firstErr[code]; !ok {
			s.firstErr[code] = err.Error()
		}
		return
	}
	p.lastEnd = max(p.lastEnd, end)
	p.calls++
	p.msgsIn += out.MsgsIn
	p.msgsOut += out.MsgsOut
	p.bytes.BodyIn += out.BodyIn
	p.bytes.BodyOut += out.BodyOut
	p.bytes.GRPCWireIn += out.GRPCWireIn
	p.bytes.GRPCWireOut += out.GRPCWireOut
	p.svc[p.n] = end - sent
	p.resp[p.n] = end - due
	if w.cfg.rate > 0 && sent-due > w.cfg.late {
		p.late++
	}
	p.first[p.n] = out.FirstMsg
	p.n++
	if p.n == flushEvery {
		w.flush(s, p)
	}
}

// flush adds the worker's pending calls to its shard.
func (w *window) flush(s *shard, p *pending) {
	if p.calls == 0 {
		return
	}
	open := w.cfg.rate > 0
	s.mu.Lock()
	for i := range p.n {
		s.svc.Record(p.svc[i])
		if open {
			s.resp.Record(p.resp[i])
		}
		if p.first[i] > 0 {
			s.first.Record(p.first[i])
		}
	}
	s.calls += p.calls
	s.late += p.late
	s.msgsIn += p.msgsIn
	s.msgsOut += p.msgsOut
	s.bytes.BodyIn += p.bytes.BodyIn
	s.bytes.BodyOut += p.bytes.BodyOut
	s.bytes.GRPCWireIn += p.bytes.GRPCWireIn
	s.bytes.GRPCWireOut += p.bytes.GRPCWireOut
	s.lastEnd = max(s.lastEnd, p.lastEnd)
	s.mu.Unlock()
	*p = pending{}
}

// result merges the shards.
func (w *window) result() *Result {
	cfg := w.cfg
	r := &Result{
		Mode:     "closed",
		Workers:  cfg.workers,
		Warmup:   w.warmup,
		Errors:   map[string]int64{},
		ErrorMsg: map[string]string{},
	}
	if cfg.rate > 0 {
		r.Mode = "open"
		r.TargetRate = cfg.rate
		r.Arrivals = string(cfg.arrivals)
		r.Tolerance = cfg.tolerance
	}
	var resp, svc, first hist.Histogram
	var lastEnd time.Duration
	for _, s := range w.shards {
		s.mu.Lock()
		resp.Merge(s.resp)
		svc.Merge(s.svc)
		first.Merge(s.first)
		r.Calls += s.calls
		r.ErrorCount += s.errs
		r.Late += s.late
		r.MsgsIn += s.msgsIn
		r.MsgsOut += s.msgsOut
		r.Counters.BodyIn += s.bytes.BodyIn
		r.Counters.BodyOut += s.bytes.BodyOut
		r.Counters.GRPCWireIn += s.bytes.GRPCWireIn
		r.Counters.GRPCWireOut += s.bytes.GRPCWireOut
		lastEnd = max(lastEnd, s.lastEnd)
		for k, v := range s.codes {
			r.Errors[k] += v
		}
		for k, v := range s.firstErr {
			if _, ok := r.ErrorMsg[k]; !ok {
				r.ErrorMsg[k] = v
			}
		}
		s.mu.Unlock()
	}
	r.Service = svc
	r.Response = r.Service
	if cfg.rate > 0 {
		r.Response = resp
	}
	r.FirstMsg = first
	if lastEnd > w.warmup {
		r.Window = lastEnd - w.warmup
		r.Rate = float64(r.Calls) / r.Window.Seconds()
	}
	return r
}

// progress reports every interval until the returned stop is called.
func (w *window) progress(ctx context.Context, measuring <-chan struct{}) (stop func()) {
	if w.cfg.progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(w.cfg.progressInt)
		defer tick.Stop()
		var lastCalls int64
		lastAt := time.Now()
		var p99 hist.Histogram
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-tick.C:
				select {
				case <-measuring:
				default:
					w.cfg.progress(Progress{Warmup: true, Elapsed: now.Sub(w.start)})
					continue
				}
				// The tick's time can precede the window's opening, which
				// the check above saw: the report is of this moment.
				now = time.Now()
				p := Progress{Elapsed: now.Sub(w.start) - w.warmup}
				p99.Reset()
				for _, s := range w.shards {
					s.mu.Lock()
					p.Calls += s.calls
					p.Errors += s.errs
					if w.cfg.rate > 0 {
						p99.Merge(s.resp)
					} else {
						p99.Merge(s.svc)
					}
					s.mu.Unlock()
				}
				p.P99 = p99.Percentile(99)
				p.Rate = float64(p.Calls-lastCalls) / now.Sub(lastAt).Seconds()
				lastCalls, lastAt = p.Calls, now
				switch {
				case w.cfg.calls > 0:
					p.Done = min(1, float64(p.Calls+p.Errors)/float64(w.cfg.calls))
				case w.cfg.duration > 0:
					p.Done = min(1, p.Elapsed.Seconds()/w.cfg.duration.Seconds())
				}
				w.cfg.progress(p)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
