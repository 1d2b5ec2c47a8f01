package model

import "github.com/agentchaos/agentchaos/kernel"

// Draws gives the random quantities of a run by their keys, each from its
// own keyed stream (see the package doc): the stages draw through it, and so
// does any other driver of the same configuration (package httplive), so
// agent j's request i gets the same workload, think time, backoff jitter,
// dial time and service demand however it is run. A Draws holds no state
// but its compiled distributions: it is safe for concurrent use.
type Draws struct {
	stagger kernel.Duration
	mixCum  []float64 // the mix's cumulative weights, normalised
	think   sampler
	service sampler
	dial    []sampler    // by agent group; kind sNone without a dial time
	attempt []attemptLaw // by agent group

	fStart, fWorkload, fThink, fBackoff kernel.Family
	fRetry, fDial, fThrottle, fService  kernel.Family
	fTimeout                            kernel.Family
}

// attemptLaw is an agent group's attempt timeout: fixed, or exponential
// of that mean.
type attemptLaw struct {
	fixed kernel.Duration
	mean  float64 // seconds; 0 for a fixed timeout
}

// NewDraws returns the draws of a validated configuration.
func NewDraws(cfg *Config) *Draws {
	seed := cfg.Seed
	c := &cfg.Agents
	d := &Draws{stagger: kernel.Seconds(c.Stagger), service: cfg.Workers.Service.compile(),
		fStart: kernel.NewFamily(seed, "start"), fWorkload: kernel.NewFamily(seed, "workload"),
		fThink: kernel.NewFamily(seed, "think"), fBackoff: kernel.NewFamily(seed, "backoff"),
		fRetry: kernel.NewFamily(seed, "retry"), fDial: kernel.NewFamily(seed, "dial"),
		fThrottle: kernel.NewFamily(seed, "throttle"), fService: kernel.NewFamily(seed, "service"),
		fTimeout: kernel.NewFamily(seed, "timeout")}
	switch {
	case c.Arrival != TraceArrivals:
		d.think = c.Think.compile()
	case c.Trace != nil && len(c.Trace.Rates) > 0:
		// Recorded rates pace Poisson agents of rate 1/count each.
		d.think = Dist{Kind: Exponential, Mean: float64(c.Count)}.compile()
	}
	total := 0.0
	for _, w := range c.Mix {
		total += w.Weight
		d.mixCum = append(d.mixCum, total)
	}
	for i := range d.mixCum {
		d.mixCum[i] /= total
	}
	for _, g := range cfg.groups() {
		var s sampler
		if p := g.client.Pool; p.MaxConnections > 0 && p.Dial != nil {
			s = p.Dial.compile()
		}
		d.dial = append(d.dial, s)
		t := g.client.Timeouts
		law := attemptLaw{fixed: kernel.Seconds(t.Attempt)}
		if t.AttemptLaw == Exponential {
			law.mean = t.Attempt
		}
		d.attempt = append(d.attempt, law)
	}
	return d
}

// AttemptTimeout is how long the client of agent group group gives attempt
// k of agent's request seq: the group's attempt timeout, or under the
// exponential law a draw of that mean from ("timeout", agent, seq, k).
func (d *Draws) AttemptTimeout(group, agent, seq, k int32) kernel.Duration {
	law := d.attempt[group]
	if law.mean == 0 {
		return law.fixed
	}
	st := d.fTimeout.Stream(uint64(agent), uint64(seq), uint64(k))
	return drawnSeconds(st.Exp(law.mean))
}

// Start is agent's start, uniform in [0, agents.stagger): ("start", agent).
func (d *Draws) Start(agent int32) kernel.Duration {
	if d.stagger <= 0 {
		return 0
	}
	r := d.fStart.Stream(uint64(agent))
	return kernel.Duration(r.Uint64() % uint64(d.stagger))
}

// Workload is the type in the mix of agent's request seq: ("workload",
// agent, seq).
func (d *Draws) Workload(agent, seq int32) uint8 {
	r := d.fWorkload.Stream(uint64(agent), uint64(seq))
	u := r.Float64()
	var w uint8
	for int(w) < len(d.mixCum)-1 && u >= d.mixCum[w] {
		w++
	}
	return w
}

// Think is the think (or inter-arrival) time after agent's request seq:
// ("think", agent, seq).
func (d *Draws) Think(agent, seq int32) kernel.Duration {
	r := d.fThink.Stream(uint64(agent), uint64(seq))
	return drawnSeconds(d.think.draw(&r))
}

// BackoffJitter is the uniform in [0, 1) that scales an agent's backoff
// after its request seq: ("backoff", agent, seq).
func (d *Draws) BackoffJitter(agent, seq int32) float64 {
	r := d.fBackoff.Stream(uint64(agent), uint64(seq))
	return r.Float64()
}

// RetryJitter is the uniform in [0, 1) that scales the client's backoff
// before attempt k of agent's request seq: ("retry", agent, seq, k).
func (d *Draws) RetryJitter(agent, seq, k int32) float64 {
	r := d.fRetry.Stream(uint64(agent), uint64(seq), uint64(k))
	return r.Float64()
}

// ThrottleDraw is the uniform in [0, 1) against which the adaptive throttle
// rejects attempt k of agent's request seq: ("throttle", agent, seq, k).
func (d *Draws) ThrottleDraw(agent, seq, k int32) float64 {
	r := d.fThrottle.Stream(uint64(agent), uint64(seq), uint64(k))
	return r.Float64()
}

// Dial is the time to set up the connection that attempt k of agent's
// request seq opens in group's pool: ("dial", agent, seq, k); 0 when the
// pool has no dial time.
func (d *Draws) Dial(group, agent, seq, k int32) kernel.Duration {
	s := &d.dial[group]
	if s.kind == sNone {
		return 0
	}
	r := d.fDial.Stream(uint64(agent), uint64(seq), uint64(k))
	return drawnSeconds(s.draw(&r))
}

// Service is the base service demand per work unit of attempt k of
// agent's request seq, in seconds: ("service", agent, seq, k).
func (d *Draws) Service(agent, seq, k int32) float64 {
	r := d.fService.Stream(uint64(agent), uint64(seq), uint64(k))
	return d.service.draw(&r)
}
