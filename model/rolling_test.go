package model

import (
	"math"
	"slices"
	"testing"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/stretchr/testify/require"
)

// TestOrderStatsAgainstSorting: after every insertion and deletion, every
// order statistic equals the sorted multiset's, with many ties, values
// arriving sorted and reversed, and the tree emptied and refilled.
func TestOrderStatsAgainstSorting(t *testing.T) {
	r := kernel.NewStream(5, "orderstats")
	gens := map[string]func(i int) int64{
		"random":   func(int) int64 { return int64(r.IntN(1_000_000)) - 500_000 },
		"ties":     func(int) int64 { return int64(r.IntN(7)) },
		"sorted":   func(i int) int64 { return int64(i) },
		"reversed": func(i int) int64 { return int64(-i) },
	}
	for name, gen := range gens {
		var os orderStats
		var held []int64
		check := func(step int) {
			sorted := slices.Sorted(slices.Values(held))
			require.Equal(t, len(sorted), os.Len(), "%s step %d", name, step)
			for k := range sorted {
				require.Equal(t, sorted[k], os.Kth(k), "%s step %d k=%d", name, step, k)
			}
		}
		for step := 0; step < 1500; step++ {
			// Grow to a few hundred, drain to empty, grow again.
			grow := (step/400)%2 == 0
			if len(held) == 0 || (grow && r.IntN(4) != 0) || (!grow && r.IntN(4) == 0) {
				v := gen(step)
				os.Add(v)
				held = append(held, v)
			} else {
				i := r.IntN(len(held))
				os.Remove(held[i])
				held = slices.Delete(held, i, i+1)
			}
			if step%37 == 0 || len(held) < 3 {
				check(step)
			}
		}
		check(-1)
		require.LessOrEqual(t, len(os.nodes), 1+450, "%s: freed nodes are reused", name)
	}
}

func TestOrderStatsRemoveMissingPanics(t *testing.T) {
	var os orderStats
	os.Add(3)
	require.Panics(t, func() { os.Remove(4) })
}

// TestRollingWindowIsExact: the window's percentiles are exactQuantile of
// the ranked latencies that ended within (now − length, now], at every
// period, bit for bit, and its memory follows the window, not the run.
func TestRollingWindowIsExact(t *testing.T) {
	r := kernel.NewStream(6, "rolling")
	length := 2 * kernel.Second
	w := newRollingWindow(length)
	type end struct {
		t      kernel.Time
		lat    int64
		ranked bool
	}
	var all []end
	var now kernel.Time
	for period := 0; period < 2000; period++ {
		next := now.Add(50 * kernel.Millisecond)
		// A burst of ends in some periods, none in others; equal latencies often.
		n := r.IntN(40)
		if period%300 > 250 {
			n = 0
		}
		for i := 0; i < n; i++ {
			now = now.Add(kernel.Duration(r.IntN(int(50*kernel.Millisecond) / max(n, 1))))
			e := end{now, int64(r.IntN(2000)) * 1000, r.IntN(5) != 0}
			all = append(all, e)
			w.Add(e.t, kernel.Duration(e.lat), e.ranked)
		}
		now = next
		w.Advance(now)
		var ranked []int64
		unranked := 0
		for _, e := range all {
			if e.t > now.Add(-length) {
				if e.ranked {
					ranked = append(ranked, e.lat)
				} else {
					unranked++
				}
			}
		}
		slices.Sort(ranked)
		require.Equal(t, len(ranked), w.Ranked(), "period %d", period)
		require.Equal(t, unranked, w.Unranked(), "period %d", period)
		for _, p := range []float64{0, 0.5, 0.95, 0.99, 1} {
			want, got := exactQuantile(ranked, p), w.Quantile(p)
			if len(ranked) == 0 {
				require.True(t, math.IsNaN(got))
				continue
			}
			require.Equal(t, math.Float64bits(want), math.Float64bits(got), "period %d p=%g", period, p)
		}
		require.LessOrEqual(t, len(w.ends), max(2*(w.Ranked()+w.Unranked()), w.Ranked()+w.Unranked()+4097))
	}
}

// TestRollingWindowAllocatesNothing: in steady state, adding, expiring and
// querying allocate nothing.
func TestRollingWindowAllocatesNothing(t *testing.T) {
	w := newRollingWindow(kernel.Second)
	r := kernel.NewStream(7, "rolling-allocs")
	var now kernel.Time
	step := func() {
		for i := 0; i < 20; i++ {
			now = now.Add(kernel.Millisecond)
			w.Add(now, kernel.Duration(r.IntN(1e6)), true)
		}
		w.Advance(now)
		_ = w.Quantile(0.95)
	}
	for i := 0; i < 2000; i++ { // past the FIFO's compaction and the slab's working size
		step()
	}
	require.Zero(t, testing.AllocsPerRun(200, step))
}

// BenchmarkRollingP95: one control period of the detector at EXP-003's
// pace (about 10 completions per 50 ms period, a 10 s window): the
// incremental window against selecting the p95 from a copy of the window
// each period, the former scheme.
func BenchmarkRollingP95(b *testing.B) {
	const perPeriod, periods = 10, 200 // 2000 in the window
	lat := func(r *kernel.Stream) kernel.Duration { return kernel.Seconds(r.LogNormal(-1, 0.8)) }
	b.Run("incremental", func(b *testing.B) {
		r := kernel.NewStream(8, "bench")
		w := newRollingWindow(kernel.Duration(periods) * 50 * kernel.Millisecond)
		var now kernel.Time
		b.ReportAllocs()
		for i := 0; i < b.N+periods; i++ {
			if i == periods {
				b.ResetTimer()
			}
			for j := 0; j < perPeriod; j++ {
				now = now.Add(5 * kernel.Millisecond)
				w.Add(now, lat(&r), true)
			}
			w.Advance(now)
			_ = w.Quantile(0.95)
		}
	})
	b.Run("sort-copy", func(b *testing.B) {
		r := kernel.NewStream(8, "bench")
		var ring []int64
		var scratch []int64
		b.ReportAllocs()
		for i := 0; i < b.N+periods; i++ {
			if i == periods {
				b.ResetTimer()
			}
			for j := 0; j < perPeriod; j++ {
				ring = append(ring, int64(lat(&r)))
			}
			if len(ring) > perPeriod*periods {
				ring = ring[len(ring)-perPeriod*periods:]
			}
			scratch = append(scratch[:0], ring...)
			slices.Sort(scratch)
			_ = exactQuantile(scratch, 0.95)
		}
	})
}
