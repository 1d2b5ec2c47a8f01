package model

import "github.com/agentchaos/agentchaos/kernel"

// FaultConfig is the fault injector. Each request independently gets a
// latency spike with probability SpikeProbability, a SpikeDuration draw,
// and fails after service (500, FAULT_ERROR) with probability
// min(1, ErrorProbability + PressureError · pressure^PressureExponent).
//
// A spike stalls the worker (added to the service time: a GC pause, a lock,
// a slow dependency the worker waits on) unless SpikeInResponse is set; then
// the worker is free as soon as its work is done and the response is
// delayed on its way back to the agent (a slow network hop or proxy, as a
// toxiproxy latency toxic injects it): only that request, and its agent's
// next request, are late.
type FaultConfig struct {
	SpikeProbability float64 `json:"spike_probability"`
	SpikeDuration    Dist    `json:"spike_duration"`
	SpikeInResponse  bool    `json:"spike_in_response,omitempty"`
	ErrorProbability float64 `json:"error_probability"`
	PressureError    float64 `json:"pressure_error,omitempty"`
	PressureExponent float64 `json:"pressure_exponent,omitempty"`
}

func (f *FaultConfig) validate(v *validator, _ *Config) {
	v.prob("faults.spike_probability", f.SpikeProbability)
	if f.SpikeProbability > 0 {
		v.timeDist("faults.spike_duration", f.SpikeDuration, false)
	}
	v.prob("faults.error_probability", f.ErrorProbability)
	v.nonNeg("faults.pressure_error", f.PressureError)
	v.nonNeg("faults.pressure_exponent", f.PressureExponent)
	if f.PressureError > 0 && !(f.PressureExponent > 0) {
		v.fail("faults.pressure_exponent", "must be above 0 when pressure_error is set")
	}
}

// FaultInjector makes the fault decisions, a clock-free value. Each comes
// from its own keyed stream: the spike of attempt k of agent's request seq
// from ("spike", agent, seq, k) (a hit uniform, then the duration), its
// error draw from ("fault", agent, seq, k). Not safe for concurrent use:
// it remembers the powers of the pressures it has met.
type FaultInjector struct {
	spikeP, errP, pressureErr float64
	pow                       pressurePower // pressure^PressureExponent
	spike                     sampler
	fSpike, fFault            kernel.Family
}

// NewFaultInjector returns the injector of a validated configuration.
func NewFaultInjector(cfg *Config) *FaultInjector {
	f := &cfg.Faults
	fi := &FaultInjector{spikeP: f.SpikeProbability, errP: f.ErrorProbability,
		pressureErr: f.PressureError,
		fSpike:      kernel.NewFamily(cfg.Seed, "spike"), fFault: kernel.NewFamily(cfg.Seed, "fault")}
	if f.PressureError > 0 {
		fi.pow = newPressurePower(f.PressureExponent, cfg.Queue.Buffer)
	}
	if f.SpikeProbability > 0 || cfg.schedulesSpikes() {
		fi.spike = f.SpikeDuration.compile()
	}
	return fi
}

// Spike returns the latency spike of attempt k of agent's request seq at
// spike probability p; 0 when it has none.
func (fi *FaultInjector) Spike(agent, seq, k int32, p float64) kernel.Duration {
	if p <= 0 {
		return 0
	}
	r := fi.fSpike.Stream(uint64(agent), uint64(seq), uint64(k))
	if !(r.Float64() < p) {
		return 0
	}
	// The duration comes next on the stream, whatever p: a hit's duration
	// does not depend on p. A miss leaves it undrawn, as nothing else
	// draws from the stream.
	return drawnSeconds(fi.spike.draw(&r))
}

// ErrorDraw returns the uniform in [0, 1) that decides whether attempt k of
// agent's request seq fails: it does when the draw is below the error
// probability in force.
func (fi *FaultInjector) ErrorDraw(agent, seq, k int32) float64 {
	r := fi.fFault.Stream(uint64(agent), uint64(seq), uint64(k))
	return r.Float64()
}

// Fails is the decision for an attempt starting service at the given
// pressure, with error probability errP: ErrorDraw < errP +
// PressureError·pressure^PressureExponent.
func (fi *FaultInjector) Fails(agent, seq, k int32, pressure, errP float64) bool {
	p := errP
	if fi.pressureErr > 0 && pressure > 0 {
		p += float64(fi.pressureErr * fi.pow.of(pressure))
	}
	if p <= 0 {
		return false
	}
	return fi.ErrorDraw(agent, seq, k) < p
}

// faults is the fault injector stage: it decides a request's spike and
// failure as service starts, and sends the response up the request path
// when service ends, at once or after a spike in the response.
type faults struct {
	s          *System
	inj        *FaultInjector
	inResponse bool
	scheduled  bool // the schedule sets fault probabilities (else no need to ask it)
	kRespond   kernel.Kind
}

func newFaults(s *System) *faults {
	f := &faults{s: s, inj: NewFaultInjector(s.cfg), inResponse: s.cfg.Faults.SpikeInResponse,
		scheduled: s.sched.SetsFaults()}
	f.kRespond = s.sim.Register(f.delayed)
	return f
}

// decide draws attempt a's fault decision and spike as its service starts
// at the given pressure, and returns how much the spike adds to the service
// (0 when spikes delay the response instead).
func (f *faults) decide(a *attempt, pressure float64) kernel.Duration {
	errP, spikeP := f.inj.errP, f.inj.spikeP
	if f.scheduled {
		now := f.s.sim.Now()
		if p, ok := f.s.sched.ErrorProbability(now); ok {
			errP = p
		}
		if p, ok := f.s.sched.SpikeProbability(now); ok {
			spikeP = p
		}
	}
	a.fail = f.inj.Fails(a.agent, a.seq, a.k, pressure, errP)
	spike := f.inj.Spike(a.agent, a.seq, a.k, spikeP)
	if f.inResponse {
		a.delay = spike
		return 0
	}
	a.delay = 0
	return spike
}

// respond: worker finished attempt att (record a); its answer leaves the
// server now, or after the spike in the response.
func (f *faults) respond(worker, att int32, a *attempt) {
	if d := a.delay; d > 0 {
		f.s.sim.After(d, f.kRespond, int64(worker), int64(att))
		return
	}
	f.deliver(worker, att, a)
}

func (f *faults) delayed(ev kernel.Event) {
	f.deliver(int32(ev.ID), int32(ev.Arg), f.s.atts.at(int32(ev.Arg)))
}

// deliver: the answer to attempt att (record a), served by worker, leaves
// the server: a success, or a 500 if the fault injector decided so.
func (f *faults) deliver(worker, att int32, a *attempt) {
	outcome := NoFailure
	if a.fail {
		outcome = FaultError
	}
	f.s.queue.answer(att, a, worker, outcome)
}

// schedulesSpikes reports whether a schedule action turns spikes on.
func (c *Config) schedulesSpikes() bool {
	for _, a := range c.Schedule {
		if a.Faults != nil && a.Faults.SpikeProbability != nil && *a.Faults.SpikeProbability > 0 {
			return true
		}
	}
	return false
}
