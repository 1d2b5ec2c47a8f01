package model

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/agentchaos/agentchaos/kernel"
)

// Percentile modes of the telemetry.
const (
	// ExactPercentiles keeps every latency: exact percentiles, memory linear
	// in requests.
	ExactPercentiles = "exact"
	// SketchPercentiles keeps a log-linear histogram: memory bounded,
	// percentiles within a relative error of 2⁻⁹ (see Sketch).
	SketchPercentiles = "sketch"
)

// TelemetryConfig chooses how run-wide percentiles are kept.
type TelemetryConfig struct {
	Percentiles string `json:"percentiles,omitempty"` // ExactPercentiles (default) or SketchPercentiles
}

func (t *TelemetryConfig) validate(v *validator, _ *Config) {
	switch t.Percentiles {
	case "", ExactPercentiles, SketchPercentiles:
	default:
		v.fail("telemetry.percentiles", fmt.Sprintf("must be %q or %q, not %q", ExactPercentiles, SketchPercentiles, t.Percentiles))
	}
}

// telemetry turns the event stream into run-wide statistics and the
// per-period figures the detector reads. It is a Sink.
//
// Latency is completion − creation of every request a worker finished:
// served ones and those the fault injector failed after service (a 500
// takes as long as a 200, and a load tester's response time counts both).
// Rejected and timed-out requests never reached a worker and have none. The
// error rate is failed / created, failures of every kind counted (rejected
// at the door, failed by a fault after service, timed out in the queue).
type telemetry struct {
	buffer  int
	workers int // 0: an unbounded pool

	Created, Accepted, Served uint64
	Finished                  uint64                  // requests a worker finished: served or failed by a fault
	FailedBy                  [numFailureKinds]uint64 // requests' final failures, by kind

	Sent      uint64                  // attempts sent
	RetriedBy [numFailureKinds]uint64 // attempts that failed and were retried, by cause
	Answered  uint64                  // attempts a worker finished (the server's work)
	Dropped   uint64                  // attempts the server dropped because their client gave up

	// Run-wide latency of finished requests (served, or failed by a fault
	// after service).
	exact   []int64 // every latency, in Exact mode
	sorted  int     // exact[:sorted] is sorted (and was all of it)
	sortBuf []int64 // sortLatencies' scratch
	sketch  *sketch // in Sketch mode
	latSum  int64   // ns; int64 holds 292 years of summed latency
	latMax  int64
	lastT   kernel.Time
	depth   int
	inSys   int
	areaQ   float64 // ∫ depth dt, request·ns
	areaN   float64 // ∫ in-system dt, request·ns
	sojourn int64   // Σ time in the server of accepted attempts that left, ns
	left    uint64  // accepted attempts that left (answered, timed out, dropped)

	// The current control period.
	period periodCounts

	// Completions in the rolling window, for its p95.
	window   rollingWindow
	lastTick kernel.Time
	busyAt   float64 // the workers' busy time up to lastTick, worker·ns

	// next, when the run has a steady-state hypothesis or sinks, is the
	// Recorder that passes every event on to them after the telemetry
	// (nil otherwise): calling it from here keeps Recorder.observe small
	// enough to inline.
	next *Recorder
}

type periodCounts struct {
	created, arrived, drained, completed uint64
	rejected                             uint64 // arrivals turned away at once
	sent, retried, answered, goodput     uint64
	failed                               [numFailureKinds]uint64
	latSum, latMax                       int64
}

// newTelemetry returns telemetry for a queue of the given buffer size and a
// pool of the given number of workers (0: unbounded), with a rolling window
// of the given length and the given percentile mode, its buffers grown from
// a's.
func newTelemetry(buffer, workers int, window kernel.Duration, mode string, a *arena) *telemetry {
	t := &telemetry{buffer: buffer, workers: workers, window: a.windows[0].renewed(window)}
	switch {
	case mode != SketchPercentiles:
		t.exact, t.sortBuf = a.exact, a.sortBuf
	case a.sketch != nil:
		*a.sketch = sketch{}
		t.sketch = a.sketch
	default:
		t.sketch = new(sketch)
	}
	return t
}

// observe consumes one event. O(1) amortised; allocates only to grow its
// buffers.
func (t *telemetry) observe(e *Event) {
	if e.T > t.lastT {
		dt := float64(e.T - t.lastT)
		t.areaQ += float64(float64(t.depth) * dt)
		t.areaN += float64(float64(t.inSys) * dt)
		t.lastT = e.T
	}
	t.depth = int(e.Depth)
	switch e.Type {
	case Created:
		t.Created++
		t.period.created++
	case Sent:
		t.Sent++
		t.period.sent++
	case Enqueued:
		t.Accepted++
		t.inSys++
		t.period.arrived++
	case Rejected:
		t.period.arrived++
		t.period.rejected++
	case Started:
		t.period.drained++
	case Responded:
		t.left++
		t.inSys--
		t.sojourn += int64(e.Latency)
		switch {
		case e.Worker < 0:
			t.period.drained++ // it left the queue without a worker (504)
		case e.Failure != Crashed:
			t.Answered++
			t.period.answered++
		}
	case Requeued:
		t.period.arrived++ // back in the queue: it will be drained again
	case Dropped:
		t.Dropped++
		t.left++
		t.inSys--
		t.sojourn += int64(e.Latency)
		if e.Worker < 0 {
			t.period.drained++
		}
	case Retried:
		t.RetriedBy[e.Failure]++
		t.period.retried++
	case Completed:
		t.Served++
		t.period.goodput++
		t.finished(e)
		return
	case Failed:
		t.FailedBy[e.Failure]++
		t.period.failed[e.Failure]++
		if e.Failure == FaultError {
			t.finished(e)
			return
		}
	}
	if t.next != nil {
		t.next.observeOthers(e)
	}
}

// finished records the latency of a request a worker finished, then
// passes the event on as observe does. observe returns right after it:
// nothing of observe's is needed after a call, so nothing is saved on
// the stack for one on the way of every event.
func (t *telemetry) finished(e *Event) {
	lat := int64(e.Latency)
	if t.sketch != nil {
		t.sketch.Add(lat)
	} else {
		t.exact = append(t.exact, lat)
	}
	t.latSum += lat
	if lat > t.latMax {
		t.latMax = lat
	}
	t.Finished++
	t.period.completed++
	t.period.latSum += lat
	if lat > t.period.latMax {
		t.period.latMax = lat
	}
	t.window.Add(e.T, e.Latency, true)
	if t.next != nil {
		t.next.observeOthers(e)
	}
}

// Failed returns the number of failed requests of every kind.
func (t *telemetry) Failed() uint64 {
	var n uint64
	for _, c := range t.FailedBy {
		n += c
	}
	return n
}

// LastEvent returns the time of the last event (0 before any): events come
// in time order.
func (t *telemetry) LastEvent() kernel.Time { return t.lastT }

// Depth returns the queue depth after the last event.
func (t *telemetry) Depth() int { return t.depth }

// sample closes the control period ending at now: it fills the period's
// figures into s and starts the next period. busy is the workers' busy
// time since the start of the run, ∫ (workers in service) dt in worker·ns.
func (t *telemetry) sample(now kernel.Time, busy float64, s *Sample) {
	s.T = now
	s.Depth = t.depth
	if t.buffer > 0 {
		s.Saturation = float64(t.depth) / float64(t.buffer)
	}
	length := now.Sub(t.lastTick)
	if length > 0 {
		// The fluid model's dQ/dt = λ − μ: requests offered minus requests
		// that left the queue, per second. Rejected arrivals count: a full
		// buffer that turns work away still has λ > μ.
		s.Growth = (float64(t.period.arrived) - float64(t.period.drained)) / length.Seconds()
		if t.workers > 0 {
			s.Busy = (busy - t.busyAt) / float64(float64(t.workers)*float64(length))
		}
	}
	t.busyAt = busy
	if t.buffer == 0 && t.period.arrived > 0 {
		// No waiting room: the share of arrivals the busy workers turned
		// away is how full the server is.
		s.Saturation = float64(t.period.rejected) / float64(t.period.arrived)
	}
	s.Created = t.period.created
	s.Sent = t.period.sent
	s.Retried = t.period.retried
	s.Answered = t.period.answered
	s.Goodput = t.period.goodput
	s.Completed = t.period.completed
	s.FailedBy = t.period.failed
	if t.period.completed > 0 {
		s.MeanLatency = kernel.Duration(t.period.latSum / int64(t.period.completed)).Seconds()
		s.MaxLatency = kernel.Duration(t.period.latMax).Seconds()
	}
	t.period = periodCounts{}
	t.lastTick = now

	// Drop completions older than the window, then take the p95 of the rest.
	t.window.Advance(now)
	s.WindowCount = t.window.Ranked()
	s.P95 = t.window.Quantile(0.95) / 1e9
}

// LatencySeconds returns the run-wide average and the p50, p95 and p99 of
// latency in seconds (NaN when no request was finished).
func (t *telemetry) LatencySeconds() (avg, p50, p95, p99, max float64) {
	if t.Finished == 0 {
		n := math.NaN()
		return n, n, n, n, n
	}
	avg = float64(t.latSum) / float64(t.Finished) / 1e9
	max = float64(t.latMax) / 1e9
	if t.sketch != nil {
		return avg, t.sketch.Quantile(0.5) / 1e9, t.sketch.Quantile(0.95) / 1e9, t.sketch.Quantile(0.99) / 1e9, max
	}
	t.sortLatencies()
	return avg, exactQuantile(t.exact, 0.5) / 1e9, exactQuantile(t.exact, 0.95) / 1e9, exactQuantile(t.exact, 0.99) / 1e9, max
}

// Latencies returns the finished requests' latencies in nanoseconds, sorted, in Exact
// mode (nil in Sketch mode). The slice is the telemetry's own.
func (t *telemetry) Latencies() []int64 {
	if t.sketch != nil {
		return nil
	}
	t.sortLatencies()
	return t.exact
}

// sortLatencies sorts the exact latencies, once for all the finished
// requests so far: a least-significant-digit radix sort, 11 bits a pass
// over the span from the least to the largest (3 passes for spans below
// 8.6 s), several times faster than comparison sorting a run's latencies.
func (t *telemetry) sortLatencies() {
	if t.sorted == len(t.exact) {
		return
	}
	t.sorted = len(t.exact)
	xs := t.exact
	if len(xs) < 256 {
		slices.Sort(xs)
		return
	}
	lo, hi := slices.Min(xs), slices.Max(xs)
	span := uint64(hi) - uint64(lo) // exact modulo 2⁶⁴, even across 0
	const digit = 11
	if cap(t.sortBuf) < len(xs) {
		t.sortBuf = make([]int64, len(xs))
	}
	t.sortBuf = t.sortBuf[:len(xs)]
	src, dst := xs, t.sortBuf
	for shift := uint(0); shift < uint(bits.Len64(span)); shift += digit {
		var count [1<<digit + 1]int
		for _, x := range src {
			count[(uint64(x)-uint64(lo))>>shift&(1<<digit-1)+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, x := range src {
			d := (uint64(x) - uint64(lo)) >> shift & (1<<digit - 1)
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &xs[0] { // an odd number of passes ended in the buffer
		copy(xs, src)
	}
}

// exactQuantile is numpy's default (linear) percentile of sorted values.
func exactQuantile(sorted []int64, p float64) float64 {
	return interpolate(p, len(sorted), func(k int) int64 { return sorted[k] })
}

// interpolate computes numpy's linear-interpolation quantile from an order
// statistic function: h = (n−1)p, x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
// Exact products are forced (float64 conversions) so no FMA changes a bit.
func interpolate(p float64, n int, at func(int) int64) float64 {
	if n == 0 {
		return math.NaN()
	}
	h := float64(float64(n-1) * p)
	lo := int(h)
	if lo >= n-1 {
		return float64(at(n - 1))
	}
	a, b := at(lo), at(lo+1)
	return float64(a) + float64((h-float64(lo))*float64(b-a))
}

// Little returns the run's Little's-law figures from its own time averages:
// L = ∫N dt / T, λ_eff = accepted / T, W = mean time in system of accepted
// requests; L and λ_eff·W agree when the accounting is right.
func (t *telemetry) Little(end kernel.Time) LittleCheck {
	if end <= 0 || t.left == 0 {
		return LittleCheck{}
	}
	T := end.Seconds()
	c := LittleCheck{
		L:         t.areaN / 1e9 / T,
		Lq:        t.areaQ / 1e9 / T,
		LambdaEff: float64(t.Accepted) / T,
		W:         float64(t.sojourn) / float64(t.left) / 1e9,
	}
	// float64(...) keeps the product rounded on its own: fused into the
	// subtraction below (arm64 does that) it would change rel_err's bits.
	c.LambdaW = float64(c.LambdaEff * c.W)
	if c.L > 0 {
		c.RelErr = math.Abs(c.L-c.LambdaW) / c.L
	}
	return c
}

// LittleCheck is a Little's-law consistency check of one run.
type LittleCheck struct {
	L         float64 `json:"L"`          // time-average number in system
	Lq        float64 `json:"Lq"`         // time-average number waiting
	LambdaEff float64 `json:"lambda_eff"` // accepted requests per second
	W         float64 `json:"W"`          // mean time in system, seconds
	LambdaW   float64 `json:"lambda_W"`   // λ_eff·W
	RelErr    float64 `json:"rel_err"`    // |L − λ_eff·W| / L
}
