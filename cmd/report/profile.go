package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"restvsgrpc/internal/variant"
)

// A profile is how much to measure.
type profile struct {
	name string
	// go test -bench subset.
	// benchRegexes are the -bench patterns run in turn. A pattern with more
	// levels than a benchmark's name does not report that benchmark, hence
	// one pattern per shape of name.
	benchRegexes []string
	benchCount   int
	benchTime    string
	benchEst     time.Duration // the subset's expected wall time
	// Load-driver sweeps.
	variants  []string
	unary     []loadCase // closed loop, one window per variant and repetition
	open      []loadCase // open loop: each case at every rate
	rates     []int
	streams   []loadCase
	works     []time.Duration // server work levels; the first is the base
	workCases []loadCase      // closed-loop cases run at the other work levels
	// codecs are the closed-loop cases of the Codecs section, run for
	// every variant of variant.Libraries in both client modes (bytes for
	// the server's CPU, decode for the client's) at the base work,
	// codecWins times each.
	codecs    []loadCase
	codecWins int
	// middle are the closed-loop cases of the Middle ways section, run in
	// decode mode (the middle ways have no bytes mode) for variant.MiddleCompared,
	// middleWins times each.
	middle     []loadCase
	middleWins int
	windows    int // repetitions of each closed-loop case
	// settlePairs more pairs are measured, after the plan, of each of at
	// most settleMax load-driver conditions that leave a verdict uncertain
	// (settle.go).
	settlePairs, settleMax int
	openWins               int           // repetitions of each open-loop rate
	duration               time.Duration // measured part of a window
	warmup                 time.Duration
	maxSteal               float64
	retries                int
	p99Bound               time.Duration
}

// A loadCase is one condition the load driver runs for every variant.
type loadCase struct {
	rpc, payload string
	conc         int
}

var profiles = map[string]*profile{
	// smoke checks that everything runs, in about a minute; its figures are
	// too thin to trust.
	"smoke": {
		name:         "smoke",
		benchRegexes: []string{`^Benchmark(Codec|Unary)$/^(msg=Transaction|rpc=GetTransaction)$/^(codec=.*|variant=(rest|grpc))$/^(op=encode|payload=100B)$`},
		benchCount:   1,
		benchTime:    "10ms",
		benchEst:     20 * time.Second,
		variants:     []string{"rest", "grpc"},
		unary:        []loadCase{{"GetTransaction", "100B", 8}},
		open:         []loadCase{{"GetTransaction", "100B", 8}},
		rates:        []int{500, 2000},
		streams:      []loadCase{{"ListTransactions", "1KiB", 1}, {"Upload", "1KiB", 1}, {"Chat", "100B", 1}},
		works:        []time.Duration{0, 100 * time.Microsecond},
		workCases:    []loadCase{{"GetTransaction", "100B", 8}},
		codecs:       []loadCase{{"GetTransaction", "1KiB", 8}},
		codecWins:    1,
		windows:      2,
		openWins:     1,
		duration:     300 * time.Millisecond,
		warmup:       100 * time.Millisecond,
		maxSteal:     0.1,
		retries:      1,
		p99Bound:     10 * time.Millisecond,
	},
	"quick": {
		name: "quick",
		// The load driver measures unary calls and streams on loopback;
		// go test adds the simulated networks and server work at 1 KiB (with
		// the loopback rows they are compared with), the codecs and the
		// login. Its streams (64 KiB feeds, wan) are for the full profile.
		benchRegexes: []string{
			`^BenchmarkUnary$/^rpc=GetTransaction$/^variant=(rest|rest-proto|rest-h2c|grpc)$/^payload=1KiB$`,
			`^Benchmark(Codec|ValidateUser)$/^(msg=Transaction|variant=.*)$`,
		},
		benchCount: 6,
		// 100ms, not less: a wan call takes 41 ms, and go test stops after
		// its one-op probe when that alone passes the benchtime, leaving a
		// conc=64 row with one op (bench refuses such rows).
		benchTime: "100ms",
		benchEst:  150 * time.Second,
		variants:  variant.All,
		unary: []loadCase{
			{"GetTransaction", "100B", 1}, {"GetTransaction", "100B", 64},
			{"GetTransaction", "64KiB", 1}, {"GetTransaction", "64KiB", 64},
		},
		open:      []loadCase{{"GetTransaction", "100B", 64}},
		rates:     []int{2000, 8000, 16000, 24000, 32000},
		streams:   []loadCase{{"ListTransactions", "1KiB", 1}, {"Upload", "1KiB", 1}, {"Chat", "1KiB", 1}},
		works:     []time.Duration{0, 100 * time.Microsecond},
		workCases: []loadCase{{"GetTransaction", "100B", 64}},
		// 9 pairs: the fewest whose exact 95% interval of the median
		// ratio leaves out the extremes (2nd to 8th), so that one odd pair
		// does not leave a condition uncertain.
		windows: 9,
		// As many pairs again for up to two conditions: 45 s at most.
		settlePairs: 9,
		settleMax:   2,
		openWins:    2,
		duration:    600 * time.Millisecond,
		warmup:      200 * time.Millisecond,
		maxSteal:    0.1,
		retries:     2,
		p99Bound:    10 * time.Millisecond,
	},
	"full": {
		name:         "full",
		benchRegexes: []string{`^Benchmark(Codec|Unary|ValidateUser|ServerStream|ClientStream|Bidi)$`},
		benchCount:   8,
		benchTime:    "200ms",
		// Measured: 12m0s on 2 CPUs (the stream benchmarks are slow).
		benchEst: 12 * time.Minute,
		variants: variant.All,
		unary: append(cross([]string{"GetTransaction"}, []string{"100B", "1KiB", "64KiB", "1MiB"}, []int{1, 16, 64, 256}),
			loadCase{"ValidateToken", "100B", 1}, loadCase{"ValidateToken", "100B", 64}),
		open:      []loadCase{{"GetTransaction", "100B", 64}, {"GetTransaction", "64KiB", 64}},
		rates:     []int{1000, 4000, 8000, 16000, 24000, 32000, 48000},
		streams:   cross([]string{"ListTransactions", "Upload", "Chat"}, []string{"1KiB", "64KiB"}, []int{1}),
		works:     []time.Duration{0, 10 * time.Microsecond, 100 * time.Microsecond, time.Millisecond},
		workCases: []loadCase{{"GetTransaction", "1KiB", 64}},
		// No stream: a feed's windows would cost four more minutes. 8
		// pairs, as the other closed-loop cases have.
		codecs:    []loadCase{{"GetTransaction", "1KiB", 64}, {"GetTransaction", "64KiB", 64}},
		codecWins: 8,
		// Six pairs, the fewest with a 95% interval of the median, fit the
		// hour beside the Codecs windows.
		middle:      []loadCase{{"GetTransaction", "1KiB", 64}},
		middleWins:  6,
		windows:     8,
		settlePairs: 8,
		settleMax:   3,
		openWins:    3,
		duration:    1500 * time.Millisecond,
		warmup:      500 * time.Millisecond,
		maxSteal:    0.1,
		retries:     3,
		p99Bound:    10 * time.Millisecond,
	},
}

// only returns a copy of p that measures only the named parts
// (profileParts): the others are emptied.
func (p *profile) only(parts []string) *profile {
	q := *p
	if !slices.Contains(parts, "bench") {
		q.benchRegexes, q.benchEst = nil, 0
	}
	if !slices.Contains(parts, "load") {
		q.unary, q.open, q.streams, q.workCases, q.settleMax = nil, nil, nil, nil, 0
		q.works = q.works[:1] // the base work, which the other parts run at
	}
	if !slices.Contains(parts, "codecs") {
		q.codecs = nil
	}
	if !slices.Contains(parts, "middle") {
		q.middle = nil
	}
	return &q
}

func cross(rpcs, payloads []string, concs []int) []loadCase {
	var out []loadCase
	for _, r := range rpcs {
		for _, p := range payloads {
			for _, c := range concs {
				out = append(out, loadCase{r, p, c})
			}
		}
	}
	return out
}

func profileNames() []string {
	var ns []string
	for n := range profiles {
		ns = append(ns, n)
	}
	order := map[string]int{"quick": 0, "full": 1, "smoke": 2}
	sort.Slice(ns, func(i, j int) bool { return order[ns[i]] < order[ns[j]] })
	return ns
}

// A window is one load-driver invocation.
type window struct {
	variant string
	c       loadCase
	rate    int           // 0: closed loop
	work    time.Duration // server work per call
	// check is the client mode (bytes or decode); "" leaves the load
	// driver's default, bytes.
	check string
	// set names the report section whose raw file the window is in
	// ("middle"), when its results must not merge with another section's
	// windows of the same case; "" for none.
	set string
	rep int
}

func (w window) name() string {
	return fmt.Sprintf("%s-%s-%s", w.c.rpc, w.variant, strings.TrimPrefix(w.slice(), w.c.rpc+"-"))
}

// slice names the slice of w: the windows of every variant at one case,
// rate, server work, client mode and repetition, which run back to back
// and pair up.
func (w window) slice() string {
	mode := "closed"
	if w.rate > 0 {
		mode = fmt.Sprintf("open-%d", w.rate)
	}
	if w.check != "" {
		mode += "-" + w.check
	}
	if w.set != "" {
		mode += "-" + w.set
	}
	return fmt.Sprintf("%s-%s-c%d-%s-w%s-%d", w.c.rpc, w.c.payload, w.c.conc, mode, durationName(w.work), w.rep)
}

// interleave returns the variants in the order of repetition rep: forward on
// even repetitions, backward on odd ones (A B C D, D C B A, …), so that slow
// drift of the machine touches every variant alike.
func interleave(variants []string, rep int) []string {
	out := slices.Clone(variants)
	if rep%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// plan returns every load-driver window of the profile at one level of
// server work, in run order. Work other than the base runs only workCases.
func (p *profile) plan(work time.Duration) []window {
	var out []window
	base := work == p.works[0]
	add := func(c loadCase, rate, reps int) {
		vs := p.variants
		if c.rpc == "ListTransactions" && rate == 0 && slices.Contains(vs, "rest") {
			// REST's other feed: server-sent events.
			vs = append(slices.Clone(vs), variant.RESTSSE)
		}
		for rep := range reps {
			for _, v := range interleave(vs, rep) {
				out = append(out, window{variant: v, c: c, rate: rate, work: work, rep: rep})
			}
		}
	}
	var done []loadCase
	if !base {
		for _, c := range p.workCases {
			add(c, 0, p.windows)
		}
		return out
	}
	// The work cases run at the base too, so that work is a dimension.
	for _, c := range append(slices.Clone(p.unary), p.workCases...) {
		if !slices.Contains(done, c) {
			add(c, 0, p.windows)
			done = append(done, c)
		}
	}
	for _, c := range p.streams {
		add(c, 0, p.windows)
	}
	for _, c := range p.open {
		for _, r := range p.rates {
			add(c, r, p.openWins)
		}
	}
	return out
}

// codecPlan returns the windows of the Codecs section in run order: for
// each case and repetition, every library variant back to back in bytes
// mode, then in decode mode.
func (p *profile) codecPlan() []window {
	var out []window
	for _, c := range p.codecs {
		for rep := range p.codecWins {
			for _, check := range []string{"bytes", "decode"} {
				for _, v := range interleave(variant.Libraries, rep) {
					out = append(out, window{variant: v, c: c, work: p.works[0], check: check, rep: rep})
				}
			}
		}
	}
	return out
}

// middlePlan returns the windows of the Middle ways section in run order:
// for each case and repetition, every variant back to back in decode mode.
// Their names carry set=middle: the Codecs section measures rest and grpc
// in decode mode at the same case.
func (p *profile) middlePlan() []window {
	var out []window
	for _, c := range p.middle {
		for rep := range p.middleWins {
			for _, v := range interleave(variant.MiddleCompared, rep) {
				out = append(out, window{variant: v, c: c, work: p.works[0], check: "decode", set: "middle", rep: rep})
			}
		}
	}
	return out
}

// windowCost estimates the wall time of one window.
func (p *profile) windowCost() time.Duration {
	return p.duration + p.warmup + 350*time.Millisecond // start, login, exit
}

// serverCost estimates starting and stopping one server (its password is
// hashed at bcrypt's least cost).
const serverCost = 200 * time.Millisecond

// loadCost is the expected wall time of the windows ws, servers included.
func (p *profile) loadCost(ws []window) time.Duration {
	return time.Duration(len(ws))*p.windowCost() + time.Duration(len(serverRuns(ws)))*serverCost
}

// loadPlans returns every load-driver plan of the profile: one per level
// of server work, then the Codecs section's.
func (p *profile) loadPlans() [][]window {
	var out [][]window
	for _, w := range p.works {
		out = append(out, p.plan(w))
	}
	if len(p.codecs) > 0 {
		out = append(out, p.codecPlan())
	}
	if len(p.middle) > 0 {
		out = append(out, p.middlePlan())
	}
	return out
}

// estimate is the profile's expected wall time, builds excluded.
func (p *profile) estimate(benchCost time.Duration) time.Duration {
	total := benchCost
	for _, ws := range p.loadPlans() {
		total += p.loadCost(ws)
	}
	_, settle := p.settleCost()
	return total + settle
}

// durationName writes d as the benchmarks name it: "100us", "1ms", "0s".
func durationName(d time.Duration) string { return strings.ReplaceAll(d.String(), "µ", "u") }
