package model

import (
	"fmt"

	"github.com/agentchaos/agentchaos/kernel"
)

// Arrival modes of an agent.
const (
	// Closed: one outstanding request; the next is created Think after the
	// previous one ends (plus backoff and throttle delays).
	Closed = "closed"
	// Poisson: requests are created independently of responses, with
	// Think as the inter-arrival time (exponential for a Poisson process).
	Poisson = "poisson"
	// Burst: BurstSize requests at once, bursts separated by Think.
	Burst = "burst"
)

// AgentConfig describes the workload generators.
type AgentConfig struct {
	Count   int    `json:"count"`
	Arrival string `json:"arrival"` // Closed, Poisson or Burst
	// Think is the think time (closed), inter-arrival time (poisson) or
	// gap between bursts (burst), in seconds.
	Think     Dist `json:"think"`
	BurstSize int  `json:"burst_size,omitempty"`
	// RequestsPerAgent is each agent's budget; 0 means no budget (then
	// Horizon must be set).
	RequestsPerAgent int `json:"requests_per_agent"`
	// Horizon stops agents creating requests after this time (seconds);
	// 0 means none. Requests in flight still finish.
	Horizon float64 `json:"horizon,omitempty"`
	// Stagger starts each agent at a uniform random time in [0, Stagger).
	Stagger float64        `json:"stagger,omitempty"`
	Mix     []WorkloadType `json:"mix"`
	Backoff BackoffConfig  `json:"backoff"`
	// Groups splits the agents into named groups, in order: the first
	// Count agents form the first group, and so on. A group may have its
	// own client (else it has the top-level client section), and network
	// faults may target groups by name. Without groups, every agent is in
	// one group named "".
	Groups []AgentGroup `json:"groups,omitempty"`
}

// AgentGroup is one named group of agents.
type AgentGroup struct {
	Name   string        `json:"name"`
	Count  int           `json:"count"`
	Client *ClientConfig `json:"client,omitempty"`
}

// groupSpec is one agent group as a run sees it.
type groupSpec struct {
	name   string
	count  int
	client *ClientConfig
}

// groups returns the agent groups: the configured ones, or one group of
// every agent with the top-level client.
func (c *Config) groups() []groupSpec {
	if len(c.Agents.Groups) == 0 {
		return []groupSpec{{"", c.Agents.Count, &c.Client}}
	}
	out := make([]groupSpec, len(c.Agents.Groups))
	for i, g := range c.Agents.Groups {
		out[i] = groupSpec{g.Name, g.Count, g.Client}
		if g.Client == nil {
			out[i].client = &c.Client
		}
	}
	return out
}

// WorkloadType is one kind of request in the mix.
type WorkloadType struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"` // relative frequency
	Work   float64 `json:"work"`   // work units: multiplies the base service time
}

func (a *AgentConfig) validate(v *validator, _ *Config) {
	v.intIn("agents.count", a.Count, 1, MaxAgents)
	switch a.Arrival {
	case Closed, Poisson, Burst:
	default:
		v.fail("agents.arrival", fmt.Sprintf("must be %q, %q or %q, not %q", Closed, Poisson, Burst, a.Arrival))
	}
	v.dist("agents.think", a.Think, true)
	if a.Arrival == Burst {
		v.intIn("agents.burst_size", a.BurstSize, 1, 1_000_000)
	} else {
		v.unused("agents.burst_size", a.BurstSize != 0, `only applies to arrival "burst"`)
	}
	v.intIn("agents.requests_per_agent", a.RequestsPerAgent, 0, 1<<31-1)
	v.nonNeg("agents.horizon", a.Horizon)
	if a.RequestsPerAgent == 0 && a.Horizon == 0 {
		v.fail("agents.requests_per_agent", "set a request budget or agents.horizon, or the run never ends")
	}
	v.nonNeg("agents.stagger", a.Stagger)
	if len(a.Mix) == 0 {
		v.fail("agents.mix", "needs at least one workload type")
	}
	if len(a.Mix) > 255 {
		v.fail("agents.mix", "at most 255 workload types")
	}
	total := 0.0
	for i, w := range a.Mix {
		p := fmt.Sprintf("agents.mix[%d]", i)
		if w.Name == "" {
			v.fail(p+".name", "must not be empty")
		}
		v.nonNeg(p+".weight", w.Weight)
		v.nonNeg(p+".work", w.Work)
		total += w.Weight
	}
	if len(a.Mix) > 0 && !(total > 0) {
		v.fail("agents.mix", "weights must not all be zero")
	}
	a.Backoff.validate(v, "agents.backoff", true)
	names, sum := map[string]bool{}, 0
	for i, g := range a.Groups {
		p := fmt.Sprintf("agents.groups[%d]", i)
		switch {
		case g.Name == "":
			v.fail(p+".name", "must not be empty")
		case names[g.Name]:
			v.fail(p+".name", fmt.Sprintf("group %q is named twice", g.Name))
		}
		names[g.Name] = true
		v.intIn(p+".count", g.Count, 1, MaxAgents)
		sum += g.Count
		if g.Client != nil {
			g.Client.validate(v, p+".client")
		}
	}
	if len(a.Groups) > 0 && sum != a.Count {
		v.fail("agents.groups", fmt.Sprintf("the groups' counts add up to %d, not agents.count %d", sum, a.Count))
	}
}

// agents is the workload generator stage: N agents, each creating requests
// by its arrival mode until its budget or the horizon runs out. It is the
// top of the request path: every request starts here and its outcome comes
// back here, where the slot is freed.
//
// Random quantities, each from its own keyed stream: an agent's start
// ("start", agent), a request's workload type ("workload", agent, seq), the
// think time after it ("think", agent, seq) and the backoff jitter after it
// ("backoff", agent, seq).
type agents struct {
	s       *System
	client  *client
	kWake   kernel.Kind
	groupOf []int32 // each agent's group

	state       []agentState
	active      int // agents not yet done
	spent       int // agents done or with their budget used up
	budget      int32
	horizon     kernel.Time // 0: none
	arrival     string
	burst       int
	stagger     kernel.Duration
	mixCum      []float64
	think       sampler
	backoff     Backoff
	fStart      kernel.Family
	fWorkload   kernel.Family
	fThink      kernel.Family
	fBackoffJit kernel.Family
}

type agentState struct {
	next     int32 // index of its next request
	failures int32 // consecutive failures it backs off on
	done     bool
	spent    bool // done, or its budget used up
}

func newAgents(s *System) *agents {
	c := &s.cfg.Agents
	a := &agents{s: s, state: make([]agentState, c.Count), active: c.Count,
		budget: int32(c.RequestsPerAgent), arrival: c.Arrival, burst: c.BurstSize,
		stagger: kernel.Seconds(c.Stagger), think: c.Think.compile(), backoff: NewBackoff(c.Backoff),
		fStart:      kernel.NewFamily(s.cfg.Seed, "start"),
		fWorkload:   kernel.NewFamily(s.cfg.Seed, "workload"),
		fThink:      kernel.NewFamily(s.cfg.Seed, "think"),
		fBackoffJit: kernel.NewFamily(s.cfg.Seed, "backoff")}
	if c.Horizon > 0 {
		a.horizon = kernel.Time(kernel.Seconds(c.Horizon))
	}
	total := 0.0
	for _, w := range c.Mix {
		total += w.Weight
		a.mixCum = append(a.mixCum, total)
	}
	for i := range a.mixCum {
		a.mixCum[i] /= total
	}
	a.groupOf = make([]int32, c.Count)
	first := 0
	for g, spec := range s.cfg.groups() {
		for i := first; i < first+spec.count; i++ {
			a.groupOf[i] = int32(g)
		}
		first += spec.count
	}
	a.kWake = s.sim.Register(a.wake)
	for i := range a.state {
		s.sim.At(kernel.Time(a.startDelay(int32(i))), a.kWake, int64(i), 0)
	}
	return a
}

// startDelay is agent's start: uniform in [0, Stagger).
func (a *agents) startDelay(agent int32) kernel.Duration {
	if a.stagger <= 0 {
		return 0
	}
	r := a.fStart.Stream(uint64(agent))
	return kernel.Duration(r.Uint64() % uint64(a.stagger))
}

// workload draws the type of agent's request seq from the mix.
func (a *agents) workload(agent, seq int32) uint8 {
	r := a.fWorkload.Stream(uint64(agent), uint64(seq))
	u := r.Float64()
	var w uint8
	for int(w) < len(a.mixCum)-1 && u >= a.mixCum[w] {
		w++
	}
	return w
}

// thinkTime is the agent's think time (or inter-arrival time) after its
// request seq.
func (a *agents) thinkTime(agent, seq int32) kernel.Duration {
	r := a.fThink.Stream(uint64(agent), uint64(seq))
	return kernel.Seconds(a.think.draw(&r))
}

// pause is how long a closed-loop agent waits after its request seq ends
// with outcome, before the throttle's delay: a backoff after a failure of a
// kind it backs off on, else its think time.
func (a *agents) pause(agent, seq int32, outcome FailureKind) kernel.Duration {
	st := &a.state[agent]
	if a.backoff.On(outcome) {
		st.failures++
		r := a.fBackoffJit.Stream(uint64(agent), uint64(seq))
		return a.backoff.Delay(st.failures, r.Float64(), 0)
	}
	st.failures = 0
	return a.thinkTime(agent, seq)
}

// exhausted reports whether agent may create no more requests, and marks
// it done the first time.
func (a *agents) exhausted(agent int32) bool {
	st := &a.state[agent]
	if st.done {
		return true
	}
	if (a.budget > 0 && st.next >= a.budget) || (a.horizon > 0 && a.s.sim.Now() >= a.horizon) {
		st.done = true
		a.active--
		a.spend(st)
		return true
	}
	return false
}

func (a *agents) spend(st *agentState) {
	if !st.spent {
		st.spent = true
		a.spent++
	}
}

// wake: the agent creates its next request, or burst of requests; open
// agents schedule their next arrival at once.
func (a *agents) wake(ev kernel.Event) {
	agent := int32(ev.ID)
	if a.exhausted(agent) {
		return
	}
	switch a.arrival {
	case Closed:
		a.create(agent)
	case Poisson:
		seq := a.create(agent)
		a.s.sim.After(a.thinkTime(agent, seq)+a.s.mon.Throttle.Delay(), a.kWake, int64(agent), 0)
	case Burst:
		var gap kernel.Duration
		for i := 0; i < a.burst && !a.exhausted(agent); i++ {
			gap = a.thinkTime(agent, a.create(agent))
		}
		a.s.sim.After(gap+a.s.mon.Throttle.Delay(), a.kWake, int64(agent), 0)
	}
}

// create makes agent's next request and sends it down the request path. It
// returns the request's index.
func (a *agents) create(agent int32) int32 {
	st := &a.state[agent]
	seq := st.next
	st.next++
	if a.budget > 0 && st.next >= a.budget {
		a.spend(st)
	}
	slot := a.s.newRequest(agent, seq, a.workload(agent, seq))
	a.s.emit(a.s.event(Created, slot))
	a.client.start(slot, a.groupOf[agent])
	return seq
}

// reply: a request's outcome reaches its agent. A closed-loop agent
// schedules its next request after its pause plus the throttle's delay; the
// request's slot is freed.
func (a *agents) reply(slot int32, outcome FailureKind) {
	r := a.s.reqs.at(slot)
	if a.arrival == Closed {
		d := a.pause(r.agent, r.seq, outcome)
		a.s.sim.After(d+a.s.mon.Throttle.Delay(), a.kWake, int64(r.agent), 0)
	}
	a.s.reqs.free(slot)
}
