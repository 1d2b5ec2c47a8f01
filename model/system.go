package model

import (
	"fmt"

	"github.com/agentchaos/agentchaos/kernel"
)

// Event kinds of the simulation on the kernel.
const (
	kindWake    kernel.Kind = iota // an agent creates its next request(s); ID = agent
	kindDone                       // a worker finishes a service; ID = worker, Arg = request slot
	kindTimeout                    // a waiting request times out; ID = request slot
	kindTick                       // the monitor's control period ends
	kindRespond                    // a delayed response reaches its agent; ID = worker, Arg = request slot
)

// Options are the per-run settings that are not part of a scenario.
type Options struct {
	// Sinks receive every lifecycle event after the telemetry (trace files).
	Sinks []Sink
}

// Run simulates cfg to completion and returns its report. It returns a
// *FieldError if cfg is invalid. Same cfg, same report, bit for bit.
func Run(cfg *Config, opt Options) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	s := newSystem(cfg, opt)
	s.sim.Run()
	r := BuildReport(cfg, s.mon, s.lastEvent, "simulated")
	r.Events = s.sim.Fired()
	r.TraceHash = fmt.Sprintf("%016x", s.hash.Sum())
	return r, nil
}

// system is one run's state: the four simulated stages (agents.go,
// queue.go, workers.go, faults.go) on one kernel.Sim, feeding the monitor.
type system struct {
	cfg       *Config
	sim       *kernel.Sim
	mon       *Monitor
	sinks     []Sink
	hash      kernel.TraceHash
	lastEvent kernel.Time

	draws *Sampler

	agentStage
	queueStage
	workerStage

	reqs     []request // slots; a request lives in one from creation to its end
	free     []int32   // free slots
	inSystem int       // accepted requests not yet ended
	period   kernel.Duration
}

// request is one request in flight. Everything random about it is drawn
// from its own stream when it is created.
type request struct {
	Draws
	agent, seq int32
	abandoned  bool // timed out while waiting; its queue entry is skipped
	fail       bool // the fault injector's decision, made when service starts
	created    kernel.Time
	timeout    kernel.EventID
}

func newSystem(cfg *Config, opt Options) *system {
	s := &system{cfg: cfg, sim: kernel.New(), mon: NewMonitor(cfg), sinks: opt.Sinks,
		period: kernel.Seconds(cfg.Detector.Period), draws: NewSampler(cfg)}
	s.sim.Trace(s.hash.Add)
	for k, h := range []kernel.Handler{kindWake: s.wake, kindDone: s.done, kindTimeout: s.expire, kindTick: s.tick, kindRespond: s.respond} {
		if s.sim.Register(h) != kernel.Kind(k) {
			panic("model: event kinds out of order")
		}
	}
	s.initAgents()
	s.initQueue()
	s.initWorkers()
	s.sim.At(kernel.Time(s.period), kindTick, 0, 0)
	return s
}

// emit sends one lifecycle event to the monitor and the extra sinks.
func (s *system) emit(e Event) {
	s.lastEvent = e.T
	s.mon.Observe(e)
	for _, k := range s.sinks {
		k.Observe(e)
	}
}

// event returns the lifecycle event of request slot at the current time.
func (s *system) event(t EventType, slot int32) Event {
	r := &s.reqs[slot]
	return Event{T: s.sim.Now(), Type: t, Workload: r.Workload, Agent: r.agent, Seq: r.seq,
		Worker: -1, Depth: int32(s.waiting)}
}

func (s *system) allocSlot() int32 {
	if n := len(s.free); n > 0 {
		slot := s.free[n-1]
		s.free = s.free[:n-1]
		return slot
	}
	s.reqs = append(s.reqs, request{})
	return int32(len(s.reqs) - 1)
}

// finish ends an accepted or rejected request with its outcome: the agent
// reacts, and the slot is freed unless a queue entry still refers to it.
func (s *system) finish(slot int32, outcome FailureKind) {
	r := &s.reqs[slot]
	s.agentReact(r, outcome)
	if !r.abandoned {
		s.free = append(s.free, slot)
	}
}

// tick ends a control period; ticks continue while anything can still happen.
func (s *system) tick(ev kernel.Event) {
	s.mon.Tick(ev.At)
	if s.activeAgents > 0 || s.inSystem > 0 {
		s.sim.After(s.period, kindTick, 0, 0)
	}
}
