package textbook

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/validate/queueing"
	"github.com/stretchr/testify/require"
)

func expQueue(name string, lambda float64, c, buffer int) Queue {
	return Queue{Name: name, Lambda: lambda, Service: model.Dist{Kind: model.Exponential, Mean: 1},
		Servers: c, Buffer: buffer, Percentile: 0.95}
}

func TestTheoryPicksTheModel(t *testing.T) {
	mm1, _ := queueing.MM1(0.5, 1)
	mmc, _ := queueing.MMc(3.2, 1, 4)
	mmcb, _ := queueing.MMcB(6, 1, 4, 20)
	md1, _ := queueing.MG1(0.45, 2, 0)
	mh1, _ := queueing.MG1(0.175, 2, 4)
	for _, tc := range []struct {
		q    Queue
		want []float64
		meas []string
	}{
		{expQueue("mm1", 0.5, 1, Infinite), []float64{mm1.Wq, mm1.W, queueing.MM1SojournQuantile(0.5, 1, 0.95)},
			[]string{MeasureWait, MeasureSojourn, "sojourn p95"}},
		{expQueue("mmc", 3.2, 4, Infinite), []float64{mmc.Wq, mmc.W, queueing.MMcSojournQuantile(3.2, 1, 4, 0.95)},
			[]string{MeasureWait, MeasureSojourn, "sojourn p95"}},
		{expQueue("mmcb", 6, 4, 20), []float64{mmcb.Blocking, mmcb.Wq, mmcb.W, queueing.MMcBSojournQuantile(6, 1, 4, 20, 0.95)},
			[]string{MeasureBlocking, MeasureWait, MeasureSojourn, "sojourn p95"}},
		{Queue{Name: "md1", Lambda: 0.45, Service: model.Dist{Kind: model.Deterministic, Mean: 2}, Servers: 1,
			Buffer: Infinite, Percentile: 0.9}, []float64{md1.Wq, md1.W, queueing.MD1WaitQuantile(0.45, 2, 0.9)},
			[]string{MeasureWait, MeasureSojourn, "wait p90"}},
		{Queue{Name: "mh1", Lambda: 0.175, Service: model.Dist{Kind: model.Hyperexponential, Mean: 2, CV: 2},
			Servers: 1, Buffer: Infinite}, []float64{mh1.Wq, mh1.W}, []string{MeasureWait, MeasureSojourn}},
	} {
		got, err := tc.q.Theory()
		require.NoError(t, err, tc.q.Name)
		require.Equal(t, tc.want, got, tc.q.Name)
		require.Equal(t, tc.meas, tc.q.measures(), tc.q.Name)
	}
}

func TestCheckRejects(t *testing.T) {
	ok := expQueue("ok", 0.5, 1, Infinite)
	require.NoError(t, ok.check())
	for _, tc := range []struct {
		edit func(*Queue)
		msg  string
	}{
		{func(q *Queue) { q.Name = "" }, "name"},
		{func(q *Queue) { q.Lambda = 0 }, "arrival rate"},
		{func(q *Queue) { q.Servers = 0 }, "server"},
		{func(q *Queue) { q.Buffer = -2 }, "buffer"},
		{func(q *Queue) { q.Buffer = model.MaxBuffer }, "buffer"},
		{func(q *Queue) { q.Percentile = 1 }, "percentile"},
		{func(q *Queue) { q.Lambda = 1 }, "unstable"},
		{func(q *Queue) { q.Service = model.Dist{Kind: model.Erlang, Mean: 1, K: 2}; q.Servers = 2 }, "M/G/1"},
		{func(q *Queue) { q.Service = model.Dist{Kind: model.Erlang, Mean: 1, K: 2}; q.Buffer = 5 }, "M/G/1"},
		{func(q *Queue) { q.Service = model.Dist{Kind: model.Erlang, Mean: 1, K: 2} }, "no exact percentile"},
		{func(q *Queue) { q.Service = model.Dist{Kind: model.Exponential} }, "workers.service.mean"},
		{func(q *Queue) { q.Service = model.Dist{Kind: model.Pareto, Mean: 1, Alpha: 1.5}; q.Percentile = 0 }, "infinite variance"},
	} {
		q := ok
		tc.edit(&q)
		err := q.check()
		require.Error(t, err, tc.msg)
		require.Contains(t, err.Error(), tc.msg)
		_, err = q.Theory()
		require.Error(t, err)
	}
	// Finite waiting rooms take any load.
	require.NoError(t, expQueue("over", 3, 1, 4).check())
}

// TestConfigIsTextbook: the scenario is an ordinary, valid model.Config with
// nothing but the queue acting, and QueueFromConfig reads it back.
func TestConfigIsTextbook(t *testing.T) {
	q := Queue{Name: "q", Lambda: 3, Service: model.Dist{Kind: model.Exponential, Mean: 0.5}, Servers: 2,
		Buffer: 7, Sources: 3, Percentile: 0.95}
	cfg := q.config(42, 100)
	require.NoError(t, cfg.Validate())
	require.Equal(t, uint64(42), cfg.Seed)
	require.Equal(t, 100.0, cfg.Agents.Horizon)
	require.Equal(t, model.Poisson, cfg.Agents.Arrival)
	require.Equal(t, model.Dist{Kind: model.Exponential, Mean: 1}, cfg.Agents.Think) // 3 sources at 1/s
	require.False(t, cfg.Throttle.Enabled)
	back, err := QueueFromConfig(cfg)
	require.NoError(t, err)
	require.Equal(t, q, back)

	inf := expQueue("inf", 0.5, 1, Infinite)
	cfg = inf.config(1, 10)
	require.Equal(t, model.MaxBuffer, cfg.Queue.Buffer)
	back, err = QueueFromConfig(cfg)
	require.NoError(t, err)
	inf.Sources = 1
	require.Equal(t, inf, back)

	for _, tc := range []struct {
		edit func(*model.Config)
		path string
	}{
		{func(c *model.Config) { c.Agents.Arrival = model.Closed }, "agents.arrival"},
		{func(c *model.Config) { c.Agents.Think.Kind = model.Deterministic }, "agents.think"},
		{func(c *model.Config) { c.Agents.Stagger = 1 }, "agents.stagger"},
		{func(c *model.Config) { c.Agents.Mix[0].Work = 2 }, "agents.mix"},
		{func(c *model.Config) { c.Queue.Timeout = 1 }, "queue.timeout"},
		{func(c *model.Config) { c.Workers.Overhead = 0.1 }, "workers.overhead"},
		{func(c *model.Config) { c.Workers.Slowdown = model.Slowdown{Alpha: 1, Gamma: 2} }, "workers.slowdown.alpha"},
		{func(c *model.Config) {
			c.Faults.SpikeProbability = 0.1
			c.Faults.SpikeDuration = model.Dist{Kind: model.Deterministic, Mean: 1}
		}, "faults.spike_probability"},
		{func(c *model.Config) { c.Faults.ErrorProbability = 0.1 }, "faults.error_probability"},
		{func(c *model.Config) { c.Throttle.Enabled = true }, "throttle.enabled"},
	} {
		cfg := q.config(1, 10)
		tc.edit(cfg)
		_, err := QueueFromConfig(cfg)
		require.Error(t, err, tc.path)
		require.Contains(t, err.Error(), tc.path)
	}
}

// TestCollector feeds a hand-made event stream: two agents, a warm-up at
// t = 10, one rejection, waits and sojourns known exactly.
func TestCollector(t *testing.T) {
	var c collector
	c.reset(2, 10, collect{sojourn: true})
	ev := func(at kernel.Time, typ model.EventType, agent, seq int32, lat kernel.Duration) {
		c.Observe(model.Event{T: at, Type: typ, Agent: agent, Seq: seq, Latency: lat})
	}
	ev(5, model.Created, 0, 0, 0) // before the warm-up: ignored
	ev(5, model.Enqueued, 0, 0, 0)
	ev(5, model.Started, 0, 0, 0)
	ev(10, model.Created, 1, 0, 0) // counted from here on
	ev(10, model.Enqueued, 1, 0, 0)
	ev(12, model.Created, 0, 1, 0)
	ev(12, model.Enqueued, 0, 1, 0)
	ev(13, model.Created, 1, 1, 0)
	ev(13, model.Rejected, 1, 1, 0)
	ev(14, model.Completed, 0, 0, 9)
	ev(14, model.Started, 1, 0, 0) // waited 4
	ev(20, model.Completed, 1, 0, 10)
	ev(20, model.Started, 0, 1, 0) // waited 8
	ev(21, model.Completed, 0, 1, 9)
	require.Equal(t, 3, c.Counted)
	require.Equal(t, 1, c.Rejected)
	require.Equal(t, 2, c.Accepted)
	require.Equal(t, 12.0, c.WaitSum)
	require.Equal(t, 19.0, c.SojournSum)
	require.Zero(t, c.Unexpected)
	require.Equal(t, kernel.Duration(9), quantile(c.sojourns, 0.5))
	require.Equal(t, kernel.Duration(10), quantile(c.sojourns, 0.51))
	ev(22, model.Failed, 0, 1, 0)
	require.Equal(t, 1, c.Unexpected)

	// Reset keeps nothing but buffers; wait samples when asked.
	c.reset(1, 0, collect{wait: true})
	require.Zero(t, c.Counted)
	ev(0, model.Created, 0, 0, 0)
	ev(3, model.Started, 0, 0, 0)
	require.Equal(t, kernel.Duration(3), quantile(c.waits, 0.95))
}

// TestCollectorFront: attempts, requests whose every attempt was lost, and
// the wait at the server (Started − the last Sent).
func TestCollectorFront(t *testing.T) {
	var c collector
	c.reset(1, 10, collect{sent: true})
	c.lossy = true
	ev := func(at kernel.Time, typ model.EventType, seq int32, why model.FailureKind) {
		c.Observe(model.Event{T: at, Type: typ, Seq: seq, Failure: why})
	}
	ev(5, model.Created, 0, 0) // before the warm-up
	ev(5, model.Sent, 0, 0)
	ev(10, model.Created, 1, 0)
	ev(10, model.Sent, 1, 0)
	ev(12, model.Sent, 1, 0) // a retry
	ev(13, model.Started, 1, 0)
	ev(14, model.Completed, 1, 0)
	ev(15, model.Started, 0, 0) // waited 10 at the server, but not counted
	ev(20, model.Created, 2, 0)
	ev(20, model.Sent, 2, 0)
	ev(30, model.Failed, 2, model.ClientTimeout)
	require.Equal(t, [3]int{2, 3, 1}, [3]int{c.Counted, c.Attempts, c.Failed})
	require.Equal(t, kernel.Duration(1), c.ServerWaitMax)
	require.Equal(t, 3.0, c.WaitSum)
	require.Zero(t, c.Unexpected)
	c.lossy = false
	ev(31, model.Failed, 2, model.ClientTimeout)
	require.Equal(t, 1, c.Unexpected, "without a lossy network a timeout is unexpected")
}

func TestReplicateMeasuresTheQueue(t *testing.T) {
	// Erlang B with one server: nobody waits, and the sojourn is the service.
	q := expQueue("loss", 1, 1, 0)
	rep, err := q.simulate(7, 10, 20000)
	require.NoError(t, err)
	require.Len(t, rep.Values, 4)
	require.InDelta(t, 0.5, rep.Values[0], 0.02, "blocking a/(1+a)")
	require.Equal(t, 0.0, rep.Values[1], "no wait without a waiting room")
	require.InDelta(t, 1, rep.Values[2], 0.03)
	require.InDelta(t, -math.Log(0.05), rep.Values[3], 0.15)
	require.InDelta(t, float64(rep.Counted)*rep.Values[0], float64(rep.Rejected), 1e-9)

	_, err = Queue{Name: "bad"}.simulate(1, 0, 10)
	require.Error(t, err)
}

// TestReplicationGolden pins the per-replication values bit for bit: they
// come from model.Run, integer times and additions only, so they are the same
// on every architecture.
func TestReplicationGolden(t *testing.T) {
	var b strings.Builder
	for _, q := range []Queue{
		expQueue("M/M/2/6", 2.4, 2, 4),
		{Name: "M/D/1", Lambda: 0.7, Service: model.Dist{Kind: model.Deterministic, Mean: 1}, Servers: 1,
			Buffer: Infinite, Percentile: 0.9},
		{Name: "M/H2/1", Lambda: 0.6, Service: model.Dist{Kind: model.Hyperexponential, Mean: 1, CV: 2}, Servers: 1,
			Buffer: Infinite, Sources: 3},
	} {
		root := q.seed(1)
		for r := 0; r < 2; r++ {
			rep, err := q.simulate(replicate.Seed(root, r), 50, 2000)
			require.NoError(t, err)
			fmt.Fprintf(&b, "%s rep %d: counted %d rejected %d values %v\n", q.Name, r, rep.Counted, rep.Rejected, rep.Values)
		}
	}
	goldentest.Check(t, "testdata/replications.golden", []byte(b.String()))
}

// TestLittleOnTextbookQueue: model.Report's Little's-law check holds on a
// textbook queue (exactly, since a run starts and ends empty), and L, λ_eff
// and W agree with M/M/1 theory within sampling error.
func TestLittleOnTextbookQueue(t *testing.T) {
	q := expQueue("M/M/1 ρ=0.7", 0.7, 1, Infinite)
	rep, err := model.Run(q.config(3, 3e5), model.Options{})
	require.NoError(t, err)
	l := rep.Little
	require.Less(t, l.RelErr, 1e-9)
	require.InDelta(t, l.L, l.LambdaEff*l.W, 1e-9*l.L)
	th, _ := queueing.MM1(0.7, 1)
	// Relative standard errors over 3·10⁵ s are about 1.3% for L and W.
	require.InEpsilon(t, th.L, l.L, 0.06)
	require.InEpsilon(t, th.W, l.W, 0.06)
	require.InEpsilon(t, th.Throughput, l.LambdaEff, 0.01)
}

func TestWarmUpRule(t *testing.T) {
	mm1 := func(rho float64) Queue { return expQueue("q", rho, 1, Infinite) }
	// τ = 1/(μ(1−√ρ)²) for M/M/1, at least 1/μ.
	require.InDelta(t, 1/math.Pow(1-math.Sqrt(0.9), 2), mm1(0.9).relaxationTime(), 1e-9)
	require.Equal(t, 1.0, expQueue("q", 32, 64, Infinite).relaxationTime(), "no faster than the service")
	// Heavier traffic, longer warm-up; ½ln(1/π₀)+5 relaxation times.
	require.Less(t, mm1(0.5).warmUp(), mm1(0.9).warmUp())
	q := mm1(0.98)
	want := q.relaxationTime() * (math.Log(50)/2 + 5)
	require.GreaterOrEqual(t, q.warmUp(), want)
	require.Less(t, q.warmUp(), want*1.1)
	// A finite waiting room relaxes faster than an infinite one.
	require.Less(t, expQueue("f", 0.98, 1, 20).relaxationTime(), q.relaxationTime())
	// Deterministic service halves it (Kingman's (1+scv)/2).
	d := Queue{Name: "d", Lambda: 0.9, Service: model.Dist{Kind: model.Deterministic, Mean: 1}, Servers: 1, Buffer: Infinite}
	require.InDelta(t, mm1(0.9).relaxationTime()/2, d.relaxationTime(), 1e-9)
	// ln(1/π₀) against the direct sum for M/M/3/(3+5).
	lambda, c, b := 2.5, 3, 5
	var s, term float64 = 0, 1
	for n := 0; n <= c+b; n++ {
		s += term
		term *= lambda / float64(min(n+1, c))
	}
	require.InDelta(t, math.Log(s), expQueue("p0", lambda, c, b).logInvP0(), 1e-12)
	require.InDelta(t, -math.Log(1-0.9), mm1(0.9).logInvP0(), 1e-12)
	// No overflow or underflow at extreme loads.
	for _, q := range []Queue{expQueue("tiny", 1e-3, 64, 0), expQueue("huge", 5e4, 1000, 10), expQueue("over", 100, 1, 500)} {
		w := q.warmUp()
		require.False(t, math.IsInf(w, 0) || math.IsNaN(w) || w <= 0, "%s: %g", q.Name, w)
	}

	for _, x := range []float64{0.0123, 1, 99.01, 100, 4.5e5} {
		r := roundUp2(x)
		require.GreaterOrEqual(t, r, x)
		require.Less(t, r, x*1.1+1e-12)
	}
	require.Equal(t, 100.0, roundUp2(100))
	require.Equal(t, 110.0, roundUp2(100.5))
}

// BenchmarkReplicate: one replication of M/M/1 at ρ = 0.9 (about 10⁵
// requests) measured by a Collector with its percentile, against model.Run
// with no sink as the yardstick.
func BenchmarkReplicate(b *testing.B) {
	q := expQueue("M/M/1 ρ=0.9", 0.9, 1, Infinite)
	const length = 1e5 / 0.9
	report := func(b *testing.B, requests int) {
		b.ReportMetric(float64(requests)/b.Elapsed().Seconds(), "requests/s")
	}
	b.Run("yardstick-bare-run", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for i := 0; i < b.N; i++ {
			rep, err := model.Run(q.config(uint64(i), length), model.Options{})
			require.NoError(b, err)
			n += int(rep.Created)
		}
		report(b, n)
	})
	b.Run("collector", func(b *testing.B) {
		b.ReportAllocs()
		var r queueReplicator
		n := 0
		for i := 0; i < b.N; i++ {
			rep, err := r.replicate(q, uint64(i), 0, length)
			require.NoError(b, err)
			n += rep.Counted
		}
		report(b, n)
	})
}

// frontQueues are the three client and network variants of issue 12, small.
func frontQueues() (pool, loss, lossK, delay Queue) {
	pool = expQueue("pool", 3.2, 8, Infinite)
	pool.Pool = 4
	loss = expQueue("loss", 0.5, 1, Infinite)
	loss.Percentile, loss.Loss, loss.Timeout, loss.Attempts = 0, 0.2, 60, 100
	lossK = expQueue("lossK", 1.2, 2, Infinite)
	lossK.Percentile, lossK.Loss, lossK.Timeout, lossK.Attempts = 0, 0.3, 40, 3
	delay = expQueue("delay", 0.7, 1, Infinite)
	delay.Delay = 0.25
	return
}

// TestFrontTheory: a pool of N < c is M/M/N; a lossy network adds the
// truncated geometric number of lost attempts, each costing the timeout,
// to a queue fed at λ(1−p^m); a delay adds d to waits and 2d to sojourns.
func TestFrontTheory(t *testing.T) {
	pool, loss, lossK, delay := frontQueues()
	mm4, _ := queueing.MMc(3.2, 1, 4)
	got, err := pool.Theory()
	require.NoError(t, err)
	require.Equal(t, []string{MeasureWait, MeasureSojourn, "wait p95", "sojourn p95", MeasureServerWait}, pool.measures())
	require.Equal(t, []float64{mm4.Wq, mm4.W, queueing.MMcWaitQuantile(3.2, 1, 4, 0.95),
		queueing.MMcSojournQuantile(3.2, 1, 4, 0.95), 0}, got)
	require.InDelta(t, 0.8, pool.rho(), 1e-15)

	mm1, _ := queueing.MM1(0.5, 1)
	got, err = loss.Theory()
	require.NoError(t, err)
	require.Equal(t, []string{MeasureAttempts, MeasureWait, MeasureSojourn}, loss.measures(), "p^100: no failures to measure")
	// E[attempts] = 1/(1−p) = 1.25; E[lost before success] = p/(1−p) = 0.25.
	require.InDeltaSlice(t, []float64{1.25, 60*0.25 + mm1.Wq, 60*0.25 + mm1.W}, got, 1e-12)

	// m = 3, p = 0.3: attempts 1 + p + p², failed p³, lost before success
	// (p(1−p) + 2p²(1−p))/(1−p³); the server sees λ(1−p³).
	mm2, _ := queueing.MMc(1.2*(1-0.027), 1, 2)
	lost := (0.3*0.7 + 2*0.09*0.7) / (1 - 0.027)
	got, err = lossK.Theory()
	require.NoError(t, err)
	require.Equal(t, []string{MeasureAttempts, MeasureFailed, MeasureWait, MeasureSojourn}, lossK.measures())
	require.InDeltaSlice(t, []float64{1.39, 0.027, 40*lost + mm2.Wq, 40*lost + mm2.W}, got, 1e-12)

	mm1, _ = queueing.MM1(0.7, 1)
	got, err = delay.Theory()
	require.NoError(t, err)
	require.Equal(t, []string{MeasureWait, MeasureSojourn, "sojourn p95", MeasureShift}, delay.measures())
	require.Equal(t, []float64{mm1.Wq + 0.25, mm1.W + 0.5, queueing.MM1SojournQuantile(0.7, 1, 0.95) + 0.5, 0}, got)

	// A lossy network's warm-up waits for the arrivals of the timeouts
	// too: k·T with p^k ≤ 10⁻⁹ (k = 13 for p = 0.2), at most m−1.
	plain := loss
	plain.Loss, plain.Timeout, plain.Attempts = 0, 0, 0
	require.Equal(t, roundUp2(plain.relaxationTime()*(plain.logInvP0()/2+5)+13*60), loss.warmUp())
	require.Equal(t, roundUp2(lossK.relaxationTime()*(lossK.logInvP0()/2+5)+2*40), lossK.warmUp())
}

func TestFrontCheckRejects(t *testing.T) {
	pool, loss, _, delay := frontQueues()
	for _, tc := range []struct {
		q    Queue
		edit func(*Queue)
		msg  string
	}{
		{pool, func(q *Queue) { q.Delay = 1 }, "one at a time"},
		{loss, func(q *Queue) { q.Pool = 2 }, "one at a time"},
		{pool, func(q *Queue) { q.Buffer = 10 }, "infinite waiting room"},
		{delay, func(q *Queue) { q.Service = model.Dist{Kind: model.Deterministic, Mean: 1} }, "M/M/c"},
		{pool, func(q *Queue) { q.Pool = -1 }, "negative pool"},
		{delay, func(q *Queue) { q.Delay = math.Inf(1) }, "delay"},
		{loss, func(q *Queue) { q.Loss = 1 }, "loss"},
		{loss, func(q *Queue) { q.Timeout = 0 }, "timeout"},
		{loss, func(q *Queue) { q.Attempts = 0 }, "attempts"},
		{loss, func(q *Queue) { q.Attempts = 101 }, "attempts"},
		{loss, func(q *Queue) { q.Percentile = 0.9 }, "percentile"},
		{loss, func(q *Queue) { q.Timeout = 20 }, "not above the sojourn"},
		{pool, func(q *Queue) { q.Pool, q.Lambda = 2, 2 }, "unstable"},
	} {
		q := tc.q
		tc.edit(&q)
		_, err := q.Describe()
		require.ErrorContains(t, err, tc.msg)
	}
	for _, q := range []Queue{pool, loss, delay} {
		_, err := q.Describe()
		require.NoError(t, err, q.Name)
	}
}

// TestFrontConfig: each variant is an ordinary scenario with the client and
// network it stands for, and QueueFromConfig reads it back; anything else
// in those sections is refused with its field.
func TestFrontConfig(t *testing.T) {
	pool, loss, lossK, delay := frontQueues()
	cfg := pool.config(1, 10)
	require.Equal(t, model.PoolConfig{MaxConnections: 4}, cfg.Client.Pool)
	cfg = lossK.config(1, 10)
	require.Equal(t, 40.0, cfg.Client.Timeouts.Attempt)
	require.Equal(t, model.RetryConfig{MaxAttempts: 3, On: []string{"CLIENT_TIMEOUT"}}, cfg.Client.Retry)
	require.Equal(t, []model.Toxic{{Type: model.ToxicLoss, Direction: model.DirRequest, P: 0.3}}, cfg.Network.Toxics)
	cfg = delay.config(1, 10)
	require.Equal(t, model.Dist{Kind: model.Deterministic, Mean: 0.25}, *cfg.Network.Toxics[0].Latency)
	for _, q := range []Queue{pool, loss, lossK, delay} {
		cfg := q.config(5, 100)
		require.NoError(t, cfg.Validate(), q.Name)
		back, err := QueueFromConfig(cfg)
		require.NoError(t, err, q.Name)
		q.Sources = 1
		require.Equal(t, q, back, q.Name)
	}

	one := 1.0
	half := 0.5
	for _, tc := range []struct {
		q    Queue
		edit func(*model.Config)
		path string
	}{
		{pool, func(c *model.Config) { c.Client.Pool.AcquireTimeout = 1 }, "client.pool"},
		{pool, func(c *model.Config) { c.Client.Pool.Waiters = model.Random }, "client.pool"},
		{pool, func(c *model.Config) { c.Client.Timeouts.Attempt = 100 }, "client.timeouts"},
		{pool, func(c *model.Config) { c.Network = delay.network() }, "network.toxics"},
		{loss, func(c *model.Config) { c.Client.Retry.Backoff = model.BackoffConfig{Base: 1, Multiplier: 2, Max: 5} }, "client.retry"},
		{loss, func(c *model.Config) { c.Client.Retry.On = []string{"CLIENT_TIMEOUT", "QUEUE_OVERFLOW"} }, "client.retry.on"},
		{loss, func(c *model.Config) { c.Client.Timeouts.AttemptLaw = model.Exponential }, "client.timeouts"},
		{loss, func(c *model.Config) { c.Client.Breaker = model.BreakerConfig{ConsecutiveFailures: 3, OpenFor: 1} }, "client.breaker"},
		{loss, func(c *model.Config) { c.Network.Toxics[0].Direction = model.DirBoth }, "network.toxics[0].direction"},
		{loss, func(c *model.Config) { c.Network.Toxics[0].Toxicity = &half }, "network.toxics[0].toxicity"},
		{loss, func(c *model.Config) {
			c.Network.Toxics[0] = model.Toxic{Type: model.ToxicLoss, Direction: model.DirRequest, Model: model.GilbertElliott, P: 0.1, R: 0.5}
		}, "network.toxics[0].model"},
		{delay, func(c *model.Config) { c.Network.Toxics[0].Jitter = 0.1 }, "network.toxics[0].latency"},
		{delay, func(c *model.Config) {
			c.Network.Toxics[0].Toxicity = &one
			c.Network.Toxics[0].Direction = model.DirRequest
		}, "network.toxics[0].direction"},
		{delay, func(c *model.Config) { c.Network.Toxics = append(c.Network.Toxics, c.Network.Toxics[0]) }, "network.toxics"},
		{delay, func(c *model.Config) {
			c.Network.Toxics[0] = model.Toxic{Type: model.ToxicReset, Direction: model.DirResponse}
		}, "network.toxics[0].type"},
		{delay, func(c *model.Config) { c.Client.Timeouts.Attempt = 10 }, "client"},
		{expQueue("q", 0.5, 1, Infinite), func(c *model.Config) { c.Client.Timeouts.Attempt = 10 }, "client"},
		{expQueue("q", 0.5, 1, Infinite), func(c *model.Config) { c.Queue.Discipline = model.DisciplineLIFO }, "queue.discipline"},
		{expQueue("q", 0.5, 1, 5), func(c *model.Config) { c.Queue.CoDel = &model.CoDelConfig{} }, "queue.codel"},
		{expQueue("q", 0.5, 1, Infinite), func(c *model.Config) {
			c.Agents.Groups = []model.AgentGroup{{Name: "a", Count: 1}}
		}, "agents.groups"},
		{expQueue("q", 0.5, 1, Infinite), func(c *model.Config) {
			c.Schedule = model.ScheduleConfig{{At: 1, For: 1, Slowdown: 2}}
		}, "schedule"},
	} {
		cfg := tc.q.config(1, 10)
		tc.edit(cfg)
		_, err := QueueFromConfig(cfg)
		require.Error(t, err, tc.path)
		require.Contains(t, err.Error(), tc.path+" ", tc.path)
	}
}

// TestFrontReplications: one replication of each variant measures what
// the theory says, within sampling error, and the exact checks hold
// exactly.
func TestFrontReplications(t *testing.T) {
	pool, loss, lossK, delay := frontQueues()
	rep, err := pool.simulate(3, 200, 20000)
	require.NoError(t, err)
	require.Zero(t, rep.Values[4], "no attempt waits at the server behind the pool")
	th, _ := pool.Theory()
	require.InEpsilon(t, th[1], rep.Values[1], 0.1)

	rep, err = loss.simulate(3, 800, 20000)
	require.NoError(t, err)
	require.InDelta(t, 1.25, rep.Values[0], 0.02)
	rep, err = lossK.simulate(3, 100, 10000)
	require.NoError(t, err)
	require.InDelta(t, 0.027, rep.Values[1], 0.006)

	rep, err = delay.simulate(3, 200, 5000)
	require.NoError(t, err)
	require.Zero(t, rep.Values[3], "every sojourn is its twin's plus 2d")
	// The check can fail: a delay of 0.3 s is 0.1 s off 2·0.25 s, for every
	// request.
	var r queueReplicator
	twin, slower := delay, delay
	twin.Delay, slower.Delay = 0, 0.3
	require.NoError(t, r.twin.run(twin, 3, 200, 5000, collect{latencies: true}))
	require.NoError(t, r.c.run(slower, 3, 200, 5000, collect{latencies: true}))
	shift, err := r.c.shiftFrom(&r.twin, kernel.Seconds(0.5))
	require.NoError(t, err)
	require.Equal(t, kernel.Seconds(0.1), shift)

	// A timeout the server's sojourns can outlast: zombies, refused.
	short := loss
	short.Timeout = 5
	_, err = r.replicate(short, 3, 100, 5000)
	require.ErrorContains(t, err, "timed out")
}

// TestFrontReplicationGolden pins one short replication of each client and
// network variant bit for bit, on every architecture.
func TestFrontReplicationGolden(t *testing.T) {
	var b strings.Builder
	pool, loss, lossK, delay := frontQueues()
	for _, q := range []Queue{pool, loss, lossK, delay} {
		rep, err := q.simulate(replicate.Seed(q.seed(1), 0), 100, 1000)
		require.NoError(t, err)
		fmt.Fprintf(&b, "%s: counted %d values %v\n", q.Name, rep.Counted, rep.Values)
	}
	goldentest.Check(t, "testdata/front.golden", []byte(b.String()))
}
