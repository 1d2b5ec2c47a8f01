package otel

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// The live mode runs the OpenTelemetry SDK as an instrumented service
// would: a TracerProvider whose batch span processors feed the
// destination's exporters, and a MeterProvider whose periodic readers
// collect its instruments. Spans are started and ended with the wall-clock
// instants of their events (a request's spans are made once it is over,
// when the sampler knows whether to keep it) and the IDs the simulation
// would give them; the SDK stamps metric points with the wall clock.

// instruments are a live recorder's SDK instruments.
type instruments struct {
	counters [mRetried + 1]metric.Int64Counter
	ended    metric.Int64Counter
	duration metric.Float64Histogram
	ints     [numMetrics]metric.Int64Gauge
	floats   [numMetrics]metric.Float64Gauge
	// what the counters had at the last sample
	counts [mRetried + 1]uint64
	ended0 [maxKinds]uint64
}

func (in *instruments) errorOpt(m *metrics, f model.FailureKind) metric.RecordOption {
	return metric.WithAttributeSet(*m.errorAttrs(f))
}

// startSDK builds the live recorder's providers and instruments.
func (r *Recorder) startSDK(cfg *model.Config) {
	topts := []sdktrace.TracerProviderOption{sdktrace.WithResource(r.res), sdktrace.WithIDGenerator(keyedIDs{}),
		sdktrace.WithSampler(sdktrace.AlwaysSample())}
	for _, e := range r.dest.spanExporters() {
		topts = append(topts, sdktrace.WithBatcher(keepOpen{e}, sdktrace.WithBlocking()))
	}
	r.tp = sdktrace.NewTracerProvider(topts...)
	r.tracer = r.tp.Tracer(r.scope.Name, trace.WithInstrumentationVersion(r.scope.Version), trace.WithSchemaURL(r.scope.SchemaURL))

	every := r.opt.ExportInterval
	if every <= 0 {
		every = time.Duration(kernel.Seconds(cfg.Detector.Period))
	}
	mopts := []sdkmetric.Option{sdkmetric.WithResource(r.res),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: metricDefs[mDuration].name},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: r.metrics.bounds}}))}
	for _, e := range r.dest.metricExporters() {
		mopts = append(mopts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(keepOpenMetric{e}, sdkmetric.WithInterval(every))))
	}
	r.mp = sdkmetric.NewMeterProvider(mopts...)
	meter := r.mp.Meter(r.scope.Name, metric.WithInstrumentationVersion(r.scope.Version), metric.WithSchemaURL(r.scope.SchemaURL))

	in := &instruments{}
	for i := range numMetrics {
		d, m := metricDefs[i], r.metrics
		if !m.on[i] {
			continue
		}
		var err error
		switch {
		case i == mEnded:
			in.ended, err = meter.Int64Counter(d.name, metric.WithUnit(d.unit), metric.WithDescription(d.desc))
		case d.kind == counter:
			in.counters[i], err = meter.Int64Counter(d.name, metric.WithUnit(d.unit), metric.WithDescription(d.desc))
		case d.kind == histogram:
			in.duration, err = meter.Float64Histogram(d.name, metric.WithUnit(d.unit), metric.WithDescription(d.desc),
				metric.WithExplicitBucketBoundaries(m.bounds...))
		case d.float:
			in.floats[i], err = meter.Float64Gauge(d.name, metric.WithUnit(d.unit), metric.WithDescription(d.desc))
		default:
			in.ints[i], err = meter.Int64Gauge(d.name, metric.WithUnit(d.unit), metric.WithDescription(d.desc))
		}
		r.fail(err)
	}
	r.metrics.live = in
}

// sample records a control period through the instruments: the counters'
// growth since the last period, and each gauge's reading.
func (in *instruments) sample(m *metrics, s *model.Sample, r *Recorder) {
	for _, i := range []int{mCreated, mSent, mRetried} {
		in.counters[i].Add(r.ctx, int64(m.counts[i]-in.counts[i]))
		in.counts[i] = m.counts[i]
	}
	for f := range m.ended {
		if d := m.ended[f] - in.ended0[f]; d > 0 {
			in.ended.Add(r.ctx, int64(d), metric.WithAttributeSet(*m.outcomeAttrs(model.FailureKind(f))))
			in.ended0[f] = m.ended[f]
		}
	}
	for i := mDepth; i < numMetrics; i++ {
		v, ok := m.gaugeValue(i, s)
		if !m.on[i] || !ok {
			continue
		}
		if metricDefs[i].float {
			in.floats[i].Record(r.ctx, v)
		} else {
			in.ints[i].Record(r.ctx, int64(v))
		}
	}
}

// replay makes a kept request's spans through the SDK's tracer, each with
// its own instants and IDs, parents first.
func (r *Recorder) replay(stubs []tracetest.SpanStub) {
	for _, s := range stubs {
		ctx := withIDs(r.ctx, s.SpanContext)
		opts := []trace.SpanStartOption{trace.WithTimestamp(s.StartTime), trace.WithSpanKind(s.SpanKind),
			trace.WithAttributes(s.Attributes...)}
		if s.Parent.IsValid() {
			ctx = trace.ContextWithSpanContext(ctx, s.Parent)
		} else {
			opts = append(opts, trace.WithNewRoot())
		}
		_, span := r.tracer.Start(ctx, s.Name, opts...)
		for _, e := range s.Events {
			span.AddEvent(e.Name, trace.WithTimestamp(e.Time), trace.WithAttributes(e.Attributes...))
		}
		if s.Status.Code == codes.Error {
			span.SetStatus(codes.Error, s.Status.Description)
		}
		span.End(trace.WithTimestamp(s.EndTime))
	}
}

// stopSDK shuts the providers down: the batch processors export what they
// hold and the readers collect and export once more.
func (r *Recorder) stopSDK() error {
	if r.tp == nil {
		return r.err
	}
	err := errors.Join(r.tp.Shutdown(r.ctx), r.mp.Shutdown(r.ctx))
	r.tp, r.mp = nil, nil
	r.fail(err)
	return r.err
}

// keepOpen hands spans to a destination's exporter but leaves it open when
// the provider shuts down: the destination closes its exporters itself.
type keepOpen struct{ sdktrace.SpanExporter }

func (k keepOpen) Shutdown(context.Context) error { return nil }

type keepOpenMetric struct{ sdkmetric.Exporter }

func (k keepOpenMetric) Shutdown(ctx context.Context) error { return k.ForceFlush(ctx) }
