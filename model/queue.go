package model

import "github.com/agentchaos/agentchaos/kernel"

// queueStage is the bounded async queue: a FIFO waiting room of Buffer
// places. Requests in service do not count against it.
type queueStage struct {
	fifo    []int32 // request slots, oldest at fifo[head]; may hold abandoned entries
	head    int
	waiting int // requests waiting, abandoned ones excluded: the depth
	timeout kernel.Duration
}

func (s *system) initQueue() {
	s.fifo = make([]int32, 0, min(s.cfg.Queue.Buffer, 1<<16))
	s.timeout = kernel.Seconds(s.cfg.Queue.Timeout)
}

// offer puts a new request to the queue: straight to a free worker, into the
// waiting room if it has a place, else rejected at once (503).
func (s *system) offer(slot int32) {
	if w, ok := s.idleWorker(); ok {
		s.inSystem++
		s.emit(s.event(Enqueued, slot))
		s.start(w, slot)
		return
	}
	if s.waiting < s.cfg.Queue.Buffer {
		s.inSystem++
		s.waiting++
		s.fifo = append(s.fifo, slot)
		s.emit(s.event(Enqueued, slot))
		if s.timeout > 0 {
			s.reqs[slot].timeout = s.sim.After(s.timeout, kindTimeout, int64(slot), 0)
		}
		return
	}
	e := s.event(Rejected, slot)
	e.Failure = QueueOverflow
	s.emit(e)
	s.finish(slot, QueueOverflow)
}

// take removes the oldest waiting request, skipping (and freeing) entries
// that timed out; ok is false if none waits.
func (s *system) take() (slot int32, ok bool) {
	for s.head < len(s.fifo) {
		slot = s.fifo[s.head]
		s.head++
		if s.head == len(s.fifo) {
			s.fifo, s.head = s.fifo[:0], 0
		} else if s.head >= 1024 && s.head*2 >= len(s.fifo) {
			n := copy(s.fifo, s.fifo[s.head:])
			s.fifo, s.head = s.fifo[:n], 0
		}
		if s.reqs[slot].abandoned {
			s.reqs[slot].abandoned = false
			s.free = append(s.free, slot)
			continue
		}
		s.waiting--
		if s.timeout > 0 {
			s.sim.Cancel(s.reqs[slot].timeout)
		}
		return slot, true
	}
	return 0, false
}

// expire: a waiting request's timeout fired (504). Its queue entry stays,
// marked abandoned, until take skips it.
func (s *system) expire(ev kernel.Event) {
	slot := int32(ev.ID)
	r := &s.reqs[slot]
	r.abandoned = true
	s.waiting--
	s.inSystem--
	e := s.event(Failed, slot)
	e.Failure = TimedOut
	e.Latency = s.sim.Now().Sub(r.created)
	s.emit(e)
	s.finish(slot, TimedOut)
}
