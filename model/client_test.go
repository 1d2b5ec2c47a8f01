package model

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
)

// oneAgent is a single closed-loop agent sending n requests to one worker
// with a deterministic service of svc seconds and no think time.
func oneAgent(n int, svc float64) *Config {
	cfg := testConfig()
	cfg.Agents.Arrival, cfg.Agents.BurstSize, cfg.Agents.RequestsPerAgent = Closed, 0, n
	cfg.Agents.Think = Dist{Kind: Deterministic, Mean: 0}
	cfg.Workers.Service = Dist{Kind: Deterministic, Mean: svc}
	return cfg
}

func times(evs []Event) []float64 {
	var out []float64
	for _, e := range evs {
		out = append(out, e.T.Seconds())
	}
	return out
}

// A timeout shorter than the service: every attempt is abandoned while the
// server keeps working on it (zombie work), and each retry lands behind it.
func TestTimeoutRetriesAndZombies(t *testing.T) {
	cfg := oneAgent(1, 2)
	cfg.Client = ClientConfig{Timeouts: TimeoutConfig{Attempt: 1.5},
		Retry: RetryConfig{MaxAttempts: 3, On: []string{"CLIENT_TIMEOUT"},
			Backoff: BackoffConfig{Base: 0.5, Multiplier: 2, Max: 10}}}
	r, rec := run(t, cfg)
	// Attempt 0 at 0 (served 0–2), times out at 1.5, retried after 0.5: at
	// 2, when the worker has just finished the zombie; times out at 3.5,
	// retried after 1 at 4.5; times out at 6: the request fails.
	require.Equal(t, []float64{0, 2, 4.5}, times(rec.of(Sent)))
	require.Equal(t, []float64{0, 2, 4.5}, times(rec.of(Started)))
	require.Equal(t, []float64{1.5, 3.5}, times(rec.of(Retried)))
	for _, e := range rec.of(Retried) {
		require.Equal(t, ClientTimeout, e.Failure)
	}
	failed := rec.of(Failed)
	require.Len(t, failed, 1)
	require.Equal(t, ClientTimeout, failed[0].Failure)
	require.Equal(t, 6*kernel.Second, failed[0].Latency)
	require.Equal(t, uint8(2), failed[0].Attempt)
	require.Equal(t, []float64{2, 4, 6.5}, times(rec.of(Responded)), "the server answers every zombie")
	c := r.Client
	require.NotNil(t, c)
	require.Equal(t, uint64(3), c.Attempts)
	require.Equal(t, 3.0, c.Amplification)
	require.Equal(t, uint64(3), c.Zombies)
	require.InDelta(t, 6.0, c.ZombieWork, 1e-9)
	require.Equal(t, uint64(3), c.Abandoned)
	require.Equal(t, Outcomes{"CLIENT_TIMEOUT": 2}, c.RetriedBy)
	require.Zero(t, r.Served)
	require.Equal(t, uint64(1), r.FailedBy.ClientTimeout)
}

// Exponential attempt timeouts: attempt k of a request is given a draw of
// the mean from its own stream ("timeout", agent, seq, k), so a request
// nobody answers is retried at the running sums of those draws.
func TestExponentialAttemptTimeouts(t *testing.T) {
	cfg := oneAgent(2, 1)
	cfg.Client = ClientConfig{Timeouts: TimeoutConfig{Attempt: 0.5, AttemptLaw: Exponential},
		Retry: RetryConfig{MaxAttempts: 4, On: []string{"CLIENT_TIMEOUT"}}}
	cfg.Network.Toxics = []Toxic{{Type: ToxicLoss, Direction: DirRequest, P: 1}} // nothing is ever answered
	_, rec := run(t, cfg)
	fam := kernel.NewFamily(cfg.Seed, "timeout")
	var want []kernel.Time
	for seq := range 2 {
		var at kernel.Time
		if seq == 1 {
			at = want[len(want)-1]
		}
		for k := range 4 {
			st := fam.Stream(0, uint64(seq), uint64(k))
			at = at.Add(kernel.Seconds(st.Exp(0.5)))
			want = append(want, at)
		}
	}
	var got []kernel.Time
	for _, e := range rec.evs {
		if e.Type == Retried || e.Type == Failed {
			got = append(got, e.T)
		}
	}
	require.Equal(t, want, got)
	require.NotEqual(t, want[1].Sub(want[0]), want[2].Sub(want[1]), "a fresh draw per attempt")
}

// Deadline propagation into service stops the abandoned work at once.
func TestDeadlinePropagation(t *testing.T) {
	for _, mode := range []string{PropagateDequeue, PropagateService} {
		cfg := oneAgent(1, 2)
		cfg.Agents.Arrival, cfg.Agents.BurstSize = Burst, 2 // two requests at once: one waits
		cfg.Agents.RequestsPerAgent = 2
		cfg.Client = ClientConfig{Timeouts: TimeoutConfig{Attempt: 1.5, Propagate: mode}}
		r, rec := run(t, cfg)
		dropped := rec.of(Dropped)
		if mode == PropagateService {
			// Request 0 is stopped at 1.5 mid-service; the freed worker takes
			// request 1, whose own timeout fires the same instant: stopped too.
			require.Equal(t, []float64{1.5, 1.5}, times(dropped))
			require.Equal(t, []int32{0, 0}, []int32{dropped[0].Worker, dropped[1].Worker})
			require.Equal(t, []float64{0, 1.5}, times(rec.of(Started)))
			require.InDelta(t, 1.5, r.Client.ZombieWork, 1e-9)
			require.Zero(t, r.Client.Zombies)
		} else {
			// Request 0 runs to the end as a zombie; request 1, abandoned in
			// the queue, is dropped at 2 when the worker would take it.
			require.Equal(t, []float64{2}, times(dropped))
			require.Equal(t, int32(-1), dropped[0].Worker)
			require.Len(t, rec.of(Started), 1, "the abandoned request in the queue never starts")
			require.Equal(t, uint64(1), r.Client.Zombies)
		}
		require.Equal(t, uint64(2), r.FailedBy.ClientTimeout)
		require.InDelta(t, r.Little.L, r.Little.LambdaW, 1e-9, "%s: Little's law holds with drops", mode)
	}
}

// A 503 with Retry-After: the client waits the longer of its backoff and
// the server's Retry-After.
func TestRetryAfter(t *testing.T) {
	cfg := oneAgent(2, 1)
	cfg.Agents.Arrival, cfg.Agents.BurstSize = Burst, 2
	cfg.Queue = QueueConfig{Buffer: 0, RetryAfter: 2}
	cfg.Client = ClientConfig{Retry: RetryConfig{MaxAttempts: 2, On: []string{"QUEUE_OVERFLOW"}, RetryAfter: true,
		Backoff: BackoffConfig{Base: 0.1, Multiplier: 2, Max: 1}}}
	r, rec := run(t, cfg)
	require.Equal(t, []float64{0, 0, 2}, times(rec.of(Sent)))
	require.Equal(t, uint64(2), r.Served)
	cfg.Client.Retry.RetryAfter = false
	_, rec = run(t, cfg)
	sent := times(rec.of(Sent))
	require.InDelta(t, 0.1, sent[2], 1e-9, "the backoff alone")
}

// A pool of one connection in front of three workers: never more than one
// attempt on the way or at the server, the others wait and some give up.
func TestPoolLimitsConcurrency(t *testing.T) {
	cfg := oneAgent(5, 1)
	cfg.Agents.Count = 3
	cfg.Agents.Think = Dist{Kind: Deterministic, Mean: 0.2}
	cfg.Workers.Count = 3
	cfg.Client = ClientConfig{Pool: PoolConfig{MaxConnections: 1, AcquireTimeout: 0.5}}
	r, rec := run(t, cfg)
	inFlight, peak := 0, 0
	for _, e := range rec.evs {
		switch e.Type {
		case Sent:
			inFlight++
		case Responded:
			inFlight--
		}
		peak = max(peak, inFlight)
	}
	require.Equal(t, 1, peak)
	require.Positive(t, r.FailedBy.PoolExhausted)
	require.Equal(t, r.FailedBy.PoolExhausted, r.Client.PoolExhausted)
	require.NotNil(t, r.Client.PoolWait)
	require.InDelta(t, 0.5, r.Client.PoolWait.Max, 1e-9, "no wait outlasts the acquire timeout")
	require.Equal(t, r.Created, r.Served+r.Failed)
}

// Two consecutive 500s trip the breaker; while open it fails requests at
// once without sending them; after open_for it probes and closes.
func TestBreakerFailsFast(t *testing.T) {
	cfg := oneAgent(8, 1)
	cfg.Agents.Think = Dist{Kind: Deterministic, Mean: 1}
	cfg.Faults.ErrorProbability = 1
	cfg.Client = ClientConfig{Breaker: BreakerConfig{ConsecutiveFailures: 2, OpenFor: 3.5}}
	r, rec := run(t, cfg)
	// Requests at 0 and 2 fail at 1 and 3 (trip at 3); those at 4 and 6 fail
	// at once; at 7 (3 + 3.5 ≤ 7) a probe goes out and fails at 8 (reopens
	// until 11.5): 9 and 10 fail fast.
	require.Equal(t, []float64{0, 2, 7}, times(rec.of(Sent)))
	var fast []float64
	for _, e := range rec.of(Failed) {
		if e.Failure == CircuitOpen {
			fast = append(fast, e.T.Seconds())
			require.Zero(t, e.Latency)
		}
	}
	require.Equal(t, []float64{4, 5, 6, 9, 10}, fast)
	require.Equal(t, 2, r.Client.BreakerTrips)
	require.Equal(t, uint64(5), r.Client.FastFailed)
}

// A constant network delay d adds exactly 2d to every request's latency.
func TestNetworkConstantDelay(t *testing.T) {
	cfg := crnConfig()
	cfg.Agents.Backoff = BackoffConfig{}
	cfg.Queue.Buffer = 1000
	cfg.Faults = FaultConfig{}
	base, _ := run(t, cfg)
	d := 0.025
	cfg.Network.Toxics = []Toxic{{Type: ToxicLatency, Latency: &Dist{Kind: Deterministic, Mean: d}}}
	// Closed agents and a queue: shifting everything by 2d keeps every
	// request's service and think draws, and its latency grows by exactly 2d
	// only without queueing; so compare request by request with one worker
	// each.
	cfg.Workers.Count = cfg.Agents.Count
	cfg.Network = NetworkConfig{}
	noNet, recNo := run(t, cfg)
	cfg.Network.Toxics = []Toxic{{Type: ToxicLatency, Latency: &Dist{Kind: Deterministic, Mean: d}}}
	withNet, recNet := run(t, cfg)
	_ = base
	require.Equal(t, noNet.Served, withNet.Served)
	lat := func(rec *recorder) map[[2]int32]kernel.Duration {
		m := map[[2]int32]kernel.Duration{}
		for _, e := range rec.of(Completed) {
			m[[2]int32{e.Agent, e.Seq}] = e.Latency
		}
		return m
	}
	a, b := lat(recNo), lat(recNet)
	require.Len(t, b, len(a))
	for k, l := range a {
		require.Equal(t, l+2*kernel.Seconds(d), b[k], "request %v", k)
	}
	require.Equal(t, uint64(noNet.Served)*2, withNet.Network.Toxics[0].Request.Messages+withNet.Network.Toxics[0].Response.Messages)
}

// A lossy request path: the server never hears, the client times out.
func TestNetworkLossAndReset(t *testing.T) {
	cfg := oneAgent(4, 1)
	cfg.Client.Timeouts.Attempt = 3
	cfg.Network.Toxics = []Toxic{{Type: ToxicLoss, Direction: DirRequest, P: 1}}
	r, rec := run(t, cfg)
	require.Empty(t, rec.of(Enqueued))
	require.Equal(t, uint64(4), r.FailedBy.ClientTimeout)
	require.Equal(t, uint64(4), r.Network.Toxics[0].Request.Lost)
	require.Equal(t, []float64{3, 6, 9, 12}, times(rec.of(Failed)))

	// A reset on the way back: the server did the work, the client gets an error.
	cfg = oneAgent(4, 1)
	cfg.Network.Toxics = []Toxic{{Type: ToxicReset, Direction: DirResponse}}
	r, rec = run(t, cfg)
	require.Len(t, rec.of(Responded), 4)
	require.Equal(t, uint64(4), r.FailedBy.ConnectionReset)
	// Missing a timeout where messages can vanish is refused.
	cfg = oneAgent(4, 1)
	cfg.Network.Toxics = []Toxic{{Type: ToxicStall}}
	_, err := Run(cfg, Options{})
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "network.toxics[0]", fe.Path)
}

// gRPC's token bucket stops a retry storm: with every attempt failing, the
// retries stop once the tokens fall to half.
func TestTokenBucketStopsRetries(t *testing.T) {
	cfg := oneAgent(50, 0.01)
	cfg.Faults.ErrorProbability = 1
	cfg.Client = ClientConfig{Retry: RetryConfig{MaxAttempts: 5, On: []string{"FAULT_ERROR"}},
		Budget: BudgetConfig{Kind: TokenBucketBudget, MaxTokens: 10, TokenRatio: 0.1}}
	r, _ := run(t, cfg)
	// Every failure takes a token: request 0 retries four times (10 → 5
	// tokens, its fifth attempt is its last anyway); every later request's
	// first failure finds 5 or fewer and is not retried.
	require.Equal(t, uint64(4), r.Client.RetriedBy["FAULT_ERROR"])
	require.Equal(t, uint64(50+4), r.Client.Attempts)
	require.Equal(t, uint64(49), r.Client.BudgetDenied)
}

func TestClientValidation(t *testing.T) {
	cases := map[string]func(c *Config){
		"client.pool.acquire_timeout": func(c *Config) { c.Client.Pool.AcquireTimeout = 1 },
		"client.retry.on[0]":          func(c *Config) { c.Client.Retry = RetryConfig{MaxAttempts: 2, On: []string{"CLIENT_TIMEOUT"}} },
		"client.retry.on":             func(c *Config) { c.Client.Retry = RetryConfig{MaxAttempts: 2} },
		"client.timeouts.propagate":   func(c *Config) { c.Client.Timeouts.Propagate = PropagateService },
		"client.budget":               func(c *Config) { c.Client.Budget = BudgetConfig{Kind: TokenBucketBudget, MaxTokens: 10} },
		"client.breaker.open_for":     func(c *Config) { c.Client.Breaker.ConsecutiveFailures = 3 },
		"agents.groups":               func(c *Config) { c.Agents.Groups = []AgentGroup{{Name: "a", Count: 3}} },
		"network.toxics[0].groups[0]": func(c *Config) { c.Network.Toxics = []Toxic{{Type: ToxicReset, Groups: []string{"nope"}}} },
		"network.toxics[0].loss_good": func(c *Config) { c.Network.Toxics = []Toxic{{Type: ToxicLoss, P: 0.1, LossGood: 0.5}} },
		"client.timeouts.connect":     func(c *Config) { c.Client.Timeouts.Connect = 1 },
		"client.timeouts.attempt_law": func(c *Config) { c.Client.Timeouts.AttemptLaw = Exponential },
		"client.timeouts.attempt_law ": func(c *Config) {
			c.Client.Timeouts = TimeoutConfig{Attempt: 1, AttemptLaw: Uniform}
		},
		"agents.groups[1].client.retry.on": func(c *Config) {
			c.Agents.Groups = []AgentGroup{{Name: "a", Count: 0}, {Name: "b", Count: 1, Client: &ClientConfig{Retry: RetryConfig{MaxAttempts: 3}}}}
			c.Agents.Groups[0].Count = 0
		},
	}
	for want, edit := range cases {
		cfg := testConfig()
		edit(cfg)
		err := cfg.Validate()
		var fe *FieldError
		require.ErrorAs(t, err, &fe, want)
		if want == "agents.groups[1].client.retry.on" {
			require.Equal(t, "agents.groups[0].count", fe.Path)
			continue
		}
		require.Equal(t, strings.TrimSpace(want), fe.Path, "%v", err)
	}
}
