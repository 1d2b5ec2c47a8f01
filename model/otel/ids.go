package otel

import (
	"context"
	"crypto/rand"
	"encoding/binary"

	"go.opentelemetry.io/otel/trace"

	"github.com/agentchaos/agentchaos/kernel"
)

// ids derives trace and span IDs from keyed random streams, so the same run
// gives the same IDs: a request's trace ID from ("otel-trace", agent, seq),
// each span's ID from ("otel-span", agent, seq, attempt, role). Bytes are
// laid out big-endian, the same on every architecture.
type ids struct{ trace, span kernel.Family }

// Span roles within an attempt: the request's root span has attempt 0 and
// roleRoot; the attempt's own span roleAttempt; its i-th server phase
// (queue wait or service) rolePhase+i.
const (
	roleRoot = iota
	roleAttempt
	rolePhase
)

func newIDs(seed uint64) ids {
	return ids{kernel.NewFamily(seed, "otel-trace"), kernel.NewFamily(seed, "otel-span")}
}

// traceID returns the trace ID of agent's request seq (never all zeros).
func (g ids) traceID(agent, seq int32) trace.TraceID {
	st := g.trace.Stream(uint64(agent), uint64(seq))
	var t trace.TraceID
	for !t.IsValid() {
		binary.BigEndian.PutUint64(t[:8], st.Uint64())
		binary.BigEndian.PutUint64(t[8:], st.Uint64())
	}
	return t
}

// spanID returns the ID of one span of agent's request seq.
func (g ids) spanID(agent, seq int32, attempt, role int) trace.SpanID {
	st := g.span.Stream(uint64(agent), uint64(seq), uint64(attempt), uint64(role))
	var s trace.SpanID
	for !s.IsValid() {
		binary.BigEndian.PutUint64(s[:], st.Uint64())
	}
	return s
}

// idKey carries the span context a span started by the SDK is to have.
type idKey struct{}

// keyedIDs is the SDK's IDGenerator in the live mode: a span started with
// a context from withIDs gets the IDs the simulation would give it;
// any other span random ones.
type keyedIDs struct{}

func withIDs(ctx context.Context, sc trace.SpanContext) context.Context {
	return context.WithValue(ctx, idKey{}, sc)
}

func (keyedIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if sc, ok := ctx.Value(idKey{}).(trace.SpanContext); ok {
		return sc.TraceID(), sc.SpanID()
	}
	var t trace.TraceID
	for !t.IsValid() {
		rand.Read(t[:])
	}
	return t, keyedIDs{}.NewSpanID(ctx, t)
}

func (keyedIDs) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	if sc, ok := ctx.Value(idKey{}).(trace.SpanContext); ok {
		return sc.SpanID()
	}
	var s trace.SpanID
	for !s.IsValid() {
		rand.Read(s[:])
	}
	return s
}
