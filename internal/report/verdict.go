package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Rules are the documented thresholds behind every verdict.
type Rules struct {
	// MinEffect is the relative difference (0.05 = 5%) below which a
	// difference is said not to matter: gRPC wins at a condition when the
	// whole confidence interval of its gain lies at or above 1+MinEffect.
	MinEffect float64
	// PinnedShare is the share of a balanced run's calls (0.9 = 90%) at or
	// above which one backend counts as pinned: the balancer did not
	// spread the calls, so that transport needs more setup behind it.
	PinnedShare float64
}

// DefaultRules are the thresholds the report uses unless told otherwise.
var DefaultRules = Rules{MinEffect: 0.05, PinnedShare: 0.9}

// Better says which direction of a unit is an improvement.
type Better int

const (
	// Lower is better: latency, bytes, CPU.
	Lower Better = iota
	// Higher is better: throughput.
	Higher
)

// An Outcome is how gRPC fared against its REST rival at one condition.
type Outcome int

const (
	// Unclear: too few pairs for a bounded interval.
	Unclear Outcome = iota
	// Same: the interval lies within MinEffect of no difference.
	Same
	// Win: gRPC is better by at least MinEffect over the whole interval.
	Win
	// Loss: gRPC is worse by at least MinEffect over the whole interval.
	Loss
	// Uncertain: the interval spans a threshold, so that a resample of
	// the windows could decide either way.
	Uncertain
)

func (o Outcome) String() string {
	return [...]string{"unclear", "same", "gRPC wins", "gRPC loses", "uncertain"}[o]
}

// A Comparison is gRPC against REST at one condition.
type Comparison struct {
	// Cond are the dimensions that define the condition, e.g. payload=1KiB.
	Cond map[string]string
	// Unit is what was compared, e.g. req/s; Better its good direction.
	Unit   string
	Better Better
	// GRPC and REST summarise each side's samples, for display.
	GRPC, REST Summary
	// Ratio summarises the per-pair ratios gRPC ÷ REST: windows measured
	// back to back, so that the machine's drift cancels.
	Ratio Summary
	// Bounds are each side's bound class ("" when not recorded).
	GRPCBound, RESTBound string
	// Bench and Variants say where the samples came from: the series'
	// benchmark ("Load" for the load driver's windows) and the variants
	// playing gRPC and REST, so that cmd/report can measure the condition
	// again.
	Bench    string
	Variants [2]string
	Outcome  Outcome
	// Why explains an Unclear or Uncertain outcome.
	Why string
}

// Gain is how many times better gRPC is: the ratio for a Higher unit, its
// inverse for a Lower one. Lo and Hi bound it likewise.
func (c Comparison) Gain() (center, lo, hi float64) {
	r := c.Ratio
	if c.Better == Higher {
		return r.Center, r.Lo, r.Hi
	}
	inv := func(x float64) float64 {
		if x == 0 {
			return math.Inf(1)
		}
		return 1 / x
	}
	return inv(r.Center), inv(r.Hi), inv(r.Lo)
}

// Compare judges gRPC's samples g against REST's samples r in unit, where
// g[i] and r[i] were measured as a pair (back to back in one slice).
func (ru Rules) Compare(cond map[string]string, unit string, better Better, g, r []float64) Comparison {
	c := Comparison{Cond: cond, Unit: unit, Better: better, GRPC: Summarize(g), REST: Summarize(r)}
	if !c.GRPC.OK() || !c.REST.OK() {
		c.Why = "one side has no samples"
		return c
	}
	if c.GRPC.Exact && c.REST.Exact {
		// Counts that never vary: one exact ratio.
		if c.REST.Center == 0 {
			c.Outcome, c.Why = Unclear, "REST's value is zero"
			return c
		}
		x := c.GRPC.Center / c.REST.Center
		c.Ratio = Summary{Center: x, Lo: x, Hi: x, N: min(c.GRPC.N, c.REST.N), Exact: true}
	} else {
		// Equal ratios from varying samples are not exact counts.
		c.Ratio = Summarize(Ratios(g, r))
		c.Ratio.Exact = false
	}
	if !c.Ratio.Bounded() {
		c.Outcome = Unclear
		c.Why = fmt.Sprintf("%s, fewer than the %d an interval needs", plural(c.Ratio.N, "pair"), MinIntervalSamples())
		return c
	}
	c.Outcome = ru.outcome(c)
	if c.Outcome == Uncertain {
		_, lo, hi := c.Gain()
		c.Why = fmt.Sprintf("gain interval %.3g–%.3g× spans the %s threshold", lo, hi, ru.spanned(lo, hi))
	}
	return c
}

// fmtThreshold writes a threshold exactly enough to tell it from 1: "1.05×".
func fmtThreshold(x float64) string { return fmt.Sprintf("%.3g×", x) }

func (ru Rules) up() float64   { return 1 + ru.MinEffect }
func (ru Rules) down() float64 { return 1 / (1 + ru.MinEffect) }

// outcome places the gain interval against the thresholds.
func (ru Rules) outcome(c Comparison) Outcome {
	_, lo, hi := c.Gain()
	switch {
	case lo >= ru.up():
		return Win
	case hi <= ru.down():
		return Loss
	case lo > ru.down() && hi < ru.up():
		return Same
	}
	return Uncertain
}

func (ru Rules) spanned(lo, hi float64) string {
	var ts []string
	if lo < ru.down() && hi > ru.down() {
		ts = append(ts, fmtThreshold(ru.down()))
	}
	if lo < ru.up() && hi > ru.up() {
		ts = append(ts, fmtThreshold(ru.up()))
	}
	return strings.Join(ts, " and ")
}

// resolve returns the two outcomes an Uncertain comparison lies between:
// the one further from a gRPC win first.
func (ru Rules) resolve(c Comparison) (low, high Outcome) {
	_, lo, hi := c.Gain()
	low, high = Same, Same
	if lo < ru.down() {
		low = Loss
	}
	if hi > ru.up() {
		high = Win
	}
	return low, high
}

// Kind is the verdict's category.
type Kind int

const (
	// NoData: nothing was measured for the claim.
	NoData Kind = iota
	// Inconclusive: measured, but no condition decided.
	Inconclusive
	// Holds: gRPC wins at every decided condition.
	Holds
	// HoldsOnlyWhen: gRPC wins at some conditions, named in When.
	HoldsOnlyWhen
	// DoesNotHold: gRPC wins nowhere.
	DoesNotHold
)

func (k Kind) String() string {
	return [...]string{"no data", "inconclusive", "holds", "holds only when", "does not hold"}[k]
}

// A Verdict is the outcome of a claim over every condition measured.
type Verdict struct {
	Kind Kind
	// When names, in words, where a HoldsOnlyWhen claim holds.
	When string
	// Wins, Losses, Sames, Uncertains and Unclears are the comparisons by
	// outcome.
	Wins, Losses, Sames, Uncertains, Unclears []Comparison
	// Uncertain is set when resolving the uncertain comparisons one way
	// or the other would change Kind or When; Why names them.
	Uncertain bool
	Why       string
	// Sentence is the verdict in one plain sentence, set by the row.
	Sentence string
}

// Key is what two runs must agree on for the verdict to be stable: its
// category and deciding conditions, or that it is undecided ("uncertain").
// An uncertain verdict's category is, by construction, one that a resample
// could change, so two runs agree when both say uncertain.
func (v Verdict) Key() string {
	if v.Undecided() {
		return "uncertain"
	}
	k := v.Kind.String()
	if v.When != "" {
		k += " " + v.When
	}
	return k
}

// Undecided reports whether the noise decides the verdict: it is marked
// uncertain, or inconclusive because every comparison is within the noise.
func (v Verdict) Undecided() bool {
	return v.Uncertain || (v.Kind == Inconclusive && len(v.Uncertains) > 0)
}

func (v Verdict) String() string {
	if v.Sentence != "" {
		return v.Sentence
	}
	return v.Key()
}

// Decide turns comparisons into a verdict:
//
//   - no comparisons: no data;
//   - no Win, Loss or Same: inconclusive;
//   - gRPC wins every decided comparison: holds;
//   - gRPC wins some: holds only when (the winning conditions in words,
//     condensed to the dimensions that tell them apart);
//   - gRPC wins none: does not hold.
//
// Uncertain comparisons are left out; when resolving all of them towards
// a win, or all away from one, would give another Kind or When, the verdict
// is marked Uncertain. dims orders the dimensions tried when condensing.
func (ru Rules) Decide(cs []Comparison, dims []string) Verdict {
	v := decide(cs, dims, 2)
	if len(v.Uncertains) == 0 {
		return v
	}
	for _, towards := range []bool{false, true} {
		alt := make([]Comparison, 0, len(cs))
		for _, c := range cs {
			if c.Outcome == Uncertain {
				low, high := ru.resolve(c)
				c.Outcome = low
				if towards {
					c.Outcome = high
				}
			}
			alt = append(alt, c)
		}
		if a := decide(alt, dims, 2); a.Kind != v.Kind || a.When != v.When {
			v.Uncertain = true
		}
	}
	if v.Uncertain {
		v.Why = "within the noise " + v.uncertainWhere(dims, 2)
	}
	return v
}

// uncertainWhere names the uncertain conditions against the decided ones.
func (v Verdict) uncertainWhere(dims []string, n int) string {
	decided := append(append(slices.Clone(v.Wins), v.Losses...), v.Sames...)
	if w := Describe(v.Uncertains, decided, dims, n); w != "" {
		return "at " + w
	}
	return "at " + plural(len(v.Uncertains), "condition")
}

// decide sorts cs by outcome and names the winning conditions, listing at
// most n of them.
func decide(cs []Comparison, dims []string, n int) Verdict {
	var v Verdict
	for _, c := range cs {
		switch c.Outcome {
		case Win:
			v.Wins = append(v.Wins, c)
		case Loss:
			v.Losses = append(v.Losses, c)
		case Same:
			v.Sames = append(v.Sames, c)
		case Uncertain:
			v.Uncertains = append(v.Uncertains, c)
		case Unclear:
			v.Unclears = append(v.Unclears, c)
		}
	}
	decided := len(v.Wins) + len(v.Losses) + len(v.Sames)
	switch {
	case len(cs) == 0:
		v.Kind = NoData
	case decided == 0:
		v.Kind = Inconclusive
	case len(v.Wins) == decided:
		v.Kind = Holds
	case len(v.Wins) > 0:
		v.Kind = HoldsOnlyWhen
		v.When = Describe(v.Wins, append(slices.Clone(v.Losses), v.Sames...), dims, n)
	default:
		v.Kind = DoesNotHold
	}
	return v
}

// Describe names, in words, the conditions of in as against those of out:
// it drops every dimension that does not tell them apart (tried in the
// order of dims reversed, so that "metric" and the like go first), then
// names the values of the one dimension left ("records of 64 KiB and up")
// or lists the conditions of in (or of out after "all but", when fewer).
// It lists at most n conditions and counts the rest; it returns "" when no
// dimension tells them apart.
func Describe(in, out []Comparison, dims []string, n int) string {
	keep := map[string]bool{}
	for _, c := range append(slices.Clone(in), out...) {
		for k := range c.Cond {
			keep[k] = true
		}
	}
	project := func(c Comparison) string {
		var parts []string
		for _, k := range sortedKeys(c.Cond, dims) {
			if keep[k] {
				parts = append(parts, k+"\x00"+c.Cond[k])
			}
		}
		return strings.Join(parts, "\x01")
	}
	consistent := func() bool {
		won := map[string]bool{}
		for _, c := range in {
			won[project(c)] = true
		}
		for _, c := range out {
			if won[project(c)] {
				return false
			}
		}
		return true
	}
	order := sortedKeys(keep, dims)
	slices.Reverse(order)
	for _, k := range order {
		keep[k] = false
		if !consistent() {
			keep[k] = true
		}
	}
	var left []string
	for _, k := range sortedKeys(keep, dims) {
		if keep[k] {
			left = append(left, k)
		}
	}
	switch len(left) {
	case 0:
		return ""
	case 1:
		d := left[0]
		var vals, all []string
		for _, c := range in {
			if v := c.Cond[d]; !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		for _, c := range append(slices.Clone(in), out...) {
			if v := c.Cond[d]; !slices.Contains(all, v) {
				all = append(all, v)
			}
		}
		slices.SortFunc(vals, compareValue)
		slices.SortFunc(all, compareValue)
		return ValuesWords(d, vals, all)
	}
	words := func(cs []Comparison) []string {
		var out []string
		for _, c := range cs {
			sub := map[string]string{}
			for _, k := range left {
				if v, ok := c.Cond[k]; ok {
					sub[k] = v
				}
			}
			// A condition without the telling dimensions has no words.
			if w := CondWords(sub, dims); w != "" && !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
		return out
	}
	w, r := words(in), words(out)
	if len(r) > 0 && len(r) < len(w) {
		return "all but " + listSome(r, n)
	}
	return listSome(w, n)
}

// listSome joins up to n items with "; " and counts the rest.
func listSome(items []string, n int) string {
	if n == 0 && len(items) > 1 {
		return fmt.Sprintf("%d conditions (named in the section)", len(items))
	}
	if n == 0 {
		n = 1 // one item is named however short the list must be
	}
	if len(items) > n {
		return strings.Join(items[:n], "; ") + fmt.Sprintf(" and %d more", len(items)-n)
	}
	return strings.Join(items, "; ")
}

// sortedKeys returns m's keys in the order of dims, then alphabetically.
func sortedKeys[V any](m map[string]V, dims []string) []string {
	var out []string
	for _, d := range dims {
		if _, ok := m[d]; ok {
			out = append(out, d)
		}
	}
	var other []string
	for k := range m {
		if !slices.Contains(dims, k) {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	return append(out, other...)
}

func compareValue(a, b string) int {
	switch {
	case lessValue(a, b):
		return -1
	case lessValue(b, a):
		return 1
	}
	return 0
}

// CondString writes a condition as "k=v k=v" in the order of dims, then any
// other keys alphabetically: the raw form, for keys and lookups.
func CondString(cond map[string]string, dims []string) string {
	var parts []string
	for _, k := range sortedKeys(cond, dims) {
		parts = append(parts, k+"="+cond[k])
	}
	return strings.Join(parts, " ")
}
