package charts

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
)

// metaConfig is a small system in the spirit of META-SPIKE: open agents at
// 60% of capacity whose clients time out and retry, a load spike, and a
// steady-state hypothesis with a recovery test.
func metaConfig(tries int) *model.Config {
	cfg := smallConfig()
	cfg.Name, cfg.Description = "SMALL-META", "test: a spike on a retrying system"
	cfg.Agents = model.AgentConfig{Count: 20, Arrival: model.Poisson, Think: model.Dist{Kind: model.Exponential, Mean: 0.065},
		Horizon: 16, Stagger: 0.1, Mix: []model.WorkloadType{{Name: "REQ", Weight: 1, Work: 1}}}
	cfg.Queue = model.QueueConfig{Buffer: 100}
	cfg.Workers = model.WorkerConfig{Count: 4, Service: model.Dist{Kind: model.Exponential, Mean: 0.008}}
	cfg.Faults = model.FaultConfig{}
	cfg.Throttle = model.ThrottleConfig{}
	cfg.Detector.Period, cfg.Detector.P95Growth = 0.1, 0
	cfg.Client.Timeouts.Attempt = 0.05
	if tries > 1 {
		cfg.Client.Retry = model.RetryConfig{MaxAttempts: tries, On: []string{"CLIENT_TIMEOUT"},
			Backoff: model.BackoffConfig{Base: 0.005, Multiplier: 2, Max: 0.05, Jitter: 1}}
	}
	cfg.Schedule = model.ScheduleConfig{{Name: "spike", At: 4, For: 2, Load: &model.LoadAction{Rate: 2.6}}}
	cfg.SLO = model.SLOConfig{Window: 1, P99: 0.15, ErrorRate: 0.05,
		Recovery: model.RecoveryConfig{Measure: model.MeasureGoodput, Tolerance: 0.15, Hold: 2}}
	return cfg
}

func names(cs []*chart) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.name)
	}
	return out
}

// A run with a client, a schedule and an SLO: the attempts chart, the
// spike's window on every time chart, the SLO's bounds, and the recovery
// point — or, when it does not recover, the trigger's end.
func TestClientScheduleAndSLOCharts(t *testing.T) {
	for _, c := range []struct {
		tries   int
		verdict string
		mark    string
	}{{1, model.VerdictRecovered, "recovered at "}, {4, model.VerdictMetastable, "trigger ended 6 s: did not recover"}} {
		cfg := metaConfig(c.tries)
		rep := mustRun(t, cfg)
		require.Equal(t, c.verdict, rep.SLO.Verdict)
		cs := runCharts(cfg, rep)
		require.Equal(t, append(append([]string(nil), chartNames...), "attempts"), names(cs))
		dir := filepath.Join(t.TempDir(), "r")
		require.NoError(t, WriteRun(dir, cfg, rep, false))
		checkSelfContained(t, dir)
		for _, n := range []string{"latency", "queue", "state", "errors", "attempts"} {
			doc := parseSVG(t, mustRead(t, dir, n+".svg"))
			require.Contains(t, doc.Texts, "spike: load ×2.6, 4 s–6 s", n)
			found := false
			for _, s := range doc.Texts {
				if len(s) >= len(c.mark) && s[:len(c.mark)] == c.mark {
					found = true
				}
			}
			require.True(t, found, "%s.svg marks %q", n, c.mark)
		}
		require.Contains(t, parseSVG(t, mustRead(t, dir, "latency.svg")).Texts, "SLO: p99 ≤ 150 ms")
		require.Contains(t, parseSVG(t, mustRead(t, dir, "errors.svg")).Texts, "SLO: error rate ≤ 5.00%")
		require.Contains(t, parseSVG(t, mustRead(t, dir, "errors.svg")).Texts, "CLIENT_TIMEOUT")
		require.Contains(t, parseSVG(t, mustRead(t, dir, "attempts.svg")).Texts, "goodput (requests succeeded)")
		page := string(mustRead(t, dir, HTMLFile))
		require.Contains(t, page, "<th>steady state</th><td>"+c.verdict)
		require.Contains(t, page, "<th>attempts</th>")
	}
}

// The defences' state: CoDel's dropping spans and the clients' throttle
// probability on one chart, the concurrency limit on another.
func TestDefenceCharts(t *testing.T) {
	cfg := metaConfig(3)
	cfg.Queue.CoDel = &model.CoDelConfig{}
	cfg.Queue.Limit = &model.LimitConfig{Kind: model.LimitAIMD}
	cfg.Client.Throttle = model.ClientThrottleConfig{K: 2}
	rep := mustRun(t, cfg)
	require.NotNil(t, rep.Defences)
	cs := runCharts(cfg, rep)
	require.Equal(t, append(append([]string(nil), chartNames...), "attempts", "shedding", "limit"), names(cs))
	var dropping, throttled, limited bool
	for _, s := range rep.Series.Spans(model.SeriesSpans) {
		dropping = dropping || s.CoDelDropping
		throttled = throttled || s.ClientThrottle > 0
		limited = limited || s.LimitMean() > 0
	}
	require.True(t, dropping && throttled && limited, "the test run must exercise every defence")
	dir := filepath.Join(t.TempDir(), "r")
	require.NoError(t, WriteRun(dir, cfg, rep, false))
	sh := parseSVG(t, mustRead(t, dir, "shedding.svg"))
	require.Contains(t, sh.Texts, "CoDel dropping")
	require.Contains(t, sh.Texts, "client throttle: P(reject)")
	require.Contains(t, parseSVG(t, mustRead(t, dir, "limit.svg")).Texts, "Concurrency limit (aimd)")
}

// synthClientTimeline adds a client's, an SLO's and the defences' figures
// to synthTimeline: retries grow in the second half, when the SLO breaks.
func synthClientTimeline(n int) []model.Sample {
	tl := synthTimeline(n)
	for i := range tl {
		s := &tl[i]
		s.Sent = s.Created + uint64(i*i%11)
		if i > n/2 {
			s.Sent += uint64(i - n/2)
		}
		s.Retried = s.Sent - s.Created
		s.Answered = s.Sent - uint64(i%3)
		s.Goodput = s.Completed
		s.FailedBy[model.ClientTimeout] = uint64(i % 4)
		s.SLO = model.SLOSample{Evaluated: i >= 20, P99: math.NaN()}
		if s.SLO.Evaluated {
			s.SLO.P99 = 0.002 * float64(i%41)
			s.SLO.ErrorRate = 0.005 * float64(i%17)
			s.SLO.Goodput = float64(200 - i%50)
			s.SLO.Holds = s.SLO.P99 < 0.06
		}
		s.Limit = float64(20 + i%9)
		s.CoDelDropping = i%10 < 3
		s.ClientThrottle = 0.01 * float64(i%23)
	}
	return tl
}

// The SVGs of a small hand-built run with a client, a schedule, an SLO and
// every defence, byte for byte.
func TestGoldenClientSVG(t *testing.T) {
	cfg := metaConfig(3)
	cfg.Queue.CoDel = &model.CoDelConfig{}
	cfg.Queue.Limit = &model.LimitConfig{Kind: model.LimitVegas}
	cfg.Client.Throttle = model.ClientThrottleConfig{K: 2}
	cfg.SLO.Goodput = 150
	cfg.Schedule = append(cfg.Schedule, model.Action{At: 4.5, For: 0.5, Crash: &model.CrashAction{Workers: 1}})
	sec := func(x float64) *float64 { return &x }
	rep := &model.Report{Scenario: "GOLDEN-CLIENT", Seed: 1, Mode: "simulated", Agents: 20, Workers: 4, Buffer: 100,
		Created: 120, Served: 90, Failed: 30, FailedBy: model.Failures{QueueOverflow: 10, ClientTimeout: 15, Shed: 5}, ErrorRate: 0.25,
		Latency: model.Latency{Avg: 0.03, P50: 0.02, P95: 0.08, P99: 0.1, Max: 0.2}, Throughput: 18, Duration: 5,
		FinalState: model.Collapsed, BreakPoint: sec(3.2),
		Catalyst: &model.Catalyst{Rule: model.SaturationGrowth, Saturation: 0.9, Depth: 45, Growth: 30, P95: 0.08},
		Client: &model.ClientReport{Requests: 120, Attempts: 180, Amplification: 1.5, Goodput: 18, Throughput: 34,
			RetriedBy: model.Outcomes{"CLIENT_TIMEOUT": 60}, Zombies: 40, ZombieWork: 0.4},
		Defences: &model.DefenceReport{ShedByLimit: 3, ShedByCoDel: 2, Limit: 21, Throttled: 4},
		SLO: &model.SLOReport{Verdict: model.VerdictRecovered, HeldBefore: true, FirstViolation: sec(3.1), HeldAgain: sec(4.2),
			Violated: 1.1, TriggerStart: sec(4), TriggerEnd: sec(6), Measure: model.MeasureGoodput, Baseline: 180,
			RecoveredAt: sec(4.4), RecoveryTime: sec(0.4)},
		Series: seriesOf(synthClientTimeline(100))}
	for i := 0; i < 60; i++ {
		rep.Latencies = append(rep.Latencies, int64(10+i*3)*int64(kernel.Millisecond))
	}
	dir := filepath.Join(t.TempDir(), "g")
	require.NoError(t, WriteRun(dir, cfg, rep, false))
	cs := runCharts(cfg, rep)
	require.Len(t, cs, 8)
	for _, c := range cs {
		if c.name != "distribution" {
			goldentest.Check(t, "testdata/client-"+c.name+".svg.golden", mustRead(t, dir, c.name+".svg"))
		}
	}
	goldentest.Check(t, "testdata/client-report.md.golden", mustRead(t, dir, MarkdownFile))
}
