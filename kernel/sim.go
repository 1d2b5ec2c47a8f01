package kernel

import "fmt"

// Kind selects the handler an event fires. [Sim.Register] hands out kinds, so
// each component owns its own and no central list exists.
type Kind uint16

// Event is what fires: a kind, the virtual time it fires at, and two integer
// arguments whose meaning belongs to the handler (typically an entity id and
// a detail). It is a value: scheduling one allocates nothing.
type Event struct {
	At   Time
	Kind Kind
	ID   int64
	Arg  int64
}

// Handler reacts to an event. It may schedule and cancel events and stop the
// run; it runs with [Sim.Now] equal to ev.At (or later, under a real-time
// driver: see [Sim.StepLate]).
type Handler func(ev Event)

// EventID names a scheduled event, for [Sim.Cancel]. Its zero value names no
// event: cancelling it does nothing.
type EventID struct {
	at  Time
	key uint64
}

// entry is one pending event in the heap: 32 bytes, no pointers. key packs
// the scheduling sequence (high 48 bits) above the kind (low 16), so ordering
// by key is ordering by sequence; 2⁴⁸ events is months at 10⁷ events/s.
type entry struct {
	at      Time
	key     uint64
	id, arg int64
}

// before reports whether a fires before b: earlier time first, then earlier
// scheduling sequence. Sequences are unique, so this is a strict total order.
func (a *entry) before(b *entry) bool {
	return a.at < b.at || (a.at == b.at && a.key < b.key)
}

// Sim is a discrete-event simulator: a virtual clock and the pending events.
// The zero value is an empty simulator at time zero, ready to use.
//
// Invariant: heap is a 4-ary min-heap under entry.before (the children of
// entry i are 4i+1 … 4i+4), every pending event is in it, and the events fire
// in strictly increasing (At, sequence) order. A 4-ary heap is half as deep
// as a binary one, and its four children share a cache line pair: fewer
// moves per removal for the same comparisons.
// Sequences start at 1, so the zero EventID is never a scheduled event. The
// firing order is what makes cancellation O(1): an event has fired exactly
// when its (At, sequence) is not after the last fired one.
//
// A Sim is not safe for concurrent use; it is meant to be driven by one
// goroutine, and it starts none.
type Sim struct {
	now      Time
	seq      uint64 // the last scheduling sequence handed out
	heap     []entry
	handlers []Handler
	// cancelled holds the sequences of events cancelled while still pending.
	// They stay in the heap until they reach its top and are then dropped
	// (lazy deletion keeps Cancel O(1) and the heap free of back-pointers).
	cancelled seqSet
	last      EventID // the last fired event; zero before the first
	fired     uint64
	stopped   bool
	trace     func(Event)
	hash      *TraceHash
}

// New returns an empty simulator at time zero (the same as a zero Sim).
func New() *Sim { return new(Sim) }

// Reset empties s for another run: time zero, no pending or cancelled
// events, no handlers, no trace sink, like a zero Sim, but it keeps the
// memory its event queue and handler table grew to, so that a run after a
// Reset allocates nothing to schedule what its predecessor scheduled.
func (s *Sim) Reset() {
	clear(s.handlers) // let the previous run's handlers go
	s.cancelled.clear()
	*s = Sim{heap: s.heap[:0], handlers: s.handlers[:0], cancelled: s.cancelled}
}

// Register adds h as the handler of a new kind and returns that kind. Kinds
// are handed out in registration order from 0, so a component that registers
// its handlers in a fixed order gets the same kinds in every run. It panics
// after 65,536 kinds.
func (s *Sim) Register(h Handler) Kind {
	if h == nil {
		panic("kernel: Register of a nil handler")
	}
	if len(s.handlers) > 0xffff {
		panic("kernel: more than 65536 event kinds")
	}
	s.handlers = append(s.handlers, h)
	return Kind(len(s.handlers) - 1)
}

// Trace sets a sink that sees every event as it fires, before its handler;
// nil removes it. See [TraceHash].
func (s *Sim) Trace(sink func(Event)) { s.trace = sink }

// HashTrace folds every event, as it fires and before its handler, into h
// (nil: none), as Trace(h.Add) would, without a call through a function
// value per event: the trace hash of a run costs next to nothing.
func (s *Sim) HashTrace(h *TraceHash) { s.hash = h }

// Now returns the current virtual time.
func (s *Sim) Now() Time { return s.now }

// Fired returns how many events have fired.
func (s *Sim) Fired() uint64 { return s.fired }

// Pending returns how many events are scheduled and not cancelled.
func (s *Sim) Pending() int { return len(s.heap) - s.cancelled.len() }

// At schedules an event of kind k at instant t. It panics if t is before Now
// or k has no handler. O(log n) for n pending events; no allocation once the
// heap has grown to its working size.
func (s *Sim) At(t Time, k Kind, id, arg int64) EventID {
	if t < s.now {
		panicPast(t, s.now)
	}
	if int(k) >= len(s.handlers) {
		panicNoHandler(k)
	}
	s.seq++
	key := s.seq<<16 | uint64(k)
	s.heap = append(s.heap, entry{at: t, key: key, id: id, arg: arg})
	s.up(len(s.heap) - 1)
	return EventID{at: t, key: key}
}

// After schedules an event of kind k after delay d. It panics if d is
// negative or reaches past Forever. O(log n).
func (s *Sim) After(d Duration, k Kind, id, arg int64) EventID {
	if d < 0 || Time(d) > Forever-s.now {
		panicDelay(d, s.now)
	}
	return s.At(s.now.Add(d), k, id, arg)
}

// Cancel removes a pending event so that it never fires, and reports whether
// it was pending. Cancelling an event that has fired or was already
// cancelled, or the zero EventID, does nothing and returns false. O(1).
func (s *Sim) Cancel(id EventID) bool {
	if id.key == 0 {
		return false // inlined: a timer never set costs its caller a compare
	}
	return s.cancel(id)
}

func (s *Sim) cancel(id EventID) bool {
	seq := id.key >> 16
	if seq > s.seq || !(id.at > s.last.at || (id.at == s.last.at && id.key > s.last.key)) {
		return false // never scheduled, or already fired
	}
	if s.cancelled.has(seq) {
		return false
	}
	s.cancelled.add(seq)
	return true
}

// Stop makes the current Run or RunUntil return after the event being fired.
// Pending events stay pending; a later Run continues with them.
func (s *Sim) Stop() { s.stopped = true }

// Step fires the next pending event and reports whether there was one.
// O(log n).
func (s *Sim) Step() bool { return s.step(Forever) }

// step fires the next pending event if it is due at or before t.
func (s *Sim) step(t Time) bool {
	at, ok := s.Next()
	if !ok || at > t {
		return false
	}
	return s.fire(at)
}

// fire removes the first pending event, which must not be cancelled, and
// fires it with the clock reading now (≥ its time).
func (s *Sim) fire(now Time) bool {
	e := s.heap[0]
	s.removeTop()
	s.now = now
	s.last = EventID{at: e.at, key: e.key}
	s.fired++
	ev := Event{At: e.at, Kind: Kind(e.key), ID: e.id, Arg: e.arg}
	if s.hash != nil {
		s.hash.Add(ev)
	}
	if s.trace != nil {
		s.trace(ev)
	}
	s.handlers[ev.Kind](ev)
	return true
}

// Next returns the time of the next pending event; false if none is pending.
// It drops cancelled entries from the front of the queue as it looks.
// O(log n) per dropped entry, else O(1).
func (s *Sim) Next() (Time, bool) {
	for len(s.heap) > 0 {
		e := &s.heap[0]
		if s.cancelled.n > 0 && s.cancelled.remove(e.key>>16) {
			s.removeTop()
			continue
		}
		return e.at, true
	}
	return 0, false
}

// StepLate fires the next pending event if it is due at or before now, with
// the clock reading now rather than the event's own time, and reports
// whether it fired one. It is for a driver that follows a real clock, whose
// wake-ups come late: handlers then see the instant they really ran and
// schedule relative to it, as real timers would. Events still fire in (At,
// sequence) order, and the Event a handler receives keeps its scheduled At.
// A simulation never needs it. It panics if now is before Now.
func (s *Sim) StepLate(now Time) bool {
	if now < s.now {
		panicPast(now, s.now)
	}
	at, ok := s.Next()
	if !ok || at > now {
		return false
	}
	return s.fire(now)
}

// Run fires events until none remain or Stop is called.
func (s *Sim) Run() { s.RunUntil(Forever) }

// RunUntil fires, in order, every event at or before t, until Stop is called.
// If it was not stopped and t is not Forever, the clock then reads t (or
// stays where it is if it was already later).
func (s *Sim) RunUntil(t Time) {
	s.stopped = false
	for !s.stopped && s.step(t) {
	}
	if !s.stopped && t != Forever && t > s.now {
		s.now = t
	}
}

func panicPast(t, now Time) {
	panic(fmt.Sprintf("kernel: event at %v scheduled in the past (now %v)", t, now))
}

func panicDelay(d Duration, now Time) {
	panic(fmt.Sprintf("kernel: delay %v at %v is negative or reaches past Forever", d, now))
}

func panicNoHandler(k Kind) { panic(fmt.Sprintf("kernel: no handler for kind %d", k)) }

// removeTop removes the heap's first entry. The heap must not be empty.
// O(log₄ n). It writes entries only, never the slice header but its length,
// so that the hot path stores no pointer (a pointer store pays the garbage
// collector's write barrier whenever a collection is marking).
func (s *Sim) removeTop() {
	h := s.heap
	n := len(h) - 1
	e := h[n]
	s.heap = s.heap[:n] // the compiler stores the length alone
	if n == 0 {
		return
	}
	h = h[:n]
	// Sift the former last entry down from the root.
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		if end := c + 4; end <= n {
			// All four children: the common case, without bounds checks.
			q := h[c : c+4 : c+4]
			k := 0
			if q[1].before(&q[k]) {
				k = 1
			}
			if q[2].before(&q[k]) {
				k = 2
			}
			if q[3].before(&q[k]) {
				k = 3
			}
			m = c + k
		} else {
			for j := c + 1; j < n; j++ {
				if h[j].before(&h[m]) {
					m = j
				}
			}
		}
		if !h[m].before(&e) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = e
}

// up sifts entry i up to its place. O(log₄ n).
func (s *Sim) up(i int) {
	h := s.heap
	e := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}
