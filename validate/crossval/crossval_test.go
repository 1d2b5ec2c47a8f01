package crossval

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live"
	"github.com/agentchaos/agentchaos/model/live/httplive"
	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/validate/queueing"
)

// mmc is an M/M/c queue as a scenario: one Poisson agent at rate lambda,
// c workers with exponential service of rate mu, no overhead, slowdown,
// faults, backoff or throttle, and a waiting room no run comes near.
func mmc(lambda, mu float64, c, requests int) *model.Config {
	return &model.Config{
		Name: "M/M/c", Seed: 11,
		Agents: model.AgentConfig{Count: 1, Arrival: model.Poisson, RequestsPerAgent: requests,
			Think: model.Dist{Kind: model.Exponential, Mean: 1 / lambda},
			Mix:   []model.WorkloadType{{Name: "unit", Weight: 1, Work: 1}}},
		Queue:   model.QueueConfig{Buffer: 100_000},
		Workers: model.WorkerConfig{Count: c, Service: model.Dist{Kind: model.Exponential, Mean: 1 / mu}},
		Detector: model.DetectorConfig{Period: 0.5, Window: 2, DegradedSaturation: 1, CollapseSaturation: 1,
			GrowthSamples: 1, MinWindowSamples: 1, FinalFraction: 1},
		Telemetry: model.TelemetryConfig{Percentiles: model.ExactPercentiles},
	}
}

// TestCrossvalMMc runs an M/M/3 at ρ = 0.7 live under testing/synctest,
// whose goroutines see a virtual clock, and checks it three ways: against
// the simulation (cross-validation), against Erlang C, and, since synctest's
// clock is exact and no two events coincide, event for event.
func TestCrossvalMMc(t *testing.T) {
	const lambda, mu, c, n = 70.0, 1 / 0.03, 3, 6000
	synctest.Test(t, func(t *testing.T) {
		cv, err := Run(context.Background(), mmc(lambda, mu, c, n), live.Options{}, Tolerances{})
		require.NoError(t, err)
		require.True(t, cv.Pass, "%+v", cv.Checks)
		require.Zero(t, cv.Replicas, "no lateness, no replicas")
		require.Equal(t, uint64(n), cv.Live.Served)
		require.Equal(t, cv.Sim.Latencies, cv.Live.Latencies)

		want, err := queueing.MMc(lambda, mu, c)
		require.NoError(t, err)
		// The standard error of a mean sojourn over 6000 correlated
		// requests at ρ = 0.7 is about 2%; allow 4 of them.
		require.InEpsilon(t, want.W, cv.Live.Latency.Avg, 0.08, "mean sojourn against Erlang C")
		require.InEpsilon(t, want.L, cv.Live.Little.L, 0.08, "mean number in system against Erlang C")
	})
}

// TestCrossvalEXP001 cross-validates the control profile on a reduced
// budget under testing/synctest.
func TestCrossvalEXP001(t *testing.T) {
	cfg, err := scenarios.Load("EXP-001")
	require.NoError(t, err)
	cfg.Agents.RequestsPerAgent = 10
	synctest.Test(t, func(t *testing.T) {
		cv, err := Run(context.Background(), cfg, live.Options{}, Tolerances{})
		require.NoError(t, err)
		require.True(t, cv.Pass, "%+v", cv.Checks)
		require.Equal(t, uint64(cfg.Agents.Count*10), cv.Live.Created)
		for _, c := range cv.Checks {
			if c.Unit != UnitState {
				require.Zero(t, c.Diff, "%s: with an exact clock the live run is the simulation", c.Name)
			}
		}
	})
}

// lateReport is rep with every latency lengthened by d seconds, as a live
// run whose services all ended d late would be, roughly.
func lateReport(rep model.Report, d float64) model.Report {
	out := rep
	out.Mode = live.Mode
	out.Latencies = make([]int64, len(rep.Latencies))
	for i, x := range rep.Latencies {
		out.Latencies[i] = x + int64(d*1e9)
	}
	out.Latency.Avg += d
	out.Latency.P95 += d
	return out
}

// TestCompareLiveBands feeds CompareLive made-up live reports: one shifted
// by the lateness it claims passes; one shifted by far more, or with a
// different error rate, or from a machine too slow, fails.
func TestCompareLiveBands(t *testing.T) {
	cfg := mmc(70, 1/0.03, 3, 2000)
	sim, err := model.Run(cfg, model.Options{})
	require.NoError(t, err)
	late := live.Lateness{Count: 2000, Mean: 0.0005, P5: 0.0002, P50: 0.0005, P95: 0.001, P99: 0.0015, Max: 0.003}

	ok := lateReport(sim, late.Mean)
	cv, err := compareLive(cfg, 1, &sim, &ok, late, Tolerances{})
	require.NoError(t, err)
	require.True(t, cv.Pass, "%+v", cv.Checks)
	require.Equal(t, 30, cv.Replicas)
	mean := cv.Checks[0]
	require.Equal(t, "mean latency", mean.Name)
	// The band covers the shift the replicas predict for δ in [P5, P95]
	// (queueing makes that more than δ itself) plus the floor, and stays
	// narrow enough to catch a real difference (below).
	require.Less(t, mean.Lo, 0.0)
	require.Greater(t, mean.Hi, late.P95/sim.Latency.Avg+0.03)
	require.Less(t, mean.Hi, 0.15)

	far := lateReport(sim, 0.02)
	cv, err = compareLive(cfg, 1, &sim, &far, late, Tolerances{})
	require.NoError(t, err)
	require.False(t, cv.Pass)
	for _, c := range cv.Checks {
		switch c.Name {
		case "mean latency", "p95 latency", "KS distance":
			require.False(t, c.Pass, c.Name)
		case "error rate", "final state", "p95 lateness":
			require.True(t, c.Pass, c.Name)
		}
	}

	errs := ok
	errs.ErrorRate += 0.02
	cv, err = compareLive(cfg, 1, &sim, &errs, late, Tolerances{})
	require.NoError(t, err)
	require.False(t, cv.Pass)
	require.False(t, cv.Checks[2].Pass, cv.Checks[2].Name)

	slow := late
	slow.P95 = 0.2 * meanService(cfg)
	cv, err = compareLive(cfg, 1, &sim, &ok, slow, Tolerances{})
	require.NoError(t, err)
	require.False(t, cv.Checks[len(cv.Checks)-1].Pass, "p95 lateness of 20% of a service")

	sketch := sim
	sketch.Latencies = nil
	_, err = compareLive(cfg, 1, &sketch, &ok, late, Tolerances{})
	require.ErrorContains(t, err, "exact")
	_, err = compareLive(cfg, 1, &sim, &ok, late, Tolerances{Confidence: 2})
	require.ErrorContains(t, err, "tolerances")
}

func TestFitRequests(t *testing.T) {
	cfg, err := scenarios.Load("EXP-001")
	require.NoError(t, err)
	cfg.Agents.RequestsPerAgent = 300 // keeps the test quick whatever the profile's budget
	const budget = 300
	full, err := model.Run(cfg, model.Options{})
	require.NoError(t, err)

	n, err := FitRequests(cfg, 2*full.Duration, 1)
	require.NoError(t, err)
	require.Equal(t, cfg.Agents.RequestsPerAgent, n, "the whole budget fits")

	const wall, scale = 30, 2
	n, err = FitRequests(cfg, wall, scale)
	require.NoError(t, err)
	require.Less(t, n, cfg.Agents.RequestsPerAgent)
	dur := func(n int) float64 {
		c := *cfg
		c.Agents.RequestsPerAgent = n
		r, err := model.Run(&c, model.Options{})
		require.NoError(t, err)
		return r.Duration
	}
	require.LessOrEqual(t, dur(n)*scale, float64(wall))
	require.Greater(t, dur(n+1)*scale, float64(wall), "the largest budget that fits")
	require.Equal(t, budget, cfg.Agents.RequestsPerAgent, "the configuration is not changed")
}

// TestCrossvalWallClock runs a small cross-validation on the real clock
// (about a second): the lateness is measured and the replicas run. Whether
// it passes depends on the machine's load, so only the mechanics are
// checked; `agentchaos crossval` is the real test.
func TestCrossvalWallClock(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-clock run")
	}
	before := runtime.NumGoroutine()
	cfg := mmc(40, 1/0.02, 2, 40)
	cv, err := Run(context.Background(), cfg, live.Options{}, Tolerances{Replicas: 5})
	require.NoError(t, err)
	require.GreaterOrEqual(t, uint64(cv.Lateness.Count), cv.Live.Served, "every event fired on the clock is measured: at least each service end")
	require.LessOrEqual(t, uint64(cv.Lateness.Count), cv.Live.Events)
	require.Greater(t, cv.Lateness.Max, 0.0, "a real timer is never exactly on time")
	require.Equal(t, 5, cv.Replicas)
	require.Len(t, cv.Checks, 6)
	require.True(t, slices.IsSorted(cv.Live.Latencies))
	requireNoneLeft(t, before)
}

// TestCrossvalHTTP runs a small cross-validation over real HTTP on
// 127.0.0.1 (about a second): the same requests are created, the lateness
// of every answered attempt is measured, the replicas run and every check
// is made. Whether it passes depends on the machine's load, so only the
// mechanics are checked; `agentchaos crossval --http` is the real test.
func TestCrossvalHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-clock run")
	}
	before := runtime.NumGoroutine()
	cfg := mmc(40, 1/0.02, 2, 30)
	cv, err := RunHTTP(context.Background(), cfg, httplive.Options{}, Tolerances{Replicas: 5})
	require.NoError(t, err)
	require.Equal(t, httplive.Mode, cv.Mode)
	require.Equal(t, cv.Sim.Created, cv.Live.Created)
	require.Equal(t, cv.Live.Served, uint64(cv.Lateness.Count), "a lateness for every answered attempt")
	require.Equal(t, cv.HTTP.Lateness, cv.Lateness)
	require.Equal(t, 5, cv.Replicas)
	require.Len(t, cv.Checks, 6)
	var b strings.Builder
	require.NoError(t, cv.WriteText(&b))
	require.Contains(t, b.String(), "HTTP")
	_, err = RunHTTP(context.Background(), cfg, httplive.Options{Target: "http://127.0.0.1:1/"}, Tolerances{})
	require.Error(t, err, "a target is no cross-validation")
	requireNoneLeft(t, before)
}

// requireNoneLeft waits up to two seconds for the goroutines to come back
// to before.
func requireNoneLeft(t *testing.T, before int) {
	t.Helper()
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > before; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	require.LessOrEqual(t, n, before, "goroutines left behind")
}

// smallDetector is the detector of the small scenarios below: a 50 ms
// period over a half-second window.
var smallDetector = model.DetectorConfig{Period: 0.05, Window: 0.5, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
	GrowthSamples: 3, MinWindowSamples: 10, FinalFraction: 0.05}

// clientScenario has everything of issue 12's client in front of a small
// overloaded server: a pool of 3 connections for 4 workers, with an acquire
// timeout; an attempt timeout shorter than a busy queue's wait (zombie
// work); retries with full jitter on timeouts, pool exhaustion and 503s;
// and a jittery network hop.
func clientScenario() *model.Config {
	return &model.Config{
		Name: "client", Seed: 5,
		Agents: model.AgentConfig{Count: 30, Arrival: model.Closed, RequestsPerAgent: 20,
			Think: model.Dist{Kind: model.Exponential, Mean: 0.05},
			Mix:   []model.WorkloadType{{Name: "unit", Weight: 1, Work: 1}}},
		Queue:     model.QueueConfig{Buffer: 20},
		Workers:   model.WorkerConfig{Count: 4, Service: model.Dist{Kind: model.Exponential, Mean: 0.02}},
		Detector:  smallDetector,
		Telemetry: model.TelemetryConfig{Percentiles: model.ExactPercentiles},
		Client: model.ClientConfig{
			Timeouts: model.TimeoutConfig{Attempt: 0.1},
			Retry: model.RetryConfig{MaxAttempts: 3, On: []string{"CLIENT_TIMEOUT", "POOL_EXHAUSTED", "QUEUE_OVERFLOW"},
				Backoff: model.BackoffConfig{Base: 0.01, Multiplier: 2, Max: 0.05, Jitter: 1}},
			Pool: model.PoolConfig{MaxConnections: 3, AcquireTimeout: 0.05},
		},
		Network: model.NetworkConfig{Toxics: []model.Toxic{{Type: model.ToxicLatency,
			Latency: &model.Dist{Kind: model.Deterministic, Mean: 0.005}, Jitter: 0.002}}},
	}
}

// scheduledScenario is issue 13's experiment in small: Poisson load at 75%
// of two workers, clients that retry timeouts, a load spike ×2 and then a
// worker crash, and a steady-state hypothesis with a recovery test.
func scheduledScenario(horizon float64) *model.Config {
	at := horizon / 5
	return &model.Config{
		Name: "scheduled", Seed: 7,
		Agents: model.AgentConfig{Count: 10, Arrival: model.Poisson, Horizon: horizon,
			Think: model.Dist{Kind: model.Exponential, Mean: 0.1},
			Mix:   []model.WorkloadType{{Name: "unit", Weight: 1, Work: 1}}},
		Queue:     model.QueueConfig{Buffer: 100},
		Workers:   model.WorkerConfig{Count: 2, Service: model.Dist{Kind: model.Exponential, Mean: 0.015}},
		Detector:  smallDetector,
		Telemetry: model.TelemetryConfig{Percentiles: model.ExactPercentiles},
		Client: model.ClientConfig{
			Timeouts: model.TimeoutConfig{Attempt: 0.1},
			Retry: model.RetryConfig{MaxAttempts: 3, On: []string{"CLIENT_TIMEOUT"},
				Backoff: model.BackoffConfig{Base: 0.005, Multiplier: 2, Max: 0.05, Jitter: 1}},
		},
		Schedule: model.ScheduleConfig{
			{Name: "spike", At: at, For: at / 2, Load: &model.LoadAction{Rate: 2}},
			{Name: "crash", At: 2 * at, For: at / 4, Crash: &model.CrashAction{Workers: 1}},
		},
		SLO: model.SLOConfig{Window: 0.5, P99: 0.2, Recovery: model.RecoveryConfig{Hold: 0.5}},
	}
}

func checkNamed(t *testing.T, cv *Result, name string) Check {
	t.Helper()
	for _, c := range cv.Checks {
		if c.Name == name {
			return c
		}
	}
	require.Failf(t, "no check", "%s in %+v", name, cv.Checks)
	return Check{}
}

// TestCrossvalClient: crossval covers a scenario with timeouts, retries and
// a pool. Under testing/synctest's exact clock the live run is the
// simulation, client figures included, so every check passes with no
// difference; the scenario does exercise what it is meant to.
func TestCrossvalClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cv, err := Run(context.Background(), clientScenario(), live.Options{}, Tolerances{})
		require.NoError(t, err)
		require.True(t, cv.Pass, "%+v", cv.Checks)
		require.Len(t, cv.Checks, 8)
		for _, name := range []string{"amplification", "pool wait p95"} {
			c := checkNamed(t, cv, name)
			require.True(t, c.Pass)
			require.Zero(t, c.Diff, name)
			require.Equal(t, UnitRelative, c.Unit)
		}
		require.Equal(t, cv.Sim.Client, cv.Live.Client)
		c := cv.Sim.Client
		require.Positive(t, c.RetriedBy["CLIENT_TIMEOUT"])
		require.Positive(t, c.RetriedBy["POOL_EXHAUSTED"])
		require.Positive(t, c.PoolExhausted)
		require.Positive(t, c.Zombies)
		require.Positive(t, c.PoolWait.Count)
		var b strings.Builder
		require.NoError(t, cv.WriteText(&b))
		for _, row := range []string{"amplification", "goodput", "pool wait p95", "zombies", "  POOL_EXHAUSTED"} {
			require.Contains(t, b.String(), row)
		}
		require.Regexp(t, `amplification +\d\.\d{4}× +\d\.\d{4}× +\+0\.0%`, b.String())
	})
}

// TestCrossvalScheduled: crossval covers a scheduled scenario (issue 13):
// the schedule's actions run on the live clock at their times, and the
// steady-state hypothesis's verdict is compared.
func TestCrossvalScheduled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cv, err := Run(context.Background(), scheduledScenario(10), live.Options{}, Tolerances{})
		require.NoError(t, err)
		require.True(t, cv.Pass, "%+v", cv.Checks)
		v := checkNamed(t, cv, "SLO verdict")
		require.Equal(t, UnitVerdict, v.Unit)
		require.Equal(t, cv.Sim.SLO.Verdict, v.SimText)
		require.Equal(t, v.SimText, v.LiveText)
		require.NotNil(t, cv.Sim.SLO.FirstViolation, "the spike and the crash violate the SLO")
		require.Equal(t, cv.Sim.SLO, cv.Live.SLO)
		require.Equal(t, cv.Sim.Latencies, cv.Live.Latencies)
	})
}

// TestCompareLiveClientAndVerdict: a live run with half again as many
// attempts per request, or another verdict than any replica reached, fails.
func TestCompareLiveClientAndVerdict(t *testing.T) {
	cfg := scheduledScenario(10)
	sim, err := model.Run(cfg, model.Options{})
	require.NoError(t, err)
	late := live.Lateness{Count: 2000, Mean: 0.0002, P5: 0.0001, P50: 0.0002, P95: 0.0004, P99: 0.0006, Max: 0.001}
	ok := lateReport(sim, late.Mean)
	cv, err := compareLive(cfg, 1, &sim, &ok, late, Tolerances{Replicas: 5})
	require.NoError(t, err)
	for _, name := range []string{"amplification", "SLO verdict"} {
		require.True(t, checkNamed(t, cv, name).Pass, name)
	}

	storm := ok
	client := *sim.Client
	client.Amplification *= 1.5
	storm.Client = &client
	cv, err = compareLive(cfg, 1, &sim, &storm, late, Tolerances{Replicas: 5})
	require.NoError(t, err)
	require.False(t, cv.Pass)
	require.False(t, checkNamed(t, cv, "amplification").Pass)
	require.True(t, checkNamed(t, cv, "mean latency").Pass)

	stuck := ok
	slo := *sim.SLO
	slo.Verdict = "not a verdict any run reached"
	stuck.SLO = &slo
	cv, err = compareLive(cfg, 1, &sim, &stuck, late, Tolerances{Replicas: 5})
	require.NoError(t, err)
	require.False(t, checkNamed(t, cv, "SLO verdict").Pass)
}

// TestCrossvalWallClockClientAndSchedule cross-validates both scenarios on
// the real clock, briefly (about a second each): the lateness is measured,
// the replicas run, and the client and verdict checks get their bands.
// Whether they pass depends on the machine's load, so only the mechanics
// are required; the verdicts are logged.
func TestCrossvalWallClockClientAndSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-clock run")
	}
	client := clientScenario()
	client.Agents.RequestsPerAgent = 8
	for _, cfg := range []*model.Config{client, scheduledScenario(1)} {
		cv, err := Run(context.Background(), cfg, live.Options{Scale: 1}, Tolerances{Replicas: 5})
		require.NoError(t, err)
		require.Equal(t, 5, cv.Replicas)
		require.Positive(t, cv.Lateness.Count)
		amp := checkNamed(t, cv, "amplification")
		require.LessOrEqual(t, amp.Lo, amp.Hi)
		require.Less(t, amp.Lo, 0.0, "the floor makes room below the simulation")
		if cfg.SLO.P99 > 0 {
			require.NotEmpty(t, checkNamed(t, cv, "SLO verdict").Note)
		}
		t.Logf("%s: pass %v, lateness p95 %.2g ms; %+v", cfg.Name, cv.Pass, 1e3*cv.Lateness.P95, cv.Checks)
	}
}
