package live

import (
	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// agentStage is the workload generator: one goroutine per agent, creating
// requests by its arrival mode until its budget or the horizon runs out.
type agentStage struct {
	agents       []agentState
	activeAgents int
	spentAgents  int // agents done, or with their budget used up
	budget       int32
	horizon      kernel.Time // 0: none
}

type agentState struct {
	next     int32 // index of its next request
	failures int32 // consecutive failures, for backoff
	done     bool
	spent    bool        // done, or its budget used up
	wakeAt   kernel.Time // its next wake-up, once known
	// wake carries a closed-loop agent's next wake time, sent when its
	// outstanding request ends. Capacity 1: the sender never blocks.
	wake chan kernel.Time
}

func (s *system) initAgents() {
	a := &s.cfg.Agents
	s.agents = make([]agentState, a.Count)
	s.activeAgents = a.Count
	s.budget = int32(a.RequestsPerAgent)
	if a.Horizon > 0 {
		s.horizon = kernel.Time(kernel.Seconds(a.Horizon))
	}
	if a.Arrival == model.Closed {
		for i := range s.agents {
			s.agents[i].wake = make(chan kernel.Time, 1)
		}
	}
}

// agent is agent a's goroutine. t is its next wake time in simulated time:
// open agents advance it by the nominal inter-arrival time, so timer
// overshoot delays each arrival but never accumulates; closed agents get it
// from the end of their request, as in the simulation.
func (s *system) agent(a int32) {
	defer s.wg.Done()
	t := kernel.Time(s.draws.Start(a))
	for {
		if !s.sleepUntil(t) {
			return
		}
		s.mu.Lock()
		now := s.clk.now()
		if s.closed || s.exhausted(a, t) {
			s.mu.Unlock()
			return
		}
		switch s.cfg.Agents.Arrival {
		case model.Closed:
			s.create(a, now)
		case model.Poisson:
			r := s.create(a, now)
			t = t.Add(r.Think + s.mon.Throttle.Delay())
			s.agents[a].wakeAt = t
		case model.Burst:
			var gap kernel.Duration
			for i := 0; i < s.cfg.Agents.BurstSize && !s.exhausted(a, t); i++ {
				gap = s.create(a, now).Think
			}
			t = t.Add(gap + s.mon.Throttle.Delay())
			s.agents[a].wakeAt = t
		}
		s.mu.Unlock()
		if s.cfg.Agents.Arrival == model.Closed {
			select {
			case t = <-s.agents[a].wake:
			case <-s.ctx.Done():
				return
			}
		}
	}
}

// exhausted reports whether agent a, waking at t, may create no more
// requests, and marks it done the first time. mu held.
func (s *system) exhausted(a int32, t kernel.Time) bool {
	ag := &s.agents[a]
	if ag.done {
		return true
	}
	if (s.budget > 0 && ag.next >= s.budget) || (s.horizon > 0 && t >= s.horizon) {
		ag.done = true
		s.activeAgents--
		s.spend(ag)
		return true
	}
	return false
}

// spend counts agent ag as spent, once. mu held.
func (s *system) spend(ag *agentState) {
	if !ag.spent {
		ag.spent = true
		s.spentAgents++
	}
}

// lastWake returns the latest pending wake-up of an agent not yet done.
// mu held.
func (s *system) lastWake() kernel.Time {
	var last kernel.Time
	for i := range s.agents {
		if ag := &s.agents[i]; !ag.done {
			last = max(last, ag.wakeAt)
		}
	}
	return last
}

// create makes agent a's next request at time now, with the same draws as
// the simulation's, and offers it to the queue. mu held.
func (s *system) create(a int32, now kernel.Time) *request {
	ag := &s.agents[a]
	seq := ag.next
	ag.next++
	if s.budget > 0 && ag.next >= s.budget {
		s.spend(ag)
	}
	r := &request{Draws: s.draws.Draw(a, seq), agent: a, seq: seq, created: now}
	s.emit(s.event(now, model.Created, r))
	s.offer(r, now)
	return r
}

// finish is the agent's reaction to the end of its request at time t with
// the given outcome: a closed-loop agent wakes after its think time, or
// after a backoff if the request failed with a kind it backs off on, plus
// the throttle's delay. mu held.
func (s *system) finish(r *request, outcome model.FailureKind, t kernel.Time) {
	if s.cfg.Agents.Arrival != model.Closed {
		return
	}
	ag := &s.agents[r.agent]
	delay := s.draws.Pause(&r.Draws, outcome, &ag.failures)
	ag.wakeAt = t.Add(delay + s.mon.Throttle.Delay())
	ag.wake <- ag.wakeAt
}
