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
	// TraceArrivals: requests are created as Agents.Trace says, replacing the
	// generator: at recorded times, or at recorded rates.
	TraceArrivals = "trace"
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
	// Trace is the record replayed by arrival "trace".
	Trace *TraceConfig `json:"trace,omitempty"`
}

// TraceConfig is a record of arrivals. Times are request creation times in
// seconds, non-decreasing: request i is created at Times[i] by agent i mod
// agents.count. Or Rates are steps of a Poisson arrival rate (requests per
// second over all agents, from each step's T until the next step's; the
// last lasts until agents.horizon). File names a CSV that the scenario
// loader reads into Times (one timestamp a line) or Rates ("t,rate" lines),
// relative to the scenario file.
type TraceConfig struct {
	File  string     `json:"file,omitempty"`
	Times []float64  `json:"times,omitempty"`
	Rates []RateStep `json:"rates,omitempty"`
}

// RateStep is one step of a trace's arrival rate.
type RateStep struct {
	T    float64 `json:"t"`
	Rate float64 `json:"rate"`
}

// MaxTraceEntries bounds a trace.
const MaxTraceEntries = 100_000_000

// AgentGroup is one named group of agents.
type AgentGroup struct {
	Name   string        `json:"name"`
	Count  int           `json:"count"`
	Client *ClientConfig `json:"client,omitempty"`
	// Priority is the group's criticality at the server: 0 (the default)
	// is the most important; the server serves more important attempts
	// first and sheds less important ones first.
	Priority int `json:"priority,omitempty"`
}

// groupSpec is one agent group as a run sees it.
type groupSpec struct {
	name     string
	count    int
	client   *ClientConfig
	priority int
}

// groups returns the agent groups: the configured ones, or one group of
// every agent with the top-level client.
func (c *Config) groups() []groupSpec {
	if len(c.Agents.Groups) == 0 {
		return []groupSpec{{"", c.Agents.Count, &c.Client, 0}}
	}
	out := make([]groupSpec, len(c.Agents.Groups))
	for i, g := range c.Agents.Groups {
		out[i] = groupSpec{g.Name, g.Count, g.Client, g.Priority}
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
	case Closed, Poisson, Burst, TraceArrivals:
	default:
		v.fail("agents.arrival", fmt.Sprintf("must be %q, %q, %q or %q, not %q", Closed, Poisson, Burst, TraceArrivals, a.Arrival))
	}
	if a.Arrival != TraceArrivals {
		v.timeDist("agents.think", a.Think, true)
		v.unused("agents.trace", a.Trace != nil, `only applies to arrival "trace"`)
	} else {
		a.validateTrace(v)
	}
	if a.Arrival == Burst {
		v.intIn("agents.burst_size", a.BurstSize, 1, 1_000_000)
	} else {
		v.unused("agents.burst_size", a.BurstSize != 0, `only applies to arrival "burst"`)
	}
	v.intIn("agents.requests_per_agent", a.RequestsPerAgent, 0, 1<<31-1)
	v.seconds("agents.horizon", a.Horizon)
	if a.RequestsPerAgent == 0 && a.Horizon == 0 && !(a.Arrival == TraceArrivals && a.Trace != nil && len(a.Trace.Times) > 0) {
		v.fail("agents.requests_per_agent", "set a request budget or agents.horizon, or the run never ends")
	}
	v.seconds("agents.stagger", a.Stagger)
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
		v.intIn(p+".priority", g.Priority, 0, 255)
		sum += g.Count
		if g.Client != nil {
			g.Client.validate(v, p+".client")
		}
	}
	if len(a.Groups) > 0 && sum != a.Count {
		v.fail("agents.groups", fmt.Sprintf("the groups' counts add up to %d, not agents.count %d", sum, a.Count))
	}
}

func (a *AgentConfig) validateTrace(v *validator) {
	t := a.Trace
	if t == nil {
		v.fail("agents.trace", `arrival "trace" needs agents.trace`)
		return
	}
	if (len(t.Times) > 0) == (len(t.Rates) > 0) {
		if t.File != "" {
			v.fail("agents.trace.file", "was not read: the scenario loader reads trace files")
		} else {
			v.fail("agents.trace", "set times or rates (or a file)")
		}
		return
	}
	if len(t.Times)+len(t.Rates) > MaxTraceEntries {
		v.fail("agents.trace", fmt.Sprintf("at most %d entries", MaxTraceEntries))
	}
	prev := 0.0
	for i, x := range t.Times {
		p := fmt.Sprintf("agents.trace.times[%d]", i)
		v.seconds(p, x)
		if x < prev {
			v.fail(p, fmt.Sprintf("goes back in time (%g after %g)", x, prev))
		}
		prev = x
	}
	for i, r := range t.Rates {
		p := fmt.Sprintf("agents.trace.rates[%d]", i)
		v.seconds(p+".t", r.T)
		v.nonNeg(p+".rate", r.Rate)
		if i > 0 && !(r.T > t.Rates[i-1].T) {
			v.fail(p+".t", "must be after the previous step's")
		}
	}
	if len(t.Times) > 0 {
		v.unused("agents.requests_per_agent", a.RequestsPerAgent != 0, "a trace of times sets the requests")
		v.unused("agents.horizon", a.Horizon != 0, "a trace of times sets the requests")
	} else if a.Horizon == 0 {
		v.fail("agents.horizon", "a trace of rates needs a horizon: the last rate lasts until it")
	}
}

// agents is the workload generator stage: N agents, each creating requests
// by its arrival mode until its budget or the horizon runs out. It is the
// top of the request path: every request starts here and its outcome comes
// back here, where the slot is freed.
//
// Random quantities, each from its own keyed stream (see Draws): an
// agent's start ("start", agent), a request's workload type ("workload",
// agent, seq), the think time after it ("think", agent, seq) and the
// backoff jitter after it ("backoff", agent, seq).
type agents struct {
	s       *System
	client  *client
	kWake   kernel.Kind
	groupOf []int32 // each agent's group

	state   []agentState
	active  int // agents not yet done
	spent   int // agents done or with their budget used up
	budget  int32
	horizon kernel.Time // 0: none
	arrival arrivalMode
	burst   int
	backoff Backoff
	paced   bool // the schedule paces the load (else a gap is just a gap)
	draws   *Draws
	trace   []kernel.Time // the trace's creation times, for arrival "trace"
}

// arrivalMode is AgentConfig.Arrival as a small integer: the agents switch
// on it at every wake-up and reply, where comparing strings costs more.
type arrivalMode uint8

const (
	arriveClosed arrivalMode = iota
	arrivePoisson
	arriveBurst
	arriveTrace
)

var arrivalModes = map[string]arrivalMode{Closed: arriveClosed, Poisson: arrivePoisson, Burst: arriveBurst, TraceArrivals: arriveTrace}

type agentState struct {
	next     int32 // index of its next request
	failures int32 // consecutive failures it backs off on
	done     bool
	spent    bool // done, or its budget used up
}

func newAgents(s *System) *agents {
	c := &s.cfg.Agents
	a := &agents{s: s, state: zeroed(s.spare.agentState, c.Count), active: c.Count,
		budget: int32(c.RequestsPerAgent), arrival: arrivalModes[c.Arrival], burst: c.BurstSize,
		backoff: NewBackoff(c.Backoff), paced: s.sched.Paced(), draws: s.draws}
	if c.Horizon > 0 {
		a.horizon = kernel.Time(kernel.Seconds(c.Horizon))
	}
	a.groupOf = zeroed(s.spare.groupOf, c.Count)
	first := 0
	for g, spec := range s.cfg.groups() {
		for i := first; i < first+spec.count; i++ {
			a.groupOf[i] = int32(g)
		}
		first += spec.count
	}
	a.kWake = s.sim.Register(a.wake)
	if c.Arrival == TraceArrivals && len(c.Trace.Times) > 0 {
		a.trace = make([]kernel.Time, len(c.Trace.Times))
		for i, t := range c.Trace.Times {
			a.trace[i] = kernel.Time(kernel.Seconds(t))
		}
		for i := range a.state {
			if i < len(a.trace) {
				s.sim.At(a.trace[i], a.kWake, int64(i), 0)
			} else {
				a.retire(int32(i))
			}
		}
		return a
	}
	if c.Arrival == TraceArrivals { // rates: Poisson agents of rate 1/count each, paced by the rates
		a.arrival = arrivePoisson
	}
	for i := range a.state {
		s.sim.At(kernel.Time(a.draws.Start(int32(i))), a.kWake, int64(i), 0)
	}
	return a
}

// pause is how long a closed-loop agent waits after its request seq ends
// with outcome, before the throttle's delay: a backoff after a failure of a
// kind it backs off on (think false), else its think time (think true: it
// runs at the scheduled load's pace).
func (a *agents) pause(agent, seq int32, outcome FailureKind) (d kernel.Duration, think bool) {
	st := &a.state[agent]
	if a.backoff.On(outcome) {
		st.failures++
		return a.backoff.Delay(st.failures, a.draws.BackoffJitter(agent, seq), 0), false
	}
	st.failures = 0
	return a.draws.Think(agent, seq), true
}

// exhausted reports whether agent may create no more requests, and marks
// it done the first time.
func (a *agents) exhausted(agent int32) bool {
	st := &a.state[agent]
	if st.done {
		return true
	}
	if (a.budget > 0 && st.next >= a.budget) || (a.horizon > 0 && a.s.sim.Now() >= a.horizon) ||
		(a.trace != nil && int(agent)+int(st.next)*len(a.state) >= len(a.trace)) {
		a.retire(agent)
		return true
	}
	return false
}

// retire marks agent done.
func (a *agents) retire(agent int32) {
	st := &a.state[agent]
	st.done = true
	a.active--
	a.spend(st)
}

func (a *agents) spend(st *agentState) {
	if !st.spent {
		st.spent = true
		a.spent++
	}
}

// wakeAfter schedules agent's next wake-up after a gap of think time,
// taken at the scheduled load's pace, plus the throttle's delay.
func (a *agents) wakeAfter(agent int32, gap kernel.Duration) {
	at := a.s.sim.Now().Add(gap)
	if a.paced {
		var ok bool
		if at, ok = a.s.sched.Advance(a.s.sim.Now(), gap); !ok { // the load stays at 0: the agent never wakes again
			a.retire(agent)
			return
		}
	}
	a.s.sim.At(at.Add(a.s.rec.ThrottleDelay()), a.kWake, int64(agent), 0)
}

// wake: the agent creates its next request, or burst of requests; open
// agents schedule their next arrival at once.
func (a *agents) wake(ev kernel.Event) {
	agent := int32(ev.ID)
	if a.exhausted(agent) {
		return
	}
	switch a.arrival {
	case arriveClosed:
		now := a.s.sim.Now()
		at, ok := a.s.sched.ActiveFrom(now, agent)
		switch {
		case !ok:
			a.retire(agent)
		case at > now: // capped: wait until the cap lets it in
			a.s.sim.At(at, a.kWake, int64(agent), 0)
		default:
			a.create(agent)
		}
	case arrivePoisson:
		a.wakeAfter(agent, a.draws.Think(agent, a.create(agent)))
	case arriveBurst:
		var gap kernel.Duration
		for i := 0; i < a.burst && !a.exhausted(agent); i++ {
			gap = a.draws.Think(agent, a.create(agent))
		}
		a.wakeAfter(agent, gap)
	case arriveTrace:
		a.create(agent)
		if next := int(agent) + int(a.state[agent].next)*len(a.state); next < len(a.trace) {
			a.s.sim.At(a.trace[next], a.kWake, int64(agent), 0)
		} else {
			a.retire(agent)
		}
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
	slot := a.s.reqs.alloc()
	r := a.s.reqs.at(slot).init(agent, seq, a.draws.Workload(agent, seq), a.s.sim.Now())
	a.s.emit(a.s.event(Created, r))
	a.client.start(slot, r, a.groupOf[agent])
	return seq
}

// reply: a request's outcome reaches its agent. A closed-loop agent
// schedules its next request after its pause plus the throttle's delay; the
// request's slot is freed.
func (a *agents) reply(slot int32, r *request, outcome FailureKind) {
	if a.arrival == arriveClosed {
		if d, think := a.pause(r.agent, r.seq, outcome); think {
			a.wakeAfter(r.agent, d)
		} else {
			a.s.sim.After(d+a.s.rec.ThrottleDelay(), a.kWake, int64(r.agent), 0)
		}
	}
	a.s.reqs.free(slot)
}
