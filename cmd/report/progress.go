package main

import (
	"fmt"
	"io"
	"time"
)

// progress prints "step i of n" lines with the time left, estimated from
// the plan's costs corrected by how fast the run has gone so far.
type progress struct {
	w        io.Writer
	n, i     int
	start    time.Time
	planned  time.Duration // estimated cost of every step
	doneCost time.Duration // estimated cost of the finished steps
	now      func() time.Time
}

func newProgress(w io.Writer, n int, planned time.Duration, now func() time.Time) *progress {
	return &progress{w: w, n: n, planned: planned, now: now, start: now()}
}

// step announces the next step, of estimated cost cost.
func (p *progress) step(name string, cost time.Duration) {
	p.i++
	elapsed := p.now().Sub(p.start)
	left := p.planned - p.doneCost
	if p.doneCost > 0 && elapsed > 0 {
		left = time.Duration(float64(left) * float64(elapsed) / float64(p.doneCost))
	}
	fmt.Fprintf(p.w, "[%d/%d] %s  (elapsed %s, about %s left)\n", p.i, p.n, name, round(elapsed), round(left))
	p.doneCost += cost
}

// drop takes n planned steps of total cost cost out of the plan: steps that
// turned out not to be needed.
func (p *progress) drop(n int, cost time.Duration) {
	p.n -= n
	p.planned -= cost
}

func round(d time.Duration) time.Duration { return d.Round(time.Second) }
