package model

import "github.com/agentchaos/agentchaos/kernel"

// The fault injector: latency spikes (drawn per request, see Draws.Spike)
// and injected errors, decided per request from the request's own draws.

// Fails is the fault injector's decision for a request starting at the
// given pressure: ErrU < min(1, ErrorProbability + PressureError·pressure^PressureExponent).
func (s *Sampler) Fails(d *Draws, pressure float64) bool {
	f := &s.cfg.Faults
	p := f.ErrorProbability
	if f.PressureError > 0 && pressure > 0 {
		p += float64(f.PressureError * kernel.Pow(pressure, f.PressureExponent))
	}
	return d.ErrU < p
}
