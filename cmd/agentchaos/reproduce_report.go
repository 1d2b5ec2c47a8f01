package main

import (
	"fmt"
	"path/filepath"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/charts"
	"github.com/agentchaos/agentchaos/validate"
)

// writeReproduceReport writes one page for the three experiments, published
// and simulated side by side, with each experiment's charts.
func writeReproduceReport(dir string, cfgs []*model.Config, rep *validate.Reproduction) error {
	if err := checkReportDir(dir); err != nil {
		return err
	}
	var exps []charts.Experiment
	for i, p := range validate.Table {
		exps = append(exps, charts.Experiment{
			Name: p.Scenario,
			Published: charts.Published{Agents: p.Agents, Workers: p.Workers, Buffer: p.Buffer,
				AvgLatency: validate.Value(p.AvgLatency), P95Latency: validate.Value(p.P95Latency),
				ErrorRate: validate.Value(p.ErrorRate), State: p.State},
			Report: rep.Reports[i],
			Config: cfgs[i],
		})
	}
	if err := charts.WriteComparison(dir, exps); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// reportPath is where the page of a report directory is.
func reportPath(dir string) string { return filepath.Join(dir, charts.HTMLFile) }
