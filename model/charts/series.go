package charts

import (
	"math"

	"github.com/agentchaos/agentchaos/model"
)

// Time charts draw one point per control period up to maxPeriods periods; a
// longer timeline is re-bucketed into at most maxPoints runs of consecutive
// periods.
const (
	maxPeriods = 4000
	maxPoints  = 1000
)

// bucket aggregates consecutive control periods of a timeline. Times are in
// seconds; missing values (no completion, no window data) are NaN.
type bucket struct {
	t0, t1  float64 // start of the first period, end of the last
	periods int

	created, completed uint64
	failed             [numKinds]uint64 // by model.FailureKind

	// The client's attempts: sent, failed and retried, finished by a
	// worker (the server's work), and requests that succeeded.
	sent, retried, answered, goodput uint64

	latMean float64 // mean latency, weighted by completions
	latMax  float64 // largest latency
	p95     float64 // largest rolling p95 of the periods

	depthMean float64
	depthMax  int

	state    model.State // worst state of the periods
	throttle float64     // largest throttle delay in force, s
	rule     model.Rule  // rule of the first period at the worst state

	// The steady-state hypothesis's readings over its window (the largest
	// in the bucket; NaN when not evaluated or nothing succeeded).
	sloP99, sloErr float64

	// The defences' state: the mean concurrency limit, whether CoDel was
	// dropping in any period, the largest client throttle probability.
	limit          float64
	dropping       bool
	clientThrottle float64
}

// numKinds is the number of failure kinds a sample counts.
const numKinds = len(model.Sample{}.FailedBy)

// buckets groups the timeline into at most limit buckets of k consecutive
// periods each (the last may be shorter), k = ⌈len/limit⌉. With k = 1 every
// bucket is one period and keeps its sample's figures exactly.
func buckets(tl []model.Sample, limit int) []bucket {
	if len(tl) == 0 {
		return nil
	}
	limit = max(limit, 1)
	k := (len(tl) + limit - 1) / limit
	out := make([]bucket, 0, (len(tl)+k-1)/k)
	prevT := 0.0
	for i := 0; i < len(tl); i += k {
		j := min(i+k, len(tl))
		b := bucket{t0: prevT, t1: tl[j-1].T.Seconds(), periods: j - i,
			latMean: math.NaN(), latMax: math.NaN(), p95: math.NaN(), sloP99: math.NaN(), sloErr: math.NaN()}
		var latSum, depthSum, lastMean, limitSum float64
		withLat := 0
		for n := i; n < j; n++ {
			s := &tl[n]
			b.created += s.Created
			b.completed += s.Completed
			for k, n := range s.FailedBy {
				b.failed[k] += n
			}
			b.sent += s.Sent
			b.retried += s.Retried
			b.answered += s.Answered
			b.goodput += s.Goodput
			if s.SLO.Evaluated {
				b.sloP99 = maxKnown(b.sloP99, s.SLO.P99)
				b.sloErr = maxKnown(b.sloErr, s.SLO.ErrorRate)
			}
			limitSum += s.Limit
			b.dropping = b.dropping || s.CoDelDropping
			b.clientThrottle = math.Max(b.clientThrottle, s.ClientThrottle)
			if s.Completed > 0 {
				// float64(x*y) + z: no fused multiply-add, same bits everywhere.
				latSum = float64(s.MeanLatency*float64(s.Completed)) + latSum
				lastMean = s.MeanLatency
				withLat++
				if math.IsNaN(b.latMax) || s.MaxLatency > b.latMax {
					b.latMax = s.MaxLatency
				}
			}
			if s.WindowCount > 0 && s.P95 > 0 && !math.IsInf(s.P95, 0) && (math.IsNaN(b.p95) || s.P95 > b.p95) {
				b.p95 = s.P95
			}
			depthSum += float64(s.Depth)
			b.depthMax = max(b.depthMax, s.Depth)
			if n == i || s.State > b.state {
				b.state, b.rule = s.State, s.Rule
			}
			b.throttle = math.Max(b.throttle, s.Throttle.Seconds())
		}
		switch {
		case withLat == 1:
			b.latMean = lastMean // exact, not mean·n/n
		case withLat > 1:
			b.latMean = latSum / float64(b.completed)
		}
		b.depthMean = depthSum / float64(b.periods)
		b.limit = limitSum / float64(b.periods)
		prevT = b.t1
		out = append(out, b)
	}
	return out
}

// maxKnown is the larger of a and b, NaN counting as unknown.
func maxKnown(a, b float64) float64 {
	if math.IsNaN(a) || b > a {
		return b
	}
	return a
}

// stateRun is a maximal run of buckets at one state, [t0, t1] in seconds.
type stateRun struct {
	t0, t1 float64
	state  model.State
}

// stateRuns merges consecutive buckets at the same state.
func stateRuns(bs []bucket) []stateRun {
	var out []stateRun
	for _, b := range bs {
		if n := len(out); n > 0 && out[n-1].state == b.state {
			out[n-1].t1 = b.t1
			continue
		}
		out = append(out, stateRun{b.t0, b.t1, b.state})
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
// mean latency, each weighted by the period's completions.
func timelineHist(tl []model.Sample, bins int) (hist, bool) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range tl {
		if tl[i].Completed > 0 {
			lo = math.Min(lo, tl[i].MeanLatency)
			hi = math.Max(hi, tl[i].MeanLatency)
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
			h.counts[min(int((s.MeanLatency-lo)/h.width), bins-1)] += float64(s.Completed)
		}
	}
	return h, true
}
