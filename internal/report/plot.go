package report

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// The report draws its figures as plain SVG: every title whole (wrapped),
// the legend beside the plot area, never over the data, and every point
// inside the axes. Inline in REPORT.html they need no fonts or scripts.

// A Plot is one SVG file of the report.
type Plot struct {
	File, Title string
	SVG         []byte
}

// A line is one named series of a line chart; NaN marks a missing point.
type line struct {
	Name   string
	X, Y   []float64
	Dashed bool
	// NoDots draws the line alone, for dense samples.
	NoDots bool
	// Color indexes palette; lines of one variant share it.
	Color int
	// Hollow, when set for a point, draws its marker hollow (a saturated
	// open-loop rate); the chart's HollowLabel names such points.
	Hollow []bool
}

type tick struct {
	V     float64
	Label string
}

var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"}

// variantColor gives each variant one color in every figure.
func variantColor(v string) int {
	if i := slices.Index([]string{"rest", "rest-proto", "rest-h2c", "grpc", "rest-sse", "nethttp", "tcp"}, v); i >= 0 {
		return i
	}
	return 7
}

const (
	figW, figH        = 820.0, 460.0
	marginL, legendW  = 84.0, 200.0
	plotTop0, marginB = 20.0, 70.0
	fontSize          = 13.0
)

// frame is the drawing area of one figure.
type frame struct {
	buf                    bytes.Buffer
	x0, x1, y0, y1         float64 // plot area: x0 left, y0 bottom (larger)
	yMin, yMax, xMin, xMax float64
	logX, logY             bool
	legendY                float64
	ylabel, xlab           string
}

func newFrame(title, xlabel, ylabel string) *frame {
	f := &frame{ylabel: ylabel, xlab: xlabel}
	lines := wrap(title, charsIn(figW-40, 16))
	f.x0, f.x1 = marginL, figW-legendW
	f.y1 = plotTop0 + 22*float64(len(lines)) + 10
	f.y0 = figH - marginB
	f.legendY = f.y1
	fmt.Fprintf(&f.buf, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans, Arial, sans-serif" font-size="%.0f">`+"\n", figW, figH, figW, figH, fontSize)
	fmt.Fprintf(&f.buf, `<title>%s</title><rect width="100%%" height="100%%" fill="white"/>`+"\n", esc(title))
	for i, l := range lines {
		fmt.Fprintf(&f.buf, `<text x="%.0f" y="%.0f" font-size="16" font-weight="bold" text-anchor="middle">%s</text>`+"\n", figW/2, plotTop0+12+22*float64(i), esc(l))
	}
	return f
}

func (f *frame) py(v float64) float64 {
	lo, hi, x := f.yMin, f.yMax, v
	if f.logY {
		lo, hi, x = math.Log10(lo), math.Log10(hi), math.Log10(v)
	}
	return f.y0 - (x-lo)/(hi-lo)*(f.y0-f.y1)
}

func (f *frame) px(v float64) float64 {
	lo, hi, x := f.xMin, f.xMax, v
	if f.logX {
		lo, hi, x = math.Log10(lo), math.Log10(hi), math.Log10(v)
	}
	return f.x0 + (x-lo)/(hi-lo)*(f.x1-f.x0)
}

// axes draws the grid, the Y ticks, the X ticks (xt) and the labels.
func (f *frame) axes(yt, xt []tick) {
	for _, t := range yt {
		y := f.py(t.V)
		fmt.Fprintf(&f.buf, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", f.x0, f.x1, y, y, f.x0-6, y, esc(t.Label))
	}
	for _, t := range xt {
		x := f.px(t.V)
		fmt.Fprintf(&f.buf, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#eee"/>`, x, x, f.y1, f.y0)
		f.label(x, f.y0+16, t.Label, (f.x1-f.x0)/float64(max(len(xt), 1)))
	}
	fmt.Fprintf(&f.buf, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#333"/>`+"\n", f.x0, f.y1, f.x1-f.x0, f.y0-f.y1)
	fmt.Fprintf(&f.buf, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", (f.x0+f.x1)/2, figH-12, esc(f.xlab))
	fmt.Fprintf(&f.buf, `<text transform="translate(18,%.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", (f.y0+f.y1)/2, esc(f.ylabel))
}

// label writes a category label centred at x, wrapped to width.
func (f *frame) label(x, y float64, s string, width float64) {
	for i, l := range wrap(s, charsIn(width, 12)) {
		if i == 3 {
			break
		}
		fmt.Fprintf(&f.buf, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">%s</text>`, x, y+14*float64(i), esc(l))
	}
	f.buf.WriteString("\n")
}

// legend adds one entry in the column right of the plot area.
func (f *frame) legend(name, color string, dashed, box bool) {
	x, y := f.x1+16, f.legendY+10
	if box {
		fmt.Fprintf(&f.buf, `<rect x="%.1f" y="%.1f" width="18" height="12" fill="%s"/>`, x, y-6, color)
	} else {
		fmt.Fprintf(&f.buf, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2.5"%s/>`, x, x+18, y, y, color, dash(dashed))
	}
	f.legendText(x, y, name)
}

// legendMark adds a legend entry whose swatch is a marker: a hollow circle
// or a whisker.
func (f *frame) legendMark(name string, whisker bool) {
	x, y := f.x1+16, f.legendY+10
	if whisker {
		f.whisker(x+9, y+6, y-6)
	} else {
		f.hollow(x+9, y, "#333")
	}
	f.legendText(x, y, name)
}

func (f *frame) legendText(x, y float64, name string) {
	lines := wrap(name, charsIn(legendW-44, 12))
	for i, l := range lines {
		fmt.Fprintf(&f.buf, `<text x="%.1f" y="%.1f" font-size="12" dominant-baseline="middle">%s</text>`, x+24, y+14*float64(i), esc(l))
	}
	f.buf.WriteString("\n")
	f.legendY += 14*float64(len(lines)) + 8
}

func (f *frame) done() []byte {
	f.buf.WriteString("</svg>\n")
	return f.buf.Bytes()
}

func dash(d bool) string {
	if d {
		return ` stroke-dasharray="6 4"`
	}
	return ""
}

// chart is a line chart: X numeric, or categorical with xTicks at 0, 1, ….
type chart struct {
	Title, XLabel, YLabel string
	XTicks                []tick
	LogX, LogY            bool
	Lines                 []line
	// YFormat writes a Y tick label (default fmtSI).
	YFormat func(float64) string
	// HollowLabel names the hollow points in the legend.
	HollowLabel string
}

func (c chart) svg() []byte {
	var xs, ys []float64
	for _, l := range c.Lines {
		for i := range l.X {
			if ok(l.X[i], c.LogX) && ok(l.Y[i], c.LogY) {
				xs, ys = append(xs, l.X[i]), append(ys, l.Y[i])
			}
		}
	}
	if len(ys) == 0 {
		return nil
	}
	f := newFrame(c.Title, c.XLabel, c.YLabel)
	f.logX, f.logY = c.LogX, c.LogY
	yf := c.YFormat
	if yf == nil {
		yf = fmtSI
	}
	var yt, xt []tick
	f.yMin, f.yMax, yt = scale(slices.Min(ys), slices.Max(ys), c.LogY, false, yf)
	if len(c.XTicks) > 0 {
		xt = c.XTicks
		f.xMin, f.xMax = c.XTicks[0].V-0.5, c.XTicks[len(c.XTicks)-1].V+0.5
		f.xMin = math.Min(f.xMin, slices.Min(xs))
		f.xMax = math.Max(f.xMax, slices.Max(xs))
	} else {
		f.xMin, f.xMax, xt = scale(slices.Min(xs), slices.Max(xs), c.LogX, false, fmtSI)
	}
	f.axes(yt, xt)
	hollow := false
	for _, l := range c.Lines {
		col := palette[l.Color%len(palette)]
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&f.buf, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", col, dash(l.Dashed), strings.Join(pts, " "))
			}
			pts = nil
		}
		for i := range l.X {
			if !ok(l.X[i], c.LogX) || !ok(l.Y[i], c.LogY) {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.px(l.X[i]), f.py(l.Y[i])))
		}
		flush()
		// Markers over the line, so that a hollow one stays hollow.
		for i := range l.X {
			if !ok(l.X[i], c.LogX) || !ok(l.Y[i], c.LogY) {
				continue
			}
			x, y := f.px(l.X[i]), f.py(l.Y[i])
			switch {
			case i < len(l.Hollow) && l.Hollow[i]:
				f.hollow(x, y, col)
				hollow = true
			case !l.NoDots:
				fmt.Fprintf(&f.buf, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, x, y, col)
			}
		}
		f.legend(l.Name, col, l.Dashed, false)
	}
	if hollow {
		f.legendMark(c.HollowLabel, false)
	}
	return f.done()
}

// hollow draws a hollow point marker.
func (f *frame) hollow(x, y float64, color string) {
	fmt.Fprintf(&f.buf, `<circle class="hollow" cx="%.1f" cy="%.1f" r="4" fill="white" stroke="%s" stroke-width="2"/>`, x, y, color)
}

// whisker draws an interval from y lo to y hi at x, on a white halo so it
// reads on a dark bar as on a light one.
func (f *frame) whisker(x, lo, hi float64) {
	d := fmt.Sprintf("M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f", x, lo, hi, x-4, lo, x+4, x-4, hi, x+4)
	fmt.Fprintf(&f.buf, `<g class="whisker"><path d="%s" stroke="white" stroke-width="4"/><path d="%s" stroke="#222" stroke-width="1.5"/></g>`, d, d)
}

func ok(v float64, log bool) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && (!log || v > 0) }

// A figBar is one bar of a grouped bar chart: a median with its interval.
type figBar struct {
	cat, series string
	s           Summary
	// color is the bar's color, "" for the series' variant color.
	color string
}

// barChart draws groups of bars, one group per category and one bar per
// series side by side, with whiskers for the 95% intervals. ref, when not
// zero, draws a dashed line at that value (1 for ratios), named refLabel
// in the legend.
func barChart(title, ylabel string, bars []figBar, logY bool, ref float64, refLabel string, yf func(float64) string) []byte {
	var cats, series []string
	var vals []float64
	for _, b := range bars {
		if !b.s.OK() || !ok(b.s.Center, logY) {
			continue
		}
		if !slices.Contains(cats, b.cat) {
			cats = append(cats, b.cat)
		}
		if !slices.Contains(series, b.series) {
			series = append(series, b.series)
		}
		vals = append(vals, b.s.Center)
		for _, v := range []float64{b.s.Lo, b.s.Hi} {
			if ok(v, logY) {
				vals = append(vals, v)
			}
		}
	}
	if len(vals) == 0 {
		return nil
	}
	if ref > 0 {
		vals = append(vals, ref)
	}
	f := newFrame(title, "", ylabel)
	f.logY = logY
	var yt []tick
	f.yMin, f.yMax, yt = scale(slices.Min(vals), slices.Max(vals), logY, !logY, yf)
	f.xMin, f.xMax = 0, float64(len(cats))
	f.axes(yt, nil)
	groupW := (f.x1 - f.x0) / float64(len(cats))
	barW := math.Min(36, groupW*0.8/float64(len(series)))
	for i, c := range cats {
		cx := f.x0 + groupW*(float64(i)+0.5)
		left := cx - barW*float64(len(series))/2
		for j, s := range series {
			for _, b := range bars {
				if b.cat != c || b.series != s || !b.s.OK() || !ok(b.s.Center, logY) {
					continue
				}
				col := palette[colorOf(s, j)%len(palette)]
				if b.color != "" {
					col = b.color
				}
				x := left + barW*float64(j)
				base := f.y0
				if logY {
					base = f.py(f.yMin)
				}
				y := f.py(b.s.Center)
				fmt.Fprintf(&f.buf, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`, x+1, y, barW-2, base-y, col, esc(s), esc(yf(b.s.Center)))
				if b.s.Bounded() && !b.s.Exact {
					lo, hi := f.py(math.Max(b.s.Lo, f.yMin)), f.py(math.Min(b.s.Hi, f.yMax))
					f.whisker(x+barW/2, lo, hi)
				}
			}
		}
		f.label(cx, f.y0+16, c, groupW)
	}
	if ref > 0 {
		y := f.py(ref)
		fmt.Fprintf(&f.buf, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#000" stroke-dasharray="5 4"/>`+"\n", f.x0, f.x1, y, y)
	}
	for j, s := range series {
		col := palette[colorOf(s, j)%len(palette)]
		for _, b := range bars {
			if b.series == s && b.color != "" {
				col = b.color
			}
		}
		f.legend(s, col, false, true)
	}
	if ref > 0 {
		f.legend(refLabel, "#000", true, false)
	}
	return f.done()
}

// colorOf is a variant's color, or the j-th for other series names.
func colorOf(series string, j int) int {
	for _, v := range []string{"grpc", "rest-proto", "rest-h2c", "rest-sse", "rest"} {
		if series == v || strings.HasSuffix(series, "("+v+")") {
			return variantColor(v)
		}
	}
	return j
}

// A stackBar is one bar of stacked parts (server and client CPU) labelled
// under it: each part a median with its interval.
type stackBar struct {
	cat, label string
	parts      []Summary
}

// stackChart draws stacked bars grouped by category; parts names the
// layers from the bottom. Each part's 95% interval is a whisker at the top
// of its segment, offset by the medians below it; the whiskers of a bar
// stand side by side so that neither hides the other.
func stackChart(title, ylabel string, parts []string, bars []stackBar, yf func(float64) string) []byte {
	var cats []string
	top := 0.0
	n := map[string]int{}
	for _, b := range bars {
		if !slices.Contains(cats, b.cat) {
			cats = append(cats, b.cat)
		}
		n[b.cat]++
		acc := 0.0
		for _, p := range b.parts {
			if !drawn(p) {
				continue
			}
			if p.Bounded() && ok(p.Hi, false) {
				top = math.Max(top, acc+p.Hi)
			}
			acc += p.Center
		}
		top = math.Max(top, acc)
	}
	if top == 0 {
		return nil
	}
	f := newFrame(title, "", ylabel)
	f.y0 -= 30 // room for the bar labels
	var yt []tick
	f.yMin, f.yMax, yt = scale(0, top, false, true, yf)
	f.axes(yt, nil)
	colors := []string{"#08519c", "#9ecae1", "#a63603", "#fdae6b"}
	groupW := (f.x1 - f.x0) / float64(len(cats))
	for i, c := range cats {
		cx := f.x0 + groupW*(float64(i)+0.5)
		barW := math.Min(44, groupW*0.85/float64(n[c]))
		left := cx - barW*float64(n[c])/2
		k := 0
		for _, b := range bars {
			if b.cat != c {
				continue
			}
			x, acc := left+barW*float64(k), 0.0
			var whiskers []func()
			for pi, p := range b.parts {
				if !drawn(p) {
					continue
				}
				y0, y1 := f.py(acc), f.py(acc+p.Center)
				fmt.Fprintf(&f.buf, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`, x+1, y1, barW-2, y0-y1, colors[pi%len(colors)], esc(b.label), esc(parts[pi]), esc(yf(p.Center)))
				if p.Bounded() && !p.Exact {
					// Part pi's whisker at pi+1 of len(parts)+1 across.
					wx := x + barW*float64(pi+1)/float64(len(b.parts)+1)
					lo, hi := f.py(math.Max(acc+p.Lo, f.yMin)), f.py(math.Min(acc+p.Hi, f.yMax))
					whiskers = append(whiskers, func() { f.whisker(wx, lo, hi) })
				}
				acc += p.Center
			}
			// Over every segment of the bar, so no part hides a whisker.
			for _, w := range whiskers {
				w()
			}
			fmt.Fprintf(&f.buf, `<text transform="translate(%.1f,%.1f) rotate(-35)" font-size="11" text-anchor="end">%s</text>`, x+barW/2+3, f.y0+12, esc(b.label))
			k++
		}
		f.label(cx, f.y0+56, c, groupW)
	}
	for pi, p := range parts {
		f.legend(p, colors[pi%len(colors)], false, true)
	}
	f.legendMark("95% interval of each part's median", true)
	return f.done()
}

// drawn reports whether a stacked part has a positive median to draw.
func drawn(p Summary) bool { return p.OK() && ok(p.Center, false) && p.Center > 0 }

// scale returns axis limits and ticks covering lo..hi: decades on a log
// axis, 1-2-5 steps on a linear one (from zero when zero is set).
func scale(lo, hi float64, log, zero bool, format func(float64) string) (float64, float64, []tick) {
	if log {
		a, b := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if a == b {
			b++
		}
		var ts []tick
		for e := a; e <= b; e++ {
			v := math.Pow(10, e)
			ts = append(ts, tick{v, format(v)})
			if b-a <= 2 && e < b {
				for _, m := range []float64{2, 5} {
					ts = append(ts, tick{m * v, format(m * v)})
				}
			}
		}
		return math.Pow(10, a), math.Pow(10, b), ts
	}
	if zero {
		lo = math.Min(lo, 0)
	}
	if hi == lo {
		hi = lo + 1
	}
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if (hi-lo)/(step*m) <= 6 {
			step *= m
			break
		}
	}
	a, b := math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	var ts []tick
	for v := a; v <= b+step/2; v += step {
		ts = append(ts, tick{v, format(v)})
	}
	return a, b, ts
}

// charsIn estimates how many characters of a font size fit in width.
func charsIn(width, size float64) int { return max(4, int(width/(0.56*size))) }

// wrap breaks s into lines of at most n characters at spaces.
func wrap(s string, n int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		if cur != "" && len([]rune(cur))+1+len([]rune(w)) > n {
			lines = append(lines, cur)
			cur = w
			continue
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func esc(s string) string { return html.EscapeString(s) }

// fmtMs writes a tick in milliseconds.
func fmtMs(v float64) string { return fmt.Sprintf("%g", v) }

// fmtRatioTick writes a ratio tick, "1.5×".
func fmtRatioTick(v float64) string { return fmt.Sprintf("%g×", math.Round(v*100)/100) }

// fmtBytesTick writes a decade of bytes in decimal units: "10 kB".
func fmtBytesTick(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%g MB", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%g kB", v/1e3)
	}
	return fmt.Sprintf("%g B", v)
}

// fmtUs writes a tick in microseconds.
func fmtUs(v float64) string { return fmt.Sprintf("%g µs", math.Round(v*10)/10) }
