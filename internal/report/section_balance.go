package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"restvsgrpc/bench/result"
)

// balancerWords names each lb= value of cmd/fleet's balanced runs.
var balancerWords = map[string]string{
	"none":       "none (one backend, called directly)",
	"haproxy-l4": "HAProxy L4 (mode tcp, round robin per connection)",
	"haproxy-l7": "HAProxy L7 (mode http, round robin per request)",
	"client-rr":  "gRPC client-side round_robin (no proxy)",
}

// balancerOrder sorts lb= values as the section presents them.
var balancerOrder = []string{"none", "haproxy-l4", "haproxy-l7", "client-rr"}

// balancedRun is one balanced run and its backends' shares of its calls.
type balancedRun struct {
	s      *Series
	shares []float64 // by backend, b0 first
	busy   []float64 // by backend: its CPU of its own CPUs over the window
	noBusy bool      // a backend line lacks server-busy (results before the fleet recorded it)
}

func (r balancedRun) lb() string      { return r.s.Key("lb") }
func (r balancedRun) variant() string { return r.s.Key("variant") }
func (r balancedRun) conns() string   { return r.s.Key("conns") }

// balancedRuns pairs each run of the balance section with its per-backend
// lines, in the section's order: balancer, connections, variant.
func (b *builder) balancedRuns() []balancedRun {
	var runs []balancedRun
	byName := map[string]int{}
	for _, s := range b.fleet["balance"] {
		if s.Key("backend") != "" {
			continue
		}
		byName[withoutBackend(s)] = len(runs)
		runs = append(runs, balancedRun{s: s})
	}
	for _, s := range b.fleet["balance"] {
		be := s.Key("backend")
		i, ok := byName[withoutBackend(s)]
		if be == "" || !ok {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(be, "b%d", &n); err != nil || n < 0 || n > 64 {
			continue
		}
		for len(runs[i].shares) <= n {
			runs[i].shares = append(runs[i].shares, 0)
			runs[i].busy = append(runs[i].busy, 0)
		}
		runs[i].shares[n] = med(s, "share")
		if s.Has("server-busy") {
			runs[i].busy[n] = med(s, "server-busy")
		} else {
			runs[i].noBusy = true
		}
	}
	slices.SortStableFunc(runs, func(a, c balancedRun) int {
		if d := slices.Index(balancerOrder, a.lb()) - slices.Index(balancerOrder, c.lb()); d != 0 {
			return d
		}
		if d := compareConns(a.conns(), c.conns()); d != 0 {
			return d
		}
		return variantColor(a.variant()) - variantColor(c.variant())
	})
	return runs
}

// bound is the run's bound class with each part's busy share: the
// balancer's of its one thread, each backend's of its own CPUs and theirs
// together of the CPUs they share, the driver's; "not recorded" for results
// from before cmd/fleet recorded them.
func (r balancedRun) bound() string {
	if r.noBusy || len(r.busy) == 0 || !r.s.Has("backends-busy") || !r.s.Has("client-busy") {
		return "not recorded"
	}
	together, driver := med(r.s, "backends-busy"), med(r.s, "client-busy")
	server := max(together, slices.Max(r.busy)) // one backend may run out alone
	balancer := 0.0
	var parts, each []string
	if r.s.Has("proxy-busy") {
		balancer = med(r.s, "proxy-busy")
		parts = append(parts, fmt.Sprintf("balancer %.2f", balancer))
	}
	for _, b := range r.busy {
		each = append(each, fmt.Sprintf("%.2f", b))
	}
	parts = append(parts, fmt.Sprintf("backends %s, together %.2f", strings.Join(each, "/"), together), fmt.Sprintf("driver %.2f", driver))
	return fmt.Sprintf("%s (%s)", result.ClassifyBalanced(driver, balancer, server), strings.Join(parts, ", "))
}

// withoutBackend is a series' keys, backend= left out, as one string.
func withoutBackend(s *Series) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.Keys)) {
		if k != "backend" {
			parts = append(parts, k+"="+s.Keys[k])
		}
	}
	return strings.Join(parts, "/")
}

// pin is a balanced run whose calls one backend served, at PinnedShare
// or more, where the same balancer spread rival's calls: the transport
// needs more setup behind that balancer.
type pin struct {
	lb, variant string
	share       float64
}

func (p pin) String() string {
	return fmt.Sprintf("behind %s one %s connection sent %.0f%% of the calls to one backend", lbShort(p.lb), p.variant, p.share*100)
}

// pinned returns the pins of variant (every variant but rival when "")
// against rival.
func (b *builder) pinned(variant, rival string) []pin {
	var out []pin
	runs := b.balancedRuns()
	spread := func(r balancedRun) bool {
		return len(r.shares) > 1 && slices.Max(r.shares) < b.cfg.rules.PinnedShare
	}
	for _, r := range runs {
		if r.lb() == "none" || r.variant() == rival || (variant != "" && r.variant() != variant) || len(r.shares) < 2 || spread(r) {
			continue
		}
		for _, o := range runs {
			if o.lb() == r.lb() && o.conns() == r.conns() && o.variant() == rival && spread(o) {
				out = append(out, pin{r.lb(), r.variant(), slices.Max(r.shares)})
				break
			}
		}
	}
	return out
}

// lbShort names a balancer in a few words.
func lbShort(lb string) string {
	switch lb {
	case "haproxy-l4":
		return "an L4 balancer"
	case "haproxy-l7":
		return "an L7 balancer"
	}
	return lb
}

// balanced writes the "Behind a balancer" section from cmd/fleet's
// balance and failover files.
func (b *builder) balanced() string {
	var w strings.Builder
	w.WriteString("## Behind a balancer\n\n")
	runs := b.balancedRuns()
	if len(runs) == 0 {
		w.WriteString("Not measured: no balance results (`make fleet` writes them, as root with HAProxy).\n\n")
		return w.String()
	}
	n := 0
	for _, r := range runs {
		n = max(n, len(r.shares))
	}
	fmt.Fprintf(&w, "%d backends (`cmd/server` processes) behind each balancer; GetTransaction in a closed loop. Each backend's share comes from its own call counter (`/debug/stats`); calls/s and p99 from the load driver, against one backend called directly (balancer none); the proxy's CPU per call from its /proc/PID/stat over the run. The bound names the part that ran out of CPU first over the driver's window (the rule is under How verdicts are decided), with each part's busy share: the balancer of its one thread, each backend of its own CPU and the backends together of the CPUs they share, the driver of its own.\n\n", n)
	w.WriteString("| balancer | variant | connections |")
	for i := range n {
		fmt.Fprintf(&w, " b%d |", i)
	}
	w.WriteString(" calls/s | ÷ one backend | p99 | ÷ one backend | proxy CPU per call | bound |\n|---|---|---|")
	w.WriteString(strings.Repeat("---|", n+6) + "\n")
	base := map[string]*Series{}
	for _, r := range runs {
		if r.lb() == "none" && r.conns() == "default" {
			base[r.variant()] = r.s
		}
	}
	var bars []figBar
	for _, r := range runs {
		fmt.Fprintf(&w, "| %s | %s | %s |", balancerWords[r.lb()], r.variant(), connWords(r.conns(), r.variant()))
		for i := range n {
			if i < len(r.shares) {
				fmt.Fprintf(&w, " %.2f |", r.shares[i])
			} else {
				w.WriteString(" — |")
			}
		}
		rate, p99 := med(r.s, "req/s"), med(r.s, "p99-ns")
		vsRate, vsP99 := "—", "—"
		if o := base[r.variant()]; o != nil && o != r.s && med(o, "req/s") > 0 && med(o, "p99-ns") > 0 {
			vsRate, vsP99 = fmtX(rate/med(o, "req/s")), fmtX(p99/med(o, "p99-ns"))
		}
		proxy := "—"
		if r.s.Has("proxy-cpu-ns/op") {
			proxy = fmtDuration(med(r.s, "proxy-cpu-ns/op"))
		}
		fmt.Fprintf(&w, " %s/s | %s | %s | %s | %s | %s |\n", fmtSI(rate), vsRate, fmtDuration(p99), vsP99, proxy, r.bound())
		if r.lb() != "none" && len(r.shares) > 0 {
			bars = append(bars, figBar{cat: r.lb() + " conns " + r.conns(), series: r.variant(), s: Summarize(r.s.Values["max-share"])})
		}
	}
	w.WriteString("\n")
	if p := b.pinned("", "rest"); len(p) > 0 {
		fmt.Fprintf(&w, "Pinned (one backend served %.0f%% or more) where the same balancer spread rest's calls: %s. One long-lived HTTP/2 connection carries every call of its client, and an L4 balancer places connections, not calls. The remedies measured above: several connections (connections 6), a balancer that places each request (L7), or gRPC's client-side round_robin.\n\n", b.cfg.rules.PinnedShare*100, joinPins(p))
	} else {
		fmt.Fprintf(&w, "No balancer pinned a transport's calls to one backend (%.0f%% or more) while spreading rest's.\n\n", b.cfg.rules.PinnedShare*100)
	}
	var ns []int
	for _, r := range runs {
		if r.lb() != "none" {
			ns = append(ns, windows("max-share", r.s)...)
		}
	}
	suffix, single := noInterval("bar", ns)
	title := strings.TrimSpace("Largest backend share of the calls, per balancer " + suffix)
	b.addPlot(&w, "balance-max-share.svg", title, barChart(title, "share of the calls", bars, false, 1/float64(max(n, 1)), "even spread", fmtSI),
		strings.TrimSpace(fmt.Sprintf("%.2f (the dashed line) is an even spread over %d backends; 1 means one backend served every call. %s", 1/float64(max(n, 1)), n, single)))
	b.failover(&w)
	return w.String()
}

// joinPins writes pins in words, ";"-separated.
func joinPins(ps []pin) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return strings.Join(out, "; ")
}

// connWords names a run's connections: a count, or loadgen's default.
func connWords(c, variant string) string {
	switch {
	case c != "default":
		return c
	case variant == "rest" || variant == "rest-proto":
		return "one per caller"
	}
	return "one"
}

// compareConns sorts loadgen's default first, then counts.
func compareConns(a, c string) int {
	switch {
	case a == c:
		return 0
	case a == "default":
		return -1
	case c == "default":
		return 1
	}
	return compareValue(a, c)
}

// failover writes the failover table: a backend killed mid-run.
func (b *builder) failover(w *strings.Builder) {
	series := b.fleet["failover"]
	if len(series) == 0 {
		return
	}
	w.WriteString("### A backend killed mid-run\n\nThe busiest backend is killed (SIGKILL) a third of the way into the window. The callers are the real client libraries (the load driver in decode mode: net/http, grpc-go), since failing over is their doing. Failed calls are those the callers saw fail (by code); recovery is the time from the kill until the survivors served 80% of the fleet's rate before it (within 250 ms); the last column is the survivors' rate over the last second against the fleet's before. The survivors share a CPU with the killed backend, so capacity is never short: these figures measure detection and reconnection.\n\n")
	w.WriteString("| balancer | variant | failed calls | by code | until the survivors carry the load | rate after ÷ before |\n|---|---|---|---|---|---|\n")
	slices.SortStableFunc(series, func(a, c *Series) int {
		if d := slices.Index(balancerOrder, a.Key("lb")) - slices.Index(balancerOrder, c.Key("lb")); d != 0 {
			return d
		}
		return variantColor(a.Key("variant")) - variantColor(c.Key("variant"))
	})
	grpcInternal := false
	for _, s := range series {
		var codes []string
		for _, u := range slices.Sorted(maps.Keys(s.Values)) {
			if code, ok := strings.CutPrefix(u, "failed-"); ok && code != "calls" {
				codes = append(codes, fmt.Sprintf("%.0f %s", med(s, u), code))
			}
		}
		rec := "never"
		if r := med(s, "recover-ns"); r >= 0 {
			rec = fmtDuration(r)
		}
		fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %.2f |\n", balancerWords[s.Key("lb")], s.Key("variant"), med(s, "failed-calls"), orDash(strings.Join(codes, ", ")), rec, med(s, "after-ratio"))
		grpcInternal = grpcInternal || (s.Key("variant") == "grpc" && s.Has("failed-internal"))
	}
	w.WriteString("\n")
	if grpcInternal {
		w.WriteString("A gRPC call counted internal here is an answer cut short by the kill: HAProxy ended the stream without trailers, which grpc-go classes as internal; the REST clients count an answer cut short of its content-length as unavailable.\n\n")
	}
}
