package phase

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile"
	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/scenarios/sweep"
)

// Grid is a two-axis sweep's points arranged as a table: Cells[y][x] is
// the point with the x-th value of axis X and the y-th value of axis Y.
type Grid struct {
	X, Y             string   // the swept fields (the sweep's first and second axis)
	XValues, YValues []string // in the order the sweep ran them
	Cells            [][]sweep.PointSummary
	Replications     int
}

// read aggregates a complete, unsharded results file of a two-axis grid
// sweep into a Grid.
func read(name string, r io.Reader) (*Grid, error) {
	var pts []sweep.PointSummary
	h, err := sweep.Aggregate(name, r, func(_ sweep.Header, p sweep.PointSummary) error {
		pts = append(pts, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(h.Axes) != 2 {
		return nil, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: fmt.Sprintf("a phase diagram needs a sweep over exactly two axes; this one has %d", len(h.Axes))}
	}
	g := &Grid{X: h.Axes[0], Y: h.Axes[1], Replications: h.Replications}
	xi, yi := map[string]int{}, map[string]int{}
	for _, p := range pts {
		if _, ok := xi[p.Axes[0]]; !ok {
			xi[p.Axes[0]] = len(g.XValues)
			g.XValues = append(g.XValues, p.Axes[0])
		}
		if _, ok := yi[p.Axes[1]]; !ok {
			yi[p.Axes[1]] = len(g.YValues)
			g.YValues = append(g.YValues, p.Axes[1])
		}
	}
	if len(g.XValues)*len(g.YValues) != len(pts) {
		return nil, &scenarios.Error{Source: name, Msg: fmt.Sprintf("the %d points are not a full %d×%d grid (a latin-hypercube sweep has no phase diagram: use a grid design)", len(pts), len(g.XValues), len(g.YValues))}
	}
	g.Cells = make([][]sweep.PointSummary, len(g.YValues))
	filled := make([][]bool, len(g.YValues))
	for y := range g.Cells {
		g.Cells[y] = make([]sweep.PointSummary, len(g.XValues))
		filled[y] = make([]bool, len(g.XValues))
	}
	for _, p := range pts {
		x, y := xi[p.Axes[0]], yi[p.Axes[1]]
		if filled[y][x] {
			return nil, &scenarios.Error{Source: name, Msg: fmt.Sprintf("two points at %s=%s, %s=%s: not a grid", g.X, p.Axes[0], g.Y, p.Axes[1])}
		}
		filled[y][x] = true
		g.Cells[y][x] = p
	}
	return g, nil
}

// ReadFile reads the grid of the results file name (see Read); a file that
// cannot be opened is a *scenarios.Error.
func ReadFile(name string) (*Grid, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &scenarios.Error{Source: name, Msg: err.Error()}
	}
	defer f.Close()
	return read(name, f)
}

// stateColors are the colours of the final states in the state map.
var stateColors = [...]color.Color{
	model.Stable:    color.RGBA{R: 0x4c, G: 0xaf, B: 0x50, A: 0xff}, // green
	model.Degraded:  color.RGBA{R: 0xff, G: 0xb3, B: 0x00, A: 0xff}, // amber
	model.Collapsed: color.RGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0xff}, // red
}

// grid adapts a Grid to plotter.GridXYZ with cells at integer coordinates.
type grid struct {
	g *Grid
	z func(p *sweep.PointSummary) float64
}

func (d grid) Dims() (c, r int)   { return len(d.g.XValues), len(d.g.YValues) }
func (d grid) Z(c, r int) float64 { return d.z(&d.g.Cells[r][c]) }
func (d grid) X(c int) float64    { return float64(c) }
func (d grid) Y(r int) float64    { return float64(r) }

// categories labels integer ticks with values, thinning them to at most
// about 12 labels.
func categories(values []string) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		step := (len(values) + 11) / 12
		var ticks []plot.Tick
		for i, v := range values {
			t := plot.Tick{Value: float64(i)}
			if i%step == 0 {
				t.Label = v
			}
			ticks = append(ticks, t)
		}
		return ticks
	})
}

func (g *Grid) base(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = g.X
	p.Y.Label.Text = g.Y
	p.X.Tick.Marker = categories(g.XValues)
	p.Y.Tick.Marker = categories(g.YValues)
	if len(g.XValues) > 6 {
		p.X.Tick.Label.Rotation = 0.6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.X.Padding, p.Y.Padding = 0, 0
	return p
}

// annotate writes a label in every cell when the grid is small enough
// and returns the labels (nil if not).
func (g *Grid) annotate(p *plot.Plot, text func(c *sweep.PointSummary) string) (*plotter.Labels, error) {
	if len(g.XValues) > 12 || len(g.YValues) > 16 {
		return nil, nil
	}
	var xy plotter.XYLabels
	for y, row := range g.Cells {
		for x := range row {
			xy.XYs = append(xy.XYs, plotter.XY{X: float64(x), Y: float64(y)})
			xy.Labels = append(xy.Labels, text(&row[x]))
		}
	}
	l, err := plotter.NewLabels(xy)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YCenter
		l.TextStyle[i].Color = color.Black
	}
	p.Add(l)
	return l, nil
}

// statePlot returns the state map and its legend.
func (g *Grid) statePlot() (*plot.Plot, plot.Legend, error) {
	p := g.base(fmt.Sprintf("final state (majority of %d replications; label: share COLLAPSED)", g.Replications))
	pal := statePalette{}
	h := plotter.NewHeatMap(grid{g, func(c *sweep.PointSummary) float64 { return float64(c.Majority) }}, pal)
	h.Min, h.Max = 0, 2
	p.Add(h)
	if _, err := g.annotate(p, func(c *sweep.PointSummary) string {
		return strconv.FormatFloat(c.CollapseShare(), 'f', 2, 64)
	}); err != nil {
		return nil, plot.Legend{}, err
	}
	l := plot.NewLegend()
	thumbs := plotter.PaletteThumbnailers(pal)
	for s := model.Collapsed; ; s-- {
		l.Add(s.String(), thumbs[s])
		if s == model.Stable {
			break
		}
	}
	return p, l, nil
}

type statePalette struct{}

func (statePalette) Colors() []color.Color { return stateColors[:] }

// verdictColors are the colours of the steady-state verdicts in the
// verdict map, indexed by sweep.Verdict.
var verdictColors = [...]color.Color{
	sweep.NoSLO:      color.RGBA{R: 0xe0, G: 0xe0, B: 0xe0, A: 0xff}, // pale grey
	sweep.Held:       color.RGBA{R: 0x4c, G: 0xaf, B: 0x50, A: 0xff}, // green
	sweep.Recovered:  color.RGBA{R: 0x64, G: 0xb5, B: 0xf6, A: 0xff}, // blue
	sweep.Unjudged:   color.RGBA{R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff}, // grey
	sweep.Violated:   color.RGBA{R: 0xff, G: 0xb3, B: 0x00, A: 0xff}, // amber
	sweep.Metastable: color.RGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0xff}, // red
}

// verdictLabels name the verdicts in the legend, indexed by sweep.Verdict.
var verdictLabels = [...]string{sweep.NoSLO: "no SLO", sweep.Held: "held", sweep.Recovered: "recovered",
	sweep.Unjudged: "not judged", sweep.Violated: "violated (no trigger ended)", sweep.Metastable: "did not recover (metastable)"}

type verdictPalette struct{}

func (verdictPalette) Colors() []color.Color { return verdictColors[:] }

// HasSLO reports whether the sweep's scenario had a steady-state
// hypothesis: whether a verdict map can be drawn.
func (g *Grid) HasSLO() bool {
	for _, row := range g.Cells {
		for i := range row {
			if row[i].Verdicts[sweep.NoSLO] < row[i].Runs {
				return true
			}
		}
	}
	return false
}

// verdictPlot returns the verdict map and its legend: the metastable
// region is where the majority of replications did not recover.
func (g *Grid) verdictPlot() (*plot.Plot, plot.Legend, error) {
	p := g.base(fmt.Sprintf("SLO after the trigger (majority of %d runs; label: share metastable)", g.Replications))
	pal := verdictPalette{}
	h := plotter.NewHeatMap(grid{g, func(c *sweep.PointSummary) float64 { return float64(c.MajorityVerdict) }}, pal)
	h.Min, h.Max = 0, float64(len(verdictColors)-1)
	p.Add(h)
	if _, err := g.annotate(p, func(c *sweep.PointSummary) string {
		return strconv.FormatFloat(c.Share(sweep.Metastable), 'f', 2, 64)
	}); err != nil {
		return nil, plot.Legend{}, err
	}
	l := plot.NewLegend()
	thumbs := plotter.PaletteThumbnailers(pal)
	for _, v := range []sweep.Verdict{sweep.Metastable, sweep.Violated, sweep.Unjudged, sweep.Recovered, sweep.Held} {
		l.Add(verdictLabels[v], thumbs[v])
	}
	return p, l, nil
}

// viridis's control points: luminance rises from dark purple to yellow, and
// no cell is the colour of the background.
var viridis = []color.Color{
	color.RGBA{0x44, 0x01, 0x54, 0xff},
	color.RGBA{0x3b, 0x52, 0x8b, 0xff},
	color.RGBA{0x21, 0x90, 0x8d, 0xff},
	color.RGBA{0x5d, 0xc8, 0x63, 0xff},
	color.RGBA{0xfd, 0xe7, 0x25, 0xff},
}

// p95Plot returns the latency map and its colour map.
func (g *Grid) p95Plot() (*plot.Plot, palette.ColorMap, error) {
	p := g.base(fmt.Sprintf("mean p95 latency, s (%d replications)", g.Replications))
	z := func(c *sweep.PointSummary) float64 { return c.LatencyP95.Mean }
	lo, hi := z(&g.Cells[0][0]), z(&g.Cells[0][0])
	for _, row := range g.Cells {
		for i := range row {
			lo, hi = min(lo, z(&row[i])), max(hi, z(&row[i]))
		}
	}
	if !(hi > lo) {
		hi = lo + 1e-3
	}
	cm, err := moreland.NewLuminance(viridis)
	if err != nil {
		return nil, nil, err
	}
	cm.SetMin(lo)
	cm.SetMax(hi)
	h := plotter.NewHeatMap(grid{g, z}, cm.Palette(255))
	h.Min, h.Max = lo, hi
	p.Add(h)
	l, err := g.annotate(p, func(c *sweep.PointSummary) string {
		return strconv.FormatFloat(c.LatencyP95.Mean, 'g', 3, 64)
	})
	if l != nil {
		// Labels must stay legible on dark and light cells.
		for i := range l.TextStyle {
			v := z(&g.Cells[int(l.XYs[i].Y)][int(l.XYs[i].X)])
			if (v-lo)/(hi-lo) < 0.45 {
				l.TextStyle[i].Color = color.White
			}
		}
	}
	return p, cm, err
}

// Size of each rendered image.
var (
	width  = 7 * vg.Inch
	height = 5 * vg.Inch
)

func newCanvas(ext string) (vg.CanvasWriterTo, error) {
	switch ext {
	case ".svg":
		return vgsvg.New(width, height), nil
	case ".png":
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(144),
			vgimg.UseBackgroundColor(color.White))}, nil
	}
	return nil, errors.New("unknown image format " + ext)
}

// drawState draws the state map with its legend on the right.
func (g *Grid) drawState(dc draw.Canvas) error {
	return drawWithLegend(dc, g.statePlot)
}

// drawVerdict draws the verdict map with its legend on the right.
func (g *Grid) drawVerdict(dc draw.Canvas) error {
	return drawWithLegend(dc, g.verdictPlot)
}

// drawWithLegend draws a categorical map with its legend on the right.
func drawWithLegend(dc draw.Canvas, build func() (*plot.Plot, plot.Legend, error)) error {
	p, l, err := build()
	if err != nil {
		return err
	}
	l.Top = true
	r := l.Rectangle(dc)
	w := r.Max.X - r.Min.X
	l.YOffs = -p.Title.TextStyle.FontExtents().Height - vg.Millimeter
	l.Draw(dc)
	p.Draw(draw.Crop(dc, 0, -w-2*vg.Millimeter, 0, 0))
	return nil
}

// drawP95 draws the latency map with its colour bar on the right.
func (g *Grid) drawP95(dc draw.Canvas) error {
	p, cm, err := g.p95Plot()
	if err != nil {
		return err
	}
	bar := plot.New()
	bar.HideX()
	bar.Y.Padding = 0
	bar.Y.Label.Text = "mean p95 (s)"
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	barW := 0.9 * vg.Inch
	width := dc.Max.X - dc.Min.X
	main := draw.Crop(dc, 0, -barW-2*vg.Millimeter, 0, 0)
	p.Draw(main)
	// The bar spans the same height as the heat map's data area.
	da := p.DataCanvas(main)
	bar.Draw(draw.Crop(dc, width-barW, -vg.Millimeter, da.Min.Y-dc.Min.Y, da.Max.Y-dc.Max.Y))
	return nil
}

// Render writes the state map and the latency map of g as SVG and PNG:
// prefix-state.svg, prefix-state.png, prefix-p95.svg and prefix-p95.png,
// and, when the sweep's scenario has an SLO, the verdict map
// prefix-slo.svg and prefix-slo.png. It returns the names of the files
// written.
func Render(g *Grid, prefix string, force bool) ([]string, error) {
	charts := []struct {
		name string
		draw func(draw.Canvas) error
	}{{"state", g.drawState}, {"p95", g.drawP95}, {"slo", g.drawVerdict}}
	if !g.HasSLO() {
		charts = charts[:2]
	}
	// Refuse before drawing anything, not after the first file.
	if err := Check(prefix, g.HasSLO(), force); err != nil {
		return nil, err
	}
	var out []string
	for _, m := range charts {
		for _, ext := range []string{".svg", ".png"} {
			c, err := newCanvas(ext)
			if err != nil {
				return out, err
			}
			if err := m.draw(draw.New(c)); err != nil {
				return out, err
			}
			name := prefix + "-" + m.name + ext
			if err := writeFile(name, force, c); err != nil {
				return out, err
			}
			out = append(out, name)
		}
	}
	return out, nil
}

// Check reports whether Render would be refused for prefix: whether,
// without force, one of its files exists (the verdict map's only if slo).
// A command calls it before the sweep whose results it draws.
func Check(prefix string, slo bool, force bool) error {
	names := []string{"state", "p95", "slo"}
	if !slo {
		names = names[:2]
	}
	for _, name := range names {
		for _, ext := range []string{".svg", ".png"} {
			if err := outfile.Check(prefix+"-"+name+ext, force); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeFile(name string, force bool, c io.WriterTo) error {
	return outfile.Write(name, force, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
}
