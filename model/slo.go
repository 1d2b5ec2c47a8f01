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

func (c *SLOConfig) enabled() bool { return c.P99 > 0 || c.ErrorRate > 0 || c.Goodput > 0 }

func (c *SLOConfig) validate(v *validator, cfg *Config) {
	v.nonNeg("slo.window", c.Window)
	v.nonNeg("slo.p99", c.P99)
	v.prob("slo.error_rate", c.ErrorRate)
	v.nonNeg("slo.goodput", c.Goodput)
	r := &c.Recovery
	switch r.Measure {
	case "", MeasureGoodput, MeasureP99, MeasureErrorRate:
	default:
		v.fail("slo.recovery.measure", fmt.Sprintf("must be %q, %q or %q, not %q", MeasureGoodput, MeasureP99, MeasureErrorRate, r.Measure))
	}
	v.nonNeg("slo.recovery.tolerance", r.Tolerance)
	v.nonNeg("slo.recovery.hold", r.Hold)
	if !c.enabled() {
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
}

func newSLO(s *System) *sloStage {
	c := s.cfg.SLO
	if !c.enabled() {
		return nil
	}
	w := c.Window
	if w == 0 {
		w = s.cfg.Detector.Window
	}
	return &sloStage{cfg: c, window: kernel.Seconds(w), ends: newRollingWindow(kernel.Seconds(w))}
}

// observe records a request's end.
func (l *sloStage) observe(e Event) {
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

// judge reduces the timeline to the hypothesis's verdict. until bounds the
// periods considered (the agents' horizon: later periods only drain).
func (l *sloStage) judge(tl []Sample, sc *schedule, period kernel.Duration, until kernel.Time) *SLOReport {
	r := &SLOReport{HeldBefore: true}
	sec := func(t kernel.Time) *float64 { x := t.Seconds(); return &x }
	trigger := sc.start != kernel.Forever
	if trigger {
		r.TriggerStart = sec(sc.start)
		if sc.end > 0 {
			r.TriggerEnd = sec(sc.end)
		}
	}
	n := len(tl)
	for n > 0 && until > 0 && tl[n-1].T > until {
		n--
	}
	tl = tl[:n]
	full := kernel.Time(l.window) // periods before a full window are not judged
	violated := 0
	for i := range tl {
		smp := &tl[i]
		if smp.T < full {
			continue
		}
		if !smp.SLO.Holds {
			violated++
			if !trigger || smp.T <= sc.start {
				r.HeldBefore = false
			}
			if r.FirstViolation == nil {
				r.FirstViolation = sec(smp.T)
			}
		} else if r.FirstViolation != nil && r.HeldAgain == nil {
			r.HeldAgain = sec(smp.T)
		}
	}
	r.Violated = (kernel.Duration(violated) * period).Seconds()
	switch {
	case r.FirstViolation == nil:
		r.Verdict = VerdictHeld
	case !trigger || r.TriggerEnd == nil:
		r.Verdict = VerdictViolated
	default:
		r.Verdict = l.recovery(r, tl, sc)
	}
	return r
}

// recovery applies Huang et al.'s test to the periods after the last
// action, filling in the baseline and the recovery figures.
func (l *sloStage) recovery(r *SLOReport, tl []Sample, sc *schedule) string {
	rc := l.cfg.Recovery
	r.Measure = rc.Measure
	if r.Measure == "" {
		r.Measure = MeasureGoodput
	}
	tol := rc.Tolerance
	if tol == 0 {
		tol = 0.1
		if r.Measure == MeasureErrorRate {
			tol = 0.01
		}
	}
	hold := kernel.Seconds(rc.Hold)
	if hold == 0 {
		hold = l.window
	}
	value := func(smp *Sample) float64 {
		switch r.Measure {
		case MeasureP99:
			return smp.SLO.P99
		case MeasureErrorRate:
			return smp.SLO.ErrorRate
		}
		return smp.SLO.Goodput
	}
	var sum float64
	var count int
	for i := range tl {
		if t := tl[i].T; t < sc.start && t >= sc.start.Add(-l.window) {
			if x := value(&tl[i]); !math.IsNaN(x) {
				sum += x
				count++
			}
		}
	}
	if count == 0 {
		return VerdictUnjudged
	}
	r.Baseline = sum / float64(count)
	within := func(x float64) bool {
		if math.IsNaN(x) {
			return false
		}
		if r.Measure == MeasureErrorRate {
			return math.Abs(x-r.Baseline) <= tol
		}
		return math.Abs(x-r.Baseline) <= float64(tol*r.Baseline)
	}
	var since kernel.Time = -1
	for i := range tl {
		smp := &tl[i]
		if smp.T < sc.end {
			continue
		}
		if !within(value(smp)) {
			since = -1
			continue
		}
		if since < 0 {
			since = smp.T
		}
		if smp.T.Sub(since) >= hold {
			at := since.Seconds()
			rt := since.Sub(sc.end).Seconds()
			r.RecoveredAt, r.RecoveryTime = &at, &rt
			return VerdictRecovered
		}
	}
	if len(tl) == 0 || tl[len(tl)-1].T.Sub(sc.end) < hold {
		return VerdictUnjudged
	}
	return VerdictMetastable
}
