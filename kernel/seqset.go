package kernel

// seqSet is a set of scheduling sequences (never 0): the events cancelled
// while pending. It is an open-addressing hash table with linear probing
// and backward-shift deletion, at most half full, so that the membership
// test every fired event pays while cancellations are pending costs a
// multiply and, on average, one or two probes — several times cheaper than
// a Go map, which dominated runs whose clients cancel a timeout per
// attempt. The zero value is an empty set. It is never iterated, so its
// layout cannot reach an output.
type seqSet struct {
	slots []uint64 // 0: empty; len is 0 or a power of two
	n     int
	shift uint // 64 − log2(len(slots))
}

// home is the slot a sequence hashes to (Fibonacci hashing).
func (t *seqSet) home(seq uint64) int { return int((seq * 0x9e3779b97f4a7c15) >> t.shift) }

// has reports whether seq is in the set.
func (t *seqSet) has(seq uint64) bool {
	if t.n == 0 {
		return false
	}
	mask := len(t.slots) - 1
	for i := t.home(seq); ; i = (i + 1) & mask {
		switch t.slots[i] {
		case seq:
			return true
		case 0:
			return false
		}
	}
}

// add puts seq (not in the set) into it.
func (t *seqSet) add(seq uint64) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	i := t.home(seq)
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = seq
	t.n++
}

// remove takes seq out of the set, if it is there, and reports whether it
// was.
func (t *seqSet) remove(seq uint64) bool {
	if t.n == 0 {
		return false
	}
	mask := len(t.slots) - 1
	i := t.home(seq)
	for t.slots[i] != seq {
		if t.slots[i] == 0 {
			return false
		}
		i = (i + 1) & mask
	}
	// Backward shift: pull later members of the probe run into the hole
	// unless their home lies cyclically in (hole, their slot].
	for j := (i + 1) & mask; t.slots[j] != 0; j = (j + 1) & mask {
		h := t.home(t.slots[j])
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = 0
	t.n--
	return true
}

// grow doubles the table (or makes its first 16 slots) and reinserts.
func (t *seqSet) grow() {
	old := t.slots
	size := max(16, 2*len(old))
	t.slots = make([]uint64, size)
	t.shift = 64
	for s := size; s > 1; s >>= 1 {
		t.shift--
	}
	t.n = 0
	for _, seq := range old {
		if seq != 0 {
			t.add(seq)
		}
	}
}

// clear empties the set, keeping its table.
func (t *seqSet) clear() {
	clear(t.slots)
	t.n = 0
}

// len returns the number of members.
func (t *seqSet) len() int { return t.n }
