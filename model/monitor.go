package model

import "github.com/agentchaos/agentchaos/kernel"

// Monitor wires telemetry, detector and throttle together: it is a Sink for
// the event stream, and Tick, called once per control period, closes the
// period, classifies it and sets the throttle. The simulation calls Tick from
// a kernel event; the real-concurrency mode from a ticker.
type Monitor struct {
	Telemetry *Telemetry
	Detector  *Detector
	Throttle  *Throttle
	Timeline  []Sample
}

// NewMonitor returns the monitor for a validated configuration.
func NewMonitor(cfg *Config) *Monitor {
	return &Monitor{
		Telemetry: NewTelemetry(cfg.Queue.Buffer, kernel.Seconds(cfg.Detector.Window), cfg.Telemetry.Percentiles),
		Detector:  NewDetector(cfg.Detector),
		Throttle:  NewThrottle(cfg.Throttle),
	}
}

// Observe feeds one event to the telemetry.
func (m *Monitor) Observe(e Event) { m.Telemetry.Observe(e) }

// Tick ends the control period at now.
func (m *Monitor) Tick(now kernel.Time) {
	var s Sample
	m.Telemetry.sample(now, &s)
	m.Detector.Observe(&s)
	m.Throttle.Set(s.State)
	s.Throttle = m.Throttle.Current()
	m.Timeline = append(m.Timeline, s)
}
