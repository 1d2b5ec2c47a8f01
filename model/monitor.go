package model

import "github.com/agentchaos/agentchaos/kernel"

// monitor wires telemetry, detector and throttle together: the Recorder
// feeds it the event stream, and Tick, called once per control period, closes the
// period, classifies it and sets the throttle. The simulation calls Tick from
// a kernel event; the real-concurrency mode from a ticker.
//
// It keeps no per-period history: the final state and the time in each
// state are tallied as the periods come (Verdict, InState) and the
// timeline for charts is a bounded Series, so its memory does not grow
// with the run's length.
type monitor struct {
	Telemetry *telemetry
	Detector  *detector
	Throttle  *throttle
	Verdict   verdictTally
	InState   stateClock
	Series    Series
	last      Sample
}

// newMonitor returns the monitor for a validated configuration.
// Its buffers grow from a's.
func newMonitor(cfg *Config, a *arena) *monitor {
	m := &monitor{
		Telemetry: newTelemetry(cfg.Queue.Buffer, cfg.Workers.Count, kernel.Seconds(cfg.Detector.Window), cfg.Telemetry.Percentiles, a),
		Detector:  newDetector(cfg.Detector, cfg.Workers.Unbounded),
		Throttle:  newThrottle(cfg.Throttle),
	}
	m.Detector.p95s, m.Detector.counts, m.Detector.busy = a.p95s, a.counts, a.busy
	m.Series.spans = a.spans
	// Without buffers to grow from, size the series and the exact
	// latencies for the run's estimate once: growing them by doubling
	// copies and clears as much again, and feeds the collector.
	k := cfg.Cost()
	if cap(m.Series.spans) == 0 && k.Periods >= 1 {
		m.Series.spans = make([]Span, 0, int(min(k.Periods+1, SeriesSpans)))
	}
	if t := m.Telemetry; t.sketch == nil && cap(t.exact) == 0 && k.Requests >= 1 && k.Requests <= MaxBytes/exactLatencyBytes {
		t.exact = make([]int64, 0, int(k.Requests))
	}
	return m
}

// Tick ends the control period at now and returns its sample (valid until
// the next Tick). busy is the workers' busy time since the start, in
// worker·ns.
func (m *monitor) Tick(now kernel.Time, busy float64) *Sample {
	s := &m.last
	*s = Sample{}
	m.Telemetry.sample(now, busy, s)
	m.Detector.Observe(s)
	m.Throttle.Set(s.State)
	s.Throttle = m.Throttle.Current()
	return s
}

// keep records the period's sample, once every stage has added its
// figures: the verdict's and the states' tallies and the chart series.
func (m *monitor) keep(s *Sample) {
	m.Verdict.add(s)
	m.InState.add(s, m.Telemetry.LastEvent())
	m.Series.Add(s)
}

// Periods returns the number of control periods ended so far.
func (m *monitor) Periods() int { return m.Series.Periods() }

// stateClock tallies how long the detector reported each state, as the
// periods come: each period counts from the previous sample to its own,
// cut at the run's last event (the control periods go on while the last
// agents' final think times run out, after anything happened). It keeps
// the whole periods' time and, apart, the part of the periods after the
// last event as of afterEvent, which a later event makes whole again. It
// is told the last event's time with each period rather than seeing every
// event: the event path, a run's most frequent, stays free of it.
type stateClock struct {
	whole      [numStates]kernel.Duration // every period, uncut
	after      [numStates]kernel.Duration // the periods' time after afterEvent
	afterEvent kernel.Time                // the last event's time when after was counted
	from       kernel.Time                // the previous sample's time
}

// add counts a period's sample; lastEvent is the time of the last event so
// far (events come in time order, none before a period already ended).
func (c *stateClock) add(s *Sample, lastEvent kernel.Time) {
	if lastEvent != c.afterEvent { // an event came after the periods counted in after
		c.after, c.afterEvent = [numStates]kernel.Duration{}, lastEvent
	}
	c.whole[s.State] += s.T.Sub(c.from)
	if s.T > lastEvent {
		c.after[s.State] += s.T.Sub(max(c.from, lastEvent))
	}
	c.from = s.T
}

// TimeInState returns the time in each state up to the last event, at
// lastEvent.
func (c *stateClock) TimeInState(lastEvent kernel.Time) TimeInState {
	after := c.after
	if lastEvent != c.afterEvent {
		after = [numStates]kernel.Duration{}
	}
	in := func(s State) float64 { return (c.whole[s] - after[s]).Seconds() }
	return TimeInState{Stable: in(Stable), Degraded: in(Degraded), Collapsed: in(Collapsed)}
}
