package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// sustainedShare is the share of the offered rate a variant must achieve
// for the rate to count as sustained; below it the point is saturated.
const sustainedShare = 0.95

// ratePoint is one open-loop rate of one variant.
type ratePoint struct {
	rate float64
	s    *Series
}

func (b *builder) openLoop() string {
	var sec strings.Builder
	sec.WriteString("## Latency against throughput (open loop)\n\n")
	type curveSet struct {
		cond map[string]string
		by   map[string][]ratePoint
	}
	var sets []*curveSet
	byKey := map[string]*curveSet{}
	for _, s := range b.d.Select("Load", Filter{"mode": "open", "rate": "*"}) {
		rate, err := strconv.ParseFloat(s.Key("rate"), 64)
		if err != nil {
			continue
		}
		cond := map[string]string{}
		for k, v := range s.Keys {
			if k != "rate" && k != "variant" && k != "mode" {
				cond[k] = v
			}
		}
		key := CondString(cond, nil)
		cs := byKey[key]
		if cs == nil {
			cs = &curveSet{cond: cond, by: map[string][]ratePoint{}}
			byKey[key] = cs
			sets = append(sets, cs)
		}
		cs.by[s.Key("variant")] = append(cs.by[s.Key("variant")], ratePoint{rate, s})
	}
	if len(sets) == 0 {
		sec.WriteString("No open-loop rate sweep was run, so there is no latency-throughput curve and no maximum rate under a p99 bound.\n\n")
		return sec.String()
	}
	sort.SliceStable(sets, func(i, j int) bool { return lessCond(sets[i].cond, sets[j].cond) })
	bound := float64(b.cfg.p99Bound.Nanoseconds())
	fmt.Fprintf(&sec, "The load driver sends at fixed rates and times each call from its intended start (no coordinated omission). A rate counts as sustained when the achieved rate is at least %.0f%% of the target and no call failed; the maximum rate is the highest sustained rate whose median p99 stays under %s.\n\n", sustainedShare*100, fmtDuration(bound))
	for i, cs := range sets {
		vs := make([]string, 0, len(cs.by))
		for v := range cs.by {
			vs = append(vs, v)
		}
		sort.Slice(vs, func(i, j int) bool { return lessValue(vs[i], vs[j]) })
		fmt.Fprintf(&sec, "### %s\n\n| variant | rates run | max rate with p99 < %s | p99 at that rate |\n|---|---|---|---|\n", CondWords(cs.cond, Dims), fmtDuration(bound))
		var lines []line
		okRates := map[string]map[float64]bool{}
		for _, v := range vs {
			pts := cs.by[v]
			sort.Slice(pts, func(i, j int) bool { return pts[i].rate < pts[j].rate })
			l := line{Name: v + " p99", Color: variantColor(v)}
			l50 := line{Name: v + " p50", Color: variantColor(v), Dashed: true}
			best, bestP99 := -1.0, 0.0
			okRates[v] = map[float64]bool{}
			for _, p := range pts {
				got := Summarize(p.s.Values["req/s"]).Center
				p99 := Summarize(p.s.Values["p99-ns"]).Center
				// X is the offered rate, which only rises: the achieved
				// rate falls past saturation and would run the line back.
				saturated := got < sustainedShare*p.rate
				l.X, l50.X = append(l.X, p.rate), append(l50.X, p.rate)
				l.Y = append(l.Y, p99/1e6)
				l50.Y = append(l50.Y, med(p.s, "p50-ns")/1e6)
				l.Hollow, l50.Hollow = append(l.Hollow, saturated), append(l50.Hollow, saturated)
				errs := Summarize(p.s.Values["errors/op"]).Center
				if !saturated && p99 < bound && p.s.Has("p99-ns") && errs == 0 {
					okRates[v][p.rate] = true
					if p.rate > best {
						best, bestP99 = p.rate, p99
					}
				}
			}
			lines = append(lines, l, l50)
			mx, at := "none sustained", "—"
			if best >= 0 {
				mx, at = fmtValue(best, "req/s"), fmtDuration(bestP99)
			}
			fmt.Fprintf(&sec, "| %s | %d | %s | %s |\n", v, len(pts), mx, at)
		}
		sec.WriteString("\n")
		var ns []int
		for _, v := range vs {
			for _, p := range cs.by[v] {
				ns = append(ns, windows("p99-ns", p.s)...)
			}
		}
		suffix, single := noInterval("point", ns)
		title := strings.TrimSpace("Latency against offered rate, p50 and p99: " + CondWords(cs.cond, Dims) + " " + suffix)
		svg := chart{Title: title, XLabel: "offered rate (calls per second)", YLabel: "latency (ms, log scale)", LogY: true, Lines: lines, YFormat: fmtMs, HollowLabel: saturatedLabel}.svg()
		b.addPlot(&sec, fmt.Sprintf("latency-throughput-%d.svg", i+1), title, svg, fmt.Sprintf("each point is one offered rate; solid lines are p99, dashed p50, one color per variant. A filled point is a rate the variant kept up with; a hollow one is marked \"%s\": the variant fell behind the offered rate, so its latency is that of a growing queue. A curve that turns upward marks where that variant saturates; the further right it stays low and filled, the more load it carries at that latency. %s", saturatedLabel, single))
		b.percentilePlot(i+1, cs.cond, cs.by, okRates, vs, &sec)
	}
	return sec.String()
}

// saturatedLabel names the hollow points of the latency-throughput figure.
var saturatedLabel = fmt.Sprintf("saturated: achieved < %.0f%% of offered", sustainedShare*100)

var percentileUnits = []struct{ unit, label string }{
	{"p50-ns", "p50"}, {"p90-ns", "p90"}, {"p99-ns", "p99"}, {"p999-ns", "p99.9"}, {"max-ns", "max"},
}

// percentilePlot draws the latency percentiles of each variant at one rate:
// the highest rate every variant sustained, or else the lowest rate run.
func (b *builder) percentilePlot(n int, cond map[string]string, by map[string][]ratePoint, ok map[string]map[float64]bool, vs []string, w *strings.Builder) {
	var common []float64
	for _, p := range by[vs[0]] {
		all := true
		for _, v := range vs {
			if !ok[v][p.rate] {
				all = false
			}
		}
		if all {
			common = append(common, p.rate)
		}
	}
	var rate float64
	why := "the highest rate every variant sustained"
	if len(common) > 0 {
		rate = slices.Max(common)
	} else {
		rate = by[vs[0]][0].rate
		why = "the lowest rate run (no rate was sustained by every variant)"
	}
	var cats []string
	for _, pu := range percentileUnits {
		cats = append(cats, pu.label)
	}
	var lines []line
	var ns []int
	for _, v := range vs {
		l := line{Name: v, Color: variantColor(v)}
		for _, p := range by[v] {
			if p.rate != rate {
				continue
			}
			ns = append(ns, windows("p99-ns", p.s)...)
			for i, pu := range percentileUnits {
				l.X = append(l.X, float64(i))
				if p.s.Has(pu.unit) {
					l.Y = append(l.Y, Summarize(p.s.Values[pu.unit]).Center/1e6)
				} else {
					l.Y = append(l.Y, math.NaN())
				}
			}
		}
		lines = append(lines, l)
	}
	suffix, single := noInterval("point", ns)
	title := strings.TrimSpace(fmt.Sprintf("Latency percentiles at %s calls/s (open loop): %s %s", fmtSI(rate), CondWords(cond, Dims), suffix))
	var ticks []tick
	for i, c := range cats {
		ticks = append(ticks, tick{float64(i), c})
	}
	svg := chart{Title: title, XLabel: "percentile", YLabel: "latency (ms, log scale)", XTicks: ticks, LogY: true, Lines: lines, YFormat: fmtMs}.svg()
	b.addPlot(w, fmt.Sprintf("latency-percentiles-%d.svg", n), title, svg,
		fmt.Sprintf("latency percentiles of every variant at %s calls/s (%s; %s); the lower line is faster, and the spread from p50 to max shows the tail. %s", fmtSI(rate), why, CondWords(cond, Dims), single))
	b.cdfPlot(n, rate, cond, by, vs, w)
}

// cdfPlot draws the whole response-time distribution of each variant at one
// rate, from the load driver's histograms, when they were given.
func (b *builder) cdfPlot(n int, rate float64, cond map[string]string, by map[string][]ratePoint, vs []string, w *strings.Builder) {
	if len(b.cfg.hists) == 0 {
		return
	}
	var lines []line
	for _, v := range vs {
		for _, p := range by[v] {
			if h := b.cfg.hists[histKey(p.s.Keys)]; p.rate == rate && h != nil {
				lines = append(lines, cdfLine(fmt.Sprintf("%s (%d calls)", v, h.TotalCount()), variantColor(v), h))
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	// No "0%" tick: it sits a third of a decade from "50%" and the two
	// labels overlap.
	ticks := []tick{{math.Log10(2), "50%"}, {1, "90%"}, {2, "99%"}, {3, "99.9%"}, {4, "99.99%"}}
	title := fmt.Sprintf("Response-time distribution at %s calls/s (open loop): %s (windows merged, no interval)", fmtSI(rate), CondWords(cond, Dims))
	svg := chart{Title: title, XLabel: "quantile", YLabel: "latency (ms, log scale)", XTicks: ticks, LogY: true, Lines: lines, YFormat: fmtMs}.svg()
	b.addPlot(w, fmt.Sprintf("latency-cdf-%d.svg", n), title, svg,
		fmt.Sprintf("the whole response-time distribution at %s calls/s from the load driver's HDR histograms; read across at a quantile to compare variants, and see where each tail bends up. Each line is one distribution, the histograms of all that variant's windows at this rate merged into one, so it carries no interval.", fmtSI(rate)))
}
