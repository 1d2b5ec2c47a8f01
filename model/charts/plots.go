package charts

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// Chart size. The legend sits in a column right of the data, never over it,
// and has the same width on every chart so the time axes line up.
const (
	width       = 9 * vg.Inch
	height      = 3.4 * vg.Inch
	legendWidth = 2.3 * vg.Inch
	legendTop   = 22 // points below the top edge: under the title
)

var (
	blue    = color.RGBA{0x1f, 0x77, 0xb4, 0xff}
	orange  = color.RGBA{0xff, 0x7f, 0x0e, 0xff}
	red     = color.RGBA{0xd6, 0x27, 0x28, 0xff}
	green   = color.RGBA{0x2c, 0xa0, 0x2c, 0xff}
	purple  = color.RGBA{0x94, 0x67, 0xbd, 0xff}
	grey    = color.RGBA{0x7f, 0x7f, 0x7f, 0xff}
	black   = color.RGBA{0x20, 0x20, 0x20, 0xff}
	light   = color.RGBA{0xff, 0xbb, 0x78, 0xff}
	barFill = color.RGBA{0x9e, 0xc5, 0xe6, 0xff}
	brown   = color.RGBA{0x8c, 0x56, 0x4b, 0xff}
	pink    = color.RGBA{0xe3, 0x77, 0xc2, 0xff}
	olive   = color.RGBA{0xbc, 0xbd, 0x22, 0xff}
	cyan    = color.RGBA{0x17, 0xbe, 0xcf, 0xff}

	// The schedule's windows and CoDel's dropping state: translucent, so
	// that what is drawn under them shows.
	scheduleFill = color.NRGBA{0x94, 0x67, 0xbd, 0x30}
	droppingFill = color.NRGBA{0xff, 0x7f, 0x0e, 0x40}

	// kindColors are the failure kinds' line colours (the server's three
	// first, as they always were).
	kindColors = [numKinds]color.Color{
		model.QueueOverflow: red, model.FaultError: purple, model.TimedOut: orange,
		model.ClientTimeout: blue, model.DeadlineExceeded: brown, model.PoolExhausted: pink,
		model.ConnectTimeout: olive, model.ConnectionReset: cyan, model.CircuitOpen: grey,
		model.Crashed: black, model.Shed: green, model.Throttled: light,
	}

	// Band colours of the detector's states, pale so a line on top reads.
	stateFill = [...]color.Color{
		model.Stable:    color.RGBA{0xd9, 0xf0, 0xd3, 0xff},
		model.Degraded:  color.RGBA{0xfd, 0xe3, 0xa7, 0xff},
		model.Collapsed: color.RGBA{0xf8, 0xc4, 0xc4, 0xff},
	}
	allStates = [...]model.State{model.Stable, model.Degraded, model.Collapsed}
)

func solid(c color.Color, w vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: w}
}

func dashed(c color.Color, w vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: w, Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
}

// chart is one figure: a plot, its legend (drawn beside it) and the
// caption the pages print under it.
type chart struct {
	name    string // file stem: name.svg, name.png
	plot    *plot.Plot
	legend  plot.Legend
	caption string
}

func newChart(name, title, x, y string) *chart {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Tick.Marker = cleanTicks{}
	p.Y.Tick.Marker = cleanTicks{}
	p.Add(plotter.NewGrid())
	lg := plot.NewLegend()
	lg.Top, lg.Left = true, true
	lg.TextStyle.Font.Size = vg.Points(9)
	lg.ThumbnailWidth = vg.Points(18)
	return &chart{name: name, plot: p, legend: lg}
}

// add draws ps and, if label is not empty, gives them one legend entry.
func (c *chart) add(label string, thumb plot.Thumbnailer, ps ...plot.Plotter) {
	c.plot.Add(ps...)
	if label != "" && thumb != nil {
		c.legend.Add(label, thumb)
	}
}

// render draws the chart in format ("svg" or "png").
func (c *chart) render(format string) ([]byte, error) {
	cv, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return nil, err
	}
	dc := draw.New(cv)
	c.plot.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	c.legend.Draw(draw.Crop(dc, width-legendWidth+vg.Points(8), 0, 0, -vg.Points(legendTop)))
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// series draws y against x as lines broken wherever y is NaN, so a period
// without data is a gap rather than a fake zero. It returns the segments
// and a thumbnail for the legend.
func series(xs, ys []float64, sty draw.LineStyle, step plotter.StepKind) ([]plot.Plotter, plot.Thumbnailer) {
	var out []plot.Plotter
	var seg plotter.XYs
	flush := func() {
		if len(seg) > 0 {
			l := &plotter.Line{XYs: seg, LineStyle: sty, StepStyle: step}
			out = append(out, l)
		}
		seg = nil
	}
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) {
			flush()
			continue
		}
		seg = append(seg, plotter.XY{X: xs[i], Y: ys[i]})
	}
	flush()
	return out, &plotter.Line{LineStyle: sty}
}

// rule is a line across the whole data area: vertical at X (Vertical) or
// horizontal at Y. It widens the axis range only along its own axis.
type rule struct {
	vertical bool
	at       float64
	draw.LineStyle
}

func (r *rule) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	if r.vertical {
		x := trX(r.at)
		c.StrokeLine2(r.LineStyle, x, c.Min.Y, x, c.Max.Y)
		return
	}
	y := trY(r.at)
	c.StrokeLine2(r.LineStyle, c.Min.X, y, c.Max.X, y)
}

func (r *rule) DataRange() (xmin, xmax, ymin, ymax float64) {
	inf := math.Inf(1)
	if r.vertical {
		return r.at, r.at, inf, -inf
	}
	return inf, -inf, r.at, r.at
}

func (r *rule) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(r.LineStyle, c.Min.X, y, c.Max.X, y)
}

// bands shades vertical spans [x0, x1] across the whole height of the
// data area, clipped to the x axis. It widens no axis.
type bands struct {
	spans [][2]float64
	fill  color.Color
}

func (b *bands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, sp := range b.spans {
		x0, x1 := math.Max(sp[0], p.X.Min), math.Min(sp[1], p.X.Max)
		if !(x1 > x0) {
			continue
		}
		a, z := trX(x0), trX(x1)
		c.FillPolygon(b.fill, []vg.Point{{X: a, Y: c.Min.Y}, {X: z, Y: c.Min.Y}, {X: z, Y: c.Max.Y}, {X: a, Y: c.Max.Y}})
	}
}

func (b *bands) DataRange() (xmin, xmax, ymin, ymax float64) {
	inf := math.Inf(1)
	return inf, -inf, inf, -inf
}

func (b *bands) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.fill, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
}

// timeCharts holds what every time chart shares.
type timeCharts struct {
	cfg    *model.Config
	rep    *model.Report
	bs     []model.Span
	k      int     // periods per bucket
	end    float64 // the time axis runs [0, end]
	xs     []float64
	bucket string // legend suffix: " per period" or " per 2.5 s bucket"
	unit   string // caption: "control period (50 ms)" or "2.5 s bucket (50 control periods)"
	units  string // "periods" or "buckets"
}

func newTimeCharts(cfg *model.Config, rep *model.Report) *timeCharts {
	tc := &timeCharts{cfg: cfg, rep: rep, k: 1, bucket: " per period",
		unit: "control period (" + secs(cfg.Detector.Period) + ")", units: "periods"}
	limit := rep.Series.Periods()
	if limit > maxPeriods {
		limit = maxPoints
	}
	tc.bs = buckets(&rep.Series, limit)
	if len(tc.bs) > 0 && tc.bs[0].Periods > 1 {
		tc.k = tc.bs[0].Periods
		span := secs(float64(float64(tc.k) * cfg.Detector.Period))
		tc.bucket = " per " + span + " bucket"
		tc.unit = fmt.Sprintf("%s bucket (%d control periods)", span, tc.k)
		tc.units = "buckets"
	}
	tc.xs = make([]float64, len(tc.bs))
	for i, b := range tc.bs {
		tc.xs[i] = b.T1.Seconds()
	}
	if len(tc.bs) > 0 {
		tc.end = tc.bs[len(tc.bs)-1].T1.Seconds()
	}
	return tc
}

// new returns a time chart with the schedule's windows shaded.
func (tc *timeCharts) new(name, title, y string) *chart {
	c := tc.plain(name, title, y)
	tc.schedule(c)
	return c
}

// plain returns a time chart without the schedule's windows, for a chart
// that shades them over its own fills.
func (tc *timeCharts) plain(name, title, y string) *chart {
	c := newChart(name, title, "time (s)", y)
	c.plot.X.Min, c.plot.X.Max = 0, tc.end
	c.plot.Y.Min = 0
	return c
}

// schedule shades the windows of the scenario's schedule, with one legend
// entry: the action when there is one, else their count.
func (tc *timeCharts) schedule(c *chart) {
	acts := tc.cfg.Schedule
	if len(acts) == 0 {
		return
	}
	b := &bands{fill: scheduleFill}
	for i := range acts {
		a := &acts[i]
		end := tc.end
		if a.For > 0 {
			end = a.At + a.For
		}
		b.spans = append(b.spans, [2]float64{a.At, end})
	}
	label := fmt.Sprintf("schedule (%d actions)", len(acts))
	if len(acts) == 1 {
		label = actionText(&acts[0])
	}
	c.add(label, b, b)
}

// actionText describes a schedule action in a few words, with its window.
func actionText(a *model.Action) string {
	var what string
	switch {
	case a.Load != nil && a.Load.Agents != nil:
		what = fmt.Sprintf("%d agents active", *a.Load.Agents)
	case a.Load != nil && a.Load.Diurnal != nil:
		what = fmt.Sprintf("diurnal load ×%g–%g", a.Load.Diurnal.Low, a.Load.Diurnal.High)
	case a.Load != nil:
		what = fmt.Sprintf("load ×%g", a.Load.Rate)
	case a.Crash != nil:
		what = fmt.Sprintf("%d workers down", a.Crash.Workers)
	case a.Slowdown != 0:
		what = fmt.Sprintf("service ×%g", a.Slowdown)
	case a.Faults != nil:
		what = "faults"
	case a.Network != nil && len(a.Network.Toxics) > 0:
		what = "network " + strings.Join(a.Network.Toxics, ", ")
	default:
		what = "partition"
	}
	if a.Name != "" {
		what = a.Name + ": " + what
	}
	if a.For > 0 {
		return fmt.Sprintf("%s, %s–%s", what, secs(a.At), secs(a.At+a.For))
	}
	return fmt.Sprintf("%s, from %s", what, secs(a.At))
}

// marks draws the detector's break-point and the steady-state
// hypothesis's recovery point (or, without recovery, the trigger's end).
func (tc *timeCharts) marks(c *chart) {
	if bp := tc.rep.BreakPoint; bp != nil {
		r := &rule{vertical: true, at: *bp, LineStyle: dashed(black, 1)}
		c.add("break-point "+secs(*bp), r, r)
	}
	l := tc.rep.SLO
	switch {
	case l == nil:
	case l.RecoveredAt != nil && l.RecoveryTime != nil:
		r := &rule{vertical: true, at: *l.RecoveredAt, LineStyle: dashed(green, 1.5)}
		c.add(fmt.Sprintf("recovered at %s (+%s)", secs(*l.RecoveredAt), secs(*l.RecoveryTime)), r, r)
	case l.Verdict == model.VerdictMetastable && l.TriggerEnd != nil:
		r := &rule{vertical: true, at: *l.TriggerEnd, LineStyle: dashed(red, 1.5)}
		c.add(fmt.Sprintf("trigger ended %s: did not recover", secs(*l.TriggerEnd)), r, r)
	}
}

// sloWindow is the SLO's window, as the report evaluates it.
func (tc *timeCharts) sloWindow() float64 {
	if w := tc.cfg.SLO.Window; w > 0 {
		return w
	}
	return tc.cfg.Detector.Window
}

// rate is a bucket's count per second.
func (tc *timeCharts) rate(f func(b *model.Span) uint64) []float64 {
	return tc.column(func(b *model.Span) float64 {
		return float64(f(b)) / float64(float64(b.Periods)*tc.cfg.Detector.Period)
	})
}

func (tc *timeCharts) column(f func(b *model.Span) float64) []float64 {
	ys := make([]float64, len(tc.bs))
	for i := range tc.bs {
		ys[i] = f(&tc.bs[i])
	}
	return ys
}

func (tc *timeCharts) latency() *chart {
	c := tc.new("latency", "Request latency over time", "latency (s)")
	ps, th := series(tc.xs, tc.column(func(b *model.Span) float64 { return b.LatMax }), solid(light, 1), plotter.NoStep)
	c.add("max"+tc.bucket, th, ps...)
	ps, th = series(tc.xs, tc.column(func(b *model.Span) float64 { return b.LatMean() }), solid(blue, 1.2), plotter.NoStep)
	c.add("mean"+tc.bucket, th, ps...)
	p95 := "rolling p95 (" + secs(tc.cfg.Detector.Window) + " window)"
	if tc.k > 1 {
		p95 += ", max"
	}
	ps, th = series(tc.xs, tc.column(func(b *model.Span) float64 { return b.P95 }), solid(red, 1.5), plotter.NoStep)
	c.add(p95, th, ps...)
	if tc.cfg.SLO.Enabled() {
		label := "SLO window p99 (" + secs(tc.sloWindow()) + ")"
		if tc.k > 1 {
			label += ", max"
		}
		ps, th = series(tc.xs, tc.column(func(b *model.Span) float64 { return b.SLOP99 }), solid(green, 1.2), plotter.NoStep)
		c.add(label, th, ps...)
	}
	if b := tc.cfg.SLO.P99; b > 0 {
		r := &rule{at: b, LineStyle: dashed(green, 1.2)}
		c.add("SLO: p99 ≤ "+secs(b), r, r)
	}
	tc.marks(c)
	c.caption = "Latency (completion − creation) of the requests finished in each " + tc.unit +
		" (served, or failed by a fault after service); gaps are " + tc.units + " without one. The rolling p95 is the detector's, over the last " +
		secs(tc.cfg.Detector.Window) + "."
	if tc.cfg.SLO.Enabled() {
		c.caption += " The SLO window p99 is the steady-state hypothesis's reading, over the requests that succeeded in its last " +
			secs(tc.sloWindow()) + "."
	}
	return c
}

func (tc *timeCharts) queue() *chart {
	c := tc.new("queue", "Queue depth over time", "requests waiting")
	buf := float64(tc.cfg.Queue.Buffer)
	d := tc.cfg.Detector
	r := &rule{at: buf, LineStyle: solid(grey, 1.5)}
	c.add(fmt.Sprintf("buffer capacity (%d)", tc.cfg.Queue.Buffer), r, r)
	r = &rule{at: float64(d.CollapseSaturation * buf), LineStyle: dashed(red, 1)}
	c.add(fmt.Sprintf("collapse threshold (%s)", pct(d.CollapseSaturation, 0)), r, r)
	r = &rule{at: float64(d.DegradedSaturation * buf), LineStyle: dashed(orange, 1)}
	c.add(fmt.Sprintf("degraded threshold (%s)", pct(d.DegradedSaturation, 0)), r, r)
	if tc.k > 1 {
		ps, th := series(tc.xs, tc.column(func(b *model.Span) float64 { return float64(b.DepthMax) }), solid(light, 1), plotter.NoStep)
		c.add("max depth"+tc.bucket, th, ps...)
		ps, th = series(tc.xs, tc.column(func(b *model.Span) float64 { return b.DepthMean() }), solid(blue, 1.2), plotter.NoStep)
		c.add("mean depth"+tc.bucket, th, ps...)
	} else {
		ps, th := series(tc.xs, tc.column(func(b *model.Span) float64 { return b.DepthMean() }), solid(blue, 1.2), plotter.NoStep)
		c.add("depth at period end", th, ps...)
	}
	tc.marks(c)
	c.plot.Y.Max = math.Max(c.plot.Y.Max, 1)
	c.caption = "Requests waiting in the queue at the end of each control period"
	if tc.k > 1 {
		c.caption += " (mean and maximum over each " + tc.unit + ")"
	}
	c.caption += ", against the buffer and the detector's saturation thresholds (DEGRADED at " + pct(d.DegradedSaturation, 0) +
		", COLLAPSED at " + pct(d.CollapseSaturation, 0) + " while dQ/dt stays positive for " +
		fmt.Sprint(d.GrowthSamples) + " periods)."
	return c
}

func (tc *timeCharts) state() *chart {
	c := tc.plain("state", "Detector state and throttle", "throttle delay (s)")
	tcfg := tc.cfg.Throttle
	top := math.Max(math.Max(tcfg.Degraded, tcfg.Collapsed), 0)
	for _, b := range tc.bs {
		top = math.Max(top, b.Throttle.Seconds())
	}
	if !(top > 0) {
		top = 1
	}
	top *= 1.15
	var rings [len(allStates)][]plotter.XYer
	for _, r := range stateRuns(tc.bs) {
		rings[r.state] = append(rings[r.state], plotter.XYs{{X: r.t0, Y: 0}, {X: r.t1, Y: 0}, {X: r.t1, Y: top}, {X: r.t0, Y: top}})
	}
	for _, s := range allStates {
		// One filled path per state, whatever the number of runs.
		poly := &plotter.Polygon{Color: stateFill[s]}
		for _, ring := range rings[s] {
			poly.XYs = append(poly.XYs, ring.(plotter.XYs))
		}
		label := s.String()
		if len(rings[s]) == 0 {
			label += " (never)"
		}
		c.add(label, poly, poly)
	}
	tc.schedule(c)
	label := "throttle delay"
	if tc.k > 1 {
		label += ", max"
	}
	if !tcfg.Enabled {
		label += " (throttle off)"
	}
	ps, th := series(tc.xs, tc.column(func(b *model.Span) float64 { return b.Throttle.Seconds() }), solid(black, 0.8), plotter.PostStep)
	c.add(label, th, ps...)
	tc.marks(c)
	c.plot.Y.Max = top
	c.caption = "The detector's verdict on each " + tc.unit
	if tc.k > 1 {
		c.caption += " (the worst state in it; the throttle's largest delay)"
	}
	c.caption += ", and the extra delay the throttle imposed on every agent's next request (" + throttleText(tcfg) + ")."
	return c
}

func throttleText(t model.ThrottleConfig) string {
	if !t.Enabled {
		return "throttle off"
	}
	return secs(t.Degraded) + " while DEGRADED, " + secs(t.Collapsed) + " while COLLAPSED"
}

func (tc *timeCharts) errors() *chart {
	c := tc.new("errors", "Error rate over time by failure kind", "failed / created (%)")
	// Per-period ratios of a few requests swing from 0 to 200%; sums over
	// the detector's window read as a rate.
	w := int(kernel.Seconds(tc.cfg.Detector.Window) / (kernel.Duration(tc.k) * kernel.Seconds(tc.cfg.Detector.Period)))
	w = max(w, 1)
	created := rolling(tc.bs, w, func(b *model.Span) uint64 { return b.Created })
	any := false
	for f := model.QueueOverflow; int(f) < numKinds; f++ {
		failed := rolling(tc.bs, w, func(b *model.Span) uint64 { return b.FailedBy[f] })
		if failed == nil {
			continue
		}
		any = true
		ys := make([]float64, len(tc.bs))
		for i := range ys {
			ys[i] = math.NaN()
			if created[i] > 0 {
				ys[i] = 100 * float64(failed[i]) / float64(created[i])
			}
		}
		ps, th := series(tc.xs, ys, solid(kindColors[f], 1.2), plotter.NoStep)
		c.add(f.String(), th, ps...)
	}
	if !any {
		ps, th := series(tc.xs, tc.column(func(*model.Span) float64 { return 0 }), solid(green, 1.2), plotter.NoStep)
		c.add("no failures", th, ps...)
	}
	r := &rule{at: 100 * tc.rep.ErrorRate, LineStyle: dashed(grey, 1)}
	c.add("run-wide "+pct(tc.rep.ErrorRate, 2), r, r)
	if tc.cfg.SLO.Enabled() {
		label := "SLO window: failed / ended (" + secs(tc.sloWindow()) + ")"
		if tc.k > 1 {
			label += ", max"
		}
		ps, th := series(tc.xs, tc.column(func(b *model.Span) float64 { return 100 * b.SLOErrorRate }), solid(black, 1), plotter.NoStep)
		c.add(label, th, ps...)
	}
	if b := tc.cfg.SLO.ErrorRate; b > 0 {
		r := &rule{at: 100 * b, LineStyle: dashed(green, 1.2)}
		c.add("SLO: error rate ≤ "+pct(b, 2), r, r)
	}
	tc.marks(c)
	c.plot.Y.Max = math.Max(c.plot.Y.Max, 1)
	span := secs(float64(float64(w*tc.k) * tc.cfg.Detector.Period))
	c.caption = "Requests that failed in the last " + span + ", by kind, as a percentage of the requests created in the same " + span +
		", at the end of each " + tc.unit + ". A failure is counted when it happens (a timeout after its wait), so the ratio can pass 100% " +
		"when few requests are created; gaps are spans that created nothing. Kinds that never occurred are left out."
	return c
}

// attempts draws what the clients sent against what succeeded: the gap
// between the attempts and the goodput is the retry amplification.
func (tc *timeCharts) attempts() *chart {
	c := tc.new("attempts", "Attempts and goodput", "per second")
	for _, l := range []struct {
		label string
		f     func(b *model.Span) uint64
		sty   draw.LineStyle
	}{
		{"requests created", func(b *model.Span) uint64 { return b.Created }, dashed(grey, 1)},
		{"attempts sent", func(b *model.Span) uint64 { return b.Sent }, solid(orange, 1.2)},
		{"attempts failed and retried", func(b *model.Span) uint64 { return b.Retried }, solid(red, 1)},
		{"attempts a worker finished", func(b *model.Span) uint64 { return b.Answered }, solid(purple, 1)},
		{"goodput (requests succeeded)", func(b *model.Span) uint64 { return b.Goodput }, solid(green, 1.8)},
	} {
		ps, th := series(tc.xs, tc.rate(l.f), l.sty, plotter.NoStep)
		c.add(l.label, th, ps...)
	}
	if g := tc.cfg.SLO.Goodput; g > 0 {
		r := &rule{at: g, LineStyle: dashed(green, 1.2)}
		c.add(fmt.Sprintf("SLO: goodput ≥ %g/s", g), r, r)
	}
	tc.marks(c)
	c.caption = "Per second, over each " + tc.unit + ": requests the agents created, attempts the clients sent (first tries and retries), " +
		"attempts that failed and were tried again, attempts a worker finished (the server's throughput) and requests that succeeded " +
		"for their client (goodput)."
	if cr := tc.rep.Client; cr != nil {
		c.caption += fmt.Sprintf(" Over the run: %d attempts for %d requests (amplification %.2f×); goodput %.1f/s against a throughput of %.1f/s; "+
			"%d attempts (%s of worker time) were served after their client had given up (zombie work).",
			cr.Attempts, cr.Requests, cr.Amplification, cr.Goodput, cr.Throughput, cr.Zombies, secs(cr.ZombieWork))
	}
	return c
}

// hasCoDel, hasLimit and hasThrottle report which defences' state the
// timeline holds.
func (tc *timeCharts) hasCoDel() bool { return tc.cfg.Queue.CoDel != nil }
func (tc *timeCharts) hasLimit() bool { return tc.cfg.Queue.Limit != nil }
func (tc *timeCharts) hasThrottle() bool {
	if tc.cfg.Client.Throttle.K > 0 {
		return true
	}
	for _, g := range tc.cfg.Agents.Groups {
		if g.Client != nil && g.Client.Throttle.K > 0 {
			return true
		}
	}
	return false
}

// shedding draws the state of the probabilistic defences: when CoDel was
// dropping, and the clients' adaptive-throttle rejection probability.
func (tc *timeCharts) shedding() *chart {
	c := tc.new("shedding", "Load shedding state", "probability")
	c.plot.Y.Max = 1
	var parts []string
	if tc.hasCoDel() {
		b := &bands{fill: droppingFill}
		for _, r := range runsOf(tc.bs, func(b *model.Span) bool { return b.CoDelDropping }) {
			b.spans = append(b.spans, r)
		}
		c.add("CoDel dropping", b, b)
		parts = append(parts, "the spans in which CoDel was in its dropping state (dropping from the head of the queue)")
	}
	if tc.hasThrottle() {
		label := "client throttle: P(reject)"
		if tc.k > 1 {
			label += ", max"
		}
		ps, th := series(tc.xs, tc.column(func(b *model.Span) float64 { return b.ClientThrottle }), solid(blue, 1.2), plotter.PostStep)
		c.add(label, th, ps...)
		parts = append(parts, "the probability with which the clients' adaptive throttling (Google SRE) rejected an attempt locally, "+
			"max(0, (requests − K·accepts)/(requests + 1)), averaged over agent groups")
	}
	tc.marks(c)
	c.caption = "At the end of each " + tc.unit + ": " + strings.Join(parts, "; and ") + "."
	if d := tc.rep.Defences; d != nil {
		c.caption += fmt.Sprintf(" Over the run: %d attempts shed by CoDel, %d throttled by clients.", d.ShedByCoDel, d.Throttled)
	}
	return c
}

// limit draws the adaptive concurrency limit against the queue.
func (tc *timeCharts) limit() *chart {
	l := tc.cfg.Queue.Limit
	c := tc.new("limit", "Concurrency limit ("+l.Kind+")", "attempts")
	label := "concurrency limit"
	if tc.k > 1 {
		label += ", mean"
	}
	ps, th := series(tc.xs, tc.column(func(b *model.Span) float64 { return b.LimitMean() }), solid(blue, 1.5), plotter.PostStep)
	c.add(label, th, ps...)
	ps, th = series(tc.xs, tc.column(func(b *model.Span) float64 { return b.DepthMean() }), solid(grey, 1), plotter.NoStep)
	c.add("requests waiting", th, ps...)
	tc.marks(c)
	c.caption = "The server's adaptive concurrency limit (" + l.Kind + ") at the end of each " + tc.unit +
		": attempts beyond it, waiting or in service, are turned away (503 SHED). The queue's depth counts only those waiting."
	if d := tc.rep.Defences; d != nil {
		c.caption += fmt.Sprintf(" Over the run: %d attempts shed by the limit; %.0f at the end.", d.ShedByLimit, d.Limit)
	}
	return c
}

// runsOf returns the maximal spans [t0, t1] of consecutive buckets for
// which on holds.
func runsOf(bs []model.Span, on func(b *model.Span) bool) [][2]float64 {
	var out [][2]float64
	for i := range bs {
		if !on(&bs[i]) {
			continue
		}
		t0, t1 := bs[i].T0.Seconds(), bs[i].T1.Seconds()
		if n := len(out); n > 0 && out[n-1][1] == t0 {
			out[n-1][1] = t1
			continue
		}
		out = append(out, [2]float64{t0, t1})
	}
	return out
}

// rolling returns, for each bucket, the sum of f over it and the w−1
// before it; nil if f is zero everywhere.
func rolling(bs []model.Span, w int, f func(*model.Span) uint64) []uint64 {
	out := make([]uint64, len(bs))
	var sum, total uint64
	for i := range bs {
		v := f(&bs[i])
		total += v
		sum += v
		if i >= w {
			sum -= f(&bs[i-w])
		}
		out[i] = sum
	}
	if total == 0 {
		return nil
	}
	return out
}

// distribution is the histogram of latency: exact from
// Report.Latencies, or per-period means in sketch mode.
func distribution(rep *model.Report) *chart {
	c := newChart("distribution", "Latency distribution", "latency (s)", "requests")
	var h hist
	ok := false
	switch {
	case len(rep.Latencies) > 0:
		h, ok = latencyHist(rep.Latencies, bins), true
		c.caption = fmt.Sprintf("Latency of all %d finished requests (served, or failed by a fault after service) in %d bins", len(rep.Latencies), bins)
		if h.above > 0 {
			c.caption += fmt.Sprintf("; %d slower than %s (up to %s) lie beyond the last bin and are not drawn",
				h.above, secs(h.aboveFrom), secs(rep.Latency.Max))
		}
		c.caption += "."
	case rep.Served > 0:
		h, ok = timelineHist(buckets(&rep.Series, model.SeriesSpans), bins)
		c.plot.Title.Text = "Latency distribution (per-period means)"
		c.plot.Y.Label.Text = "requests (by period mean)"
		c.caption = "This run kept latencies in a sketch (telemetry.percentiles \"sketch\"), not one by one, so this is the distribution " +
			"of the per-period mean latency (per span of periods past " + fmt.Sprint(model.SeriesSpans) + " periods), " +
			"each weighted by its completions: narrower than the per-request distribution. " +
			"The percentile lines are the sketch's."
	default:
		c.plot.Title.Text = "Latency distribution: no request was served"
		c.caption = "No request was served, so there is no latency to show."
	}
	if ok {
		hg := &plotter.Histogram{Width: h.width, FillColor: barFill, LineStyle: solid(blue, 0.5)}
		for i, n := range h.counts {
			lo := h.lo + float64(float64(i)*h.width)
			hg.Bins = append(hg.Bins, plotter.HistogramBin{Min: lo, Max: lo + h.width, Weight: n})
		}
		label := fmt.Sprintf("%d bins of %s", len(h.counts), secs(h.width))
		c.add(label, hg, hg)
		for _, q := range []struct {
			name string
			v    float64
			c    color.Color
		}{{"p50", rep.Latency.P50, green}, {"p95", rep.Latency.P95, orange}, {"p99", rep.Latency.P99, red}} {
			r := &rule{vertical: true, at: q.v, LineStyle: dashed(q.c, 1.2)}
			c.add(q.name+" "+secs(q.v), r, r)
		}
	} else {
		c.plot.X.Min, c.plot.X.Max, c.plot.Y.Min, c.plot.Y.Max = 0, 1, 0, 1
	}
	c.plot.Y.Min = 0
	return c
}

// runCharts builds every chart of one run, in page order: the five of
// every run, then the client's and the defences' when the run has them.
func runCharts(cfg *model.Config, rep *model.Report) []*chart {
	tc := newTimeCharts(cfg, rep)
	cs := []*chart{tc.latency(), tc.queue(), tc.state(), tc.errors(), distribution(rep)}
	if rep.Client != nil {
		cs = append(cs, tc.attempts())
	}
	if tc.hasCoDel() || tc.hasThrottle() {
		cs = append(cs, tc.shedding())
	}
	if tc.hasLimit() {
		cs = append(cs, tc.limit())
	}
	return cs
}

// secs formats seconds for labels: 3 significant decimals where it matters.
func secs(x float64) string {
	switch ax := math.Abs(x); {
	case ax == 0:
		return "0 s"
	case ax >= 100:
		return fmt.Sprintf("%.0f s", x)
	case ax >= 1:
		return fmt.Sprintf("%.3g s", x)
	case ax >= 0.001:
		return fmt.Sprintf("%.3g ms", 1000*x)
	default:
		return fmt.Sprintf("%.3g µs", 1e6*x)
	}
}

// pct formats a fraction as a percentage with prec decimals.
func pct(x float64, prec int) string { return fmt.Sprintf("%.*f%%", prec, 100*x) }

// cleanTicks are plot's default ticks with trailing zeros cut from the
// labels: "50", not "50.00".
type cleanTicks struct{}

func (cleanTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if l := ts[i].Label; strings.Contains(l, ".") && !strings.ContainsAny(l, "eE") {
			ts[i].Label = strings.TrimSuffix(strings.TrimRight(l, "0"), ".")
		}
	}
	return ts
}
