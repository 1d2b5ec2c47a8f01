package model

import (
	"github.com/agentchaos/agentchaos/kernel"
)

// DetectorConfig is the collapse detector's stability model; see [detector].
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
	// P95MinUtilisation and P95Min keep the p95-growth rule from firing on
	// noise: it fires only while the workers were busy at least this share
	// of the window (0–1; an unbounded pool always passes) and the rolling
	// p95 is at least P95Min seconds. A lightly loaded system's p95 swings
	// with a few slow requests more or less in the window, not with
	// congestion. 0 turns either floor off.
	P95MinUtilisation float64 `json:"p95_min_utilisation"`
	P95Min            float64 `json:"p95_min"`
	// FinalFraction: the final state is the worst state that the detector
	// reported, at that level or worse, in at least this fraction of periods.
	FinalFraction float64 `json:"final_fraction"`
}

func (d *DetectorConfig) validate(v *validator, _ *Config) {
	v.positiveSeconds("detector.period", d.Period)
	if v.seconds("detector.window", d.Window) {
		v.atLeast("detector.window", d.Window, d.Period)
	}
	v.prob("detector.degraded_saturation", d.DegradedSaturation)
	v.prob("detector.collapse_saturation", d.CollapseSaturation)
	if d.CollapseSaturation < d.DegradedSaturation {
		v.fail("detector.collapse_saturation", "must not be below detector.degraded_saturation")
	}
	v.intIn("detector.growth_samples", d.GrowthSamples, 1, 1_000_000)
	v.nonNeg("detector.p95_growth", d.P95Growth)
	v.intIn("detector.min_window_samples", d.MinWindowSamples, 1, 1<<31-1)
	v.prob("detector.p95_min_utilisation", d.P95MinUtilisation)
	v.seconds("detector.p95_min", d.P95Min)
	v.prob("detector.final_fraction", d.FinalFraction)
	if d.FinalFraction == 0 {
		v.fail("detector.final_fraction", "must be above 0")
	}
}

// State is the detector's verdict on the system, ordered from best to worst.
type State uint8

// States.
const (
	Stable State = iota
	Degraded
	Collapsed
	numStates
)

var stateNames = [...]string{"STABLE", "DEGRADED", "COLLAPSED"}

func (s State) String() string { return stateNames[s] }

// MarshalText makes a State a JSON string.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Rule is the detector rule that decided a sample's state.
type Rule uint8

// Rules, in the order the detector tries them.
const (
	NoRule Rule = iota
	// SaturationGrowth: saturation ≥ CollapseSaturation while dQ/dt has
	// stayed positive for GrowthSamples consecutive periods.
	SaturationGrowth
	// P95Growth: the rolling p95 grew by more than P95Growth (1.0 = 100%)
	// within one window.
	P95Growth
	// HighSaturation: saturation ≥ DegradedSaturation.
	HighSaturation
)

var ruleNames = [...]string{"", "queue_growth_at_saturation", "p95_growth", "saturation"}

func (r Rule) String() string { return ruleNames[r] }

// MarshalText makes a Rule a JSON string.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Sample is what the monitor reads at the end of one control period, and
// what the detector and throttle made of it. The timeline of a run is a
// slice of these.
type Sample struct {
	T           kernel.Time // end of the period
	Depth       int         // requests waiting
	Saturation  float64     // Depth / Buffer; without a buffer, the share of the period's arrivals turned away
	Busy        float64     // mean share of the workers in service over the period (0 for an unbounded pool)
	Growth      float64     // dQ/dt = λ − μ over the period, requests/s
	P95         float64     // rolling p95 of latency over the window, s (NaN if none)
	WindowCount int         // completions in the window
	P95Ratio    float64     // P95 / P95 one window earlier (0 if not comparable)
	MeanLatency float64     // mean latency of requests finished in this period, s (0 if none)
	MaxLatency  float64     // largest latency in this period, s (0 if none)
	Created     uint64      // requests created in this period
	Sent        uint64      // attempts sent in this period (Created plus retries)
	Retried     uint64      // attempts that failed and were retried in this period
	Answered    uint64      // attempts a worker finished in this period (the server's work)
	Goodput     uint64      // requests that succeeded for their client in this period
	Completed   uint64      // requests finished by a worker in this period (served or failed by a fault)
	FailedBy    [numFailureKinds]uint64
	State       State
	Rule        Rule
	Throttle    kernel.Duration // the throttle's delay after this sample
	SLO         SLOSample       // the steady-state hypothesis's reading, when the scenario has one
	// The defences' state at the end of the period: the server's
	// concurrency limit (0 without one), whether CoDel is dropping, and the
	// clients' mean adaptive-throttle rejection probability.
	Limit          float64
	CoDelDropping  bool
	ClientThrottle float64
}

// detector is the seed's stability model, applied once per control period:
//
//   - COLLAPSED when dQ/dt has stayed positive for GrowthSamples
//     consecutive periods and saturation is at least CollapseSaturation
//     (the queue keeps growing as the buffer fills), or when the rolling p95
//     exceeds (1+P95Growth) times its value one window earlier while the
//     workers were busy at least P95MinUtilisation of the window and the
//     p95 is at least P95Min;
//   - DEGRADED when saturation is at least DegradedSaturation;
//   - STABLE otherwise.
//
// Saturation is depth/buffer; without a waiting room (buffer 0) it is the
// share of the period's arrivals turned away, so that a server rejecting
// almost everything is saturated rather than never.
//
// It holds only what those rules need: the run of positive dQ/dt and the
// last window's rolling p95 values and utilisations, in rings of one window
// (memory does not grow with the run).
type detector struct {
	cfg         DetectorConfig
	anyLoad     bool // an unbounded pool: the utilisation floor does not apply
	positiveRun int
	lag         int // periods per window
	n           int // periods observed
	p95s        []float64
	counts      []int
	busy        []float64 // each period's utilisation, for the window's mean
}

// newDetector returns a detector for cfg (validated); unboundedPool says
// the workers have no count, so utilisation is not defined.
func newDetector(cfg DetectorConfig, unboundedPool bool) *detector {
	lag := int(kernel.Seconds(cfg.Window) / kernel.Seconds(cfg.Period))
	if lag < 1 {
		lag = 1
	}
	return &detector{cfg: cfg, lag: lag, anyLoad: unboundedPool}
}

// Observe classifies one sample, setting its State, Rule and P95Ratio.
func (d *detector) Observe(s *Sample) {
	if s.Growth > 0 {
		d.positiveRun++
	} else {
		d.positiveRun = 0
	}
	// Rings of lag+1 periods, grown up to that size: slot i%(lag+1) holds
	// period i, so the period one window earlier is in the slot about to
	// be overwritten next.
	size := d.lag + 1
	slot := d.n % size
	if len(d.p95s) < size {
		d.p95s, d.counts, d.busy = append(d.p95s, 0), append(d.counts, 0), append(d.busy, 0)
	}
	d.p95s[slot], d.counts[slot], d.busy[slot] = s.P95, s.WindowCount, s.Busy
	d.n++
	s.P95Ratio = 0
	if d.n > d.lag {
		earlier := (slot + 1) % size
		prev, prevCount := d.p95s[earlier], d.counts[earlier]
		if prevCount >= d.cfg.MinWindowSamples && s.WindowCount >= d.cfg.MinWindowSamples && prev > 0 {
			s.P95Ratio = s.P95 / prev
		}
	}
	switch {
	case d.positiveRun >= d.cfg.GrowthSamples && s.Saturation >= d.cfg.CollapseSaturation:
		s.State, s.Rule = Collapsed, SaturationGrowth
	case d.cfg.P95Growth > 0 && s.P95Ratio > 1+d.cfg.P95Growth && s.P95 >= d.cfg.P95Min && d.loaded():
		s.State, s.Rule = Collapsed, P95Growth
	case s.Saturation >= d.cfg.DegradedSaturation && d.cfg.DegradedSaturation > 0:
		s.State, s.Rule = Degraded, HighSaturation
	default:
		s.State, s.Rule = Stable, NoRule
	}
}

// loaded reports whether the workers were busy at least P95MinUtilisation
// of the last window (of the periods so far, early in the run).
func (d *detector) loaded() bool {
	if d.anyLoad || d.cfg.P95MinUtilisation == 0 {
		return true
	}
	periods := min(d.n, d.lag)
	size := len(d.busy)
	var sum float64
	for i := 0; i < periods; i++ {
		sum += d.busy[(d.n-1-i)%size]
	}
	return sum >= float64(d.cfg.P95MinUtilisation*float64(periods))
}

// verdict is the final state of a run and how it was reached.
type verdict struct {
	State State
	// BreakPoint is the index in the timeline of the first sample at the
	// final state or worse, and At that sample; -1 for a STABLE run.
	BreakPoint int
	At         Sample
	// Periods counts the samples at each state.
	Periods [numStates]int
}

// verdictTally reduces the timeline to its final state as the samples
// come, in constant memory: the count of samples at each state and, for
// each state, the first sample at it or worse.
type verdictTally struct {
	periods [numStates]int
	first   [numStates]Sample // first[s]: the first sample at s or worse, if firstAt[s] > 0
	firstAt [numStates]int    // its index + 1; 0 while none
}

func (v *verdictTally) add(smp *Sample) {
	n := v.periods[Stable] + v.periods[Degraded] + v.periods[Collapsed]
	v.periods[smp.State]++
	for s := Stable; s <= smp.State; s++ {
		if v.firstAt[s] == 0 {
			v.first[s], v.firstAt[s] = *smp, n+1
		}
	}
}

// decide returns the final state: the worst state S such that at least
// FinalFraction of the samples are at S or worse. A blip (one sample, or
// any run shorter than that fraction) cannot flip the verdict, while a
// system that spends a real share of its time collapsed is called
// collapsed even if it recovers.
func (v *verdictTally) decide(finalFraction float64) verdict {
	out := verdict{BreakPoint: -1, Periods: v.periods}
	n := v.periods[Stable] + v.periods[Degraded] + v.periods[Collapsed]
	atOrWorse := 0
	for s := Collapsed; s > Stable; s-- {
		atOrWorse += v.periods[s]
		if n > 0 && float64(atOrWorse) >= float64(finalFraction*float64(n)) {
			out.State = s
			break
		}
	}
	if out.State != Stable {
		out.BreakPoint, out.At = v.firstAt[out.State]-1, v.first[out.State]
	}
	return out
}
