package defences

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/agentchaos/agentchaos/model/outfile"
)

var (
	upColor   = color.RGBA{0x1f, 0x77, 0xb4, 0xff} // blue: the majority of replications did not collapse
	downColor = color.RGBA{0xd6, 0x27, 0x28, 0xff} // red: the majority collapsed
	refColor  = color.RGBA{0x7f, 0x7f, 0x7f, 0xff}
)

// panel draws one figure of every policy as a point with its 95% interval,
// policies from top to bottom in table order, with a dashed line at no
// defence's value.
func (c *Comparison) panel(title, x string, fig func(r *Result) Interval, labels bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.X.Min = 0
	n := len(c.Results)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	names := make([]string, n)
	for i := range c.Results {
		names[i] = c.Results[i].Name
	}
	p.Y.Tick.Marker = plot.TickerFunc(func(_, _ float64) []plot.Tick {
		ticks := make([]plot.Tick, n)
		for i, name := range names {
			ticks[i] = plot.Tick{Value: float64(n - 1 - i)}
			if labels {
				ticks[i].Label = name
			}
		}
		return ticks
	})
	p.Add(plotter.NewGrid())
	for i := range c.Results {
		r := &c.Results[i]
		iv := fig(r)
		if math.IsNaN(iv.Mean) {
			continue
		}
		col := upColor
		if 2*r.Collapsed > r.Runs {
			col = downColor
		}
		pt := plotter.XYs{{X: iv.Mean, Y: float64(n - 1 - i)}}
		s, err := plotter.NewScatter(pt)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
		if hw := iv.HalfWidth; hw > 0 && !math.IsInf(hw, 0) {
			e, err := plotter.NewXErrorBars(struct {
				plotter.XYs
				plotter.XErrors
			}{pt, plotter.XErrors{{Low: hw, High: hw}}})
			if err != nil {
				return nil, err
			}
			e.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.5)}
			e.CapWidth = vg.Points(6)
			p.Add(e)
		}
	}
	if none := fig(&c.Results[0]); !math.IsNaN(none.Mean) {
		l, err := plotter.NewLine(plotter.XYs{{X: none.Mean, Y: p.Y.Min}, {X: none.Mean, Y: p.Y.Max}})
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: refColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
		p.Add(l)
	}
	return p, nil
}

// render draws the goodput and p99 panels side by side.
func (c *Comparison) render(format string) ([]byte, error) {
	if len(c.Results) == 0 {
		return nil, errors.New("no policy finished")
	}
	good, err := c.panel("goodput (requests/s)", "requests that succeeded per second", func(r *Result) Interval { return r.Goodput }, true)
	if err != nil {
		return nil, err
	}
	p99, err := c.panel("p99 latency (s)", "seconds", func(r *Result) Interval { return r.P99 }, false)
	if err != nil {
		return nil, err
	}
	w, h := 9*vg.Inch, vg.Length(1.1+0.32*float64(len(c.Results)))*vg.Inch
	var cv vg.CanvasWriterTo
	switch format {
	case "svg":
		cv = vgsvg.New(w, h)
	case "png":
		cv = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96), vgimg.UseBackgroundColor(color.White))}
	default:
		return nil, fmt.Errorf("unknown image format %q", format)
	}
	dc := draw.New(cv)
	// A caption line on top; the panels aligned below it.
	top := vg.Points(16)
	caption := fmt.Sprintf("%s: each defence alone, %d replications under common random numbers; 95%% intervals; red: most replications collapsed; dashed: no defence",
		c.Scenario, c.Replications)
	sty := draw.TextStyle{Color: color.Black, Font: plot.DefaultFont, Handler: plot.DefaultTextHandler, XAlign: draw.XLeft, YAlign: draw.YTop}
	sty.Font.Size = vg.Points(9)
	dc.FillText(sty, vg.Point{X: dc.Min.X + vg.Points(4), Y: dc.Max.Y - vg.Points(3)}, caption)
	body := draw.Crop(dc, 0, 0, 0, -top)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(14), PadLeft: vg.Points(4), PadRight: vg.Points(10), PadBottom: vg.Points(4)}
	cs := plot.Align([][]*plot.Plot{{good, p99}}, tiles, body)
	good.Draw(cs[0][0])
	p99.Draw(cs[0][1])
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CheckChart reports whether WriteChart would be refused: without force,
// PREFIX.svg or PREFIX.png exists. A command calls it before the runs.
func CheckChart(prefix string, force bool) error {
	for _, ext := range []string{".svg", ".png"} {
		if err := outfile.Check(prefix+ext, force); err != nil {
			return err
		}
	}
	return nil
}

// WriteChart writes the comparison's chart, goodput and p99 by policy
// with their intervals, to PREFIX.svg and PREFIX.png (the SVG is the same
// on every machine) and returns their names.
func WriteChart(c *Comparison, prefix string, force bool) ([]string, error) {
	if err := CheckChart(prefix, force); err != nil {
		return nil, err
	}
	var out []string
	for _, format := range []string{"svg", "png"} {
		data, err := c.render(format)
		if err != nil {
			return out, err
		}
		name := prefix + "." + format
		if err := outfile.Write(name, force, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return out, err
		}
		out = append(out, name)
	}
	return out, nil
}
