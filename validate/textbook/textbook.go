package textbook

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/validate/queueing"
)

// Infinite is the Queue.Buffer of a queue without a waiting-room limit. It is
// simulated with model.MaxBuffer places, which no run in this package comes
// near; a rejection in such a run is reported as an error.
const Infinite = -1

// Queue is a textbook queue to simulate with model.Run and compare with its
// exact analytic solution: Poisson arrivals at rate Lambda, Servers
// identical workers with independent service times drawn from Service, FCFS,
// and a waiting room of Buffer places (M/·/c/(c+B) in textbook notation;
// Buffer 0 is the Erlang B loss system, Infinite has no limit).
//
// As a scenario it is an ordinary model.Config (see Config): Sources
// independent Poisson agents at Lambda/Sources each, one workload type of
// work 1, no overhead, no slowdown, no faults, no backoff, no queue timeout
// and the throttle disabled, so nothing but the queue acts on the requests.
type Queue struct {
	// Name labels the queue in tables, e.g. "M/M/1 ρ=0.50". It also keys the
	// queue's random streams in a Suite, so it must be unique there.
	Name string
	// Lambda is the total arrival rate, requests per second; > 0.
	Lambda float64
	// Service is the service-time distribution, seconds. Exponential service
	// has every analytic result; other kinds only with one server and an
	// infinite waiting room (M/G/1).
	Service model.Dist
	// Servers is the number of workers c ≥ 1.
	Servers int
	// Buffer is the number of waiting places B ≥ 0, or Infinite.
	Buffer int
	// Sources is the number of Poisson agents sharing Lambda; 0 means 1.
	// Their superposition is again Poisson at rate Lambda.
	Sources int
	// Percentile p in (0, 1) adds the p-quantile of the sojourn time (of the
	// wait for M/D/1) as a measure; 0 means none. It needs an exact
	// analytic form: exponential service, or deterministic M/D/1.
	Percentile float64
}

// Measure names.
const (
	MeasureWait     = "mean wait"
	MeasureSojourn  = "mean sojourn"
	MeasureBlocking = "blocking"
)

// sources returns the number of agents.
func (q Queue) sources() int { return max(q.Sources, 1) }

func (q Queue) infinite() bool { return q.Buffer == Infinite }

// check validates the queue's parameters and reports whether the analytic
// layer can solve it.
func (q Queue) check() error {
	switch {
	case q.Name == "":
		return errors.New("validate: queue needs a name")
	case !(q.Lambda > 0) || math.IsInf(q.Lambda, 1):
		return fmt.Errorf("validate: %s: arrival rate must be finite and > 0", q.Name)
	case q.Servers < 1:
		return fmt.Errorf("validate: %s: need at least one server", q.Name)
	case q.Buffer < Infinite || q.Buffer >= model.MaxBuffer:
		return fmt.Errorf("validate: %s: buffer must be Infinite or in [0, %d)", q.Name, model.MaxBuffer)
	case q.Sources < 0:
		return fmt.Errorf("validate: %s: negative number of sources", q.Name)
	case q.Percentile < 0 || q.Percentile >= 1:
		return fmt.Errorf("validate: %s: percentile must be in (0, 1), or 0 for none", q.Name)
	}
	cfg := q.config(1, 1)
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("validate: %s: %w", q.Name, err)
	}
	exp := q.Service.Kind == model.Exponential
	if !exp && (q.Servers != 1 || !q.infinite()) {
		return fmt.Errorf("validate: %s: %s service is solved only for M/G/1 (one server, infinite buffer)", q.Name, q.Service.Kind)
	}
	if math.IsInf(q.Service.SCV(), 1) {
		return fmt.Errorf("validate: %s: service time of infinite variance: no steady-state mean wait", q.Name)
	}
	if q.Percentile > 0 && !exp && q.Service.Kind != model.Deterministic {
		return fmt.Errorf("validate: %s: no exact percentile for %s service", q.Name, q.Service.Kind)
	}
	if q.infinite() && q.rho() >= 1 {
		return fmt.Errorf("validate: %s: %w: ρ = %g", q.Name, queueing.ErrUnstable, q.rho())
	}
	return nil
}

// mu returns the service rate of one worker, 1/E[S].
func (q Queue) mu() float64 { return 1 / q.Service.MeanValue() }

// rho returns the offered load per server λE[S]/c.
func (q Queue) rho() float64 { return q.Lambda * q.Service.MeanValue() / float64(q.Servers) }

// measures returns the names of the queue's measures in the order of every
// per-replication vector: blocking first for a finite waiting room, then the
// mean wait, the mean sojourn and, if asked for, the percentile.
func (q Queue) measures() []string {
	var m []string
	if !q.infinite() {
		m = append(m, MeasureBlocking)
	}
	m = append(m, MeasureWait, MeasureSojourn)
	if q.Percentile > 0 {
		m = append(m, q.percentileName())
	}
	return m
}

// waitPercentile reports whether the percentile is of the wait (M/D/1,
// whose exact form is for the wait) rather than the sojourn.
func (q Queue) waitPercentile() bool { return q.Service.Kind == model.Deterministic }

func (q Queue) percentileName() string {
	what := "sojourn"
	if q.waitPercentile() {
		what = "wait"
	}
	return fmt.Sprintf("%s p%g", what, 100*q.Percentile)
}

// Theory returns the exact value of each of Measures, in seconds for times.
// It returns an error if Check does.
func (q Queue) Theory() ([]float64, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	mu, c := q.mu(), q.Servers
	var r queueing.Result
	var err error
	switch {
	case q.Service.Kind != model.Exponential:
		r, err = queueing.MG1(q.Lambda, q.Service.MeanValue(), q.Service.SCV())
	case !q.infinite():
		r, err = queueing.MMcB(q.Lambda, mu, c, q.Buffer)
	case c == 1:
		r, err = queueing.MM1(q.Lambda, mu)
	default:
		r, err = queueing.MMc(q.Lambda, mu, c)
	}
	if err != nil {
		return nil, fmt.Errorf("validate: %s: %w", q.Name, err)
	}
	var v []float64
	if !q.infinite() {
		v = append(v, r.Blocking)
	}
	v = append(v, r.Wq, r.W)
	if p := q.Percentile; p > 0 {
		switch {
		case q.waitPercentile():
			v = append(v, queueing.MD1WaitQuantile(q.Lambda, q.Service.Mean, p))
		case !q.infinite():
			v = append(v, queueing.MMcBSojournQuantile(q.Lambda, mu, c, q.Buffer, p))
		case c == 1:
			v = append(v, queueing.MM1SojournQuantile(q.Lambda, mu, p))
		default:
			v = append(v, queueing.MMcSojournQuantile(q.Lambda, mu, c, p))
		}
	}
	return v, nil
}

// config returns the queue as an ordinary scenario: the model.config that
// model.Run simulates, with root seed seed and arrivals until horizon
// seconds (requests in flight then still finish). The detector only
// observes (the throttle is off); its period is set long, about 128
// arrivals, because its ticks cost events and change nothing.
func (q Queue) config(seed uint64, horizon float64) *model.Config {
	n := q.sources()
	buffer := q.Buffer
	if q.infinite() {
		buffer = model.MaxBuffer
	}
	period := roundUp2(min(128/q.Lambda, 1e8))
	return &model.Config{
		Name:        q.Name,
		Description: "textbook queue for validation",
		Seed:        seed,
		Agents: model.AgentConfig{
			Count:   n,
			Arrival: model.Poisson,
			Think:   model.Dist{Kind: model.Exponential, Mean: float64(n) / q.Lambda},
			Horizon: horizon,
			Mix:     []model.WorkloadType{{Name: "unit", Weight: 1, Work: 1}},
		},
		Queue:   model.QueueConfig{Buffer: buffer},
		Workers: model.WorkerConfig{Count: q.Servers, Service: q.Service},
		Detector: model.DetectorConfig{
			Period: period, Window: period, DegradedSaturation: 1, CollapseSaturation: 1,
			GrowthSamples: 1, MinWindowSamples: 1, FinalFraction: 1,
		},
		Telemetry: model.TelemetryConfig{Percentiles: model.SketchPercentiles},
	}
}

// relaxationTime returns a time constant, in seconds, for the approach of
// the queue to steady state: the inverse spectral gap of its birth–death
// chain, as if the queue part were one server of rate cμ,
//
//	gap = cμ[(1−√ρ)² + 2√ρ(1 − cos(π/(B+1)))],
//
// (the exact gap of a random walk on B+1 states with those rates; the cosine
// term vanishes for an infinite waiting room), but no faster than the
// service time scale (gap ≤ μ, the gap of M/M/∞). For non-exponential
// service it is multiplied by (1+scv)/2, the heavy-traffic ratio of the
// queue's variance to M/M/1's (Kingman). It is a heuristic for choosing run
// lengths, not an analytic result.
func (q Queue) relaxationTime() float64 {
	mu, c, rho := q.mu(), float64(q.Servers), q.rho()
	d := 1 - math.Sqrt(rho)
	g := d * d
	if !q.infinite() {
		g += 2 * math.Sqrt(rho) * (1 - math.Cos(math.Pi/float64(q.Buffer+1)))
	}
	gap := math.Min(mu, c*mu*g)
	return (1 + q.Service.SCV()) / 2 / gap
}

// logInvP0 returns ln(1/π₀), π₀ the steady-state probability that the
// system is empty: the state every run starts from.
func (q Queue) logInvP0() float64 {
	if q.Service.Kind != model.Exponential {
		return -math.Log(1 - q.rho()) // M/G/1: π₀ = 1−ρ
	}
	buffer := q.Buffer
	if q.infinite() {
		buffer = -1
	}
	return queueing.LogInvP0(q.Lambda, q.mu(), q.Servers, buffer)
}

// warmUp returns the warm-up time in seconds: requests created before it are
// discarded. The rule is the L² mixing bound of a reversible chain started
// in state x, ‖P^t(x,·) − π‖ ≤ e^{−t/τ}/√π(x): with τ the relaxation time
// and x the empty system, after τ(½ln(1/π₀) + 5) the state distribution is
// within e⁻⁵ of steady state. The result is rounded up to two significant
// digits so that ulp-level differences in the heuristic between machines
// cannot change a run.
func (q Queue) warmUp() float64 {
	return roundUp2(q.relaxationTime() * (q.logInvP0()/2 + 5))
}

// roundUp2 rounds x > 0 up to two significant digits.
func roundUp2(x float64) float64 {
	e := math.Floor(math.Log10(x)) - 1
	s := math.Pow(10, e)
	return math.Ceil(x/s*(1-1e-12)) * s
}

// seed returns the queue's root seed in a suite whose root seed is root:
// the first value of the stream (root, Name).
func (q Queue) seed(root uint64) uint64 {
	s := kernel.NewStream(root, q.Name)
	return s.Uint64()
}

// replication is the outcome of one replication: one value per measure,
// in the order of Queue.measures.
type replication struct {
	Values []float64
	// Counted is the number of requests created after the warm-up;
	// Rejected how many of them were rejected.
	Counted, Rejected int
}

// simulate simulates one replication of q with model.Run under root seed
// seed: arrivals for warmUp+length seconds, requests created before warmUp
// discarded. Waits and sojourns are over accepted requests; the percentile
// is the empirical one of this replication's requests (the smallest value
// with at least a fraction p of them at or below it). It returns an error if
// the queue is invalid, if a request fails or, with an infinite waiting
// room, is rejected, or if no request is accepted after the warm-up.
func (q Queue) simulate(seed uint64, warmUp, length float64) (replication, error) {
	if err := q.check(); err != nil {
		return replication{}, err
	}
	var c collector
	return c.replicate(q, seed, warmUp, length)
}

func (c *collector) replicate(q Queue, seed uint64, warmUp, length float64) (replication, error) {
	cfg := q.config(seed, warmUp+length)
	c.reset(q.sources(), kernel.Time(kernel.Seconds(warmUp)), q.Percentile > 0, q.waitPercentile())
	if _, err := c.runs.Run(cfg, model.Options{Sinks: []model.Sink{c}}); err != nil {
		return replication{}, err
	}
	switch {
	case c.Unexpected > 0:
		return replication{}, fmt.Errorf("validate: %s: %d requests failed, which a textbook queue cannot do", q.Name, c.Unexpected)
	case q.infinite() && c.Rejected > 0:
		return replication{}, fmt.Errorf("validate: %s: %d requests rejected by an infinite waiting room", q.Name, c.Rejected)
	case c.Accepted == 0:
		return replication{}, fmt.Errorf("validate: %s: no request accepted after the warm-up; run longer", q.Name)
	}
	rep := replication{Counted: c.Counted, Rejected: c.Rejected}
	if !q.infinite() {
		rep.Values = append(rep.Values, float64(c.Rejected)/float64(c.Counted))
	}
	rep.Values = append(rep.Values, c.WaitSum/1e9/float64(c.Accepted), c.SojournSum/1e9/float64(c.Accepted))
	if q.Percentile > 0 {
		rep.Values = append(rep.Values, c.quantile(q.Percentile).Seconds())
	}
	return rep, nil
}

// collector is a model.Sink that measures a textbook queue from the
// lifecycle events of a run: for every request created at or after warmUp,
// whether it was rejected, its wait (Started − Created) and its sojourn
// (the Latency of Completed). Sums are in nanoseconds, accumulated in event
// order, so they are the same on every machine.
type collector struct {
	WarmUp kernel.Time

	Counted, Rejected, Accepted int
	// Unexpected counts requests that failed other than by rejection: none
	// in a textbook queue.
	Unexpected          int
	WaitSum, SojournSum float64 // ns

	created  [][]kernel.Time // creation time by agent and sequence number
	keep     bool            // keep samples for a percentile
	keepWait bool            // the samples are waits, not sojourns
	samples  []int64
	runs     model.Runner // one replication's memory, for the next
}

// reset prepares the collector for a run with the given number of agents,
// keeping its buffers. keep asks for samples for Quantile, of the wait if
// wait is set, else of the sojourn.
func (c *collector) reset(agents int, warmUp kernel.Time, keep, wait bool) {
	if cap(c.created) < agents {
		c.created = make([][]kernel.Time, agents)
	}
	created := c.created[:agents]
	for i := range created {
		created[i] = created[i][:0]
	}
	*c = collector{WarmUp: warmUp, created: created, keep: keep, keepWait: wait, samples: c.samples[:0], runs: c.runs}
}

// Observe consumes one lifecycle event.
func (c *collector) Observe(e model.Event) {
	switch e.Type {
	case model.Created:
		// A Poisson agent's requests are created in sequence order.
		c.created[e.Agent] = append(c.created[e.Agent], e.T)
		if e.T >= c.WarmUp {
			c.Counted++
		}
	case model.Rejected:
		if c.counted(e) {
			c.Rejected++
		}
	case model.Started:
		if c.counted(e) {
			w := e.T - c.created[e.Agent][e.Seq]
			c.Accepted++
			c.WaitSum += float64(w)
			if c.keep && c.keepWait {
				c.samples = append(c.samples, int64(w))
			}
		}
	case model.Completed:
		if c.counted(e) {
			c.SojournSum += float64(e.Latency)
			if c.keep && !c.keepWait {
				c.samples = append(c.samples, int64(e.Latency))
			}
		}
	case model.Failed:
		if e.Failure != model.QueueOverflow { // a rejection ends its request: counted above
			c.Unexpected++
		}
	}
}

func (c *collector) counted(e model.Event) bool { return c.created[e.Agent][e.Seq] >= c.WarmUp }

// quantile returns the empirical p-quantile of the kept samples: the
// smallest value with at least a fraction p of them at or below it. It
// sorts the samples and returns 0 when there are none.
func (c *collector) quantile(p float64) kernel.Duration {
	n := len(c.samples)
	if n == 0 {
		return 0
	}
	k := int(math.Ceil(p*float64(n))) - 1
	k = min(max(k, 0), n-1)
	slices.Sort(c.samples)
	return kernel.Duration(c.samples[k])
}

// QueueFromConfig recognises a scenario that is a textbook queue (see
// Queue) and returns it, named after the scenario, with the 95th percentile
// as its percentile measure. The scenario's seed, horizon and request budget
// are ignored: the suite chooses run lengths itself. A waiting room of
// model.MaxBuffer places counts as Infinite. It returns an error naming the
// first field that makes the scenario something other than a textbook
// queue.
func QueueFromConfig(cfg *model.Config) (Queue, error) {
	if err := cfg.Validate(); err != nil {
		return Queue{}, err
	}
	a, w, f := &cfg.Agents, &cfg.Workers, &cfg.Faults
	not := func(path, why string) (Queue, error) {
		return Queue{}, fmt.Errorf("validate: %s is not a textbook queue: %s %s", cfg.Name, path, why)
	}
	switch {
	case a.Arrival != model.Poisson:
		return not("agents.arrival", "must be \"poisson\"")
	case a.Think.Kind != model.Exponential || !(a.Think.Mean > 0):
		return not("agents.think", "must be exponential with a mean above 0")
	case a.Stagger != 0:
		return not("agents.stagger", "must be 0")
	case len(a.Mix) != 1 || a.Mix[0].Work != 1:
		return not("agents.mix", "must be one workload type of work 1")
	case cfg.Queue.Timeout != 0:
		return not("queue.timeout", "must be 0")
	case w.Overhead != 0:
		return not("workers.overhead", "must be 0")
	case w.Slowdown.Alpha != 0:
		return not("workers.slowdown.alpha", "must be 0")
	case f.SpikeProbability != 0:
		return not("faults.spike_probability", "must be 0")
	case f.ErrorProbability != 0 || f.PressureError != 0:
		return not("faults.error_probability", "and pressure_error must be 0")
	case cfg.Throttle.Enabled:
		return not("throttle.enabled", "must be false")
	}
	q := Queue{Name: cfg.Name, Lambda: float64(a.Count) / a.Think.Mean, Service: w.Service,
		Servers: w.Count, Buffer: cfg.Queue.Buffer, Sources: a.Count, Percentile: 0.95}
	if q.Buffer == model.MaxBuffer {
		q.Buffer = Infinite
	}
	if q.Service.Kind != model.Exponential && q.Service.Kind != model.Deterministic {
		q.Percentile = 0
	}
	if err := q.check(); err != nil {
		return Queue{}, err
	}
	return q, nil
}
