package model

import (
	"fmt"
	"math"
)

// Config describes one system to simulate. Durations are in seconds. The
// JSON field names are the scenario file format (see package scenarios).
type Config struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Seed is the root seed of every random stream in the run.
	Seed      uint64          `json:"seed"`
	Agents    AgentConfig     `json:"agents"`
	Queue     QueueConfig     `json:"queue"`
	Workers   WorkerConfig    `json:"workers"`
	Faults    FaultConfig     `json:"faults"`
	Detector  DetectorConfig  `json:"detector"`
	Throttle  ThrottleConfig  `json:"throttle"`
	Telemetry TelemetryConfig `json:"telemetry"`
}

// Arrival modes of an agent.
const (
	// Closed: one outstanding request; the next is created Think after the
	// previous one ends (plus backoff and throttle delays).
	Closed = "closed"
	// Poisson: requests are created independently of responses, with
	// Think as the inter-arrival time (exponential for a Poisson process).
	Poisson = "poisson"
	// Burst: BurstSize requests at once, bursts separated by Think.
	Burst = "burst"
)

// AgentConfig describes the workload generators.
type AgentConfig struct {
	Count   int    `json:"count"`
	Arrival string `json:"arrival"` // Closed, Poisson or Burst
	// Think is the think time (closed), inter-arrival time (poisson) or
	// gap between bursts (burst), in seconds.
	Think     Dist `json:"think"`
	BurstSize int  `json:"burst_size,omitempty"`
	// RequestsPerAgent is each agent's budget; 0 means no budget (then
	// Horizon must be set).
	RequestsPerAgent int `json:"requests_per_agent"`
	// Horizon stops agents creating requests after this time (seconds);
	// 0 means none. Requests in flight still finish.
	Horizon float64 `json:"horizon,omitempty"`
	// Stagger starts each agent at a uniform random time in [0, Stagger).
	Stagger float64        `json:"stagger,omitempty"`
	Mix     []WorkloadType `json:"mix"`
	Backoff BackoffConfig  `json:"backoff"`
}

// WorkloadType is one kind of request in the mix.
type WorkloadType struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"` // relative frequency
	Work   float64 `json:"work"`   // work units: multiplies the base service time
}

// BackoffConfig is a closed-loop agent's reaction to overload: after its k-th
// consecutive failure of a kind listed in On it waits
// min(Max, Base·Multiplier^(k−1)) scaled by a uniform jitter factor in
// [1−Jitter, 1] before its next request, in place of the think time. Any
// other outcome resets k. Base 0 turns backoff off.
//
// On names failure kinds (QUEUE_OVERFLOW, FAULT_ERROR, QUEUE_TIMEOUT). The
// profiles back off on the overload signals, 503 and 504, as clients honour
// Retry-After, and treat a 500 as an application error that says nothing
// about load.
type BackoffConfig struct {
	Base       float64  `json:"base"`
	Multiplier float64  `json:"multiplier,omitempty"`
	Max        float64  `json:"max,omitempty"`
	Jitter     float64  `json:"jitter,omitempty"`
	On         []string `json:"on,omitempty"`
}

// QueueConfig is the bounded async queue.
type QueueConfig struct {
	// Buffer is the number of waiting places. Requests in service do not
	// count against it: with c workers at most c+Buffer requests are in the
	// system (M/M/c/(c+Buffer) in textbook notation). A request that finds a
	// worker free never waits; one that finds every worker busy and Buffer
	// requests waiting is rejected at once (503, QUEUE_OVERFLOW).
	Buffer int `json:"buffer"`
	// Timeout fails a request that has waited this long without a worker
	// (504, QUEUE_TIMEOUT); 0 means no timeout.
	Timeout float64 `json:"timeout,omitempty"`
}

// WorkerConfig is the worker pool. A request's service time is
//
//	(Overhead + work · S) · (1 + Slowdown.Alpha · pressure^Slowdown.Gamma)
//
// with S drawn from Service and pressure = depth/Buffer, the queue's fill
// when service starts: the feedback loop by which a long queue makes the
// workers slower (contention, swapping, GC pressure), and a slower pool
// makes the queue longer.
type WorkerConfig struct {
	Count    int      `json:"count"`
	Service  Dist     `json:"service"`  // base service time per work unit, seconds
	Overhead float64  `json:"overhead"` // fixed part of every service, seconds
	Slowdown Slowdown `json:"slowdown"`
}

// Slowdown is the pressure law's parameters; Alpha 0 turns it off.
type Slowdown struct {
	Alpha float64 `json:"alpha"`
	Gamma float64 `json:"gamma,omitempty"`
}

// FaultConfig is the fault injector. Each request independently gets a
// latency spike with probability SpikeProbability, a SpikeDuration draw,
// and fails after service (500, FAULT_ERROR) with probability
// min(1, ErrorProbability + PressureError · pressure^PressureExponent).
//
// A spike stalls the worker (added to the service time: a GC pause, a lock,
// a slow dependency the worker waits on) unless SpikeInResponse is set; then
// the worker is free as soon as its work is done and the response is
// delayed on its way back to the agent (a slow network hop or proxy, as a
// toxiproxy latency toxic injects it): only that request, and its agent's
// next request, are late.
type FaultConfig struct {
	SpikeProbability float64 `json:"spike_probability"`
	SpikeDuration    Dist    `json:"spike_duration"`
	SpikeInResponse  bool    `json:"spike_in_response,omitempty"`
	ErrorProbability float64 `json:"error_probability"`
	PressureError    float64 `json:"pressure_error,omitempty"`
	PressureExponent float64 `json:"pressure_exponent,omitempty"`
}

// DetectorConfig is the collapse detector's stability model; see [Detector].
type DetectorConfig struct {
	Period float64 `json:"period"` // control period, seconds (e.g. 0.05)
	Window float64 `json:"window"` // rolling p95 window and p95-growth horizon, seconds
	// DegradedSaturation: DEGRADED when depth/Buffer reaches it.
	DegradedSaturation float64 `json:"degraded_saturation"`
	// CollapseSaturation: COLLAPSED when depth/Buffer is at least this and
	// dQ/dt has been positive for GrowthSamples consecutive periods.
	CollapseSaturation float64 `json:"collapse_saturation"`
	GrowthSamples      int     `json:"growth_samples"`
	// P95Growth: COLLAPSED when the rolling p95 exceeds (1+P95Growth) times
	// its value one Window earlier; 0 turns the rule off. Both windows need
	// MinWindowSamples completions.
	P95Growth        float64 `json:"p95_growth"`
	MinWindowSamples int     `json:"min_window_samples"`
	// FinalFraction: the final state is the worst state that the detector
	// reported, at that level or worse, in at least this fraction of periods.
	FinalFraction float64 `json:"final_fraction"`
}

// ThrottleConfig is the closed loop the detector drives: while the detector
// reports DEGRADED or COLLAPSED, each agent waits this much longer (seconds)
// before creating its next request.
type ThrottleConfig struct {
	Enabled   bool    `json:"enabled"`
	Degraded  float64 `json:"degraded"`
	Collapsed float64 `json:"collapsed"`
}

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

// FieldError is a configuration error tied to a field, named by its JSON path
// ("workers.service.cv", "agents.mix[2].weight").
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Limits against absurd sizes: they keep a typo from exhausting memory.
const (
	MaxAgents  = 10_000_000
	MaxWorkers = 1_000_000
	MaxBuffer  = 100_000_000
)

// Validate checks every field's range and returns the first problem as a
// *FieldError, or nil.
func (c *Config) Validate() error {
	v := validator{}
	a := &c.Agents
	v.intIn("agents.count", a.Count, 1, MaxAgents)
	switch a.Arrival {
	case Closed, Poisson, Burst:
	default:
		v.fail("agents.arrival", fmt.Sprintf("must be %q, %q or %q, not %q", Closed, Poisson, Burst, a.Arrival))
	}
	v.dist("agents.think", a.Think, true)
	if a.Arrival == Burst {
		v.intIn("agents.burst_size", a.BurstSize, 1, 1_000_000)
	} else if a.BurstSize != 0 {
		v.fail("agents.burst_size", "only applies to arrival \"burst\"")
	}
	v.intIn("agents.requests_per_agent", a.RequestsPerAgent, 0, 1<<31-1)
	v.nonNeg("agents.horizon", a.Horizon)
	if a.RequestsPerAgent == 0 && a.Horizon == 0 {
		v.fail("agents.requests_per_agent", "set a request budget or agents.horizon, or the run never ends")
	}
	if a.Arrival != Closed && a.RequestsPerAgent == 0 && a.Horizon == 0 {
		v.fail("agents.horizon", "open arrivals need a budget or a horizon")
	}
	v.nonNeg("agents.stagger", a.Stagger)
	if len(a.Mix) == 0 {
		v.fail("agents.mix", "needs at least one workload type")
	}
	if len(a.Mix) > 255 {
		v.fail("agents.mix", "at most 255 workload types")
	}
	total := 0.0
	for i, w := range a.Mix {
		p := fmt.Sprintf("agents.mix[%d]", i)
		if w.Name == "" {
			v.fail(p+".name", "must not be empty")
		}
		v.nonNeg(p+".weight", w.Weight)
		v.nonNeg(p+".work", w.Work)
		total += w.Weight
	}
	if len(a.Mix) > 0 && !(total > 0) {
		v.fail("agents.mix", "weights must not all be zero")
	}
	b := &a.Backoff
	v.nonNeg("agents.backoff.base", b.Base)
	if b.Base > 0 {
		v.atLeast("agents.backoff.multiplier", b.Multiplier, 1)
		v.atLeast("agents.backoff.max", b.Max, b.Base)
		v.prob("agents.backoff.jitter", b.Jitter)
		if len(b.On) == 0 {
			v.fail("agents.backoff.on", "name the failure kinds to back off on (QUEUE_OVERFLOW, FAULT_ERROR, QUEUE_TIMEOUT)")
		}
	}
	for i, k := range b.On {
		if failureKind(k) == NoFailure {
			v.fail(fmt.Sprintf("agents.backoff.on[%d]", i), fmt.Sprintf("unknown failure kind %q (QUEUE_OVERFLOW, FAULT_ERROR, QUEUE_TIMEOUT)", k))
		}
	}

	v.intIn("queue.buffer", c.Queue.Buffer, 0, MaxBuffer)
	v.nonNeg("queue.timeout", c.Queue.Timeout)

	w := &c.Workers
	v.intIn("workers.count", w.Count, 1, MaxWorkers)
	v.dist("workers.service", w.Service, false)
	v.nonNeg("workers.overhead", w.Overhead)
	v.nonNeg("workers.slowdown.alpha", w.Slowdown.Alpha)
	v.nonNeg("workers.slowdown.gamma", w.Slowdown.Gamma)
	if w.Slowdown.Alpha > 0 && !(w.Slowdown.Gamma > 0) {
		v.fail("workers.slowdown.gamma", "must be above 0 when alpha is set")
	}

	f := &c.Faults
	v.prob("faults.spike_probability", f.SpikeProbability)
	if f.SpikeProbability > 0 {
		v.dist("faults.spike_duration", f.SpikeDuration, false)
	}
	v.prob("faults.error_probability", f.ErrorProbability)
	v.nonNeg("faults.pressure_error", f.PressureError)
	v.nonNeg("faults.pressure_exponent", f.PressureExponent)
	if f.PressureError > 0 && !(f.PressureExponent > 0) {
		v.fail("faults.pressure_exponent", "must be above 0 when pressure_error is set")
	}

	d := &c.Detector
	v.positive("detector.period", d.Period)
	v.atLeast("detector.window", d.Window, d.Period)
	v.prob("detector.degraded_saturation", d.DegradedSaturation)
	v.prob("detector.collapse_saturation", d.CollapseSaturation)
	if d.CollapseSaturation < d.DegradedSaturation {
		v.fail("detector.collapse_saturation", "must not be below detector.degraded_saturation")
	}
	v.intIn("detector.growth_samples", d.GrowthSamples, 1, 1_000_000)
	v.nonNeg("detector.p95_growth", d.P95Growth)
	v.intIn("detector.min_window_samples", d.MinWindowSamples, 1, 1<<31-1)
	v.prob("detector.final_fraction", d.FinalFraction)
	if d.FinalFraction == 0 {
		v.fail("detector.final_fraction", "must be above 0")
	}

	t := &c.Throttle
	v.nonNeg("throttle.degraded", t.Degraded)
	v.nonNeg("throttle.collapsed", t.Collapsed)

	switch c.Telemetry.Percentiles {
	case "", ExactPercentiles, SketchPercentiles:
	default:
		v.fail("telemetry.percentiles", fmt.Sprintf("must be %q or %q, not %q", ExactPercentiles, SketchPercentiles, c.Telemetry.Percentiles))
	}
	return v.err
}

// validator keeps the first error.
type validator struct{ err error }

func (v *validator) fail(path, msg string) {
	if v.err == nil {
		v.err = &FieldError{Path: path, Msg: msg}
	}
}

func (v *validator) finite(path string, x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		v.fail(path, "must be a finite number")
		return false
	}
	if math.Abs(x) > maxValue {
		v.fail(path, fmt.Sprintf("must be at most %g (got %g)", maxValue, x))
		return false
	}
	return true
}

// maxValue bounds every duration and factor: 10⁹ seconds is 31 years, and
// nanosecond times must stay far from int64 overflow.
const maxValue = 1e9

func (v *validator) nonNeg(path string, x float64) {
	if !v.finite(path, x) {
		return
	}
	if x < 0 {
		v.fail(path, fmt.Sprintf("must not be negative (got %g)", x))
	} else if x > maxValue {
		v.fail(path, fmt.Sprintf("must be at most %g (got %g)", maxValue, x))
	}
}

func (v *validator) positive(path string, x float64) {
	if v.finite(path, x) && !(x > 0) {
		v.fail(path, fmt.Sprintf("must be above 0 (got %g)", x))
	}
}

func (v *validator) atLeast(path string, x, min float64) {
	if v.finite(path, x) && x < min {
		v.fail(path, fmt.Sprintf("must be at least %g (got %g)", min, x))
	}
}

func (v *validator) prob(path string, x float64) {
	if v.finite(path, x) && (x < 0 || x > 1) {
		v.fail(path, fmt.Sprintf("must be a probability in [0, 1] (got %g)", x))
	}
}

func (v *validator) intIn(path string, x, min, max int) {
	if x < min || x > max {
		v.fail(path, fmt.Sprintf("must be in [%d, %d] (got %d)", min, max, x))
	}
}
