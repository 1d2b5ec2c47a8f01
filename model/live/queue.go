package live

import (
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// queueStage is the bounded waiting room: a FIFO of at most Buffer waiting
// requests under the run's lock. A request handed to a worker is in service
// and no longer counts. It is a slice rather than a buffered channel because
// a timed-out request must give its place back at once, and a channel
// cannot drop an entry from its middle.
type queueStage struct {
	fifo    []*request // oldest at fifo[head]; may hold timed-out entries
	head    int
	waiting int // requests waiting, timed-out ones excluded: the depth
	timeout kernel.Duration
}

func (s *system) initQueue() {
	s.fifo = make([]*request, 0, min(s.cfg.Queue.Buffer, 1<<16))
	s.timeout = kernel.Seconds(s.cfg.Queue.Timeout)
}

// offer puts a new request to the queue at time t: straight to a free worker,
// into the waiting room if it has a place, else rejected at once (503). The
// put never blocks. mu held.
func (s *system) offer(r *request, t kernel.Time) {
	if w, ok := s.idleWorker(); ok {
		s.inSystem++
		s.emit(s.event(t, model.Enqueued, r))
		s.start(w, r, t)
		s.assign[w] <- r // the worker is idle, its slot empty: never blocks
		return
	}
	if s.waiting < s.cfg.Queue.Buffer {
		s.inSystem++
		s.waiting++
		r.queued = true
		s.fifo = append(s.fifo, r)
		s.emit(s.event(t, model.Enqueued, r))
		if s.timeout > 0 {
			s.arm(r, t.Add(s.timeout))
		}
		return
	}
	e := s.event(t, model.Rejected, r)
	e.Failure = model.QueueOverflow
	s.emit(e)
	s.finish(r, model.QueueOverflow, t)
}

// take removes the oldest waiting request, skipping entries that timed out;
// ok is false if none waits. mu held.
func (s *system) take() (r *request, ok bool) {
	for s.head < len(s.fifo) {
		r = s.fifo[s.head]
		s.fifo[s.head] = nil
		s.head++
		if s.head == len(s.fifo) {
			s.fifo, s.head = s.fifo[:0], 0
		} else if s.head >= 1024 && s.head*2 >= len(s.fifo) {
			n := copy(s.fifo, s.fifo[s.head:])
			clear(s.fifo[n:])
			s.fifo, s.head = s.fifo[:n], 0
		}
		if !r.queued {
			continue
		}
		r.queued = false
		s.waiting--
		s.disarm(r)
		return r, true
	}
	return nil, false
}

// arm starts request r's queue timeout, due at simulated time due. mu held.
func (s *system) arm(r *request, due kernel.Time) {
	s.wg.Add(1)
	r.timer = time.AfterFunc(time.Until(s.clk.wall(due)), func() {
		defer s.wg.Done()
		s.expire(r)
	})
}

// disarm stops r's timeout if it has one. If the timer already fired, its
// function is waiting for the lock and will find r no longer queued (or the
// run closed) and do nothing. mu held.
func (s *system) disarm(r *request) {
	if r.timer != nil && r.timer.Stop() {
		s.wg.Done()
	}
	r.timer = nil
}

// disarmAll stops every armed timeout at the end of a run. mu held.
func (s *system) disarmAll() {
	for _, r := range s.fifo[s.head:] {
		s.disarm(r)
	}
}

// expire: request r's queue timeout fired (504), unless a worker took it
// first or the run is over.
func (s *system) expire(r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !r.queued {
		return
	}
	t := s.clk.now()
	r.queued = false
	r.timer = nil
	s.waiting--
	s.inSystem--
	e := s.event(t, model.Failed, r)
	e.Failure = model.TimedOut
	e.Latency = t.Sub(r.created)
	s.emit(e)
	s.finish(r, model.TimedOut, t)
}
