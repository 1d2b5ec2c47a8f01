package charts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentchaos/agentchaos/model"
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

// file is one output file, rendered in memory.
type file struct {
	name string
	data []byte
}

// WriteRun writes the report of one run into dir: report.html, report.md
// and every chart as name.svg and name.png. cfg is the configuration rep
// was run with (its detector and throttle settings draw the thresholds).
// dir is created if needed; if it exists only these files are replaced.
func WriteRun(dir string, cfg *model.Config, rep *model.Report) error {
	if cfg == nil || rep == nil {
		return errors.New("charts: WriteRun needs a config and a report")
	}
	files, err := runFiles(cfg, rep)
	if err != nil {
		return err
	}
	return writeDir(dir, files)
}

func runFiles(cfg *model.Config, rep *model.Report) ([]file, error) {
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
	return append(files, file{MarkdownFile, runMD(v)}, file{HTMLFile, page}), nil
}

// WriteComparison writes the reproduction page into dir: the published and
// simulated figures of every experiment side by side, then each
// experiment's summary and charts (files prefixed with its name, e.g.
// EXP-001-latency.svg). dir is handled as in [WriteRun].
func WriteComparison(dir string, exps []Experiment) error {
	if len(exps) == 0 {
		return errors.New("charts: WriteComparison needs at least one experiment")
	}
	var files []file
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
	files = append(files, file{MarkdownFile, cmpMD(v)}, file{HTMLFile, page})
	return writeDir(dir, files)
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

func renderAll(prefix string, cs []*chart) ([]file, error) {
	var files []file
	for _, c := range cs {
		for _, format := range []string{"svg", "png"} {
			data, err := c.render(format)
			if err != nil {
				return nil, fmt.Errorf("charts: rendering %s%s.%s: %w", prefix, c.name, format, err)
			}
			files = append(files, file{prefix + c.name + "." + format, data})
		}
	}
	return files, nil
}

// writeDir puts files into dir so that no reader sees a half-written one:
// it writes them into a new temporary directory beside dir, then renames
// that directory to dir if dir does not exist, or else renames the files
// one by one into it, in order (pages last, so they never point at a
// missing chart). On any error the temporary directory is removed and dir
// is left as it was.
func writeDir(dir string, files []file) (err error) {
	if dir == "" {
		return errors.New("charts: empty report directory name")
	}
	dir = filepath.Clean(dir)
	exists := false
	switch fi, err := os.Stat(dir); {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("report directory %s: exists and is not a directory", dir)
	case err == nil:
		exists = true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("report directory: %w", err)
	}
	parent := filepath.Dir(dir)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return fmt.Errorf("report directory %s: parent %s is not a directory", dir, parent)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("report directory: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); err == nil && rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}()
	for _, f := range files {
		if err := writeFile(filepath.Join(tmp, f.name), f.data); err != nil {
			return err
		}
	}
	if !exists {
		// MkdirTemp made it private; a report directory is an ordinary one.
		if err := os.Chmod(tmp, 0o755); err != nil {
			return err
		}
		if err := os.Rename(tmp, dir); err == nil {
			return nil
		}
		// Someone created dir meanwhile: fall through to file by file.
		if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() {
			return fmt.Errorf("report directory %s: cannot create it", dir)
		}
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(tmp, f.name), filepath.Join(dir, f.name)); err != nil {
			return fmt.Errorf("report directory: %w", err)
		}
	}
	return nil
}

func writeFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
