package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/agentchaos/agentchaos/scenarios/phase"
	"github.com/agentchaos/agentchaos/scenarios/sweep"
)

func init() {
	register(command{"hysteresis", "<scenario> --trigger PATH=… --load PATH=…",
		"run a trigger-size × load grid and draw where the system stops recovering (the metastable region)", cmdHysteresis})
}

// verdictLetters abbreviate the verdicts in the text grid.
var verdictLetters = map[sweep.Verdict]string{sweep.NoSLO: "-", sweep.Held: "H", sweep.Recovered: "R",
	sweep.Unjudged: "?", sweep.Violated: "V", sweep.Metastable: "M"}

func cmdHysteresis(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("hysteresis", stderr)
	trigger := fs.String("trigger", "", "the trigger's size, the x axis: `PATH=FROM:TO:STEPS` (or PATH=log:FROM:TO:STEPS, or PATH=V1,V2,...), e.g. schedule[0].load.rate=1:3:5")
	load := fs.String("load", "", "the load, the y axis: `PATH=FROM:TO:STEPS` like --trigger, e.g. agents.count=40:80:5")
	reps := fs.Int("reps", 3, "replications per point")
	seed := fs.Uint64("seed", 1, "root seed of the replications")
	out := fs.String("out", "", "write `PREFIX`.csv (the sweep's rows), PREFIX.points.csv and PREFIX-{slo,state,p95}.{svg,png}; default: the scenario's name with -hysteresis")
	workers := fs.Int("workers", runtime.NumCPU(), "runs simulated at once")
	resume := fs.Bool("resume", false, "finish an interrupted run of the same command")
	force := fs.Bool("force", false, "start afresh, replacing the files")
	asJSON := fs.Bool("json", false, "print the grid and the files written as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want exactly one scenario name or file (with a schedule and an slo)")}
	}
	if *trigger == "" || *load == "" {
		return usageError{errors.New("--trigger and --load are required, e.g. --trigger 'schedule[0].load.rate=1:3:5' --load 'agents.count=40:80:5'")}
	}
	if *resume && *force {
		return usageError{errors.New("--resume finishes a run and --force starts it afresh: pass one")}
	}
	if *workers < 1 || *reps < 1 {
		return usageError{fmt.Errorf("--workers and --reps must be at least 1 (got %d, %d)", *workers, *reps)}
	}
	h := phase.Hysteresis{Scenario: pos[0], Replications: *reps, Seed: *seed}
	if h.Trigger, err = phase.ParseAxis(*trigger); err != nil {
		return usageError{fmt.Errorf("--trigger: %w", err)}
	}
	if h.Load, err = phase.ParseAxis(*load); err != nil {
		return usageError{fmt.Errorf("--load: %w", err)}
	}
	spec, _, err := h.Spec()
	if err != nil {
		return err
	}
	prefix := *out
	if prefix == "" {
		prefix = strings.TrimSuffix(filepath.Base(pos[0]), filepath.Ext(pos[0])) + "-hysteresis"
	}
	// Every output is refused before the first run, not after the sweep.
	if err := phase.Check(prefix, true, *force || *resume); err != nil {
		return err
	}
	res, secs, err := runSweep(spec, sweep.Options{Out: prefix + ".csv", Workers: *workers, Resume: *resume, Force: *force},
		stderr, func(sweep.Result) string {
			return "the same command with --resume"
		})
	if err != nil {
		return err
	}
	g, err := phase.ReadFile(res.Out)
	if err != nil {
		return err
	}
	files, err := phase.Render(g, prefix, *force || *resume)
	if err != nil {
		return err
	}
	files = append([]string{res.Out, res.PointsOut}, files...)
	if *asJSON {
		type cell struct {
			Trigger    string  `json:"trigger"`
			Load       string  `json:"load"`
			Verdict    string  `json:"verdict"`
			Metastable float64 `json:"metastable_share"`
			Recovery   float64 `json:"recovery_time_mean,omitempty"`
		}
		var cells []cell
		for y, row := range g.Cells {
			for x := range row {
				c := &row[x]
				rt := c.RecoveryTime.Mean
				if rt != rt { // NaN: none recovered
					rt = 0
				}
				cells = append(cells, cell{g.XValues[x], g.YValues[y], c.MajorityVerdict.String(), c.Share(sweep.Metastable), rt})
			}
		}
		return writeJSON(stdout, struct {
			Trigger      string   `json:"trigger"`
			Load         string   `json:"load"`
			Replications int      `json:"replications"`
			Runs         int      `json:"runs"`
			Ran          int      `json:"ran"`
			Seconds      float64  `json:"seconds"`
			Cells        []cell   `json:"cells"`
			Files        []string `json:"files"`
		}{g.X, g.Y, g.Replications, res.Total, res.Ran, secs, cells, files})
	}
	fmt.Fprintf(stdout, "hysteresis of %s: %d × %d points × %d replications, %d runs (%d already done) in %.1fs\n",
		pos[0], len(g.XValues), len(g.YValues), g.Replications, res.Total, res.Resumed, secs)
	fmt.Fprintf(stdout, "majority verdict after the trigger: H held, R recovered, M did not recover (metastable), V violated, ? not judged\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s \\ %s\t", g.Y, g.X)
	for _, x := range g.XValues {
		fmt.Fprintf(tw, "%s\t", x)
	}
	fmt.Fprintln(tw)
	for y := len(g.YValues) - 1; y >= 0; y-- { // the largest load on top, as in the chart
		fmt.Fprintf(tw, "%s\t", g.YValues[y])
		for x := range g.XValues {
			fmt.Fprintf(tw, "%s\t", verdictLetters[g.Cells[y][x].MajorityVerdict])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	for _, f := range files {
		fmt.Fprintln(stdout, "  "+f)
	}
	return nil
}
