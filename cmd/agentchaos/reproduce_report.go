package main

import (
	"errors"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/validate"
)

// writeReproduceReport writes the reproduction's page with charts.
func writeReproduceReport(dir string, cfgs []*model.Config, rep *validate.Reproduction) error {
	return errors.New("--report: the charts package is not wired in yet")
}
