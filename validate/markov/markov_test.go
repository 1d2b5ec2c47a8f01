package markov

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/validate/stats"
	"github.com/agentchaos/agentchaos/validate/textbook"
)

// one agent, one worker, no waiting room: three states, solved by hand.
func TestChainByHand(t *testing.T) {
	const think, svc, timeout = 2.0, 0.5, 0.8
	s := &System{Name: "hand", Agents: 1, Think: think, Servers: 1, Buffer: 0, Service: svc, Timeout: timeout,
		WarmUp: 1, Length: 1}
	c, err := buildChain(s)
	require.NoError(t, err)
	require.Len(t, c.states, 3) // thinking; a live attempt in service; a zombie in service
	// The agent thinks (E), sends (L); L ends by service (back to E) or
	// times out: a zombie in service (Z), whose retry finds the server
	// full and fails its request; Z's service brings E back, and the
	// agent's requests meanwhile are turned away.
	mu, gamma, lambda := 1/svc, 1/timeout, 1/think
	pE := 1.0
	pL := pE * lambda / (mu + gamma)
	pZ := pL * gamma / mu
	total := pE + pL + pZ
	pE, pL, pZ = pE/total, pL/total, pZ/total
	th, err := s.Theory()
	require.NoError(t, err)
	want := []float64{pL + pZ, 0, mu * (pL + pZ), mu * pL, gamma * pL, gamma*pL + lambda*pZ}
	require.Equal(t, s.Measures(), []string{MeasureInSystem, MeasureWaiting, MeasureThroughput, MeasureGoodput,
		MeasureRetries, MeasureRejections})
	require.InDeltaSlice(t, want, th, 1e-15)
	_, dist := s.Distribution()
	require.InDeltaSlice(t, []float64{pE, pL + pZ}, dist, 1e-15)
}

// Without timeouts the system is the finite-source queue M/M/c/K/N, a
// birth–death chain: p_n ∝ Π_{k<n} (N−k)λ / (min(k+1, c)μ).
func TestChainWithoutTimeoutsIsFiniteSource(t *testing.T) {
	s := &System{Name: "engset", Agents: 7, Think: 3, Servers: 2, Buffer: 3, Service: 1, Timeout: 1e12,
		WarmUp: 1, Length: 1}
	_, dist := s.Distribution()
	want := make([]float64, 6)
	want[0] = 1
	var total float64
	for n := range want {
		if n > 0 {
			want[n] = want[n-1] * float64(s.Agents-(n-1)) / s.Think / (float64(min(n, s.Servers)) / s.Service)
		}
		total += want[n]
	}
	for n := range want {
		want[n] /= total
	}
	require.InDeltaSlice(t, want, dist, 1e-9)
}

// Limited attempts: the chain tracks each live attempt's number, a request
// that times out on its last attempt is given up, and the rates balance:
// every request ends served, turned away or given up.
func TestChainRetryLimit(t *testing.T) {
	s := Suite()[0]
	require.Equal(t, 3, s.Attempts)
	sol, err := s.solved()
	require.NoError(t, err)
	var live [3]bool
	for _, st := range sol.chain.states {
		for _, code := range []byte(st.seq) {
			if code > 0 {
				live[code-1] = true
			}
		}
	}
	require.Equal(t, [3]bool{true, true, true}, live, "waiting attempts of every number")
	th, _ := s.Theory()
	m := map[string]float64{}
	for i, name := range s.Measures() {
		m[name] = th[i]
	}
	// Requests begun = goodput + requests that fail (turned away or given
	// up); attempts = requests begun + retries = attempts served + turned
	// away.
	var begun float64
	for i, st := range sol.chain.states {
		begun += float64(sol.pi[i] * float64(s.Agents-st.lives()) / s.Think)
	}
	require.InEpsilon(t, begun, m[MeasureGoodput]+m[MeasureRejections]+m[MeasureExhausted], 1e-12)
	require.InEpsilon(t, begun+m[MeasureRetries], m[MeasureThroughput]+m[MeasureRejections], 1e-12)
}

// The elimination agrees with gonum's LU solve far below the 10⁻⁹ the
// suite requires, and its distribution sums to one.
func TestSolveMatchesLU(t *testing.T) {
	for _, s := range Suite()[:3] { // the bimodal one is checked by the suite
		c, err := buildChain(s)
		require.NoError(t, err)
		pi, err := c.solve()
		require.NoError(t, err)
		lu, err := c.solveLU()
		require.NoError(t, err)
		var sum float64
		for i := range pi {
			require.InDelta(t, lu[i], pi[i], 1e-12, s.Name)
			require.GreaterOrEqual(t, pi[i], 0.0)
			sum += pi[i]
		}
		require.InDelta(t, 1, sum, 1e-12)
	}
}

// The warm-up takes the chain from the empty system (where every
// replication starts) to within 10⁻⁶ of steady state in total variation:
// the transient distribution by uniformization, p(t+h) = Σ_k
// e^{−Λh}(Λh)^k/k!·p·P^k with P = I + Q/Λ.
func TestWarmUpReachesSteadyState(t *testing.T) {
	for _, s := range Suite() {
		sol, err := s.solved()
		require.NoError(t, err)
		c := sol.chain
		n := len(c.states)
		exit := make([]float64, n)
		var rate float64
		for i, row := range c.out {
			for _, a := range row {
				exit[i] += a.rate
			}
			rate = math.Max(rate, exit[i])
		}
		step := func(p []float64) []float64 { // p·P
			q := make([]float64, n)
			for i, row := range c.out {
				q[i] += p[i] * (1 - exit[i]/rate)
				for _, a := range row {
					q[a.to] += p[i] * a.rate / rate
				}
			}
			return q
		}
		p := make([]float64, n)
		p[0] = 1 // states are in level order: the empty system first
		require.Zero(t, c.level(0))
		const lh = 8.0 // Λh per chunk
		chunks := int(math.Ceil(s.WarmUp * rate / lh))
		for range chunks {
			term, next := p, make([]float64, n)
			w := math.Exp(-lh)
			for k := 0; k < 60; k++ {
				for i := range next {
					next[i] += w * term[i]
				}
				term = step(term)
				w *= lh / float64(k+1)
			}
			p = next
		}
		pi := make([]float64, n)
		for i := range pi {
			pi[i] = sol.pi[i]
		}
		var tv float64
		for i := range p {
			tv += math.Abs(p[i] - pi[i])
		}
		require.Less(t, tv/2, 1e-6, "%s: total variation after the warm-up of %g s", s.Name, s.WarmUp)
	}
}

func TestCheckRejects(t *testing.T) {
	ok := func() *System {
		return &System{Name: "ok", Agents: 2, Think: 1, Servers: 1, Buffer: 2, Service: 1, Timeout: 1, WarmUp: 1, Length: 1}
	}
	for _, tc := range []struct {
		edit func(*System)
		msg  string
	}{
		{func(s *System) { s.Name = "" }, "name"},
		{func(s *System) { s.Agents = 0 }, "agents"},
		{func(s *System) { s.Servers = 0 }, "servers"},
		{func(s *System) { s.Buffer = -1 }, "buffer"},
		{func(s *System) { s.Timeout = 0 }, "timeout"},
		{func(s *System) { s.Think = math.Inf(1) }, "think"},
		{func(s *System) { s.Attempts = 1 }, "attempts"},
		{func(s *System) { s.Attempts = 101 }, "attempts"},
		{func(s *System) { s.Length = 0 }, "length"},
		{func(s *System) { s.Modes = &[2]int{2, 2} }, "modes"},
		{func(s *System) { s.Modes = &[2]int{0, 4} }, "modes"},
		{func(s *System) { s.Agents, s.Buffer = 30, 14 }, "states"},
	} {
		s := ok()
		tc.edit(s)
		_, err := s.Describe()
		require.ErrorContains(t, err, tc.msg)
		_, err = s.Theory()
		require.Error(t, err)
	}
	_, err := ok().Describe()
	require.NoError(t, err)
}

// The scenario is an ordinary, valid model.Config with the exponential
// attempt-timeout law and retries on timeouts only, without backoff.
func TestConfig(t *testing.T) {
	for _, s := range Suite() {
		cfg := s.Config(9, 100)
		require.NoError(t, cfg.Validate(), s.Name)
		require.Equal(t, model.Closed, cfg.Agents.Arrival)
		require.Equal(t, model.Exponential, cfg.Client.Timeouts.AttemptLaw)
		require.Equal(t, []string{"CLIENT_TIMEOUT"}, cfg.Client.Retry.On)
		require.Zero(t, cfg.Client.Retry.Backoff.Base)
		require.False(t, cfg.Throttle.Enabled)
		if s.Attempts == 0 {
			require.Equal(t, ModelMaxAttempts, cfg.Client.Retry.MaxAttempts)
		} else {
			require.Equal(t, s.Attempts, cfg.Client.Retry.MaxAttempts)
		}
	}
}

// TestRecorder feeds a hand-made event stream, window [10, 20) s.
func TestRecorder(t *testing.T) {
	var r recorder
	r.reset(kernel.Time(10*kernel.Second), kernel.Time(20*kernel.Second), 3)
	ev := func(at float64, typ model.EventType, depth int32, why model.FailureKind) {
		r.Observe(model.Event{T: kernel.Time(kernel.Seconds(at)), Type: typ, Depth: depth, Failure: why})
	}
	ev(5, model.Created, 0, 0) // before the window: state only
	ev(5, model.Enqueued, 0, 0)
	ev(12, model.Created, 0, 0)
	ev(12, model.Enqueued, 1, 0) // two at the server, one waiting
	ev(14, model.Retried, 1, model.ClientTimeout)
	ev(14, model.Enqueued, 2, 0) // the retry: three at the server
	ev(15, model.Responded, 2, 0)
	ev(15, model.Started, 1, 0)
	ev(16, model.Rejected, 1, model.QueueOverflow)
	ev(17, model.Responded, 1, 0)
	ev(17, model.Completed, 0, 0)
	ev(25, model.Failed, 0, model.ClientTimeout) // after the window: counted only as used
	r.advance(kernel.Time(20 * kernel.Second))
	s := int64(kernel.Second)
	// n: 1 on [10,12), 2 on [12,14), 3 on [14,15), 2 on [15,17), 1 on [17,20)
	require.Equal(t, []int64{0, 5 * s, 4 * s, 1 * s}, r.time)
	require.Equal(t, 16*s, r.inSystem)
	// waiting: 0 on [10,12), 1 on [12,14), 2 on [14,15), 1 on [15,17), 0 on [17,20)
	require.Equal(t, 6*s, r.waiting)
	require.Equal(t, []int{1, 2, 1, 1, 1, 0}, []int{r.created, r.served, r.succeeded, r.retried, r.rejected, r.exhausted})
	require.Equal(t, 1, r.exhaustedAll)
}

// A wrong model fails: the same system simulated with the model's default
// deterministic timeouts, or with a timeout 20% longer, is judged against
// the exponential chain and must fail.
func TestWrongModelFails(t *testing.T) {
	s := Suite()[1]
	for name, edit := range map[string]func(*model.Config){
		"deterministic": func(c *model.Config) { c.Client.Timeouts.AttemptLaw = "" },
		"longer":        func(c *model.Config) { c.Client.Timeouts.Attempt *= 1.2 },
	} {
		rep, err := textbook.RunSuite([]textbook.Case{edited{s, edit}},
			textbook.SuiteOptions{Seed: 3, Precision: stats.Precision{MinReps: 20, MaxReps: 20}})
		require.NoError(t, err)
		require.False(t, rep.Pass, name)
		failed := 0
		for _, m := range rep.Configurations[0].Measures {
			if !m.Pass {
				failed++
			}
		}
		t.Logf("%s: %d of %d checks fail", name, failed, len(rep.Configurations[0].Measures))
	}
}

// edited is a System whose simulation is edited: a test of the test.
type edited struct {
	*System
	edit func(*model.Config)
}

func (e edited) NewReplicator() textbook.Replicator {
	return editedReplicator{&replicator{sys: e.System}, e.edit}
}

type editedReplicator struct {
	r    *replicator
	edit func(*model.Config)
}

func (e editedReplicator) Replicate(seed uint64, warmUp, length float64) (textbook.Replication, error) {
	cfg := e.r.sys.Config(seed, warmUp+length)
	e.edit(cfg)
	return e.r.run(cfg, warmUp, length)
}

// The suite passes, its report is the same with one worker on one CPU and
// two on two, and the bimodal system's distribution has its two modes in
// the chain and in the simulated time shares alike.
func TestSuite(t *testing.T) {
	cases := textbook.Cases([]*System{Suite()[2], Suite()[3]})
	prec := stats.Precision{MinReps: 20, MaxReps: 20}
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	two, err := textbook.RunSuite(cases, textbook.SuiteOptions{Seed: 1, Workers: 2, Precision: prec})
	require.NoError(t, err)
	require.True(t, two.Pass)
	small, err := textbook.RunSuite(cases[:1], textbook.SuiteOptions{Seed: 1, Workers: 2, Precision: prec})
	require.NoError(t, err)
	runtime.GOMAXPROCS(1)
	one, err := textbook.RunSuite(cases[:1], textbook.SuiteOptions{Seed: 1, Workers: 1, Precision: prec})
	require.NoError(t, err)
	require.Equal(t, small, one)

	d := two.Configurations[1].Distribution
	require.NotNil(t, d)
	for _, p := range [][]float64{d.Analytic, d.Simulated} {
		low, high, valley := modes(p)
		require.Equal(t, [2]int{0, 9}, [2]int{low, high}, "%v", p)
		require.Less(t, valley, 0.5*math.Min(p[low], p[high]), "%v", p)
	}
	var sum float64
	for _, x := range d.Simulated {
		sum += x
	}
	require.InDelta(t, 1, sum, 1e-12)
}

// modes returns the two highest local maxima of p, in order, and the
// lowest value between them.
func modes(p []float64) (low, high int, valley float64) {
	var peaks []int
	for i := range p {
		if (i == 0 || p[i] > p[i-1]) && (i == len(p)-1 || p[i] > p[i+1]) {
			peaks = append(peaks, i)
		}
	}
	if len(peaks) < 2 {
		return -1, -1, 0
	}
	low, high = peaks[0], peaks[len(peaks)-1]
	valley = p[low]
	for i := low; i <= high; i++ {
		valley = math.Min(valley, p[i])
	}
	return low, high, valley
}

// TestGolden pins the chains' exact values and a short replication of each
// system bit for bit: the elimination is FMA-free and the simulated values
// are integer-nanosecond integrals, so both are the same on amd64, with
// GOAMD64=v3 and on arm64.
func TestGolden(t *testing.T) {
	var b strings.Builder
	for i, s := range Suite() {
		th, err := s.Theory()
		require.NoError(t, err)
		of, dist := s.Distribution()
		fmt.Fprintf(&b, "%s\n  theory %v\n  %s %v\n", s.Name, th, of, dist)
		if i == 3 {
			continue // the bimodal system's replications are long
		}
		r := s.NewReplicator()
		rep, err := r.Replicate(replicate.Seed(11, i), 50, 500)
		require.NoError(t, err)
		fmt.Fprintf(&b, "  replication counted %d values %v shares %v\n", rep.Counted, rep.Values, rep.Shares)
	}
	goldentest.Check(t, "testdata/markov.golden", []byte(b.String()))
}
