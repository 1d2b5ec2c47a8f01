package kernel

// TraceHash is a running FNV-1a hash over the fired events' (time, kind, id,
// arg), in firing order. Two runs with the same hash fired the same events at
// the same instants: it identifies a run bit for bit. Use it as a trace sink:
//
//	var h kernel.TraceHash
//	sim.Trace(h.Add)
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
	h = fnvWord(h, uint64(ev.At))
	h = fnvWord(h, uint64(ev.Kind))
	h = fnvWord(h, uint64(ev.ID))
	h = fnvWord(h, uint64(ev.Arg))
	t.h = h
}

// Sum returns the hash of the events added so far.
func (t *TraceHash) Sum() uint64 {
	if t.h == 0 {
		return fnvOffset
	}
	return t.h
}

// fnvWord folds the 8 little-endian bytes of w into h.
func fnvWord(h, w uint64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= w & 0xff
		h *= fnvPrime
		w >>= 8
	}
	return h
}
