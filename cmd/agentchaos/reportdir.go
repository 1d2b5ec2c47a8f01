package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/charts"
)

// checkReportDir rejects a --report directory that cannot be written
// before the run starts, so a long run is not wasted: it must be a
// directory or not exist yet (missing folders are created), with no file
// standing where a folder of its path goes, and without force hold no
// report yet.
func checkReportDir(dir string, force bool) error {
	if err := charts.Check(dir, force); err != nil {
		return usageError{fmt.Errorf("--report %s: %v", dir, err)}
	}
	return nil
}

// writeRunReport writes the run's HTML/Markdown report with its charts into
// dir (see package charts) and says where on stderr.
func writeRunReport(dir string, cfg *model.Config, rep *model.Report, force bool, stderr io.Writer) error {
	if err := charts.WriteRun(dir, cfg, rep, force); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	fmt.Fprintf(stderr, "report written to %s\n", filepath.Join(dir, charts.HTMLFile))
	return nil
}
