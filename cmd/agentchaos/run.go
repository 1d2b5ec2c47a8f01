package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/scenarios"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	seed := fs.Uint64("seed", 0, "root seed (default: the scenario's)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	trace := fs.String("trace", "", "write every lifecycle event to `FILE` (.csv for CSV, else JSON Lines)")
	report := fs.String("report", "", "write an HTML/Markdown report with charts into `DIR`")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want exactly one scenario name or file")}
	}
	cfg, err := scenarios.Load(pos[0])
	if err != nil {
		return err
	}
	if isSet(fs, "seed") {
		cfg.Seed = *seed
	}
	if isSet(fs, "report") {
		if err := checkReportDir(*report); err != nil {
			return err
		}
	}
	var opt model.Options
	var tw *model.TraceWriter
	if *trace != "" {
		tw, err = model.CreateTrace(*trace)
		if err != nil {
			return usageError{err}
		}
		opt.Sinks = append(opt.Sinks, tw)
	}
	rep, err := model.Run(cfg, opt)
	if tw != nil {
		if cerr := tw.Close(); err == nil && cerr != nil {
			return fmt.Errorf("writing trace: %w", cerr)
		}
	}
	if err != nil {
		return err
	}
	if isSet(fs, "report") {
		if err := writeRunReport(*report, cfg, &rep, stderr); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(stdout, rep)
	}
	return rep.WriteText(stdout)
}
