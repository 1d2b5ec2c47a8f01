package otel

import (
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/agentchaos/agentchaos/model"
)

// The metrics, in the order a MetricsData line lists them. Counters are
// cumulative from the start of the run; gauges are read at the end of each
// control period.
const (
	mCreated        = iota // requests created
	mEnded                 // requests ended, by outcome
	mSent                  // attempts sent
	mRetried               // attempts retried
	mDuration              // request duration histogram, by error.type
	mDepth                 // queue depth
	mSaturation            // depth / buffer
	mBusy                  // workers busy
	mState                 // detector state
	mGrowth                // dQ/dt
	mP95                   // rolling p95
	mThrottle              // throttle delay
	mLimit                 // server concurrency limit (with a limiter)
	mCoDel                 // CoDel dropping (with CoDel)
	mClientThrottle        // clients' adaptive-throttle probability (with one)
	mSLOHolds              // steady-state hypothesis holds (with an SLO)
	numMetrics
)

type metricKind uint8

const (
	counter metricKind = iota
	gauge
	histogram
)

type metricDef struct {
	name, unit, desc string
	kind             metricKind
	float            bool
}

var metricDefs = [numMetrics]metricDef{
	mCreated:        {"agentchaos.requests.created", "{request}", "Requests created by the agents.", counter, false},
	mEnded:          {"agentchaos.requests.ended", "{request}", "Requests ended, by outcome (OK or the failure kind).", counter, false},
	mSent:           {"agentchaos.attempts.sent", "{attempt}", "Attempts sent by the clients (first tries and retries).", counter, false},
	mRetried:        {"agentchaos.attempts.retried", "{attempt}", "Attempts that failed and were retried.", counter, false},
	mDuration:       {"agentchaos.request.duration", "s", "End-to-end duration of ended requests (the agent's view), by error.type.", histogram, true},
	mDepth:          {"agentchaos.queue.depth", "{request}", "Requests waiting in the queue.", gauge, false},
	mSaturation:     {"agentchaos.queue.saturation", "1", "Queue depth over its buffer.", gauge, true},
	mBusy:           {"agentchaos.workers.busy", "{worker}", "Workers serving an attempt.", gauge, false},
	mState:          {"agentchaos.detector.state", "1", "The collapse detector's state: 0 STABLE, 1 DEGRADED, 2 COLLAPSED.", gauge, false},
	mGrowth:         {"agentchaos.detector.growth", "{request}/s", "Queue growth dQ/dt = λ − μ over the control period.", gauge, true},
	mP95:            {"agentchaos.detector.p95", "s", "Rolling p95 latency over the detector's window.", gauge, true},
	mThrottle:       {"agentchaos.throttle.delay", "s", "The throttle's extra delay before an agent's next request.", gauge, true},
	mLimit:          {"agentchaos.server.concurrency_limit", "{request}", "The server's adaptive concurrency limit.", gauge, true},
	mCoDel:          {"agentchaos.queue.codel.dropping", "1", "Whether CoDel is dropping (1) or not (0).", gauge, false},
	mClientThrottle: {"agentchaos.client.throttle.probability", "1", "The clients' mean adaptive-throttle rejection probability.", gauge, true},
	mSLOHolds:       {"agentchaos.slo.holds", "1", "Whether the steady-state hypothesis holds (1) or not (0).", gauge, false},
}

// metricBatch is how many control periods a simulation puts in one
// MetricsData line.
const metricBatch = 64

// maxKinds bounds the failure kinds counted by outcome (a FailureKind is a uint8).
const maxKinds = 256

// metrics keeps the run's counters and, in a simulation, the data points
// of the periods not yet exported.
type metrics struct {
	epoch int64
	on    [numMetrics]bool

	counts     [mRetried + 1]uint64 // mCreated, mSent, mRetried (mEnded is by outcome)
	ended      [maxKinds]uint64
	outcomeSet [maxKinds]*attribute.Set
	errorSet   [maxKinds]*attribute.Set
	busy       int
	bounds     []float64
	hist       [maxKinds]*durations

	// Simulation: the points of the periods not yet exported.
	periods int
	ints    [numMetrics][]metricdata.DataPoint[int64]
	floats  [numMetrics][]metricdata.DataPoint[float64]
	hists   []metricdata.HistogramDataPoint[float64]

	live *instruments
}

// durations is a cumulative explicit-bucket histogram of durations in s.
type durations struct {
	counts        []uint64
	n             uint64
	sum, min, max float64
}

func newMetrics(cfg *model.Config, epoch int64) *metrics {
	m := &metrics{epoch: epoch, bounds: durationBounds(cfg)}
	for i := range m.on {
		m.on[i] = i < mLimit
	}
	m.on[mLimit] = cfg.Queue.Limit != nil
	m.on[mCoDel] = cfg.Queue.CoDel != nil
	m.on[mClientThrottle] = cfg.Client.Throttle.K > 0
	for _, g := range cfg.Agents.Groups {
		if g.Client != nil && g.Client.Throttle.K > 0 {
			m.on[mClientThrottle] = true
		}
	}
	m.on[mSLOHolds] = cfg.SLO != (model.SLOConfig{})
	return m
}

// durationBounds are explicit bucket bounds that fit the run: a 1-2-5
// series over four decades from about half a request's mean service
// demand, written as decimals so they read as they print.
func durationBounds(cfg *model.Config) []float64 {
	var work, weight float64
	for _, w := range cfg.Agents.Mix {
		work += float64(w.Weight * w.Work)
		weight += w.Weight
	}
	demand := cfg.Workers.Overhead
	if weight > 0 {
		demand += float64(work / weight * cfg.Workers.Service.MeanValue())
	}
	if !(demand > 0) {
		demand = 1e-3
	}
	// The largest 1-2-5 value at most demand/2, as mantissa·10^exp.
	mant, exp := 1, -9
	for {
		next, nexp := mant*2, exp
		switch mant {
		case 2:
			next = 5
		case 5:
			next, nexp = 1, exp+1
		}
		if decimal(next, nexp) > demand/2 || nexp > 3 {
			break
		}
		mant, exp = next, nexp
	}
	var b []float64
	for range 13 {
		b = append(b, decimal(mant, exp))
		switch mant {
		case 1:
			mant = 2
		case 2:
			mant = 5
		default:
			mant, exp = 1, exp+1
		}
	}
	return b
}

// decimal is mant·10^exp, the float64 nearest the decimal number.
func decimal(mant, exp int) float64 {
	v, _ := strconv.ParseFloat(strconv.Itoa(mant)+"e"+strconv.Itoa(exp), 64)
	return v
}

func (m *metrics) outcomeAttrs(f model.FailureKind) *attribute.Set {
	if m.outcomeSet[f] == nil {
		name := "OK"
		if f != model.NoFailure {
			name = f.String()
		}
		s := attribute.NewSet(attrOutcome.String(name))
		m.outcomeSet[f] = &s
	}
	return m.outcomeSet[f]
}

func (m *metrics) errorAttrs(f model.FailureKind) *attribute.Set {
	if m.errorSet[f] == nil {
		s := attribute.NewSet()
		if f != model.NoFailure {
			s = attribute.NewSet(semconv.ErrorTypeKey.String(f.String()))
		}
		m.errorSet[f] = &s
	}
	return m.errorSet[f]
}

// observe counts one event.
func (m *metrics) observe(e model.Event, r *Recorder) {
	switch e.Type {
	case model.Created:
		m.counts[mCreated]++
	case model.Sent:
		m.counts[mSent]++
	case model.Retried:
		m.counts[mRetried]++
	case model.Started:
		m.busy++
	case model.Requeued:
		m.busy--
	case model.Responded, model.Dropped:
		if e.Worker >= 0 {
			m.busy--
		}
	case model.Completed, model.Failed:
		m.ended[e.Failure]++
		lat := e.Latency.Seconds()
		if m.live != nil {
			m.live.duration.Record(r.ctx, lat, m.live.errorOpt(m, e.Failure))
			return
		}
		h := m.hist[e.Failure]
		if h == nil {
			h = &durations{counts: make([]uint64, len(m.bounds)+1), min: lat, max: lat}
			m.hist[e.Failure] = h
		}
		i := 0
		for i < len(m.bounds) && lat > m.bounds[i] {
			i++
		}
		h.counts[i]++
		h.n++
		h.sum += lat
		h.min, h.max = min(h.min, lat), max(h.max, lat)
	}
}

// gaugeValue is gauge i's reading in sample s; ok is false when it has none.
func (m *metrics) gaugeValue(i int, s *model.Sample) (v float64, ok bool) {
	b := func(x bool) float64 {
		if x {
			return 1
		}
		return 0
	}
	switch i {
	case mDepth:
		return float64(s.Depth), true
	case mSaturation:
		return s.Saturation, true
	case mBusy:
		return float64(m.busy), true
	case mState:
		return float64(s.State), true
	case mGrowth:
		return s.Growth, true
	case mP95:
		return s.P95, s.P95 == s.P95
	case mThrottle:
		return s.Throttle.Seconds(), true
	case mLimit:
		return s.Limit, true
	case mCoDel:
		return b(s.CoDelDropping), true
	case mClientThrottle:
		return s.ClientThrottle, true
	case mSLOHolds:
		return b(s.SLO.Holds), s.SLO.Evaluated
	}
	return 0, false
}

// sample records one control period's points, stamped t (unix ns).
func (m *metrics) sample(s *model.Sample, t int64, r *Recorder) {
	if m.live != nil {
		m.live.sample(m, s, r)
		return
	}
	now, start := time.Unix(0, t).UTC(), time.Unix(0, m.epoch).UTC()
	for _, i := range []int{mCreated, mSent, mRetried} {
		m.ints[i] = append(m.ints[i], metricdata.DataPoint[int64]{StartTime: start, Time: now, Value: int64(m.counts[i])})
	}
	for f := range m.ended {
		if m.ended[f] > 0 {
			m.ints[mEnded] = append(m.ints[mEnded], metricdata.DataPoint[int64]{Attributes: *m.outcomeAttrs(model.FailureKind(f)),
				StartTime: start, Time: now, Value: int64(m.ended[f])})
		}
	}
	for f, h := range m.hist {
		if h != nil {
			m.hists = append(m.hists, metricdata.HistogramDataPoint[float64]{Attributes: *m.errorAttrs(model.FailureKind(f)),
				StartTime: start, Time: now, Count: h.n, Bounds: m.bounds, BucketCounts: append([]uint64(nil), h.counts...),
				Min: metricdata.NewExtrema(h.min), Max: metricdata.NewExtrema(h.max), Sum: h.sum})
		}
	}
	for i := mDepth; i < numMetrics; i++ {
		v, ok := m.gaugeValue(i, s)
		if !m.on[i] || !ok {
			continue
		}
		if metricDefs[i].float {
			m.floats[i] = append(m.floats[i], metricdata.DataPoint[float64]{Time: now, Value: v})
		} else {
			m.ints[i] = append(m.ints[i], metricdata.DataPoint[int64]{Time: now, Value: int64(v)})
		}
	}
	m.periods++
	if m.periods%metricBatch == 0 {
		m.flush(r)
	}
}

// flush exports the points gathered since the last flush as one
// ResourceMetrics.
func (m *metrics) flush(r *Recorder) {
	if m.live != nil {
		return
	}
	var out []metricdata.Metrics
	for i := range numMetrics {
		d := metricDefs[i]
		md := metricdata.Metrics{Name: d.name, Description: d.desc, Unit: d.unit}
		switch {
		case d.kind == histogram && len(m.hists) > 0:
			md.Data = metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality, DataPoints: m.hists}
		case d.kind == counter && len(m.ints[i]) > 0:
			md.Data = metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true, DataPoints: m.ints[i]}
		case d.kind == gauge && d.float && len(m.floats[i]) > 0:
			md.Data = metricdata.Gauge[float64]{DataPoints: m.floats[i]}
		case d.kind == gauge && !d.float && len(m.ints[i]) > 0:
			md.Data = metricdata.Gauge[int64]{DataPoints: m.ints[i]}
		default:
			continue
		}
		out = append(out, md)
	}
	if len(out) > 0 && r.err == nil {
		rm := &metricdata.ResourceMetrics{Resource: r.res,
			ScopeMetrics: []metricdata.ScopeMetrics{{Scope: r.scope, Metrics: out}}}
		for _, e := range r.dest.metricExporters() {
			if err := e.Export(r.ctx, rm); err != nil {
				r.fail(fmt.Errorf("exporting metrics: %w", err))
				break
			}
		}
	}
	for i := range numMetrics {
		m.ints[i], m.floats[i] = m.ints[i][:0], m.floats[i][:0]
	}
	m.hists = m.hists[:0]
}
