package charts

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/agentchaos/agentchaos/model"
)

// row is one line of a summary table.
type row struct{ Key, Value string }

// summaryRows are the report's fields, formatted as Report.WriteText does.
func summaryRows(cfg *model.Config, r *model.Report) []row {
	var rows []row
	add := func(k, format string, a ...any) { rows = append(rows, row{k, fmt.Sprintf(format, a...)}) }
	add("scenario", "%s (%s, seed %d)", r.Scenario, r.Mode, r.Seed)
	add("system", "%s (%s), %s, buffer %d", model.Plural(r.Agents, "agent"), cfg.Agents.Arrival, model.Plural(r.Workers, "worker"), r.Buffer)
	add("requests", "%d created, %d served, %d failed", r.Created, r.Served, r.Failed)
	add("failures", "%s", r.FailedBy)
	add("error rate", "%.2f%%", 100*r.ErrorRate)
	add("latency", "avg %.3fs, p50 %.3fs, p95 %.3fs, p99 %.3fs, max %.3fs", r.Latency.Avg, r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max)
	add("throughput", "%.1f req/s over %.3fs", r.Throughput, r.Duration)
	add("final state", "%s", r.FinalState)
	if r.BreakPoint != nil {
		add("break-point", "%.3fs", *r.BreakPoint)
	}
	if c := r.Catalyst; c != nil {
		add("catalyst", "%s (saturation %.0f%%, depth %d, dQ/dt %+.1f/s, rolling p95 %.3fs, p95 ratio %.2f)",
			c.Rule, 100*c.Saturation, c.Depth, c.Growth, c.P95, c.P95Ratio)
	}
	add("time in state", "STABLE %.2fs, DEGRADED %.2fs, COLLAPSED %.2fs", r.TimeInState.Stable, r.TimeInState.Degraded, r.TimeInState.Collapsed)
	if r.Throttle.Enabled {
		add("throttle", "engaged %s, delayed %s by %.2fs in total", model.Plural(r.Throttle.Engagements, "time"), model.Plural(r.Throttle.Delayed, "request"), r.Throttle.TotalDelay)
	} else {
		add("throttle", "off")
	}
	add("little's law", "L %.4f, λ·W %.4f (rel. error %.1e)", r.Little.L, r.Little.LambdaW, r.Little.RelErr)
	for _, kv := range r.StageRows() {
		rows = append(rows, row{kv[0], kv[1]})
	}
	d := cfg.Detector
	var floors []string
	if d.P95MinUtilisation > 0 {
		floors = append(floors, fmt.Sprintf("the workers %.0f%% busy", 100*d.P95MinUtilisation))
	}
	if d.P95Min > 0 {
		floors = append(floors, fmt.Sprintf("a p95 of at least %gs", d.P95Min))
	}
	p95Floors := ""
	if len(floors) > 0 {
		p95Floors = " with " + strings.Join(floors, " and ")
	}
	add("detector", "period %gs, window %gs; DEGRADED at %.0f%% saturation; COLLAPSED at %.0f%% with dQ/dt > 0 for %d periods, or p95 growth above %.0f%%%s",
		d.Period, d.Window, 100*d.DegradedSaturation, 100*d.CollapseSaturation, d.GrowthSamples, 100*d.P95Growth, p95Floors)
	pcts := cfg.Telemetry.Percentiles
	if pcts == "" {
		pcts = model.ExactPercentiles
	}
	add("percentiles", "%s", pcts)
	if r.Mode == "simulated" {
		add("events", "%d (trace %s)", r.Events, r.TraceHash)
	}
	return rows
}

// verdictText is one sentence on the final state.
func verdictText(r *model.Report) string {
	if r.BreakPoint == nil || r.Catalyst == nil {
		return fmt.Sprintf("%s: the detector never held a worse state long enough to call it (%d control periods).", r.FinalState, r.Series.Periods())
	}
	c := r.Catalyst
	return fmt.Sprintf("%s: break-point at %.3fs, catalyst %s (saturation %.0f%%, depth %d, dQ/dt %+.1f/s, rolling p95 %.3fs).",
		r.FinalState, *r.BreakPoint, c.Rule, 100*c.Saturation, c.Depth, c.Growth, c.P95)
}

// runView is one run's section of a page.
type runView struct {
	Name        string
	Description string
	State       string // CSS class: stable, degraded, collapsed
	Verdict     string
	Rows        []row
	Charts      []chartView
}

type chartView struct {
	SVG, PNG, Title, Caption string
}

func newRunView(prefix string, cfg *model.Config, rep *model.Report, cs []*chart) runView {
	v := runView{Name: rep.Scenario, Description: cfg.Description, State: strings.ToLower(rep.FinalState.String()),
		Verdict: verdictText(rep), Rows: summaryRows(cfg, rep)}
	for _, c := range cs {
		v.Charts = append(v.Charts, chartView{SVG: prefix + c.name + ".svg", PNG: prefix + c.name + ".png",
			Title: c.plot.Title.Text, Caption: c.caption})
	}
	return v
}

// cell is one figure of the comparison table.
type cell struct {
	Text  string
	Match bool
}

type cmpRow struct {
	Name      string
	Published []cell
	Simulated []cell
}

type cmpView struct {
	Rows           []cmpRow
	Matched, Cells int
	Runs           []runView
}

var cmpHeader = []string{"agents", "workers", "buffer", "avg latency (s)", "p95 latency (s)", "error rate (%)", "state"}

// compare formats both sides at the published precision: seconds to 3
// decimals, percent to 2, counts and the state exactly. A cell matches when
// the printed texts are equal.
func compare(e Experiment) cmpRow {
	pub, sim := printed(&e.Published), printed(e.Report)
	row := cmpRow{Name: e.Name}
	for i := range pub {
		m := pub[i] == sim[i]
		row.Published = append(row.Published, cell{pub[i], m})
		row.Simulated = append(row.Simulated, cell{sim[i], m})
	}
	return row
}

// printed is a report's figures as the comparison prints them, in the order
// of cmpHeader.
func printed(r *model.Report) []string {
	return []string{fmt.Sprint(r.Agents), fmt.Sprint(r.Workers), fmt.Sprint(r.Buffer),
		fmt.Sprintf("%.3f", r.Latency.Avg), fmt.Sprintf("%.3f", r.Latency.P95), fmt.Sprintf("%.2f", 100*r.ErrorRate), r.FinalState.String()}
}

const css = `body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h1,h2,h3{line-height:1.2}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{padding:.6em 1em;border-radius:4px;font-weight:600}
.stable{background:#d9f0d3}.degraded{background:#fde3a7}.collapsed{background:#f8c4c4}
td.match{background:#d9f0d3}td.miss{background:#f8c4c4}
figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em;max-width:60em}
`

var pageTmpl = template.Must(template.New("page").Parse(`{{define "run"}}
<p class="verdict {{.State}}">{{.Verdict}}</p>
<table>
{{- range .Rows}}
<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{- end}}
</table>
{{- range .Charts}}
<figure>
<img src="{{.SVG}}" alt="{{.Title}}" width="648" height="245">
<figcaption>{{.Caption}} <a href="{{.PNG}}">PNG</a></figcaption>
</figure>
{{- end}}
{{end}}
{{- define "runpage"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>agentchaos report: {{.Name}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<h1>agentchaos report: {{.Name}}</h1>
{{- if .Description}}
<p>{{.Description}}</p>
{{- end}}
{{template "run" .}}
</body>
</html>
{{end}}
{{- define "cmppage"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>agentchaos reproduction report</title>
<style>{{.CSS}}</style>
</head>
<body>
<h1>agentchaos reproduction report</h1>
<p>Published figures and this simulation side by side, each printed at the published precision
(seconds to 3 decimals, percent to 2, counts and state exactly); a simulated figure marked ✓ (green) matches, one marked ✗ (red) does not.
{{.Matched}} of {{.Cells}} cells match.</p>
<table>
<tr><th>experiment</th><th>source</th>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{- range .Rows}}
<tr><th rowspan="2">{{.Name}}</th><td>published</td>{{range .Published}}<td class="num {{if .Match}}match{{else}}miss{{end}}">{{.Text}}</td>{{end}}</tr>
<tr><td>simulated</td>{{range .Simulated}}<td class="num {{if .Match}}match{{else}}miss{{end}}">{{.Text}} {{if .Match}}✓{{else}}✗{{end}}</td>{{end}}</tr>
{{- end}}
</table>
{{- range .Runs}}
<h2 id="{{.Name}}">{{.Name}}</h2>
{{- if .Description}}
<p>{{.Description}}</p>
{{- end}}
{{template "run" .}}
{{- end}}
</body>
</html>
{{end}}`))

func runHTML(v runView) ([]byte, error) {
	var b bytes.Buffer
	err := pageTmpl.ExecuteTemplate(&b, "runpage", struct {
		runView
		CSS template.CSS
	}{v, template.CSS(css)})
	return b.Bytes(), err
}

func cmpHTML(v cmpView) ([]byte, error) {
	var b bytes.Buffer
	err := pageTmpl.ExecuteTemplate(&b, "cmppage", struct {
		cmpView
		Header []string
		CSS    template.CSS
	}{v, cmpHeader, template.CSS(css)})
	return b.Bytes(), err
}

// mdEscape keeps a value inside its table cell and out of Markdown syntax.
var mdEscape = strings.NewReplacer("|", `\|`, "\n", " ", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)

func writeRunMD(b *bytes.Buffer, v runView, level string) {
	fmt.Fprintf(b, "**%s**\n\n", mdEscape.Replace(v.Verdict))
	b.WriteString("| | |\n| --- | --- |\n")
	for _, r := range v.Rows {
		fmt.Fprintf(b, "| %s | %s |\n", mdEscape.Replace(r.Key), mdEscape.Replace(r.Value))
	}
	for _, c := range v.Charts {
		fmt.Fprintf(b, "\n%s %s\n\n![%s](%s)\n\n%s ([PNG](%s))\n", level, mdEscape.Replace(c.Title), mdEscape.Replace(c.Title), c.SVG, mdEscape.Replace(c.Caption), c.PNG)
	}
}

func runMD(v runView) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# agentchaos report: %s\n\n", mdEscape.Replace(v.Name))
	if v.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", mdEscape.Replace(v.Description))
	}
	writeRunMD(&b, v, "##")
	return b.Bytes()
}

func cmpMD(v cmpView) []byte {
	var b bytes.Buffer
	b.WriteString("# agentchaos reproduction report\n\n")
	b.WriteString("Published figures and this simulation side by side, each printed at the published precision " +
		"(seconds to 3 decimals, percent to 2, counts and state exactly); ✓ marks a simulated figure that matches, ✗ one that does not. ")
	fmt.Fprintf(&b, "%d of %d cells match.\n\n", v.Matched, v.Cells)
	b.WriteString("| experiment | source | " + strings.Join(cmpHeader, " | ") + " |\n")
	b.WriteString("| --- | --- |" + strings.Repeat(" ---: |", len(cmpHeader)) + "\n")
	for _, r := range v.Rows {
		fmt.Fprintf(&b, "| %s | published |", mdEscape.Replace(r.Name))
		for _, c := range r.Published {
			fmt.Fprintf(&b, " %s |", mdEscape.Replace(c.Text))
		}
		b.WriteString("\n| | simulated |")
		for _, c := range r.Simulated {
			mark := "✗"
			if c.Match {
				mark = "✓"
			}
			fmt.Fprintf(&b, " %s %s |", mdEscape.Replace(c.Text), mark)
		}
		b.WriteString("\n")
	}
	for _, run := range v.Runs {
		fmt.Fprintf(&b, "\n## %s\n\n", mdEscape.Replace(run.Name))
		if run.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", mdEscape.Replace(run.Description))
		}
		writeRunMD(&b, run, "###")
	}
	return b.Bytes()
}
