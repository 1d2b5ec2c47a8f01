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
}

func (q *QueueConfig) validate(v *validator, _ *Config) {
	v.intIn("queue.buffer", q.Buffer, 0, MaxBuffer)
	v.nonNeg("queue.timeout", q.Timeout)
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
	return WaitingRoom{capacity: places, entries: make([]roomEntry, 0, min(places, 1<<16))}
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

// queue is the bounded async queue stage: it admits requests to an idle
// worker, to the waiting room, or rejects them (503), and fails those that
// wait longer than the timeout (504).
type queue struct {
	s        *System
	up       replier
	workers  *workers
	room     WaitingRoom
	timeout  kernel.Duration
	kTimeout kernel.Kind
}

func newQueue(s *System) *queue {
	q := &queue{s: s, room: NewWaitingRoom(s.cfg.Queue.Buffer), timeout: kernel.Seconds(s.cfg.Queue.Timeout)}
	q.kTimeout = s.sim.Register(q.expire)
	return q
}

// send offers a new request to the server: straight to an idle worker, into
// the waiting room if it has a place, else rejected at once (503).
func (q *queue) send(slot int32) {
	if w, ok := q.workers.idle.Take(); ok {
		q.s.inSystem++
		q.s.emit(q.s.event(Enqueued, slot))
		q.workers.start(w, slot)
		return
	}
	if ticket, ok := q.room.Put(slot); ok {
		q.s.inSystem++
		q.s.depth = q.room.Len()
		r := &q.s.reqs[slot]
		r.ticket = ticket
		q.s.emit(q.s.event(Enqueued, slot))
		if q.timeout > 0 {
			r.timeout = q.s.sim.After(q.timeout, q.kTimeout, int64(slot), 0)
		}
		return
	}
	e := q.s.event(Rejected, slot)
	e.Failure = QueueOverflow
	q.s.emit(e)
	q.up.reply(slot, QueueOverflow)
}

// next hands the oldest waiting request to a worker that is free; ok is
// false if none waits.
func (q *queue) next() (int32, bool) {
	slot, ok := q.room.Take()
	if !ok {
		return 0, false
	}
	q.s.depth = q.room.Len()
	q.s.sim.Cancel(q.s.reqs[slot].timeout)
	return slot, true
}

// expire: a waiting request's timeout fired (504).
func (q *queue) expire(ev kernel.Event) {
	slot := int32(ev.ID)
	r := &q.s.reqs[slot]
	q.room.Abandon(r.ticket)
	q.s.depth = q.room.Len()
	q.s.inSystem--
	e := q.s.event(Failed, slot)
	e.Failure = TimedOut
	e.Latency = q.s.sim.Now().Sub(r.created)
	q.s.emit(e)
	q.up.reply(slot, TimedOut)
}
