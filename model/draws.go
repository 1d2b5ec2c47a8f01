package model

import "github.com/agentchaos/agentchaos/kernel"

// Draws is everything random about one request, drawn from its own stream
// (root seed, "request", agent, seq) when it is created. Both the simulation
// and the real-concurrency mode use it, so agent j's request i has the same
// type, service demand, spike, fault draw and think time in both.
type Draws struct {
	Workload uint8           // index into Agents.Mix
	Base     float64         // base service time per work unit, seconds
	Spike    kernel.Duration // latency spike added to its service; 0 if none
	ErrU     float64         // uniform in [0,1): fails if below the error probability
	Think    kernel.Duration // the agent's think time (or inter-arrival time) after it
	Jitter   float64         // uniform in [0,1): the agent's backoff jitter after it
}

// Sampler draws requests for one validated configuration.
type Sampler struct {
	cfg                   *Config
	mixCum                []float64
	service, think, spike sampler
	backsOff              [numFailureKinds]bool
}

// NewSampler compiles cfg's distributions. cfg must be valid.
func NewSampler(cfg *Config) *Sampler {
	s := &Sampler{cfg: cfg, service: cfg.Workers.Service.compile(), think: cfg.Agents.Think.compile()}
	if cfg.Faults.SpikeProbability > 0 {
		s.spike = cfg.Faults.SpikeDuration.compile()
	}
	total := 0.0
	for _, w := range cfg.Agents.Mix {
		total += w.Weight
		s.mixCum = append(s.mixCum, total)
	}
	for i := range s.mixCum {
		s.mixCum[i] /= total
	}
	if cfg.Agents.Backoff.Base > 0 {
		for _, k := range cfg.Agents.Backoff.On {
			s.backsOff[failureKind(k)] = true
		}
	}
	return s
}

// BacksOff reports whether a closed-loop agent backs off after a request
// ends with outcome k (Agents.Backoff.On; never when backoff is off).
func (s *Sampler) BacksOff(k FailureKind) bool { return s.backsOff[k] }

// Pressure is the queue's fill, depth/Buffer, in [0, 1]; 0 without a
// waiting room.
func (s *Sampler) Pressure(depth int) float64 {
	if s.cfg.Queue.Buffer == 0 {
		return 0
	}
	return float64(depth) / float64(s.cfg.Queue.Buffer)
}

// Draw returns the draws of agent's request seq. The order of the draws is
// part of the model: changing it changes every run.
func (s *Sampler) Draw(agent, seq int32) Draws {
	rs := kernel.NewStream(s.cfg.Seed, "request", uint64(agent), uint64(seq))
	var d Draws
	u := rs.Float64()
	for d.Workload = 0; int(d.Workload) < len(s.mixCum)-1 && u >= s.mixCum[d.Workload]; d.Workload++ {
	}
	d.Base = s.service.draw(&rs)
	if p := s.cfg.Faults.SpikeProbability; p > 0 {
		hit := rs.Float64() < p
		dur := kernel.Seconds(s.spike.draw(&rs))
		if hit {
			d.Spike = dur
		}
	}
	d.ErrU = rs.Float64()
	d.Think = kernel.Seconds(s.think.draw(&rs))
	d.Jitter = rs.Float64()
	return d
}

// Start returns agent's start time: uniform in [0, Stagger) from its own
// stream (root seed, "agent", agent).
func (s *Sampler) Start(agent int32) kernel.Duration {
	stagger := kernel.Seconds(s.cfg.Agents.Stagger)
	if stagger <= 0 {
		return 0
	}
	r := kernel.NewStream(s.cfg.Seed, "agent", uint64(agent))
	return kernel.Duration(r.Uint64() % uint64(stagger))
}
