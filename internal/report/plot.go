package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A Plot is one SVG file of the report.
type Plot struct {
	File string
	SVG  []byte
}

// A line is one named series of a plot; NaN marks a missing point.
type line struct {
	Name string
	X, Y []float64
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff},
	color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

// catTicks labels X values 0, 1, … with cats.
func catTicks(cats []string) []plot.Tick {
	if cats == nil {
		return nil
	}
	ticks := make([]plot.Tick, len(cats))
	for i, c := range cats {
		ticks[i] = plot.Tick{Value: float64(i), Label: c}
	}
	return ticks
}

// linePlot draws lines with points. With ticks set, they alone label the X
// axis (see catTicks). logY uses a logarithmic Y axis.
func linePlot(title, xlabel, ylabel string, ticks []plot.Tick, lines []line, logY bool) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(8)
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if len(ticks) > 0 {
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = ticks[0].Value-0.5, ticks[len(ticks)-1].Value+0.5
	}
	drawn := 0
	for i, l := range lines {
		// A missing point breaks the line rather than bridging the gap.
		var segs []plotter.XYs
		var cur plotter.XYs
		for j := range l.X {
			if math.IsNaN(l.Y[j]) || math.IsNaN(l.X[j]) || (logY && l.Y[j] <= 0) {
				if len(cur) > 0 {
					segs = append(segs, cur)
					cur = nil
				}
				continue
			}
			cur = append(cur, plotter.XY{X: l.X[j], Y: l.Y[j]})
		}
		if len(cur) > 0 {
			segs = append(segs, cur)
		}
		c := palette[i%len(palette)]
		for k, xys := range segs {
			ln, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, fmt.Errorf("plot %q: %w", title, err)
			}
			ln.Color = c
			pts.Color = c
			pts.Shape = draw.CircleGlyph{}
			p.Add(ln, pts)
			if k == 0 {
				p.Legend.Add(l.Name, ln, pts)
				drawn++
			}
		}
	}
	if drawn == 0 {
		return nil, nil
	}
	p.Add(plotter.NewGrid())
	w, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
