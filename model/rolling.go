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
// them for expiry while an order-statistics tree keeps the latencies of the
// ranked ones (the SLO ranks successes and only counts failures). Add is
// O(log n), Advance O(log n) per end it expires, Quantile O(log n), with n
// the ends in the window; memory is O(n): the FIFO is compacted once half
// of it has expired (at most max(2n, n+4096) entries) and the tree reuses
// its nodes. Once grown to its working size it allocates nothing.
type rollingWindow struct {
	length   kernel.Duration
	ends     []windowEnd // oldest first, from head on
	head     int
	ranked   orderStats // latencies of the ranked ends in the window, ns
	unranked int        // ends in the window that are not ranked
}

type windowEnd struct {
	t      kernel.Time
	lat    kernel.Duration
	ranked bool
}

func newRollingWindow(length kernel.Duration) rollingWindow {
	return rollingWindow{length: length}
}

// Add records an end at t with latency lat; ranked ends count in the
// percentiles. t must not be before the previous end's.
func (w *rollingWindow) Add(t kernel.Time, lat kernel.Duration, ranked bool) {
	w.ends = append(w.ends, windowEnd{t, lat, ranked})
	if ranked {
		w.ranked.Add(int64(lat))
	} else {
		w.unranked++
	}
}

// Advance expires the ends at or before now − length: the window is then
// (now − length, now].
func (w *rollingWindow) Advance(now kernel.Time) {
	cut := now.Add(-w.length)
	for w.head < len(w.ends) && w.ends[w.head].t <= cut {
		e := &w.ends[w.head]
		if e.ranked {
			w.ranked.Remove(int64(e.lat))
		} else {
			w.unranked--
		}
		w.head++
	}
	if w.head > 4096 && w.head*2 > len(w.ends) {
		w.ends = append(w.ends[:0], w.ends[w.head:]...)
		w.head = 0
	}
}

// Ranked returns the number of ranked ends in the window; Unranked the
// others.
func (w *rollingWindow) Ranked() int   { return w.ranked.Len() }
func (w *rollingWindow) Unranked() int { return w.unranked }

// Quantile returns the p-quantile of the ranked latencies in the window, in
// ns, with numpy's linear interpolation (NaN when there are none): the same
// bits as sorting them and calling exactQuantile.
func (w *rollingWindow) Quantile(p float64) float64 {
	if w.ranked.Len() == 0 {
		return math.NaN()
	}
	return interpolate(p, w.ranked.Len(), w.ranked.Kth)
}

// orderStats is a multiset of int64 values that finds its k-th smallest in
// O(log n): a treap (a binary search tree kept balanced by heap-ordered
// random priorities) whose nodes carry their subtree's size. Equal values
// share a node and a count. Nodes live in a slab, index 0 standing for "no
// node", and freed ones are reused, so once the slab has grown to the
// largest number of distinct values held at once, nothing is allocated.
//
// The priorities come from a xorshift generator of the tree's own: its
// shape depends only on the sequence of operations. No answer depends on
// the shape. The zero value is an empty multiset. It holds at most 2³¹−1
// values.
type orderStats struct {
	nodes []osNode // nodes[0] is the empty tree
	root  int32
	free  int32 // a freed node, chained through left; 0 if none
	rng   uint32
}

type osNode struct {
	key         int64
	left, right int32
	size, count int32 // values in the subtree; copies of key
	prio        uint32
}

// Len returns the number of values held, copies counted.
func (t *orderStats) Len() int {
	if t.root == 0 {
		return 0
	}
	return int(t.nodes[t.root].size)
}

// Add inserts one copy of v. O(log n) expected.
func (t *orderStats) Add(v int64) {
	if len(t.nodes) == 0 {
		t.nodes = append(t.nodes, osNode{})
		t.rng = 0x9e3779b9
	}
	t.root = t.insert(t.root, v)
}

// Remove deletes one copy of v. It panics if v is not held. O(log n)
// expected.
func (t *orderStats) Remove(v int64) { t.root = t.remove(t.root, v) }

// Kth returns the k-th smallest value, from 0. k must be in [0, Len).
// O(log n) expected.
func (t *orderStats) Kth(k int) int64 {
	i, k32 := t.root, int32(k)
	for {
		nd := &t.nodes[i]
		if l := t.nodes[nd.left].size; k32 < l {
			i = nd.left
			continue
		} else {
			k32 -= l
		}
		if k32 < nd.count {
			return nd.key
		}
		k32 -= nd.count
		i = nd.right
	}
}

// insert adds v to the subtree at i and returns the subtree's new root.
// The slab may grow during the call: nodes are addressed by index only.
func (t *orderStats) insert(i int32, v int64) int32 {
	if i == 0 {
		return t.node(v)
	}
	t.nodes[i].size++
	switch key := t.nodes[i].key; {
	case v == key:
		t.nodes[i].count++
	case v < key:
		l := t.insert(t.nodes[i].left, v)
		t.nodes[i].left = l
		if t.nodes[l].prio > t.nodes[i].prio {
			return t.rotateRight(i)
		}
	default:
		r := t.insert(t.nodes[i].right, v)
		t.nodes[i].right = r
		if t.nodes[r].prio > t.nodes[i].prio {
			return t.rotateLeft(i)
		}
	}
	return i
}

// remove deletes one copy of v from the subtree at i and returns the
// subtree's new root.
func (t *orderStats) remove(i int32, v int64) int32 {
	if i == 0 {
		panic("model: orderStats.Remove of a value it does not hold")
	}
	nd := &t.nodes[i] // remove never grows the slab: nd stays valid
	switch {
	case v < nd.key:
		nd.left = t.remove(nd.left, v)
	case v > nd.key:
		nd.right = t.remove(nd.right, v)
	case nd.count > 1:
		nd.count--
	default:
		j := t.join(nd.left, nd.right)
		nd.left, t.free = t.free, i
		return j
	}
	nd.size--
	return i
}

// join merges the subtrees a and b, every value of a below every value of
// b, and returns the merged tree's root.
func (t *orderStats) join(a, b int32) int32 {
	if a == 0 {
		return b
	}
	if b == 0 {
		return a
	}
	na, nb := &t.nodes[a], &t.nodes[b]
	size := na.size + nb.size
	if na.prio > nb.prio {
		na.right = t.join(na.right, b)
		na.size = size
		return a
	}
	nb.left = t.join(a, nb.left)
	nb.size = size
	return b
}

// node returns a fresh leaf holding v.
func (t *orderStats) node(v int64) int32 {
	t.rng ^= t.rng << 13
	t.rng ^= t.rng >> 17
	t.rng ^= t.rng << 5
	nd := osNode{key: v, size: 1, count: 1, prio: t.rng}
	if i := t.free; i != 0 {
		t.free = t.nodes[i].left
		t.nodes[i] = nd
		return i
	}
	t.nodes = append(t.nodes, nd)
	return int32(len(t.nodes) - 1)
}

func (t *orderStats) rotateRight(i int32) int32 {
	l := t.nodes[i].left
	t.nodes[i].left = t.nodes[l].right
	t.nodes[l].right = i
	t.resize(i)
	t.resize(l)
	return l
}

func (t *orderStats) rotateLeft(i int32) int32 {
	r := t.nodes[i].right
	t.nodes[i].right = t.nodes[r].left
	t.nodes[r].left = i
	t.resize(i)
	t.resize(r)
	return r
}

func (t *orderStats) resize(i int32) {
	nd := &t.nodes[i]
	nd.size = nd.count + t.nodes[nd.left].size + t.nodes[nd.right].size
}
