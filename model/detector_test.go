package model

import (
	"math"
	"testing"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/stretchr/testify/require"
)

func detectorConfig() DetectorConfig {
	return DetectorConfig{Period: 0.05, Window: 0.2, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
		GrowthSamples: 3, P95Growth: 1, MinWindowSamples: 20, FinalFraction: 0.05}
}

// feed runs hand-built samples through a detector and returns the states
// and rules it gave.
func feed(d *detector, samples []Sample) ([]State, []Rule) {
	var states []State
	var rules []Rule
	for i := range samples {
		s := samples[i]
		d.Observe(&s)
		states = append(states, s.State)
		rules = append(rules, s.Rule)
	}
	return states, rules
}

func TestDetectorSaturationGrowthNeedsConsecutivePositiveGrowth(t *testing.T) {
	d := newDetector(detectorConfig(), false)
	s := func(sat, growth float64) Sample {
		return Sample{Saturation: sat, Growth: growth, P95: 0.1, WindowCount: 50}
	}
	states, rules := feed(d, []Sample{
		s(0.2, 10), s(0.9, 10), // saturated, but growth only 2 periods old
		s(0.95, 10),          // third positive period at saturation: collapsed
		s(0.95, 0),           // growth stops: back to degraded (saturation rule)
		s(0.9, 5), s(0.9, 5), // positive again but the run restarted
		s(0.4, 5), // third positive, but below the collapse saturation: stable
	})
	require.Equal(t, []State{Stable, Degraded, Collapsed, Degraded, Degraded, Degraded, Stable}, states)
	require.Equal(t, SaturationGrowth, rules[2])
	require.Equal(t, HighSaturation, rules[3])
}

func TestDetectorP95GrowthWithinOneWindow(t *testing.T) {
	d := newDetector(detectorConfig(), false) // window = 4 periods
	p95 := []float64{0.1, 0.1, 0.1, 0.1, 0.15, 0.19, 0.21, 0.25}
	var samples []Sample
	for _, p := range p95 {
		samples = append(samples, Sample{P95: p, WindowCount: 50})
	}
	states, rules := feed(d, samples)
	// Sample 6 compares 0.21 with 0.1 four periods earlier: more than +100%.
	require.Equal(t, []State{Stable, Stable, Stable, Stable, Stable, Stable, Collapsed, Collapsed}, states)
	require.Equal(t, P95Growth, rules[6])

	// Too few completions in either window: the rule does not fire.
	d = newDetector(detectorConfig(), false)
	samples = samples[:0]
	for i, p := range p95 {
		n := 50
		if i == 2 {
			n = 5
		}
		samples = append(samples, Sample{P95: p, WindowCount: n})
	}
	states, _ = feed(d, samples)
	require.Equal(t, Stable, states[6], "p95 of a window with 5 completions is not compared")
	require.Equal(t, Collapsed, states[7])
}

func TestDetectorRuleOff(t *testing.T) {
	cfg := detectorConfig()
	cfg.P95Growth = 0
	d := newDetector(cfg, false)
	states, _ := feed(d, []Sample{{P95: 0.1, WindowCount: 50}, {}, {}, {}, {P95: 10, WindowCount: 50}})
	require.Equal(t, Stable, states[4])
}

func TestDecideFinalStateIgnoresBlips(t *testing.T) {
	mk := func(states ...State) *verdictTally {
		var v verdictTally
		for i, s := range states {
			v.add(&Sample{T: kernel.Time(i), State: s})
		}
		return &v
	}
	decide := func(v *verdictTally, f float64) verdict { return v.decide(f) }
	rep := func(s State, n int) []State {
		out := make([]State, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	// 1 collapsed sample in 100: a blip.
	tl := append(rep(Stable, 60), append([]State{Collapsed}, rep(Degraded, 39)...)...)
	v := decide(mk(tl...), 0.05)
	require.Equal(t, Degraded, v.State)
	require.Equal(t, 60, v.BreakPoint, "the first sample at DEGRADED or worse")
	require.Equal(t, kernel.Time(60), v.At.T)
	require.Equal(t, [3]int{60, 39, 1}, v.Periods)

	// 5 in 100: collapsed, even though it recovered.
	tl = append(rep(Stable, 50), append(rep(Collapsed, 5), rep(Stable, 45)...)...)
	v = decide(mk(tl...), 0.05)
	require.Equal(t, Collapsed, v.State)
	require.Equal(t, 50, v.BreakPoint)
	require.Equal(t, Collapsed, v.At.State)

	// 4 degraded in 100: stable.
	tl = append(rep(Stable, 96), rep(Degraded, 4)...)
	v = decide(mk(tl...), 0.05)
	require.Equal(t, Stable, v.State)
	require.Equal(t, -1, v.BreakPoint)
}

func TestThrottleSwitching(t *testing.T) {
	th := newThrottle(ThrottleConfig{Enabled: true, Degraded: 0.05, Collapsed: 0.2})
	require.Zero(t, th.Delay())
	th.Set(Degraded)
	require.Equal(t, 50*kernel.Millisecond, th.Delay())
	th.Set(Collapsed)
	require.Equal(t, 200*kernel.Millisecond, th.Delay())
	th.Set(Stable)
	require.Zero(t, th.Delay())
	th.Set(Collapsed)
	require.Equal(t, 2, th.Engagements, "off→on twice")
	require.Equal(t, uint64(2), th.Delayed)
	require.Equal(t, 250*kernel.Millisecond, th.TotalDelay)

	off := newThrottle(ThrottleConfig{Enabled: false, Degraded: 0.05, Collapsed: 0.2})
	off.Set(Collapsed)
	require.Zero(t, off.Delay())
	require.Zero(t, off.Engagements)
}

// The throttle closes the loop in a run: a collapsing closed system with the
// throttle on creates its requests later than the same system without it.
func TestThrottleSlowsAgentsInARun(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 200, Arrival: Closed, RequestsPerAgent: 20,
		Think: Dist{Kind: Exponential, Mean: 0.05}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Queue.Buffer = 20
	cfg.Workers = WorkerConfig{Count: 1, Service: Dist{Kind: Exponential, Mean: 0.01}}
	off, _ := run(t, cfg)
	cfg.Throttle = ThrottleConfig{Enabled: true, Degraded: 0.05, Collapsed: 0.2}
	on, _ := run(t, cfg)
	require.Equal(t, Collapsed, off.FinalState)
	require.Zero(t, off.Throttle.Delayed)
	require.Positive(t, on.Throttle.Engagements)
	require.Positive(t, on.Throttle.Delayed)
	require.Greater(t, on.Duration, off.Duration)
	require.Less(t, on.ErrorRate, off.ErrorRate, "throttling sheds less load at the door")
}

func TestTelemetryRollingWindowAndGrowth(t *testing.T) {
	tel := newTelemetry(10, 2, 100*kernel.Millisecond, ExactPercentiles, &arena{})
	ms := kernel.Time(kernel.Millisecond)
	// Period 1: 5 created, 2 started, one completion of latency 30 ms.
	for i := 0; i < 5; i++ {
		tel.observe(&Event{T: ms, Type: Created})
		tel.observe(&Event{T: ms, Type: Enqueued, Depth: int32(i + 1)})
	}
	tel.observe(&Event{T: 2 * ms, Type: Started, Depth: 4})
	tel.observe(&Event{T: 3 * ms, Type: Started, Depth: 3})
	tel.observe(&Event{T: 40 * ms, Type: Completed, Latency: 30 * kernel.Millisecond, Depth: 3})
	var s Sample
	tel.sample(50*ms, float64(20*ms), &s) // two workers, busy 20 ms in all
	require.Equal(t, 3, s.Depth)
	require.InDelta(t, 0.2, s.Busy, 1e-12)
	require.InDelta(t, 0.3, s.Saturation, 1e-12)
	require.InDelta(t, (5.0-2.0)/0.05, s.Growth, 1e-9)
	require.InDelta(t, 0.030, s.P95, 1e-12)
	require.Equal(t, 1, s.WindowCount)
	// Two periods later the completion has left the 100 ms window.
	tel.sample(100*ms, float64(120*ms), &s)
	require.InDelta(t, 1.0, s.Busy, 1e-12)
	require.Equal(t, 1, s.WindowCount)
	tel.sample(150*ms, float64(120*ms), &s)
	require.Zero(t, s.Busy)
	require.Equal(t, 0, s.WindowCount)
	require.True(t, math.IsNaN(s.P95))
	require.Zero(t, s.Growth)
}

// The p95-growth rule's floors: a p95 that doubles while the workers are
// mostly idle, or stays below P95Min, is noise, not collapse.
func TestDetectorP95GrowthNeedsLoad(t *testing.T) {
	p95 := []float64{0.1, 0.1, 0.1, 0.1, 0.15, 0.19, 0.25, 0.25}
	samples := func(busy float64) []Sample {
		var out []Sample
		for _, p := range p95 {
			out = append(out, Sample{P95: p, WindowCount: 50, Busy: busy})
		}
		return out
	}
	cfg := detectorConfig() // window = 4 periods
	cfg.P95MinUtilisation = 0.8
	states, _ := feed(newDetector(cfg, false), samples(0.3))
	require.Equal(t, Stable, states[6], "workers busy 30% of the window: the p95 swing is noise")
	states, rules := feed(newDetector(cfg, false), samples(0.9))
	require.Equal(t, Collapsed, states[6])
	require.Equal(t, P95Growth, rules[6])
	states, _ = feed(newDetector(cfg, true), samples(0))
	require.Equal(t, Collapsed, states[6], "an unbounded pool has no utilisation: the floor does not apply")

	// The window's mean counts: busy periods before an idle stretch carry it.
	mixed := samples(0.95)
	for i := 4; i < len(mixed); i++ {
		mixed[i].Busy = 0.5 // window at sample 6: 0.95, 0.5, 0.5, 0.5 → 0.6125
	}
	states, _ = feed(newDetector(cfg, false), mixed)
	require.Equal(t, Stable, states[6])
	mixed[5].Busy, mixed[6].Busy = 0.95, 0.95 // → 0.8375
	states, _ = feed(newDetector(cfg, false), mixed)
	require.Equal(t, Collapsed, states[6])

	cfg.P95MinUtilisation, cfg.P95Min = 0, 0.3
	states, _ = feed(newDetector(cfg, false), samples(1))
	require.Equal(t, Stable, states[6], "a p95 of 0.25 s is below the 0.3 s floor")
}

// Without a waiting room, saturation is the share of arrivals turned away
// (issue 18, item 8): one worker facing a thousand agents rejects nearly
// everything, and that is not STABLE.
func TestNoWaitingRoomSaturatesByRejections(t *testing.T) {
	cfg := closedConfig(1000, 20)
	cfg.Agents.Think.Mean = 0.01
	cfg.Queue.Buffer = 0
	cfg.Workers = WorkerConfig{Count: 1, Service: Dist{Kind: Deterministic, Mean: 0.01}}
	rep, _ := run(t, cfg)
	require.Greater(t, rep.ErrorRate, 0.99)
	require.Equal(t, Collapsed, rep.FinalState)
	require.Equal(t, SaturationGrowth, rep.Catalyst.Rule)
	require.Greater(t, rep.Catalyst.Saturation, 0.85)

	// A loss system that rarely blocks stays stable: Erlang B with 4
	// servers at 0.5 erlang blocks 0.2% of arrivals.
	cfg.Agents = AgentConfig{Count: 1, Arrival: Poisson, RequestsPerAgent: 20000,
		Think: Dist{Kind: Exponential, Mean: 0.02}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Workers = WorkerConfig{Count: 4, Service: Dist{Kind: Exponential, Mean: 0.01}}
	rep, _ = run(t, cfg)
	require.Positive(t, rep.FailedBy.QueueOverflow)
	require.Equal(t, Stable, rep.FinalState)
}

// Utilisation is the workers' busy time over the period: one agent whose
// requests take 10 ms of service every 40 ms keeps one of two workers busy
// a quarter of the time, the pool an eighth.
func TestBusyIsUtilisation(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 1, Arrival: Poisson, RequestsPerAgent: 100,
		Think: Dist{Kind: Deterministic, Mean: 0.04}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Workers = WorkerConfig{Count: 2, Service: Dist{Kind: Deterministic, Mean: 0.01}}
	cfg.Detector.Period = 0.2 // five requests a period
	var tl Timeline
	_, err := Run(cfg, Options{Sinks: []Sink{&tl}})
	require.NoError(t, err)
	require.Greater(t, len(tl), 10)
	for _, s := range tl[:10] {
		require.InDelta(t, 0.125, s.Busy, 1e-9, "period ending at %v", s.T)
	}
}

// The README's sweep at its lightest point (issue 18, item 9): a quarter of
// the workers' capacity used, 6% of responses delayed by a spike, so the
// rolling p95 flips between the service and the spikes as a few spikes more
// or less fall in the window. Without the utilisation floor the p95-growth
// rule calls that collapse; with it, the system is STABLE.
func TestP95NoiseInALightlyLoadedSystem(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 100, Arrival: Closed, RequestsPerAgent: 50, Stagger: 1,
		Think: Dist{Kind: Exponential, Mean: 1}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Queue.Buffer = 10
	cfg.Workers = WorkerConfig{Count: 4, Service: Dist{Kind: Exponential, Mean: 0.012}}
	cfg.Faults = FaultConfig{SpikeProbability: 0.06, SpikeInResponse: true,
		SpikeDuration: Dist{Kind: LogNormal, Mean: 0.5, CV: 0.9}}
	cfg.Detector.Window = 10
	var tl Timeline
	noisy, err := Run(cfg, Options{Sinks: []Sink{&tl}})
	require.NoError(t, err)
	require.Equal(t, Collapsed, noisy.FinalState)
	require.Equal(t, P95Growth, noisy.Catalyst.Rule)
	busy := 0.0
	for _, s := range tl {
		busy += s.Busy
	}
	require.Less(t, busy/float64(len(tl)), 0.4)

	cfg.Detector.P95MinUtilisation = 0.8
	calm, _ := run(t, cfg)
	require.Equal(t, Stable, calm.FinalState)
}
