package textbook

import (
	"errors"
	"fmt"
	"math"
	"reflect"
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
	// wait for M/D/1, of both behind a pool) as a measure; 0 means none. It
	// needs an exact analytic form: exponential service, or deterministic
	// M/D/1.
	Percentile float64

	// A client or a network in front of the queue (issue 12's checks), at
	// most one of the three, each solved for exponential service and an
	// infinite waiting room:
	//
	// Pool > 0 gives the client a connection pool of Pool connections,
	// waited for in FIFO order as long as it takes, with no dial time: at
	// most Pool attempts are at the server at once, so with Pool < Servers
	// the system is M/M/Pool, its queue in the pool, and no attempt waits
	// at the server.
	Pool int
	// Loss > 0 puts a network in front that loses each attempt on its way
	// to the server with probability Loss (Bernoulli); the client gives up
	// on an attempt after Timeout seconds and sends the next at once, up to
	// Attempts in all. A request needs a geometric number of attempts,
	// truncated at Attempts, each lost one costing Timeout seconds; the
	// attempts that arrive are a Poisson stream of rate
	// Lambda·(1 − Loss^Attempts), so the server is M/M/c at that rate.
	// Timeout must be long enough that an attempt which reaches the server
	// is answered before it (check requires P(sojourn > Timeout) < 10⁻¹²;
	// a replication in which one is not fails).
	Loss     float64
	Timeout  float64
	Attempts int
	// Delay > 0 is a constant network delay, in seconds, on the request
	// path and on the response path: it adds Delay to every wait and
	// exactly 2·Delay to every sojourn, which the suite checks request by
	// request against the same replication without the network.
	Delay float64
}

// Measure names.
const (
	MeasureWait     = "mean wait"
	MeasureSojourn  = "mean sojourn"
	MeasureBlocking = "blocking"
	// MeasureAttempts is the attempts sent per request (Loss), and
	// MeasureFailed the share of requests whose every attempt was lost.
	MeasureAttempts = "attempts per request"
	MeasureFailed   = "failed (all lost)"
	// MeasureServerWait is the longest time an attempt waited at the
	// server (Pool): the pool keeps the queue.
	MeasureServerWait = "max wait at server"
	// MeasureShift is the largest |sojourn − sojourn without the network −
	// 2·Delay| over the requests of a replication (Delay): exactly 0.
	MeasureShift = "max |Δsojourn − 2d|"
)

// tailBound bounds P(sojourn > Timeout) of a lossy queue's server.
const tailBound = 1e-12

// sources returns the number of agents.
func (q Queue) sources() int { return max(q.Sources, 1) }

func (q Queue) infinite() bool { return q.Buffer == Infinite }

// lossy reports whether a lossy network and a retrying client are in front.
func (q Queue) lossy() bool { return q.Loss != 0 || q.Timeout != 0 || q.Attempts != 0 }

// servers returns the number of attempts the server can serve at once: the
// workers, or fewer connections.
func (q Queue) servers() int {
	if q.Pool > 0 {
		return min(q.Pool, q.Servers)
	}
	return q.Servers
}

// serverLambda returns the rate of attempts that reach the server: all
// requests, less those whose every attempt is lost.
func (q Queue) serverLambda() float64 {
	if !q.lossy() {
		return q.Lambda
	}
	_, failed, _ := q.retryLaw()
	return q.Lambda * (1 - failed)
}

// retryLaw returns, behind a lossy network, the expected attempts per
// request Σ_{j<m} p^j, the probability p^m that every attempt is lost, and
// the expected number of lost attempts before the one that arrives, given
// that one does: Σ_{j<m} j·p^j(1−p) / (1−p^m) (p = Loss, m = Attempts).
func (q Queue) retryLaw() (attempts, failed, lostBefore float64) {
	pj, sumJ := 1.0, 0.0
	for j := range q.Attempts {
		attempts += pj
		sumJ += float64(float64(j) * pj)
		pj *= q.Loss
	}
	return attempts, pj, float64(sumJ*(1-q.Loss)) / (1 - pj)
}

// exhaustible reports whether requests can fail with every attempt lost
// often enough to measure.
func (q Queue) exhaustible() bool {
	_, failed, _ := q.retryLaw()
	return q.lossy() && failed >= 1e-9
}

// waitPercentile reports whether the percentile measures include the wait's
// (M/D/1, whose exact form is for the wait, and a pool, where the wait is
// the pool's), and sojournPercentile whether they include the sojourn's.
func (q Queue) waitPercentile() bool {
	return q.Service.Kind == model.Deterministic || q.Pool > 0
}

func (q Queue) sojournPercentile() bool { return q.Service.Kind == model.Exponential }

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
	if err := q.checkFront(exp); err != nil {
		return err
	}
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
	if q.lossy() {
		tail := queueing.MMcSojournQuantile(q.serverLambda(), q.mu(), q.Servers, 1-tailBound)
		if !(tail < q.Timeout) {
			return fmt.Errorf("validate: %s: timeout %g s is not above the sojourn's 1−10⁻¹² quantile %.4g s: attempts that reach the server would time out", q.Name, q.Timeout, tail)
		}
	}
	return nil
}

// checkFront checks the client and network in front of the queue.
func (q Queue) checkFront(exp bool) error {
	front := 0
	for _, on := range []bool{q.Pool != 0, q.lossy(), q.Delay != 0} {
		if on {
			front++
		}
	}
	switch {
	case front == 0:
		return nil
	case front > 1:
		return fmt.Errorf("validate: %s: a pool, a lossy network and a delay are solved one at a time", q.Name)
	case !exp || !q.infinite():
		return fmt.Errorf("validate: %s: a client or a network in front is solved for M/M/c with an infinite waiting room", q.Name)
	case q.Pool < 0:
		return fmt.Errorf("validate: %s: negative pool", q.Name)
	case q.Delay < 0 || math.IsInf(q.Delay, 1) || math.IsNaN(q.Delay):
		return fmt.Errorf("validate: %s: the network delay must be finite and ≥ 0", q.Name)
	case !q.lossy():
		return nil
	case !(q.Loss > 0 && q.Loss < 1):
		return fmt.Errorf("validate: %s: loss must be in (0, 1)", q.Name)
	case !(q.Timeout > 0) || math.IsInf(q.Timeout, 1):
		return fmt.Errorf("validate: %s: a lossy network needs a finite timeout above 0", q.Name)
	case q.Attempts < 1 || q.Attempts > 100:
		return fmt.Errorf("validate: %s: attempts must be in [1, 100]", q.Name)
	case q.Percentile != 0:
		return fmt.Errorf("validate: %s: no exact percentile behind a lossy network", q.Name)
	}
	return nil
}

// mu returns the service rate of one worker, 1/E[S].
func (q Queue) mu() float64 { return 1 / q.Service.MeanValue() }

// rho returns the offered load per server λE[S]/c, with λ the attempts
// reaching the server and c the attempts it can serve at once.
func (q Queue) rho() float64 {
	return q.serverLambda() * q.Service.MeanValue() / float64(q.servers())
}

// measures returns the names of the queue's measures in the order of every
// per-replication vector: blocking first for a finite waiting room, then
// the attempts (and failures) behind a lossy network, the mean wait, the
// mean sojourn, the percentiles if asked for, and the exact checks of a
// pool and of a delay.
func (q Queue) measures() []string {
	var m []string
	if !q.infinite() {
		m = append(m, MeasureBlocking)
	}
	if q.lossy() {
		m = append(m, MeasureAttempts)
		if q.exhaustible() {
			m = append(m, MeasureFailed)
		}
	}
	m = append(m, MeasureWait, MeasureSojourn)
	if q.Percentile > 0 {
		if q.waitPercentile() {
			m = append(m, fmt.Sprintf("wait p%g", 100*q.Percentile))
		}
		if q.sojournPercentile() {
			m = append(m, fmt.Sprintf("sojourn p%g", 100*q.Percentile))
		}
	}
	if q.Pool > 0 {
		m = append(m, MeasureServerWait)
	}
	if q.Delay > 0 {
		m = append(m, MeasureShift)
	}
	return m
}

// Theory returns the exact value of each of Measures, in seconds for times.
// It returns an error if Check does.
func (q Queue) Theory() ([]float64, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	mu, c, lambda := q.mu(), q.servers(), q.serverLambda()
	var r queueing.Result
	var err error
	switch {
	case q.Service.Kind != model.Exponential:
		r, err = queueing.MG1(lambda, q.Service.MeanValue(), q.Service.SCV())
	case !q.infinite():
		r, err = queueing.MMcB(lambda, mu, c, q.Buffer)
	case c == 1:
		r, err = queueing.MM1(lambda, mu)
	default:
		r, err = queueing.MMc(lambda, mu, c)
	}
	if err != nil {
		return nil, fmt.Errorf("validate: %s: %w", q.Name, err)
	}
	var v []float64
	if !q.infinite() {
		v = append(v, r.Blocking)
	}
	// What the network adds to every wait and every sojourn: the lost
	// attempts' timeouts, or the delay one way and both ways.
	var addWait, addSojourn float64
	if q.lossy() {
		attempts, failed, lostBefore := q.retryLaw()
		v = append(v, attempts)
		if q.exhaustible() {
			v = append(v, failed)
		}
		addWait = float64(lostBefore * q.Timeout)
		addSojourn = addWait
	}
	if q.Delay > 0 {
		addWait, addSojourn = q.Delay, 2*q.Delay
	}
	v = append(v, r.Wq+addWait, r.W+addSojourn)
	if p := q.Percentile; p > 0 {
		if q.waitPercentile() {
			if q.Service.Kind == model.Deterministic {
				v = append(v, queueing.MD1WaitQuantile(lambda, q.Service.Mean, p))
			} else {
				v = append(v, queueing.MMcWaitQuantile(lambda, mu, c, p)+addWait)
			}
		}
		if q.sojournPercentile() {
			switch {
			case !q.infinite():
				v = append(v, queueing.MMcBSojournQuantile(lambda, mu, c, q.Buffer, p))
			case c == 1:
				v = append(v, queueing.MM1SojournQuantile(lambda, mu, p)+addSojourn)
			default:
				v = append(v, queueing.MMcSojournQuantile(lambda, mu, c, p)+addSojourn)
			}
		}
	}
	if q.Pool > 0 {
		v = append(v, 0) // no attempt waits at the server
	}
	if q.Delay > 0 {
		v = append(v, 0) // every sojourn is its twin's plus 2d, to the nanosecond
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
		Queue:     model.QueueConfig{Buffer: buffer},
		Workers:   model.WorkerConfig{Count: q.Servers, Service: q.Service},
		Detector:  ObservingDetector(period),
		Telemetry: model.TelemetryConfig{Percentiles: model.SketchPercentiles},
		Client:    q.client(),
		Network:   q.network(),
	}
}

// ObservingDetector is the detector of a validation scenario: its ticks
// every period seconds only observe (the throttle is off in such a
// scenario), so the period is long, and its rules never fire.
func ObservingDetector(period float64) model.DetectorConfig {
	return model.DetectorConfig{Period: period, Window: period, DegradedSaturation: 1, CollapseSaturation: 1,
		GrowthSamples: 1, MinWindowSamples: 1, FinalFraction: 1}
}

// client returns the client in front of the queue: a pool, or a timeout
// with immediate retries; the zero client otherwise.
func (q Queue) client() model.ClientConfig {
	var c model.ClientConfig
	if q.Pool > 0 {
		c.Pool = model.PoolConfig{MaxConnections: q.Pool}
	}
	if q.lossy() {
		c.Timeouts.Attempt = q.Timeout
		if q.Attempts > 1 {
			c.Retry = model.RetryConfig{MaxAttempts: q.Attempts, On: []string{model.ClientTimeout.String()}}
		}
	}
	return c
}

// network returns the network in front of the queue: Bernoulli loss on the
// request path, or a constant delay both ways; none otherwise.
func (q Queue) network() model.NetworkConfig {
	var n model.NetworkConfig
	if q.lossy() {
		n.Toxics = []model.Toxic{{Type: model.ToxicLoss, Direction: model.DirRequest, P: q.Loss}}
	}
	if q.Delay > 0 {
		n.Toxics = []model.Toxic{{Type: model.ToxicLatency, Latency: &model.Dist{Kind: model.Deterministic, Mean: q.Delay}}}
	}
	return n
}

// relaxationTime returns a time constant, in seconds, for the approach of
// the queue to steady state: the inverse spectral gap of its birth–death
// chain (of the server's arrivals and of the attempts it serves at once),
// as if the queue part were one server of rate cμ,
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
	mu, c, rho := q.mu(), float64(q.servers()), q.rho()
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
	return queueing.LogInvP0(q.serverLambda(), q.mu(), q.servers(), buffer)
}

// warmUp returns the warm-up time in seconds: requests created before it are
// discarded. The rule is the L² mixing bound of a reversible chain started
// in state x, ‖P^t(x,·) − π‖ ≤ e^{−t/τ}/√π(x): with τ the relaxation time
// and x the empty system, after τ(½ln(1/π₀) + 5) the state distribution is
// within e⁻⁵ of steady state. Behind a lossy network the server's arrivals
// are those of the last Attempts timeouts, so it first waits until at most
// 10⁻⁹ of them are missing: k·Timeout with Loss^k ≤ 10⁻⁹. The result is
// rounded up to two significant digits so that ulp-level differences in the
// heuristic between machines cannot change a run.
func (q Queue) warmUp() float64 {
	w := q.relaxationTime() * (q.logInvP0()/2 + 5)
	if q.lossy() {
		k, pk := 0, 1.0
		for k < q.Attempts-1 && pk > 1e-9 {
			k++
			pk *= q.Loss
		}
		w += float64(k) * q.Timeout
	}
	return roundUp2(w)
}

// roundUp2 rounds x > 0 up to two significant digits.
func roundUp2(x float64) float64 {
	e := math.Floor(math.Log10(x)) - 1
	s := math.Pow(10, e)
	return math.Ceil(x/s*(1-1e-12)) * s
}

// seed returns the queue's root seed in a suite whose root seed is root.
func (q Queue) seed(root uint64) uint64 { return caseSeed(root, q.Name) }

// Describe implements Case: the queue's figures, or the error of check.
func (q Queue) Describe() (CaseResult, error) {
	if err := q.check(); err != nil {
		return CaseResult{}, err
	}
	res := CaseResult{Name: q.Name, Lambda: q.Lambda, Service: describeDist(q.Service), Servers: q.Servers,
		Buffer: q.Buffer, Sources: q.sources(), Rho: q.rho()}
	switch {
	case q.Pool > 0:
		res.Model = fmt.Sprintf("pool of %d connections", q.Pool)
	case q.lossy():
		res.Model = fmt.Sprintf("request loss %g, timeout %g s, %d attempts", q.Loss, q.Timeout, q.Attempts)
	case q.Delay > 0:
		res.Model = fmt.Sprintf("network delay %g s each way", q.Delay)
	}
	return res, nil
}

// Measures implements Case.
func (q Queue) Measures() []string { return q.measures() }

// Plan implements Case: the warm-up, and a measured length of
// RepRelaxations relaxation times, shortened if need be so that MinReps
// replications fit in the budget, but at least RepArrivals arrivals.
func (q Queue) Plan(opt SuiteOptions) (warmUp, length, requests float64) {
	warmUp = q.warmUp()
	length = math.Min(opt.RepRelaxations*q.relaxationTime(), opt.Budget/float64(opt.Precision.MinReps)/q.Lambda-warmUp)
	length = roundUp2(math.Max(length, opt.RepArrivals/q.Lambda))
	return warmUp, length, q.Lambda * (warmUp + length)
}

// NewReplicator implements Case.
func (q Queue) NewReplicator() Replicator { return &queueReplicator{q: q} }

// Legend implements Legended.
func (q Queue) Legend() string {
	if q.Pool > 0 || q.lossy() || q.Delay > 0 {
		return "Behind a pool of N < c connections M/M/c is M/M/N; a lossy network adds its lost attempts' timeouts; a delay d adds d to waits, 2d to sojourns."
	}
	return "M/M/c/K has K = c + waiting places (M/M/c/c is Erlang B); ρ = λ/(cμ); n src: n Poisson agents share λ; times in seconds."
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
	var r queueReplicator
	return r.replicate(q, seed, warmUp, length)
}

// queueReplicator runs a queue's replications with buffers it keeps: a
// collector, and for a delay a second one for the twin run without the
// network.
type queueReplicator struct {
	q         Queue
	c, twin   collector
	shiftSeen kernel.Duration
}

// Replicate implements Replicator.
func (r *queueReplicator) Replicate(seed uint64, warmUp, length float64) (Replication, error) {
	rep, err := r.replicate(r.q, seed, warmUp, length)
	return Replication{Values: rep.Values, Counted: rep.Counted}, err
}

func (r *queueReplicator) replicate(q Queue, seed uint64, warmUp, length float64) (replication, error) {
	c := &r.c
	keep := collect{wait: q.Percentile > 0 && q.waitPercentile(), sojourn: q.Percentile > 0 && q.sojournPercentile(),
		sent: q.Pool > 0, latencies: q.Delay > 0}
	if q.Delay > 0 {
		// The twin: the same replication without the network.
		twin := q
		twin.Delay = 0
		if err := r.twin.run(twin, seed, warmUp, length, collect{latencies: true}); err != nil {
			return replication{}, err
		}
	}
	if err := c.run(q, seed, warmUp, length, keep); err != nil {
		return replication{}, err
	}
	rep := replication{Counted: c.Counted, Rejected: c.Rejected}
	if !q.infinite() {
		rep.Values = append(rep.Values, float64(c.Rejected)/float64(c.Counted))
	}
	if q.lossy() {
		rep.Values = append(rep.Values, float64(c.Attempts)/float64(c.Counted))
		if q.exhaustible() {
			rep.Values = append(rep.Values, float64(c.Failed)/float64(c.Counted))
		}
	}
	rep.Values = append(rep.Values, c.WaitSum/1e9/float64(c.Accepted), c.SojournSum/1e9/float64(c.Accepted))
	if q.Percentile > 0 {
		if q.waitPercentile() {
			rep.Values = append(rep.Values, quantile(c.waits, q.Percentile).Seconds())
		}
		if q.sojournPercentile() {
			rep.Values = append(rep.Values, quantile(c.sojourns, q.Percentile).Seconds())
		}
	}
	if q.Pool > 0 {
		rep.Values = append(rep.Values, c.ServerWaitMax.Seconds())
	}
	if q.Delay > 0 {
		shift, err := c.shiftFrom(&r.twin, kernel.Seconds(2*q.Delay))
		if err != nil {
			return replication{}, fmt.Errorf("validate: %s: %w", q.Name, err)
		}
		rep.Values = append(rep.Values, shift.Seconds())
	}
	return rep, nil
}

// run simulates one replication of q into the collector and checks that
// nothing happened that the theory excludes.
func (c *collector) run(q Queue, seed uint64, warmUp, length float64, keep collect) error {
	cfg := q.config(seed, warmUp+length)
	c.reset(q.sources(), kernel.Time(kernel.Seconds(warmUp)), keep)
	c.lossy = q.lossy()
	report, err := c.runs.Run(cfg, model.Options{Sinks: []model.Sink{c}})
	switch {
	case err != nil:
		return err
	case c.Unexpected > 0:
		return fmt.Errorf("validate: %s: %d requests failed, which a textbook queue cannot do", q.Name, c.Unexpected)
	case q.infinite() && c.Rejected > 0:
		return fmt.Errorf("validate: %s: %d requests rejected by an infinite waiting room", q.Name, c.Rejected)
	case report.Client != nil && report.Client.Zombies > 0:
		return fmt.Errorf("validate: %s: %d attempts reached the server and timed out, which the theory excludes: lengthen the timeout", q.Name, report.Client.Zombies)
	case c.Accepted == 0:
		return fmt.Errorf("validate: %s: no request accepted after the warm-up; run longer", q.Name)
	}
	return nil
}

// collect says what a collector keeps beyond its sums: the waits or the
// sojourns for percentiles, each request's send time (for the wait at the
// server) or its sojourn (for the comparison with a twin run).
type collect struct{ wait, sojourn, sent, latencies bool }

// collector is a model.Sink that measures a textbook queue from the
// lifecycle events of a run: for every request created at or after warmUp,
// whether it was rejected, the attempts sent for it, its wait (Started −
// Created, so behind a pool or a network it includes theirs) and its
// sojourn (the Latency of Completed). Sums are in nanoseconds, accumulated
// in event order, so they are the same on every machine.
type collector struct {
	WarmUp kernel.Time

	Counted, Rejected, Accepted int
	// Attempts counts the attempts sent for counted requests, Failed those
	// requests whose every attempt was lost (a lossy network).
	Attempts, Failed int
	// Unexpected counts requests that failed other than by rejection or,
	// behind a lossy network, by losing every attempt.
	Unexpected          int
	WaitSum, SojournSum float64 // ns
	// ServerWaitMax is the longest Started − Sent of a counted request.
	ServerWaitMax kernel.Duration

	lossy     bool
	created   [][]kernel.Time     // creation time by agent and sequence number
	sent      [][]kernel.Time     // last send time by agent and sequence number (collect.sent)
	latencies [][]kernel.Duration // sojourn by agent and sequence number, −1 if none (collect.latencies)
	keep      collect
	waits     []int64
	sojourns  []int64
	runs      model.Runner // one replication's memory, for the next
}

// reset prepares the collector for a run with the given number of agents,
// keeping its buffers.
func (c *collector) reset(agents int, warmUp kernel.Time, keep collect) {
	perAgent := func(s [][]kernel.Time) [][]kernel.Time {
		if cap(s) < agents {
			s = make([][]kernel.Time, agents)
		}
		s = s[:agents]
		for i := range s {
			s[i] = s[i][:0]
		}
		return s
	}
	created, sent := perAgent(c.created), c.sent
	if keep.sent {
		sent = perAgent(sent)
	}
	latencies := c.latencies
	if keep.latencies {
		if cap(latencies) < agents {
			latencies = make([][]kernel.Duration, agents)
		}
		latencies = latencies[:agents]
		for i := range latencies {
			latencies[i] = latencies[i][:0]
		}
	}
	*c = collector{WarmUp: warmUp, created: created, sent: sent, latencies: latencies, keep: keep,
		waits: c.waits[:0], sojourns: c.sojourns[:0], runs: c.runs}
}

// Observe consumes one lifecycle event.
func (c *collector) Observe(e model.Event) {
	switch e.Type {
	case model.Created:
		// A Poisson agent's requests are created in sequence order.
		c.created[e.Agent] = append(c.created[e.Agent], e.T)
		if c.keep.sent {
			c.sent[e.Agent] = append(c.sent[e.Agent], e.T)
		}
		if c.keep.latencies {
			c.latencies[e.Agent] = append(c.latencies[e.Agent], -1)
		}
		if e.T >= c.WarmUp {
			c.Counted++
		}
	case model.Sent:
		if c.keep.sent {
			c.sent[e.Agent][e.Seq] = e.T
		}
		if c.counted(e) {
			c.Attempts++
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
			if c.keep.wait {
				c.waits = append(c.waits, int64(w))
			}
			if c.keep.sent {
				c.ServerWaitMax = max(c.ServerWaitMax, e.T.Sub(c.sent[e.Agent][e.Seq]))
			}
		}
	case model.Completed:
		if c.counted(e) {
			c.SojournSum += float64(e.Latency)
			if c.keep.sojourn {
				c.sojourns = append(c.sojourns, int64(e.Latency))
			}
			if c.keep.latencies {
				c.latencies[e.Agent][e.Seq] = e.Latency
			}
		}
	case model.Failed:
		switch {
		case e.Failure == model.QueueOverflow: // a rejection ends its request: counted above
		case e.Failure == model.ClientTimeout && c.lossy:
			if c.counted(e) {
				c.Failed++
			}
		default:
			c.Unexpected++
		}
	}
}

func (c *collector) counted(e model.Event) bool { return c.created[e.Agent][e.Seq] >= c.WarmUp }

// shiftFrom returns the largest |sojourn − the twin's sojourn − want| over
// the counted requests, which both runs must have finished alike.
func (c *collector) shiftFrom(twin *collector, want kernel.Duration) (kernel.Duration, error) {
	var worst kernel.Duration
	for a, lats := range c.latencies {
		if len(twin.latencies[a]) != len(lats) {
			return 0, fmt.Errorf("agent %d created %d requests, %d without the network", a, len(lats), len(twin.latencies[a]))
		}
		for seq, l := range lats {
			if c.created[a][seq] < c.WarmUp {
				continue
			}
			t := twin.latencies[a][seq]
			if l < 0 || t < 0 {
				return 0, fmt.Errorf("request %d of agent %d did not complete in both runs", seq, a)
			}
			d := l - t - want
			worst = max(worst, d, -d)
		}
	}
	return worst, nil
}

// quantile returns the empirical p-quantile of samples: the smallest value
// with at least a fraction p of them at or below it. It sorts the samples
// and returns 0 when there are none.
func quantile(samples []int64, p float64) kernel.Duration {
	n := len(samples)
	if n == 0 {
		return 0
	}
	k := int(math.Ceil(p*float64(n))) - 1
	k = min(max(k, 0), n-1)
	slices.Sort(samples)
	return kernel.Duration(samples[k])
}

// QueueFromConfig recognises a scenario that is a textbook queue (see
// Queue) and returns it, named after the scenario, with the 95th percentile
// as its percentile measure (none behind a lossy network). The scenario's
// seed, horizon and request budget are ignored: the suite chooses run
// lengths itself. A waiting room of model.MaxBuffer places counts as
// Infinite. In front of the queue it recognises one of Queue's client or
// network variants: a pool with nothing but max_connections (and FIFO
// waiters); a deterministic attempt timeout with immediate retries on
// CLIENT_TIMEOUT and one Bernoulli loss toxic on the request path; or one
// constant latency toxic both ways. It returns an error naming the first
// field that makes the scenario something other than a textbook queue.
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
	case len(a.Groups) > 0:
		return not("agents.groups", "must be absent")
	case cfg.Queue.Discipline != "" && cfg.Queue.Discipline != model.DisciplineFIFO:
		return not("queue.discipline", "must be \"fifo\"")
	case cfg.Queue.CoDel != nil:
		return not("queue.codel", "must be absent")
	case cfg.Queue.Limit != nil:
		return not("queue.limit", "must be absent")
	case w.Concurrency != nil:
		return not("workers.concurrency", "must be absent")
	case len(cfg.Schedule) > 0:
		return not("schedule", "must be empty")
	}
	q := Queue{Name: cfg.Name, Lambda: float64(a.Count) / a.Think.Mean, Service: w.Service,
		Servers: w.Count, Buffer: cfg.Queue.Buffer, Sources: a.Count, Percentile: 0.95}
	if q.Buffer == model.MaxBuffer {
		q.Buffer = Infinite
	}
	if q.Service.Kind != model.Exponential && q.Service.Kind != model.Deterministic {
		q.Percentile = 0
	}
	if path, why := frontFromConfig(cfg, &q); path != "" {
		return not(path, why)
	}
	if err := q.check(); err != nil {
		return Queue{}, err
	}
	return q, nil
}

// frontFromConfig sets q's pool, lossy network or delay from the scenario's
// client and network sections, or returns the first field that is none of
// Queue's variants and why.
func frontFromConfig(cfg *model.Config, q *Queue) (path, why string) {
	c, toxics := &cfg.Client, cfg.Network.Toxics
	zero := func(x any) bool { return reflect.ValueOf(x).IsZero() }
	mustBeZero := func(fields ...any) (string, string) {
		for i := 0; i < len(fields); i += 2 {
			if !zero(fields[i+1]) {
				return fields[i].(string), "must be absent here"
			}
		}
		return "", ""
	}
	if len(toxics) > 1 {
		return "network.toxics", "must hold at most one toxic"
	}
	var tx *model.Toxic
	if len(toxics) == 1 {
		tx = &toxics[0]
		switch {
		case tx.Toxicity != nil && *tx.Toxicity != 1:
			return "network.toxics[0].toxicity", "must be 1"
		case len(tx.Groups) > 0 || tx.Scheduled:
			return "network.toxics[0]", "must act on all traffic, always"
		}
	}
	switch {
	case c.Pool.MaxConnections > 0:
		p := c.Pool
		p.MaxConnections = 0
		if p.Waiters == model.FIFO {
			p.Waiters = ""
		}
		if !zero(p) {
			return "client.pool", "must have nothing but max_connections and FIFO waiters"
		}
		if path, why := mustBeZero("client.timeouts", c.Timeouts, "client.retry", c.Retry, "client.budget", c.Budget,
			"client.breaker", c.Breaker, "client.throttle", c.Throttle); path != "" {
			return path, why
		}
		if tx != nil {
			return "network.toxics", "must be empty with a pool"
		}
		q.Pool = c.Pool.MaxConnections
	case tx != nil && tx.Type == model.ToxicLoss:
		t, r := c.Timeouts, c.Retry
		switch {
		case tx.Model != "" && tx.Model != model.Bernoulli:
			return "network.toxics[0].model", "must be \"bernoulli\""
		case tx.Direction != model.DirRequest:
			return "network.toxics[0].direction", "must be \"request\""
		case t.Attempt == 0 || (t.AttemptLaw != "" && t.AttemptLaw != model.Deterministic) || t.Deadline != 0 || t.Connect != 0 || t.Propagate != "":
			return "client.timeouts", "must be a deterministic attempt timeout and nothing else"
		case r.MaxAttempts > 1 && (len(r.On) != 1 || r.On[0] != model.ClientTimeout.String()):
			return "client.retry.on", "must be [\"CLIENT_TIMEOUT\"]"
		case !zero(r.Backoff) || r.RetryAfter:
			return "client.retry", "must retry at once (no backoff, no Retry-After)"
		}
		if path, why := mustBeZero("client.budget", c.Budget, "client.breaker", c.Breaker,
			"client.throttle", c.Throttle); path != "" {
			return path, why
		}
		q.Loss, q.Timeout, q.Attempts, q.Percentile = tx.P, t.Attempt, max(r.MaxAttempts, 1), 0
	case tx != nil && tx.Type == model.ToxicLatency:
		switch {
		case tx.Latency == nil || tx.Latency.Kind != model.Deterministic || tx.Jitter != 0:
			return "network.toxics[0].latency", "must be deterministic, without jitter"
		case tx.Direction != "" && tx.Direction != model.DirBoth:
			return "network.toxics[0].direction", "must be \"both\""
		}
		if !zero(*c) {
			return "client", "must be absent with a network delay"
		}
		q.Delay = tx.Latency.Mean
	case tx != nil:
		return "network.toxics[0].type", "must be \"loss\" or \"latency\""
	default:
		if !zero(*c) {
			return "client", "must be absent, a pool, or a timeout with retries behind a lossy network"
		}
	}
	return "", ""
}
