package model

import "github.com/agentchaos/agentchaos/kernel"

// monitor wires telemetry, detector and throttle together: it is a Sink for
// the event stream, and Tick, called once per control period, closes the
// period, classifies it and sets the throttle. The simulation calls Tick from
// a kernel event; the real-concurrency mode from a ticker.
type monitor struct {
	Telemetry *telemetry
	Detector  *detector
	Throttle  *throttle
	Timeline  []Sample
}

// newMonitor returns the monitor for a validated configuration.
func newMonitor(cfg *Config) *monitor {
	return &monitor{
		Telemetry: newTelemetry(cfg.Queue.Buffer, cfg.Workers.Count, kernel.Seconds(cfg.Detector.Window), cfg.Telemetry.Percentiles),
		Detector:  newDetector(cfg.Detector, cfg.Workers.Unbounded),
		Throttle:  newThrottle(cfg.Throttle),
	}
}

// Observe feeds one event to the telemetry.
func (m *monitor) Observe(e Event) { m.Telemetry.Observe(e) }

// Tick ends the control period at now and returns its sample, the
// timeline's last (valid until the next Tick). busy is the workers' busy
// time since the start, in worker·ns.
func (m *monitor) Tick(now kernel.Time, busy float64) *Sample {
	var s Sample
	m.Telemetry.sample(now, busy, &s)
	m.Detector.Observe(&s)
	m.Throttle.Set(s.State)
	s.Throttle = m.Throttle.Current()
	m.Timeline = append(m.Timeline, s)
	return &m.Timeline[len(m.Timeline)-1]
}
