package otel

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// ScopeName is the instrumentation scope of everything the recorder emits.
const ScopeName = "github.com/agentchaos/agentchaos/model/otel"

// DefaultEpoch is the instant virtual time 0 maps to unless told otherwise:
// a fixed date, so the same run gives the same files.
var DefaultEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Options are a recorder's settings.
type Options struct {
	// Version is the resource's service.version.
	Version string
	// Epoch is the wall-clock instant of virtual time 0 in a simulation
	// (the zero value means DefaultEpoch).
	Epoch time.Time
	// Clock, if set, makes a live recorder: every event and sample is
	// stamped with its reading, and spans and metrics go through the
	// OpenTelemetry SDK (a TracerProvider and a MeterProvider).
	Clock func() time.Time
	// Ratio is the head-sampling ratio, in [0, 1], of the requests that
	// neither fail nor are slow (those are always kept), decided on the
	// trace ID as the SDK's TraceIDRatioBased sampler decides it.
	Ratio float64
	// Slow keeps every request whose end-to-end latency is at least Slow;
	// 0 means twice the detector's rolling p95 at the last control period.
	Slow kernel.Duration
	// ExportInterval is how often a live recorder's metric readers export
	// (the SDK's PeriodicReader); 0 means the detector's control period.
	ExportInterval time.Duration
	// Context bounds the exports (nil: context.Background()).
	Context context.Context
}

// spanBatch is how many spans a simulation hands its exporters at once:
// one TracesData line of the traces file.
const spanBatch = 1024

// Recorder turns one run's lifecycle events and control periods into
// OpenTelemetry traces and metrics and hands them to a Destination as the
// run goes. It is a model.SampleSink; attach it to one run and Close it
// after. A request's records live from its creation until it has ended
// and the server is done with it (a zombie attempt keeps it), so memory is
// bounded by the requests in flight. Observe allocates for kept requests
// only, once its pools have grown.
type Recorder struct {
	opt       Options
	dest      *Destination
	ctx       context.Context
	live      bool
	epoch     int64 // unix ns of virtual time 0
	ids       ids
	sampler   sdktrace.Sampler
	res       *resource.Resource
	scope     instrumentation.Scope
	workloads []string

	reqs  map[uint64]*request
	spare []*request
	stubs []tracetest.SpanStub
	batch []sdktrace.ReadOnlySpan

	transitions  [maxTransitions]transition
	nTransitions int
	lastState    model.State
	lastP95      kernel.Duration

	metrics *metrics

	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
	mp     *sdkmetric.MeterProvider

	err error
}

var _ model.SampleSink = (*Recorder)(nil)

// NewRecorder returns a recorder for one run of cfg (validated) that
// sends its telemetry to dest. The resource names service.name
// "agentchaos", service.version, and the scenario, its seed and the mode.
func NewRecorder(cfg *model.Config, dest *Destination, opt Options) (*Recorder, error) {
	if !(opt.Ratio >= 0 && opt.Ratio <= 1) {
		return nil, fmt.Errorf("otel: sampling ratio must be in [0, 1], got %g", opt.Ratio)
	}
	if opt.Epoch.IsZero() {
		opt.Epoch = DefaultEpoch
	}
	r := &Recorder{opt: opt, dest: dest, ctx: opt.Context, live: opt.Clock != nil, epoch: opt.Epoch.UnixNano(),
		ids: newIDs(cfg.Seed), sampler: sdktrace.TraceIDRatioBased(opt.Ratio),
		scope: instrumentation.Scope{Name: ScopeName, Version: opt.Version, SchemaURL: semconv.SchemaURL},
		reqs:  make(map[uint64]*request)}
	if r.ctx == nil {
		r.ctx = context.Background()
	}
	for _, w := range cfg.Agents.Mix {
		r.workloads = append(r.workloads, w.Name)
	}
	mode := model.Simulated
	if r.live {
		mode = model.Live
	}
	attrs := []attribute.KeyValue{semconv.ServiceName("agentchaos"), semconv.ServiceVersion(opt.Version),
		attribute.String("agentchaos.scenario", cfg.Name), attribute.String("agentchaos.seed", strconv.FormatUint(cfg.Seed, 10)),
		attribute.String("agentchaos.mode", mode)}
	r.res = resource.NewWithAttributes(semconv.SchemaURL, attrs...)
	if r.live {
		// A live run is a service like any other: the SDK's own resource
		// (telemetry.sdk.*, OTEL_RESOURCE_ATTRIBUTES) under ours.
		res, err := resource.Merge(resource.Default(), r.res)
		if err != nil {
			return nil, err
		}
		r.res = res
	}
	r.metrics = newMetrics(cfg, r.epoch)
	if r.live {
		r.startSDK(cfg)
	}
	return r, nil
}

// stamp is the unix ns of virtual instant t: the epoch plus t, or in a
// live run the clock's reading now.
func (r *Recorder) stamp(t kernel.Time) int64 {
	if r.live {
		return r.opt.Clock().UnixNano()
	}
	return r.epoch + int64(t)
}

// Observe takes one lifecycle event.
func (r *Recorder) Observe(e model.Event) {
	t := r.stamp(e.T)
	r.metrics.observe(e, r)
	r.trackRequest(e, t)
}

// ObserveSample takes one control period's sample: the detector's
// transitions become span events, the period's figures metric points.
func (r *Recorder) ObserveSample(s *model.Sample) {
	t := r.stamp(s.T)
	if s.State != r.lastState {
		r.transitions[r.nTransitions%maxTransitions] = transition{t: t, state: s.State, rule: s.Rule, throttle: s.Throttle}
		r.nTransitions++
		r.lastState = s.State
	}
	if s.P95 == s.P95 { // not NaN
		r.lastP95 = kernel.Seconds(s.P95)
	}
	r.metrics.sample(s, t, r)
}

// out hands finished spans on: in a simulation to the destination's
// exporters in batches, live through the SDK's tracer.
func (r *Recorder) out(stubs []tracetest.SpanStub) {
	if r.live {
		r.replay(stubs)
		return
	}
	for _, s := range stubs {
		r.batch = append(r.batch, s.Snapshot())
	}
	if len(r.batch) >= spanBatch {
		r.flushSpans()
	}
}

func (r *Recorder) flushSpans() {
	if len(r.batch) > 0 && r.err == nil {
		for _, e := range r.dest.spanExporters() {
			if err := e.ExportSpans(r.ctx, r.batch); err != nil {
				r.err = fmt.Errorf("exporting spans: %w", err)
				break
			}
		}
	}
	clear(r.batch)
	r.batch = r.batch[:0]
}

// Close hands on what is still buffered (and, live, shuts the SDK's
// providers down, which exports the rest) and returns the first export
// error. Requests still in flight, as after an interrupted live run, are
// not exported. The destination stays open.
func (r *Recorder) Close() error {
	if r.live {
		return r.stopSDK()
	}
	r.flushSpans()
	r.metrics.flush(r)
	return r.err
}

// fail records the first export error.
func (r *Recorder) fail(err error) {
	if err != nil && r.err == nil {
		r.err = err
	}
}
