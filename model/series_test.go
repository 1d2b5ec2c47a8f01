package model

import (
	"math"
	"testing"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/stretchr/testify/require"
)

// TestSeriesBounded: however long the run, the series holds between half
// and all of SeriesSpans spans of equal length, chained in time, and keeps
// every count, maximum and the worst state.
func TestSeriesBounded(t *testing.T) {
	var s Series
	var created, completed, overflow uint64
	var latMax float64
	worst, n := Stable, 3*SeriesSpans+123
	for i := 0; i < n; i++ {
		smp := Sample{T: kernel.Time(i+1) * kernel.Time(50*kernel.Millisecond), Created: uint64(i % 7),
			Completed: uint64(i % 3), Depth: i % 11, State: State(i / 1000 % 3)}
		smp.FailedBy[QueueOverflow] = uint64(i % 2)
		if smp.Completed > 0 {
			smp.MeanLatency, smp.MaxLatency = 0.01*float64(1+i%5), 0.1*float64(1+i%9)
		}
		s.Add(&smp)
		created += smp.Created
		completed += smp.Completed
		overflow += smp.FailedBy[QueueOverflow]
		if smp.Completed > 0 {
			latMax = math.Max(latMax, smp.MaxLatency)
		}
		worst = max(worst, smp.State)
		require.LessOrEqual(t, len(s.spans), SeriesSpans)
	}
	require.Equal(t, n, s.Periods())
	require.GreaterOrEqual(t, len(s.spans), SeriesSpans/2)
	require.Equal(t, 4, s.per)
	var sum Span
	for i, sp := range s.spans {
		if i < len(s.spans)-1 {
			require.Equal(t, s.per, sp.Periods, "span %d", i)
		}
		if i > 0 {
			require.Equal(t, s.spans[i-1].T1, sp.T0)
			sum.merge(&s.spans[i])
		} else {
			require.Zero(t, sp.T0)
			sum = sp
		}
	}
	require.Equal(t, n, sum.Periods)
	require.Equal(t, []uint64{created, completed, overflow}, []uint64{sum.Created, sum.Completed, sum.FailedBy[QueueOverflow]})
	require.Equal(t, latMax, sum.LatMax)
	require.Equal(t, worst, sum.State)
	require.Equal(t, kernel.Time(n)*kernel.Time(50*kernel.Millisecond), sum.T1)

	// Regrouped for a chart: at most limit spans, the same totals.
	bs := s.Spans(1000)
	require.LessOrEqual(t, len(bs), 1000)
	var total int
	for _, b := range bs {
		total += b.Periods
	}
	require.Equal(t, n, total)
}

// TestSeriesSpanMeans: a span's mean latency weighs each period's mean by
// its completions, and is a period's own mean when only one period had
// completions.
func TestSeriesSpanMeans(t *testing.T) {
	var s Series
	for _, p := range []struct {
		completed uint64
		mean      float64
		depth     int
	}{{2, 0.1, 4}, {0, 0, 6}, {6, 0.3, 8}, {0, 0, 1}} {
		s.Add(&Sample{Completed: p.completed, MeanLatency: p.mean, MaxLatency: p.mean, Depth: p.depth})
	}
	one := s.Spans(4)
	require.Len(t, one, 4)
	require.Equal(t, 0.1, one[0].LatMean())
	require.True(t, math.IsNaN(one[1].LatMean()))
	require.True(t, math.IsNaN(one[1].LatMax))
	all := s.Spans(1)
	require.Len(t, all, 1)
	require.InDelta(t, (2*0.1+6*0.3)/8, all[0].LatMean(), 1e-15)
	require.Equal(t, 0.3, all[0].LatMax)
	require.Equal(t, 4.75, all[0].DepthMean())
	require.Equal(t, 8, all[0].DepthMax)
	pair := s.Spans(2)
	require.Equal(t, 0.1, pair[0].LatMean(), "one period with completions: its own mean")
}
