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
// random priorities) whose nodes carry their subtree's size, one node per
// value held. Insertion and deletion work top-down, without recursion or
// rotations: an insertion descends to where the new node's priority
// belongs and splits the subtree there around it; a deletion joins the
// deleted node's two subtrees. Equal values go right of each other, in
// insertion order. Nodes live in a slab, index 0 standing for "no node",
// and freed ones are reused, so once the slab has grown to the most values
// held at once, nothing is allocated.
//
// The priorities come from a xorshift generator of the tree's own, so its
// shape depends only on the sequence of operations; no answer depends on
// the shape. The zero value is an empty multiset. It holds at most 2³¹−1
// values.
type orderStats struct {
	nodes []osNode // nodes[0] is the empty tree: size 0
	root  int32
	free  int32 // a freed node, chained through left; 0 if none
	rng   uint32
	path  []int32 // scratch: the nodes a split re-links
}

type osNode struct {
	key         int64
	left, right int32
	size        int32 // values in the subtree
	prio        uint32
}

// Len returns the number of values held.
func (t *orderStats) Len() int {
	if t.root == 0 {
		return 0
	}
	return int(t.nodes[t.root].size)
}

// Add inserts one copy of v. O(log n) expected.
func (t *orderStats) Add(v int64) {
	x := t.node(v) // first: the slab may move
	nodes := t.nodes
	prio := nodes[x].prio
	at := &t.root
	for i := *at; i != 0 && nodes[i].prio >= prio; i = *at {
		nd := &nodes[i]
		nd.size++
		if v < nd.key {
			at = &nd.left
		} else {
			at = &nd.right
		}
	}
	l, r := t.split(*at, v)
	nx := &nodes[x]
	nx.left, nx.right = l, r
	nx.size = 1 + nodes[l].size + nodes[r].size
	*at = x
}

// split cuts the subtree at i into the values ≤ v and those > v, and
// returns their roots.
func (t *orderStats) split(i int32, v int64) (le, gt int32) {
	nodes := t.nodes
	t.path = t.path[:0]
	lo, hi := &le, &gt
	for i != 0 {
		t.path = append(t.path, i)
		nd := &nodes[i]
		if nd.key <= v {
			*lo, lo, i = i, &nd.right, nd.right
		} else {
			*hi, hi, i = i, &nd.left, nd.left
		}
	}
	*lo, *hi = 0, 0
	// The re-linked nodes' sizes, deepest first: their children are
	// untouched subtrees or re-linked nodes deeper down.
	for j := len(t.path) - 1; j >= 0; j-- {
		nd := &nodes[t.path[j]]
		nd.size = 1 + nodes[nd.left].size + nodes[nd.right].size
	}
	return le, gt
}

// Remove deletes one copy of v. It panics if v is not held. O(log n)
// expected.
func (t *orderStats) Remove(v int64) {
	nodes := t.nodes
	at := &t.root
	for {
		i := *at
		if i == 0 {
			t.undoRemove(v)
			panic("model: orderStats.Remove of a value it does not hold")
		}
		nd := &nodes[i]
		if v == nd.key {
			*at = t.join(nd.left, nd.right)
			nd.left, t.free = t.free, i
			return
		}
		nd.size--
		if v < nd.key {
			at = &nd.left
		} else {
			at = &nd.right
		}
	}
}

// undoRemove restores the sizes a Remove of a missing v decremented.
func (t *orderStats) undoRemove(v int64) {
	for i := t.root; i != 0; {
		nd := &t.nodes[i]
		nd.size++
		if v < nd.key {
			i = nd.left
		} else {
			i = nd.right
		}
	}
}

// join merges the subtrees a and b, every value of a at most every value
// of b, and returns the merged tree's root.
func (t *orderStats) join(a, b int32) (root int32) {
	nodes := t.nodes
	at := &root
	for a != 0 && b != 0 {
		na, nb := &nodes[a], &nodes[b]
		if na.prio > nb.prio {
			na.size += nb.size
			*at, at, a = a, &na.right, na.right
		} else {
			nb.size += na.size
			*at, at, b = b, &nb.left, nb.left
		}
	}
	*at = a | b // the one left, or 0
	return root
}

// Kth returns the k-th smallest value, from 0. k must be in [0, Len).
// O(log n) expected.
func (t *orderStats) Kth(k int) int64 {
	nodes := t.nodes
	i, k32 := t.root, int32(k)
	for {
		nd := &nodes[i]
		l := nodes[nd.left].size
		switch {
		case k32 < l:
			i = nd.left
		case k32 == l:
			return nd.key
		default:
			k32 -= l + 1
			i = nd.right
		}
	}
}

// node returns a fresh leaf holding v.
func (t *orderStats) node(v int64) int32 {
	if len(t.nodes) == 0 {
		t.nodes = append(t.nodes, osNode{})
		t.rng = 0x9e3779b9
	}
	t.rng ^= t.rng << 13
	t.rng ^= t.rng >> 17
	t.rng ^= t.rng << 5
	nd := osNode{key: v, size: 1, prio: t.rng}
	if i := t.free; i != 0 {
		t.free = t.nodes[i].left
		t.nodes[i] = nd
		return i
	}
	t.nodes = append(t.nodes, nd)
	return int32(len(t.nodes) - 1)
}
