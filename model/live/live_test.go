package live_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live"
)

// base is a small system with every mechanism switched on: a mix, backoff,
// slowdown, spikes, pressure errors, a throttle, and a detector that moves.
func base() model.Config {
	return model.Config{
		Name: "live-test", Seed: 7,
		Agents: model.AgentConfig{
			Count: 12, Arrival: model.Closed, RequestsPerAgent: 40, Stagger: 0.5,
			Think: model.Dist{Kind: model.Exponential, Mean: 0.03},
			Mix:   []model.WorkloadType{{Name: "LIGHT", Weight: 2, Work: 1}, {Name: "HEAVY", Weight: 1, Work: 2.5}},
			Backoff: model.BackoffConfig{Base: 0.02, Multiplier: 2, Max: 0.2, Jitter: 0.5,
				On: []string{"QUEUE_OVERFLOW", "QUEUE_TIMEOUT"}},
		},
		Queue: model.QueueConfig{Buffer: 6},
		Workers: model.WorkerConfig{Count: 2, Service: model.Dist{Kind: model.LogNormal, Mean: 0.004, CV: 0.5},
			Overhead: 0.002, Slowdown: model.Slowdown{Alpha: 1, Gamma: 2}},
		Faults: model.FaultConfig{SpikeProbability: 0.05, SpikeDuration: model.Dist{Kind: model.Exponential, Mean: 0.03},
			ErrorProbability: 0.05, PressureError: 0.2, PressureExponent: 2},
		Detector: model.DetectorConfig{Period: 0.05, Window: 0.5, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
			GrowthSamples: 3, P95Growth: 1, MinWindowSamples: 5, FinalFraction: 0.05},
		Throttle:  model.ThrottleConfig{Enabled: true, Degraded: 0.01, Collapsed: 0.05},
		Telemetry: model.TelemetryConfig{Percentiles: model.ExactPercentiles},
	}
}

// requireSame asserts that a live run under synctest reproduced the
// simulation: with a perfect clock and no two events at the same instant,
// the live mode is the simulation, event for event.
func requireSame(t *testing.T, sim, lv model.Report) {
	t.Helper()
	require.Equal(t, live.Mode, lv.Mode)
	require.Equal(t, sim.Created, lv.Created, "created")
	require.Equal(t, sim.Served, lv.Served, "served")
	require.Equal(t, sim.FailedBy, lv.FailedBy, "failures")
	require.Equal(t, sim.Latencies, lv.Latencies, "latencies")
	require.Equal(t, sim.Duration, lv.Duration, "duration")
	require.Equal(t, sim.Series.Periods(), lv.Series.Periods(), "control periods")
	ss, ls := sim.Series.Spans(model.SeriesSpans), lv.Series.Spans(model.SeriesSpans)
	for i := range ss {
		require.Equal(t, ss[i].State, ls[i].State, "state of span %d", i)
	}
	require.Equal(t, sim.FinalState, lv.FinalState, "final state")
	require.Equal(t, sim.Throttle, lv.Throttle, "throttle")
	require.Equal(t, sim.Client, lv.Client, "client")
	require.Equal(t, sim.Network, lv.Network, "network")
	require.Equal(t, sim.SLO, lv.SLO, "steady-state hypothesis")
	require.InDelta(t, sim.Little.L, lv.Little.L, 1e-9*sim.Little.L, "Little's L")
}

// runBoth simulates cfg and runs it live inside the caller's synctest bubble.
func runBoth(t *testing.T, cfg model.Config, opt live.Options) (model.Report, model.Report, live.Lateness) {
	t.Helper()
	sim, err := model.Run(&cfg, model.Options{})
	require.NoError(t, err)
	lv, late, err := live.Run(context.Background(), &cfg, opt)
	require.NoError(t, err)
	return sim, lv, late
}

func TestSynctestReproducesSimulation(t *testing.T) {
	cases := map[string]func(c *model.Config){
		"closed": func(c *model.Config) {},
		"poisson": func(c *model.Config) {
			c.Agents.Arrival = model.Poisson
			c.Agents.Think.Mean = 0.08
		},
		"burst": func(c *model.Config) {
			c.Agents.Arrival, c.Agents.BurstSize = model.Burst, 3
			c.Agents.Think.Mean = 0.25
		},
		"timeout": func(c *model.Config) {
			c.Agents.Count, c.Queue.Buffer, c.Queue.Timeout = 24, 20, 0.03
		},
		"buffer 0": func(c *model.Config) { c.Queue.Buffer = 0 },
		"spike in response": func(c *model.Config) {
			c.Faults.SpikeProbability, c.Faults.SpikeInResponse = 0.2, true
		},
		"horizon": func(c *model.Config) {
			c.Agents.RequestsPerAgent, c.Agents.Horizon = 0, 2
		},
		// Schedules run live unchanged too: a load spike with a ramp, a
		// crash, a slowdown window and a fault window, judged by an SLO.
		"schedule": func(c *model.Config) {
			half := 0.5
			c.Agents.RequestsPerAgent, c.Agents.Horizon = 0, 3
			c.Schedule = []model.Action{
				{At: 0.5, For: 1, Ramp: 0.2, Load: &model.LoadAction{Rate: 3}},
				{At: 1, For: 0.5, Crash: &model.CrashAction{Workers: 1, InService: model.CrashRequeue}},
				{At: 2, For: 0.3, Slowdown: 2},
				{At: 2.2, For: 0.3, Faults: &model.FaultAction{ErrorProbability: &half}},
			}
			c.SLO = model.SLOConfig{Window: 0.5, P99: 0.05, Recovery: model.RecoveryConfig{Hold: 0.2}}
		},
		// The client and network stages run live unchanged: timeouts,
		// retries with backoff, a pool, a breaker and a lossy, jittery network.
		"client and network": func(c *model.Config) {
			c.Client = model.ClientConfig{
				Timeouts: model.TimeoutConfig{Attempt: 0.04, Propagate: model.PropagateDequeue},
				Retry: model.RetryConfig{MaxAttempts: 3, On: []string{"CLIENT_TIMEOUT", "QUEUE_OVERFLOW", "CONNECTION_RESET"},
					Backoff: model.BackoffConfig{Base: 0.005, Multiplier: 2, Max: 0.05, Jitter: 1}},
				Breaker: model.BreakerConfig{ConsecutiveFailures: 8, OpenFor: 0.1},
				Pool:    model.PoolConfig{MaxConnections: 6, AcquireTimeout: 0.02, Waiters: model.Random, Dial: &model.Dist{Kind: model.Exponential, Mean: 0.002}},
			}
			c.Network.Toxics = []model.Toxic{
				{Type: model.ToxicLatency, Latency: &model.Dist{Kind: model.Deterministic, Mean: 0.001}, Jitter: 0.0005, Correlation: 0.3},
				{Type: model.ToxicLoss, Model: model.GilbertElliott, P: 0.05, R: 0.3},
				{Type: model.ToxicReset, Toxicity: ptr(0.01), Direction: model.DirResponse},
			}
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := base()
				edit(&cfg)
				sim, lv, late := runBoth(t, cfg, live.Options{})
				require.Positive(t, sim.Served)
				if cfg.SLO.P99 > 0 {
					require.NotNil(t, sim.SLO)
					require.Positive(t, sim.FailedBy.FaultError, "the fault window fired")
				}
				if c := sim.Client; c != nil {
					require.Positive(t, c.RetriedBy["CLIENT_TIMEOUT"], "the case exercises timeouts")
					require.Positive(t, c.PoolWait.Count, "and pool waits")
					require.Positive(t, sim.Network.Toxics[1].Request.Lost+sim.Network.Toxics[1].Response.Lost, "and loss")
				}
				requireSame(t, sim, lv)
				require.Positive(t, late.Count)
				require.LessOrEqual(t, uint64(late.Count), lv.Events, "a lateness for every event fired on the clock")
				require.Zero(t, late.Max, "synctest's clock is exact")
			})
		})
	}
}

func ptr(x float64) *float64 { return &x }

// TestSynctestMechanisms checks that the cases above really exercise what
// they are named for, so that agreement is not agreement on nothing.
func TestSynctestMechanisms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := base()
		_, lv, _ := runBoth(t, cfg, live.Options{})
		require.Positive(t, lv.FailedBy.QueueOverflow)
		require.Positive(t, lv.FailedBy.FaultError)
		require.Positive(t, lv.Throttle.Delayed)
		require.NotEqual(t, model.Stable, lv.FinalState)

		cfg.Agents.Count, cfg.Queue.Buffer, cfg.Queue.Timeout = 24, 20, 0.03
		_, lv, _ = runBoth(t, cfg, live.Options{})
		require.Positive(t, lv.FailedBy.QueueTimeout)

		cfg = base()
		cfg.Queue.Buffer = 0
		_, lv, _ = runBoth(t, cfg, live.Options{})
		require.Positive(t, lv.FailedBy.QueueOverflow, "with no waiting room, a request that finds both workers busy is rejected")
		require.Zero(t, lv.Little.Lq, "and nothing ever waits")
	})
}

func TestSynctestScale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := base()
		start := time.Now()
		sim, lv, _ := runBoth(t, cfg, live.Options{Scale: 2.5})
		wall := time.Since(start)
		// Timestamps are rounded to the nanosecond on the way in and out,
		// so latencies may differ by a few ns; nothing else may.
		require.Equal(t, sim.Created, lv.Created)
		require.Equal(t, sim.Served, lv.Served)
		require.Equal(t, sim.FailedBy, lv.FailedBy)
		require.Len(t, lv.Latencies, len(sim.Latencies))
		for i := range sim.Latencies {
			require.InDelta(t, sim.Latencies[i], lv.Latencies[i], 4, "latency %d", i)
		}
		require.InDelta(t, sim.Duration, lv.Duration, 1e-8)
		require.Equal(t, sim.FinalState, lv.FinalState)
		// The run took 2.5 times its simulated length, up to its last
		// lifecycle event (what follows is fast-forwarded), and reports
		// simulated seconds.
		require.InDelta(t, 2.5*sim.Duration, wall.Seconds(), 1e-6)
	})
}

// TestSynctestFastForward: after the last request the agents still think
// for seconds before they find their budgets spent. The simulation keeps
// its control periods going until then; the live run reproduces them
// without waiting.
func TestSynctestFastForward(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := base()
		cfg.Agents.RequestsPerAgent, cfg.Agents.Think.Mean = 3, 2
		start := time.Now()
		sim, lv, _ := runBoth(t, cfg, live.Options{})
		elapsed := time.Since(start).Seconds()
		requireSame(t, sim, lv)
		periods := float64(sim.Series.Periods()) * cfg.Detector.Period
		require.Greater(t, periods, sim.Duration+1, "the case has a long idle tail")
		require.InDelta(t, sim.Duration, elapsed, 2*cfg.Detector.Period, "the live run ends with its last event")
	})
}

func TestSynctestSinkOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := base()
		var rec recorder
		_, lv, _ := runBoth(t, cfg, live.Options{Sinks: []model.Sink{&rec}})
		require.NotEmpty(t, rec.events)
		for i := 1; i < len(rec.events); i++ {
			require.LessOrEqual(t, rec.events[i-1].T, rec.events[i].T, "event %d goes back in time", i)
		}
		require.Equal(t, lv.Created, rec.count(model.Created))
		require.Equal(t, lv.Served, rec.count(model.Completed))
	})
}

type recorder struct{ events []model.Event }

func (r *recorder) Observe(e model.Event) { r.events = append(r.events, e) }

func (r *recorder) count(typ model.EventType) uint64 {
	var n uint64
	for _, e := range r.events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestSynctestCancel cancels a congested run with requests waiting on
// armed timeouts; synctest.Test fails if any goroutine outlives the run.
func TestSynctestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := base()
		cfg.Agents.Count, cfg.Queue.Buffer, cfg.Queue.Timeout = 24, 20, 0.2
		ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		defer cancel()
		start := time.Now()
		rep, _, err := live.Run(ctx, &cfg, live.Options{})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, 700*time.Millisecond, time.Since(start), "Run returns as soon as it is cancelled")
		require.Positive(t, rep.Created)
		require.Less(t, rep.Created, uint64(cfg.Agents.Count*cfg.Agents.RequestsPerAgent))
		require.Equal(t, live.Mode, rep.Mode)
	})
}

func TestRejectsBadInput(t *testing.T) {
	cfg := base()
	cfg.Workers.Count = 0
	_, _, err := live.Run(context.Background(), &cfg, live.Options{})
	var fe *model.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "workers.count", fe.Path)

	cfg = base()
	for _, k := range []float64{-1, live.MaxScale + 1} {
		_, _, err = live.Run(context.Background(), &cfg, live.Options{Scale: k})
		require.ErrorContains(t, err, "scale")
	}
}

// settle polls until the number of goroutines drops to want, for up to two
// seconds, and returns the last count.
func settle(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > want; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestWallClockSmoke runs a small system on the real clock: about half a
// second. Timing is the machine's, so it checks bookkeeping, not figures.
func TestWallClockSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-clock run")
	}
	before := runtime.NumGoroutine()
	cfg := base()
	cfg.Agents.Count, cfg.Agents.RequestsPerAgent, cfg.Agents.Stagger = 4, 10, 0.02
	cfg.Faults.SpikeProbability = 0
	cfg.Queue.Timeout = 0.05
	sim, err := model.Run(&cfg, model.Options{})
	require.NoError(t, err)
	start := time.Now()
	lv, late, err := live.Run(context.Background(), &cfg, live.Options{})
	require.NoError(t, err)
	wall := time.Since(start)

	require.Equal(t, live.Mode, lv.Mode)
	require.Equal(t, uint64(40), lv.Created)
	require.Equal(t, lv.Created, lv.Served+lv.Failed)
	require.Len(t, lv.Latencies, int(lv.Served+lv.FailedBy.FaultError), "a latency for every request a worker finished")
	require.Positive(t, late.Count)
	require.GreaterOrEqual(t, late.P5, 0.0, "a timer never fires early")
	require.GreaterOrEqual(t, late.Max, late.P95)
	// Every latency includes at least the fixed overhead, on any machine.
	require.GreaterOrEqual(t, lv.Latencies[0], int64(kernel.Seconds(cfg.Workers.Overhead)))
	require.Greater(t, wall.Seconds(), 0.5*sim.Duration, "the run took real time")
	require.LessOrEqual(t, settle(before), before, "goroutines left behind")
}

func TestWallClockCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	cfg := base()
	cfg.Queue.Timeout = 1
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	rep, _, err := live.Run(ctx, &cfg, live.Options{})
	require.True(t, errors.Is(err, context.Canceled))
	require.Less(t, time.Since(start), 2*time.Second)
	require.Less(t, rep.Created, uint64(cfg.Agents.Count*cfg.Agents.RequestsPerAgent))
	require.LessOrEqual(t, settle(before), before, "goroutines left behind")
}
