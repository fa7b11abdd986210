package report

import (
	"fmt"
	"slices"
)

// A Crossover is a place along one dimension where the outcome changes.
type Crossover struct {
	Dim      string
	From, To string // adjacent values of Dim
	// Fixed are the other dimensions, held constant.
	Fixed         map[string]string
	Before, After Outcome
}

// String names the crossover in words: "from 100 B records to 64 KiB
// records: gRPC loses → gRPC wins (64 callers)".
func (x Crossover) String() string {
	fixed := CondWords(x.Fixed, Dims)
	if fixed != "" {
		fixed = " (" + fixed + ")"
	}
	return fmt.Sprintf("from %s to %s: %s → %s%s", ValueWords(x.Dim, x.From), ValueWords(x.Dim, x.To), x.Before, x.After, fixed)
}

// Crossovers finds, along dimension dim with every other dimension held
// fixed, each pair of adjacent values where the outcome changes (ignoring
// Unclear and Uncertain outcomes).
func Crossovers(cs []Comparison, dim string) []Crossover {
	groups := map[string][]Comparison{}
	var order []string
	for _, c := range cs {
		if _, ok := c.Cond[dim]; !ok || c.Outcome == Unclear || c.Outcome == Uncertain {
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
