package textbook

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/validate/stats"
)

// SuiteOptions are the settings of RunSuite. Zero fields take the defaults
// noted.
type SuiteOptions struct {
	// Seed is the suite's root seed. Configuration q has its own root
	// kernel.NewStream(Seed, q.Name).Uint64(), and its replication r the seed
	// replicate.Seed(root, r).
	Seed uint64
	// Workers is the number of goroutines; default runtime.NumCPU(). It
	// changes only the wall time, never a result.
	Workers int
	// Precision is the stopping rule of each configuration's replications:
	// defaults 99% confidence, 3% relative half-width, at least 20
	// replications. Its MaxReps, if set, caps every configuration; the
	// request budget below caps each one in any case.
	Precision stats.Precision
	// Budget caps the requests simulated for one configuration (warm-up
	// included): MaxReps = Budget / (requests per replication), at least
	// MinReps. Default 10⁷.
	Budget float64
	// Family is the family-wise confidence of the pass verdict: every check
	// is judged at 1 − (1−Family)/m for m checks (Bonferroni), so that with
	// probability at least Family no correct check fails by chance.
	// Default Precision.Confidence.
	Family float64
	// RepRelaxations and RepArrivals set each replication's measured length
	// after the warm-up: RepRelaxations·τ seconds, τ the relaxation time,
	// shortened if need be so that MinReps replications fit in the Budget,
	// but at least RepArrivals/λ; rounded up to two digits. Defaults 200
	// and 20000. Long replications matter for percentiles: the mean of
	// per-replication percentiles is biased by O(τ/length).
	RepRelaxations float64
	RepArrivals    float64
	// Progress, if set, is called once as each configuration finishes, in
	// order, with the number finished so far, from the goroutine that
	// called RunSuite.
	Progress func(done, total int, name string)
}

func (o SuiteOptions) withDefaults() SuiteOptions {
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Precision.MinReps == 0 {
		o.Precision.MinReps = 20
	}
	o.Precision = o.Precision.WithDefaults()
	if o.Budget == 0 {
		o.Budget = 1e7
	}
	if o.Family == 0 {
		o.Family = o.Precision.Confidence
	}
	if o.RepRelaxations == 0 {
		o.RepRelaxations = 200
	}
	if o.RepArrivals == 0 {
		o.RepArrivals = 20000
	}
	return o
}

// Case is one configuration of a suite: a system that model.Run simulates by
// independent replications, and the exact value of each of its measures.
// Queue is one; package markov adds the Markov-chain cases.
type Case interface {
	// Describe checks the case and returns the descriptive part of its
	// result (Name and whatever of Lambda … Model applies), or an error if
	// it cannot be run or solved.
	Describe() (CaseResult, error)
	// Measures names the checks, in the order of Theory's values and of
	// every replication's.
	Measures() []string
	// Theory returns the exact value of each measure.
	Theory() ([]float64, error)
	// Plan returns the warm-up and the measured length of every replication,
	// in seconds, and the requests one replication creates (warm-up
	// included), under opt with its defaults set.
	Plan(opt SuiteOptions) (warmUp, length, requests float64)
	// NewReplicator returns a replicator with buffers of its own: every
	// worker goroutine gets one.
	NewReplicator() Replicator
}

// Replicator runs replications of one Case, one at a time.
type Replicator interface {
	// Replicate runs the replication whose root seed is seed: a warm-up
	// of warmUp seconds, whose requests are discarded, then length seconds
	// measured.
	Replicate(seed uint64, warmUp, length float64) (Replication, error)
}

// Replication is the outcome of one replication.
type Replication struct {
	Values  []float64 // one per measure
	Counted int       // requests created after the warm-up
	// Shares is, for a Distributed case, the share of the measured time
	// spent in each state.
	Shares []float64
}

// Distributed is a Case with a stationary distribution to show beside the
// simulated time shares (Replication.Shares, averaged over replications).
type Distributed interface {
	Case
	// Distribution says what the states count and returns their
	// stationary probabilities.
	Distribution() (of string, p []float64)
}

// Legended is a Case with a line of legend under the suite's table (once
// per distinct line).
type Legended interface {
	Legend() string
}

// Cases returns queues (or any cases) as a []Case.
func Cases[C Case](cs []C) []Case {
	out := make([]Case, len(cs))
	for i, c := range cs {
		out[i] = c
	}
	return out
}

// SuiteReport is the outcome of RunSuite: one entry per configuration, in
// the order given. It depends only on the configurations and the options
// other than Workers and Progress.
type SuiteReport struct {
	Seed uint64 `json:"seed"`
	// Confidence and MaxRelErr are the stopping rule's; HalfWidth in every
	// check is at Confidence.
	Confidence float64 `json:"confidence"`
	MaxRelErr  float64 `json:"max_rel_err"`
	// Family is the family-wise confidence of the verdicts, and
	// CheckConfidence = 1 − (1−Family)/Checks the level of each check's
	// SimultaneousHalfWidth.
	Family          float64 `json:"family_confidence"`
	CheckConfidence float64 `json:"check_confidence"`

	Configurations []CaseResult `json:"configurations"`
	// Legends explain the configurations' notation, one line each.
	Legends []string `json:"legends,omitempty"`

	Checks  int `json:"checks"`
	Passed  int `json:"passed"`
	Capped  int `json:"capped"`  // checks whose replications hit the cap imprecise
	Outside int `json:"outside"` // checks whose analytic value is outside the Confidence interval
	// Pass is true when every check passed and no configuration failed.
	Pass bool `json:"pass"`
}

// CaseResult is one configuration's outcome.
type CaseResult struct {
	Name    string  `json:"configuration"`
	Lambda  float64 `json:"lambda"`  // arrivals per second (closed systems: N/think, at most)
	Service string  `json:"service"` // e.g. "exponential mean 1"
	Servers int     `json:"servers"`
	Buffer  int     `json:"buffer"` // waiting places; -1 for none
	Sources int     `json:"sources"`
	Rho     float64 `json:"rho,omitempty"`
	// Model describes what is in front of the queue or around it, when
	// anything is: a pool, a lossy network, a delay, closed agents with
	// retries.
	Model string `json:"model,omitempty"`

	WarmUp  float64 `json:"warm_up"` // seconds discarded at the start of each replication
	Length  float64 `json:"length"`  // seconds measured after it
	Reps    int     `json:"reps"`
	MaxReps int     `json:"max_reps"`
	// Requests counts the requests created after the warm-up, over all
	// replications.
	Requests int `json:"requests"`

	Measures []MeasureResult `json:"measures"`
	// Distribution is, for a case that has one, its stationary
	// distribution beside the simulated time shares.
	Distribution *Distribution `json:"distribution,omitempty"`
	// Error is set if the configuration could not be run; it then fails.
	Error string `json:"error,omitempty"`
}

// Distribution is a stationary distribution, P(n) for n = 0, 1, …, beside
// the share of the simulated time spent in each state, over all
// replications.
type Distribution struct {
	Of        string    `json:"of"`
	Analytic  []float64 `json:"analytic"`
	Simulated []float64 `json:"simulated"`
}

// MeasureResult is one check: a simulated measure against its analytic
// value. Mean is over replications of the per-replication value (for a
// percentile, the mean of per-replication empirical percentiles).
type MeasureResult struct {
	Measure   string  `json:"measure"`
	Analytic  float64 `json:"analytic"`
	Mean      float64 `json:"mean"`
	HalfWidth float64 `json:"half_width"` // Student-t, at SuiteReport.Confidence
	// SimultaneousHalfWidth is at SuiteReport.CheckConfidence: the
	// interval judged.
	SimultaneousHalfWidth float64 `json:"simultaneous_half_width"`
	// Capped: the replication cap stopped the run before HalfWidth met the
	// relative-error target.
	Capped bool `json:"capped"`
	// Inside: the analytic value lies in the Confidence interval.
	Inside bool `json:"inside"`
	// Pass: the analytic value lies in the simultaneous interval.
	Pass bool `json:"pass"`
}

// RunSuite simulates every configuration by independent replications of
// model.Run, until each measure's interval meets opt.Precision or the cap,
// and compares it with the analytic value. Configurations run one after
// another, each one's replications in parallel on opt.Workers goroutines
// (package replicate); the report does not depend on how many. It returns
// an error only if a configuration is invalid (see QueueFromConfig) or two share
// a name; a configuration whose run fails is reported in its Error.
func RunSuite(cases []Case, opt SuiteOptions) (*SuiteReport, error) {
	return runSuite(cases, cases, opt)
}

// runSuite simulates cases[i] and compares it with the theory of
// models[i]; they differ only in tests that check that a wrong model fails.
func runSuite(cases, models []Case, opt SuiteOptions) (*SuiteReport, error) {
	opt = opt.withDefaults()
	p := opt.Precision
	if !(p.Confidence > 0 && p.Confidence < 1) || !(p.MaxRelErr > 0) || !(p.AbsErr >= 0) ||
		p.MinReps < 2 || p.MaxReps < p.MinReps {
		return nil, fmt.Errorf("validate: invalid precision %+v (need MinReps ≥ 2)", p)
	}
	if !(opt.Family > 0 && opt.Family < 1) {
		return nil, fmt.Errorf("validate: family confidence %g outside (0, 1)", opt.Family)
	}
	names := map[string]bool{}
	theory := make([][]float64, len(cases))
	heads := make([]CaseResult, len(cases))
	rep := &SuiteReport{Seed: opt.Seed, Confidence: p.Confidence, MaxRelErr: p.MaxRelErr, Family: opt.Family,
		Configurations: make([]CaseResult, len(cases))}
	for i, c := range cases {
		head, err := c.Describe()
		if err != nil {
			return nil, err
		}
		if names[head.Name] {
			return nil, fmt.Errorf("validate: two configurations named %q", head.Name)
		}
		names[head.Name] = true
		heads[i] = head
		if theory[i], err = models[i].Theory(); err != nil {
			return nil, err
		}
		if len(theory[i]) != len(c.Measures()) {
			other, _ := models[i].Describe()
			return nil, fmt.Errorf("validate: %s: model %s has other measures", head.Name, other.Name)
		}
		if l, ok := c.(Legended); ok && !slices.Contains(rep.Legends, l.Legend()) {
			rep.Legends = append(rep.Legends, l.Legend())
		}
	}
	for i, c := range cases {
		rep.Configurations[i] = runCase(c, heads[i], theory[i], opt)
		if opt.Progress != nil {
			opt.Progress(i+1, len(cases), heads[i].Name)
		}
	}
	rep.judge()
	return rep, nil
}

// judge sets the verdicts once every configuration has run, since the
// Bonferroni level depends on the number of checks.
func (r *SuiteReport) judge() {
	for _, c := range r.Configurations {
		r.Checks += len(c.Measures)
	}
	r.CheckConfidence = 1 - (1-r.Family)/float64(max(r.Checks, 1))
	r.Pass = true
	for ci := range r.Configurations {
		c := &r.Configurations[ci]
		if c.Error != "" {
			r.Pass = false
		}
		for mi := range c.Measures {
			m := &c.Measures[mi]
			scale := stats.TCritical(r.CheckConfidence, c.Reps-1) / stats.TCritical(r.Confidence, c.Reps-1)
			m.SimultaneousHalfWidth = m.HalfWidth * scale
			m.Inside = math.Abs(m.Analytic-m.Mean) <= m.HalfWidth
			m.Pass = math.Abs(m.Analytic-m.Mean) <= m.SimultaneousHalfWidth
			if m.Pass {
				r.Passed++
			} else {
				r.Pass = false
			}
			if m.Capped {
				r.Capped++
			}
			if !m.Inside {
				r.Outside++
			}
		}
	}
}

// casePlan returns the warm-up, the measured length and the replication
// cap of c: as many replications as the request budget pays for, within
// the precision's bounds.
func casePlan(c Case, opt SuiteOptions) (warmUp, length float64, maxReps int) {
	warmUp, length, perRep := c.Plan(opt)
	maxReps = int(math.Min(float64(opt.Precision.MaxReps), math.Max(float64(opt.Precision.MinReps), math.Floor(opt.Budget/perRep))))
	return warmUp, length, maxReps
}

// caseSeed returns the root seed of the case named name in a suite whose
// root seed is root: the first value of the stream (root, name).
func caseSeed(root uint64, name string) uint64 {
	s := kernel.NewStream(root, name)
	return s.Uint64()
}

// replicationPanic carries a replication's error out of stats.Precision.Replicate.
type replicationPanic struct{ err error }

func runCase(c Case, head CaseResult, theory []float64, opt SuiteOptions) (res CaseResult) {
	warmUp, length, maxReps := casePlan(c, opt)
	res = head
	res.WarmUp, res.Length, res.MaxReps = warmUp, length, maxReps
	prec := opt.Precision
	prec.MaxReps = maxReps
	root := caseSeed(opt.Seed, head.Name)
	var shares []float64 // summed over the replications used

	// Replications are computed in batches on opt.Workers goroutines, each
	// with its own collector: the first MinReps at once, then as many as
	// there are workers. Precision.Replicate consumes them in order and
	// stops at the same replication whatever the batch size, so surplus
	// replications only cost time.
	type outcome struct {
		rep Replication
		err error
	}
	var reps []outcome
	batch := func(from int) {
		n := max(prec.MinReps-from, opt.Workers)
		n = min(n, maxReps-from)
		reps = append(reps, make([]outcome, n)...)
		replicate.Ordered(context.Background(), n, opt.Workers, c.NewReplicator,
			func(r Replicator, i int) (outcome, error) {
				rep, err := r.Replicate(replicate.Seed(root, from+i), warmUp, length)
				return outcome{rep, err}, nil
			},
			func(i int, o outcome) error { reps[from+i] = o; return nil })
	}
	defer func() {
		if v := recover(); v != nil {
			rp, ok := v.(replicationPanic)
			if !ok {
				panic(v)
			}
			res.Error = rp.err.Error()
			res.Measures = nil
		}
	}()
	intervals, capped := prec.Replicate(func(r int) []float64 {
		if r >= len(reps) {
			batch(r)
		}
		if reps[r].err != nil {
			panic(replicationPanic{reps[r].err})
		}
		res.Reps = r + 1
		res.Requests += reps[r].rep.Counted
		if s := reps[r].rep.Shares; s != nil {
			shares = append(shares, make([]float64, max(len(s)-len(shares), 0))...)
			for i, x := range s {
				shares[i] += x
			}
		}
		return reps[r].rep.Values
	})
	for i, name := range c.Measures() {
		res.Measures = append(res.Measures, MeasureResult{Measure: name, Analytic: theory[i],
			Mean: intervals[i].Mean, HalfWidth: intervals[i].HalfWidth, Capped: capped[i]})
	}
	if d, ok := c.(Distributed); ok {
		of, p := d.Distribution()
		for i := range shares {
			shares[i] /= float64(res.Reps)
		}
		res.Distribution = &Distribution{Of: of, Analytic: p, Simulated: shares}
	}
	return res
}

func describeDist(d model.Dist) string {
	switch d.Kind {
	case model.Erlang:
		return fmt.Sprintf("erlang k=%d mean %g", d.K, d.Mean)
	case model.Hyperexponential, model.LogNormal, model.Gamma:
		return fmt.Sprintf("%s cv=%g mean %g", d.Kind, d.CV, d.Mean)
	}
	return fmt.Sprintf("%s mean %g", d.Kind, d.MeanValue())
}

// WriteText prints the report as an aligned table, one row per check, and
// a summary.
func (r *SuiteReport) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "CONFIGURATION\tMEASURE\tANALYTIC\tSIMULATED ± %s%% HW\tREPS\tCAPPED\tPASS\t\n", pctString(r.Confidence))
	var errs strings.Builder
	for _, c := range r.Configurations {
		if c.Error != "" {
			fmt.Fprintf(tw, "%s\t(error)\t\t\t\t\tFAIL\t\n", c.Name)
			fmt.Fprintf(&errs, "%s: %s\n", c.Name, c.Error)
			continue
		}
		for i, m := range c.Measures {
			name := c.Name
			if i > 0 {
				name = ""
			}
			capped := ""
			if m.Capped {
				capped = "capped"
			}
			verdict := "pass"
			switch {
			case !m.Pass:
				verdict = "FAIL"
			case !m.Inside:
				verdict = "pass†"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s ± %s\t%d\t%s\t%s\t\n", name, m.Measure, sig4(m.Analytic),
				sig4(m.Mean), sig4(m.HalfWidth), c.Reps, capped, verdict)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	if errs.Len() > 0 {
		b.WriteString("\n" + errs.String())
	}
	for _, c := range r.Configurations {
		if c.Distribution != nil && c.Error == "" {
			c.Distribution.write(&b, c.Name)
		}
	}
	fmt.Fprintf(&b, "\n%d configurations, %d checks: %d passed, %d capped, %d outside their own %s%% interval (about %.1f expected by chance).\n",
		len(r.Configurations), r.Checks, r.Passed, r.Capped, r.Outside, pctString(r.Confidence), float64(r.Checks)*(1-r.Confidence))
	for _, l := range r.Legends {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "Intervals: Student-t over independent replications (seed %d), each after a warm-up; a percentile's is over the\n", r.Seed)
	fmt.Fprintf(&b, "replications' own empirical percentiles. Replications stop when every half-width is within %s%% of its mean,\n", pctString(r.MaxRelErr))
	fmt.Fprintf(&b, "or at the cap (capped). A check passes if the analytic value lies in its simultaneous interval: %s%% for all\n", pctString(r.Family))
	fmt.Fprintf(&b, "%d checks together (Bonferroni, %s%% each); † marks a pass outside the check's own %s%% interval.\n",
		r.Checks, pctString(r.CheckConfidence), pctString(r.Confidence))
	if r.Pass {
		b.WriteString("PASS\n")
	} else {
		b.WriteString("FAIL\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// write prints the distribution as a table with a bar per state, scaled to
// the largest probability, so that its shape shows at a glance.
func (d *Distribution) write(b *strings.Builder, name string) {
	fmt.Fprintf(b, "\n%s: %s n, stationary probability and simulated time share\n", name, d.Of)
	fmt.Fprintf(b, "%5s  %6s  %6s\n", "n", "P(n)", "share")
	top := 0.0
	for _, p := range d.Analytic {
		top = math.Max(top, p)
	}
	for n, p := range d.Analytic {
		var sim float64
		if n < len(d.Simulated) {
			sim = d.Simulated[n]
		}
		bar := 0
		if top > 0 {
			bar = int(math.Round(40 * p / top))
		}
		fmt.Fprintf(b, "%5d  %.4f  %.4f  %s\n", n, p, sim, strings.Repeat("█", bar))
	}
}

func pctString(x float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", 100*x), "0"), ".")
}

// num formats a value with 4 significant digits.
func sig4(x float64) string {
	return fmt.Sprintf("%.4g", x)
}

// exp returns exponential service of mean 1 second.
func expService() model.Dist { return model.Dist{Kind: model.Exponential, Mean: 1} }

// mm returns M/M/c/(c+buffer) at load rho per server, with service mean 1 s.
func mmQueue(c, buffer int, rho float64, sources int, p float64) Queue {
	name := fmt.Sprintf("M/M/%d", c)
	switch {
	case buffer == 0:
		name = fmt.Sprintf("M/M/%d/%d", c, c)
	case buffer != Infinite:
		name = fmt.Sprintf("M/M/%d/%d", c, c+buffer)
	}
	name += fmt.Sprintf(" ρ=%.2f", rho)
	if sources > 1 {
		name += fmt.Sprintf(" %d src", sources)
	}
	return Queue{Name: name, Lambda: rho * float64(c), Service: expService(), Servers: c, Buffer: buffer,
		Sources: sources, Percentile: p}
}

// mg1 returns M/G/1 at load rho with service of mean 1 s.
func mg1Queue(label string, rho float64, d model.Dist, p float64) Queue {
	d.Mean = 1
	return Queue{Name: fmt.Sprintf("M/%s/1 ρ=%.2f", label, rho), Lambda: rho, Service: d, Servers: 1,
		Buffer: Infinite, Percentile: p}
}

// Suite returns the configurations of `agentchaos validate`: loads
// from 0.3 to 0.98 and overloaded finite systems up to ρ = 2, 1 to 64
// servers, waiting rooms from 0 (Erlang B) to 500 places and infinite, and
// deterministic, Erlang and hyperexponential service. Service times have
// mean 1 s, so times are in units of the mean service time.
func Suite() []Queue {
	det := model.Dist{Kind: model.Deterministic}
	return []Queue{
		mmQueue(1, Infinite, 0.3, 1, 0.95),
		mmQueue(1, Infinite, 0.5, 1, 0.95),
		mmQueue(1, Infinite, 0.7, 4, 0.95),
		mmQueue(1, Infinite, 0.9, 1, 0.95),
		mmQueue(1, Infinite, 0.98, 1, 0.95),
		mmQueue(2, Infinite, 0.6, 1, 0.95),
		mmQueue(4, Infinite, 0.85, 1, 0.95),
		mmQueue(16, Infinite, 0.9, 16, 0.95),
		mmQueue(64, Infinite, 0.95, 64, 0.95),
		mmQueue(1, 0, 1, 1, 0.95),
		mmQueue(8, 0, 0.75, 1, 0.95),
		mmQueue(16, 0, 1.5, 1, 0.95),
		mmQueue(64, 0, 0.9, 1, 0.95),
		mmQueue(1, 10, 0.9, 1, 0.95),
		mmQueue(1, 5, 2, 1, 0.95),
		mmQueue(4, 20, 1.2, 1, 0.95),
		mmQueue(8, 100, 1, 1, 0.95),
		mmQueue(2, 500, 1.05, 1, 0.95),
		mg1Queue("D", 0.5, det, 0.9),
		mg1Queue("D", 0.9, det, 0.95),
		mg1Queue("E4", 0.8, model.Dist{Kind: model.Erlang, K: 4}, 0),
		mg1Queue("H2", 0.7, model.Dist{Kind: model.Hyperexponential, CV: 2}, 0),
	}
}

// ClientNetworkSuite returns the configurations that check the client and
// the network in front of a textbook queue (issue 12), exponential service
// of mean 1 s:
//
//   - M/M/8 behind a pool of 4 connections is M/M/4: its waits (in the
//     pool) and sojourns, their 95th percentiles, and no wait at the
//     server;
//   - M/M/1 and M/M/2 behind a network that loses attempts on the way in,
//     with immediate retries after a timeout, up to 100 attempts (in effect
//     unlimited: E = 1/(1−p)) and up to 3 (the truncated geometric): the
//     attempts per request, the share of requests that fail, and the
//     latency each lost attempt's timeout adds;
//   - M/M/1 behind a constant delay of 0.25 s each way: theory plus d and
//     2d, and every sojourn exactly 2d above the same replication's
//     without the network.
func ClientNetworkSuite() []Queue {
	pool := mmQueue(8, Infinite, 0.35, 1, 0.95) // λ = 2.8
	pool.Pool = 4
	pool.Name = "M/M/8 pool=4 ρ=0.70"
	loss := mmQueue(1, Infinite, 0.5, 1, 0)
	loss.Loss, loss.Timeout, loss.Attempts = 0.2, 60, 100
	loss.Name = "M/M/1 loss=0.2 T=60"
	lossK := mmQueue(2, Infinite, 0.6, 1, 0)
	lossK.Loss, lossK.Timeout, lossK.Attempts = 0.3, 40, 3
	lossK.Name = "M/M/2 loss=0.3 T=40 3 tries"
	delay := mmQueue(1, Infinite, 0.7, 1, 0.95)
	delay.Delay = 0.25
	delay.Name = "M/M/1 delay=0.25 ρ=0.70"
	return []Queue{pool, loss, lossK, delay}
}
