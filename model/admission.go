package model

import (
	"fmt"
	"math"

	"github.com/agentchaos/agentchaos/kernel"
)

// Queue disciplines: the order in which waiting attempts are served.
const (
	DisciplineFIFO = "fifo" // oldest first (the default)
	DisciplineLIFO = "lifo" // newest first
	// DisciplineAdaptiveLIFO serves the oldest first while the queue moves,
	// and the newest first while it stands: while the oldest waiting attempt
	// has waited longer than queue.lifo_after (Facebook's adaptive LIFO: a
	// fresh request's client is still waiting; an old one's may be gone).
	DisciplineAdaptiveLIFO = "adaptive_lifo"
)

// CoDelConfig is CoDel queue management (Nichols & Jacobson; RFC 8289) on
// the waiting room: when the sojourn of the attempts leaving the queue has
// stayed above Target for a whole Interval, the server drops the attempt at
// the head (503 SHED), and keeps dropping at intervals of Interval/√count
// until the sojourn falls below Target.
type CoDelConfig struct {
	Target   float64 `json:"target,omitempty"`   // seconds; default 0.005
	Interval float64 `json:"interval,omitempty"` // seconds; default 0.1
}

// LimitConfig is an adaptive concurrency limit on the server (Netflix's
// concurrency-limits): attempts beyond Limit in the server (waiting or in
// service) are turned away at once (503 SHED), and the limit adapts after
// every answer from the attempt's time in the server (its RTT) and whether
// it failed or took longer than Timeout (a drop):
//
//	aimd       on a drop, limit·Backoff (default 0.9); otherwise +1 while at
//	           least half the limit is in use
//	vegas      queue = limit·(1 − minRTT/RTT); +log10(limit) while queue is
//	           below 3·log10(limit), −log10(limit) above 6·log10(limit) or on a drop
//	gradient2  limit·clamp(Tolerance·longRTT/RTT, 0.5, 1) + √limit, smoothed
//	           by Smoothing (default 0.2); longRTT an average over 600 answers
//
// Initial (default 20), Min (1) and Max (1000) bound it.
type LimitConfig struct {
	Kind      string  `json:"kind"`
	Initial   float64 `json:"initial,omitempty"`
	Min       float64 `json:"min,omitempty"`
	Max       float64 `json:"max,omitempty"`
	Backoff   float64 `json:"backoff,omitempty"`
	Timeout   float64 `json:"timeout,omitempty"` // seconds; default 1
	Tolerance float64 `json:"tolerance,omitempty"`
	Smoothing float64 `json:"smoothing,omitempty"`
}

// Concurrency limit kinds.
const (
	LimitAIMD      = "aimd"
	LimitVegas     = "vegas"
	LimitGradient2 = "gradient2"
)

func (c *CoDelConfig) validate(v *validator) {
	v.seconds("queue.codel.target", c.Target)
	v.seconds("queue.codel.interval", c.Interval)
}

func (l *LimitConfig) validate(v *validator) {
	switch l.Kind {
	case LimitAIMD, LimitVegas, LimitGradient2:
	default:
		v.fail("queue.limit.kind", fmt.Sprintf("must be %q, %q or %q, not %q", LimitAIMD, LimitVegas, LimitGradient2, l.Kind))
	}
	v.nonNeg("queue.limit.initial", l.Initial)
	v.nonNeg("queue.limit.min", l.Min)
	v.nonNeg("queue.limit.max", l.Max)
	if l.Max > 0 && l.Max < max(l.Min, 1) {
		v.fail("queue.limit.max", "must be at least queue.limit.min")
	}
	if l.Max > MaxBuffer {
		v.fail("queue.limit.max", fmt.Sprintf("must be at most %d", MaxBuffer))
	}
	v.prob("queue.limit.backoff", l.Backoff)
	v.seconds("queue.limit.timeout", l.Timeout)
	v.nonNeg("queue.limit.tolerance", l.Tolerance)
	v.prob("queue.limit.smoothing", l.Smoothing)
}

// CoDel is CoDel's control law as a clock-free value: ShouldDrop is asked
// about the attempt at the head of the queue, with its sojourn, each time one
// is about to leave.
type CoDel struct {
	target, interval kernel.Duration
	firstAbove       kernel.Time // when the sojourn went above target, plus interval; 0: below
	dropNext         kernel.Time
	count            int
	lastCount        int
	dropping         bool

	Drops uint64
}

// NewCoDel returns CoDel with the given settings (defaults for zeros).
func NewCoDel(c CoDelConfig) *CoDel {
	target, interval := c.Target, c.Interval
	if target == 0 {
		target = 0.005
	}
	if interval == 0 {
		interval = 0.1
	}
	return &CoDel{target: kernel.Seconds(target), interval: kernel.Seconds(interval)}
}

// Dropping reports whether CoDel is in its dropping state.
func (c *CoDel) Dropping() bool { return c.dropping }

// okToDrop is RFC 8289's dodequeue test for a head that waited sojourn.
func (c *CoDel) okToDrop(now kernel.Time, sojourn kernel.Duration, empty bool) bool {
	if empty || sojourn < c.target {
		c.firstAbove = 0
		return false
	}
	if c.firstAbove == 0 {
		c.firstAbove = now.Add(c.interval)
		return false
	}
	return now >= c.firstAbove
}

func (c *CoDel) controlLaw(t kernel.Time) kernel.Time {
	return t.Add(kernel.Duration(float64(c.interval) / math.Sqrt(float64(c.count))))
}

// ShouldDrop decides, at now, about the attempt at the head of the queue,
// which has waited sojourn (empty: the queue has none): true to drop it and
// ask again about the next head. It follows RFC 8289's dequeue.
func (c *CoDel) ShouldDrop(now kernel.Time, sojourn kernel.Duration, empty bool) bool {
	ok := c.okToDrop(now, sojourn, empty)
	if c.dropping {
		if !ok {
			c.dropping = false
			return false
		}
		if now >= c.dropNext {
			c.count++
			c.dropNext = c.controlLaw(c.dropNext)
			c.Drops++
			return true
		}
		return false
	}
	if ok {
		c.dropping = true
		delta := c.count - c.lastCount
		if delta > 1 && now.Sub(c.dropNext) < 16*c.interval {
			c.count = delta
		} else {
			c.count = 1
		}
		c.dropNext = c.controlLaw(now)
		c.lastCount = c.count
		c.Drops++
		return true
	}
	return false
}

// Limiter is an adaptive concurrency limit as a clock-free value.
type Limiter struct {
	kind                    string
	limit, min, max         float64
	backoff, tol, smoothing float64
	timeout                 kernel.Duration
	minRTT                  kernel.Duration
	longRTT                 float64 // ns, an exponential average over 600 answers
	samples                 int

	Rejected uint64
}

// NewLimiter returns the limiter of a validated section.
func NewLimiter(c LimitConfig) *Limiter {
	l := &Limiter{kind: c.Kind, limit: c.Initial, min: c.Min, max: c.Max, backoff: c.Backoff,
		timeout: kernel.Seconds(c.Timeout), tol: c.Tolerance, smoothing: c.Smoothing}
	if l.limit == 0 {
		l.limit = 20
	}
	if l.min == 0 {
		l.min = 1
	}
	if l.max == 0 {
		l.max = 1000
	}
	if l.backoff == 0 {
		l.backoff = 0.9
	}
	if l.timeout == 0 {
		l.timeout = kernel.Second
	}
	if l.tol == 0 {
		l.tol = 1.5
	}
	if l.smoothing == 0 {
		l.smoothing = 0.2
	}
	return l
}

// Limit returns the current limit, whole.
func (l *Limiter) Limit() int { return int(l.limit) }

// Admit reports whether an attempt may enter a server holding inflight.
func (l *Limiter) Admit(inflight int) bool {
	if inflight < int(l.limit) {
		return true
	}
	l.Rejected++
	return false
}

// Update adapts the limit to one answer: its time in the server, whether it
// failed, and how many attempts the server held when it arrived, itself
// included (as Netflix's limiters sample it: the load the answer saw).
func (l *Limiter) Update(rtt kernel.Duration, failed bool, inflight int) {
	drop := failed || rtt > l.timeout
	switch l.kind {
	case LimitAIMD:
		if drop {
			l.limit = math.Floor(float64(l.limit * l.backoff))
		} else if 2*inflight >= int(l.limit) {
			l.limit++
		}
	case LimitVegas:
		if rtt <= 0 || (!drop && 2*inflight < int(l.limit)) { // no sample, or app-limited
			return
		}
		if l.minRTT == 0 || rtt < l.minRTT {
			l.minRTT = rtt
		}
		lg := math.Max(1, log10(l.limit))
		queue := math.Ceil(float64(l.limit * (1 - float64(l.minRTT)/float64(rtt))))
		next := l.limit
		switch {
		case drop:
			next = l.limit - lg
		case queue <= lg:
			next = l.limit + float64(6*lg)
		case queue < float64(3*lg):
			next = l.limit + lg
		case queue > float64(6*lg):
			next = l.limit - lg
		}
		l.limit = next
	case LimitGradient2:
		if rtt <= 0 {
			return
		}
		l.samples++
		w := 1 / math.Min(float64(l.samples), 600)
		l.longRTT = float64(float64(1-w)*l.longRTT) + float64(w*float64(rtt))
		gradient := math.Max(0.5, math.Min(1, float64(l.tol*l.longRTT)/float64(rtt)))
		next := float64(l.limit*gradient) + math.Sqrt(l.limit)
		if 2*inflight < int(l.limit) && next > l.limit { // app-limited: do not grow
			next = l.limit
		}
		l.limit = float64(float64(1-l.smoothing)*l.limit) + float64(l.smoothing*next)
	}
	l.limit = math.Min(l.max, math.Max(l.min, l.limit))
}

// log10 is the portable base-10 logarithm.
func log10(x float64) float64 { return kernel.Log(x) / math.Ln10 }

// AdaptiveThrottle is the client-side adaptive throttling of Google's SRE
// book ("Handling Overload") as a clock-free value: over a trailing Window
// the client counts the requests it tried and those the server accepted,
// and rejects a new attempt locally with probability
// max(0, (requests − K·accepts)/(requests + 1)).
type AdaptiveThrottle struct {
	k      float64
	window slidingWindow // requests, accepts

	Rejected uint64
}

// NewAdaptiveThrottle returns a throttle with multiplier k over window.
func NewAdaptiveThrottle(k float64, window kernel.Duration) *AdaptiveThrottle {
	return &AdaptiveThrottle{k: k, window: newSlidingWindow(window)}
}

// Probability returns the rejection probability at now.
func (a *AdaptiveThrottle) Probability(now kernel.Time) float64 {
	req, acc := a.window.sums(now)
	return math.Max(0, (req-float64(a.k*acc))/(req+1))
}

// Request records an attempt tried at now (rejected locally or not).
func (a *AdaptiveThrottle) Request(now kernel.Time) { a.window.add(now, 1, 0) }

// Accept records an answer the server accepted (anything but an overload
// rejection) at now.
func (a *AdaptiveThrottle) Accept(now kernel.Time) { a.window.add(now, 0, 1) }

// ClientThrottleConfig is a client's adaptive throttling (see
// AdaptiveThrottle); K 0 turns it off.
type ClientThrottleConfig struct {
	K      float64 `json:"k,omitempty"`      // default 2
	Window float64 `json:"window,omitempty"` // seconds; default 120
}
