package charts

import (
	"math"

	"github.com/agentchaos/agentchaos/model"
)

// Time charts draw one point per control period up to maxPeriods periods; a
// longer timeline is re-bucketed into at most maxPoints runs of consecutive
// periods (model.SeriesSpans ≥ maxPeriods: a timeline drawn period by
// period is held period by period).
const (
	maxPeriods = 4000
	maxPoints  = 1000
)

// numKinds is the number of failure kinds a sample counts.
const numKinds = len(model.Sample{}.FailedBy)

// buckets returns the run's timeline in at most limit buckets, each
// merging the same number of consecutive control periods (the last may
// have fewer); see model.Series for the resolution it keeps.
func buckets(s *model.Series, limit int) []model.Span { return s.Spans(limit) }

// stateRun is a maximal run of buckets at one state, [t0, t1] in seconds.
type stateRun struct {
	t0, t1 float64
	state  model.State
}

// stateRuns merges consecutive buckets at the same state.
func stateRuns(bs []model.Span) []stateRun {
	var out []stateRun
	for _, b := range bs {
		if n := len(out); n > 0 && out[n-1].state == b.State {
			out[n-1].t1 = b.T1.Seconds()
			continue
		}
		out = append(out, stateRun{b.T0.Seconds(), b.T1.Seconds(), b.State})
	}
	return out
}

// hist is a histogram over [lo, hi) in equal bins, in seconds, with the
// count of values at or above hi kept apart.
type hist struct {
	lo, width float64
	counts    []float64
	above     uint64  // values ≥ hi, not drawn
	aboveFrom float64 // hi
	weighted  bool    // counts are completions of per-period means (sketch mode)
}

// bins is the number of bins of the latency histogram.
const bins = 60

// tailCut is the quantile above which the histogram stops: one extreme
// straggler would otherwise squeeze the body into a bin or two.
const tailCut = 0.999

// latencyHist bins sorted latencies in ns. The range is [first, the 99.9th
// percentile]; the rest is counted in above.
func latencyHist(lat []int64, bins int) hist {
	lo := float64(lat[0]) / 1e9
	hiIdx := int(float64(tailCut * float64(len(lat)-1)))
	hi := float64(lat[hiIdx]) / 1e9
	h := hist{lo: lo, counts: make([]float64, bins)}
	if !(hi > lo) {
		hi = lo + math.Max(lo*0.01, 1e-6)
	}
	// A bin edge on hi itself: values equal to the cut-off stay in.
	h.width = (hi - lo) / float64(bins-1)
	h.aboveFrom = lo + float64(h.width*float64(bins))
	for _, ns := range lat {
		x := float64(ns) / 1e9
		i := int((x - lo) / h.width)
		if i >= bins {
			h.above++
			continue
		}
		h.counts[i]++
	}
	return h
}

// timelineHist is the sketch-mode stand-in for latencyHist: the per-period
// mean latency (per-span mean past model.SeriesSpans periods), each weighted
// by its completions.
func timelineHist(tl []model.Span, bins int) (hist, bool) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range tl {
		if tl[i].Completed > 0 {
			lo = math.Min(lo, tl[i].LatMean())
			hi = math.Max(hi, tl[i].LatMean())
		}
	}
	if math.IsInf(lo, 0) {
		return hist{}, false
	}
	if !(hi > lo) {
		hi = lo + math.Max(lo*0.01, 1e-6)
	}
	h := hist{lo: lo, width: (hi - lo) / float64(bins-1), counts: make([]float64, bins), weighted: true}
	h.aboveFrom = lo + float64(h.width*float64(bins))
	for i := range tl {
		if s := &tl[i]; s.Completed > 0 {
			h.counts[min(int((s.LatMean()-lo)/h.width), bins-1)] += float64(s.Completed)
		}
	}
	return h, true
}
