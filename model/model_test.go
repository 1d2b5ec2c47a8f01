package model

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/agentchaos/agentchaos/kernel"
	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/stretchr/testify/require"
)

// recorder is a Sink that keeps every event.
type recorder struct{ evs []Event }

func (r *recorder) Observe(e Event) { r.evs = append(r.evs, e) }

func (r *recorder) of(t EventType) []Event {
	var out []Event
	for _, e := range r.evs {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// testConfig is a small valid configuration: deterministic everything, so
// tests can predict each event.
// sec is the instant n seconds into a run.
func sec(n float64) kernel.Time { return kernel.Time(kernel.Seconds(n)) }

func testConfig() *Config {
	return &Config{
		Name: "test", Seed: 7,
		Agents: AgentConfig{
			Count: 1, Arrival: Burst, BurstSize: 10, RequestsPerAgent: 10,
			Think: Dist{Kind: Deterministic, Mean: 100},
			Mix:   []WorkloadType{{Name: "ONLY", Weight: 1, Work: 1}},
		},
		Queue:   QueueConfig{Buffer: 3},
		Workers: WorkerConfig{Count: 1, Service: Dist{Kind: Deterministic, Mean: 1}},
		Detector: DetectorConfig{Period: 0.05, Window: 1, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
			GrowthSamples: 3, P95Growth: 1, MinWindowSamples: 20, FinalFraction: 0.05},
	}
}

func run(t *testing.T, cfg *Config) (Report, *recorder) {
	t.Helper()
	rec := &recorder{}
	r, err := Run(cfg, Options{Sinks: []Sink{rec}})
	require.NoError(t, err)
	return r, rec
}

func TestOverflowAtExactlyTheBufferSize(t *testing.T) {
	for _, buffer := range []int{0, 1, 3, 7} {
		cfg := testConfig()
		cfg.Queue.Buffer = buffer
		r, rec := run(t, cfg)
		// One request goes straight to the worker, buffer more wait, the rest
		// of the burst is turned away at once.
		require.Len(t, rec.of(Enqueued), 1+buffer, "buffer %d", buffer)
		rej := rec.of(Rejected)
		require.Len(t, rej, 10-1-buffer)
		for _, e := range rej {
			require.Equal(t, QueueOverflow, e.Failure)
			require.Equal(t, 503, e.Failure.Status())
			require.Equal(t, kernel.Time(0), e.T)
			require.Equal(t, int32(buffer), e.Depth, "rejected only when the buffer is full")
		}
		require.Equal(t, uint64(10-1-buffer), r.FailedBy.QueueOverflow)
		require.Equal(t, uint64(1+buffer), r.Served)
	}
}

func TestFIFOAndWorkerHandOff(t *testing.T) {
	cfg := testConfig()
	cfg.Queue.Buffer = 6
	cfg.Workers.Count = 2
	_, rec := run(t, cfg)
	started := rec.of(Started)
	require.Len(t, started, 8)
	for i, e := range started {
		require.Equal(t, int32(i), e.Seq, "requests start in arrival order")
	}
	// Workers 0 and 1 start at once; then each completion hands the worker
	// straight to the oldest waiting request at the same instant.
	require.Equal(t, []int32{0, 1}, []int32{started[0].Worker, started[1].Worker})
	for i := 2; i < len(started); i++ {
		require.Equal(t, kernel.Time(i/2)*kernel.Time(kernel.Second), started[i].T)
	}
	var last = map[int32]kernel.Time{}
	for _, e := range rec.evs {
		if e.Type == Responded {
			last[e.Worker] = e.T
		}
		if e.Type == Started && e.T > 0 {
			require.Equal(t, last[e.Worker], e.T, "worker %d idles between requests", e.Worker)
		}
	}
	// Depth as seen by the stream: it rises with each enqueue, falls with each start.
	depth := int32(0)
	for _, e := range rec.evs {
		switch {
		case e.Type == Enqueued && e.T == 0 && e.Seq >= 2:
			depth++
		case e.Type == Started && e.T > 0:
			depth--
		}
		require.Equal(t, depth, e.Depth, "event %+v", e)
	}
}

func TestLatencyIsCompletionMinusCreation(t *testing.T) {
	cfg := testConfig()
	_, rec := run(t, cfg)
	for i, e := range rec.of(Completed) {
		require.Equal(t, kernel.Duration(i+1)*kernel.Second, e.Latency)
	}
}

func TestQueueTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.Queue.Timeout = 1.5 // the 2nd waiting request would start at 2s
	r, rec := run(t, cfg)
	// seq 0 starts at 0, seq 1 at 1s; seqs 2, 3 time out at 1.5s: the
	// server answers 504, and the requests fail with it.
	var timedOut []Event
	for _, e := range rec.of(Failed) {
		if e.Failure == TimedOut {
			timedOut = append(timedOut, e)
			require.Equal(t, kernel.Duration(kernel.Seconds(1.5)), e.Latency)
		}
	}
	require.Len(t, timedOut, 2)
	answers := rec.of(Responded)
	require.Len(t, answers, 4)
	for _, e := range answers[1:3] { // between seq 0's answer at 1s and seq 1's at 2s
		require.Equal(t, TimedOut, e.Failure)
		require.Equal(t, 504, e.Failure.Status())
		require.Equal(t, int32(-1), e.Worker)
		require.Equal(t, kernel.Time(kernel.Seconds(1.5)), e.T)
	}
	require.Equal(t, uint64(2), r.Served)
	require.Equal(t, uint64(2), r.FailedBy.QueueTimeout)
	require.Equal(t, uint64(6), r.FailedBy.QueueOverflow)
	require.InDelta(t, r.Little.L, r.Little.LambdaW, 1e-9)
}

func TestClosedLoopThinkAndBudget(t *testing.T) {
	cfg := testConfig()
	cfg.Agents.Arrival, cfg.Agents.BurstSize, cfg.Agents.RequestsPerAgent = Closed, 0, 3
	cfg.Agents.Think = Dist{Kind: Deterministic, Mean: 2}
	_, rec := run(t, cfg)
	var created []kernel.Time
	for _, e := range rec.of(Created) {
		created = append(created, e.T)
	}
	// service 1s, think 2s: a request every 3s, three in all.
	require.Equal(t, []kernel.Time{0, sec(3), sec(6)}, created)
}

func TestBackoffAfterFailures(t *testing.T) {
	cfg := testConfig()
	cfg.Agents.Arrival, cfg.Agents.BurstSize, cfg.Agents.RequestsPerAgent = Closed, 0, 4
	cfg.Agents.Think = Dist{Kind: Deterministic, Mean: 2}
	cfg.Agents.Backoff = BackoffConfig{Base: 1, Multiplier: 3, Max: 5, On: []string{"FAULT_ERROR"}}
	cfg.Faults.ErrorProbability = 1 // every request fails after service
	_, rec := run(t, cfg)
	var created []kernel.Time
	for _, e := range rec.of(Created) {
		created = append(created, e.T)
	}
	// service 1s, then backoff 1s, 3s, 5s (capped) instead of thinking.
	require.Equal(t, []kernel.Time{0, sec(2), sec(6), sec(12)}, created)
	for _, e := range rec.of(Failed) {
		require.Equal(t, FaultError, e.Failure)
		require.Equal(t, 500, e.Failure.Status())
	}
}

// With backoff only on overload signals (503, 504), a fault decision changes
// nothing but the request's own outcome: every event happens at the same
// instant whatever the error probability. This is what lets calibration set
// a scenario's fault intensity without disturbing its dynamics.
func TestFaultsDoNotFeedBackWithoutBackoffOnThem(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 30, Arrival: Closed, RequestsPerAgent: 30,
		Think: Dist{Kind: Exponential, Mean: 0.05}, Mix: []WorkloadType{{"A", 1, 1}, {"B", 1, 2}},
		Backoff: BackoffConfig{Base: 0.1, Multiplier: 2, Max: 1, Jitter: 1, On: []string{"QUEUE_OVERFLOW", "QUEUE_TIMEOUT"}}}
	cfg.Queue = QueueConfig{Buffer: 5, Timeout: 0.2}
	cfg.Workers = WorkerConfig{Count: 2, Service: Dist{Kind: Exponential, Mean: 0.01}, Slowdown: Slowdown{Alpha: 1, Gamma: 2}}
	cfg.Throttle = ThrottleConfig{Enabled: true, Degraded: 0.05, Collapsed: 0.2}
	base, recBase := run(t, cfg)
	cfg.Faults.ErrorProbability = 0.3
	faulty, recFaulty := run(t, cfg)
	require.Positive(t, base.FailedBy.QueueOverflow)
	require.Positive(t, faulty.FailedBy.FaultError)
	require.Len(t, recFaulty.evs, len(recBase.evs))
	for i, e := range recBase.evs {
		f := recFaulty.evs[i]
		if e.Type == Completed && f.Type == Failed || e.Type == Responded && f.Failure == FaultError {
			require.Equal(t, FaultError, f.Failure)
			f.Type, f.Failure = e.Type, NoFailure
		}
		require.Equal(t, e, f, "event %d", i)
	}
	require.Equal(t, base.Latency, faulty.Latency, "latency covers served and fault-failed requests alike")
	require.Equal(t, base.FinalState, faulty.FinalState)
	require.Equal(t, base.TraceHash, faulty.TraceHash)

	// Backing off on faults too makes them feed back.
	cfg.Agents.Backoff.On = append(cfg.Agents.Backoff.On, "FAULT_ERROR")
	fed, _ := run(t, cfg)
	require.NotEqual(t, base.TraceHash, fed.TraceHash)
}

func TestPressureSlowdown(t *testing.T) {
	cfg := testConfig()
	cfg.Queue.Buffer = 4
	cfg.Workers.Slowdown = Slowdown{Alpha: 1, Gamma: 1}
	cfg.Agents.BurstSize, cfg.Agents.RequestsPerAgent = 5, 5
	_, rec := run(t, cfg)
	started := rec.of(Started)
	// Service of a request starting with d requests left waiting is
	// 1·(1 + d/4) seconds: request 0 finds the queue empty; request 1 leaves
	// 3 behind it, request 2 leaves 2, request 3 leaves 1.
	want := []float64{0, 1, 0, 0, 0}
	want[2] = want[1] + 1 + 3.0/4
	want[3] = want[2] + 1 + 2.0/4
	want[4] = want[3] + 1 + 1.0/4
	for i := 1; i < 5; i++ {
		require.Equal(t, kernel.Time(kernel.Seconds(want[i])), started[i].T, "start of request %d", i)
	}
}

// Adding an agent must leave every other request's draws, and so its fault
// decision, unchanged: keyed streams, not a shared generator.
func TestFaultDecisionsIndependentOfOtherAgents(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 5, Arrival: Closed, RequestsPerAgent: 40,
		Think: Dist{Kind: Exponential, Mean: 0.5}, Mix: []WorkloadType{{"A", 1, 1}, {"B", 1, 2}}}
	cfg.Queue.Buffer = 100
	cfg.Workers = WorkerConfig{Count: 2, Service: Dist{Kind: Exponential, Mean: 0.1}}
	cfg.Faults.ErrorProbability = 0.3
	outcome := func(c *Config) map[[2]int32]bool {
		_, rec := run(t, c)
		m := map[[2]int32]bool{}
		for _, e := range rec.evs {
			if e.Type == Completed || e.Type == Failed {
				m[[2]int32{e.Agent, e.Seq}] = e.Type == Failed
			}
		}
		return m
	}
	a := outcome(cfg)
	more := *cfg
	more.Agents.Count = 6
	b := outcome(&more)
	require.Len(t, a, 5*40)
	fails := 0
	for k, failed := range a {
		require.Equal(t, failed, b[k], "request %v", k)
		if failed {
			fails++
		}
	}
	require.InDelta(t, 0.3*200, fails, 25)
	// And the draws themselves are a function of (seed, agent, seq) alone.
	require.Equal(t, drawsOf(t, cfg, 3, 17), drawsOf(t, &more, 3, 17))
}

func TestDeterministicReportAcrossGOMAXPROCS(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 50, Arrival: Closed, RequestsPerAgent: 40, Stagger: 0.5,
		Think: Dist{Kind: Exponential, Mean: 0.2}, Mix: []WorkloadType{{"A", 2, 1}, {"B", 1, 2.5}},
		Backoff: BackoffConfig{Base: 0.1, Multiplier: 2, Max: 1, Jitter: 1, On: []string{"QUEUE_OVERFLOW"}}}
	cfg.Queue.Buffer = 20
	cfg.Workers = WorkerConfig{Count: 3, Service: Dist{Kind: LogNormal, Mean: 0.01, CV: 0.5}, Overhead: 0.002,
		Slowdown: Slowdown{Alpha: 1, Gamma: 2}}
	cfg.Faults = FaultConfig{SpikeProbability: 0.05, SpikeDuration: Dist{Kind: Exponential, Mean: 0.05}, ErrorProbability: 0.1}
	cfg.Throttle = ThrottleConfig{Enabled: true, Degraded: 0.05, Collapsed: 0.2}
	var outs []string
	for _, procs := range []int{1, 2, 1} {
		old := runtime.GOMAXPROCS(procs)
		r, err := Run(cfg, Options{})
		runtime.GOMAXPROCS(old)
		require.NoError(t, err)
		b, err := json.Marshal(r)
		require.NoError(t, err)
		outs = append(outs, string(b))
	}
	require.Equal(t, outs[0], outs[1])
	require.Equal(t, outs[0], outs[2])
	other := *cfg
	other.Seed++
	r, _ := Run(&other, Options{})
	b, _ := json.Marshal(r)
	require.NotEqual(t, outs[0], string(b), "a different seed gives a different run")
}

func TestRunRejectsInvalidConfig(t *testing.T) {
	cfg := testConfig()
	cfg.Workers.Count = 0
	_, err := Run(cfg, Options{})
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "workers.count", fe.Path)
}

func TestSketchErrorBound(t *testing.T) {
	var s sketch
	var exact []int64
	r := kernel.NewStream(3, "sketch")
	for i := 0; i < 20000; i++ {
		v := int64(r.LogNormal(16, 1.5)) // around 10 ms, wide
		s.Add(v)
		exact = append(exact, v)
	}
	tel := newTelemetry(1, 1, kernel.Second, ExactPercentiles, &arena{})
	for _, p := range []float64{0.01, 0.5, 0.95, 0.99, 0.999} {
		for i, v := range exact {
			tel.exact = append(tel.exact[:i], v)
		}
		want := exactQuantile(sortedCopy(exact), p)
		got := s.Quantile(p)
		require.InEpsilon(t, want, got, 1.0/512, "p=%g", p)
	}
	require.Equal(t, uint64(20000), s.Count())
	for v := int64(0); v < 5000; v += 7 {
		require.InDelta(t, float64(v), float64(bucketMid(sketchIndex(uint64(v)))), float64(v)/512+1)
	}
}

func sortedCopy(xs []int64) []int64 {
	out := append([]int64(nil), xs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestExactQuantileIsNumpyLinear(t *testing.T) {
	xs := []int64{10, 20, 30, 40, 50}
	// numpy.percentile([10,20,30,40,50], [0, 50, 95, 100]) = 10, 30, 48, 50
	require.Equal(t, 10.0, exactQuantile(xs, 0))
	require.Equal(t, 30.0, exactQuantile(xs, 0.5))
	require.InDelta(t, 48.0, exactQuantile(xs, 0.95), 1e-12)
	require.Equal(t, 50.0, exactQuantile(xs, 1))
	require.Equal(t, 7.0, exactQuantile([]int64{7}, 0.95))
}

func ExampleRun() {
	cfg := testConfig()
	r, _ := Run(cfg, Options{})
	fmt.Println(r.Served, r.FailedBy.QueueOverflow, r.FinalState)
	// Output: 4 6 STABLE
}

func TestSpikeStallsWorkerOrDelaysResponse(t *testing.T) {
	for _, inResponse := range []bool{false, true} {
		cfg := testConfig()
		cfg.Agents.BurstSize, cfg.Agents.RequestsPerAgent = 2, 2
		cfg.Faults = FaultConfig{SpikeProbability: 1, SpikeDuration: Dist{Kind: Deterministic, Mean: 5}, SpikeInResponse: inResponse}
		_, rec := run(t, cfg)
		started, done := rec.of(Started), rec.of(Completed)
		require.Len(t, done, 2)
		if inResponse {
			// The worker is free after its 1 s of work; each response arrives 5 s later.
			require.Equal(t, sec(1), started[1].T)
			require.Equal(t, []kernel.Time{sec(6), sec(7)}, []kernel.Time{done[0].T, done[1].T})
		} else {
			require.Equal(t, sec(6), started[1].T)
			require.Equal(t, []kernel.Time{sec(6), sec(12)}, []kernel.Time{done[0].T, done[1].T})
		}
		require.Equal(t, 6*kernel.Second, done[0].Latency)
	}
}

// TestSortLatencies: the radix sort sorts as slices.Sort does: negative and
// equal values, spans of a few bits to all 64, odd and even pass counts,
// and only what was added since the last sort.
func TestSortLatencies(t *testing.T) {
	r := kernel.NewStream(10, "radix")
	for trial := 0; trial < 60; trial++ {
		n := []int{0, 1, 255, 256, 257, 1000, 5000}[trial%7]
		bitsWide := 1 + r.IntN(64)
		var tel telemetry
		var want []int64
		for round := 0; round < 2; round++ {
			for i := 0; i < n; i++ {
				x := int64(r.Uint64() >> (64 - bitsWide))
				if trial%3 == 0 {
					x -= 1 << (bitsWide - 1) // negative ones too
				}
				tel.exact = append(tel.exact, x)
				want = append(want, x)
			}
			tel.sortLatencies()
			slices.Sort(want)
			require.Equal(t, want, tel.exact, "trial %d: n=%d, %d bits", trial, n, bitsWide)
		}
	}
}
