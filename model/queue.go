package model

import (
	"fmt"
	"sort"

	"github.com/agentchaos/agentchaos/kernel"
)

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
	// Discipline is the order waiting attempts are served in: "fifo" (the
	// default), "lifo" or "adaptive_lifo" (newest first while the oldest has
	// waited longer than LIFOAfter seconds). Attempts of agent groups with a
	// more important priority (agents.groups[].priority, 0 the most
	// important) are always served first, and when the waiting room is full
	// an arriving one takes the place of the newest of a less important
	// group, which is shed (503 SHED).
	Discipline string  `json:"discipline,omitempty"`
	LIFOAfter  float64 `json:"lifo_after,omitempty"`
	// CoDel and Limit are load shedding (503 SHED): see CoDelConfig and
	// LimitConfig.
	CoDel *CoDelConfig `json:"codel,omitempty"`
	Limit *LimitConfig `json:"limit,omitempty"`
}

func (q *QueueConfig) validate(v *validator, _ *Config) {
	v.intIn("queue.buffer", q.Buffer, 0, MaxBuffer)
	v.wait("queue.timeout", q.Timeout)
	v.wait("queue.retry_after", q.RetryAfter)
	switch q.Discipline {
	case "", DisciplineFIFO, DisciplineLIFO:
		v.unused("queue.lifo_after", q.LIFOAfter != 0, `applies to discipline "adaptive_lifo"`)
	case DisciplineAdaptiveLIFO:
		v.positiveSeconds("queue.lifo_after", q.LIFOAfter)
	default:
		v.fail("queue.discipline", fmt.Sprintf("must be %q, %q or %q, not %q", DisciplineFIFO, DisciplineLIFO, DisciplineAdaptiveLIFO, q.Discipline))
	}
	if q.CoDel != nil {
		q.CoDel.validate(v)
	}
	if q.Limit != nil {
		q.Limit.validate(v)
	}
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
	w.skipGone()
	if w.head == len(w.entries) {
		return 0, false
	}
	e := w.entries[w.head]
	w.pop()
	w.waiting--
	return e.slot, true
}

// skipGone drops the abandoned entries at the front. Most of the time
// there are none: the test inlines into Take and Peek, the loop stays out
// of line.
func (w *WaitingRoom) skipGone() {
	if w.head < len(w.entries) && w.entries[w.head].gone {
		w.dropGone()
	}
}

func (w *WaitingRoom) dropGone() {
	for w.head < len(w.entries) && w.entries[w.head].gone {
		w.pop()
	}
}

// pop removes the front entry, compacting the slice once it is empty or
// half of it is behind the front.
func (w *WaitingRoom) pop() {
	w.head++
	if w.head == len(w.entries) {
		w.base += uint64(len(w.entries))
		w.entries, w.head = w.entries[:0], 0
	} else if w.head >= 1024 && w.head*2 >= len(w.entries) {
		n := copy(w.entries, w.entries[w.head:])
		w.base += uint64(w.head)
		w.entries, w.head = w.entries[:n], 0
	}
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

// Peek returns the oldest waiting request without taking it; ok is false
// if none waits. O(1) amortised.
func (w *WaitingRoom) Peek() (slot int32, ok bool) {
	w.skipGone()
	if w.head == len(w.entries) {
		return 0, false
	}
	return w.entries[w.head].slot, true
}

// serverAttempt is an attempt's state on the server side.
type serverAttempt struct {
	fail       bool            // the fault injector's decision, made as service starts
	class      uint8           // its waiting room (priority class)
	delay      kernel.Duration // a spike in the response path
	ticket     uint64          // its place in the waiting room, while it waits
	timeout    kernel.EventID  // its queue timeout, while it waits
	worker     int32           // the worker serving it, -1 when none
	service    kernel.EventID  // the end of its service, while in service
	startedAt  kernel.Time
	retryAfter kernel.Duration // the Retry-After the server answered with
	inflight   int32           // attempts in the server as it arrived, itself included (for the limiter)
}

// queue is the bounded async queue stage: it admits attempts to an idle
// worker, to the waiting room, or turns them away (503, with the
// Retry-After set in queue.retry_after), and answers 504 for those that
// wait longer than the timeout. Its policies — priority classes, the
// discipline, CoDel, a concurrency limit — shed load (503 SHED). With
// deadline propagation it drops, when a worker would take it, an attempt
// whose client has given up. Every answer the server gives leaves through
// answer.
type queue struct {
	s       *System
	up      replier
	workers *workers
	rooms   []WaitingRoom // by class, most important first; their places are shared
	classOf []uint8       // by agent group
	codel   []*CoDel      // by class, when CoDel is on
	limiter *Limiter
	buffer  int
	waiting int
	// lifo, adaptive: the discipline, as flags for next to test rather
	// than strings to compare at every dequeue.
	lifo, adaptive bool
	lifoAfter      kernel.Duration
	timeout        kernel.Duration
	retryAfter     kernel.Duration
	dropGone       bool
	kTimeout       kernel.Kind

	ShedBy [shedReasons]uint64
}

// Why the server shed an attempt.
const (
	shedLimit    = iota // the concurrency limit
	shedCoDel           // CoDel
	shedPriority        // a more important arrival took its place
	shedReasons
)

func newQueue(s *System) *queue {
	c := &s.cfg.Queue
	q := &queue{s: s, buffer: c.Buffer, lifo: c.Discipline == DisciplineLIFO,
		adaptive: c.Discipline == DisciplineAdaptiveLIFO, lifoAfter: kernel.Seconds(c.LIFOAfter),
		timeout: kernel.Seconds(c.Timeout), retryAfter: kernel.Seconds(c.RetryAfter)}
	// One class per distinct priority, most important (lowest) first.
	groups := s.cfg.groups()
	var prios []int
	for _, g := range groups {
		if !containsInt(prios, g.priority) {
			prios = append(prios, g.priority)
		}
	}
	sort.Ints(prios)
	for range prios {
		q.rooms = append(q.rooms, NewWaitingRoom(c.Buffer))
		if c.CoDel != nil {
			q.codel = append(q.codel, NewCoDel(*c.CoDel))
		}
	}
	for _, g := range groups {
		q.classOf = append(q.classOf, uint8(sort.SearchInts(prios, g.priority)))
	}
	if c.Limit != nil {
		q.limiter = NewLimiter(*c.Limit)
	}
	q.kTimeout = s.sim.Register(q.expire)
	return q
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// send: an attempt arrives at the server. It goes straight to an idle
// worker, into the waiting room if it has a place (or can take one from a
// less important attempt), else is turned away at once (503).
func (q *queue) send(att int32) {
	s := q.s
	a := s.atts.at(att)
	a.arrived, a.worker, a.class = s.sim.Now(), -1, q.classOf[a.group]
	if q.limiter != nil && !q.limiter.Admit(s.inSystem) {
		q.ShedBy[shedLimit]++
		q.reject(att, a, Shed)
		return
	}
	a.inflight = int32(s.inSystem + 1)
	if w, ok := q.workers.take(); ok {
		s.inSystem++
		s.emit(s.attemptEvent(Enqueued, a))
		q.workers.start(w, att, a)
		return
	}
	if q.waiting >= q.buffer && !q.evictFor(a.class) {
		q.reject(att, a, QueueOverflow)
		return
	}
	ticket, _ := q.rooms[a.class].Put(att)
	q.waiting++
	s.inSystem++
	s.depth = q.waiting
	a.ticket = ticket
	s.emit(s.attemptEvent(Enqueued, a))
	if q.timeout > 0 {
		a.timeout = s.sim.After(q.timeout, q.kTimeout, int64(att), 0)
	}
}

// reject turns arriving attempt att (record a) away at once with a 503.
func (q *queue) reject(att int32, a *attempt, why FailureKind) {
	s := q.s
	e := s.attemptEvent(Rejected, a)
	e.Failure = why
	s.emit(e)
	a.retryAfter = q.retryAfter
	q.up.reply(att, why)
}

// evictFor makes a place for an arrival of the given class by shedding the
// newest waiting attempt of the least important class below it; false if
// there is none. With one class there is never one: the test inlines
// into send, the search stays out of line.
func (q *queue) evictFor(class uint8) bool {
	return int(class) < len(q.rooms)-1 && q.evict(class)
}

func (q *queue) evict(class uint8) bool {
	for c := len(q.rooms) - 1; c > int(class); c-- {
		if att, ok := q.rooms[c].TakeNewest(); ok {
			a := q.s.atts.at(att)
			q.left(a)
			q.ShedBy[shedPriority]++
			q.answer(att, a, -1, Shed)
			return true
		}
	}
	return false
}

// left: attempt a has left its waiting room.
func (q *queue) left(a *attempt) {
	q.waiting--
	q.s.depth = q.waiting
	q.s.sim.Cancel(a.timeout)
}

// answer is the server's answer to attempt att, record a (worker −1 if
// none served it): it leaves the server, the concurrency limit learns from
// it, and the answer goes up the request path.
func (q *queue) answer(att int32, a *attempt, worker int32, outcome FailureKind) {
	s := q.s
	s.inSystem--
	sojourn := s.sim.Now().Sub(a.arrived)
	e := s.attemptEvent(Responded, a)
	e.Worker, e.Failure, e.Latency = worker, outcome, sojourn
	s.emit(e)
	if outcome.Overload() {
		a.retryAfter = q.retryAfter
	}
	if q.limiter != nil {
		q.limiter.Update(sojourn, outcome != NoFailure, int(a.inflight))
	}
	q.up.reply(att, outcome)
}

// next hands a waiting attempt, and its record, to a worker that is free —
// the most important class first, then by the discipline — after CoDel has
// shed what it sheds from the head; ok is false if none waits.
func (q *queue) next() (int32, *attempt, bool) {
	s := q.s
	now := s.sim.Now()
	for c := range q.rooms {
		room := &q.rooms[c]
		for {
			if q.codel == nil && !q.adaptive && room.Len() == 0 {
				break
			}
			head, ok := room.Peek()
			if q.codel != nil {
				var sojourn kernel.Duration
				if ok {
					sojourn = now.Sub(s.atts.at(head).arrived)
				}
				if q.codel[c].ShouldDrop(now, sojourn, !ok) {
					room.Take()
					a := s.atts.at(head)
					q.left(a)
					q.ShedBy[shedCoDel]++
					q.answer(head, a, -1, Shed)
					continue
				}
			}
			if !ok {
				break
			}
			var att int32
			switch {
			case q.lifo, q.adaptive && now.Sub(s.atts.at(head).arrived) > q.lifoAfter:
				att, _ = room.TakeNewest()
			default:
				att, _ = room.Take()
			}
			a := s.atts.at(att)
			q.left(a)
			if q.dropGone && a.abandoned {
				s.inSystem--
				e := s.attemptEvent(Dropped, a)
				e.Latency = now.Sub(a.arrived)
				s.emit(e)
				s.leavePath(att)
				continue
			}
			return att, a, true
		}
	}
	return 0, nil, false
}

// requeue puts attempt att, whose worker crashed, back at the head of its
// waiting room (beyond the capacity if need be).
func (q *queue) requeue(att int32) {
	s := q.s
	a := s.atts.at(att)
	a.ticket = q.rooms[a.class].PutFront(att)
	q.waiting++
	s.depth = q.waiting
	s.emit(s.attemptEvent(Requeued, a))
}

// expire: a waiting attempt's timeout fired: the server answers 504.
func (q *queue) expire(ev kernel.Event) {
	att := int32(ev.ID)
	a := q.s.atts.at(att)
	q.rooms[a.class].Abandon(a.ticket)
	q.left(a)
	q.answer(att, a, -1, TimedOut)
}

// sample records the defences' state in the period's sample.
func (q *queue) sample(smp *Sample) {
	if q.limiter != nil {
		smp.Limit = q.limiter.limit
	}
	for _, c := range q.codel {
		smp.CoDelDropping = smp.CoDelDropping || c.Dropping()
	}
}
