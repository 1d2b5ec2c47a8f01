package httplive_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live/httplive"
)

// small is a small system: 6 closed agents, 2 workers, a short queue,
// faults drawn by key (no pressure term, so the same attempts fail as in
// the simulation whatever the timing).
func small() model.Config {
	return model.Config{
		Name: "http-test", Seed: 11,
		Agents: model.AgentConfig{Count: 6, Arrival: model.Closed, RequestsPerAgent: 12, Stagger: 0.02,
			Think: model.Dist{Kind: model.Exponential, Mean: 0.01},
			Mix:   []model.WorkloadType{{Name: "LIGHT", Weight: 2, Work: 1}, {Name: "HEAVY", Weight: 1, Work: 2}}},
		Queue:   model.QueueConfig{Buffer: 20},
		Workers: model.WorkerConfig{Count: 2, Service: model.Dist{Kind: model.LogNormal, Mean: 0.004, CV: 0.5}, Overhead: 0.001},
		Faults:  model.FaultConfig{ErrorProbability: 0.2},
		Detector: model.DetectorConfig{Period: 0.05, Window: 0.5, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
			GrowthSamples: 3, P95Growth: 1, MinWindowSamples: 5, FinalFraction: 0.05},
		Telemetry: model.TelemetryConfig{Percentiles: model.ExactPercentiles},
	}
}

// baseline returns the goroutines and open file descriptors now.
func baseline(t *testing.T) (int, int) {
	t.Helper()
	return runtime.NumGoroutine(), openFDs(t)
}

func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}

// requireNothingLeft waits up to two seconds for the goroutines and file
// descriptors to come back to a baseline.
func requireNothingLeft(t *testing.T, goroutines, fds int) {
	t.Helper()
	g, f := runtime.NumGoroutine(), openFDs(t)
	for i := 0; i < 200 && (g > goroutines || f > fds); i++ {
		time.Sleep(10 * time.Millisecond)
		g, f = runtime.NumGoroutine(), openFDs(t)
	}
	if g > goroutines {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines left behind: %d, were %d\n%s", g, goroutines, buf[:runtime.Stack(buf, true)])
	}
	require.LessOrEqual(t, f, fds, "file descriptors left open")
}

// TestSameDrawsAsSimulation: over real HTTP, every attempt gets the
// simulation's draws, by its key: the fault injector fails exactly the
// attempts it fails in the simulation, the lossy network loses exactly the
// messages it loses there (and their attempts time out), the latency toxic
// draws the same delays. On a machine fast enough that only lost messages
// time out, the runs agree in their counts too. Nothing outlives the run.
func TestSameDrawsAsSimulation(t *testing.T) {
	g, fds := baseline(t)
	cfg := small()
	cfg.Client = model.ClientConfig{Timeouts: model.TimeoutConfig{Attempt: 0.4},
		Retry: model.RetryConfig{MaxAttempts: 3, On: []string{"CLIENT_TIMEOUT"},
			Backoff: model.BackoffConfig{Base: 0.005, Multiplier: 2, Max: 0.02, Jitter: 1}}}
	cfg.Network.Toxics = []model.Toxic{
		{Name: "hop", Type: model.ToxicLatency, Latency: &model.Dist{Kind: model.Deterministic, Mean: 0.002}, Jitter: 0.001},
		{Name: "loss", Type: model.ToxicLoss, P: 0.05},
	}
	sim, err := model.Run(&cfg, model.Options{})
	require.NoError(t, err)
	var events eventLog
	rep, st, err := httplive.Run(context.Background(), &cfg, httplive.Options{Sinks: []model.Sink{&events}})
	require.NoError(t, err)
	require.Equal(t, httplive.Mode, rep.Mode)
	require.Equal(t, sim.Created, rep.Created)
	require.Equal(t, rep.Created, rep.Served+rep.Failed)

	// Attempt by attempt, against the draws of its key.
	inj := model.NewFaultInjector(&cfg)
	loss := model.NewNetwork(&cfg, model.NewSchedule(&cfg))
	type attempt struct{ agent, seq, k int32 }
	answered, timedOut := map[attempt]model.FailureKind{}, map[attempt]bool{}
	var sent []attempt
	for _, e := range events.all {
		a := attempt{e.Agent, e.Seq, int32(e.Attempt)}
		switch {
		case e.Type == model.Sent:
			sent = append(sent, a)
		case e.Type == model.Responded:
			answered[a] = e.Failure
		case (e.Type == model.Retried || e.Type == model.Failed) && e.Failure == model.ClientTimeout:
			timedOut[a] = true
		}
	}
	faults, lostMessages := 0, 0
	for _, a := range sent {
		lostReq := loss.Pass(0, a.agent, a.seq, a.k, 0, 0).Fate == model.Lost
		if outcome, ok := answered[a]; ok {
			require.False(t, lostReq, "attempt %v reached the server though its request was lost", a)
			fails := inj.Fails(a.agent, a.seq, a.k, 0, cfg.Faults.ErrorProbability)
			require.Equal(t, fails, outcome == model.FaultError, "attempt %v: the fault injector's draw", a)
			if fails {
				faults++
			}
		}
		if lostReq || loss.Pass(1, a.agent, a.seq, a.k, 0, 0).Fate == model.Lost {
			lostMessages++
			require.True(t, timedOut[a], "attempt %v lost a message and timed out", a)
		}
	}
	require.Positive(t, faults)
	require.Positive(t, lostMessages)
	require.InDelta(t, 0.002*float64(rep.Network.Toxics[0].Request.Messages), rep.Network.Toxics[0].Request.Delay,
		0.0005*float64(rep.Network.Toxics[0].Request.Messages), "2 ms ± 1 ms per message")

	if len(timedOut) == lostMessages { // only lost messages timed out: the runs made the same attempts
		require.Equal(t, sim.FailedBy, rep.FailedBy, "the same requests fail")
		require.Equal(t, sim.Client.RetriedBy, rep.Client.RetriedBy, "and are retried")
		for i, tx := range sim.Network.Toxics {
			got := rep.Network.Toxics[i]
			for d, want := range []model.ToxicStats{tx.Request, tx.Response} {
				have := []model.ToxicStats{got.Request, got.Response}[d]
				require.InDelta(t, want.Delay, have.Delay, 1e-9, "toxic %s: the same delays, summed in another order", tx.Name)
				want.Delay, have.Delay = 0, 0
				require.Equal(t, want, have, "toxic %s: the same messages, the same lost", tx.Name)
			}
		}
	}
	require.Len(t, rep.Latencies, int(rep.Served+rep.FailedBy.FaultError))
	require.Positive(t, st.Lateness.Count)
	require.GreaterOrEqual(t, st.Lateness.P50, 0.0)
	// A request takes at least its modelled time: two hops, the overhead.
	require.GreaterOrEqual(t, rep.Latency.P50, 0.003)
	requireNothingLeft(t, g, fds)
}

// eventLog is a sink that keeps every event.
type eventLog struct{ all []model.Event }

func (l *eventLog) Observe(e model.Event) { l.all = append(l.all, e) }

// TestPoolLimit: 30 agents share a pool of 4 connections; the server never
// sees more than 4 open at once, and sees 4.
func TestPoolLimit(t *testing.T) {
	cfg := small()
	cfg.Agents.Count, cfg.Agents.RequestsPerAgent = 30, 4
	cfg.Faults = model.FaultConfig{}
	cfg.Client.Pool = model.PoolConfig{MaxConnections: 4}
	rep, st, err := httplive.Run(context.Background(), &cfg, httplive.Options{})
	require.NoError(t, err)
	require.Equal(t, uint64(120), rep.Served)
	require.Equal(t, 4, st.MaxConnections, "at most 4 connections open at the server, and the pool fills")
	require.Equal(t, 4, st.PoolConnections, "and at the client")
	require.NotNil(t, rep.Client.PoolWait, "attempts waited for a connection")

	// With an acquire timeout shorter than the wait, attempts give up.
	cfg.Client.Pool.AcquireTimeout = 0.002
	cfg.Workers.Service.Mean = 0.01
	rep, st, err = httplive.Run(context.Background(), &cfg, httplive.Options{})
	require.NoError(t, err)
	// An acquire timeout that fires as a connection is handed over cancels
	// an attempt already on its way: the client closes that connection
	// while the server still works on it, so the server may briefly see one
	// more; the pool itself never holds more.
	require.LessOrEqual(t, st.PoolConnections, 4)
	require.Positive(t, rep.FailedBy.PoolExhausted)
	require.Equal(t, rep.FailedBy.PoolExhausted, rep.Client.PoolExhausted)
}

// target is a test's own service on 127.0.0.1: it answers each request
// by its key's request number, and records what it saw.
type target struct {
	mu      sync.Mutex
	seen    map[string]time.Time // by key: when the attempt arrived
	bad     []string
	methods map[string]int
}

// statusOf is the answer to request seq: 503 with Retry-After 0.03 s for
// seq 1, 504 for seq 2, 500 for seq 3, 429 for seq 4, else 200.
func statusOf(seq int) int {
	return map[int]int{1: 503, 2: 504, 3: 500, 4: 429}[seq]
}

func (tg *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Header.Get(httplive.KeyHeader)
	f := strings.Split(key, ".")
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.seen[key] = time.Now()
	tg.methods[r.Method]++
	if len(body) != 100 || r.URL.Path != "/api/v1/ask" || r.URL.Query().Get("q") != "1" || r.Header.Get("X-Tenant") != "blue" || len(f) != 5 {
		tg.bad = append(tg.bad, fmt.Sprintf("%s %s %d %q", r.Method, r.URL, len(body), key))
	}
	seq, _ := strconv.Atoi(f[1])
	s := statusOf(seq)
	if s == 0 {
		w.Write([]byte("fine"))
		return
	}
	if s == 503 {
		w.Header().Set("Retry-After", "0.03")
	}
	w.WriteHeader(s)
}

// TestTargetMode runs agents with retries against a service the test
// started: the statuses map onto the failure kinds, Retry-After is
// honoured, the requests carry the method, path, body and headers asked
// for, and nothing is left behind.
func TestTargetMode(t *testing.T) {
	g, fds := baseline(t)
	tg := &target{seen: map[string]time.Time{}, methods: map[string]int{}}
	srv := httptest.NewServer(tg) // 127.0.0.1
	defer srv.Close()

	cfg := small()
	cfg.Agents.Count, cfg.Agents.RequestsPerAgent = 3, 6
	cfg.Client = model.ClientConfig{Timeouts: model.TimeoutConfig{Attempt: 1},
		Retry: model.RetryConfig{MaxAttempts: 2, On: []string{"QUEUE_OVERFLOW"}, RetryAfter: true,
			Backoff: model.BackoffConfig{Base: 0.001, Multiplier: 1, Max: 0.001}}}
	opt := httplive.Options{Target: srv.URL + "/api/v1/ask?q=1", Method: http.MethodPut, BodySize: 100,
		Header: http.Header{"X-Tenant": {"blue"}}}
	rep, _, err := httplive.Run(context.Background(), &cfg, opt)
	require.NoError(t, err)
	require.Equal(t, httplive.TargetMode, rep.Mode)
	require.Empty(t, tg.bad, "requests as asked for")
	require.Equal(t, map[string]int{http.MethodPut: 18 + 3}, tg.methods, "18 requests and 3 retries")
	require.Equal(t, uint64(18), rep.Created)
	require.Equal(t, model.Failures{QueueOverflow: 3, QueueTimeout: 3, FaultError: 3, Shed: 3}, rep.FailedBy)
	require.Equal(t, model.Outcomes{"QUEUE_OVERFLOW": 3}, rep.Client.RetriedBy)
	for agent := range 3 {
		first := tg.seen[fmt.Sprintf("%d.1.0.0.%d", agent, workload(t, &cfg, agent, 1))]
		retry := tg.seen[fmt.Sprintf("%d.1.1.0.%d", agent, workload(t, &cfg, agent, 1))]
		require.False(t, first.IsZero() || retry.IsZero())
		require.GreaterOrEqual(t, retry.Sub(first), 30*time.Millisecond, "the retry waited for Retry-After")
	}
	srv.Close()
	requireNothingLeft(t, g, fds)
}

func workload(t *testing.T, cfg *model.Config, agent, seq int) uint8 {
	return model.NewDraws(cfg).Workload(int32(agent), int32(seq))
}

// TestCancel stops a congested run mid-way: Run returns at once with the
// report so far, and every goroutine, connection and timer ends.
func TestCancel(t *testing.T) {
	g, fds := baseline(t)
	cfg := small()
	cfg.Agents.Count, cfg.Agents.RequestsPerAgent = 40, 50
	cfg.Queue.Timeout = 0.5
	cfg.Client.Timeouts.Attempt = 1
	cfg.Network.Toxics = []model.Toxic{{Type: model.ToxicLatency, Latency: &model.Dist{Kind: model.Deterministic, Mean: 0.02}}}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	rep, _, err := httplive.Run(ctx, &cfg, httplive.Options{})
	require.True(t, errors.Is(err, context.DeadlineExceeded), "err %v", err)
	require.Less(t, time.Since(start), time.Second, "Run returns as soon as it is cancelled")
	require.Positive(t, rep.Created)
	require.Less(t, rep.Created, uint64(2000))
	requireNothingLeft(t, g, fds)
}

// TestCheck refuses what the HTTP mode cannot do, naming the field.
func TestCheck(t *testing.T) {
	cases := map[string]func(c *model.Config, o *httplive.Options){
		"client.pool.waiters": func(c *model.Config, _ *httplive.Options) {
			c.Client.Pool = model.PoolConfig{MaxConnections: 2, Waiters: model.LIFO}
		},
		"schedule[0].crash": func(c *model.Config, _ *httplive.Options) {
			c.Schedule = []model.Action{{At: 1, Crash: &model.CrashAction{Workers: 1}}}
		},
		"agents.groups[1].priority": func(c *model.Config, _ *httplive.Options) {
			c.Agents.Groups = []model.AgentGroup{{Name: "a", Count: 3}, {Name: "b", Count: 3, Priority: 1}}
		},
		"agents.count": func(c *model.Config, _ *httplive.Options) { c.Agents.Count = httplive.MaxAgents + 1 },
		"network.toxics": func(c *model.Config, o *httplive.Options) {
			c.Client.Timeouts.Attempt = 1
			c.Network.Toxics = []model.Toxic{{Type: model.ToxicReset}}
			o.Target = "https://127.0.0.1:1/"
		},
	}
	for path, edit := range cases {
		cfg, opt := small(), httplive.Options{}
		edit(&cfg, &opt)
		require.NoError(t, cfg.Validate(), path)
		_, _, err := httplive.Run(context.Background(), &cfg, opt)
		var fe *model.FieldError
		require.ErrorAs(t, err, &fe, path)
		require.Equal(t, path, fe.Path)
	}
	cfg := small()
	for _, opt := range []httplive.Options{{Target: "ftp://x/"}, {BodySize: -1}, {Scale: -1},
		{Header: http.Header{"Idempotency-Key": {"1"}}}} {
		require.Error(t, httplive.Check(&cfg, opt), "%+v", opt)
	}
}

// TestThousandAgents runs 1,000 agents over HTTP — a pool of 64
// connections through the fault proxy to the built-in server — and
// records the process's resources at their peak: then every goroutine,
// socket and timer of the run is gone. A few seconds.
func TestThousandAgents(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of 1,000 agents")
	}
	g, fds := baseline(t)
	cfg := small()
	cfg.Agents.Count, cfg.Agents.RequestsPerAgent, cfg.Agents.Stagger = 1000, 3, 0.5
	cfg.Agents.Think.Mean = 0.2
	cfg.Queue.Buffer = 500
	cfg.Workers.Count = 16
	// No timeout: no attempt is given up, so no connection is closed while
	// the server still works on its request, and the server's count is the
	// pool's.
	cfg.Client = model.ClientConfig{Pool: model.PoolConfig{MaxConnections: 64}}
	cfg.Network.Toxics = []model.Toxic{{Type: model.ToxicLatency, Latency: &model.Dist{Kind: model.Deterministic, Mean: 0.002}}}

	var peakFDs, peakGoroutines int
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // sample the process while the run goes on
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				peakFDs, peakGoroutines = max(peakFDs, openFDs(t)), max(peakGoroutines, runtime.NumGoroutine())
			}
		}
	}()
	start := time.Now()
	rep, st, err := httplive.Run(context.Background(), &cfg, httplive.Options{})
	close(stop)
	<-sampled
	require.NoError(t, err)
	require.Equal(t, uint64(3000), rep.Created)
	require.Equal(t, rep.Created, rep.Served+rep.Failed)
	require.LessOrEqual(t, st.MaxConnections, 64)
	require.LessOrEqual(t, st.PoolConnections, 64)
	// Sockets: 64 at the client, 64 each way at the proxy, 64 at the
	// server, and the listeners; the agents hold none of their own.
	require.Less(t, peakFDs-fds, 4*64+32, "sockets at the peak")
	t.Logf("1,000 agents, 3,000 requests in %.1fs: peak %d goroutines (%d above the baseline), %d file descriptors (%d above), max RSS %s; %d connections at the server",
		time.Since(start).Seconds(), peakGoroutines, peakGoroutines-g, peakFDs, peakFDs-fds, maxRSS(), st.MaxConnections)
	requireNothingLeft(t, g, fds)
}

// maxRSS is the process's peak resident set (VmHWM).
func maxRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
