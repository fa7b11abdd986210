package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Rules are the documented thresholds behind every verdict.
type Rules struct {
	// Alpha is the p-value below which a difference counts as real.
	Alpha float64
	// MinEffect is the relative difference (0.05 = 5%) below which a real
	// difference is said not to matter.
	MinEffect float64
}

// DefaultRules are the thresholds the report uses unless told otherwise.
var DefaultRules = Rules{Alpha: 0.05, MinEffect: 0.05}

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
	// Unclear: too few samples for the test to ever reach Alpha.
	Unclear Outcome = iota
	// Same: no real difference, or one smaller than MinEffect.
	Same
	// Win: gRPC is better by at least MinEffect, with p < Alpha.
	Win
	// Loss: gRPC is worse by at least MinEffect, with p < Alpha.
	Loss
)

func (o Outcome) String() string {
	return [...]string{"unclear", "same", "gRPC wins", "gRPC loses"}[o]
}

// A Comparison is gRPC against REST at one condition.
type Comparison struct {
	// Cond are the dimensions that define the condition, e.g. payload=1KiB.
	Cond map[string]string
	// GRPC and REST are the summaries compared.
	GRPC, REST Summary
	// Ratio is GRPC.Center / REST.Center.
	Ratio float64
	// P is the Mann-Whitney p-value.
	P       float64
	Outcome Outcome
}

// Compare judges gRPC's samples g against REST's samples r in a unit where
// better says which way is an improvement.
func (ru Rules) Compare(cond map[string]string, g, r []float64, better Better) Comparison {
	c := Comparison{Cond: cond, GRPC: Summarize(g), REST: Summarize(r)}
	if !c.GRPC.OK() || !c.REST.OK() {
		return c
	}
	if c.REST.Center != 0 {
		c.Ratio = c.GRPC.Center / c.REST.Center
	}
	c.P = PValue(g, r)
	exact := c.GRPC.Exact && c.REST.Exact
	switch {
	case c.P >= ru.Alpha && !exact && minPValue(len(g), len(r)) >= ru.Alpha:
		c.Outcome = Unclear
	case c.P >= ru.Alpha || c.REST.Center == 0:
		c.Outcome = Same
	default:
		gain := c.Ratio - 1 // > 0: gRPC higher
		if better == Lower {
			gain = -gain
		}
		switch {
		case gain >= ru.MinEffect:
			c.Outcome = Win
		case gain <= -ru.MinEffect:
			c.Outcome = Loss
		default:
			c.Outcome = Same
		}
	}
	return c
}

// minSamples is the fewest samples per side with which a Mann-Whitney
// test can reach Alpha.
func (ru Rules) minSamples() int {
	n := 1
	for minPValue(n, n) >= ru.Alpha && n < 1000 {
		n++
	}
	return n
}

// minPValue is the smallest two-sided p-value a Mann-Whitney test of sizes
// n1 and n2 can give: 2 / C(n1+n2, n1).
func minPValue(n1, n2 int) float64 {
	if n1 == 0 || n2 == 0 {
		return 1
	}
	lg1, _ := math.Lgamma(float64(n1 + n2 + 1))
	lg2, _ := math.Lgamma(float64(n1 + 1))
	lg3, _ := math.Lgamma(float64(n2 + 1))
	return math.Min(1, 2/math.Exp(lg1-lg2-lg3))
}

// Kind is the verdict's category.
type Kind int

const (
	// NoData: nothing was measured for the claim.
	NoData Kind = iota
	// Inconclusive: measured, but too few samples to decide.
	Inconclusive
	// Holds: gRPC wins at every condition measured.
	Holds
	// HoldsOnlyWhen: gRPC wins at some conditions, stated in When.
	HoldsOnlyWhen
	// DoesNotHold: gRPC wins nowhere.
	DoesNotHold
)

// A Verdict is the outcome of a claim over every condition measured.
type Verdict struct {
	Kind Kind
	// When states the conditions under which a HoldsOnlyWhen claim holds.
	When string
	// Detail adds what happened where gRPC did not win.
	Detail                        string
	Wins, Losses, Sames, Unclears int
}

func (v Verdict) String() string {
	var s string
	switch v.Kind {
	case NoData:
		return "no data"
	case Inconclusive:
		s = "inconclusive (too few samples)"
	case Holds:
		s = "holds"
	case HoldsOnlyWhen:
		s = "holds only when " + v.When
	case DoesNotHold:
		s = "does not hold"
	}
	if v.Detail != "" {
		s += "; " + v.Detail
	}
	return s
}

// Decide turns comparisons into a verdict:
//
//   - no comparisons: no data;
//   - every comparison Unclear: inconclusive;
//   - gRPC wins every comparison that is not Unclear: holds;
//   - gRPC wins some: holds only when (the winning conditions, condensed to
//     one dimension's values where they line up with one);
//   - gRPC wins none: does not hold.
//
// dims orders the dimensions tried when condensing.
func Decide(cs []Comparison, dims []string) Verdict {
	var v Verdict
	var wins, rest []Comparison
	for _, c := range cs {
		switch c.Outcome {
		case Win:
			v.Wins++
			wins = append(wins, c)
		case Loss:
			v.Losses++
			rest = append(rest, c)
		case Same:
			v.Sames++
			rest = append(rest, c)
		case Unclear:
			v.Unclears++
		}
	}
	decided := v.Wins + v.Losses + v.Sames
	switch {
	case len(cs) == 0:
		v.Kind = NoData
		return v
	case decided == 0:
		v.Kind = Inconclusive
		return v
	case v.Wins == decided:
		v.Kind = Holds
	case v.Wins > 0:
		v.Kind = HoldsOnlyWhen
		v.When = condense(wins, rest, dims)
	default:
		v.Kind = DoesNotHold
	}
	var parts []string
	if v.Losses > 0 {
		parts = append(parts, fmt.Sprintf("gRPC is worse at %d of %d conditions", v.Losses, decided))
	}
	if v.Sames > 0 {
		parts = append(parts, fmt.Sprintf("no difference that matters at %d of %d", v.Sames, decided))
	}
	if v.Unclears > 0 {
		parts = append(parts, fmt.Sprintf("%d undecided for too few samples", v.Unclears))
	}
	v.Detail = strings.Join(parts, ", ")
	return v
}

// condense describes the winning conditions. It first drops every
// dimension that does not matter (constant, or one whose removal leaves
// each remaining condition all won or all not won, tried in the order of
// dims reversed so that "metric" and the like go first). If one dimension
// is left, it names its winning values ("payload is 64KiB or 1MiB");
// otherwise it lists the winning conditions, or the others after "not at"
// when they are fewer.
func condense(wins, rest []Comparison, dims []string) string {
	keep := map[string]bool{}
	for _, c := range append(slices.Clone(wins), rest...) {
		for k := range c.Cond {
			keep[k] = true
		}
	}
	project := func(c Comparison) string {
		var parts []string
		for _, k := range sortedKeys(c.Cond, dims) {
			if keep[k] {
				parts = append(parts, k+"="+c.Cond[k])
			}
		}
		return strings.Join(parts, " ")
	}
	consistent := func() bool {
		won := map[string]bool{}
		for _, c := range wins {
			won[project(c)] = true
		}
		for _, c := range rest {
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
	values := func(cs []Comparison) []string {
		var out []string
		for _, c := range cs {
			if p := project(c); !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
		return out
	}
	if len(left) == 1 {
		var vals []string
		for _, c := range wins {
			if v := c.Cond[left[0]]; !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		slices.SortFunc(vals, compareValue)
		if left[0] == "metric" {
			for i, v := range vals {
				if l, ok := metricLabels[v]; ok {
					vals[i] = l
				}
			}
			return "measured by " + orList(vals)
		}
		return left[0] + " is " + orList(vals)
	}
	w, r := values(wins), values(rest)
	const max = 6
	list := func(conds []string) string {
		if len(conds) > max {
			conds = append(conds[:max:max], fmt.Sprintf("%d more", len(conds)-max))
		}
		return strings.Join(conds, "; ")
	}
	if len(r) < len(w) {
		return "not at " + list(r)
	}
	return "at " + list(w)
}

// metricLabels name the units in verdicts.
var metricLabels = map[string]string{
	"body-B/op": "body bytes", "wire-B/op": "wire bytes", "ns/op": "time per operation",
	"p50-ns": "p50 latency", "p99-ns": "p99 latency", "req/s": "throughput",
	"cpu-ns/op": "CPU per call", "msgs/s": "messages per second",
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

func orList(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

// CondString writes a condition as "k=v k=v" in the order of dims, then any
// other keys alphabetically.
func CondString(cond map[string]string, dims []string) string {
	var parts []string
	seen := map[string]bool{}
	for _, d := range dims {
		if v, ok := cond[d]; ok {
			parts = append(parts, d+"="+v)
			seen[d] = true
		}
	}
	var other []string
	for k := range cond {
		if !seen[k] {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	for _, k := range other {
		parts = append(parts, k+"="+cond[k])
	}
	return strings.Join(parts, " ")
}

// A Crossover is a place along one dimension where the outcome changes.
type Crossover struct {
	Dim      string
	From, To string // adjacent values of Dim
	// Fixed are the other dimensions, held constant.
	Fixed         map[string]string
	Before, After Outcome
}

func (x Crossover) String() string {
	fixed := CondString(x.Fixed, nil)
	if fixed != "" {
		fixed = " (" + fixed + ")"
	}
	return fmt.Sprintf("%s %s → %s: %s → %s%s", x.Dim, x.From, x.To, x.Before, x.After, fixed)
}

// Crossovers finds, along dimension dim with every other dimension held
// fixed, each pair of adjacent values where the outcome changes (ignoring
// Unclear outcomes).
func Crossovers(cs []Comparison, dim string) []Crossover {
	groups := map[string][]Comparison{}
	var order []string
	for _, c := range cs {
		if _, ok := c.Cond[dim]; !ok || c.Outcome == Unclear {
			continue
		}
		fixed := map[string]string{}
		for k, v := range c.Cond {
			if k != dim {
				fixed[k] = v
			}
		}
		key := CondString(fixed, nil)
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], c)
	}
	var out []Crossover
	for _, key := range order {
		g := groups[key]
		slices.SortStableFunc(g, func(a, b Comparison) int { return compareValue(a.Cond[dim], b.Cond[dim]) })
		for i := 1; i < len(g); i++ {
			if g[i].Outcome != g[i-1].Outcome {
				fixed := map[string]string{}
				for k, v := range g[i].Cond {
					if k != dim {
						fixed[k] = v
					}
				}
				out = append(out, Crossover{Dim: dim, From: g[i-1].Cond[dim], To: g[i].Cond[dim],
					Fixed: fixed, Before: g[i-1].Outcome, After: g[i].Outcome})
			}
		}
	}
	return out
}
