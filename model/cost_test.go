package model

import (
	"errors"
	"testing"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/stretchr/testify/require"
)

// closedConfig is a closed loop of the given size with the profiles' usual
// detector: count agents, a budget each, exponential think of 1 s.
func closedConfig(count, budget int) *Config {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: count, Arrival: Closed, RequestsPerAgent: budget,
		Think: Dist{Kind: Exponential, Mean: 1}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Queue.Buffer = 10
	cfg.Workers = WorkerConfig{Count: 2, Service: Dist{Kind: Exponential, Mean: 0.01}}
	return cfg
}

// requireField asserts that cfg is refused before it runs, naming path, with
// a message containing each of the fragments.
func requireField(t *testing.T, cfg *Config, path string, fragments ...string) {
	t.Helper()
	err := cfg.Validate()
	var fe *FieldError
	require.True(t, errors.As(err, &fe), "want a *FieldError, got %v", err)
	require.Equal(t, path, fe.Path, "%v", err)
	for _, f := range fragments {
		require.Contains(t, fe.Msg, f)
	}
	_, err = Run(cfg, Options{})
	require.Error(t, err, "Run refuses it too")
}

// Issue 18, items 1 and 3: valid-looking scenarios that exhausted memory or
// spun at t = 0 are refused before they start, with the field named.
func TestAbsurdRunsAreRefusedBeforeTheyStart(t *testing.T) {
	cases := []struct {
		name      string
		edit      func(c *Config)
		path      string
		fragments []string
	}{
		{"stagger of 1e9 s", func(c *Config) { c.Agents.Stagger = 1e9 }, "agents.stagger", []string{"control periods", "at most 100000000"}},
		{"horizon of 1e9 s", func(c *Config) { c.Agents.RequestsPerAgent, c.Agents.Horizon = 0, 1e9 }, "agents.horizon", []string{"2e+10 control periods"}},
		{"overhead of 1e9 s", func(c *Config) { c.Workers.Overhead = 1e9 }, "workers.overhead", []string{"a wait of 1e+09 s"}},
		{"backoff base of 1e9 s", func(c *Config) {
			c.Agents.Backoff = BackoffConfig{Base: 1e9, Multiplier: 2, Max: 1e9, On: []string{"QUEUE_OVERFLOW"}}
		}, "agents.backoff.base", []string{"a wait of 1e+09 s"}},
		{"heavy tail of mean 1e9 s", func(c *Config) { c.Workers.Service = Dist{Kind: Pareto, Mean: 1e9, Alpha: 1.5} }, "workers.service.mean", nil},
		{"period of 1 ns", func(c *Config) { c.Detector.Period, c.Detector.Window = 1e-9, 1e-9 }, "detector.period", []string{"1e+09 control periods of 1e-09 s"}},
		{"period of 1 ns over a 1e9 s horizon", func(c *Config) {
			c.Agents.RequestsPerAgent, c.Agents.Horizon = 0, 1e9
			c.Agents.Think.Mean = 1e-3
			c.Detector.Period, c.Detector.Window = 1e-9, 1e-9
		}, "agents.horizon", []string{"control periods of 1e-09 s"}},
		{"two billion requests each", func(c *Config) {
			c.Agents.Count, c.Agents.RequestsPerAgent = 1000, 2147483647
			c.Telemetry.Percentiles = SketchPercentiles
		}, "agents.requests_per_agent", []string{"2.15e+09 s of simulated time"}},
		{"a billion requests in a short time", func(c *Config) {
			c.Agents.Count, c.Agents.RequestsPerAgent, c.Agents.Think.Mean = 100000, 100000, 1e-3
			c.Telemetry.Percentiles = SketchPercentiles
		}, "agents.requests_per_agent", []string{"1e+10 requests", "events"}},
		{"exact percentiles of 2e8 requests", func(c *Config) { c.Agents.Count, c.Agents.RequestsPerAgent = 1000, 200000 },
			"telemetry.percentiles", []string{`use "sketch"`}},
		{"open agents thinking 0 until a horizon", func(c *Config) {
			c.Agents.Arrival, c.Agents.RequestsPerAgent, c.Agents.Horizon = Poisson, 0, 10
			c.Agents.Think = Dist{Kind: Deterministic}
		}, "agents.think.mean", []string{"without end at one instant", "integer nanoseconds"}},
		{"closed agents turned away at once, thinking 0", func(c *Config) {
			c.Agents.RequestsPerAgent, c.Agents.Horizon, c.Agents.Count = 0, 10, 100
			c.Agents.Think = Dist{Kind: Deterministic}
		}, "agents.think.mean", []string{"without end at one instant"}},
		{"service of 1e-12 s", func(c *Config) { c.Workers.Service = Dist{Kind: Deterministic, Mean: 1e-12} },
			"workers.service.mean", []string{"less than a nanosecond", "integer nanoseconds"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := closedConfig(10, 50)
			require.NoError(t, cfg.Validate())
			tc.edit(cfg)
			requireField(t, cfg, tc.path, tc.fragments...)
		})
	}
}

// Issue 18, items 3 and 10: a positive time under a nanosecond would round
// to 0 ns — a timeout that never fires, a wait that takes no time — so
// every time field refuses it, saying why.
func TestSubNanosecondTimesAreRefused(t *testing.T) {
	for path, edit := range map[string]func(c *Config){
		"queue.timeout":            func(c *Config) { c.Queue.Timeout = 1e-10 },
		"agents.stagger":           func(c *Config) { c.Agents.Stagger = 4e-10 },
		"agents.think.mean":        func(c *Config) { c.Agents.Think.Mean = 1e-12 },
		"detector.period":          func(c *Config) { c.Detector.Period = 1e-10 },
		"client.timeouts.attempt":  func(c *Config) { c.Client.Timeouts.Attempt = 1e-10 },
		"network.toxics[0].jitter": func(c *Config) { c.Network.Toxics = []Toxic{{Type: ToxicLatency, Jitter: 1e-10}} },
		"schedule[0].at":           func(c *Config) { c.Schedule = ScheduleConfig{{At: 1e-10, Slowdown: 2}} },
		"slo.window":               func(c *Config) { c.SLO = SLOConfig{P99: 1, Window: 1e-10} },
		"throttle.degraded":        func(c *Config) { c.Throttle.Degraded = 1e-10 },
		"agents.backoff.base": func(c *Config) {
			c.Agents.Backoff = BackoffConfig{Base: 1e-10, Multiplier: 1, Max: 1, On: []string{"QUEUE_OVERFLOW"}}
		},
		"agents.trace.times[1]":     func(c *Config) { c.Agents = traceAgents(0, 1e-12, 1) },
		"workers.concurrency.slope": func(c *Config) { c.Workers.Concurrency = &ConcurrencyLaw{Kind: LinearCost, Slope: 1e-10} },
		"faults.spike_duration.mean": func(c *Config) {
			c.Faults = FaultConfig{SpikeProbability: 0.1, SpikeDuration: Dist{Kind: Exponential, Mean: 1e-10}}
		},
	} {
		cfg := closedConfig(10, 50)
		edit(cfg)
		requireField(t, cfg, path, "less than a nanosecond", "integer nanoseconds")
	}
	// A nanosecond itself is fine: the smallest time there is.
	cfg := closedConfig(10, 50)
	cfg.Queue.Timeout = 1e-9
	require.NoError(t, cfg.Validate())
}

func traceAgents(times ...float64) AgentConfig {
	return AgentConfig{Count: 1, Arrival: TraceArrivals, Trace: &TraceConfig{Times: times},
		Mix: []WorkloadType{{"A", 1, 1}}}
}

// The estimate is the agents' own pace: exact for requests with a budget,
// and close for the length of a run that does not congest.
func TestCostEstimate(t *testing.T) {
	cfg := closedConfig(4, 10)
	cfg.Agents.Think = Dist{Kind: Deterministic, Mean: 1}
	cfg.Workers = WorkerConfig{Count: 4, Service: Dist{Kind: Deterministic, Mean: 0.5}}
	k := cfg.Cost()
	require.Equal(t, 40.0, k.Requests)
	require.Equal(t, 15.0, k.Seconds, "10 cycles of 1 s thinking and 0.5 s in service")
	require.InDelta(t, 300, k.Periods, 1e-9)
	require.InDelta(t, 2*40+300, k.Events, 1e-9)
	rep, err := Run(cfg, Options{})
	require.NoError(t, err)
	require.Equal(t, uint64(k.Requests), rep.Created)
	require.InDelta(t, k.Seconds, rep.Duration, 1.5)
	require.InDelta(t, k.Periods, float64(rep.Series.Periods()), 30)

	// Open agents until a horizon: rate × horizon.
	cfg.Agents = AgentConfig{Count: 5, Arrival: Poisson, Horizon: 100, Think: Dist{Kind: Exponential, Mean: 0.5},
		Mix: []WorkloadType{{"A", 1, 1}}}
	k = cfg.Cost()
	require.Equal(t, 1000.0, k.Requests)
	require.Equal(t, 100.0, k.Seconds)
	rep, err = Run(cfg, Options{})
	require.NoError(t, err)
	require.InDelta(t, k.Requests, float64(rep.Created), 100)
}

// A run that congests beyond its estimate stops at the period limit with
// an error and the report so far, and a draw beyond the int64 nanoseconds
// is capped instead of panicking: one worker slowed a billion-fold by a
// full queue (issue 18, item 1: a run never dies of a runtime panic).
func TestRunStopsAtThePeriodLimit(t *testing.T) {
	cfg := closedConfig(20, 5)
	cfg.Agents.Think = Dist{Kind: Deterministic}
	cfg.Workers = WorkerConfig{Count: 1, Service: Dist{Kind: Deterministic, Mean: 1}, Overhead: 10,
		Slowdown: Slowdown{Alpha: 1e9, Gamma: 1}}
	require.NoError(t, cfg.Validate())
	rep, err := Run(cfg, Options{MaxPeriods: 1000})
	var fe *FieldError
	require.True(t, errors.As(err, &fe), "%v", err)
	require.Equal(t, "detector.period", fe.Path)
	require.Contains(t, fe.Msg, "reached 1000 control periods")
	require.Equal(t, 1000, rep.Series.Periods())
	require.Equal(t, kernel.Seconds(maxValue), drawnSeconds(1e300))
}

// Ctrl-C (Options.Interrupt) stops a run at the end of the control period
// under way, with the report so far.
func TestInterruptStopsAtThePeriod(t *testing.T) {
	cfg := closedConfig(50, 100)
	stop := make(chan struct{})
	close(stop)
	rep, err := Run(cfg, Options{Interrupt: stop})
	require.ErrorIs(t, err, ErrInterrupted)
	require.Equal(t, 1, rep.Series.Periods())
	require.Positive(t, rep.Created)
	whole, err := Run(cfg, Options{})
	require.NoError(t, err)
	require.Greater(t, whole.Created, rep.Created)
}

// The times in state add up to the run's duration (issue 18, item 17):
// the periods that run on while the last agents think are not counted.
func TestTimeInStateAddsUpToTheDuration(t *testing.T) {
	cfg := closedConfig(20, 10)
	var tl Timeline
	rep, err := Run(cfg, Options{Sinks: []Sink{&tl}})
	require.NoError(t, err)
	last := tl[len(tl)-1].T.Seconds()
	require.Greater(t, last-rep.Duration, cfg.Detector.Period, "the periods outlast the last event")
	sum := rep.TimeInState.Stable + rep.TimeInState.Degraded + rep.TimeInState.Collapsed
	require.InDelta(t, rep.Duration, sum, 1e-9)
}

// A run whose memory estimate is dominated by the rolling window's ends,
// at about 1.9 GB by the estimate of a7a3349 (two FIFO ends and two heap
// ranks per end in the window), is accepted as it was before the speed
// changes: counting three heap ranks per end put it at 2.32 GB, over
// MaxBytes, and refused a configuration that used to run.
func TestWindowDominatedRunAcceptedAsBefore(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 1000, Arrival: Poisson, Horizon: 30,
		Think: Dist{Kind: Exponential, Mean: 0.001}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Telemetry.Percentiles = SketchPercentiles
	cfg.Detector.Window = 25
	require.NoError(t, cfg.Validate())
	k := cfg.Cost()
	require.Less(t, k.Bytes, float64(MaxBytes))
}
