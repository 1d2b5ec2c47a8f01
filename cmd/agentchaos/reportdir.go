package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/charts"
)

// checkReportDir rejects a --report directory that cannot be written
// before the run starts, so a long run is not wasted: it must be a
// directory or not exist yet, under an existing directory.
func checkReportDir(dir string) error {
	if dir == "" {
		return usageError{errors.New("--report: empty directory name")}
	}
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return usageError{fmt.Errorf("--report %s: exists and is not a directory", dir)}
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return usageError{fmt.Errorf("--report: %v", err)}
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return usageError{fmt.Errorf("--report %s: parent directory %s does not exist", dir, parent)}
	}
	return nil
}

// writeRunReport writes the run's HTML/Markdown report with its charts into
// dir (see package charts) and says where on stderr.
func writeRunReport(dir string, cfg *model.Config, rep *model.Report, stderr io.Writer) error {
	if err := checkReportDir(dir); err != nil {
		return err
	}
	if err := charts.WriteRun(dir, cfg, rep); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	fmt.Fprintf(stderr, "report written to %s\n", filepath.Join(dir, charts.HTMLFile))
	return nil
}
