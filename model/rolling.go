package model

import (
	"math"

	"github.com/agentchaos/agentchaos/kernel"
)

// rollingWindow holds the requests that ended in the last length of time
// and answers exact percentiles of their latencies at any moment: the
// detector's rolling p95 and the steady-state hypothesis's rolling p99.
//
// Ends arrive in time order and leave in the same order, so a FIFO keeps
// them for expiry, and the latencies of the ranked ones (the SLO ranks
// successes and only counts failures) are split between two heaps around
// the percentile asked for (see quantileHeaps). Add and Advance are O(1)
// amortised per end plus an O(log n) heap insertion that is O(1) on
// average; Quantile is O(log n) per end that crossed the percentile since
// the last call, with n the ends in the window. Memory is O(n): the FIFO
// is compacted once half of it has expired (at most max(2n, n+4096)
// entries) and each heap is rebuilt once over half of it has expired
// (at most 2n+64 ranks, as the cost estimate counts them).
// Once grown to its working size it allocates nothing. The zero value
// with a length is an empty window.
type rollingWindow struct {
	length   kernel.Duration
	ends     []windowEnd // oldest first, from head on
	head     int
	added    uint64 // ends added: the next end's sequence number
	expired  uint64 // ends expired: the sequence number of ends[head]
	ranked   quantileHeaps
	unranked int // ends in the window that are not ranked
}

type windowEnd struct {
	t      kernel.Time
	lat    kernel.Duration
	ranked bool
}

// Add records an end at t with latency lat; ranked ends count in the
// percentiles. t must not be before the previous end's.
func (w *rollingWindow) Add(t kernel.Time, lat kernel.Duration, ranked bool) {
	w.ends = append(w.ends, windowEnd{t, lat, ranked})
	if ranked {
		w.ranked.add(rank{int64(lat), w.added})
	} else {
		w.unranked++
	}
	w.added++
}

// Advance expires the ends at or before now − length: the window is then
// (now − length, now].
func (w *rollingWindow) Advance(now kernel.Time) {
	cut := now.Add(-w.length)
	ends, head, expired := w.ends, w.head, w.expired // kept in registers
	for ; head < len(ends) && ends[head].t <= cut; head++ {
		if e := &ends[head]; e.ranked {
			w.ranked.expire(rank{int64(e.lat), expired})
		} else {
			w.unranked--
		}
		expired++
	}
	w.head, w.expired = head, expired
	w.ranked.forget(expired)
	if w.head > 4096 && w.head*2 > len(w.ends) {
		w.ends = append(w.ends[:0], w.ends[w.head:]...)
		w.head = 0
	}
}

// Ranked returns the number of ranked ends in the window; Unranked the
// others.
func (w *rollingWindow) Ranked() int   { return w.ranked.live() }
func (w *rollingWindow) Unranked() int { return w.unranked }

// Quantile returns the p-quantile of the ranked latencies in the window, in
// ns, with numpy's linear interpolation (NaN when there are none): the same
// bits as sorting them and calling exactQuantile. It is fastest when p is
// the same from call to call.
func (w *rollingWindow) Quantile(p float64) float64 {
	n := w.ranked.live()
	if n == 0 {
		return math.NaN()
	}
	// interpolate reads the order statistics ⌊h⌋ and ⌊h⌋+1 (or only n−1):
	// split the heaps so that the lower one holds ranks 0..⌊h⌋.
	lo := int(float64(float64(n-1) * p))
	w.ranked.split(min(lo+1, n))
	return interpolate(p, n, w.ranked.at)
}

// rank is a latency and its end's sequence number: ordered by latency,
// then sequence, so that no two are equal.
type rank struct {
	lat int64
	seq uint64
}

func (a rank) less(b rank) bool { return a.lat < b.lat || (a.lat == b.lat && a.seq < b.seq) }

// quantileHeaps is a multiset of latencies split in two at a rank: the
// lower part in a max-heap, the upper part in a min-heap, every rank of
// the lower part below every rank of the upper part. The two tops are the
// order statistics either side of the split. An end that expires is not
// looked for: it is dead once its sequence number is below the window's
// first (forget), its heap's live count is decremented at once, and it is
// dropped when it reaches its heap's top, or when over half of its heap
// is dead and the heap is rebuilt. Moving the split moves tops across.
//
// The lower heap holds its ranks as {−lat, ^seq}, so that both heaps are
// min-heaps of rank. Which rank is at a heap's top, and so every answer
// and every heap's length, depends only on the ranks held, not on how the
// heaps arrange them.
type quantileHeaps struct {
	lower, upper         rankHeap
	liveLower, liveUpper int
	dead                 uint64 // ranks with seq below it have expired
}

func (q *quantileHeaps) live() int { return q.liveLower + q.liveUpper }

func flip(r rank) rank { return rank{-r.lat, ^r.seq} }

// add inserts r on its side of the split. O(1) on average for values in
// random order, O(log n) at worst.
func (q *quantileHeaps) add(r rank) {
	if len(q.lower) > 0 && !flip(q.lower[0]).less(r) { // r ≤ the lower part's largest
		q.lower.push(flip(r))
		q.liveLower++
		return
	}
	q.upper.push(r)
	q.liveUpper++
}

// expire counts r, which is in one of the heaps, out of its part. Every
// rank held, dead or alive, is on its side of the split, so the lower
// part's top, even a dead one, tells the sides apart.
func (q *quantileHeaps) expire(r rank) {
	if len(q.lower) > 0 && !flip(q.lower[0]).less(r) {
		q.liveLower--
	} else {
		q.liveUpper--
	}
}

// forget declares the ranks with seq below dead expired, and rebuilds a
// heap over half of which is dead (not later: the memory estimate, and so
// which runs Validate accepts, counts two ranks per end in the window).
func (q *quantileHeaps) forget(dead uint64) {
	q.dead = dead
	if len(q.lower) > 2*q.liveLower+64 {
		q.rebuild(&q.lower, true)
	}
	if len(q.upper) > 2*q.liveUpper+64 {
		q.rebuild(&q.upper, false)
	}
}

// rebuild drops the dead ranks of heap h (the lower one if lower) and
// restores its heap order. O(n).
func (q *quantileHeaps) rebuild(h *rankHeap, lower bool) {
	s := *h
	n := 0
	for _, r := range s {
		if q.alive(r, lower) {
			s[n] = r
			n++
		}
	}
	*h = (*h)[:n]
	s = s[:n]
	for i := n / 2; i > 0; i-- {
		s.siftDown(uint(i - 1))
	}
}

// split moves ranks across until the lower part holds the k smallest live
// ones (0 < k ≤ live), and clears dead ranks off both tops.
func (q *quantileHeaps) split(k int) {
	for q.liveLower > k {
		q.clean(&q.lower, true)
		q.upper.push(flip(q.lower.pop()))
		q.liveLower--
		q.liveUpper++
	}
	for q.liveLower < k {
		q.clean(&q.upper, false)
		q.lower.push(flip(q.upper.pop()))
		q.liveUpper--
		q.liveLower++
	}
	q.clean(&q.lower, true)
	q.clean(&q.upper, false)
}

// alive reports whether r, held in the lower heap if lower, has not
// expired.
func (q *quantileHeaps) alive(r rank, lower bool) bool {
	if lower {
		return ^r.seq >= q.dead
	}
	return r.seq >= q.dead
}

// clean pops the dead ranks off the top of heap h (the lower one if lower).
func (q *quantileHeaps) clean(h *rankHeap, lower bool) {
	for len(*h) > 0 && !q.alive((*h)[0], lower) {
		h.pop()
	}
}

// at returns the order statistic k of the live ranks, for k the last
// rank of the lower part or the first of the upper part (after split).
func (q *quantileHeaps) at(k int) int64 {
	if k < q.liveLower {
		return -q.lower[0].lat
	}
	return q.upper[0].lat
}

// rankHeap is a min-heap of ranks. Its methods change its length in the
// forms (*h = append(*h, r), *h = (*h)[:n]) that store the length alone
// unless the array grows: no pointer is stored, so no GC write barrier
// runs, on the way of every end.
type rankHeap []rank

// push adds r to the heap. (Indices are unsigned: halving is a shift, and
// fewer bounds are checked.)
func (h *rankHeap) push(r rank) {
	*h = append(*h, r)
	s := *h
	i := uint(len(s) - 1)
	for i > 0 {
		p := (i - 1) / 2
		if !r.less(s[p]) {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = r
}

// pop removes and returns the least rank of the non-empty heap. The hole
// at the top sinks to a leaf along the lesser children, one comparison a
// level, and the last rank, which belongs near the bottom, rises from
// there: fewer comparisons than sifting the last rank down from the top.
func (h *rankHeap) pop() rank {
	s := *h
	top := s[0]
	n := uint(len(s) - 1)
	last := s[n]
	*h = (*h)[:n]
	s = s[:n]
	i := uint(0)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s[c+1].less(s[c]) {
			c++
		}
		s[i] = s[c]
		i = c
	}
	for i > 0 {
		p := (i - 1) / 2
		if !last.less(s[p]) {
			break
		}
		s[i] = s[p]
		i = p
	}
	if i < n { // else the heap is now empty: last was the top
		s[i] = last
	}
	return top
}

// siftDown moves h[i] down to its place in the heap h.
func (h rankHeap) siftDown(i uint) {
	r := h[i]
	n := uint(len(h))
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].less(h[c]) {
			c++
		}
		if !h[c].less(r) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = r
}
