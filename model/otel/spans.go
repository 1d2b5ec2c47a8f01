package otel

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// request is what the recorder holds of one request, from its creation
// until it has ended and no server phase of it is still open (a zombie
// attempt, whose client gave up, still being served). Times are unix ns.
type request struct {
	agent, seq int32
	workload   uint8
	head       bool // kept by the head sampler
	ended      bool
	keep       bool
	outcome    model.FailureKind
	traceID    trace.TraceID
	start, end int64
	open       int // server phases not yet ended
	atts       []attempt
	phases     []phase
}

// attempt is one attempt at a request: sent (or given up before it could
// be) until its retry, or the request's outcome.
type attempt struct {
	sent, ended, retried bool
	answered             bool              // the server answered it (its status is answer)
	outcome              model.FailureKind // the client's view
	answer               model.FailureKind
	start, end           int64
}

// phaseEnd is how a server phase ended.
type phaseEnd uint8

const (
	endNormal   phaseEnd = iota // a queue wait ended in service; a service in an answer
	endFailure                  // the server's answer was a failure
	endRequeued                 // the worker crashed and the attempt went back to the queue
	endDropped                  // dropped because its client had given up
)

// phase is one stretch of an attempt at the server: a queue wait
// (Enqueued or Requeued → Started) or a service (Started → its end).
type phase struct {
	att        int32
	service    bool
	open       bool
	how        phaseEnd
	failure    model.FailureKind
	worker     int32
	depth      int32
	start, end int64
}

// transition is a change of the detector's state, a span event of the
// requests in flight then.
type transition struct {
	t        int64
	state    model.State
	rule     model.Rule
	throttle kernel.Duration
}

// maxTransitions bounds the detector transitions kept for span events: a
// request sees those of the last maxTransitions changes only.
const maxTransitions = 256

func key(agent, seq int32) uint64 { return uint64(uint32(agent))<<32 | uint64(uint32(seq)) }

// att returns attempt k of the request, adding it (never sent, at t) and
// any before it if need be.
func (q *request) att(k int, t int64) *attempt {
	for len(q.atts) <= k {
		q.atts = append(q.atts, attempt{start: t, end: t})
	}
	return &q.atts[k]
}

// openPhase returns attempt k's open phase, or nil.
func (q *request) openPhase(k int) *phase {
	for i := len(q.phases) - 1; i >= 0; i-- {
		if p := &q.phases[i]; int(p.att) == k && p.open {
			return p
		}
	}
	return nil
}

func (p *phase) close(t int64, how phaseEnd, failure model.FailureKind) {
	p.end, p.open, p.how, p.failure = t, false, how, failure
}

// trackRequest follows one lifecycle event into the request's record and
// emits its spans once it is over.
func (r *Recorder) trackRequest(e model.Event, t int64) {
	if e.Type == model.Created {
		r.newRequest(e, t)
		return
	}
	k := key(e.Agent, e.Seq)
	q := r.reqs[k]
	if q == nil {
		return // not kept, and ended already
	}
	n := int(e.Attempt)
	switch e.Type {
	case model.Sent:
		a := q.att(n, t)
		a.sent, a.start, a.end = true, t, t
	case model.Enqueued:
		q.open++
		q.phases = append(q.phases, phase{att: int32(n), open: true, worker: -1, depth: e.Depth, start: t})
	case model.Rejected:
		a := q.att(n, t)
		a.answered, a.answer = true, e.Failure
	case model.Started:
		if p := q.openPhase(n); p != nil {
			p.close(t, endNormal, model.NoFailure)
		}
		q.phases = append(q.phases, phase{att: int32(n), service: true, open: true, worker: e.Worker, depth: e.Depth, start: t})
	case model.Responded:
		if p := q.openPhase(n); p != nil {
			how := endNormal
			if e.Failure != model.NoFailure {
				how = endFailure
			}
			p.close(t, how, e.Failure)
			q.open--
		}
		a := q.att(n, t)
		a.answered, a.answer = true, e.Failure
	case model.Requeued:
		if p := q.openPhase(n); p != nil {
			p.close(t, endRequeued, model.Crashed)
		}
		q.phases = append(q.phases, phase{att: int32(n), open: true, worker: -1, depth: e.Depth, start: t})
	case model.Dropped:
		if p := q.openPhase(n); p != nil {
			p.close(t, endDropped, model.NoFailure)
			q.open--
		}
	case model.Retried:
		a := q.att(n, t)
		a.end, a.ended, a.retried, a.outcome = t, true, true, e.Failure
	case model.Completed, model.Failed:
		q.end, q.ended, q.outcome = t, true, e.Failure
		if a := q.att(n, t); !a.ended {
			a.end, a.ended, a.outcome = t, true, e.Failure
		}
		q.keep = q.head || e.Failure != model.NoFailure || r.slow(e.Latency)
		if !q.keep {
			r.release(k, q)
			return
		}
	}
	if q.ended && q.open == 0 {
		r.emit(q)
		r.release(k, q)
	}
}

func (r *Recorder) newRequest(e model.Event, t int64) {
	var q *request
	if n := len(r.spare); n > 0 {
		q = r.spare[n-1]
		r.spare = r.spare[:n-1]
	} else {
		q = new(request)
	}
	atts, phases := q.atts[:0], q.phases[:0]
	*q = request{agent: e.Agent, seq: e.Seq, workload: e.Workload, start: t, atts: atts, phases: phases}
	q.traceID = r.ids.traceID(e.Agent, e.Seq)
	q.head = r.sampler.ShouldSample(sdktrace.SamplingParameters{ParentContext: r.ctx, TraceID: q.traceID}).Decision == sdktrace.RecordAndSample
	r.reqs[key(e.Agent, e.Seq)] = q
}

func (r *Recorder) release(k uint64, q *request) {
	delete(r.reqs, k)
	r.spare = append(r.spare, q)
}

// slow reports whether a request of end-to-end latency lat is kept as slow.
func (r *Recorder) slow(lat kernel.Duration) bool {
	limit := r.opt.Slow
	if limit == 0 {
		limit = 2 * r.lastP95
	}
	return limit > 0 && lat >= limit
}

// Attribute keys of the model's own figures.
const (
	attrAgent    = attribute.Key("agentchaos.agent")
	attrSeq      = attribute.Key("agentchaos.request.seq")
	attrWorkload = attribute.Key("agentchaos.workload")
	attrAttempts = attribute.Key("agentchaos.request.attempts")
	attrAttempt  = attribute.Key("agentchaos.attempt")
	attrSent     = attribute.Key("agentchaos.attempt.sent")
	attrDepth    = attribute.Key("agentchaos.queue.depth")
	attrWorker   = attribute.Key("agentchaos.worker")
	attrState    = attribute.Key("agentchaos.detector.state")
	attrRule     = attribute.Key("agentchaos.detector.rule")
	attrThrottle = attribute.Key("agentchaos.throttle.delay")
	attrOutcome  = attribute.Key("agentchaos.outcome")
)

// errorDropped is the error.type of a server phase dropped because its
// client had given up (deadline propagation).
const errorDropped = "DROPPED"

// emit turns a kept request into its spans: the root (the agent's view),
// one client span per attempt, and under each its server phases.
func (r *Recorder) emit(q *request) {
	stubs := r.stubs[:0]
	rootSC := r.spanContext(q, 0, roleRoot)
	attrs := []attribute.KeyValue{attrAgent.Int(int(q.agent)), attrSeq.Int(int(q.seq)),
		attrWorkload.String(r.workloads[q.workload]), attrAttempts.Int(len(q.atts))}
	attrs = appendOutcome(attrs, q.outcome, true)
	stubs = append(stubs, r.stub(r.workloads[q.workload], rootSC, trace.SpanContext{}, trace.SpanKindInternal,
		q.start, q.end, attrs, r.rootEvents(q), q.outcome.String()))
	for k := range q.atts {
		a := &q.atts[k]
		sc := r.spanContext(q, k, roleAttempt)
		var attrs []attribute.KeyValue
		if k > 0 {
			attrs = append(attrs, semconv.HTTPRequestResendCount(k))
		}
		if !a.sent {
			attrs = append(attrs, attrSent.Bool(false))
		}
		// The status code is the server's answer, when the client took it.
		attrs = appendOutcome(attrs, a.outcome, a.answered && a.answer == a.outcome)
		var events []sdktrace.Event
		if a.outcome == model.ConnectionReset {
			events = append(events, exception(a.end, a.outcome, "the network reset the connection"))
		}
		stubs = append(stubs, r.stub("attempt", sc, rootSC, trace.SpanKindClient, a.start, a.end, attrs, events, a.outcome.String()))
		for i := range q.phases {
			if p := &q.phases[i]; int(p.att) == k {
				stubs = append(stubs, r.phaseStub(q, k, i, p, sc))
			}
		}
	}
	r.stubs = stubs
	r.out(stubs)
}

// phaseStub is the span of server phase i of attempt k.
func (r *Recorder) phaseStub(q *request, k, i int, p *phase, parent trace.SpanContext) tracetest.SpanStub {
	sc := r.spanContext(q, k, rolePhase+i)
	var attrs []attribute.KeyValue
	var events []sdktrace.Event
	name, kind, failure := "queue wait", trace.SpanKindInternal, ""
	if p.service {
		name, kind = "service", trace.SpanKindServer
		attrs = append(attrs, attrWorker.Int(int(p.worker)))
	} else {
		attrs = append(attrs, attrDepth.Int(int(p.depth)))
	}
	switch p.how {
	case endNormal:
		if p.service {
			attrs = appendOutcome(attrs, model.NoFailure, true)
		}
	case endFailure:
		attrs = appendOutcome(attrs, p.failure, p.service)
		failure = p.failure.String()
	case endRequeued:
		attrs = append(attrs, semconv.ErrorTypeKey.String(model.Crashed.String()))
		failure = model.Crashed.String()
	case endDropped:
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorDropped))
		failure = errorDropped
	}
	switch {
	case p.failure == model.FaultError:
		events = append(events, exception(p.end, p.failure, "the fault injector failed the request after service"))
	case p.failure == model.Crashed && p.how == endRequeued:
		events = append(events, exception(p.end, p.failure, "the worker crashed; the request went back to the head of the queue"))
	case p.failure == model.Crashed:
		events = append(events, exception(p.end, p.failure, "the worker crashed"))
	}
	return r.stub(name, sc, parent, kind, p.start, p.end, attrs, events, failure)
}

// appendOutcome adds error.type for a failure and, if withStatus, the HTTP
// status of the outcome when it has one.
func appendOutcome(attrs []attribute.KeyValue, f model.FailureKind, withStatus bool) []attribute.KeyValue {
	if withStatus && f.Status() > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(f.Status()))
	}
	if f != model.NoFailure {
		attrs = append(attrs, semconv.ErrorTypeKey.String(f.String()))
	}
	return attrs
}

func exception(t int64, f model.FailureKind, msg string) sdktrace.Event {
	return sdktrace.Event{Name: semconv.ExceptionEventName, Time: time.Unix(0, t).UTC(),
		Attributes: []attribute.KeyValue{semconv.ExceptionType(f.String()), semconv.ExceptionMessage(msg)}}
}

// rootEvents are the request's retries and the detector's transitions
// during its life, in time order.
func (r *Recorder) rootEvents(q *request) []sdktrace.Event {
	var events []sdktrace.Event
	ti := 0
	n := r.nTransitions
	first := max(0, n-maxTransitions)
	addTransitions := func(until int64) {
		for ; first+ti < n; ti++ {
			tr := r.transitions[(first+ti)%maxTransitions]
			if tr.t > until {
				return
			}
			if tr.t > q.start {
				events = append(events, sdktrace.Event{Name: "detector", Time: time.Unix(0, tr.t).UTC(),
					Attributes: []attribute.KeyValue{attrState.String(tr.state.String()), attrRule.String(tr.rule.String()),
						attrThrottle.Float64(tr.throttle.Seconds())}})
			}
		}
	}
	for k := range q.atts {
		if a := &q.atts[k]; a.retried {
			addTransitions(a.end)
			events = append(events, sdktrace.Event{Name: "retry", Time: time.Unix(0, a.end).UTC(),
				Attributes: []attribute.KeyValue{attrAttempt.Int(k), semconv.ErrorTypeKey.String(a.outcome.String())}})
		}
	}
	addTransitions(q.end)
	return events
}

func (r *Recorder) spanContext(q *request, k, role int) trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: q.traceID,
		SpanID: r.ids.spanID(q.agent, q.seq, k, role), TraceFlags: trace.FlagsSampled})
}

// stub is one finished span; failure, if not empty, sets an error status.
func (r *Recorder) stub(name string, sc, parent trace.SpanContext, kind trace.SpanKind, start, end int64,
	attrs []attribute.KeyValue, events []sdktrace.Event, failure string) tracetest.SpanStub {
	s := tracetest.SpanStub{Name: name, SpanContext: sc, Parent: parent, SpanKind: kind,
		StartTime: time.Unix(0, start).UTC(), EndTime: time.Unix(0, end).UTC(),
		Attributes: attrs, Events: events, Resource: r.res, InstrumentationScope: r.scope}
	if failure != "" {
		s.Status = sdktrace.Status{Code: codes.Error, Description: failure}
	}
	return s
}
