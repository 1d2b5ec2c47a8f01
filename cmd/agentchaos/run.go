package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	seed := fs.Uint64("seed", 0, "root seed (default: the scenario's)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	trace := fs.String("trace", "", "write every lifecycle event to `FILE` (.csv for CSV, else JSON Lines)")
	report := fs.String("report", "", "write an HTML/Markdown report with charts into `DIR`")
	force := fs.Bool("force", false, "replace existing output files (without it, an existing output is refused)")
	ot := addOtelFlags(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want exactly one scenario name or file")}
	}
	cfg, err := loadScenario(pos[0], stderr)
	if err != nil {
		return err
	}
	if isSet(fs, "seed") {
		cfg.Seed = *seed
	}
	if isSet(fs, "report") {
		if err := checkReportDir(*report, *force); err != nil {
			return err
		}
	}
	if err := ot.check(*force); err != nil {
		return err
	}
	ctx, stop := interruptible()
	defer stop()
	opt := model.Options{Interrupt: ctx.Done()}
	var tf *outfile.File
	var tr *model.Trace
	var rep model.Report
	if *trace != "" {
		tf, err = outfile.Create(*trace, *force)
		if err != nil {
			return usageError{err}
		}
		tr = model.NewTrace(tf, strings.EqualFold(filepath.Ext(*trace), ".csv"))
		opt.Sinks = append(opt.Sinks, tr)
	}
	if p := newProgress(stderr, "run "+cfg.Name); p != nil {
		opt.Sinks = append(opt.Sinks, &runProgress{p: p, total: cfg.Cost().Seconds})
		defer p.clear()
	}
	export, err := ot.start(*force)
	if err != nil {
		if tf != nil {
			tf.Abort()
		}
		return err
	}
	sinks, err := export.sinks(context.Background(), cfg, nil, 0)
	opt.Sinks = append(opt.Sinks, sinks...)
	if err == nil {
		rep, err = model.Run(cfg, opt)
	}
	interrupted := errors.Is(err, model.ErrInterrupted)
	if interrupted {
		err = nil // what ran is reported and written, as a whole run would be
	}
	err = export.finish(context.Background(), err)
	if tf != nil {
		if err != nil {
			tf.Abort()
			return err
		}
		if err := tr.Flush(); err != nil {
			tf.Abort()
			return fmt.Errorf("writing trace: %w", err)
		}
		if err := tf.Commit(); err != nil {
			return fmt.Errorf("writing trace: %w", err)
		}
	}
	if err != nil {
		return err
	}
	if isSet(fs, "report") {
		if err := writeRunReport(*report, cfg, &rep, *force, stderr); err != nil {
			return err
		}
	}
	if *asJSON {
		err = writeJSON(stdout, rep)
	} else {
		err = rep.WriteText(stdout)
	}
	if err == nil && interrupted {
		err = exitError{exitInterrupted, fmt.Errorf("interrupted after %.1fs of simulated time; the report covers that part only", rep.Duration)}
	}
	return err
}

// runProgress draws a simulation's progress: simulated time against the
// estimate of its length (model.Cost), once per control period.
type runProgress struct {
	p     *progressLine
	total float64
}

func (r *runProgress) Observe(model.Event) {}

func (r *runProgress) ObserveSample(s *model.Sample) {
	r.p.update(s.T.Seconds(), r.total, 0, "s simulated", "(Ctrl-C stops)")
}
