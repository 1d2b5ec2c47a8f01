package model

import "github.com/agentchaos/agentchaos/kernel"

// WorkerConfig is the worker pool. A request's service time is
//
//	(Overhead + work · S) · (1 + Slowdown.Alpha · pressure^Slowdown.Gamma)
//
// with S drawn from Service and pressure = depth/Buffer, the queue's fill
// when service starts: the feedback loop by which a long queue makes the
// workers slower (contention, swapping, GC pressure), and a slower pool
// makes the queue longer.
type WorkerConfig struct {
	Count    int      `json:"count"`
	Service  Dist     `json:"service"`  // base service time per work unit, seconds
	Overhead float64  `json:"overhead"` // fixed part of every service, seconds
	Slowdown Slowdown `json:"slowdown"`
}

// Slowdown is the pressure law's parameters; Alpha 0 turns it off.
type Slowdown struct {
	Alpha float64 `json:"alpha"`
	Gamma float64 `json:"gamma,omitempty"`
}

func (w *WorkerConfig) validate(v *validator, _ *Config) {
	v.intIn("workers.count", w.Count, 1, MaxWorkers)
	v.dist("workers.service", w.Service, false)
	v.nonNeg("workers.overhead", w.Overhead)
	v.nonNeg("workers.slowdown.alpha", w.Slowdown.Alpha)
	v.nonNeg("workers.slowdown.gamma", w.Slowdown.Gamma)
	if w.Slowdown.Alpha > 0 && !(w.Slowdown.Gamma > 0) {
		v.fail("workers.slowdown.gamma", "must be above 0 when alpha is set")
	}
}

// IdleWorkers chooses the worker that takes a request, a clock-free value:
// the most recently freed one (a stack), and worker 0 first at the start.
type IdleWorkers struct{ stack []int32 }

// NewIdleWorkers returns n idle workers, 0 to n−1.
func NewIdleWorkers(n int) IdleWorkers {
	w := IdleWorkers{stack: make([]int32, n)}
	for i := range w.stack {
		w.stack[i] = int32(n - 1 - i) // worker 0 is taken first
	}
	return w
}

// Take returns the worker to put on a request; false if every worker is
// busy. O(1).
func (w *IdleWorkers) Take() (int32, bool) {
	n := len(w.stack)
	if n == 0 {
		return 0, false
	}
	worker := w.stack[n-1]
	w.stack = w.stack[:n-1]
	return worker, true
}

// Put returns a worker to the idle ones. O(1).
func (w *IdleWorkers) Put(worker int32) { w.stack = append(w.stack, worker) }

// Len returns the number of idle workers.
func (w *IdleWorkers) Len() int { return len(w.stack) }

// workers is the worker pool stage: a free worker takes the next waiting
// request; its service time follows the pressure law. The base service
// demand of attempt k of agent's request seq comes from its own stream
// ("service", agent, seq, k).
type workers struct {
	s      *System
	queue  *queue
	faults *faults
	idle   IdleWorkers
	kDone  kernel.Kind

	// Zombies counts attempts a worker finished after their client had
	// given up; ZombieWork sums the worker time spent on attempts whose
	// client had given up (finished or stopped).
	Zombies    uint64
	ZombieWork kernel.Duration

	buffer      float64
	overhead    float64
	alpha, gama float64
	work        []float64 // work units of each workload type
	service     sampler
	fService    kernel.Family
}

func newWorkers(s *System) *workers {
	c := &s.cfg.Workers
	w := &workers{s: s, idle: NewIdleWorkers(c.Count), buffer: float64(s.cfg.Queue.Buffer),
		overhead: c.Overhead, alpha: c.Slowdown.Alpha, gama: c.Slowdown.Gamma,
		service: c.Service.compile(), fService: kernel.NewFamily(s.cfg.Seed, "service")}
	for _, t := range s.cfg.Agents.Mix {
		w.work = append(w.work, t.Work)
	}
	w.kDone = s.sim.Register(w.done)
	return w
}

// pressure is the queue's fill, depth/Buffer, in [0, 1]; 0 without a
// waiting room.
func (w *workers) pressure() float64 {
	if w.buffer == 0 {
		return 0
	}
	return float64(w.s.depth) / w.buffer
}

// base draws the base service time per work unit of attempt k of agent's
// request seq, in seconds.
func (w *workers) base(agent, seq, k int32) float64 {
	st := w.fService.Stream(uint64(agent), uint64(seq), uint64(k))
	return w.service.draw(&st)
}

// serviceTime is the pressure law for attempt a starting at the given
// pressure: (Overhead + work·base)·(1 + α·pressure^γ).
func (w *workers) serviceTime(a *attempt, pressure float64) kernel.Duration {
	svc := w.overhead + float64(w.work[a.workload]*w.base(a.agent, a.seq, a.k))
	if w.alpha > 0 && pressure > 0 {
		svc = float64(svc * (1 + float64(w.alpha*kernel.Pow(pressure, w.gama))))
	}
	return kernel.Seconds(svc)
}

// start puts worker on attempt att. The service time and the fault
// injector's decisions depend on the queue's pressure as service starts.
func (w *workers) start(worker int32, att int32) {
	s := w.s
	a := s.atts.at(att)
	e := s.attemptEvent(Started, att)
	e.Worker = worker
	s.emit(e)
	p := w.pressure()
	svc := w.serviceTime(a, p) + w.faults.decide(a, p)
	a.worker, a.startedAt = worker, s.sim.Now()
	a.service = s.sim.After(svc, w.kDone, int64(worker), int64(att))
}

// done: worker ev.ID finished attempt ev.Arg. The answer goes out, and the
// worker takes the next waiting attempt or goes idle.
func (w *workers) done(ev kernel.Event) {
	worker, att := int32(ev.ID), int32(ev.Arg)
	a := w.s.atts.at(att)
	a.worker = -1
	if a.abandoned {
		w.Zombies++
		w.ZombieWork += w.s.sim.Now().Sub(a.startedAt)
	}
	w.faults.respond(worker, att)
	w.free(worker)
}

// free: worker takes the next waiting attempt, or goes idle.
func (w *workers) free(worker int32) {
	if next, ok := w.queue.next(); ok {
		w.start(worker, next)
		return
	}
	w.idle.Put(worker)
}

// drop stops the service of attempt att, whose client gave up, if it is in
// service (deadline propagation into service): the worker is freed at once.
func (w *workers) drop(att int32) {
	s := w.s
	a := s.atts.at(att)
	if a.worker < 0 || !s.sim.Cancel(a.service) {
		return
	}
	worker := a.worker
	a.worker = -1
	w.ZombieWork += s.sim.Now().Sub(a.startedAt)
	s.inSystem--
	e := s.attemptEvent(Dropped, att)
	e.Worker = worker
	e.Latency = s.sim.Now().Sub(a.arrived)
	s.emit(e)
	s.leavePath(att)
	w.free(worker)
}
