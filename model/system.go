package model

import (
	"fmt"

	"github.com/agentchaos/agentchaos/kernel"
)

// Options are the per-run settings that are not part of a scenario.
type Options struct {
	// Sinks receive every lifecycle event after the telemetry (trace files),
	// and every control period's Sample if they are SampleSinks.
	Sinks []Sink
}

// Run simulates cfg to completion and returns its report. It returns a
// *FieldError if cfg is invalid. Same cfg, same report, bit for bit.
func Run(cfg *Config, opt Options) (Report, error) {
	s, err := NewSystem(cfg, opt)
	if err != nil {
		return Report{}, err
	}
	s.sim.Run()
	return s.Report(Simulated), nil
}

// Modes of a run, as its Report names them.
const (
	Simulated = "simulated" // virtual time, to completion
	Live      = "live"      // the same system paced on the wall clock (package live)
)

// The request path. A request travels down it from its agent towards the
// workers; its outcome travels back up. Each stage between the two ends
// passes requests on with its downstream neighbour's send and outcomes with
// its upstream neighbour's reply.
type (
	sender  interface{ send(slot int32) }
	replier interface {
		reply(slot int32, outcome FailureKind)
	}
)

// System is one run of a configuration: its stages on a kernel.Sim, the
// requests in flight, and the monitor they report to. Run drives it in
// virtual time; package live drives the same System on the wall clock. A
// System is not safe for concurrent use.
//
// Adding a stage: a file with its configuration section (a Config field and
// a line in Config.sections), its event handlers (registered in its
// constructor), and a line in NewSystem that builds it and puts it on the
// request path.
type System struct {
	cfg   *Config
	sim   *kernel.Sim
	mon   *monitor
	sinks []Sink
	hash  kernel.TraceHash

	reqs      []request // slots; a request lives in one from creation to its outcome
	free      []int32   // free slots
	inSystem  int       // requests admitted to the server and not yet answered
	depth     int       // requests waiting in the queue
	lastEvent kernel.Time
	period    kernel.Duration
	kTick     kernel.Kind

	agents  *agents
	queue   *queue
	workers *workers
	faults  *faults
}

// request is one request in flight, from its creation to its outcome.
type request struct {
	agent, seq int32
	attempt    int32 // which attempt of the request this is, from 0
	workload   uint8
	fail       bool            // the fault injector's decision, made as service starts
	delay      kernel.Duration // a spike in the response path
	created    kernel.Time
	ticket     uint64         // its place in the waiting room, while it waits
	timeout    kernel.EventID // its queue timeout, while it waits
}

// NewSystem builds the system of cfg at time zero, every agent's first
// wake-up and the first control period scheduled. It returns a *FieldError
// if cfg is invalid.
func NewSystem(cfg *Config, opt Options) (*System, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &System{cfg: cfg, sim: kernel.New(), mon: newMonitor(cfg), sinks: opt.Sinks,
		period: kernel.Seconds(cfg.Detector.Period)}
	s.sim.Trace(s.hash.Add)
	s.kTick = s.sim.Register(s.tick)

	a, q, w, f := newAgents(s), newQueue(s), newWorkers(s), newFaults(s)
	// The server: the queue admits, the workers serve, the fault injector
	// answers.
	q.workers, w.queue, w.faults = w, q, f
	// The request path, from the agents to the server.
	a.down, q.up, f.up = q, a, a
	s.agents, s.queue, s.workers, s.faults = a, q, w, f

	s.sim.At(kernel.Time(s.period), s.kTick, 0, 0)
	return s, nil
}

// Sim returns the kernel the system runs on, for a driver.
func (s *System) Sim() *kernel.Sim { return s.sim }

// Settled reports whether nothing observable can happen any more: no
// request is in flight and every agent has created its last request. What
// may remain are control periods and the agents' last wake-ups, which find
// them done; a real-time driver may fire those without waiting.
func (s *System) Settled() bool {
	return len(s.free) == len(s.reqs) && s.agents.spent == len(s.agents.state)
}

// Report assembles the report of the run so far, in the given mode.
func (s *System) Report(mode string) Report {
	r := buildReport(s.cfg, s.mon, s.lastEvent, mode)
	r.Events = s.sim.Fired()
	if mode == Simulated {
		r.TraceHash = fmt.Sprintf("%016x", s.hash.Sum())
	}
	return r
}

// emit sends one lifecycle event to the monitor and the extra sinks.
func (s *System) emit(e Event) {
	s.lastEvent = e.T
	s.mon.Observe(e)
	for _, k := range s.sinks {
		k.Observe(e)
	}
}

// event returns the lifecycle event of request slot at the current time.
func (s *System) event(t EventType, slot int32) Event {
	r := &s.reqs[slot]
	return Event{T: s.sim.Now(), Type: t, Workload: r.workload, Agent: r.agent, Seq: r.seq,
		Worker: -1, Depth: int32(s.depth)}
}

// newRequest allocates the slot of agent's request seq, created now.
func (s *System) newRequest(agent, seq int32, workload uint8) int32 {
	var slot int32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		s.reqs = append(s.reqs, request{})
		slot = int32(len(s.reqs) - 1)
	}
	s.reqs[slot] = request{agent: agent, seq: seq, workload: workload, created: s.sim.Now()}
	return slot
}

// freeRequest ends request slot's life.
func (s *System) freeRequest(slot int32) { s.free = append(s.free, slot) }

// tick ends a control period; ticks continue while anything can still happen.
func (s *System) tick(ev kernel.Event) {
	now := s.sim.Now()
	smp := s.mon.Tick(now)
	for _, k := range s.sinks {
		if ss, ok := k.(SampleSink); ok {
			ss.ObserveSample(smp)
		}
	}
	if s.agents.active > 0 || s.inSystem > 0 {
		s.sim.After(s.period, s.kTick, 0, 0)
	}
}
