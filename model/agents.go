package model

import "github.com/agentchaos/agentchaos/kernel"

// agentStage is the workload generator: N agents, each creating requests by
// its arrival mode until its budget or the horizon runs out.
type agentStage struct {
	agents       []agentState
	activeAgents int
	budget       int32
	horizon      kernel.Time // 0: none
}

type agentState struct {
	next     int32 // index of its next request
	failures int32 // consecutive failures, for backoff
	done     bool
}

func (s *system) initAgents() {
	a := &s.cfg.Agents
	s.agents = make([]agentState, a.Count)
	s.activeAgents = a.Count
	s.budget = int32(a.RequestsPerAgent)
	if a.Horizon > 0 {
		s.horizon = kernel.Time(kernel.Seconds(a.Horizon))
	}
	for i := range s.agents {
		s.sim.At(kernel.Time(s.draws.Start(int32(i))), kindWake, int64(i), 0)
	}
}

// exhausted reports whether agent a may create no more requests, and marks
// it done the first time.
func (s *system) exhausted(a int32) bool {
	ag := &s.agents[a]
	if ag.done {
		return true
	}
	if (s.budget > 0 && ag.next >= s.budget) || (s.horizon > 0 && s.sim.Now() >= s.horizon) {
		ag.done = true
		s.activeAgents--
		return true
	}
	return false
}

// wake: the agent creates its next request, or burst of requests; open
// agents schedule their next arrival at once.
func (s *system) wake(ev kernel.Event) {
	a := int32(ev.ID)
	if s.exhausted(a) {
		return
	}
	switch s.cfg.Agents.Arrival {
	case Closed:
		s.create(a)
	case Poisson:
		slot := s.create(a)
		s.sim.After(s.reqs[slot].Think+s.mon.Throttle.Delay(), kindWake, int64(a), 0)
	case Burst:
		var gap kernel.Duration
		for i := 0; i < s.cfg.Agents.BurstSize && !s.exhausted(a); i++ {
			gap = s.reqs[s.create(a)].Think
		}
		s.sim.After(gap+s.mon.Throttle.Delay(), kindWake, int64(a), 0)
	}
}

// create makes agent a's next request, drawing everything random about it
// from its own stream, and offers it to the queue. It returns the slot, which
// stays valid until the next create.
func (s *system) create(a int32) int32 {
	ag := &s.agents[a]
	seq := ag.next
	ag.next++
	slot := s.allocSlot()
	s.reqs[slot] = request{Draws: s.draws.Draw(a, seq), agent: a, seq: seq, created: s.sim.Now()}
	s.emit(s.event(Created, slot))
	s.offer(slot)
	return slot
}

// agentReact is the agent's response to the end of one of its requests:
// a closed-loop agent schedules its next request after its think time, or
// after a backoff if the request failed with a kind it backs off on, plus
// the throttle's delay.
func (s *system) agentReact(r *request, outcome FailureKind) {
	if s.cfg.Agents.Arrival != Closed {
		return
	}
	delay := s.draws.Pause(&r.Draws, outcome, &s.agents[r.agent].failures)
	s.sim.After(delay+s.mon.Throttle.Delay(), kindWake, int64(r.agent), 0)
}

// Pause is how long a closed-loop agent waits after one of its requests
// ends with outcome, before the throttle's delay: its think time, or a
// backoff after a failure of a kind it backs off on. failures counts the
// agent's consecutive such failures; Pause updates it. Both the simulation
// and the live mode use it.
func (s *Sampler) Pause(d *Draws, outcome FailureKind, failures *int32) kernel.Duration {
	if s.BacksOff(outcome) {
		*failures++
		return s.BackoffDelay(*failures, d.Jitter)
	}
	*failures = 0
	return d.Think
}

// BackoffDelay is a closed-loop agent's wait after its k-th consecutive
// failure: min(Max, Base·Multiplier^(k−1))·(1 − Jitter·jitterU). Zero when
// backoff is off.
func (s *Sampler) BackoffDelay(k int32, jitterU float64) kernel.Duration {
	b := &s.cfg.Agents.Backoff
	if b.Base <= 0 {
		return 0
	}
	d := float64(b.Base * kernel.Pow(b.Multiplier, float64(k-1)))
	if d > b.Max {
		d = b.Max
	}
	return kernel.Seconds(float64(d * (1 - float64(b.Jitter*jitterU))))
}
