package model

import (
	"fmt"

	"github.com/agentchaos/agentchaos/kernel"
)

// WorkerConfig is the worker pool. A request's service time is
//
//	(Overhead + work · S) · (1 + Slowdown.Alpha · pressure^Slowdown.Gamma)
//
// with S drawn from Service and pressure = depth/Buffer, the queue's fill
// when service starts: the feedback loop by which a long queue makes the
// workers slower (contention, swapping, GC pressure), and a slower pool
// makes the queue longer.
//
// Concurrency adds the cost of serving many requests at once: "linear"
// adds Slope seconds per request in service (the new one included), fixed
// when service starts; "usl" multiplies by the Universal Scalability Law's
// 1 + Sigma·(n−1) + Kappa·n·(n−1) for n in service. With Unbounded there is
// no limit on workers (Count 0): a server whose slowness comes from its own
// concurrency, the capacity-degradation amplification of Huang et al.
type WorkerConfig struct {
	Count       int             `json:"count"`
	Service     Dist            `json:"service"`  // base service time per work unit, seconds
	Overhead    float64         `json:"overhead"` // fixed part of every service, seconds
	Slowdown    Slowdown        `json:"slowdown"`
	Concurrency *ConcurrencyLaw `json:"concurrency,omitempty"`
	Unbounded   bool            `json:"unbounded,omitempty"`
}

// ConcurrencyLaw is how service time grows with the requests in service.
type ConcurrencyLaw struct {
	Kind  string  `json:"kind"` // "linear" or "usl"
	Slope float64 `json:"slope,omitempty"`
	Sigma float64 `json:"sigma,omitempty"`
	Kappa float64 `json:"kappa,omitempty"`
}

// Concurrency laws.
const (
	LinearCost = "linear"
	USL        = "usl"
)

// Slowdown is the pressure law's parameters; Alpha 0 turns it off.
type Slowdown struct {
	Alpha float64 `json:"alpha"`
	Gamma float64 `json:"gamma,omitempty"`
}

func (w *WorkerConfig) validate(v *validator, _ *Config) {
	if w.Unbounded {
		v.intIn("workers.count", w.Count, 0, 0)
	} else {
		v.intIn("workers.count", w.Count, 1, MaxWorkers)
	}
	if c := w.Concurrency; c != nil {
		switch c.Kind {
		case LinearCost:
			v.seconds("workers.concurrency.slope", c.Slope)
			v.unused("workers.concurrency.sigma", c.Sigma != 0 || c.Kappa != 0, `applies to kind "usl"`)
		case USL:
			v.nonNeg("workers.concurrency.sigma", c.Sigma)
			v.nonNeg("workers.concurrency.kappa", c.Kappa)
			v.unused("workers.concurrency.slope", c.Slope != 0, `applies to kind "linear"`)
		default:
			v.fail("workers.concurrency.kind", fmt.Sprintf("must be %q or %q, not %q", LinearCost, USL, c.Kind))
		}
	}
	v.timeDist("workers.service", w.Service, false)
	v.wait("workers.overhead", w.Overhead)
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

// Remove takes worker out of the idle ones (a crash); false if it was not
// idle. O(n).
func (w *IdleWorkers) Remove(worker int32) bool {
	for i, x := range w.stack {
		if x == worker {
			w.stack = append(w.stack[:i], w.stack[i+1:]...)
			return true
		}
	}
	return false
}

// workers is the worker pool stage: a free worker takes the next waiting
// attempt; its service time follows the pressure law, the concurrency law
// and any scheduled slowdown. The base service demand of attempt k of
// agent's request seq comes from its own stream ("service", agent, seq, k).
type workers struct {
	s      *System
	queue  *queue
	faults *faults
	idle   IdleWorkers
	kDone  kernel.Kind

	serving   []int32 // by worker: the attempt in service, -1 when none
	down      []bool  // by worker: crashed
	busy      Busy    // workers in service
	unbounded bool

	law ServiceLaw

	// Zombies counts attempts a worker finished after their client had
	// given up; ZombieWork sums the worker time spent on attempts whose
	// client had given up (finished or stopped).
	Zombies    uint64
	ZombieWork kernel.Duration
}

func newWorkers(s *System) *workers {
	c := &s.cfg.Workers
	w := &workers{s: s, idle: NewIdleWorkers(c.Count), unbounded: c.Unbounded,
		serving: make([]int32, c.Count), down: make([]bool, c.Count), law: NewServiceLaw(s.cfg)}
	for i := range w.serving {
		w.serving[i] = -1
	}
	w.kDone = s.sim.Register(w.done)
	return w
}

// take returns an idle worker (a new one in an unbounded pool); false if
// every worker is busy or down.
func (w *workers) take() (int32, bool) {
	if worker, ok := w.idle.Take(); ok {
		return worker, true
	}
	if !w.unbounded {
		return 0, false
	}
	w.serving = append(w.serving, -1)
	w.down = append(w.down, false)
	return int32(len(w.serving) - 1), true
}

// pressure is the queue's fill, depth/Buffer, in [0, 1]; 0 without a
// waiting room.
func (w *workers) pressure() float64 { return Pressure(w.s.depth, w.s.cfg.Queue.Buffer) }

// Pressure is a queue's fill, depth/buffer, as the service law and the
// fault injector read it; 0 without a waiting room.
func Pressure(depth, buffer int) float64 {
	if buffer == 0 {
		return 0
	}
	return float64(depth) / float64(buffer)
}

// pressurePower is pressure^exponent for the pressures a queue of buffer
// places can have, Pressure(d, buffer) for d = 0 … buffer, each computed
// once, when first needed (a large buffer costs no setup): the service law
// and the fault injector raise the pressure to a power as every attempt
// starts, and kernel.Pow is the costliest arithmetic of a run. Any other
// pressure is computed as before, so the result is kernel.Pow's to the bit
// either way.
type pressurePower struct {
	exponent float64
	buffer   int
	table    []float64 // −1 where not computed yet; nil: no table (no buffer, or too large a one)
}

// maxPressureTable bounds the table: 64 Ki places, 512 KiB.
const maxPressureTable = 1 << 16

func newPressurePower(exponent float64, buffer int) pressurePower {
	p := pressurePower{exponent: exponent, buffer: buffer}
	if buffer > 0 && buffer <= maxPressureTable {
		p.table = make([]float64, buffer+1)
		for d := range p.table {
			p.table[d] = -1 // a power of a pressure is never negative
		}
	}
	return p
}

// of returns pressure^exponent.
func (p *pressurePower) of(pressure float64) float64 {
	if p.table != nil {
		d := int(float64(pressure*float64(p.buffer)) + 0.5)
		if d >= 0 && d < len(p.table) && Pressure(d, p.buffer) == pressure {
			if p.table[d] < 0 {
				p.table[d] = kernel.Pow(pressure, p.exponent)
			}
			return p.table[d]
		}
	}
	return kernel.Pow(pressure, p.exponent)
}

// ServiceLaw is the workers' service-time law as a clock-free value. Not
// safe for concurrent use: it remembers the powers of the pressures it has
// met (one per run, or a driver's lock around it).
type ServiceLaw struct {
	overhead, alpha, gamma float64
	pow                    pressurePower // pressure^gamma
	law                    ConcurrencyLaw
	work                   []float64 // work units of each workload type
}

// NewServiceLaw returns the law of a validated configuration.
func NewServiceLaw(cfg *Config) ServiceLaw {
	c := &cfg.Workers
	l := ServiceLaw{overhead: c.Overhead, alpha: c.Slowdown.Alpha, gamma: c.Slowdown.Gamma}
	if l.alpha > 0 {
		l.pow = newPressurePower(l.gamma, cfg.Queue.Buffer)
	}
	if c.Concurrency != nil {
		l.law = *c.Concurrency
	}
	for _, t := range cfg.Agents.Mix {
		l.work = append(l.work, t.Work)
	}
	return l
}

// Time is the service of an attempt of the given workload type and base
// demand (Draws.Service) starting at the given pressure with n attempts in
// service (itself included) under the scheduled slowdown factor:
// (Overhead + work·base)·(1 + α·pressure^γ), then the concurrency law, then
// the slowdown.
func (l *ServiceLaw) Time(workload uint8, base, pressure float64, n int, slowdown float64) kernel.Duration {
	svc := l.overhead + float64(l.work[workload]*base)
	if l.alpha > 0 && pressure > 0 {
		svc = float64(svc * (1 + float64(l.alpha*l.pow.of(pressure))))
	}
	switch l.law.Kind {
	case LinearCost:
		svc += float64(l.law.Slope * float64(n))
	case USL:
		m := float64(n - 1)
		svc = float64(svc * (1 + float64(l.law.Sigma*m) + float64(float64(l.law.Kappa*float64(n))*m)))
	}
	if slowdown != 1 {
		svc = float64(svc * slowdown)
	}
	return drawnSeconds(svc)
}

// serviceTime is the service of attempt a starting now at the given
// pressure with n attempts in service (itself included).
func (w *workers) serviceTime(a *attempt, pressure float64, n int) kernel.Duration {
	base := w.s.draws.Service(a.agent, a.seq, a.k)
	return w.law.Time(a.workload, base, pressure, n, w.s.sched.SlowdownAt(w.s.sim.Now()))
}

// start puts worker on attempt att (record a). The service time and the
// fault injector's decisions depend on the queue's pressure as service
// starts.
func (w *workers) start(worker int32, att int32, a *attempt) {
	s := w.s
	e := s.attemptEvent(Started, a)
	e.Worker = worker
	s.emit(e)
	w.busy.Add(s.sim.Now(), 1)
	w.serving[worker] = att
	p := w.pressure()
	svc := w.serviceTime(a, p, w.busy.N) + w.faults.decide(a, p)
	a.worker, a.startedAt = worker, s.sim.Now()
	a.service = s.sim.After(svc, w.kDone, int64(worker), int64(att))
}

// stop ends worker's service of its attempt: it no longer counts as busy.
func (w *workers) stop(worker int32) {
	w.busy.Add(w.s.sim.Now(), -1)
	w.serving[worker] = -1
}

// Busy counts the workers in service and integrates them over time, for
// the utilisation the detector reads. Its zero value is none busy since 0.
type Busy struct {
	N     int // workers in service now
	area  float64
	since kernel.Time
}

// Add changes the count by delta at now.
func (b *Busy) Add(now kernel.Time, delta int) {
	b.area += float64(float64(b.N) * float64(now-b.since))
	b.since = now
	b.N += delta
}

// Time returns ∫ (workers in service) dt from 0 to now, in worker·ns.
func (b *Busy) Time(now kernel.Time) float64 {
	return b.area + float64(float64(b.N)*float64(now-b.since))
}

// done: worker ev.ID finished attempt ev.Arg. The answer goes out, and the
// worker takes the next waiting attempt or goes idle.
func (w *workers) done(ev kernel.Event) {
	worker, att := int32(ev.ID), int32(ev.Arg)
	a := w.s.atts.at(att)
	a.worker = -1
	w.stop(worker)
	if a.abandoned {
		w.Zombies++
		w.ZombieWork += w.s.sim.Now().Sub(a.startedAt)
	}
	w.faults.respond(worker, att, a)
	w.free(worker)
}

// free: worker takes the next waiting attempt, or goes idle.
func (w *workers) free(worker int32) {
	if next, a, ok := w.queue.next(); ok {
		w.start(worker, next, a)
		return
	}
	w.idle.Put(worker)
}

// interrupt stops worker's service of attempt att at once; false if it was
// not in service.
func (w *workers) interrupt(att int32) (int32, bool) {
	s := w.s
	a := s.atts.at(att)
	if a.worker < 0 || !s.sim.Cancel(a.service) {
		return -1, false
	}
	worker := a.worker
	a.worker = -1
	w.stop(worker)
	return worker, true
}

// drop stops the service of attempt att, whose client gave up, if it is in
// service (deadline propagation into service): the worker is freed at once.
func (w *workers) drop(att int32) {
	s := w.s
	a := s.atts.at(att)
	started := a.startedAt
	worker, ok := w.interrupt(att)
	if !ok {
		return
	}
	w.ZombieWork += s.sim.Now().Sub(started)
	s.inSystem--
	e := s.attemptEvent(Dropped, a)
	e.Worker = worker
	e.Latency = s.sim.Now().Sub(a.arrived)
	s.emit(e)
	s.leavePath(att)
	w.free(worker)
}

// crash takes k workers down, the highest-numbered of those up: idle ones
// leave the idle set; a busy one's attempt fails (502 CRASHED) or, with
// requeue, goes back to the head of the queue.
func (w *workers) crash(k int, requeue bool) {
	for worker := int32(len(w.down) - 1); worker >= 0 && k > 0; worker-- {
		if w.down[worker] {
			continue
		}
		k--
		w.down[worker] = true
		if w.idle.Remove(worker) {
			continue
		}
		att := w.serving[worker]
		if _, ok := w.interrupt(att); !ok {
			continue
		}
		if requeue {
			w.queue.requeue(att)
			continue
		}
		w.queue.answer(att, w.s.atts.at(att), worker, Crashed)
	}
}

// restore brings k crashed workers back, the lowest-numbered first; each
// takes the next waiting attempt or goes idle.
func (w *workers) restore(k int) {
	for worker := int32(0); int(worker) < len(w.down) && k > 0; worker++ {
		if w.down[worker] {
			k--
			w.down[worker] = false
			w.free(worker)
		}
	}
}
