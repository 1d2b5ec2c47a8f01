package model

import "github.com/agentchaos/agentchaos/kernel"

// BreakerState is a circuit breaker's state.
type BreakerState uint8

// Breaker states.
const (
	BreakerClosed   BreakerState = iota // attempts go through; failures are counted
	BreakerOpen                         // attempts fail at once without being sent
	BreakerHalfOpen                     // a few probe attempts go through
)

var breakerNames = [...]string{"closed", "open", "half-open"}

func (s BreakerState) String() string { return breakerNames[s] }

// Breaker is a circuit breaker with sony/gobreaker's semantics, as a
// clock-free value. Closed, it lets attempts through and trips to open when
// its failure rule fires: ConsecutiveFailures failures in a row, or (when
// FailureRatio is set) at least MinRequests outcomes in the last Window
// with at least that fraction failed. Open, it fails attempts at once until
// OpenFor has passed, then turns half-open: it lets HalfOpenProbes attempts
// through, closes when that many have succeeded in a row and reopens on the
// first failure. An outcome of an attempt let through in an earlier state
// (an earlier generation) is ignored, as gobreaker does.
type Breaker struct {
	consecutive int
	ratio       float64
	minRequests int
	openFor     kernel.Duration
	probes      int

	state      BreakerState
	generation uint64
	openUntil  kernel.Time
	fails      int           // consecutive failures (closed) or successes (half-open)
	inFlight   int           // probes let through in the half-open state
	window     slidingWindow // outcomes and failures, for the ratio rule

	// Trips counts closed or half-open → open transitions; OpenTime sums the
	// time spent open (half-open excluded) up to the last transition.
	Trips    int
	OpenTime kernel.Duration
	openedAt kernel.Time
}

// NewBreaker returns a closed breaker for a validated section.
func NewBreaker(c BreakerConfig) *Breaker {
	b := &Breaker{consecutive: c.ConsecutiveFailures, ratio: c.FailureRatio, minRequests: c.MinRequests,
		openFor: kernel.Seconds(c.OpenFor), probes: max(c.HalfOpenProbes, 1)}
	if c.FailureRatio > 0 {
		b.window = newSlidingWindow(kernel.Seconds(c.Window))
	}
	return b
}

// State returns the state at now (an open breaker whose time is up is
// half-open).
func (b *Breaker) State(now kernel.Time) BreakerState {
	b.expire(now)
	return b.state
}

func (b *Breaker) expire(now kernel.Time) {
	if b.state == BreakerOpen && now >= b.openUntil {
		b.OpenTime += now.Sub(b.openedAt)
		b.set(BreakerHalfOpen)
	}
}

func (b *Breaker) set(s BreakerState) {
	b.state = s
	b.generation++
	b.fails, b.inFlight = 0, 0
	b.window.reset()
}

// Allow reports whether an attempt may be sent at now, and the generation
// to record its outcome against.
func (b *Breaker) Allow(now kernel.Time) (gen uint64, ok bool) {
	b.expire(now)
	switch b.state {
	case BreakerOpen:
		return b.generation, false
	case BreakerHalfOpen:
		if b.inFlight >= b.probes {
			return b.generation, false
		}
		b.inFlight++
	}
	return b.generation, true
}

// Record records at now the outcome of an attempt let through in generation
// gen: ok for a success.
func (b *Breaker) Record(now kernel.Time, gen uint64, ok bool) {
	b.expire(now)
	if gen != b.generation {
		return
	}
	switch b.state {
	case BreakerClosed:
		if b.ratio > 0 {
			failed := 0.0
			if !ok {
				failed = 1
			}
			b.window.add(now, 1, failed)
			n, f := b.window.sums(now)
			if n >= float64(b.minRequests) && f >= float64(b.ratio*n) {
				b.trip(now)
			}
			return
		}
		if ok {
			b.fails = 0
		} else if b.fails++; b.fails >= b.consecutive {
			b.trip(now)
		}
	case BreakerHalfOpen:
		if !ok {
			b.trip(now)
			return
		}
		if b.fails++; b.fails >= b.probes {
			b.set(BreakerClosed)
		}
	}
}

// Forget releases an attempt let through in generation gen that was never
// sent (no connection in time): as a half-open probe it no longer counts.
func (b *Breaker) Forget(gen uint64) {
	if gen == b.generation && b.state == BreakerHalfOpen && b.inFlight > 0 {
		b.inFlight--
	}
}

func (b *Breaker) trip(now kernel.Time) {
	b.set(BreakerOpen)
	b.Trips++
	b.openedAt = now
	b.openUntil = now.Add(b.openFor)
}

// OpenTimeAt returns the time spent open up to now.
func (b *Breaker) OpenTimeAt(now kernel.Time) kernel.Duration {
	b.expire(now)
	if b.state == BreakerOpen {
		return b.OpenTime + now.Sub(b.openedAt)
	}
	return b.OpenTime
}

// slidingWindow sums two counts over the last span of time, kept in ten
// buckets of span/10: the window slides in steps of a tenth of the span.
// Breakers count outcomes and failures in one; ratio budgets requests and
// retries.
type slidingWindow struct {
	bucket  kernel.Duration
	a, b    [windowBuckets]float64
	current int64 // the newest bucket's index (time / bucket length)
}

const windowBuckets = 10

func newSlidingWindow(span kernel.Duration) slidingWindow {
	return slidingWindow{bucket: max(span/windowBuckets, 1)}
}

func (w *slidingWindow) reset() { w.a, w.b = [windowBuckets]float64{}, [windowBuckets]float64{} }

// advance moves the window to now, clearing the buckets that fell out of
// it, and returns the bucket now falls in.
func (w *slidingWindow) advance(now kernel.Time) int {
	n := int64(now) / int64(w.bucket)
	if n-w.current >= windowBuckets {
		w.reset()
		w.current = n
	}
	for w.current < n {
		w.current++
		i := w.current % windowBuckets
		w.a[i], w.b[i] = 0, 0
	}
	return int(n % windowBuckets)
}

// add adds da and db to the counts at now.
func (w *slidingWindow) add(now kernel.Time, da, db float64) {
	i := w.advance(now)
	w.a[i] += da
	w.b[i] += db
}

// sums returns the two counts over the window ending at now.
func (w *slidingWindow) sums(now kernel.Time) (a, b float64) {
	w.advance(now)
	for i := range w.a {
		a += w.a[i]
		b += w.b[i]
	}
	return a, b
}
