package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"text/tabwriter"

	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/scenarios/defences"
)

func init() {
	register(command{"defend", "<name|file> [--reps N]",
		"run a scenario under each overload defence, replicated under common random numbers: goodput and p99 by policy", cmdDefend})
}

func cmdDefend(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("defend", stderr)
	reps := fs.Int("reps", 10, "replications per policy")
	seed := fs.Uint64("seed", 0, "root seed of the replications (default: the scenario's)")
	workers := fs.Int("workers", runtime.NumCPU(), "runs simulated at once")
	chart := fs.String("chart", "", "draw goodput and p99 by policy into `PREFIX`.svg and PREFIX.png")
	force := fs.Bool("force", false, "replace the chart's files if they exist")
	asJSON := fs.Bool("json", false, "print the comparison as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want exactly one scenario name or file")}
	}
	if *reps < 1 || *workers < 1 {
		return usageError{fmt.Errorf("--reps and --workers must be at least 1 (got %d, %d)", *reps, *workers)}
	}
	cfg, err := scenarios.Load(pos[0])
	if err != nil {
		return err
	}
	if !isSet(fs, "seed") {
		*seed = cfg.Seed
	}
	if *chart != "" {
		if err := defences.CheckChart(*chart, *force); err != nil {
			return err
		}
	}
	ctx, stop := interruptible()
	defer stop()
	opt := defences.Options{Replications: *reps, Seed: *seed, Workers: *workers}
	p := newProgress(stderr, "defend")
	opt.Progress = func(done, total int) { p.update(float64(done), float64(total), 0, "runs", "") }
	cmp, err := defences.Compare(ctx, cfg, opt)
	p.clear()
	interrupted := errors.Is(err, defences.ErrInterrupted)
	if err != nil && !interrupted {
		return err
	}
	if interrupted {
		err = exitError{exitInterrupted, fmt.Errorf("interrupted: %d policies of the comparison finished (printed above)", len(cmp.Results))}
	}
	var files []string
	if *chart != "" && len(cmp.Results) > 0 {
		var werr error
		if files, werr = defences.WriteChart(cmp, *chart, *force); werr != nil {
			return werr
		}
	}
	if *asJSON {
		if werr := writeJSON(stdout, struct {
			*defences.Comparison
			Files []string `json:"files,omitempty"`
		}{cmp, files}); werr != nil {
			return werr
		}
		return err
	}
	if werr := writeComparison(stdout, cmp); werr != nil {
		return werr
	}
	for _, f := range files {
		fmt.Fprintln(stdout, "  "+f)
	}
	return err
}

// writeComparison prints the comparison as a table.
func writeComparison(w io.Writer, c *defences.Comparison) error {
	fmt.Fprintf(w, "defences on %s: each alone, %d replications each under common random numbers (root seed %d); means ± 95%% intervals\n\n",
		c.Scenario, c.Replications, c.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "policy\tgoodput (req/s)\tvs none\tp99 (s)\terror rate\tamplification\tcollapsed"
	if c.HasSLO {
		head += "\tnot recovered"
	}
	fmt.Fprintln(tw, head+"\tsettings")
	pm := func(iv defences.Interval, scale float64, prec int) string {
		if math.IsNaN(iv.Mean) {
			return "–"
		}
		if math.IsInf(iv.HalfWidth, 0) {
			return fmt.Sprintf("%.*f", prec, scale*iv.Mean)
		}
		return fmt.Sprintf("%.*f ± %.*f", prec, scale*iv.Mean, prec, scale*iv.HalfWidth)
	}
	for i, r := range c.Results {
		gain := "–"
		if i > 0 {
			gain = pm(r.GoodputGain, 1, 1)
			if !math.IsNaN(r.GoodputGain.Mean) && r.GoodputGain.Mean >= 0 {
				gain = "+" + gain
			}
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s%%\t%s×\t%d/%d", r.Name, pm(r.Goodput, 1, 1), gain, pm(r.P99, 1, 3),
			pm(r.ErrorRate, 100, 2), pm(r.Amplification, 1, 2), r.Collapsed, r.Runs)
		if c.HasSLO {
			line += fmt.Sprintf("\t%d/%d", r.NotRecovered, r.Runs)
		}
		fmt.Fprintln(tw, line+"\t"+r.Settings)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range c.Skipped {
		fmt.Fprintf(w, "not run: %s\n", s)
	}
	return nil
}
