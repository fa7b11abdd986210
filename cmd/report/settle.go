package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"restvsgrpc/internal/report"
)

// settleFile is the raw file of the windows measured again.
const settleFile = "settle.txt"

// settleCost is the most the settling pass can add: settleMax conditions,
// each two variants times settlePairs windows.
func (p *profile) settleCost() (windows int, cost time.Duration) {
	n := p.settleMax * 2 * p.settlePairs
	return n, time.Duration(n)*p.windowCost() + time.Duration(p.settleMax*p.settlePairs)*serverCost
}

// settlePlan returns the windows that measure again, with settlePairs more
// pairs each, the load-driver conditions whose uncertain outcome leaves a
// verdict of rep uncertain: at most settleMax of them, in the order of the
// table's rows. A condition whose interval straddles a threshold is where
// a verdict of a second run would flip; more pairs narrow its interval, so
// that a gain a few percent from a threshold is decided in both runs.
// Only the two variants compared run, in new slices after the planned
// ones; the conditions of go test -bench and of the open loop are left.
func (p *profile) settlePlan(rep *report.Report) (ws []window, conds []string) {
	seen := map[string]bool{}
	for _, c := range rep.Unsettled() {
		if len(conds) == p.settleMax {
			break
		}
		w, ok := p.settleCase(c)
		key := w.slice() + " " + strings.Join(c.Variants[:], ",")
		if !ok || seen[key] {
			continue
		}
		seen[key] = true
		conds = append(conds, fmt.Sprintf("%s, by %s (%s against %s)", report.CondWords(c.Cond, report.Dims), report.ValueWords("metric", c.Unit), c.Variants[0], c.Variants[1]))
		for rep := p.windows; rep < p.windows+p.settlePairs; rep++ {
			for _, v := range interleave(c.Variants[:], rep) {
				w.variant, w.rep = v, rep
				ws = append(ws, w)
			}
		}
	}
	return ws, conds
}

// settleCase is the closed-loop window of the plan that measured c's
// condition; ok is false when no load-driver window of the plan did.
func (p *profile) settleCase(c report.Comparison) (window, bool) {
	cond := c.Cond
	if c.Bench != "Load" || cond["mode"] != "closed" || cond["check"] != "bytes" || cond["rate"] != "" {
		return window{}, false
	}
	conc, err := strconv.Atoi(cond["conc"])
	if err != nil {
		return window{}, false
	}
	work, err := time.ParseDuration(cond["work"])
	if err != nil {
		return window{}, false
	}
	w := window{c: loadCase{cond["rpc"], cond["payload"], conc}, work: work}
	for _, pw := range p.plan(work) {
		if pw.rate == 0 && pw.c == w.c && slices.Contains(c.Variants[:], pw.variant) {
			return w, true
		}
	}
	return window{}, false
}

// settle renders what has been measured so far and measures again the
// conditions that leave a verdict uncertain (settlePlan) into settle.txt,
// whose windows join the others when the report is rendered.
func (r *runner) settle(ctx context.Context, rawDir, jsonDir string) error {
	p := r.o.profile
	maxWindows, maxCost := p.settleCost()
	if maxWindows == 0 {
		return nil
	}
	raws, err := filepath.Glob(filepath.Join(rawDir, "*.txt"))
	if err != nil {
		return err
	}
	d, err := report.ReadFiles(raws...)
	if err != nil {
		return err
	}
	rep, err := report.Build(d, report.WithP99Bound(p.p99Bound))
	if err != nil {
		return err
	}
	ws, conds := p.settlePlan(rep)
	used, usedCost := len(ws), time.Duration(len(ws))*p.windowCost()+time.Duration(len(slicesOf(ws)))*serverCost
	r.prog.drop(maxWindows-used, maxCost-usedCost)
	if len(ws) == 0 {
		fmt.Fprintln(r.stderr, "report: no load-driver condition leaves a verdict uncertain; nothing to measure again")
		return nil
	}
	fmt.Fprintf(r.stderr, "report: measuring again, with %d more pairs each, the conditions that leave a verdict uncertain: %s\n", p.settlePairs, strings.Join(conds, "; "))
	prov := r.loadProvenance().with("settled", fmt.Sprintf("windows measured again after the planned ones because their condition left a verdict uncertain (%d more pairs each, at most %d conditions)", p.settlePairs, p.settleMax))
	return r.runPlan(ctx, filepath.Join(rawDir, settleFile), jsonDir, ws, prov)
}
