package model

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
)

func at(s float64) kernel.Time { return kernel.Time(kernel.Seconds(s)) }

func TestProfileAdvance(t *testing.T) {
	// 1 until 10 s, 2 on [10, 20), 0 on [20, 30), 1 after.
	p := &profile{base: 1, t: []kernel.Time{at(10), at(20), at(30)}, v: []float64{2, 0, 1}}
	got, ok := p.advance(at(5), kernel.Seconds(10))
	require.True(t, ok)
	require.Equal(t, at(12.5), got, "5 s of work at pace 1, then 5 at pace 2")
	got, _ = p.advance(at(15), kernel.Seconds(20))
	require.Equal(t, at(40), got, "10 at pace 2, none while at 0, 10 at pace 1")
	got, _ = p.advance(at(22), kernel.Seconds(1))
	require.Equal(t, at(31), got)
	stuck := &profile{base: 1, t: []kernel.Time{at(1)}, v: []float64{0}}
	_, ok = stuck.advance(at(0), kernel.Seconds(5))
	require.False(t, ok, "the load stays at 0")
}

func TestCombine(t *testing.T) {
	ps := []piece{{at(0), at(10), 2}, {at(5), at(15), 3}, {at(20), kernel.Forever, 0.5}}
	p := combine(1, ps, func(a, b float64) float64 { return a * b })
	for _, c := range []struct{ t, v float64 }{{-1, 1}, {0, 2}, {5, 6}, {9.9, 6}, {10, 3}, {15, 1}, {25, 0.5}} {
		require.Equal(t, c.v, p.at(at(c.t)), "at %g", c.t)
	}
	last := combine(math.NaN(), []piece{{at(0), at(10), 0.2}, {at(5), at(8), 0.9}}, func(_, b float64) float64 { return b })
	require.Equal(t, 0.9, last.at(at(6)), "the later action wins")
	require.Equal(t, 0.2, last.at(at(9)))
	require.True(t, math.IsNaN(last.at(at(11))))
	// A ramp of rate 3 over 2 s rises in 20 steps of 0.1 s.
	a := Action{At: 10, For: 10, Ramp: 2, Load: &LoadAction{Rate: 3}}
	pr := combine(1, a.pieces(3, kernel.Forever), func(x, y float64) float64 { return x * y })
	require.Equal(t, 1.0, pr.at(at(9.99)))
	require.InDelta(t, 1+2.0/21, pr.at(at(10)), 1e-12)
	require.InDelta(t, 1+2*20.0/21, pr.at(at(11.95)), 1e-12)
	require.Equal(t, 3.0, pr.at(at(12)))
	require.Equal(t, 3.0, pr.at(at(17.99)))
	require.InDelta(t, 1+2*20.0/21, pr.at(at(18)), 1e-12)
	require.Equal(t, 1.0, pr.at(at(20)))
}

// scheduled returns one open agent creating a request every second
// (deterministic gaps), served at once by plenty of workers.
func scheduled(acts ...Action) *Config {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 1, Arrival: Poisson, Horizon: 30,
		Think: Dist{Kind: Deterministic, Mean: 1}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Workers = WorkerConfig{Count: 10, Service: Dist{Kind: Deterministic, Mean: 0.25}}
	cfg.Schedule = acts
	return cfg
}

func TestLoadStepExactTiming(t *testing.T) {
	_, rec := run(t, scheduled(Action{At: 10, For: 10, Load: &LoadAction{Rate: 2}}))
	var want []float64
	for x := 0.0; x < 10; x++ {
		want = append(want, x)
	}
	for x := 10.0; x < 20; x += 0.5 {
		want = append(want, x)
	}
	for x := 20.0; x < 30; x++ {
		want = append(want, x)
	}
	require.Equal(t, want, times(rec.of(Created)))
}

func TestDiurnalLoad(t *testing.T) {
	cfg := scheduled(Action{At: 0, Load: &LoadAction{Diurnal: &DiurnalShape{Period: 10, Low: 0.5, High: 4}}})
	cfg.Agents.Horizon = 100
	_, rec := run(t, cfg)
	// The mean pace over a period is (0.5+4)/2: about 2.25 requests a second,
	// more at mid-period than at its start.
	n := len(rec.of(Created))
	require.InDelta(t, 225, n, 3)
	perPhase := [10]int{}
	for _, e := range rec.of(Created) {
		perPhase[int(e.T.Seconds())%10]++
	}
	require.Greater(t, perPhase[5], 3*perPhase[0])
}

func TestAgentCap(t *testing.T) {
	cfg := testConfig()
	two := 2
	cfg.Agents = AgentConfig{Count: 4, Arrival: Closed, Horizon: 15,
		Think: Dist{Kind: Deterministic, Mean: 0.5}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Workers = WorkerConfig{Count: 4, Service: Dist{Kind: Deterministic, Mean: 0.5}}
	cfg.Schedule = []Action{{At: 5, For: 5, Load: &LoadAction{Agents: &two}}}
	_, rec := run(t, cfg)
	for _, e := range rec.of(Created) {
		if e.T >= at(5) && e.T < at(10) {
			require.Less(t, e.Agent, int32(2), "agent %d created a request at %v while capped", e.Agent, e.T)
		}
	}
	// Agents 2 and 3 resume at 10 exactly.
	var resumed []float64
	for _, e := range rec.of(Created) {
		if e.Agent >= 2 && e.T >= at(10) && e.T < at(10.5) {
			resumed = append(resumed, e.T.Seconds())
		}
	}
	require.Equal(t, []float64{10, 10}, resumed)
}

func TestCrashFailAndRequeue(t *testing.T) {
	for _, mode := range []string{CrashFail, CrashRequeue} {
		cfg := testConfig()
		cfg.Agents = AgentConfig{Count: 1, Arrival: Burst, BurstSize: 3, RequestsPerAgent: 3,
			Think: Dist{Kind: Deterministic, Mean: 100}, Mix: []WorkloadType{{"A", 1, 1}}}
		cfg.Workers = WorkerConfig{Count: 2, Service: Dist{Kind: Deterministic, Mean: 4}}
		cfg.Queue.Buffer = 5
		cfg.Schedule = []Action{{At: 1, For: 2, Crash: &CrashAction{Workers: 1, InService: mode}}}
		r, rec := run(t, cfg)
		// Requests 0 and 1 start at 0 on workers 0 and 1; request 2 waits.
		// Worker 1 crashes at 1 and comes back at 3.
		if mode == CrashFail {
			require.Equal(t, uint64(1), r.FailedBy.Crashed)
			failed := rec.of(Failed)
			require.Len(t, failed, 1)
			require.Equal(t, at(1), failed[0].T)
			require.Equal(t, int32(1), failed[0].Seq)
			require.Equal(t, 502, Crashed.Status())
			// Request 2 starts on worker 1 when it comes back at 3.
			require.Equal(t, []float64{0, 0, 3}, times(rec.of(Started)))
		} else {
			require.Len(t, rec.of(Requeued), 1)
			require.Zero(t, r.Failed)
			// Request 1 goes back ahead of request 2: worker 0 frees at 4 and
			// takes... worker 1 comes back at 3 first and takes request 1.
			st := rec.of(Started)
			require.Equal(t, []float64{0, 0, 3, 4}, times(st))
			require.Equal(t, []int32{0, 1, 1, 2}, []int32{st[0].Seq, st[1].Seq, st[2].Seq, st[3].Seq})
		}
		require.InDelta(t, r.Little.L, r.Little.LambdaW, 1e-9, mode)
	}
}

func TestSlowdownAndFaultWindows(t *testing.T) {
	pOne := 1.0
	cfg := scheduled(Action{At: 5, For: 5, Slowdown: 3}, Action{At: 20, For: 3, Faults: &FaultAction{ErrorProbability: &pOne}})
	_, rec := run(t, cfg)
	for _, e := range rec.of(Responded) {
		lat := e.Latency.Seconds()
		start := e.T.Seconds() - lat
		want := 0.25
		if start >= 5 && start < 10 {
			want = 0.75
		}
		require.InDelta(t, want, lat, 1e-9, "started at %g", start)
		failed := e.Failure == FaultError
		require.Equal(t, start >= 20 && start < 23, failed, "started at %g", start)
	}
}

func TestNetworkWindowsAndPartition(t *testing.T) {
	cfg := scheduled(
		Action{At: 5, For: 5, Network: &NetworkAction{Toxics: []string{"slow"}}},
		Action{At: 15, For: 2, Network: &NetworkAction{PartitionAll: true}})
	cfg.Client.Timeouts.Attempt = 0.9
	cfg.Network.Toxics = []Toxic{{Name: "slow", Scheduled: true, Type: ToxicLatency, Latency: &Dist{Kind: Deterministic, Mean: 0.1}}}
	r, rec := run(t, cfg)
	for _, e := range rec.of(Completed) {
		created := e.T.Seconds() - e.Latency.Seconds()
		want := 0.25
		if created >= 5 && created < 10 {
			want = 0.45
		}
		require.InDelta(t, want, e.Latency.Seconds(), 1e-9, "created at %g", created)
	}
	require.Equal(t, uint64(2), r.FailedBy.ClientTimeout, "the two requests sent into the partition")
	tx := r.Network.Toxics[0]
	require.Equal(t, []uint64{5, 5}, []uint64{tx.Request.Messages, tx.Response.Messages}, "the toxic acts only in its window")
}

func TestTraceReplayIsExact(t *testing.T) {
	stamps := []string{"0", "0.000000001", "0.5", "0.5", "1.25", "3.141592653", "7", "7.000000002", "10.999999999"}
	var times []float64
	for _, s := range stamps {
		x, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		times = append(times, x)
	}
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 3, Arrival: TraceArrivals, Mix: []WorkloadType{{"A", 1, 1}},
		Trace: &TraceConfig{Times: times}}
	cfg.Workers.Count = 3
	r, rec := run(t, cfg)
	require.Equal(t, uint64(len(stamps)), r.Created)
	created := rec.of(Created)
	for i, e := range created {
		require.Equal(t, stamps[i], strconv.FormatFloat(e.T.Seconds(), 'f', -1, 64), "request %d", i)
		require.Equal(t, int32(i%3), e.Agent, "request %d is agent i mod count's", i)
	}
	// Rates: 100/s for 10 s, then 10/s for 10 s.
	cfg.Agents = AgentConfig{Count: 5, Arrival: TraceArrivals, Horizon: 20, Mix: []WorkloadType{{"A", 1, 1}},
		Trace: &TraceConfig{Rates: []RateStep{{0, 100}, {10, 10}}}}
	cfg.Workers.Count = 50
	_, rec = run(t, cfg)
	first, second := 0, 0
	for _, e := range rec.of(Created) {
		if e.T < at(10) {
			first++
		} else {
			second++
		}
	}
	require.InDelta(t, 1000, first, 100)
	require.InDelta(t, 100, second, 30)
}

func TestConcurrencyLaws(t *testing.T) {
	for _, law := range []ConcurrencyLaw{{Kind: LinearCost, Slope: 0.1}, {Kind: USL, Sigma: 0.2, Kappa: 0.05}} {
		cfg := testConfig()
		cfg.Agents = AgentConfig{Count: 1, Arrival: Burst, BurstSize: 3, RequestsPerAgent: 3,
			Think: Dist{Kind: Deterministic, Mean: 100}, Mix: []WorkloadType{{"A", 1, 1}}}
		cfg.Workers = WorkerConfig{Unbounded: true, Service: Dist{Kind: Deterministic, Mean: 1}, Concurrency: &law}
		_, rec := run(t, cfg)
		var got []float64
		for _, e := range rec.of(Responded) {
			got = append(got, e.Latency.Seconds())
		}
		var want []float64
		for n := 1.0; n <= 3; n++ { // the n-th starts with n in service
			if law.Kind == LinearCost {
				want = append(want, 1+0.1*n)
			} else {
				want = append(want, 1+0.2*(n-1)+0.05*n*(n-1))
			}
		}
		require.InDeltaSlice(t, want, got, 1e-9, law.Kind)
		require.Empty(t, rec.of(Rejected), "an unbounded pool never turns work away")
	}
}

// The steady-state hypothesis on hand-built timelines.
func TestSLOJudge(t *testing.T) {
	cfg := SLOConfig{Goodput: 50, Recovery: RecoveryConfig{Tolerance: 0.1, Hold: 2}}
	sc := &Schedule{start: at(10), end: at(15)}
	period := kernel.Second
	judge := func(tl []Sample, until kernel.Time) *SLOReport {
		j := newSLOJudge(cfg, kernel.Second, sc, until)
		for i := range tl {
			j.observe(&tl[i])
		}
		return j.report(period)
	}
	build := func(goodput func(t float64) float64) []Sample {
		var tl []Sample
		for x := 1.0; x <= 40; x++ {
			g := goodput(x)
			tl = append(tl, Sample{T: at(x), SLO: SLOSample{Evaluated: true, Goodput: g, Holds: g >= 50}})
		}
		return tl
	}
	held := judge(build(func(float64) float64 { return 100 }), 0)
	require.Equal(t, VerdictHeld, held.Verdict)
	require.True(t, held.HeldBefore)

	// Violated during the trigger, back to 100 from 18 on: recovered at 18,
	// 3 s after the trigger ended (held 2 s: 18, 19, 20).
	rec := judge(build(func(x float64) float64 {
		if x >= 11 && x < 18 {
			return 10
		}
		return 100
	}), 0)
	require.Equal(t, VerdictRecovered, rec.Verdict)
	require.Equal(t, 11.0, *rec.FirstViolation)
	require.Equal(t, 18.0, *rec.HeldAgain)
	require.Equal(t, 100.0, rec.Baseline)
	require.Equal(t, 18.0, *rec.RecoveredAt)
	require.Equal(t, 3.0, *rec.RecoveryTime)
	require.Equal(t, 7.0, rec.Violated)

	// A blip back within tolerance that does not hold for 2 s does not count.
	blip := judge(build(func(x float64) float64 {
		switch {
		case x >= 11 && x < 25 && x != 20:
			return 10
		}
		return 95
	}), 0)
	require.Equal(t, VerdictRecovered, blip.Verdict)
	require.Equal(t, 25.0, *blip.RecoveredAt)

	// Never back: metastable.
	meta := judge(build(func(x float64) float64 {
		if x >= 11 {
			return 5
		}
		return 100
	}), 0)
	require.Equal(t, VerdictMetastable, meta.Verdict)
	require.Nil(t, meta.RecoveredAt)
	// Judged only up to the horizon: too little after the trigger to say.
	short := judge(build(func(x float64) float64 {
		if x >= 11 {
			return 5
		}
		return 100
	}), at(16))
	require.Equal(t, VerdictUnjudged, short.Verdict)
	// Violated before the trigger.
	early := judge(build(func(x float64) float64 {
		if x == 3 {
			return 0
		}
		return 100
	}), 0)
	require.False(t, early.HeldBefore)
	require.Equal(t, VerdictRecovered, early.Verdict)
}
