package model

import "github.com/agentchaos/agentchaos/kernel"

// QueueConfig is the bounded async queue.
type QueueConfig struct {
	// Buffer is the number of waiting places. Requests in service do not
	// count against it: with c workers at most c+Buffer requests are in the
	// system (M/M/c/(c+Buffer) in textbook notation). A request that finds a
	// worker free never waits; one that finds every worker busy and Buffer
	// requests waiting is rejected at once (503, QUEUE_OVERFLOW).
	Buffer int `json:"buffer"`
	// Timeout fails a request that has waited this long without a worker
	// (504, QUEUE_TIMEOUT); 0 means no timeout.
	Timeout float64 `json:"timeout,omitempty"`
	// RetryAfter is the Retry-After (seconds) the server sends with a 503;
	// clients whose retry policy honours it wait at least that long before
	// retrying. 0 sends none.
	RetryAfter float64 `json:"retry_after,omitempty"`
}

func (q *QueueConfig) validate(v *validator, _ *Config) {
	v.intIn("queue.buffer", q.Buffer, 0, MaxBuffer)
	v.nonNeg("queue.timeout", q.Timeout)
	v.nonNeg("queue.retry_after", q.RetryAfter)
}

// WaitingRoom is a bounded FIFO of waiting requests, a clock-free value:
// Put admits a request if a place is free, Take hands out the oldest, and
// Abandon removes any one of them in O(1) by the ticket Put gave it (a
// request whose timeout fired, or whose client gave up). The zero value is
// a room with no places.
//
// Invariant: entries[head:] holds, in arrival order, every request put and
// not yet taken, abandoned ones marked gone; Len counts the others. Entry i
// of the slice has ticket base+i.
type WaitingRoom struct {
	capacity int
	entries  []roomEntry
	head     int
	base     uint64 // ticket of entries[0]
	waiting  int
}

type roomEntry struct {
	slot int32
	gone bool
}

// NewWaitingRoom returns an empty room with the given number of places.
func NewWaitingRoom(places int) WaitingRoom {
	// Tickets start far from 0 so that PutFront can hand out smaller ones.
	return WaitingRoom{capacity: places, entries: make([]roomEntry, 0, min(places, 1<<16)), base: 1 << 62}
}

// Len returns the number of requests waiting: the queue's depth.
func (w *WaitingRoom) Len() int { return w.waiting }

// Places returns the room's capacity.
func (w *WaitingRoom) Places() int { return w.capacity }

// Put admits request slot if a place is free and returns its ticket; ok is
// false when the room is full. O(1) amortised.
func (w *WaitingRoom) Put(slot int32) (ticket uint64, ok bool) {
	if w.waiting >= w.capacity {
		return 0, false
	}
	w.waiting++
	w.entries = append(w.entries, roomEntry{slot: slot})
	return w.base + uint64(len(w.entries)-1), true
}

// Take removes and returns the oldest waiting request; ok is false if none
// waits. O(1) amortised: abandoned entries are dropped as they reach the
// front, and the slice is compacted once half of it is behind the front.
func (w *WaitingRoom) Take() (slot int32, ok bool) {
	for w.head < len(w.entries) {
		e := w.entries[w.head]
		w.head++
		if w.head == len(w.entries) {
			w.base += uint64(len(w.entries))
			w.entries, w.head = w.entries[:0], 0
		} else if w.head >= 1024 && w.head*2 >= len(w.entries) {
			n := copy(w.entries, w.entries[w.head:])
			w.base += uint64(w.head)
			w.entries, w.head = w.entries[:n], 0
		}
		if e.gone {
			continue
		}
		w.waiting--
		return e.slot, true
	}
	return 0, false
}

// PutFront puts request slot at the head of the room, ahead of every
// waiting request and regardless of capacity (a request whose service was
// interrupted), and returns its ticket. O(1) amortised.
func (w *WaitingRoom) PutFront(slot int32) uint64 {
	if w.head == 0 {
		// Make room at the front: half as much again as is in use.
		grow := len(w.entries)/2 + 8
		e := make([]roomEntry, grow+len(w.entries), grow+cap(w.entries))
		copy(e[grow:], w.entries)
		w.entries, w.head, w.base = e, grow, w.base-uint64(grow)
	}
	w.head--
	w.entries[w.head] = roomEntry{slot: slot}
	w.waiting++
	return w.base + uint64(w.head)
}

// TakeNewest removes and returns the newest waiting request (LIFO); ok is
// false if none waits. O(1) amortised.
func (w *WaitingRoom) TakeNewest() (slot int32, ok bool) {
	for len(w.entries) > w.head {
		e := w.entries[len(w.entries)-1]
		w.entries = w.entries[:len(w.entries)-1]
		if e.gone {
			continue
		}
		w.waiting--
		return e.slot, true
	}
	return 0, false
}

// TakeRank removes and returns the waiting request of rank r, 0 being the
// oldest; ok is false if fewer than r+1 wait. O(n).
func (w *WaitingRoom) TakeRank(r int) (slot int32, ok bool) {
	if r < 0 || r >= w.waiting {
		return 0, false
	}
	if r == 0 {
		return w.Take()
	}
	for i := w.head; ; i++ {
		if w.entries[i].gone {
			continue
		}
		if r == 0 {
			w.entries[i].gone = true
			w.waiting--
			return w.entries[i].slot, true
		}
		r--
	}
}

// Abandon removes the waiting request with the given ticket. It panics if
// that request is not waiting. O(1).
func (w *WaitingRoom) Abandon(ticket uint64) {
	i := int(ticket - w.base)
	if ticket < w.base || i < w.head || i >= len(w.entries) || w.entries[i].gone {
		panic("model: Abandon of a request that is not waiting")
	}
	w.entries[i].gone = true
	w.waiting--
}

// serverAttempt is an attempt's state on the server side.
type serverAttempt struct {
	fail       bool            // the fault injector's decision, made as service starts
	delay      kernel.Duration // a spike in the response path
	ticket     uint64          // its place in the waiting room, while it waits
	timeout    kernel.EventID  // its queue timeout, while it waits
	worker     int32           // the worker serving it, -1 when none
	service    kernel.EventID  // the end of its service, while in service
	startedAt  kernel.Time
	retryAfter kernel.Duration // the Retry-After the server answered with
}

// queue is the bounded async queue stage: it admits attempts to an idle
// worker, to the waiting room, or rejects them (503, with the Retry-After
// set in queue.retry_after), and answers 504 for those that wait longer
// than the timeout. With deadline propagation it drops, when a worker would
// take it, an attempt whose client has given up.
type queue struct {
	s          *System
	up         replier
	workers    *workers
	room       WaitingRoom
	timeout    kernel.Duration
	retryAfter kernel.Duration
	dropGone   bool
	kTimeout   kernel.Kind
}

func newQueue(s *System) *queue {
	q := &queue{s: s, room: NewWaitingRoom(s.cfg.Queue.Buffer), timeout: kernel.Seconds(s.cfg.Queue.Timeout),
		retryAfter: kernel.Seconds(s.cfg.Queue.RetryAfter)}
	q.kTimeout = s.sim.Register(q.expire)
	return q
}

// send: an attempt arrives at the server. It goes straight to an idle
// worker, into the waiting room if it has a place, else is rejected at once
// (503).
func (q *queue) send(att int32) {
	s := q.s
	a := s.atts.at(att)
	a.arrived, a.worker = s.sim.Now(), -1
	if w, ok := q.workers.take(); ok {
		s.inSystem++
		s.emit(s.attemptEvent(Enqueued, att))
		q.workers.start(w, att)
		return
	}
	if ticket, ok := q.room.Put(att); ok {
		s.inSystem++
		s.depth = q.room.Len()
		a.ticket = ticket
		s.emit(s.attemptEvent(Enqueued, att))
		if q.timeout > 0 {
			a.timeout = s.sim.After(q.timeout, q.kTimeout, int64(att), 0)
		}
		return
	}
	e := s.attemptEvent(Rejected, att)
	e.Failure = QueueOverflow
	s.emit(e)
	a.retryAfter = q.retryAfter
	q.up.reply(att, QueueOverflow)
}

// next hands the oldest waiting attempt to a worker that is free; ok is
// false if none waits.
func (q *queue) next() (int32, bool) {
	s := q.s
	for {
		att, ok := q.room.Take()
		if !ok {
			return 0, false
		}
		s.depth = q.room.Len()
		a := s.atts.at(att)
		s.sim.Cancel(a.timeout)
		if q.dropGone && a.abandoned {
			s.inSystem--
			e := s.attemptEvent(Dropped, att)
			e.Latency = s.sim.Now().Sub(a.arrived)
			s.emit(e)
			s.leavePath(att)
			continue
		}
		return att, true
	}
}

// requeue puts attempt att, whose worker crashed, back at the head of the
// waiting room (beyond its capacity if need be).
func (q *queue) requeue(att int32) {
	s := q.s
	s.atts.at(att).ticket = q.room.PutFront(att)
	s.depth = q.room.Len()
	s.emit(s.attemptEvent(Requeued, att))
}

// expire: a waiting attempt's timeout fired: the server answers 504.
func (q *queue) expire(ev kernel.Event) {
	s := q.s
	att := int32(ev.ID)
	a := s.atts.at(att)
	q.room.Abandon(a.ticket)
	s.depth = q.room.Len()
	s.inSystem--
	e := s.attemptEvent(Responded, att)
	e.Failure = TimedOut
	e.Latency = s.sim.Now().Sub(a.arrived)
	s.emit(e)
	q.up.reply(att, TimedOut)
}
