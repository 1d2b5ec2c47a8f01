package model

import (
	"math"
	"slices"
	"testing"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/stretchr/testify/require"
)

// TestRollingWindowFixedPercentile: the detector's use, one percentile
// asked every period, over a long run whose latencies drift up and down
// (ends cross the split both ways) with bursts and lulls: exact at every
// period, and the heaps hold at most about twice the window.
func TestRollingWindowFixedPercentile(t *testing.T) {
	r := kernel.NewStream(4, "rolling-fixed")
	length := kernel.Second
	w := rollingWindow{length: length}
	var ring []struct {
		t   kernel.Time
		lat int64
	}
	var now kernel.Time
	for period := 0; period < 3000; period++ {
		now = now.Add(20 * kernel.Millisecond)
		level := 1000 + 900*math.Sin(float64(period)/150) // the latency level drifts
		n := r.IntN(30)
		if period%400 > 350 {
			n = 0
		}
		for i := 0; i < n; i++ {
			lat := int64(level) + int64(r.IntN(200))
			ring = append(ring, struct {
				t   kernel.Time
				lat int64
			}{now, lat})
			w.Add(now, kernel.Duration(lat), true)
		}
		w.Advance(now)
		for len(ring) > 0 && ring[0].t <= now.Add(-length) {
			ring = ring[1:]
		}
		lats := make([]int64, len(ring))
		for i, e := range ring {
			lats[i] = e.lat
		}
		slices.Sort(lats)
		want, got := exactQuantile(lats, 0.95), w.Quantile(0.95)
		if len(lats) == 0 {
			require.True(t, math.IsNaN(got))
		} else {
			require.Equal(t, math.Float64bits(want), math.Float64bits(got), "period %d", period)
		}
		q := &w.ranked
		require.LessOrEqual(t, len(q.lower)+len(q.upper), 2*len(lats)+2*64+2, "period %d", period)
	}
}

// TestRollingWindowIsExact: the window's percentiles are exactQuantile of
// the ranked latencies that ended within (now − length, now], at every
// period, bit for bit, and its memory follows the window, not the run.
func TestRollingWindowIsExact(t *testing.T) {
	r := kernel.NewStream(6, "rolling")
	length := 2 * kernel.Second
	w := rollingWindow{length: length}
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
	w := rollingWindow{length: kernel.Second}
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
		w := rollingWindow{length: kernel.Duration(periods) * 50 * kernel.Millisecond}
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
