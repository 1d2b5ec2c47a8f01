package model

import "github.com/agentchaos/agentchaos/kernel"

// ThrottleConfig is the closed loop the detector drives: while the detector
// reports DEGRADED or COLLAPSED, each agent waits this much longer (seconds)
// before creating its next request.
type ThrottleConfig struct {
	Enabled   bool    `json:"enabled"`
	Degraded  float64 `json:"degraded"`
	Collapsed float64 `json:"collapsed"`
}

func (t *ThrottleConfig) validate(v *validator, _ *Config) {
	v.wait("throttle.degraded", t.Degraded)
	v.wait("throttle.collapsed", t.Collapsed)
}

// throttle is the closed loop the detector drives: while the last sample
// was DEGRADED or COLLAPSED, every agent waits an extra delay before it
// creates its next request. It records its own activity.
type throttle struct {
	enabled             bool
	degraded, collapsed kernel.Duration
	delay               kernel.Duration

	Engagements int             // times it switched from off to on
	Delayed     uint64          // requests it delayed
	TotalDelay  kernel.Duration // sum of the delays it imposed
}

// newThrottle returns the throttle for cfg.
func newThrottle(cfg ThrottleConfig) *throttle {
	return &throttle{enabled: cfg.Enabled, degraded: kernel.Seconds(cfg.Degraded), collapsed: kernel.Seconds(cfg.Collapsed)}
}

// Set switches the throttle for the detector's latest state.
func (t *throttle) Set(s State) {
	was := t.delay
	t.delay = 0
	if t.enabled {
		switch s {
		case Degraded:
			t.delay = t.degraded
		case Collapsed:
			t.delay = t.collapsed
		}
	}
	if was == 0 && t.delay > 0 {
		t.Engagements++
	}
}

// Delay returns the extra wait for an agent's next request and counts it.
func (t *throttle) Delay() kernel.Duration {
	if t.delay > 0 {
		t.Delayed++
		t.TotalDelay += t.delay
	}
	return t.delay
}

// Current returns the delay in force without counting a use.
func (t *throttle) Current() kernel.Duration { return t.delay }
