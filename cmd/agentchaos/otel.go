package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/otel"
)

// otelFlags are the OpenTelemetry export flags of run, live and reproduce.
type otelFlags struct {
	fs       *flag.FlagSet
	dir      *string
	endpoint *string
	sample   *float64
	slow     *float64
	epoch    *string // simulations only
}

// autoRequests is how many ordinary requests the default head-sampling
// ratio keeps, about: a file a person can load in a trace viewer.
const autoRequests = 1000

func addOtelFlags(fs *flag.FlagSet, simulated bool) *otelFlags {
	f := &otelFlags{fs: fs,
		dir:      fs.String("otel", "", "write OpenTelemetry traces and metrics to `DIR`/traces.jsonl and DIR/metrics.jsonl"),
		endpoint: fs.String("otlp-endpoint", "", "push OpenTelemetry traces and metrics over OTLP/HTTP to `URL` (e.g. http://localhost:4318)"),
		sample: fs.Float64("otel-sample", -1, "head-sampling `ratio` of requests that neither fail nor are slow (default: about "+
			fmt.Sprint(autoRequests)+" of them; failed and slow requests are always kept)"),
		slow: fs.Float64("otel-slow", 0, "keep every request at least this many `seconds` long (default: twice the detector's rolling p95)"),
	}
	if simulated {
		f.epoch = fs.String("otel-epoch", "", "wall-clock instant of virtual time 0: RFC 3339, or `now` (default "+otel.DefaultEpoch.Format(time.RFC3339)+")")
	}
	return f
}

func (f *otelFlags) enabled() bool { return *f.dir != "" || *f.endpoint != "" }

// check refuses bad values and existing files before anything runs.
func (f *otelFlags) check(force bool) error {
	if !f.enabled() {
		return nil
	}
	if *f.endpoint != "" {
		if _, err := otel.ParseEndpoint(*f.endpoint); err != nil {
			return usageError{fmt.Errorf("--otlp-endpoint: %w", err)}
		}
	}
	if s := *f.sample; isSet(f.fs, "otel-sample") && !(s >= 0 && s <= 1) {
		return usageError{fmt.Errorf("--otel-sample: must be in [0, 1], got %g", s)}
	}
	if s := *f.slow; !(s >= 0 && s <= 1e9) {
		return usageError{fmt.Errorf("--otel-slow: must be a number of seconds ≥ 0, got %g", s)}
	}
	if _, err := f.epochTime(); err != nil {
		return usageError{fmt.Errorf("--otel-epoch: %w", err)}
	}
	if *f.dir != "" {
		return otel.CheckDir(*f.dir, force)
	}
	return nil
}

func (f *otelFlags) epochTime() (time.Time, error) {
	switch {
	case f.epoch == nil || *f.epoch == "":
		return otel.DefaultEpoch, nil
	case *f.epoch == "now":
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, *f.epoch)
	if err != nil {
		return t, errors.New(`want an RFC 3339 instant such as 2025-01-01T00:00:00Z, or "now"`)
	}
	return t, nil
}

// otelExport is one command's export: its destination and the recorders
// of its runs.
type otelExport struct {
	f     *otelFlags
	epoch time.Time
	dest  *otel.Destination
	recs  []*otel.Recorder
}

// start opens the destination; nil if no export was asked for.
func (f *otelFlags) start(force bool) (*otelExport, error) {
	if !f.enabled() {
		return nil, nil
	}
	epoch, err := f.epochTime()
	if err != nil {
		return nil, usageError{err}
	}
	dest, err := otel.Open(*f.dir, *f.endpoint, force)
	if err != nil {
		return nil, err
	}
	return &otelExport{f: f, epoch: epoch, dest: dest}, nil
}

// sinks returns the sink recording one run of cfg (none without export);
// clock is the wall clock of a live run, nil for a simulation.
func (x *otelExport) sinks(ctx context.Context, cfg *model.Config, clock func() time.Time, exportEvery time.Duration) ([]model.Sink, error) {
	if x == nil {
		return nil, nil
	}
	ratio := *x.f.sample
	if !isSet(x.f.fs, "otel-sample") {
		ratio = 0.01
		if n := float64(cfg.Agents.Count) * float64(cfg.Agents.RequestsPerAgent); n > 0 {
			ratio = min(1, autoRequests/n)
		}
	}
	rec, err := otel.NewRecorder(cfg, x.dest, otel.Options{Version: version(), Epoch: x.epoch, Clock: clock,
		Ratio: ratio, Slow: kernel.Seconds(*x.f.slow), ExportInterval: exportEvery, Context: ctx})
	if err != nil {
		return nil, err
	}
	x.recs = append(x.recs, rec)
	return []model.Sink{rec}, nil
}

// run simulates cfg with its export and closes the export of the run.
func (x *otelExport) run(_ int, cfg *model.Config) (model.Report, error) {
	sinks, err := x.sinks(context.Background(), cfg, nil, 0)
	if err != nil {
		return model.Report{}, err
	}
	rep, err := model.Run(cfg, model.Options{Sinks: sinks})
	if err != nil {
		return rep, err
	}
	return rep, x.recs[len(x.recs)-1].Close()
}

// finish closes the recorders and the destination, putting the files in
// place, or, if the command failed (err), discards the files.
func (x *otelExport) finish(ctx context.Context, err error) error {
	if x == nil {
		return err
	}
	if err != nil {
		x.dest.Abort()
		return err
	}
	var errs []error
	for _, r := range x.recs {
		errs = append(errs, r.Close())
	}
	if err := errors.Join(errs...); err != nil {
		x.dest.Abort()
		return fmt.Errorf("OpenTelemetry export: %w", err)
	}
	if err := x.dest.Close(ctx); err != nil {
		return fmt.Errorf("OpenTelemetry export: %w", err)
	}
	return nil
}

// version is agentchaos's module version as the build recorded it.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
