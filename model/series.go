package model

import (
	"math"

	"github.com/agentchaos/agentchaos/kernel"
)

// SeriesSpans bounds a Series: it holds at most this many spans.
const SeriesSpans = 8192

// Series is a run's timeline for charts, in bounded memory: one Span per
// control period for the first SeriesSpans periods; when it is full,
// neighbouring spans are merged in pairs, so that a span then covers 2, 4,
// 8... periods. However long the run, it holds at most SeriesSpans spans
// (288 bytes each: 2.4 MB), and at least half as many once it has been
// full, so a chart of up to SeriesSpans/2 points loses no resolution it
// could show. Add is O(1) amortised. The zero value is an empty series.
type Series struct {
	spans   []Span
	per     int // periods per span, a power of two; the last span may have fewer
	periods int
}

// Span sums up consecutive control periods: counts are summed, maxima
// kept, the state is the worst one. Times are the end of a period.
type Span struct {
	T0, T1             kernel.Time // start of the first period (the previous span's T1), end of the last
	Periods            int
	Created, Completed uint64
	FailedBy           [numFailureKinds]uint64
	LatMax             float64 // largest latency, s; NaN if nothing completed
	P95                float64 // largest rolling p95 with data, s; NaN if none
	DepthMax           int
	State              State           // the worst state of its periods
	Rule               Rule            // the rule of the first period at that state
	Throttle           kernel.Duration // the largest throttle delay in force

	// The clients' attempts: sent, failed and retried, finished by a
	// worker (the server's work), and requests that succeeded.
	Sent, Retried, Answered, Goodput uint64
	// The steady-state hypothesis's readings over its window, the largest
	// of the span's; NaN when not evaluated or nothing succeeded.
	SLOP99, SLOErrorRate float64
	// The defences' state: whether CoDel was dropping at the end of any
	// period, the largest client throttle probability (see LimitMean for
	// the concurrency limit).
	CoDelDropping  bool
	ClientThrottle float64

	latSum   float64 // Σ mean latency × completions, s, in period order
	lastMean float64 // the last period's with completions
	withLat  int     // periods with completions
	depthSum float64 // Σ depth at period end
	limitSum float64 // Σ concurrency limit at period end
}

// LatMean returns the mean latency of the span's completions, each period's
// mean weighted by its completions (exactly the period's mean when only
// one period had any), in s; NaN if none.
func (s *Span) LatMean() float64 {
	switch {
	case s.withLat == 1:
		return s.lastMean
	case s.withLat > 1:
		return s.latSum / float64(s.Completed)
	}
	return math.NaN()
}

// DepthMean returns the mean over its periods of the queue depth at a
// period's end.
func (s *Span) DepthMean() float64 { return s.depthSum / float64(s.Periods) }

// LimitMean returns the mean over its periods of the server's concurrency
// limit at a period's end (0 without one).
func (s *Span) LimitMean() float64 { return s.limitSum / float64(s.Periods) }

// setPeriod makes sp the span of one period, field by field in place:
// built whole and copied, its 288 bytes cost more than the filling.
func (sp *Span) setPeriod(t0 kernel.Time, smp *Sample) {
	sp.T0, sp.T1, sp.Periods = t0, smp.T, 1
	sp.Created, sp.Completed, sp.FailedBy = smp.Created, smp.Completed, smp.FailedBy
	sp.LatMax, sp.P95 = math.NaN(), math.NaN()
	sp.DepthMax, sp.State, sp.Rule, sp.Throttle = smp.Depth, smp.State, smp.Rule, smp.Throttle
	sp.Sent, sp.Retried, sp.Answered, sp.Goodput = smp.Sent, smp.Retried, smp.Answered, smp.Goodput
	sp.SLOP99, sp.SLOErrorRate = math.NaN(), math.NaN()
	if smp.SLO.Evaluated {
		sp.SLOP99, sp.SLOErrorRate = smp.SLO.P99, smp.SLO.ErrorRate
	}
	sp.CoDelDropping, sp.ClientThrottle = smp.CoDelDropping, smp.ClientThrottle
	sp.latSum, sp.lastMean, sp.withLat = 0, 0, 0
	if smp.Completed > 0 {
		// float64(x*y): no fused multiply-add, the same bits everywhere.
		sp.latSum = float64(smp.MeanLatency * float64(smp.Completed))
		sp.lastMean, sp.withLat, sp.LatMax = smp.MeanLatency, 1, smp.MaxLatency
	}
	if smp.WindowCount > 0 && smp.P95 > 0 && !math.IsInf(smp.P95, 0) {
		sp.P95 = smp.P95
	}
	sp.depthSum, sp.limitSum = float64(smp.Depth), smp.Limit
}

// merge adds the span b, which follows s.
func (s *Span) merge(b *Span) {
	s.T1 = b.T1
	s.Periods += b.Periods
	s.Created += b.Created
	s.Completed += b.Completed
	for k := range s.FailedBy {
		s.FailedBy[k] += b.FailedBy[k]
	}
	if b.withLat > 0 {
		s.latSum = b.latSum + s.latSum
		s.lastMean = b.lastMean
		s.withLat += b.withLat
		if math.IsNaN(s.LatMax) || b.LatMax > s.LatMax {
			s.LatMax = b.LatMax
		}
	}
	if !math.IsNaN(b.P95) && (math.IsNaN(s.P95) || b.P95 > s.P95) {
		s.P95 = b.P95
	}
	s.Sent += b.Sent
	s.Retried += b.Retried
	s.Answered += b.Answered
	s.Goodput += b.Goodput
	s.SLOP99 = maxKnown(s.SLOP99, b.SLOP99)
	s.SLOErrorRate = maxKnown(s.SLOErrorRate, b.SLOErrorRate)
	s.CoDelDropping = s.CoDelDropping || b.CoDelDropping
	s.ClientThrottle = max(s.ClientThrottle, b.ClientThrottle)
	s.limitSum += b.limitSum
	s.depthSum += b.depthSum
	s.DepthMax = max(s.DepthMax, b.DepthMax)
	if b.State > s.State {
		s.State, s.Rule = b.State, b.Rule
	}
	s.Throttle = max(s.Throttle, b.Throttle)
}

// Add appends one control period's sample.
func (s *Series) Add(smp *Sample) {
	s.periods++
	if s.per == 0 {
		s.per = 1
	}
	var t0 kernel.Time
	if n := len(s.spans); n > 0 {
		t0 = s.spans[n-1].T1
		if last := &s.spans[n-1]; last.Periods < s.per {
			var sp Span
			sp.setPeriod(t0, smp)
			last.merge(&sp)
			return
		}
	}
	if len(s.spans) == SeriesSpans {
		// Merge pairs in place: span i is written after spans 2i and
		// 2i+1 are read (and span 0 is its own first).
		for i := 0; i < SeriesSpans/2; i++ {
			if i > 0 {
				s.spans[i] = s.spans[2*i]
			}
			s.spans[i].merge(&s.spans[2*i+1])
		}
		s.spans = s.spans[:SeriesSpans/2]
		s.per *= 2
	}
	s.spans = append(s.spans, Span{})
	s.spans[len(s.spans)-1].setPeriod(t0, smp)
}

// Periods returns the number of control periods added.
func (s *Series) Periods() int { return s.periods }

// Period returns the length of a control period (the first ends one period
// in); 0 for an empty series.
func (s *Series) Period() kernel.Duration {
	if len(s.spans) == 0 {
		return 0
	}
	return kernel.Duration(s.spans[0].T1) / kernel.Duration(s.spans[0].Periods)
}

// Spans returns the series in at most limit spans, each (but the last)
// merging the same number of the spans held, ⌈held/limit⌉: as many
// periods as possible per point on a chart of limit points. The slice is
// new.
func (s *Series) Spans(limit int) []Span {
	if len(s.spans) == 0 {
		return nil
	}
	limit = max(limit, 1)
	k := (len(s.spans) + limit - 1) / limit
	out := make([]Span, 0, (len(s.spans)+k-1)/k)
	for i := 0; i < len(s.spans); i += k {
		sp := s.spans[i]
		for j := i + 1; j < min(i+k, len(s.spans)); j++ {
			sp.merge(&s.spans[j])
		}
		out = append(out, sp)
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
