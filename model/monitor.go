package model

import "github.com/agentchaos/agentchaos/kernel"

// monitor wires telemetry, detector and throttle together: it is a Sink for
// the event stream, and Tick, called once per control period, closes the
// period, classifies it and sets the throttle. The simulation calls Tick from
// a kernel event; the real-concurrency mode from a ticker.
//
// It keeps no per-period history: the final state is tallied as the periods
// come (Verdict) and the timeline for charts is a bounded Series, so its
// memory does not grow with the run's length.
type monitor struct {
	Telemetry *telemetry
	Detector  *detector
	Throttle  *throttle
	Verdict   verdictTally
	Series    Series
	last      Sample
}

// newMonitor returns the monitor for a validated configuration.
// Its buffers grow from a's.
func newMonitor(cfg *Config, a *arena) *monitor {
	m := &monitor{
		Telemetry: newTelemetry(cfg.Queue.Buffer, kernel.Seconds(cfg.Detector.Window), cfg.Telemetry.Percentiles, a),
		Detector:  newDetector(cfg.Detector),
		Throttle:  newThrottle(cfg.Throttle),
	}
	m.Detector.p95s, m.Detector.counts = a.p95s, a.counts
	m.Series.spans = a.spans
	return m
}

// Observe feeds one event to the telemetry.
func (m *monitor) Observe(e Event) { m.Telemetry.Observe(e) }

// Tick ends the control period at now and returns its sample (valid until
// the next Tick).
func (m *monitor) Tick(now kernel.Time) *Sample {
	s := &m.last
	*s = Sample{}
	m.Telemetry.sample(now, s)
	m.Detector.Observe(s)
	m.Throttle.Set(s.State)
	s.Throttle = m.Throttle.Current()
	m.Verdict.add(s)
	m.Series.Add(s)
	return s
}
