package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"sync/atomic"
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live"
)

func init() {
	register(command{"live", "<name|file>", "run one scenario with real goroutines and timers and print its report", cmdLive})
}

// liveFlags are the flags live and crossval share.
type liveFlags struct {
	fs       *flag.FlagSet
	seed     *uint64
	scale    *float64
	requests *int
	asJSON   *bool
	http     *bool
	stderr   io.Writer
}

func newLiveFlags(name string, scale float64, stderr io.Writer) *liveFlags {
	fs := newFlags(name, stderr)
	return &liveFlags{fs: fs, stderr: stderr,
		seed:     fs.Uint64("seed", 0, "root seed (default: the scenario's)"),
		scale:    fs.Float64("scale", scale, "run `k` times slower than simulated time (sleeps ×k, timestamps ÷k)"),
		requests: fs.Int("requests", 0, "override agents.requests_per_agent with `N`"),
		asJSON:   fs.Bool("json", false, "print JSON"),
		http:     fs.Bool("http", false, "over real HTTP: net/http clients and server on 127.0.0.1, faults through a TCP proxy"),
	}
}

// load parses args and returns the scenario with the flags applied.
func (f *liveFlags) load(args []string) (*model.Config, error) {
	pos, err := parse(f.fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, usageError{errors.New("want exactly one scenario name or file")}
	}
	if k := *f.scale; !(k > 0 && k <= live.MaxScale) || math.IsNaN(k) {
		return nil, usageError{fmt.Errorf("--scale: must be in (0, %d], got %g", live.MaxScale, k)}
	}
	if isSet(f.fs, "requests") && *f.requests < 1 {
		return nil, usageError{fmt.Errorf("--requests: must be at least 1, got %d", *f.requests)}
	}
	cfg, err := loadScenario(pos[0], f.stderr)
	if err != nil {
		return nil, err
	}
	if isSet(f.fs, "seed") {
		cfg.Seed = *f.seed
	}
	if isSet(f.fs, "requests") {
		cfg.Agents.RequestsPerAgent = *f.requests
	}
	return cfg, cfg.Validate()
}

// progress is a Sink that counts created requests; while stderr is a
// terminal, a goroutine draws them on the progress line twice a second
// until stopped.
type progress struct {
	created atomic.Int64
	line    *progressLine
	total   float64
	done    chan struct{}
	exited  chan struct{}
}

func (p *progress) Observe(e model.Event) {
	if e.Type == model.Created {
		p.created.Add(1)
	}
}

// startProgress returns nil when stderr is not a terminal.
func startProgress(stderr io.Writer, what string, cfg *model.Config) *progress {
	line := newProgress(stderr, what)
	if line == nil {
		return nil
	}
	p := &progress{line: line, total: cfg.Cost().Requests, done: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(p.exited)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				line.clear()
				return
			case <-t.C:
				line.update(float64(p.created.Load()), p.total, 0, "requests created", "(Ctrl-C stops)")
			}
		}
	}()
	return p
}

func (p *progress) stop() {
	if p != nil {
		close(p.done)
		<-p.exited
	}
}

func (p *progress) sinks() []model.Sink {
	if p == nil {
		return nil
	}
	return []model.Sink{p}
}

// liveOutput is the JSON of a live run: its report and timer lateness.
type liveOutput struct {
	model.Report
	Lateness live.Lateness `json:"lateness"`
}

func cmdLive(args []string, stdout, stderr io.Writer) error {
	f := newLiveFlags("live", 1, stderr)
	force := f.fs.Bool("force", false, "replace existing output files (without it, an existing output is refused)")
	ot := addOtelFlags(f.fs, false)
	h := newHTTPFlags(f.fs)
	cfg, err := f.load(args)
	if err != nil {
		return err
	}
	if err := ot.check(*force); err != nil {
		return err
	}
	if *f.http || *h.target != "" {
		if ot.enabled() {
			return usageError{errors.New("--otel and --otlp-endpoint are not available with --http or --target yet")}
		}
		return liveHTTP(cfg, f, h, stdout, stderr)
	}
	ctx, stop := interruptible()
	defer stop()
	export, err := ot.start(*force)
	if err != nil {
		return err
	}
	// Exports outlive Ctrl-C: an interrupted run still writes what it has.
	sinks, err := export.sinks(context.Background(), cfg, time.Now,
		time.Duration(float64(kernel.Seconds(cfg.Detector.Period))**f.scale))
	if err != nil {
		return export.finish(context.Background(), err)
	}
	p := startProgress(stderr, "live "+cfg.Name, cfg)
	rep, late, err := live.Run(ctx, cfg, live.Options{Scale: *f.scale, Sinks: append(p.sinks(), sinks...)})
	p.stop()
	if err != nil && ctx.Err() == nil {
		return export.finish(context.Background(), err)
	}
	if err := export.finish(context.Background(), nil); err != nil {
		return err
	}
	tail := fmt.Sprintf("lateness       services ended late by mean %.3gms, p50 %.3gms, p95 %.3gms, max %.3gms (simulated time, scale %g, %d services)\n",
		1e3*late.Mean, 1e3*late.P50, 1e3*late.P95, 1e3*late.Max, *f.scale, late.Count)
	return printLive(ctx, err, &rep, *f.asJSON, liveOutput{rep, late}, tail, stdout, stderr)
}

// printLive prints a live run's report and tail (or asJSON, out) after the
// run ended with runErr. A run that ctx's cancellation stopped prints the
// report so far and fails with exit status 130.
func printLive(ctx context.Context, runErr error, rep *model.Report, asJSON bool, out any, tail string, stdout, stderr io.Writer) error {
	if runErr != nil && ctx.Err() == nil {
		return runErr
	}
	interrupted := runErr != nil
	var err error
	if asJSON {
		err = writeJSON(stdout, out)
	} else if err = rep.WriteText(stdout); err == nil {
		_, err = io.WriteString(stdout, tail)
	}
	if err == nil && interrupted {
		err = exitError{exitInterrupted, fmt.Errorf("interrupted after %.1fs of simulated time; the report covers that part only", rep.Duration)}
	}
	return err
}
