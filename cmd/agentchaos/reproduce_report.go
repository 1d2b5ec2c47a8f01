package main

import (
	"fmt"
	"path/filepath"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/charts"
	"github.com/agentchaos/agentchaos/validate/reproduce"
)

// writeReproduceReport writes one page for the three experiments, published
// and simulated side by side, with each experiment's charts.
func writeReproduceReport(dir string, cfgs []*model.Config, rep *reproduce.Result, force bool) error {
	var exps []charts.Experiment
	for i, p := range reproduce.Table {
		exps = append(exps, charts.Experiment{Name: p.Scenario, Published: p.Report(), Report: rep.Reports[i], Config: cfgs[i]})
	}
	if err := charts.WriteComparison(dir, exps, force); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// reportPath is where the page of a report directory is.
func reportPath(dir string) string { return filepath.Join(dir, charts.HTMLFile) }
