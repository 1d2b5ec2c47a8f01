package model

import "github.com/agentchaos/agentchaos/kernel"

// Recorder turns a run's lifecycle events and control periods into its
// Report: the telemetry, the detector, the throttle and the steady-state
// judge, with the extra sinks. A System records through one; so does any
// other driver of the same configuration (package httplive, whose events
// come from real sockets). Not safe for concurrent use: a concurrent driver
// serialises its calls.
type Recorder struct {
	cfg   *Config
	mon   *monitor
	tel   *telemetry // mon's
	slo   *sloStage  // nil without a steady-state hypothesis
	sinks []Sink
}

// NewRecorder returns the recorder of a validated configuration whose
// schedule is sched; sinks see every event after the telemetry, and every
// control period's Sample if they are SampleSinks.
func NewRecorder(cfg *Config, sched *Schedule, sinks []Sink) *Recorder {
	return newRecorder(cfg, sched, sinks, &arena{})
}

// newRecorder is NewRecorder growing its buffers from a's (see Runner).
func newRecorder(cfg *Config, sched *Schedule, sinks []Sink, a *arena) *Recorder {
	r := &Recorder{cfg: cfg, mon: newMonitor(cfg, a), slo: newSLO(cfg, sched, a), sinks: sinks}
	r.tel = r.mon.Telemetry
	if r.slo != nil || len(sinks) > 0 {
		r.tel.next = r
	}
	return r
}

// Observe records one lifecycle event. Events must come in time order,
// and none before a control period already ended (Tick): the time in each
// state is cut at the last event as the periods come.
func (r *Recorder) Observe(e Event) { r.observe(&e) }

// observe is Observe by reference: the System's events go from where they
// are made to the telemetry without a copy at every level, the most
// frequent call of a run (five or so per request). The telemetry passes
// the event on to observeOthers (see telemetry.next): with one call in it,
// this is inlined into the System's emit, a call less per event.
func (r *Recorder) observe(e *Event) { r.tel.observe(e) }

// observeOthers passes an event on to the steady-state hypothesis and the
// sinks, after the telemetry and out of its way: most runs have neither.
func (r *Recorder) observeOthers(e *Event) {
	if r.slo != nil {
		r.slo.observe(e)
	}
	for _, k := range r.sinks {
		k.Observe(*e)
	}
}

// Tick ends the control period at now: the detector classifies it and sets
// the throttle, the steady-state hypothesis is read, stages (if not nil)
// adds the stages' own state to the sample, and the SampleSinks see it.
// busy is the workers' busy time from the start to now, in worker·ns (see
// Busy), from which the detector reads their utilisation.
func (r *Recorder) Tick(now kernel.Time, busy float64, stages func(*Sample)) {
	smp := r.mon.Tick(now, busy)
	if r.slo != nil {
		r.slo.sample(now, smp)
	}
	if stages != nil {
		stages(smp)
	}
	r.mon.keep(smp)
	for _, k := range r.sinks {
		if ss, ok := k.(SampleSink); ok {
			ss.ObserveSample(smp)
		}
	}
}

// UnknownLoad tells the recorder that the driver cannot see the server's
// workers (a target service): the detector's p95-growth rule then applies
// without its utilisation floor.
func (r *Recorder) UnknownLoad() { r.mon.Detector.anyLoad = true }

// ThrottleDelay returns the throttle's extra wait before an agent's next
// request and counts it as used.
func (r *Recorder) ThrottleDelay() kernel.Duration { return r.mon.Throttle.Delay() }

// Stages are the stages' own figures that a Report shows beside the
// telemetry's: what the clients' policies did, the network's toxics, and
// the server's load shedding and zombie work.
type Stages struct {
	Clients []*ClientPolicy // by agent group
	Network *Network        // nil without toxics
	// The server's load shedding: attempts shed by the concurrency limit,
	// by CoDel and by priority; the limiter (nil without one); its
	// priority classes.
	ShedByLimit, ShedByCoDel, ShedByClass uint64
	Limiter                               *Limiter
	Classes                               int
	// Zombies counts attempts a worker finished after their client had
	// given up; ZombieWork the worker time spent on such attempts.
	Zombies    uint64
	ZombieWork kernel.Duration
	// Now is the run's clock as the report is made (breakers' open time).
	Now kernel.Time
}

// Report assembles the report of the run so far, in the given mode, with
// the stages' figures.
func (r *Recorder) Report(mode string, st *Stages) Report {
	rep := buildReport(r.cfg, r.mon, r.mon.Telemetry.LastEvent(), mode)
	reportStages(&rep, r.cfg, r.mon.Telemetry, st)
	if r.slo != nil {
		rep.SLO = r.slo.judge.report(kernel.Seconds(r.cfg.Detector.Period))
	}
	return rep
}

// stages returns the system's stage figures.
func (s *System) stages() *Stages {
	st := &Stages{Clients: s.client.policies, ShedByLimit: s.queue.ShedBy[shedLimit], ShedByCoDel: s.queue.ShedBy[shedCoDel],
		ShedByClass: s.queue.ShedBy[shedPriority], Limiter: s.queue.limiter, Classes: len(s.queue.rooms),
		Zombies: s.workers.Zombies, ZombieWork: s.workers.ZombieWork, Now: s.sim.Now()}
	if s.network != nil {
		st.Network = s.network.Network
	}
	return st
}
