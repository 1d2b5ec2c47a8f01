package markov

import (
	"fmt"
	"math"
	"sync"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/validate/textbook"
)

// ModelMaxAttempts is the model's largest retry.max_attempts, which stands
// for unlimited retries (Attempts 0) in the simulation.
const ModelMaxAttempts = 100

// System is a small closed system with retries, simulated as an ordinary
// model.Config and solved as a continuous-time Markov chain:
//
//   - Agents closed agents, each with one request outstanding at most, and
//     an exponential think time of mean Think between one request's end and
//     the next;
//   - a server of Servers workers, exponential service of mean Service, and
//     a FIFO waiting room of Buffer places: an attempt finding every worker
//     busy and every place taken is turned away at once (503), which ends
//     its request;
//   - a client that gives every attempt an exponential timeout of mean
//     Timeout (client.timeouts.attempt_law "exponential") and, when it
//     fires, gives the attempt up and sends the next one at once, up to
//     Attempts in all (0: without limit). The server does not know: the
//     abandoned attempt stays where it is and is served in its turn (a
//     zombie).
//
// The chain's state is the sequence of waiting attempts, each a zombie or
// live (with its attempt number when attempts are limited), and the
// attempts in service by kind; the agents not waiting on a live attempt
// think. It is block-tridiagonal in the number of attempts at the server.
type System struct {
	Name    string
	Agents  int
	Think   float64 // seconds
	Servers int
	Buffer  int
	Service float64 // seconds
	Timeout float64 // seconds
	// Attempts bounds the attempts per request, 2 to 100; 0 is no limit,
	// simulated with the model's largest, 100: a replication in which a
	// request uses them all is an error, as the chain knows no limit.
	Attempts int
	// WarmUp and Length are every replication's, in seconds: requests and
	// time before WarmUp are discarded, the next Length seconds measured.
	WarmUp, Length float64
	// Modes, if set, splits the attempts at the server n into a low mode
	// n ≤ Modes[0] and a high mode n ≥ Modes[1] whose time shares are
	// measured too: the two peaks of a bimodal distribution.
	Modes *[2]int

	once  sync.Once
	sol   *solution
	solEr error
}

// solution is a solved chain's figures.
type solution struct {
	chain *chain
	pi    []float64 // by state
	// measures in the order of System.Measures; dist is P(n attempts at
	// the server), n = 0 … Servers+Buffer.
	measures []float64
	dist     []float64
}

// Measure names.
const (
	MeasureInSystem   = "mean in system"
	MeasureWaiting    = "mean waiting"
	MeasureThroughput = "throughput /s"
	MeasureGoodput    = "goodput /s"
	MeasureRetries    = "retries /s"
	MeasureRejections = "rejections /s"
	MeasureExhausted  = "given up /s"
)

// capacity is the most attempts the server holds.
func (s *System) capacity() int { return s.Servers + s.Buffer }

func (s *System) check() error {
	positive := func(x float64) bool { return x > 0 && !math.IsInf(x, 1) }
	switch {
	case s.Name == "":
		return fmt.Errorf("validate: a Markov-chain system needs a name")
	case s.Agents < 1 || s.Servers < 1 || s.Buffer < 0:
		return fmt.Errorf("validate: %s: need agents ≥ 1, servers ≥ 1 and buffer ≥ 0", s.Name)
	case !positive(s.Think) || !positive(s.Service) || !positive(s.Timeout):
		return fmt.Errorf("validate: %s: think, service and timeout means must be finite and above 0", s.Name)
	case s.Attempts == 1 || s.Attempts < 0 || s.Attempts > ModelMaxAttempts:
		return fmt.Errorf("validate: %s: attempts must be 0 (no limit) or in [2, %d]", s.Name, ModelMaxAttempts)
	case !positive(s.WarmUp) || !positive(s.Length):
		return fmt.Errorf("validate: %s: warm-up and length must be above 0", s.Name)
	case s.Modes != nil && !(0 <= s.Modes[0] && s.Modes[0] < s.Modes[1] && s.Modes[1] <= s.capacity()):
		return fmt.Errorf("validate: %s: modes must satisfy 0 ≤ low < high ≤ servers+buffer", s.Name)
	}
	return nil
}

// solved builds and solves the chain once: by elimination, checked against
// gonum's LU solve.
func (s *System) solved() (*solution, error) {
	s.once.Do(func() {
		if s.solEr = s.check(); s.solEr != nil {
			return
		}
		c, err := buildChain(s)
		if err != nil {
			s.solEr = err
			return
		}
		pi, err := c.solve()
		if err != nil {
			s.solEr = fmt.Errorf("validate: %s: %w", s.Name, err)
			return
		}
		if s.solEr = c.checkAgainstLU(pi); s.solEr != nil {
			return
		}
		s.sol = c.figures(pi)
	})
	return s.sol, s.solEr
}

// figures derives the measures from the stationary distribution pi: time
// averages Σπ·f, and rates Σπ·(rate of the event out of the state).
func (c *chain) figures(pi []float64) *solution {
	sys := c.sys
	mu := 1 / sys.Service
	dist := make([]float64, sys.capacity()+1)
	var inSystem, waiting, served, good, retry, reject, exhaust float64
	for i, st := range c.states {
		p := pi[i]
		n := c.level(i)
		dist[n] += p
		inSystem += float64(p * float64(n))
		waiting += float64(p * float64(st.waiting()))
		busy := st.busy()
		served += float64(p * float64(float64(busy)*mu))
		good += float64(p * float64(float64(busy-int(st.svc[0]))*mu))
		retry += float64(p * c.retry[i])
		reject += float64(p * c.reject[i])
		exhaust += float64(p * c.exhaust[i])
	}
	m := []float64{inSystem, waiting, served, good, retry, reject}
	if sys.Attempts > 0 {
		m = append(m, exhaust)
	}
	if sys.Modes != nil {
		var low, high float64
		for n, p := range dist {
			switch {
			case n <= sys.Modes[0]:
				low += p
			case n >= sys.Modes[1]:
				high += p
			}
		}
		m = append(m, low, high)
	}
	return &solution{chain: c, pi: pi, measures: m, dist: dist}
}

// Describe implements textbook.Case.
func (s *System) Describe() (textbook.CaseResult, error) {
	if _, err := s.solved(); err != nil {
		return textbook.CaseResult{}, err
	}
	retries := "unlimited retries"
	if s.Attempts > 0 {
		retries = fmt.Sprintf("%d attempts", s.Attempts)
	}
	return textbook.CaseResult{Name: s.Name, Lambda: float64(s.Agents) / s.Think,
		Service: fmt.Sprintf("exponential mean %g", s.Service), Servers: s.Servers, Buffer: s.Buffer, Sources: s.Agents,
		Model: fmt.Sprintf("closed, %d agents thinking exp(%g s); exponential timeouts of mean %g s, %s; %d states",
			s.Agents, s.Think, s.Timeout, retries, len(s.sol.chain.states))}, nil
}

// Measures implements textbook.Case: time averages of the attempts at the
// server (waiting or in service, zombies included) and of those waiting,
// then rates per second of attempts served, requests succeeded, retries
// sent and attempts turned away, with limited attempts of requests given up
// at their last attempt's timeout, and the modes' time shares.
func (s *System) Measures() []string {
	m := []string{MeasureInSystem, MeasureWaiting, MeasureThroughput, MeasureGoodput, MeasureRetries, MeasureRejections}
	if s.Attempts > 0 {
		m = append(m, MeasureExhausted)
	}
	if s.Modes != nil {
		m = append(m, fmt.Sprintf("P(n ≤ %d)", s.Modes[0]), fmt.Sprintf("P(n ≥ %d)", s.Modes[1]))
	}
	return m
}

// Theory implements textbook.Case: the chain's exact values.
func (s *System) Theory() ([]float64, error) {
	sol, err := s.solved()
	if err != nil {
		return nil, err
	}
	return sol.measures, nil
}

// Distribution implements textbook.Distributed.
func (s *System) Distribution() (of string, p []float64) {
	sol, err := s.solved()
	if err != nil {
		return "", nil
	}
	return "attempts at the server", sol.dist
}

// Plan implements textbook.Case: the System's own warm-up and length; at
// most Agents/Think requests a second.
func (s *System) Plan(textbook.SuiteOptions) (warmUp, length, requests float64) {
	return s.WarmUp, s.Length, float64(s.Agents) / s.Think * (s.WarmUp + s.Length)
}

// Legend implements textbook.Legended.
func (s *System) Legend() string {
	return "Closed systems with retries: n attempts at the server, zombies included; the chain is solved by elimination (checked against gonum's LU)."
}

// NewReplicator implements textbook.Case.
func (s *System) NewReplicator() textbook.Replicator { return &replicator{sys: s} }

// Config returns the system as an ordinary scenario with root seed seed,
// agents creating requests until horizon seconds.
func (s *System) Config(seed uint64, horizon float64) *model.Config {
	attempts := s.Attempts
	if attempts == 0 {
		attempts = ModelMaxAttempts
	}
	return &model.Config{
		Name:        s.Name,
		Description: "closed system with retries, for the Markov-chain check",
		Seed:        seed,
		Agents: model.AgentConfig{
			Count:   s.Agents,
			Arrival: model.Closed,
			Think:   model.Dist{Kind: model.Exponential, Mean: s.Think},
			Horizon: horizon,
			Mix:     []model.WorkloadType{{Name: "unit", Weight: 1, Work: 1}},
		},
		Queue:     model.QueueConfig{Buffer: s.Buffer},
		Workers:   model.WorkerConfig{Count: s.Servers, Service: model.Dist{Kind: model.Exponential, Mean: s.Service}},
		Detector:  textbook.ObservingDetector(50),
		Telemetry: model.TelemetryConfig{Percentiles: model.SketchPercentiles},
		Client: model.ClientConfig{
			Timeouts: model.TimeoutConfig{Attempt: s.Timeout, AttemptLaw: model.Exponential},
			Retry:    model.RetryConfig{MaxAttempts: attempts, On: []string{model.ClientTimeout.String()}},
		},
	}
}

// replicator runs replications of a System.
type replicator struct {
	sys *System
	rec recorder
}

// Replicate implements textbook.Replicator.
func (r *replicator) Replicate(seed uint64, warmUp, length float64) (textbook.Replication, error) {
	return r.run(r.sys.Config(seed, warmUp+length), warmUp, length)
}

// run simulates cfg, a configuration of the system, and measures it after
// warmUp for length seconds.
func (r *replicator) run(cfg *model.Config, warmUp, length float64) (textbook.Replication, error) {
	s := r.sys
	from := kernel.Time(kernel.Seconds(warmUp))
	to := kernel.Time(kernel.Seconds(warmUp + length))
	rec := &r.rec
	rec.reset(from, to, s.capacity())
	if _, err := model.Run(cfg, model.Options{Sinks: []model.Sink{rec}}); err != nil {
		return textbook.Replication{}, err
	}
	rec.advance(to)
	if s.Attempts == 0 && rec.exhaustedAll > 0 {
		return textbook.Replication{}, fmt.Errorf("validate: %s: %d requests used all %d attempts, which the chain without a limit cannot do",
			s.Name, rec.exhaustedAll, ModelMaxAttempts)
	}
	span := float64(to - from)
	perSecond := func(n int) float64 { return float64(n) / (span / 1e9) }
	v := []float64{float64(rec.inSystem) / span, float64(rec.waiting) / span,
		perSecond(rec.served), perSecond(rec.succeeded), perSecond(rec.retried), perSecond(rec.rejected)}
	if s.Attempts > 0 {
		v = append(v, perSecond(rec.exhausted))
	}
	shares := make([]float64, len(rec.time))
	for n, t := range rec.time {
		shares[n] = float64(t) / span
	}
	if s.Modes != nil {
		var low, high int64
		for n, t := range rec.time {
			switch {
			case n <= s.Modes[0]:
				low += t
			case n >= s.Modes[1]:
				high += t
			}
		}
		v = append(v, float64(low)/span, float64(high)/span)
	}
	return textbook.Replication{Values: v, Counted: rec.created, Shares: shares}, nil
}

// recorder is a model.Sink that measures a System's run in the window
// [from, to): the time integrals of the attempts at the server and of those
// waiting, the time spent at each number at the server, and counts of the
// events the rates are made of. Integrals are in integer nanoseconds, so
// they are the same on every machine.
type recorder struct {
	from, to kernel.Time
	last     kernel.Time // the integrals run up to here
	n, depth int         // attempts at the server, waiting now

	inSystem, waiting int64   // ns × attempts
	time              []int64 // ns at each n

	created, served, succeeded, retried, rejected, exhausted int

	// exhaustedAll counts the requests that used every attempt, in the
	// window or not.
	exhaustedAll int
}

func (r *recorder) reset(from, to kernel.Time, capacity int) {
	t := r.time
	if cap(t) < capacity+1 {
		t = make([]int64, capacity+1)
	}
	t = t[:capacity+1]
	clear(t)
	*r = recorder{from: from, to: to, last: from, time: t}
}

// advance integrates the current state up to t, within the window.
func (r *recorder) advance(t kernel.Time) {
	t = min(t, r.to)
	if t <= r.last {
		return
	}
	d := int64(t - r.last)
	r.inSystem += d * int64(r.n)
	r.waiting += d * int64(r.depth)
	r.time[r.n] += d
	r.last = t
}

// Observe consumes one lifecycle event.
func (r *recorder) Observe(e model.Event) {
	r.advance(e.T)
	in := e.T >= r.from && e.T < r.to
	count := func(c *int) {
		if in {
			*c++
		}
	}
	switch e.Type {
	case model.Created:
		count(&r.created)
	case model.Enqueued:
		r.n++
	case model.Responded:
		r.n--
		count(&r.served)
	case model.Dropped:
		r.n--
	case model.Completed:
		count(&r.succeeded)
	case model.Retried:
		count(&r.retried)
	case model.Rejected:
		count(&r.rejected)
	case model.Failed:
		if e.Failure == model.ClientTimeout {
			count(&r.exhausted)
			r.exhaustedAll++
		}
	}
	r.depth = int(e.Depth)
}
