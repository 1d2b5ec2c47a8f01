package model

import (
	"errors"
	"fmt"

	"github.com/agentchaos/agentchaos/kernel"
)

// Options are the per-run settings that are not part of a scenario.
type Options struct {
	// Sinks receive every lifecycle event after the telemetry (trace files),
	// and every control period's Sample if they are SampleSinks.
	Sinks []Sink
	// Interrupt, when closed, stops the run at the end of the control
	// period under way: Run returns the report so far and ErrInterrupted
	// (Ctrl-C). nil: never.
	Interrupt <-chan struct{}
	// MaxPeriods, if in (0, MaxPeriods), stops the run sooner than
	// MaxPeriods does, with the same error (a test's or a preview's bound).
	MaxPeriods int
}

// ErrInterrupted is Run's error when Options.Interrupt stopped it.
var ErrInterrupted = errors.New("interrupted")

// Run simulates cfg to completion and returns its report. It returns a
// *FieldError if cfg is invalid, or if the run reached MaxPeriods control
// periods and was stopped there, and ErrInterrupted if opt.Interrupt
// stopped it (both with the report so far). Same cfg, same report, bit for
// bit.
func Run(cfg *Config, opt Options) (Report, error) {
	s, err := NewSystem(cfg, opt)
	if err != nil {
		return Report{}, err
	}
	s.sim.Run()
	return s.Report(Simulated), s.err
}

// Modes of a run, as its Report names them.
const (
	Simulated = "simulated" // virtual time, to completion
	Live      = "live"      // the same system paced on the wall clock (package live)
)

// The request path. An attempt travels down it from its agent's client
// towards the workers; the server's answer travels back up. Each stage
// passes attempts on with its downstream neighbour's send and answers with
// its upstream neighbour's reply; either end may also let an attempt go
// (see System.release).
type (
	sender  interface{ send(att int32) }
	replier interface {
		reply(att int32, outcome FailureKind)
	}
)

// System is one run of a configuration: its stages on a kernel.Sim, the
// requests and attempts in flight, and the monitor they report to. Run
// drives it in virtual time; package live drives the same System on the
// wall clock. A System is not safe for concurrent use.
//
// Adding a stage: a file with its configuration section (a Config field and
// a line in Config.sections), its event handlers (registered in its
// constructor) and its report; and a line in NewSystem that builds it and
// puts it on the request path.
type System struct {
	cfg   *Config
	sim   *kernel.Sim
	rec   *Recorder
	mon   *monitor // rec's
	draws *Draws
	hash  kernel.TraceHash
	ev    Event // the lifecycle event being emitted (see event)

	reqs     table[request] // the agents' requests, from creation to outcome
	atts     table[attempt] // attempts, from sending until both ends let go
	inSystem int            // attempts admitted to the server and not yet answered or dropped
	depth    int            // attempts waiting in the queue
	period   kernel.Duration
	kTick    kernel.Kind
	// maxPeriods stops a run that reaches it (MaxPeriods, or
	// Options.MaxPeriods), and so does interrupt; err says why it stopped.
	maxPeriods int
	interrupt  <-chan struct{}
	err        error

	spare *arena // during construction: the buffers to grow from

	agents  *agents
	sched   *Schedule
	client  *client
	network *network // nil without toxics
	queue   *queue
	workers *workers
	faults  *faults
}

// request is one request of an agent, from its creation to its outcome.
// Its client state lives in the client stage.
type request struct {
	agent, seq int32
	workload   uint8
	created    kernel.Time
	clientRequest
}

// attempt is one attempt at a request, from the moment the client sends it
// until both the client and the request path are done with it: the client
// when it has its answer or gives up, the path when the answer has gone up
// or the attempt was lost or dropped. A client that gives up early leaves
// the attempt to the server (zombie work) until the server is done too.
type attempt struct {
	req        int32 // the request's slot, while the client holds the attempt
	agent, seq int32
	k          int32 // which attempt at the request, from 0
	group      int32 // its agent's group
	workload   uint8
	created    kernel.Time // the request's creation
	arrived    kernel.Time // arrival at the server

	clientDone bool // the client has its answer or gave up (abandoned, if no answer)
	pathDone   bool // nothing on the request path refers to the attempt any more
	abandoned  bool // the client gave up on it before its answer

	serverAttempt
}

// NewSystem builds the system of cfg at time zero, every agent's first
// wake-up and the first control period scheduled. It returns a *FieldError
// if cfg is invalid.
func NewSystem(cfg *Config, opt Options) (*System, error) {
	return newSystem(cfg, opt, &arena{})
}

// newSystem is NewSystem growing its buffers from spare's (see Runner).
func newSystem(cfg *Config, opt Options, spare *arena) (*System, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	maxPeriods := MaxPeriods
	if opt.MaxPeriods > 0 && opt.MaxPeriods < MaxPeriods {
		maxPeriods = opt.MaxPeriods
	}
	sim := spare.sim
	if sim == nil {
		sim = kernel.New()
	}
	sched := NewSchedule(cfg)
	rec := newRecorder(cfg, sched, opt.Sinks, spare)
	s := &System{cfg: cfg, sim: sim, rec: rec, mon: rec.mon, draws: NewDraws(cfg), sched: sched,
		period: kernel.Seconds(cfg.Detector.Period), maxPeriods: maxPeriods, interrupt: opt.Interrupt,
		reqs: spare.reqs, atts: spare.atts, spare: spare}
	s.sim.HashTrace(&s.hash)
	s.kTick = s.sim.Register(s.tick)

	a, q, w, f := newAgents(s), newQueue(s), newWorkers(s), newFaults(s)
	c := newClient(s)
	// The server: the queue admits, the workers serve, the fault injector
	// answers.
	q.workers, w.queue, w.faults = w, q, f
	q.dropGone = c.propagate != ""
	// The request path: agents, client, network (when it has toxics),
	// server; answers retrace it.
	a.client, c.agents = c, a
	var toServer sender = q
	var fromServer replier = c
	if len(cfg.Network.Toxics) > 0 {
		n := newNetwork(s)
		n.down, n.up = q, c
		toServer, fromServer = n, n
		s.network = n
	}
	c.down, q.up = toServer, fromServer
	s.agents, s.client, s.queue, s.workers, s.faults = a, c, q, w, f
	s.armCrashes()
	s.spare = nil

	s.sim.At(kernel.Time(s.period), s.kTick, 0, 0)
	return s, nil
}

// Sim returns the kernel the system runs on, for a driver.
func (s *System) Sim() *kernel.Sim { return s.sim }

// Err returns why the run was stopped before its end (a *FieldError: it
// reached MaxPeriods control periods; or ErrInterrupted), or nil.
func (s *System) Err() error { return s.err }

// Settled reports whether nothing observable can happen any more: no
// request or attempt is in flight and every agent has created its last
// request. What may remain are control periods and the agents' last
// wake-ups, which find them done; a real-time driver may fire those without
// waiting.
func (s *System) Settled() bool {
	return s.reqs.inUse() == 0 && s.atts.inUse() == 0 && s.agents.spent == len(s.agents.state)
}

// Report assembles the report of the run so far, in the given mode. Its
// Series and Latencies are the system's own: they change if the system
// runs on.
func (s *System) Report(mode string) Report {
	r := s.rec.Report(mode, s.stages())
	r.Events = s.sim.Fired()
	if mode == Simulated {
		r.TraceHash = fmt.Sprintf("%016x", s.hash.Sum())
	}
	return r
}

// emit sends lifecycle event e, from event or attemptEvent, to the
// recorder.
func (s *System) emit(e *Event) { s.rec.observe(e) }

// event returns lifecycle event t of request r at the current time, and
// attemptEvent that of attempt a, for emit. Both fill the System's one
// event in place, field by field, and the recorder reads it by reference:
// the request path emits half a dozen events a request, and building each
// on the stack and copying it on its way cost more than the filling.
func (s *System) event(t EventType, r *request) *Event {
	e := &s.ev
	e.T, e.Type, e.Failure, e.Workload, e.Attempt = s.sim.Now(), t, NoFailure, r.workload, 0
	e.Agent, e.Seq, e.Worker, e.Depth, e.Latency = r.agent, r.seq, -1, int32(s.depth), 0
	return e
}

func (s *System) attemptEvent(t EventType, a *attempt) *Event {
	e := &s.ev
	e.T, e.Type, e.Failure, e.Workload, e.Attempt = s.sim.Now(), t, NoFailure, a.workload, uint8(min(a.k, 255))
	e.Agent, e.Seq, e.Worker, e.Depth, e.Latency = a.agent, a.seq, -1, int32(s.depth), 0
	return e
}

// init makes r, a newly allocated slot's record, agent's request seq,
// created at the given time, and returns it. The record is zeroed in
// place and its fields set one by one (as in attempt.init): a composite
// literal would be built on the stack and copied. The caller allocates the
// slot (s.reqs.alloc()): alloc and init both inline there, where a
// function doing both would be too large to inline.
func (r *request) init(agent, seq int32, workload uint8, created kernel.Time) *request {
	*r = request{}
	r.agent, r.seq, r.workload, r.created = agent, seq, workload, created
	return r
}

// init makes a, a newly allocated slot's record, attempt k at request r
// (slot req), and returns it; as request.init.
func (a *attempt) init(r *request, req, k int32) *attempt {
	*a = attempt{}
	a.req, a.agent, a.seq, a.k, a.group, a.workload, a.created = req, r.agent, r.seq, k, r.group, r.workload, r.created
	return a
}

// leaveClient: the client is done with attempt att (it has the answer or
// gave up on it); leavePath: nothing on the request path refers to it any
// more. The slot is freed when both have happened.
func (s *System) leaveClient(att int32) {
	a := s.atts.at(att)
	a.clientDone = true
	if a.pathDone {
		s.atts.free(att)
	}
}

func (s *System) leavePath(att int32) {
	a := s.atts.at(att)
	a.pathDone = true
	if a.clientDone {
		s.atts.free(att)
	}
}

// leaveBoth: the client and the request path are done with attempt att at
// once (its answer reached the client waiting for it).
func (s *System) leaveBoth(att int32) { s.atts.free(att) }

// tick ends a control period; ticks continue while anything can still happen.
func (s *System) tick(ev kernel.Event) {
	now := s.sim.Now()
	s.rec.Tick(now, s.workers.busy.Time(now), s.sampleStages)
	if s.mon.Periods() >= s.maxPeriods {
		// Congestion made the run longer than its estimate (Config.Cost):
		// stop rather than let the timeline outgrow memory.
		s.err = &FieldError{Path: "detector.period", Msg: fmt.Sprintf(
			"the run reached %d control periods (%.4g s of simulated time) and was stopped: raise detector.period, or shorten the run", s.mon.Periods(), now.Seconds())}
		s.sim.Stop()
		return
	}
	select {
	case <-s.interrupt:
		s.err = ErrInterrupted
		s.sim.Stop()
		return
	default:
	}
	if s.agents.active > 0 || s.reqs.inUse() > 0 || s.inSystem > 0 {
		s.sim.After(s.period, s.kTick, 0, 0)
	}
}

// sampleStages records the stages' state at the end of a control period.
func (s *System) sampleStages(smp *Sample) {
	s.queue.sample(smp)
	s.client.sample(smp.T, smp)
}

// table is a slab of records addressed by int32 slots, reused LIFO.
type table[T any] struct {
	items []T
	spare []int32
}

func (t *table[T]) alloc() int32 {
	if n := len(t.spare); n > 0 {
		slot := t.spare[n-1]
		t.spare = t.spare[:n-1]
		return slot
	}
	var zero T
	t.items = append(t.items, zero)
	return int32(len(t.items) - 1)
}

func (t *table[T]) at(slot int32) *T { return &t.items[slot] }
func (t *table[T]) free(slot int32)  { t.spare = append(t.spare, slot) }
func (t *table[T]) inUse() int       { return len(t.items) - len(t.spare) }
