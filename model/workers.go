package model

import "github.com/agentchaos/agentchaos/kernel"

// workerStage is the worker pool: c workers; a free worker takes the next
// waiting request.
type workerStage struct {
	idle []int32 // free workers, as a stack: the most recently freed first
}

func (s *system) initWorkers() {
	w := &s.cfg.Workers
	s.idle = make([]int32, w.Count)
	for i := range s.idle {
		s.idle[i] = int32(w.Count - 1 - i) // worker 0 is taken first
	}
}

func (s *system) idleWorker() (int32, bool) { return PopIdle(&s.idle) }

// PopIdle takes the most recently freed worker off an idle stack; false if
// every worker is busy. Both modes keep their idle workers this way, so a
// request goes to the same worker in each.
func PopIdle(idle *[]int32) (int32, bool) {
	n := len(*idle)
	if n == 0 {
		return 0, false
	}
	w := (*idle)[n-1]
	*idle = (*idle)[:n-1]
	return w, true
}

// start puts worker w on request slot. The service time and the fault
// injector's decision (see Sampler.ServiceTime and Sampler.Fails) depend on
// the queue's pressure as service starts.
func (s *system) start(w int32, slot int32) {
	r := &s.reqs[slot]
	e := s.event(Started, slot)
	e.Worker = w
	s.emit(e)
	p := s.draws.Pressure(s.waiting)
	r.fail = s.draws.Fails(&r.Draws, p)
	s.sim.After(s.draws.ServiceTime(&r.Draws, p), kindDone, int64(w), int64(slot))
}

// done: worker ev.ID finished request ev.Arg. It reports the outcome, then
// takes the next waiting request or goes idle.
func (s *system) done(ev kernel.Event) {
	w, slot := int32(ev.ID), int32(ev.Arg)
	r := &s.reqs[slot]
	if d := s.draws.ResponseDelay(&r.Draws); d > 0 {
		s.sim.After(d, kindRespond, int64(w), int64(slot))
	} else {
		s.respond(ev)
	}
	if next, ok := s.take(); ok {
		s.start(w, next)
		return
	}
	s.idle = append(s.idle, w)
}

// respond: the response to request ev.Arg, served by worker ev.ID, reaches
// its agent: the request completes, or fails if the fault injector decided so.
func (s *system) respond(ev kernel.Event) {
	w, slot := int32(ev.ID), int32(ev.Arg)
	r := &s.reqs[slot]
	s.inSystem--
	e := s.event(Completed, slot)
	e.Worker = w
	e.Latency = s.sim.Now().Sub(r.created)
	if r.fail {
		e.Type, e.Failure = Failed, FaultError
	}
	s.emit(e)
	s.finish(slot, e.Failure)
}

// ServiceTime is the worker law: (Overhead + work·base)·(1 + α·pressure^γ),
// plus the spike unless it is in the response, for a request starting at
// the given queue pressure (depth/Buffer in [0, 1]).
func (s *Sampler) ServiceTime(d *Draws, pressure float64) kernel.Duration {
	w := &s.cfg.Workers
	svc := w.Overhead + float64(s.cfg.Agents.Mix[d.Workload].Work*d.Base)
	if w.Slowdown.Alpha > 0 && pressure > 0 {
		svc = float64(svc * (1 + float64(w.Slowdown.Alpha*kernel.Pow(pressure, w.Slowdown.Gamma))))
	}
	if s.cfg.Faults.SpikeInResponse {
		return kernel.Seconds(svc)
	}
	return kernel.Seconds(svc) + d.Spike
}

// ResponseDelay is how long the response to a finished request takes to
// reach its agent: the spike when spikes are in the response, else 0.
func (s *Sampler) ResponseDelay(d *Draws) kernel.Duration {
	if s.cfg.Faults.SpikeInResponse {
		return d.Spike
	}
	return 0
}
