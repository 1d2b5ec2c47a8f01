package otel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// FileExporter writes spans and metrics in the OpenTelemetry file-exporter
// format: JSON Lines, one TracesData (or MetricsData) object per export
// call, encoded by the collector's pdata JSON marshaler (trace and span IDs
// as lowercase hex, 64-bit integers as strings, enums as integers), which
// the collector's otlpjsonfile receiver and the Jaeger UI's file upload
// read as they are. It is an sdktrace.SpanExporter and an
// sdkmetric.Exporter; one FileExporter carries one signal (give it only
// spans, or only metrics). Safe for concurrent use; it never closes w.
type FileExporter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewFileExporter returns a FileExporter writing to w.
func NewFileExporter(w io.Writer) *FileExporter { return &FileExporter{w: w} }

var (
	_ sdktrace.SpanExporter = (*FileExporter)(nil)
	_ sdkmetric.Exporter    = (*FileExporter)(nil)
)

// writeLine writes one JSON object and a newline; after a write error
// every later export fails with it.
func (f *FileExporter) writeLine(b []byte, err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if err != nil {
		return err
	}
	if _, err := f.w.Write(append(b, '\n')); err != nil {
		f.err = err
	}
	return f.err
}

// ExportSpans writes spans as one TracesData line.
func (f *FileExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	var m ptrace.JSONMarshaler
	return f.writeLine(m.MarshalTraces(Traces(spans)))
}

// Export writes rm as one MetricsData line.
func (f *FileExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	md, err := Metrics(rm)
	if err != nil {
		return err
	}
	var m pmetric.JSONMarshaler
	return f.writeLine(m.MarshalMetrics(md))
}

// Temporality is cumulative for every instrument, as Prometheus wants it.
func (f *FileExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

// Aggregation is the SDK's default for each instrument kind.
func (f *FileExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

// ForceFlush has nothing to do: every export is written at once.
func (f *FileExporter) ForceFlush(context.Context) error { return nil }

// Shutdown returns the first write error, if any; the writer is the
// caller's to close.
func (f *FileExporter) Shutdown(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Traces converts SDK spans to pdata, grouping consecutive spans of the
// same resource and instrumentation scope.
func Traces(spans []sdktrace.ReadOnlySpan) ptrace.Traces {
	td := ptrace.NewTraces()
	var (
		rs      ptrace.ResourceSpans
		ss      ptrace.ScopeSpans
		lastRes *resource.Resource
		lastSc  instrumentation.Scope
		inScope bool
	)
	for i, s := range spans {
		if i == 0 || !sameResource(s.Resource(), lastRes) {
			rs = td.ResourceSpans().AppendEmpty()
			putResource(rs.Resource(), s.Resource())
			rs.SetSchemaUrl(s.Resource().SchemaURL())
			lastRes = s.Resource()
			inScope = false
		}
		if sc := s.InstrumentationScope(); !inScope || sc != lastSc {
			ss = rs.ScopeSpans().AppendEmpty()
			putScope(ss.Scope(), sc)
			ss.SetSchemaUrl(sc.SchemaURL)
			lastSc, inScope = sc, true
		}
		putSpan(ss.Spans().AppendEmpty(), s)
	}
	return td
}

func sameResource(a, b *resource.Resource) bool {
	if a == b {
		return true
	}
	return a != nil && b != nil && a.Equal(b) && a.SchemaURL() == b.SchemaURL()
}

func putSpan(sp ptrace.Span, s sdktrace.ReadOnlySpan) {
	sc := s.SpanContext()
	sp.SetTraceID(pcommon.TraceID(sc.TraceID()))
	sp.SetSpanID(pcommon.SpanID(sc.SpanID()))
	sp.TraceState().FromRaw(sc.TraceState().String())
	sp.SetFlags(uint32(sc.TraceFlags()))
	if p := s.Parent(); p.SpanID().IsValid() {
		sp.SetParentSpanID(pcommon.SpanID(p.SpanID()))
	}
	sp.SetName(s.Name())
	sp.SetKind(spanKind(s.SpanKind()))
	sp.SetStartTimestamp(stamp(s.StartTime()))
	sp.SetEndTimestamp(stamp(s.EndTime()))
	putAttributes(sp.Attributes(), s.Attributes())
	sp.SetDroppedAttributesCount(uint32(s.DroppedAttributes()))
	for _, e := range s.Events() {
		pe := sp.Events().AppendEmpty()
		pe.SetName(e.Name)
		pe.SetTimestamp(stamp(e.Time))
		putAttributes(pe.Attributes(), e.Attributes)
		pe.SetDroppedAttributesCount(uint32(e.DroppedAttributeCount))
	}
	sp.SetDroppedEventsCount(uint32(s.DroppedEvents()))
	for _, l := range s.Links() {
		pl := sp.Links().AppendEmpty()
		pl.SetTraceID(pcommon.TraceID(l.SpanContext.TraceID()))
		pl.SetSpanID(pcommon.SpanID(l.SpanContext.SpanID()))
		pl.TraceState().FromRaw(l.SpanContext.TraceState().String())
		putAttributes(pl.Attributes(), l.Attributes)
		pl.SetDroppedAttributesCount(uint32(l.DroppedAttributeCount))
	}
	sp.SetDroppedLinksCount(uint32(s.DroppedLinks()))
	switch st := s.Status(); st.Code {
	case codes.Error:
		sp.Status().SetCode(ptrace.StatusCodeError)
		sp.Status().SetMessage(st.Description)
	case codes.Ok:
		sp.Status().SetCode(ptrace.StatusCodeOk)
	}
}

func spanKind(k trace.SpanKind) ptrace.SpanKind {
	switch k {
	case trace.SpanKindInternal:
		return ptrace.SpanKindInternal
	case trace.SpanKindServer:
		return ptrace.SpanKindServer
	case trace.SpanKindClient:
		return ptrace.SpanKindClient
	case trace.SpanKindProducer:
		return ptrace.SpanKindProducer
	case trace.SpanKindConsumer:
		return ptrace.SpanKindConsumer
	}
	return ptrace.SpanKindUnspecified
}

// stamp is t in pdata's unix nanoseconds; the zero time is 0 (unset).
func stamp(t time.Time) pcommon.Timestamp {
	if t.IsZero() {
		return 0
	}
	return pcommon.NewTimestampFromTime(t)
}

func putResource(pr pcommon.Resource, r *resource.Resource) {
	if r != nil {
		putAttributes(pr.Attributes(), r.Attributes())
	}
}

func putScope(ps pcommon.InstrumentationScope, sc instrumentation.Scope) {
	ps.SetName(sc.Name)
	ps.SetVersion(sc.Version)
	putAttributes(ps.Attributes(), sc.Attributes.ToSlice())
}

func putAttributes(m pcommon.Map, kvs []attribute.KeyValue) {
	m.EnsureCapacity(len(kvs))
	for _, kv := range kvs {
		putValue(m.PutEmpty(string(kv.Key)), kv.Value)
	}
}

func putValue(v pcommon.Value, a attribute.Value) {
	switch a.Type() {
	case attribute.BOOL:
		v.SetBool(a.AsBool())
	case attribute.INT64:
		v.SetInt(a.AsInt64())
	case attribute.FLOAT64:
		v.SetDouble(a.AsFloat64())
	case attribute.STRING:
		v.SetStr(a.AsString())
	case attribute.BOOLSLICE:
		s := v.SetEmptySlice()
		for _, x := range a.AsBoolSlice() {
			s.AppendEmpty().SetBool(x)
		}
	case attribute.INT64SLICE:
		s := v.SetEmptySlice()
		for _, x := range a.AsInt64Slice() {
			s.AppendEmpty().SetInt(x)
		}
	case attribute.FLOAT64SLICE:
		s := v.SetEmptySlice()
		for _, x := range a.AsFloat64Slice() {
			s.AppendEmpty().SetDouble(x)
		}
	case attribute.STRINGSLICE:
		s := v.SetEmptySlice()
		for _, x := range a.AsStringSlice() {
			s.AppendEmpty().SetStr(x)
		}
	default:
		v.SetStr(a.Emit())
	}
}

// errAggregation is returned for a metric kind that Metrics does not carry.
var errAggregation = errors.New("otel: unsupported metric aggregation")

// Metrics converts SDK metric data to pdata: gauges, sums and explicit
// histograms, int64 or float64.
func Metrics(rm *metricdata.ResourceMetrics) (pmetric.Metrics, error) {
	md := pmetric.NewMetrics()
	rs := md.ResourceMetrics().AppendEmpty()
	putResource(rs.Resource(), rm.Resource)
	if rm.Resource != nil {
		rs.SetSchemaUrl(rm.Resource.SchemaURL())
	}
	for _, sm := range rm.ScopeMetrics {
		ss := rs.ScopeMetrics().AppendEmpty()
		putScope(ss.Scope(), sm.Scope)
		ss.SetSchemaUrl(sm.Scope.SchemaURL)
		for _, m := range sm.Metrics {
			pm := ss.Metrics().AppendEmpty()
			pm.SetName(m.Name)
			pm.SetDescription(m.Description)
			pm.SetUnit(m.Unit)
			switch d := m.Data.(type) {
			case metricdata.Gauge[int64]:
				putNumbers(pm.SetEmptyGauge().DataPoints(), d.DataPoints)
			case metricdata.Gauge[float64]:
				putNumbers(pm.SetEmptyGauge().DataPoints(), d.DataPoints)
			case metricdata.Sum[int64]:
				putSum(pm.SetEmptySum(), d)
			case metricdata.Sum[float64]:
				putSum(pm.SetEmptySum(), d)
			case metricdata.Histogram[float64]:
				putHistogram(pm.SetEmptyHistogram(), d)
			case metricdata.Histogram[int64]:
				putHistogram(pm.SetEmptyHistogram(), d)
			default:
				return md, fmt.Errorf("%w: %s is %T", errAggregation, m.Name, m.Data)
			}
		}
	}
	return md, nil
}

func temporality(t metricdata.Temporality) pmetric.AggregationTemporality {
	switch t {
	case metricdata.CumulativeTemporality:
		return pmetric.AggregationTemporalityCumulative
	case metricdata.DeltaTemporality:
		return pmetric.AggregationTemporalityDelta
	}
	return pmetric.AggregationTemporalityUnspecified
}

func putSum[N int64 | float64](ps pmetric.Sum, d metricdata.Sum[N]) {
	ps.SetAggregationTemporality(temporality(d.Temporality))
	ps.SetIsMonotonic(d.IsMonotonic)
	putNumbers(ps.DataPoints(), d.DataPoints)
}

func putNumbers[N int64 | float64](ps pmetric.NumberDataPointSlice, dps []metricdata.DataPoint[N]) {
	ps.EnsureCapacity(len(dps))
	for _, dp := range dps {
		p := ps.AppendEmpty()
		putAttributes(p.Attributes(), dp.Attributes.ToSlice())
		p.SetStartTimestamp(stamp(dp.StartTime))
		p.SetTimestamp(stamp(dp.Time))
		switch v := any(dp.Value).(type) {
		case int64:
			p.SetIntValue(v)
		case float64:
			p.SetDoubleValue(v)
		}
	}
}

func putHistogram[N int64 | float64](ph pmetric.Histogram, d metricdata.Histogram[N]) {
	ph.SetAggregationTemporality(temporality(d.Temporality))
	ph.DataPoints().EnsureCapacity(len(d.DataPoints))
	for _, dp := range d.DataPoints {
		p := ph.DataPoints().AppendEmpty()
		putAttributes(p.Attributes(), dp.Attributes.ToSlice())
		p.SetStartTimestamp(stamp(dp.StartTime))
		p.SetTimestamp(stamp(dp.Time))
		p.SetCount(dp.Count)
		p.SetSum(float64(dp.Sum))
		p.ExplicitBounds().FromRaw(dp.Bounds)
		p.BucketCounts().FromRaw(dp.BucketCounts)
		if v, ok := dp.Min.Value(); ok {
			p.SetMin(float64(v))
		}
		if v, ok := dp.Max.Value(); ok {
			p.SetMax(float64(v))
		}
	}
}
