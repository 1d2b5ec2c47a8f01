package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/validate/reproduce"
)

func init() {
	register(command{"reproduce", "", "print the published EXP-001/002/003 table beside its simulation", cmdReproduce})
}

// loadPublished loads the embedded profiles of the published experiments,
// in table order.
func loadPublished() ([]*model.Config, error) {
	var cfgs []*model.Config
	for _, p := range reproduce.Table {
		c, err := scenarios.Load(p.Scenario)
		if err != nil {
			return nil, err
		}
		cfgs = append(cfgs, c)
	}
	return cfgs, nil
}

func cmdReproduce(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reproduce", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	seeds := fs.Int("seeds", 0, "also summarise each cell over `N` further seeds (mean, 95% CI, 95% prediction interval)")
	report := fs.String("report", "", "write an HTML/Markdown report with charts into `DIR`")
	force := fs.Bool("force", false, "replace existing output files (without it, an existing output is refused)")
	ot := addOtelFlags(fs, true)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *seeds < 0 || *seeds == 1 {
		return usageError{fmt.Errorf("--seeds must be 0 or at least 2, got %d", *seeds)}
	}
	if *report != "" {
		if err := checkReportDir(*report, *force); err != nil {
			return err
		}
	}
	if err := ot.check(*force); err != nil {
		return err
	}
	cfgs, err := loadPublished()
	if err != nil {
		return err
	}
	export, err := ot.start(*force)
	if err != nil {
		return err
	}
	var rep *reproduce.Result
	if export == nil {
		rep, err = reproduce.Run(cfgs, reproduce.Table, runtime.GOMAXPROCS(0))
	} else {
		// One run after another, each closing its export, so the files
		// hold the experiments in table order.
		rep, err = reproduce.RunEach(cfgs, reproduce.Table, 1, export.run)
	}
	if err = export.finish(context.Background(), err); err != nil {
		return err
	}
	var spread []reproduce.SeedSpread
	var interrupted error
	if *seeds > 0 {
		ctx, stop := interruptible()
		defer stop()
		p := newProgress(stderr, "reproduce --seeds")
		spread, err = reproduce.Spread(ctx, cfgs, reproduce.Table, *seeds, runtime.GOMAXPROCS(0), func(done, total int) {
			p.update(float64(done), float64(total), 0, "runs", "")
		})
		p.clear()
		if err != nil && ctx.Err() == nil {
			return err
		}
		if err != nil { // Ctrl-C: the table of the profiles' own seeds is still printed
			interrupted = exitError{exitInterrupted, errors.New("interrupted: the spread over further seeds is left out")}
		}
	}
	if *report != "" {
		if err := writeReproduceReport(*report, cfgs, rep, *force); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report written to %s\n", reportPath(*report))
	}
	if *asJSON {
		out := struct {
			*reproduce.Result
			Seeds []reproduce.SeedSpread `json:"seeds,omitempty"`
		}{rep, spread}
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		printReproduction(stdout, rep)
		if spread != nil {
			printSpread(stdout, spread)
		}
	}
	if interrupted != nil {
		return interrupted
	}
	if rep.Matches != rep.Cells {
		return fmt.Errorf("%d of %d cells match the published table", rep.Matches, rep.Cells)
	}
	return nil
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func printReproduction(w io.Writer, rep *reproduce.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Scenario\tAgents\tWorkers\tBuffer\tAvg latency\tp95 latency\tError rate\tState")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d", r.Scenario, r.Agents, r.Workers, r.Buffer)
		for _, c := range r.Cells {
			fmt.Fprintf(tw, "\t%s", c.Published)
		}
		fmt.Fprintf(tw, "\tpublished\n")
		fmt.Fprintf(tw, "\t\t\t")
		for _, c := range r.Cells {
			fmt.Fprintf(tw, "\t%s %s", c.Simulated, mark(c.Match))
		}
		fmt.Fprintf(tw, "\tsimulated (seed %d)\n", r.Seed)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d cells match at the printed precision.\n", rep.Matches, rep.Cells)
}

func printSpread(w io.Writer, spread []reproduce.SeedSpread) {
	fmt.Fprintf(w, "\nOver %d further seeds per experiment: 95%% confidence interval of the mean, 95%% prediction\ninterval for one seed, and whether each meets the published value (as printed: 0.012s is [0.0115, 0.0125]):\n\n", spread[0].Seeds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Scenario\tCell\tPublished\tMean\t95% CI\tin\t95% PI\tin")
	for _, sp := range spread {
		for _, c := range sp.Cells {
			f := func(v float64) string { return fmt.Sprintf("%.5fs", v) }
			if c.Name == "error_rate" {
				f = func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t[%s, %s]\t%s\t[%s, %s]\t%s\n", sp.Scenario, c.Name, f(c.Published), f(c.Mean),
				f(c.CI[0]), f(c.CI[1]), mark(c.InCI), f(c.PI[0]), f(c.PI[1]), mark(c.InPI))
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, sp := range spread {
		fmt.Fprintf(w, "%s final state: STABLE %d, DEGRADED %d, COLLAPSED %d of %d seeds (published %s)\n", sp.Scenario,
			sp.States["STABLE"], sp.States["DEGRADED"], sp.States["COLLAPSED"], sp.Seeds, sp.Published)
	}
}
