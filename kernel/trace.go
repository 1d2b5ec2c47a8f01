package kernel

// TraceHash is a running hash over the fired events' (time, kind, id, arg),
// in firing order: each word is folded in FNV-1a style (xor, multiply by the
// 64-bit FNV prime) and the sum is finalised by an avalanche mix. Two runs with the same hash fired the same events at
// the same instants: it identifies a run bit for bit. Hash a run's events
// with [Sim.HashTrace] (or use Add as a trace sink):
//
//	var h kernel.TraceHash
//	sim.HashTrace(&h)
type TraceHash struct{ h uint64 }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Add folds one event into the hash.
func (t *TraceHash) Add(ev Event) {
	h := t.h
	if h == 0 {
		h = fnvOffset
	}
	h = (h ^ uint64(ev.At)) * fnvPrime
	h = (h ^ uint64(ev.Kind)) * fnvPrime
	h = (h ^ uint64(ev.ID)) * fnvPrime
	h = (h ^ uint64(ev.Arg)) * fnvPrime
	t.h = h
}

// Sum returns the hash of the events added so far.
func (t *TraceHash) Sum() uint64 {
	if t.h == 0 {
		return mix64(fnvOffset)
	}
	return mix64(t.h)
}
