package main

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// sizeColors tell the message sizes apart; a third size and on reuse them.
var sizeColors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// WriteSVG draws one panel per placement: a group of bars per transport in
// the table's row order, one bar per message size side by side, on a log
// scale of msg/s, with whiskers for the confidence interval.
func WriteSVG(w io.Writer, t *Table) error {
	var trs []string
	for _, g := range t.Groups {
		trs = append(trs, g.Transports...)
	}
	if len(trs) == 0 {
		return errors.New("no transport to draw")
	}
	var plots [][]*plot.Plot
	for _, place := range t.Places {
		p, err := t.panel(place, trs)
		if err != nil {
			return err
		}
		plots = append(plots, []*plot.Plot{p})
	}
	// Wide enough for the title when there are few transports.
	width := max(vg.Length(len(trs))*0.55*vg.Inch+1.5*vg.Inch, 6*vg.Inch)
	height := vg.Length(len(plots)) * 4 * vg.Inch
	c := vgsvg.New(width, height)
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Inch / 4, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align(plots, tiles, dc)
	for i, row := range plots {
		row[0].Draw(canvases[i][0])
	}
	_, err := c.WriteTo(w)
	return err
}

// panel is the chart of one placement.
func (t *Table) panel(place string, trs []string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Round trips per second, place=%s (median, %g%% CI)", place, 100*confidence)
	p.Y.Label.Text = "msg/s (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = rateTicks{}
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.Legend.Top = true
	p.NominalX(trs...)
	n := len(t.Sizes)
	width := 0.8 / float64(max(n, 1))
	for i, size := range t.Sizes {
		b := &logBars{Width: width, Color: sizeColors[i%len(sizeColors)]}
		var whiskers plotter.XYs
		var errs plotter.YErrors
		for x, tr := range trs {
			c, ok := t.cell(place, tr, size)
			if !ok || c.Rate == nil || !drawable(c.Rate.Median) {
				continue
			}
			xc := float64(x) - 0.4 + width*(float64(i)+0.5)
			b.Bars = append(b.Bars, bar{X: xc, Y: c.Rate.Median})
			if c.Rate.Bounded && drawable(c.Rate.Lo) && drawable(c.Rate.Hi) {
				whiskers = append(whiskers, plotter.XY{X: xc, Y: c.Rate.Median})
				errs = append(errs, struct{ Low, High float64 }{c.Rate.Median - c.Rate.Lo, c.Rate.Hi - c.Rate.Median})
			}
		}
		if len(b.Bars) == 0 {
			continue
		}
		p.Add(b)
		p.Legend.Add(sizeLabel(size), b)
		if len(whiskers) > 0 {
			eb, err := plotter.NewYErrorBars(errorPoints{whiskers, errs})
			if err != nil {
				return nil, err
			}
			eb.CapWidth = vg.Points(4)
			p.Add(eb)
		}
	}
	p.X.Min, p.X.Max = -0.6, float64(len(trs))-0.4
	if p.Y.Min > p.Y.Max || !drawable(p.Y.Min) || !drawable(p.Y.Max) {
		// Nothing measured here: an empty panel on a valid scale.
		p.Y.Min, p.Y.Max = 1, 10
	}
	return p, nil
}

// The chart's scale: bars outside it would leave the log axis nothing to
// draw or loop over hundreds of decades. Real rates lie well inside.
const chartMin, chartMax = 1e-3, 1e15

func drawable(v float64) bool { return v >= chartMin && v <= chartMax }

// errorPoints pairs the whiskers' centres with their extents.
type errorPoints struct {
	plotter.XYs
	plotter.YErrors
}

// A bar is one median.
type bar struct{ X, Y float64 }

// logBars draws bars that rise from the bottom of the plot: a log scale
// has no zero for plotter.BarChart to start from.
type logBars struct {
	Bars  []bar
	Width float64 // in X data units
	Color color.Color
}

func (b *logBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, bar := range b.Bars {
		x0, x1 := trX(bar.X-b.Width/2), trX(bar.X+b.Width/2)
		y := trY(bar.Y)
		poly := c.ClipPolygonY([]vg.Point{{X: x0, Y: c.Min.Y}, {X: x0, Y: y}, {X: x1, Y: y}, {X: x1, Y: c.Min.Y}})
		c.FillPolygon(b.Color, poly)
	}
}

// DataRange leaves room below the smallest bar so that it shows.
func (b *logBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, bar := range b.Bars {
		xmin, xmax = min(xmin, bar.X), max(xmax, bar.X)
		// Headroom above for the legend.
		ymin, ymax = min(ymin, max(bar.Y/3, chartMin)), max(ymax, min(bar.Y*4, chartMax))
	}
	return xmin, xmax, ymin, ymax
}

// Thumbnail draws the legend's swatch.
func (b *logBars) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.Color, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}})
}

// rateTicks are log ticks labelled as the table prints rates.
type rateTicks struct{}

func (rateTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = groupDigits(ts[i].Value)
		}
	}
	return ts
}
