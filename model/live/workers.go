package live

import (
	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// workerStage is the worker pool: one goroutine per worker, each with a
// one-place channel through which the queue hands it a request when it is
// idle. Which workers are idle is kept under the run's lock, so a request
// that finds a worker free never waits, as in the simulation.
type workerStage struct {
	idle   []int32 // free workers, as a stack: the most recently freed first
	assign []chan *request
}

func (s *system) initWorkers() {
	n := s.cfg.Workers.Count
	s.idle = make([]int32, n)
	s.assign = make([]chan *request, n)
	for i := range s.idle {
		s.idle[i] = int32(n - 1 - i) // worker 0 is taken first
		s.assign[i] = make(chan *request, 1)
	}
}

func (s *system) idleWorker() (int32, bool) { return model.PopIdle(&s.idle) }

// start puts worker w on request r at time t. The service time and the
// fault decision depend on the queue's pressure as service starts. mu held.
func (s *system) start(w int32, r *request, t kernel.Time) {
	e := s.event(t, model.Started, r)
	e.Worker = w
	s.emit(e)
	p := s.draws.Pressure(s.waiting)
	r.fail = s.draws.Fails(&r.Draws, p)
	r.end = t.Add(s.draws.ServiceTime(&r.Draws, p))
}

// worker is worker w's goroutine: it serves what it is handed, and after
// each service takes the next waiting request itself, or goes idle.
func (s *system) worker(w int32) {
	defer s.wg.Done()
	for {
		var r *request
		select {
		case r = <-s.assign[w]:
		case <-s.ctx.Done():
			return
		}
		for r != nil {
			if !s.sleepUntil(r.end) {
				return
			}
			s.mu.Lock()
			r = s.done(w, r)
			s.mu.Unlock()
		}
	}
}

// done: worker w finished request r. It reports the outcome (at once, or
// after the response delay on a goroutine of its own), then returns the next
// waiting request, now started, or nil and goes idle. mu held.
func (s *system) done(w int32, r *request) *request {
	t := s.clk.now()
	s.late = append(s.late, int64(t-r.end))
	if d := s.draws.ResponseDelay(&r.Draws); d > 0 {
		s.wg.Add(1)
		go func(due kernel.Time) {
			defer s.wg.Done()
			if !s.sleepUntil(due) {
				return
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.closed {
				s.respond(w, r, s.clk.now())
			}
		}(t.Add(d))
	} else {
		s.respond(w, r, t)
	}
	if next, ok := s.take(); ok {
		s.start(w, next, t)
		return next
	}
	s.idle = append(s.idle, w)
	return nil
}

// respond: the response to request r, served by worker w, reaches its agent
// at t: the request completes, or fails if the fault injector decided so.
// mu held.
func (s *system) respond(w int32, r *request, t kernel.Time) {
	s.inSystem--
	e := s.event(t, model.Completed, r)
	e.Worker = w
	e.Latency = t.Sub(r.created)
	if r.fail {
		e.Type, e.Failure = model.Failed, model.FaultError
	}
	s.emit(e)
	s.finish(r, e.Failure, t)
}
