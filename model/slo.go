package model

import (
	"fmt"
	"math"

	"github.com/agentchaos/agentchaos/kernel"
)

// SLOConfig is a steady-state hypothesis, as chaos experiments state one:
// over every rolling Window, the p99 latency of the requests that succeeded
// at most P99 seconds, the share of ended requests that failed at most
// ErrorRate, and successes per second at least Goodput (each bound only if
// set). It is evaluated every control period, and the report says whether
// it held before the schedule's first action, when it was first violated,
// when it held again, and whether the system recovered after the last
// action ended (see RecoveryConfig).
type SLOConfig struct {
	Window    float64        `json:"window,omitempty"` // seconds; default detector.window
	P99       float64        `json:"p99,omitempty"`
	ErrorRate float64        `json:"error_rate,omitempty"`
	Goodput   float64        `json:"goodput,omitempty"`
	Recovery  RecoveryConfig `json:"recovery,omitzero"`
}

// RecoveryConfig is Huang et al.'s recovery test: after the schedule's last
// action ends, the system has recovered once Measure is back within
// Tolerance of its value before the first action (the mean over one window
// before it) and stays there for Hold seconds. Tolerance is relative for
// goodput and p99 and in absolute points for the error rate.
type RecoveryConfig struct {
	Measure   string  `json:"measure,omitempty"`   // "goodput" (default), "p99" or "error_rate"
	Tolerance float64 `json:"tolerance,omitempty"` // default 0.1 (0.01 for the error rate)
	Hold      float64 `json:"hold,omitempty"`      // seconds; default: the window
}

// Recovery measures.
const (
	MeasureGoodput   = "goodput"
	MeasureP99       = "p99"
	MeasureErrorRate = "error_rate"
)

// Verdicts of a steady-state hypothesis.
const (
	VerdictHeld       = "held"
	VerdictRecovered  = "recovered"
	VerdictMetastable = "did not recover (metastable)"
	VerdictViolated   = "violated"
	VerdictUnjudged   = "not judged: too little of the run after the last action"
)

// Enabled reports whether the hypothesis sets a bound: without one the
// scenario has no SLO.
func (c *SLOConfig) Enabled() bool { return c.P99 > 0 || c.ErrorRate > 0 || c.Goodput > 0 }

func (c *SLOConfig) validate(v *validator, cfg *Config) {
	v.seconds("slo.window", c.Window)
	v.seconds("slo.p99", c.P99)
	v.prob("slo.error_rate", c.ErrorRate)
	v.nonNeg("slo.goodput", c.Goodput)
	r := &c.Recovery
	switch r.Measure {
	case "", MeasureGoodput, MeasureP99, MeasureErrorRate:
	default:
		v.fail("slo.recovery.measure", fmt.Sprintf("must be %q, %q or %q, not %q", MeasureGoodput, MeasureP99, MeasureErrorRate, r.Measure))
	}
	v.nonNeg("slo.recovery.tolerance", r.Tolerance)
	v.seconds("slo.recovery.hold", r.Hold)
	if !c.Enabled() {
		v.unused("slo", c.Window != 0 || *r != (RecoveryConfig{}), "set a bound: p99, error_rate or goodput")
	}
	if c.Window > 0 && c.Window < cfg.Detector.Period {
		v.fail("slo.window", fmt.Sprintf("must be at least detector.period (%g s)", cfg.Detector.Period))
	}
}

// sloStage evaluates the hypothesis every control period from the requests
// that ended within the window.
type sloStage struct {
	cfg    SLOConfig
	window kernel.Duration
	ends   rollingWindow // requests that ended: successes ranked, failures counted
	judge  *sloJudge
}

// newSLO returns the hypothesis's stage for a validated configuration whose
// schedule is sc, its window grown from a's; nil without a hypothesis.
func newSLO(cfg *Config, sc *Schedule, a *arena) *sloStage {
	c := cfg.SLO
	if !c.Enabled() {
		return nil
	}
	w := c.Window
	if w == 0 {
		w = cfg.Detector.Window
	}
	var until kernel.Time
	if h := cfg.Agents.Horizon; h > 0 {
		until = kernel.Time(kernel.Seconds(h))
	}
	window := kernel.Seconds(w)
	return &sloStage{cfg: c, window: window, ends: a.windows[1].renewed(window), judge: newSLOJudge(c, window, sc, until)}
}

// observe records a request's end.
func (l *sloStage) observe(e *Event) {
	if e.Type == Completed || e.Type == Failed {
		l.ends.Add(e.T, e.Latency, e.Type == Completed)
	}
}

// sample computes the window's measures at now into smp.
func (l *sloStage) sample(now kernel.Time, smp *Sample) {
	l.ends.Advance(now)
	succeeded, failed := l.ends.Ranked(), l.ends.Unranked()
	span := min(l.window, now.Sub(0))
	m := &smp.SLO
	m.Evaluated = true
	m.P99 = math.NaN()
	if succeeded > 0 {
		m.P99 = l.ends.Quantile(0.99) / 1e9
	}
	if ended := succeeded + failed; ended > 0 {
		m.ErrorRate = float64(failed) / float64(ended)
	}
	if span > 0 {
		m.Goodput = float64(succeeded) / span.Seconds()
	}
	c := &l.cfg
	m.Holds = !(c.P99 > 0 && m.P99 > c.P99) && !(c.ErrorRate > 0 && m.ErrorRate > c.ErrorRate) &&
		!(c.Goodput > 0 && m.Goodput < c.Goodput)
	l.judge.observe(smp)
}

// SLOSample is the steady-state hypothesis's reading at the end of a
// control period, over its window.
type SLOSample struct {
	Evaluated bool
	P99       float64 // s; NaN if no request succeeded in the window
	ErrorRate float64
	Goodput   float64 // successes per second
	Holds     bool
}

// SLOReport is the verdict on a steady-state hypothesis.
type SLOReport struct {
	Verdict string `json:"verdict"`
	// HeldBefore: it held in every period before the schedule's first
	// action (or the whole run without a schedule).
	HeldBefore     bool     `json:"held_before"`
	FirstViolation *float64 `json:"first_violation,omitempty"` // s
	HeldAgain      *float64 `json:"held_again,omitempty"`      // s: first period it held after the first violation
	Violated       float64  `json:"violated"`                  // seconds in violation
	TriggerStart   *float64 `json:"trigger_start,omitempty"`   // the first action's start, s
	TriggerEnd     *float64 `json:"trigger_end,omitempty"`     // the last action's end, s
	Measure        string   `json:"measure,omitempty"`
	Baseline       float64  `json:"baseline,omitempty"`      // the measure before the first action
	RecoveredAt    *float64 `json:"recovered_at,omitempty"`  // s
	RecoveryTime   *float64 `json:"recovery_time,omitempty"` // s after the last action ended
}

// sloJudge reduces the periods' readings to the hypothesis's verdict as
// they come, in constant memory. The periods after until (the agents'
// horizon: later periods only drain) are not judged, nor, for violations,
// those before a full window.
type sloJudge struct {
	start, end kernel.Time // the schedule's first action's start, its last action's end (0 if none ends)
	trigger    bool
	window     kernel.Duration
	until      kernel.Time // 0: none
	measure    string
	tol        float64
	hold       kernel.Duration

	judged         bool // a period at or before until was seen
	last           kernel.Time
	heldBefore     bool
	firstViolation kernel.Time // -1: none yet
	heldAgain      kernel.Time // -1: none yet
	violated       int
	baseSum        float64 // the measure over the window before start
	baseCount      int
	since          kernel.Time // the current run within tolerance after end; -1: none
	recoveredAt    kernel.Time // -1: not recovered
}

func newSLOJudge(c SLOConfig, window kernel.Duration, sc *Schedule, until kernel.Time) *sloJudge {
	j := &sloJudge{start: sc.start, end: sc.end, trigger: sc.start != kernel.Forever, window: window, until: until,
		measure: c.Recovery.Measure, tol: c.Recovery.Tolerance, hold: kernel.Seconds(c.Recovery.Hold),
		heldBefore: true, firstViolation: -1, heldAgain: -1, since: -1, recoveredAt: -1}
	if j.measure == "" {
		j.measure = MeasureGoodput
	}
	if j.tol == 0 {
		j.tol = 0.1
		if j.measure == MeasureErrorRate {
			j.tol = 0.01
		}
	}
	if j.hold == 0 {
		j.hold = window
	}
	return j
}

// value is the recovery measure of a reading.
func (j *sloJudge) value(smp *Sample) float64 {
	switch j.measure {
	case MeasureP99:
		return smp.SLO.P99
	case MeasureErrorRate:
		return smp.SLO.ErrorRate
	}
	return smp.SLO.Goodput
}

// within reports whether x is within tolerance of the baseline.
func (j *sloJudge) within(x, baseline float64) bool {
	if math.IsNaN(x) {
		return false
	}
	if j.measure == MeasureErrorRate {
		return math.Abs(x-baseline) <= j.tol
	}
	return math.Abs(x-baseline) <= float64(j.tol*baseline)
}

// observe takes one period's reading, in time order.
func (j *sloJudge) observe(smp *Sample) {
	t := smp.T
	if j.until > 0 && t > j.until {
		return
	}
	j.judged, j.last = true, t
	if t >= kernel.Time(j.window) { // periods before a full window are not judged
		if !smp.SLO.Holds {
			j.violated++
			if !j.trigger || t <= j.start {
				j.heldBefore = false
			}
			if j.firstViolation < 0 {
				j.firstViolation = t
			}
		} else if j.firstViolation >= 0 && j.heldAgain < 0 {
			j.heldAgain = t
		}
	}
	if !j.trigger {
		return
	}
	// Huang et al.'s recovery test: the baseline is the mean over the
	// window before the first action; after the last action ends, the
	// system has recovered once the measure has stayed within tolerance
	// of it for hold. The end is after the start, so the baseline is
	// complete before the first period it is needed for.
	if t < j.start && t >= j.start.Add(-j.window) {
		if x := j.value(smp); !math.IsNaN(x) {
			j.baseSum += x
			j.baseCount++
		}
	}
	if j.end == 0 || t < j.end || j.recoveredAt >= 0 || j.baseCount == 0 {
		return
	}
	if !j.within(j.value(smp), j.baseSum/float64(j.baseCount)) {
		j.since = -1
		return
	}
	if j.since < 0 {
		j.since = t
	}
	if t.Sub(j.since) >= j.hold {
		j.recoveredAt = j.since
	}
}

// report returns the verdict on the periods observed so far.
func (j *sloJudge) report(period kernel.Duration) *SLOReport {
	r := &SLOReport{HeldBefore: j.heldBefore}
	sec := func(t kernel.Time) *float64 { x := t.Seconds(); return &x }
	if j.trigger {
		r.TriggerStart = sec(j.start)
		if j.end > 0 {
			r.TriggerEnd = sec(j.end)
		}
	}
	if j.firstViolation >= 0 {
		r.FirstViolation = sec(j.firstViolation)
	}
	if j.heldAgain >= 0 {
		r.HeldAgain = sec(j.heldAgain)
	}
	r.Violated = (kernel.Duration(j.violated) * period).Seconds()
	switch {
	case r.FirstViolation == nil:
		r.Verdict = VerdictHeld
	case !j.trigger || r.TriggerEnd == nil:
		r.Verdict = VerdictViolated
	default:
		r.Verdict = j.recovery(r)
	}
	return r
}

// recovery fills in the baseline and the recovery figures and returns the
// verdict after the last action.
func (j *sloJudge) recovery(r *SLOReport) string {
	r.Measure = j.measure
	if j.baseCount == 0 {
		return VerdictUnjudged
	}
	r.Baseline = j.baseSum / float64(j.baseCount)
	if j.recoveredAt >= 0 {
		at := j.recoveredAt.Seconds()
		rt := j.recoveredAt.Sub(j.end).Seconds()
		r.RecoveredAt, r.RecoveryTime = &at, &rt
		return VerdictRecovered
	}
	if !j.judged || j.last.Sub(j.end) < j.hold {
		return VerdictUnjudged
	}
	return VerdictMetastable
}
