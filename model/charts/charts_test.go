package charts

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile"
)

// smallConfig is a saturated system in the spirit of EXP-003 (2 workers,
// buffer 50, demand well above capacity), small enough to run in
// milliseconds. It is built here because model/charts must not import
// scenarios.
func smallConfig() *model.Config {
	return &model.Config{
		Name: "SMALL-SAT", Description: "test: saturation <small> & quick", Seed: 7,
		Agents: model.AgentConfig{
			Count: 300, Arrival: model.Closed, Think: model.Dist{Kind: model.Exponential, Mean: 0.85},
			RequestsPerAgent: 10, Stagger: 1,
			Mix: []model.WorkloadType{
				{Name: "LIGHT", Weight: 2, Work: 1},
				{Name: "HEAVY", Weight: 1, Work: 2.5},
			},
			Backoff: model.BackoffConfig{Base: 0.1, Multiplier: 2, Max: 2, Jitter: 0.5, On: []string{"QUEUE_OVERFLOW", "FAULT_ERROR"}},
		},
		Queue: model.QueueConfig{Buffer: 50, Timeout: 0.4},
		Workers: model.WorkerConfig{Count: 2, Service: model.Dist{Kind: model.Exponential, Mean: 0.01},
			Overhead: 0.002, Slowdown: model.Slowdown{Alpha: 1, Gamma: 2}},
		Faults: model.FaultConfig{ErrorProbability: 0.05},
		Detector: model.DetectorConfig{Period: 0.05, Window: 1, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
			GrowthSamples: 3, P95Growth: 1, MinWindowSamples: 20, FinalFraction: 0.05},
		Throttle:  model.ThrottleConfig{Enabled: true, Degraded: 0.05, Collapsed: 0.2},
		Telemetry: model.TelemetryConfig{Percentiles: model.ExactPercentiles},
	}
}

func mustRun(t testing.TB, cfg *model.Config) *model.Report {
	t.Helper()
	rep, err := model.Run(cfg, model.Options{})
	require.NoError(t, err)
	return &rep
}

var chartNames = []string{"latency", "queue", "state", "errors", "distribution"}

// svgDoc is what the tests read from an SVG: its size and every text.
type svgDoc struct {
	Width, Height string
	Texts         []string
	Paths         int
}

func parseSVG(t *testing.T, data []byte) svgDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	var doc svgDoc
	root := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "SVG must be well-formed XML")
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root {
			require.Equal(t, "svg", se.Name.Local)
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "width":
					doc.Width = a.Value
				case "height":
					doc.Height = a.Value
				}
			}
			root = false
		}
		switch se.Name.Local {
		case "text":
			var s string
			require.NoError(t, d.DecodeElement(&s, &se))
			doc.Texts = append(doc.Texts, s)
		case "path":
			doc.Paths++
		}
	}
	require.False(t, root, "no root element")
	return doc
}

// refs returns every src and href value of an HTML page.
var refRE = regexp.MustCompile(`(?i)\s(?:src|href)\s*=\s*"([^"]*)"`)

func refs(page []byte) []string {
	var out []string
	for _, m := range refRE.FindAllSubmatch(page, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

var mdLinkRE = regexp.MustCompile(`\]\(([^)]*)\)`)

// checkSelfContained asserts that a page references only relative files
// that exist in dir, and nothing on the network.
func checkSelfContained(t *testing.T, dir string) {
	t.Helper()
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	require.NoError(t, err)
	rs := refs(page)
	require.NotEmpty(t, rs)
	for _, r := range rs {
		require.False(t, filepath.IsAbs(r) || strings.HasPrefix(r, "/"), "absolute reference %q", r)
		require.NotContains(t, r, ":", "reference %q has a scheme", r)
		require.NotContains(t, r, "..", "reference %q leaves the directory", r)
		_, err := os.Stat(filepath.Join(dir, r))
		require.NoError(t, err, "page references %q, which was not written", r)
	}
	low := strings.ToLower(string(page))
	for _, bad := range []string{"http:", "https:", "@import", "url(", "<script", "<link"} {
		require.NotContains(t, low, bad)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	require.NoError(t, err)
	links := mdLinkRE.FindAllSubmatch(md, -1)
	require.NotEmpty(t, links)
	for _, m := range links {
		r := string(m[1])
		require.False(t, filepath.IsAbs(r) || strings.Contains(r, ":"), "markdown link %q", r)
		_, err := os.Stat(filepath.Join(dir, r))
		require.NoError(t, err, "markdown links %q, which was not written", r)
	}
}

// checkCharts asserts every chart's SVG parses and carries its title and
// axis labels, and its PNG decodes.
func checkCharts(t *testing.T, dir, prefix string, cs []*chart) {
	t.Helper()
	require.Len(t, cs, len(chartNames))
	for i, c := range cs {
		require.Equal(t, chartNames[i], c.name)
		data, err := os.ReadFile(filepath.Join(dir, prefix+c.name+".svg"))
		require.NoError(t, err)
		doc := parseSVG(t, data)
		require.Equal(t, "648pt", doc.Width)
		require.Equal(t, "244.8pt", doc.Height)
		for _, want := range []string{c.plot.Title.Text, c.plot.X.Label.Text, c.plot.Y.Label.Text} {
			require.NotEmpty(t, want)
			require.Contains(t, doc.Texts, want, "%s.svg", c.name)
		}
		f, err := os.Open(filepath.Join(dir, prefix+c.name+".png"))
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err, "%s.png", c.name)
		require.Equal(t, 864, img.Bounds().Dx())
		require.Equal(t, 326, img.Bounds().Dy())
	}
}

func TestWriteRun(t *testing.T) {
	cfg := smallConfig()
	rep := mustRun(t, cfg)
	require.Equal(t, model.Collapsed, rep.FinalState, "the test system must collapse, for the break-point")
	require.NotNil(t, rep.BreakPoint)
	require.NotEmpty(t, rep.Latencies)

	dir := filepath.Join(t.TempDir(), "report")
	require.NoError(t, WriteRun(dir, cfg, rep, false))
	checkCharts(t, dir, "", runCharts(cfg, rep))
	checkSelfContained(t, dir)

	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	require.NoError(t, err)
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	require.NoError(t, err)
	for _, doc := range []string{string(page), string(md)} {
		require.Contains(t, doc, "COLLAPSED: break-point at ")
		require.Contains(t, doc, rep.Catalyst.Rule.String()[:5])
		require.Contains(t, doc, rep.TraceHash)
	}
	// The description is escaped, not markup.
	require.Contains(t, string(page), "saturation &lt;small&gt; &amp; quick")
	require.Contains(t, string(md), "saturation &lt;small&gt; & quick")

	// The break-point and the thresholds are drawn and named.
	q := parseSVG(t, mustRead(t, dir, "queue.svg"))
	require.Contains(t, q.Texts, "buffer capacity (50)")
	require.Contains(t, q.Texts, "collapse threshold (85%)")
	require.Contains(t, q.Texts, "degraded threshold (50%)")
	require.Contains(t, q.Texts, "break-point "+secs(*rep.BreakPoint))
	s := parseSVG(t, mustRead(t, dir, "state.svg"))
	for _, st := range []string{"STABLE", "COLLAPSED", "throttle delay"} {
		require.Contains(t, s.Texts, st)
	}
	e := parseSVG(t, mustRead(t, dir, "errors.svg"))
	require.Contains(t, e.Texts, "QUEUE_OVERFLOW")
	require.Contains(t, e.Texts, "FAULT_ERROR")

	// Exactly the files it names, and no temporary directory left beside.
	var got []string
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		got = append(got, e.Name())
	}
	require.ElementsMatch(t, expectedFiles(""), got)
	ents, err = os.ReadDir(filepath.Dir(dir))
	require.NoError(t, err)
	require.Len(t, ents, 1)
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o755), fi.Mode().Perm()&0o755)
}

func expectedFiles(prefix string) []string {
	out := []string{HTMLFile, MarkdownFile}
	for _, n := range chartNames {
		out = append(out, prefix+n+".svg", prefix+n+".png")
	}
	return out
}

func mustRead(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return b
}

// Same report, same bytes: no clock, no map order in the output (PNG
// included, on one machine).
func TestWriteRunDeterministic(t *testing.T) {
	cfg := smallConfig()
	rep := mustRun(t, cfg)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	require.NoError(t, WriteRun(a, cfg, rep, false))
	require.NoError(t, WriteRun(b, cfg, mustRun(t, cfg), false))
	for _, f := range expectedFiles("") {
		require.Equal(t, mustRead(t, a, f), mustRead(t, b, f), f)
	}
}

func TestWriteRunSketch(t *testing.T) {
	cfg := smallConfig()
	cfg.Telemetry.Percentiles = model.SketchPercentiles
	rep := mustRun(t, cfg)
	require.Nil(t, rep.Latencies)
	dir := filepath.Join(t.TempDir(), "r")
	require.NoError(t, WriteRun(dir, cfg, rep, false))
	checkCharts(t, dir, "", runCharts(cfg, rep))
	checkSelfContained(t, dir)
	d := parseSVG(t, mustRead(t, dir, "distribution.svg"))
	require.Contains(t, d.Texts, "Latency distribution (per-period means)")
	require.Contains(t, string(mustRead(t, dir, HTMLFile)), "kept latencies in a sketch")
	require.Contains(t, string(mustRead(t, dir, MarkdownFile)), "sketch")
}

// A report with nothing served, or no timeline at all (hand-built, live
// mode cut short), still gives a complete page.
func TestWriteRunEmpty(t *testing.T) {
	cfg := smallConfig()
	rep := &model.Report{Scenario: "EMPTY", Mode: "live", Agents: 1, Workers: 1, Buffer: 50}
	dir := filepath.Join(t.TempDir(), "r")
	require.NoError(t, WriteRun(dir, cfg, rep, false))
	checkCharts(t, dir, "", runCharts(cfg, rep))
	checkSelfContained(t, dir)
	d := parseSVG(t, mustRead(t, dir, "distribution.svg"))
	require.Contains(t, d.Texts, "Latency distribution: no request was served")
	require.Contains(t, string(mustRead(t, dir, MarkdownFile)), "STABLE: the detector never")
}

func TestWriteRunExistingDir(t *testing.T) {
	cfg := smallConfig()
	rep := mustRun(t, cfg)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "latency.svg"), []byte("stale"), 0o644))
	err := WriteRun(dir, cfg, rep, false)
	require.ErrorIs(t, err, outfile.ErrExists, "a stale chart is replaced only with force")
	require.Equal(t, "stale", string(mustRead(t, dir, "latency.svg")))
	require.NoError(t, WriteRun(dir, cfg, rep, true))
	require.Equal(t, "mine", string(mustRead(t, dir, "notes.txt")), "files we did not write are kept")
	parseSVG(t, mustRead(t, dir, "latency.svg"))
	checkSelfContained(t, dir)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, ents, len(expectedFiles(""))+1)
	ents, err = os.ReadDir(filepath.Dir(dir))
	require.NoError(t, err)
	for _, e := range ents {
		require.False(t, strings.Contains(e.Name(), ".tmp-"), "temporary %s left behind", e.Name())
	}
}

func TestWriteRunBadDir(t *testing.T) {
	cfg := smallConfig()
	rep := mustRun(t, cfg)
	base := t.TempDir()

	file := filepath.Join(base, "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	err := WriteRun(file, cfg, rep, false)
	require.ErrorContains(t, err, "not a directory")
	require.Equal(t, "x", string(mustRead(t, base, "file")))

	err = WriteRun(filepath.Join(file, "dir"), cfg, rep, false)
	require.ErrorContains(t, err, "not a directory")
	require.NotContains(t, err.Error(), ".tmp", "the message names the user's path")

	// A failure while moving files in (a directory where a chart goes)
	// returns the error and never writes the pages, which would point at
	// charts of another run.
	dir := filepath.Join(base, "busy")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "state.svg", "x"), 0o755))
	require.Error(t, WriteRun(dir, cfg, rep, false))
	_, err = os.Stat(filepath.Join(dir, HTMLFile))
	require.ErrorIs(t, err, os.ErrNotExist)

	ents, err := os.ReadDir(base)
	require.NoError(t, err)
	require.Len(t, ents, 2, "only file and busy: no temporary directory left")

	require.Error(t, WriteRun("", cfg, rep, false))
	require.Error(t, WriteRun(filepath.Join(base, "r"), nil, rep, false))
}

func TestWriteComparison(t *testing.T) {
	a := smallConfig()
	a.Name = "EXP-A"
	b := smallConfig()
	b.Name, b.Agents.Count, b.Agents.Think.Mean = "EXP-B", 20, 1
	ra, rb := mustRun(t, a), mustRun(t, b)

	pa := *ra
	pb := *rb
	// Equal at the printed precision: a difference below 0.0005 s rounds away.
	pb.Latency.Avg = math.Round(rb.Latency.Avg*1000) / 1000
	pb.FinalState = model.Collapsed // wrong, unless EXP-B collapsed
	require.NotEqual(t, model.Collapsed, rb.FinalState)
	pb.Buffer = 51

	dir := filepath.Join(t.TempDir(), "cmp")
	require.NoError(t, WriteComparison(dir, []Experiment{
		{Name: "EXP-A", Published: pa, Report: ra, Config: a},
		{Name: "EXP-B", Published: pb, Report: rb, Config: b},
	}, false))
	checkSelfContained(t, dir)
	checkCharts(t, dir, "EXP-A-", runCharts(a, ra))
	checkCharts(t, dir, "EXP-B-", runCharts(b, rb))
	var want []string
	want = append(want, expectedFiles("EXP-A-")...)
	want = append(want, expectedFiles("EXP-B-")[2:]...)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	require.ElementsMatch(t, want, got)

	page := string(mustRead(t, dir, HTMLFile))
	md := string(mustRead(t, dir, MarkdownFile))
	require.Contains(t, page, "12 of 14 cells match.")
	require.Contains(t, md, "12 of 14 cells match.")
	// Two mismatches, each marked on both rows.
	require.Equal(t, 4, strings.Count(page, `class="num miss"`))
	require.Equal(t, 24, strings.Count(page, `class="num match"`))
	require.Equal(t, 2, strings.Count(page, "✗</td>"))
	require.Equal(t, 12, strings.Count(page, "✓</td>"))
	require.Equal(t, 2, strings.Count(md, "✗ |"))
	require.Equal(t, 12, strings.Count(md, "✓ |"))
	require.Contains(t, md, "| 51 |")
	require.Contains(t, md, "| COLLAPSED |")
	require.Contains(t, page, `<h2 id="EXP-B">EXP-B</h2>`)

	err = WriteComparison(filepath.Join(t.TempDir(), "x"), []Experiment{
		{Name: "a/b", Report: ra, Config: a}, {Name: "a b", Report: rb, Config: b}}, false)
	require.ErrorContains(t, err, "would share file names")
	require.Error(t, WriteComparison(filepath.Join(t.TempDir(), "x"), nil, false))
	require.Error(t, WriteComparison(filepath.Join(t.TempDir(), "x"), []Experiment{{Name: "x", Config: a}}, false))
}

func TestCompareRounding(t *testing.T) {
	r := &model.Report{Agents: 80, Workers: 12, Buffer: 200, Latency: model.Latency{Avg: 0.0124, P95: 0.0156},
		ErrorRate: 0.00004, FinalState: model.Stable}
	row := compare(Experiment{Name: "x", Report: r,
		Published: model.Report{Agents: 80, Workers: 12, Buffer: 200, Latency: model.Latency{Avg: 0.012, P95: 0.015},
			FinalState: model.Stable}})
	var got []bool
	for _, c := range row.Simulated {
		got = append(got, c.Match)
	}
	// 0.0124 prints 0.012 (match); 0.0156 prints 0.016 (no); 0.004% prints 0.00.
	require.Equal(t, []bool{true, true, true, true, false, true, true}, got)
	require.Equal(t, "0.016", row.Simulated[4].Text)
	require.Equal(t, "0.00", row.Simulated[5].Text)
}

func TestFileStem(t *testing.T) {
	require.Equal(t, "EXP-001", fileStem("EXP-001"))
	require.Equal(t, "a-b-c", fileStem("a/b c"))
	require.Equal(t, "run", fileStem(""))
	require.Equal(t, "-x", fileStem("../x"))
	require.Equal(t, "-", fileStem("é"))
}

// synthTimeline is n control periods of 50 ms with known figures.
func synthTimeline(n int) []model.Sample {
	tl := make([]model.Sample, n)
	for i := range tl {
		s := &tl[i]
		s.T = kernel.Time(i+1) * kernel.Time(50*kernel.Millisecond)
		s.Created = uint64(10 + i%7)
		s.Completed = uint64(i % 5)
		if s.Completed > 0 {
			s.MeanLatency = 0.01 * float64(1+i%13)
			s.MaxLatency = 2 * s.MeanLatency
		}
		s.WindowCount = i % 40
		s.P95 = math.NaN()
		if s.WindowCount > 0 {
			s.P95 = 0.001 * float64(i%97)
		}
		s.Depth = i % 51
		s.Saturation = float64(s.Depth) / 50
		s.FailedBy[model.QueueOverflow] = uint64(i % 3)
		s.FailedBy[model.TimedOut] = uint64(i % 2)
		s.State = model.State(i / 50 % 3)
		if s.State != model.Stable {
			s.Throttle = 50 * kernel.Millisecond
		}
	}
	return tl
}

// seriesOf is the chart series of a timeline.
func seriesOf(tl []model.Sample) model.Series {
	var s model.Series
	for i := range tl {
		s.Add(&tl[i])
	}
	return s
}

func TestBuckets(t *testing.T) {
	tl := synthTimeline(2500)
	series := seriesOf(tl)
	// One period per bucket keeps the samples' figures.
	bs := buckets(&series, len(tl))
	require.Len(t, bs, len(tl))
	for i, b := range bs {
		s := tl[i]
		require.Equal(t, s.T, b.T1)
		require.Equal(t, s.Depth, b.DepthMax)
		require.Equal(t, float64(s.Depth), b.DepthMean())
		require.Equal(t, s.State, b.State)
		if s.Completed > 0 {
			require.Equal(t, s.MeanLatency, b.LatMean())
		} else {
			require.True(t, math.IsNaN(b.LatMean()))
		}
	}
	// 2500 periods into at most 1000 buckets of 3: sums are kept, means are
	// weighted by completions, the worst state wins.
	bs = buckets(&series, 1000)
	require.Len(t, bs, 834)
	var created, completed, overflow, timedOut uint64
	for _, b := range bs {
		created += b.Created
		completed += b.Completed
		overflow += b.FailedBy[model.QueueOverflow]
		timedOut += b.FailedBy[model.TimedOut]
		require.Zero(t, b.FailedBy[model.FaultError])
	}
	var wc, wcomp, wo, wt uint64
	for _, s := range tl {
		wc += s.Created
		wcomp += s.Completed
		wo += s.FailedBy[model.QueueOverflow]
		wt += s.FailedBy[model.TimedOut]
	}
	require.Equal(t, []uint64{wc, wcomp, wo, wt}, []uint64{created, completed, overflow, timedOut})
	b := bs[1] // periods 3, 4, 5: completions 3, 4, 0
	require.Equal(t, tl[2].T, b.T0)
	require.InDelta(t, (3*0.04+4*0.05)/7, b.LatMean(), 1e-15)
	require.Equal(t, 0.10, b.LatMax)
	require.Equal(t, 5, b.DepthMax)
	require.Equal(t, 4.0, b.DepthMean())
	b = bs[16] // periods 48..50 cross from STABLE to DEGRADED
	require.Equal(t, model.Degraded, b.State)
	require.Equal(t, 0.05, b.Throttle.Seconds())
	last := bs[len(bs)-1]
	require.Equal(t, 1, last.Periods)
	require.Equal(t, tl[len(tl)-1].T, last.T1)

	runs := stateRuns(bs)
	require.Equal(t, model.Stable, runs[0].state)
	require.Equal(t, 0.0, runs[0].t0)
	for i := 1; i < len(runs); i++ {
		require.Equal(t, runs[i-1].t1, runs[i].t0)
		require.NotEqual(t, runs[i-1].state, runs[i].state)
	}
}

func TestLatencyHist(t *testing.T) {
	lat := make([]int64, 10000)
	for i := range lat {
		lat[i] = int64(i+1) * 1000 // 1 µs .. 10 ms
	}
	lat[len(lat)-1] = 60e9 // one straggler a minute late
	h := latencyHist(lat, bins)
	require.Len(t, h.counts, bins)
	sum := 0.0
	for _, c := range h.counts {
		sum += c
	}
	require.Equal(t, float64(len(lat)), sum+float64(h.above))
	// The bins end one bin past the 99.9th percentile (9.99 ms): only the
	// straggler lies beyond.
	require.Equal(t, uint64(1), h.above)
	require.InDelta(t, 1e-6, h.lo, 1e-18)
	require.InDelta(t, 0.00999+h.width, h.aboveFrom, 1e-12)

	same := []int64{5e6, 5e6, 5e6}
	h = latencyHist(same, bins)
	require.Equal(t, 3.0, h.counts[0])
	require.Zero(t, h.above)
}

// A million-request run has over a hundred thousand control periods; its
// charts must stay the size of a small run's.
func TestLongTimelineBounded(t *testing.T) {
	cfg := smallConfig()
	tl := synthTimeline(120_000)
	bp := 3.0
	rep := &model.Report{Scenario: "LONG", Mode: "simulated", Agents: 1000, Workers: 2, Buffer: 50,
		Served: 1, Latency: model.Latency{Avg: 0.1, P50: 0.1, P95: 0.2, P99: 0.3, Max: 0.5},
		FinalState: model.Collapsed, BreakPoint: &bp, Catalyst: &model.Catalyst{Rule: model.SaturationGrowth},
		Series: seriesOf(tl)}
	cs := runCharts(cfg, rep)
	for _, c := range cs {
		svg, err := c.render("svg")
		require.NoError(t, err)
		doc := parseSVG(t, svg)
		require.Less(t, len(svg), 200_000, c.name)
		require.Less(t, doc.Paths, 300, c.name)
	}
	// 120,000 periods are held as 7500 spans of 16 (model.Series), drawn
	// 8 spans a bucket.
	require.Contains(t, cs[0].caption, "bucket (128 control periods)")
}

// The SVGs and pages of a small hand-built run, byte for byte: the same on every
// machine (gonum/plot's SVG is; its PNG is not, so PNG is not golden).
func TestGoldenSVG(t *testing.T) {
	cfg := smallConfig()
	bp := 2.55
	rep := &model.Report{Scenario: "GOLDEN", Seed: 1, Mode: "simulated", Agents: 300, Workers: 2, Buffer: 50,
		Created: 100, Served: 60, Failed: 40, FailedBy: model.Failures{QueueOverflow: 30, QueueTimeout: 10}, ErrorRate: 0.4,
		Latency: model.Latency{Avg: 0.05, P50: 0.04, P95: 0.1, P99: 0.12, Max: 0.13}, Throughput: 12, Duration: 5,
		FinalState: model.Degraded, BreakPoint: &bp,
		Catalyst:    &model.Catalyst{Rule: model.HighSaturation, Saturation: 0.5, Depth: 25, Growth: 20, P95: 0.1},
		TimeInState: model.TimeInState{Stable: 2.5, Degraded: 2.5}, Throttle: model.ThrottleUse{Enabled: true, Engagements: 1},
		Series: seriesOf(synthTimeline(100))}
	for i := 0; i < 60; i++ {
		rep.Latencies = append(rep.Latencies, int64(10+i*2)*int64(kernel.Millisecond))
	}
	dir := filepath.Join(t.TempDir(), "g")
	require.NoError(t, WriteRun(dir, cfg, rep, false))
	for _, n := range chartNames {
		goldentest.Check(t, "testdata/"+n+".svg.golden", mustRead(t, dir, n+".svg"))
	}
	goldentest.Check(t, "testdata/report.md.golden", mustRead(t, dir, MarkdownFile))
	goldentest.Check(t, "testdata/report.html.golden", mustRead(t, dir, HTMLFile))
}
