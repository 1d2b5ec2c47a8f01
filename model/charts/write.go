package charts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile"
)

// Page file names in a report directory.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
)

// Experiment is one simulated experiment with the figures it reproduces.
// Published holds the published figures as a report would: Agents, Workers,
// Buffer, Latency.Avg and P95 (seconds), ErrorRate (a fraction) and
// FinalState; the rest of it is ignored. Report and Config must not be nil.
type Experiment struct {
	Name      string
	Published model.Report
	Report    *model.Report
	Config    *model.Config
}

// Check reports at once whether WriteRun or WriteComparison into dir
// would be refused, before the run that makes the report: dir must be a
// directory or not exist yet (missing folders are created), and, without
// force, hold no report pages.
func Check(dir string, force bool) error {
	return outfile.CheckDir(dir, []string{HTMLFile, MarkdownFile}, force)
}

// WriteRun writes the report of one run into dir: report.html, report.md
// and every chart as name.svg and name.png. cfg is the configuration rep
// was run with (its detector and throttle settings draw the thresholds).
// dir and its missing folders are created if needed; in an existing dir
// only these files are written, and, unless force, none of them may exist
// yet (the error then wraps outfile.ErrExists).
func WriteRun(dir string, cfg *model.Config, rep *model.Report, force bool) error {
	if cfg == nil || rep == nil {
		return errors.New("charts: WriteRun needs a config and a report")
	}
	files, err := runFiles(cfg, rep)
	if err != nil {
		return err
	}
	return outfile.WriteDir(dir, force, files)
}

func runFiles(cfg *model.Config, rep *model.Report) ([]outfile.DirFile, error) {
	cs := runCharts(cfg, rep)
	files, err := renderAll("", cs)
	if err != nil {
		return nil, err
	}
	v := newRunView("", cfg, rep, cs)
	page, err := runHTML(v)
	if err != nil {
		return nil, err
	}
	return append(files, outfile.DirFile{Name: MarkdownFile, Data: runMD(v)}, outfile.DirFile{Name: HTMLFile, Data: page}), nil
}

// WriteComparison writes the reproduction page into dir: the published and
// simulated figures of every experiment side by side, then each
// experiment's summary and charts (files prefixed with its name, e.g.
// EXP-001-latency.svg). dir is handled as in [WriteRun].
func WriteComparison(dir string, exps []Experiment, force bool) error {
	if len(exps) == 0 {
		return errors.New("charts: WriteComparison needs at least one experiment")
	}
	var files []outfile.DirFile
	v := cmpView{}
	seen := map[string]int{}
	for i, e := range exps {
		if e.Report == nil || e.Config == nil {
			return fmt.Errorf("charts: experiment %d (%q) has no report or config", i, e.Name)
		}
		prefix := fileStem(e.Name)
		if j, ok := seen[prefix]; ok {
			return fmt.Errorf("charts: experiments %d (%q) and %d (%q) would share file names %q", j, exps[j].Name, i, e.Name, prefix+"-*")
		}
		seen[prefix] = i
		prefix += "-"
		cs := runCharts(e.Config, e.Report)
		out, err := renderAll(prefix, cs)
		if err != nil {
			return err
		}
		files = append(files, out...)
		row := compare(e)
		for _, c := range row.Simulated {
			v.Cells++
			if c.Match {
				v.Matched++
			}
		}
		v.Rows = append(v.Rows, row)
		run := newRunView(prefix, e.Config, e.Report, cs)
		run.Name = e.Name
		v.Runs = append(v.Runs, run)
	}
	page, err := cmpHTML(v)
	if err != nil {
		return err
	}
	files = append(files, outfile.DirFile{Name: MarkdownFile, Data: cmpMD(v)}, outfile.DirFile{Name: HTMLFile, Data: page})
	return outfile.WriteDir(dir, force, files)
}

// fileStem makes a name safe as a relative file name: letters, digits, '.'
// and '-' are kept, anything else becomes '-'.
func fileStem(name string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '-'
	}, name)
	s = strings.TrimLeft(s, ".")
	if s == "" {
		s = "run"
	}
	return s
}

func renderAll(prefix string, cs []*chart) ([]outfile.DirFile, error) {
	var files []outfile.DirFile
	for _, c := range cs {
		for _, format := range []string{"svg", "png"} {
			data, err := c.render(format)
			if err != nil {
				return nil, fmt.Errorf("charts: rendering %s%s.%s: %w", prefix, c.name, format, err)
			}
			files = append(files, outfile.DirFile{Name: prefix + c.name + "." + format, Data: data})
		}
	}
	return files, nil
}
