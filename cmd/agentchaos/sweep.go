package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/scenarios/sweep"
)

func init() {
	register(command{"sweep", "<spec.json>", "run a parameter sweep in parallel, resumable and shardable", cmdSweep})
}

// Environment variables that choose a shard when --shard is not given.
const (
	// Kubernetes Indexed Job: the pod's 0-based index; the shard count comes
	// from envShards (set it to the Job's completions).
	envK8sIndex = "JOB_COMPLETION_INDEX"
	envShards   = "AGENTCHAOS_SHARDS"
	// Slurm job array: the task id (offset by SLURM_ARRAY_TASK_MIN) and the
	// task count.
	envSlurmID    = "SLURM_ARRAY_TASK_ID"
	envSlurmCount = "SLURM_ARRAY_TASK_COUNT"
	envSlurmMin   = "SLURM_ARRAY_TASK_MIN"
)

func cmdSweep(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sweep", stderr)
	out := fs.String("out", "", "results `FILE` (.jsonl for JSON Lines, else CSV); default: the spec's name with .csv, plus .shard-I-of-N when sharded")
	workers := fs.Int("workers", runtime.NumCPU(), "runs simulated at once")
	resume := fs.Bool("resume", false, "finish an interrupted sweep in FILE (a missing FILE starts afresh)")
	force := fs.Bool("force", false, "start FILE afresh if it exists, and replace its points file")
	shard := fs.String("shard", "", "run only shard `i/n` (0-based: run indices ≡ i mod n); default from $"+envK8sIndex+" and $"+envShards+", or $"+envSlurmID+" and $"+envSlurmCount)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want exactly one sweep spec file")}
	}
	if *resume && *force {
		return usageError{errors.New("--resume finishes a sweep and --force starts it afresh: pass one")}
	}
	if *workers < 1 {
		return usageError{fmt.Errorf("--workers must be at least 1 (got %d)", *workers)}
	}
	sh, shardFrom, err := chooseShard(*shard, isSet(fs, "shard"), os.Getenv)
	if err != nil {
		return usageError{err}
	}
	spec, err := sweep.LoadSpec(pos[0])
	if err != nil {
		return err
	}
	if *out == "" {
		*out = defaultOut(pos[0], sh)
	}

	opt := sweep.Options{Out: *out, Workers: *workers, Resume: *resume, Force: *force, Shard: sh}
	res, secs, err := runSweep(spec, opt, stderr, func(res sweep.Result) string {
		return fmt.Sprintf("agentchaos sweep %s --out %s --resume", pos[0], res.Out)
	})
	if err != nil {
		return err
	}
	sum := sweepSummary{
		Spec: pos[0], Fingerprint: spec.Fingerprint(), Out: res.Out, PointsOut: res.PointsOut,
		Shard: sh.String(), ShardFrom: shardFrom, Points: spec.Points(), Replications: spec.Replications,
		Runs: res.Total, Resumed: res.Resumed, Ran: res.Ran, Events: res.Events, Workers: *workers, Seconds: secs,
	}
	if secs > 0 {
		sum.RunsPerSecond = float64(res.Ran) / secs
		sum.EventsPerSecond = float64(res.Events) / secs
	}
	if *asJSON {
		return writeJSON(stdout, sum)
	}
	fmt.Fprintf(stdout, "sweep %s: %s × %s", pos[0], model.Plural(sum.Points, "point"), model.Plural(sum.Replications, "replication"))
	if sh.Count > 1 {
		fmt.Fprintf(stdout, ", shard %s (%s)", sum.Shard, model.Plural(sum.Runs, "run"))
	}
	fmt.Fprintf(stdout, "\nran %s (%d already done) on %s in %.2fs: %.1f runs/s, %.3g events/s\n",
		model.Plural(sum.Ran, "run"), sum.Resumed, model.Plural(sum.Workers, "worker"), secs, sum.RunsPerSecond, sum.EventsPerSecond)
	fmt.Fprintf(stdout, "results: %s\n", res.Out)
	if res.PointsOut != "" {
		fmt.Fprintf(stdout, "points:  %s\n", res.PointsOut)
	}
	return nil
}

// runSweep runs a sweep as a command does: Ctrl-C or SIGTERM stops it
// cleanly (exit 130, naming what is done and the command, from resume,
// that finishes it), and progress is drawn on stderr when it is a
// terminal. It returns the sweep's result and its wall-clock seconds.
func runSweep(spec *sweep.Spec, opt sweep.Options, stderr io.Writer, resume func(sweep.Result) string) (sweep.Result, float64, error) {
	ctx, stop := interruptible() // a second Ctrl-C kills at once; the file stays consistent
	defer stop()
	start := time.Now()
	p := newProgress(stderr, "sweep")
	if p != nil {
		opt.Progress = func(pr sweep.Progress) {
			el := time.Since(start).Seconds()
			p.update(float64(pr.Done), float64(pr.Total), float64(pr.Resumed), "runs",
				fmt.Sprintf("%.1f runs/s  %.3g events/s", float64(pr.Done-pr.Resumed)/el, float64(pr.Events)/el))
		}
	}
	res, err := sweep.Run(ctx, spec, opt)
	p.clear() // the summary below starts on a clean line
	secs := time.Since(start).Seconds()
	if errors.Is(err, sweep.ErrInterrupted) {
		return res, secs, exitError{exitInterrupted, fmt.Errorf("interrupted: %d of %d runs are in %s; finish with: %s",
			res.Resumed+res.Ran, res.Total, res.Out, resume(res))}
	}
	return res, secs, err
}

type sweepSummary struct {
	Spec            string  `json:"spec"`
	Fingerprint     string  `json:"fingerprint"`
	Out             string  `json:"out"`
	PointsOut       string  `json:"points_out,omitempty"`
	Shard           string  `json:"shard"`
	ShardFrom       string  `json:"shard_from"`
	Points          int     `json:"points"`
	Replications    int     `json:"replications"`
	Runs            int     `json:"runs"` // of this shard
	Resumed         int     `json:"resumed"`
	Ran             int     `json:"ran"`
	Events          uint64  `json:"events"`
	Workers         int     `json:"workers"`
	Seconds         float64 `json:"seconds"`
	RunsPerSecond   float64 `json:"runs_per_second"`
	EventsPerSecond float64 `json:"events_per_second"`
}

// chooseShard picks the shard from the flag, else from a Kubernetes
// Indexed Job's or a Slurm array's environment, else the whole sweep. It
// also says where the choice came from.
func chooseShard(flagValue string, flagSet bool, getenv func(string) string) (sweep.Shard, string, error) {
	if flagSet {
		sh, err := sweep.ParseShard(flagValue)
		if err != nil {
			return sh, "", fmt.Errorf("--shard: %w", err)
		}
		return sh, "flag", nil
	}
	atoi := func(name string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(getenv(name)))
		if err != nil {
			return 0, fmt.Errorf("$%s=%q is not an integer", name, getenv(name))
		}
		return n, nil
	}
	if getenv(envK8sIndex) != "" {
		if getenv(envShards) == "" {
			return sweep.Shard{}, "", fmt.Errorf("$%s is set (a Kubernetes Indexed Job) but $%s is not: set it to the Job's completions, or pass --shard", envK8sIndex, envShards)
		}
		i, err := atoi(envK8sIndex)
		if err != nil {
			return sweep.Shard{}, "", err
		}
		n, err := atoi(envShards)
		if err != nil {
			return sweep.Shard{}, "", err
		}
		sh, err := sweep.ParseShard(fmt.Sprintf("%d/%d", i, n))
		if err != nil {
			return sh, "", fmt.Errorf("$%s/$%s: %w", envK8sIndex, envShards, err)
		}
		return sh, envK8sIndex, nil
	}
	if getenv(envSlurmID) != "" {
		id, err := atoi(envSlurmID)
		if err != nil {
			return sweep.Shard{}, "", err
		}
		n, err := atoi(envSlurmCount)
		if err != nil {
			return sweep.Shard{}, "", err
		}
		lo := 0
		if getenv(envSlurmMin) != "" {
			if lo, err = atoi(envSlurmMin); err != nil {
				return sweep.Shard{}, "", err
			}
		}
		sh, err := sweep.ParseShard(fmt.Sprintf("%d/%d", id-lo, n))
		if err != nil {
			return sh, "", fmt.Errorf("$%s−$%s / $%s (use a contiguous --array such as 0-%d): %w", envSlurmID, envSlurmMin, envSlurmCount, n-1, err)
		}
		return sh, envSlurmID, nil
	}
	return sweep.Shard{Index: 0, Count: 1}, "none", nil
}

// defaultOut is the spec's file name with .csv, in the current folder,
// with .shard-I-of-N before the extension for a shard.
func defaultOut(spec string, sh sweep.Shard) string {
	name := strings.TrimSuffix(filepath.Base(spec), filepath.Ext(spec))
	if sh.Count > 1 {
		name += fmt.Sprintf(".shard-%d-of-%d", sh.Index, sh.Count)
	}
	return name + ".csv"
}
