package calibrate

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/validate/reproduce"
)

// knob is one calibrated parameter: a field of the scenarios' configuration
// and the range it may take. A shared knob (Scenario −1) has one value for
// all three experiments; the others belong to one experiment.
type knob struct {
	Name     string // the field's JSON path
	Scenario int    // index into the table, or −1 when shared
	Lo, Hi   float64
	Log      bool    // searched on a log scale
	Start    float64 // where the calibration starts, whatever the profiles hold
	get      func(*model.Config) float64
	set      func(*model.Config, float64)
}

// knobs lists the parameters `agentchaos calibrate` fits: shared ones, and
// the latency-spike probability of EXP-002 and EXP-003 (EXP-001, the
// control, has no faults). Each experiment's error probability is set by the
// landing, not fitted. Everything else in the profiles (agents, workers and
// buffer from the table; the workload mix; the detector's and the
// throttle's figures from the original framework; the request budget; the
// seed) is fixed.
var knobs = []knob{
	{Name: "agents.think.mean", Scenario: -1, Start: 1.033, Lo: 0.2, Hi: 5, Log: true,
		get: func(c *model.Config) float64 { return c.Agents.Think.Mean },
		set: func(c *model.Config, v float64) { c.Agents.Think.Mean = v }},
	{Name: "workers.service.mean", Scenario: -1, Start: 0.001865, Lo: 0.0002, Hi: 0.02, Log: true,
		get: func(c *model.Config) float64 { return c.Workers.Service.Mean },
		set: func(c *model.Config, v float64) { c.Workers.Service.Mean = v }},
	{Name: "workers.service.cv", Scenario: -1, Start: 0.2525, Lo: 0.05, Hi: 2, Log: true,
		get: func(c *model.Config) float64 { return c.Workers.Service.CV },
		set: func(c *model.Config, v float64) { c.Workers.Service.CV = v }},
	{Name: "workers.overhead", Scenario: -1, Start: 0.009432, Lo: 0, Hi: 0.02,
		get: func(c *model.Config) float64 { return c.Workers.Overhead },
		set: func(c *model.Config, v float64) { c.Workers.Overhead = v }},
	{Name: "workers.slowdown.alpha", Scenario: -1, Start: 0.1472, Lo: 0, Hi: 10,
		get: func(c *model.Config) float64 { return c.Workers.Slowdown.Alpha },
		set: func(c *model.Config, v float64) { c.Workers.Slowdown.Alpha = v }},
	{Name: "workers.slowdown.gamma", Scenario: -1, Start: 4.706, Lo: 0.5, Hi: 40, Log: true,
		get: func(c *model.Config) float64 { return c.Workers.Slowdown.Gamma },
		set: func(c *model.Config, v float64) { c.Workers.Slowdown.Gamma = v }},
	{Name: "agents.backoff.base", Scenario: -1, Start: 7.414, Lo: 0.05, Hi: 10, Log: true,
		get: func(c *model.Config) float64 { return c.Agents.Backoff.Base },
		set: func(c *model.Config, v float64) { c.Agents.Backoff.Base = v }},
	{Name: "agents.backoff.max", Scenario: -1, Start: 48.72, Lo: 0.5, Hi: 120, Log: true,
		get: func(c *model.Config) float64 { return c.Agents.Backoff.Max },
		set: func(c *model.Config, v float64) { c.Agents.Backoff.Max = v }},
	{Name: "agents.backoff.jitter", Scenario: -1, Start: 1, Lo: 0, Hi: 1,
		get: func(c *model.Config) float64 { return c.Agents.Backoff.Jitter },
		set: func(c *model.Config, v float64) { c.Agents.Backoff.Jitter = v }},
	{Name: "faults.spike_probability", Scenario: 1, Start: 0.06054, Lo: 0, Hi: 0.5,
		get: func(c *model.Config) float64 { return c.Faults.SpikeProbability },
		set: func(c *model.Config, v float64) { c.Faults.SpikeProbability = v }},
	{Name: "faults.spike_probability", Scenario: 2, Start: 0.14, Lo: 0, Hi: 0.5,
		get: func(c *model.Config) float64 { return c.Faults.SpikeProbability },
		set: func(c *model.Config, v float64) { c.Faults.SpikeProbability = v }},
	// Each experiment's spikes have their own mean length, as they have
	// their own probability: with common random numbers the two together
	// set an experiment's mean and tail, where the probability alone moves
	// both the same way (EXP-003's p95/avg ratio could not be met with one).
	{Name: "faults.spike_duration.mean", Scenario: 1, Start: 0.4504, Lo: 0.001, Hi: 2, Log: true,
		get: func(c *model.Config) float64 { return c.Faults.SpikeDuration.Mean },
		set: func(c *model.Config, v float64) { c.Faults.SpikeDuration.Mean = v }},
	{Name: "faults.spike_duration.mean", Scenario: 2, Start: 0.575, Lo: 0.001, Hi: 2, Log: true,
		get: func(c *model.Config) float64 { return c.Faults.SpikeDuration.Mean },
		set: func(c *model.Config, v float64) { c.Faults.SpikeDuration.Mean = v }},
	{Name: "faults.spike_duration.cv", Scenario: -1, Start: 0.8611, Lo: 0.01, Hi: 3, Log: true,
		get: func(c *model.Config) float64 { return c.Faults.SpikeDuration.CV },
		set: func(c *model.Config, v float64) { c.Faults.SpikeDuration.CV = v }},
}

// toUnit maps a knob value into [0, 1] of its range (log or linear).
func (k *knob) toUnit(v float64) float64 {
	v = math.Min(math.Max(v, k.Lo), k.Hi)
	if k.Log {
		return (math.Log(v) - math.Log(k.Lo)) / (math.Log(k.Hi) - math.Log(k.Lo))
	}
	return (v - k.Lo) / (k.Hi - k.Lo)
}

func (k *knob) fromUnit(u float64) float64 {
	u = math.Min(math.Max(u, 0), 1)
	if k.Log {
		return math.Exp(math.Log(k.Lo) + u*(math.Log(k.Hi)-math.Log(k.Lo)))
	}
	return k.Lo + u*(k.Hi-k.Lo)
}

// The optimiser works on x ∈ ℝⁿ; a logistic map keeps every knob in range.
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
func logit(u float64) float64 {
	u = math.Min(math.Max(u, 1e-6), 1-1e-6)
	return math.Log(u / (1 - u))
}

// roundSig rounds v to the given number of significant digits: the fit and
// the recentering keep 4, so the centre is a short decimal; the landing's
// perturbations keep 6, or a stage with one knob would revisit a handful of
// values. The values written to the profiles are exactly the values run.
func roundSig(v float64, digits int) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, float64(digits-1)-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// Options tune the fit.
type Options struct {
	// TrendSeeds: each evaluation of the fit averages the loss over this many
	// seeds other than the experiments' own, so the optimiser follows the
	// model's trend, not one sample path.
	TrendSeeds int
	// Global runs CMA-ES before the Nelder–Mead polishes.
	Global bool
	// FitBudget scales the request budget of the fit's runs (e.g. 0.25): the
	// fit only has to find the basin, the recentering works at full budget.
	FitBudget float64
	// MaxEvals bounds the global search and each Nelder–Mead polish;
	// Restarts is the number of polishes.
	MaxEvals, Restarts int
	// Recenter rounds move the fitted centre onto the published latencies
	// on the experiments' own seeds before the landing (see recenter).
	Recenter int
	// LandTrials bounds the landing search.
	LandTrials int
	// Spread is the relative size of the landing's perturbations of the
	// first rows (e.g. 0.003); SpreadLast that of the last row's own knobs
	// (e.g. 0.03). The last row has a single knob of its own (its spike
	// probability), and with common random numbers a change of ±0.3% in one
	// probability re-routes so few requests that the trials hardly leave the
	// same few sample paths; ±3% gives a fresh one nearly every trial.
	Spread     float64
	SpreadLast float64
	// LastTrials bounds the last row's landing on one landing of the
	// first rows; then the first rows are landed anew.
	LastTrials int
	Workers    int       // parallel runs; 0 means GOMAXPROCS
	Log        io.Writer // progress; nil for none
}

// Result is the outcome: the fitted configurations (same order as the
// table) and how the search went.
type Result struct {
	Configs []*model.Config
	Loss    float64 // trend loss of the fitted shared parameters
	Landed  bool    // every cell of every experiment prints as published
	Trials  int     // landing trials used
	Evals   int     // fit evaluations used
}

// Run fits the knobs, then lands every cell of the table on the
// experiments' own seeds. cfgs are the profiles in table order; their
// fields that are not knobs are kept, the knobs start from knob.Start. They
// are not modified.
//
// Why it can land exactly: agents back off on overload (503, 504), not on
// injected 500s, and latency counts fault-failed requests too, so an
// experiment's error probability changes nothing but which finished
// requests fail. Every request's fault draw is fixed by its keyed stream;
// so once a run's latencies and states print as published, the error
// probability that makes the error count print as published is read off the
// sorted fault draws of the finished requests. The latencies come from the
// other knobs, and these are the chaotic part: the slightest change
// re-routes the run onto another sample path around the same trend.
//
// Stages:
//   - Fit (optional, MaxEvals > 0): CMA-ES and Nelder–Mead (gonum/optimize)
//     minimise the squared relative misses of the latency cells plus
//     penalties on the detector's time shares and on overload alone
//     exceeding the published error rate, over TrendSeeds other seeds.
//   - Recenter: Gauss–Newton steps from regressions of the cells on random
//     perturbations, on the experiments' own seeds (see recenter).
//   - Land: perturbations of ±Spread (relative; 6 significant digits) until
//     one prints every cell as published, first for the rows that share
//     knobs, then for the last row by its own knobs, ±SpreadLast (see
//     landAll); then each error probability is read off.
//
// Deterministic: fixed start, fixed keyed streams, results reduced in index
// order whatever the number of workers.
func Run(cfgs []*model.Config, table []reproduce.Published, opt Options) (*Result, error) {
	if len(cfgs) != len(table) {
		return nil, fmt.Errorf("calibrate: %d configurations for %d table rows", len(cfgs), len(table))
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format, a...)
		}
	}
	base := make([]*model.Config, len(cfgs))
	for i, c := range cfgs {
		cp := *c
		cp.Faults.ErrorProbability = 0 // set by the landing
		base[i] = &cp
	}
	apply := func(vals []float64) []*model.Config {
		out := make([]*model.Config, len(base))
		for i := range base {
			cp := *base[i]
			out[i] = &cp
			for j := range knobs {
				if k := &knobs[j]; k.Scenario < 0 || k.Scenario == i {
					k.set(out[i], vals[j])
				}
			}
			if cp.Agents.Backoff.Max < cp.Agents.Backoff.Base {
				cp.Agents.Backoff.Max = cp.Agents.Backoff.Base
			}
		}
		return out
	}
	fromX := func(x []float64) []float64 {
		vals := make([]float64, len(x))
		for j := range knobs {
			vals[j] = roundSig(knobs[j].fromUnit(sigmoid(x[j])), 4)
		}
		return vals
	}
	x0 := make([]float64, len(knobs))
	// A fixed start: a rerun gives the same parameters, whatever the
	// profiles hold now (they hold the previous run's result).
	for j := range knobs {
		x0[j] = logit(knobs[j].toUnit(knobs[j].Start))
	}

	evals := 0
	loss := func(x []float64) float64 {
		evals++
		trial := apply(fromX(x))
		type job struct{ scen, seed int }
		var jobs []job
		for i := range trial {
			for s := 0; s < opt.TrendSeeds; s++ {
				jobs = append(jobs, job{i, s})
			}
		}
		losses := make([]float64, len(jobs))
		replicate.Map(len(jobs), opt.Workers, func(n int) {
			j := jobs[n]
			c := *trial[j.scen]
			trend := kernel.NewStream(c.Seed, "calibration-trend")
			c.Seed = replicate.Seed(trend.Uint64(), j.seed)
			if opt.FitBudget > 0 && opt.FitBudget < 1 {
				c.Agents.RequestsPerAgent = max(1, int(float64(c.Agents.RequestsPerAgent)*opt.FitBudget))
			}
			r, err := model.Run(&c, model.Options{})
			if err != nil {
				losses[n] = math.Inf(1)
				return
			}
			losses[n] = trendLoss(table[j.scen], &r)
		})
		sum := 0.0
		for _, l := range losses {
			sum += l
		}
		if evals%50 == 0 {
			logf("  fit: %d evaluations\n", evals)
		}
		return sum / float64(opt.TrendSeeds)
	}

	best, bestLoss := x0, math.NaN()
	if opt.MaxEvals > 0 {
		bestLoss = loss(x0)
		logf("fit: start loss %.5g\n", bestLoss)
	}
	// A global search first (CMA-ES: the loss has several basins, a queue
	// that stays full and one that storms), then Nelder–Mead polishing.
	if opt.MaxEvals > 0 && opt.Global {
		limit := evals + opt.MaxEvals
		status := func() (optimize.Status, error) {
			if evals >= limit {
				return optimize.FunctionEvaluationLimit, nil
			}
			return optimize.NotTerminated, nil
		}
		res, err := optimize.Minimize(optimize.Problem{Func: loss, Status: status}, best, nil,
			&optimize.CmaEsChol{InitStepSize: 1, Population: 12, Src: rand.NewPCG(20261128, 1)})
		if err != nil && res == nil {
			return nil, err
		}
		if res.F < bestLoss {
			best, bestLoss = res.X, res.F
		}
		logf("fit: global search: loss %.5g after %d evaluations\n", bestLoss, evals)
	}
	for r := 0; r < opt.Restarts && opt.MaxEvals > 0; r++ {
		limit := evals + opt.MaxEvals
		// A hard stop: Settings.FuncEvaluations alone did not always end
		// Nelder–Mead here.
		status := func() (optimize.Status, error) {
			if evals >= limit {
				return optimize.FunctionEvaluationLimit, nil
			}
			return optimize.NotTerminated, nil
		}
		res, err := optimize.Minimize(optimize.Problem{Func: loss, Status: status}, best,
			&optimize.Settings{FuncEvaluations: opt.MaxEvals, Converger: &optimize.FunctionConverge{Absolute: 1e-5, Iterations: 100}},
			&optimize.NelderMead{SimplexSize: 0.5 / float64(r+1)})
		if err != nil && res == nil {
			return nil, err
		}
		if res.F < bestLoss {
			best, bestLoss = res.X, res.F
		}
		logf("fit: polish %d: loss %.5g after %d evaluations\n", r+1, bestLoss, evals)
	}
	center := fromX(best)
	if opt.MaxEvals == 0 {
		center = make([]float64, len(knobs))
		for j := range knobs {
			center[j] = knobs[j].Start // exact, not through the logistic map
		}
	}
	logKnobs(logf, center, table)
	for r := 0; r < opt.Recenter; r++ {
		// Coarse steps first, then finer: the regression needs perturbations
		// large enough to see slopes through the noise.
		spread := math.Max(0.05/float64(r+1), 2*opt.Spread)
		center = recenter(center, apply, table, opt, r, spread, logf)
	}
	logf("centre:\n")
	logKnobs(logf, center, table)
	out := &Result{Configs: apply(center), Loss: bestLoss, Evals: evals}
	out.Landed, out.Trials = landAll(out, center, apply, table, opt, logf)
	return out, nil
}

func logKnobs(logf func(string, ...any), vals []float64, table []reproduce.Published) {
	for j := range knobs {
		logf("  %-28s %-8s %g\n", knobs[j].Name, scope(&knobs[j], table), vals[j])
	}
}

func scope(k *knob, table []reproduce.Published) string {
	if k.Scenario < 0 {
		return "shared"
	}
	return table[k.Scenario].Scenario
}

// residuals are what the recentering drives to zero for one run: the
// latency cells' relative misses, and the detector's time shares' distance
// from the published state's safe side (zero once inside it). The states'
// margins keep a landing away from the edge: DEGRADED wants at least 10% of
// periods degraded or worse and at most 2.5% collapsed; COLLAPSED at least
// 10% collapsed; STABLE at most 2.5% degraded.
func residuals(p reproduce.Published, r *model.Report) [4]float64 {
	var y [4]float64
	y[0] = r.Latency.Avg/reproduce.Value(p.AvgLatency) - 1
	y[1] = r.Latency.P95/reproduce.Value(p.P95Latency) - 1
	deg, col, ok := stateShares(r)
	if !ok {
		return y
	}
	pos := func(x float64) float64 { return math.Max(0, x) / 0.05 }
	switch p.State {
	case model.Stable:
		y[2] = pos(deg - 0.025)
	case model.Degraded:
		y[2], y[3] = pos(0.10-deg), pos(col-0.025)
	case model.Collapsed:
		y[2] = pos(0.10 - col)
	}
	return y
}

// recenter moves the centre so that, over perturbations on the experiments'
// own seeds, the latency cells centre on the published values and the
// detector's shares sit inside the published states: it runs trials
// perturbed by up to ±spread (relative), regresses the residuals on the
// perturbations by least squares, and takes a damped Gauss–Newton step of
// at most 2·spread per knob. The fit's optimum is biased towards a lucky
// sample path; this averages over many.
func recenter(center []float64, apply func([]float64) []*model.Config, table []reproduce.Published,
	opt Options, round int, spread float64, logf func(string, ...any)) []float64 {
	const m = 32
	nk, nc := len(knobs), 4*len(table)
	// Each cell's miss counts by the precision it must be landed at: a
	// latency printed to 3 decimals must be within 0.0005 s, which is 4% of
	// EXP-001's 0.012 s but 0.06% of EXP-003's 0.892 s; a state margin (in
	// units of 5% of the periods) counts as much as the tightest latency.
	weights := make([]float64, nc)
	for i, p := range table {
		weights[4*i] = reproduce.Value(p.AvgLatency) / 0.0005
		weights[4*i+1] = reproduce.Value(p.P95Latency) / 0.0005
		weights[4*i+2], weights[4*i+3] = 2000, 2000
	}
	D := mat.NewDense(m, nk+1, nil)
	Y := mat.NewDense(m, nc, nil)
	replicate.Map(m, opt.Workers, func(t int) {
		rs := kernel.NewStream(uint64(round), "calibration-recenter", uint64(t))
		vals := append([]float64(nil), center...)
		D.Set(t, 0, 1)
		for j := range vals {
			d := spread * (2*rs.Float64() - 1)
			vals[j] = math.Min(math.Max(roundSig(vals[j]*(1+d), 4), knobs[j].Lo), knobs[j].Hi)
			if center[j] != 0 {
				D.Set(t, j+1, vals[j]/center[j]-1)
			}
		}
		for i, c := range apply(vals) {
			r, err := model.Run(c, model.Options{})
			if err != nil {
				continue
			}
			y := residuals(table[i], &r)
			for k, v := range y {
				Y.Set(t, 4*i+k, v*weights[4*i+k])
			}
		}
	})
	// Ridge least squares: B = (DᵀD + λI)⁻¹ DᵀY; row 0 is the residual at
	// the centre, rows 1.. the sensitivities J.
	var dtd mat.Dense
	dtd.Mul(D.T(), D)
	for j := 1; j <= nk; j++ {
		dtd.Set(j, j, dtd.At(j, j)+1e-3*float64(m)*spread*spread)
	}
	var dty, B mat.Dense
	dty.Mul(D.T(), Y)
	if err := B.Solve(&dtd, &dty); err != nil {
		logf("recenter %d: regression failed: %v\n", round+1, err)
		return center
	}
	y0 := mat.NewVecDense(nc, nil)
	for c := 0; c < nc; c++ {
		y0.SetVec(c, B.At(0, c))
	}
	miss := func(c int) float64 { return y0.AtVec(c) / weights[c] }
	J := B.Slice(1, nk+1, 0, nc) // nk × nc
	// δ = −(J Jᵀ + μI)⁻¹ J y0, damped and bounded.
	var jjt mat.Dense
	jjt.Mul(J, J.T())
	for j := 0; j < nk; j++ {
		jjt.Set(j, j, jjt.At(j, j)+1e-4)
	}
	var jy, delta mat.VecDense
	jy.MulVec(J, y0)
	if err := delta.SolveVec(&jjt, &jy); err != nil {
		logf("recenter %d: step failed: %v\n", round+1, err)
		return center
	}
	next := append([]float64(nil), center...)
	for j := range next {
		d := math.Max(-2*spread, math.Min(2*spread, -0.7*delta.AtVec(j)))
		next[j] = math.Min(math.Max(roundSig(center[j]*(1+d), 4), knobs[j].Lo), knobs[j].Hi)
	}
	var b []string
	for i := range table {
		b = append(b, fmt.Sprintf("%s avg %+.2f%% p95 %+.2f%% state %.2f/%.2f", table[i].Scenario,
			100*miss(4*i), 100*miss(4*i+1), miss(4*i+2), miss(4*i+3)))
	}
	logf("recenter %d (±%.1f%%): at the centre %s\n", round+1, 100*spread, b)
	return next
}

// landAll lands the table row by row. The rows that depend only on shared
// knobs and their own (EXP-001, EXP-002) land first: perturb every knob but
// the last experiment's own by up to ±Spread until both print every cell as
// published. Then, with those fixed, perturb only the last experiment's own
// knobs, by up to ±SpreadLast, until it lands too — or, after LastTrials,
// land the first rows anew and try again: the last row's trend depends on
// the shared knobs as well. Each perturbation is a fresh sample path around
// the same trend, so the expected trials are the inverse of each stage's
// hit rate, added, not multiplied. It reports whether it landed and the
// trials used; on failure out.Configs keep the centre.
func landAll(out *Result, center []float64, apply func([]float64) []*model.Config,
	table []reproduce.Published, opt Options, logf func(string, ...any)) (bool, int) {
	last := len(table) - 1
	trials := 0
	// stage tries perturbations from trial index *next on, within budget
	// trials, until one lands rows; it leaves *next after the one that did.
	stage := func(name string, next *int, budget int, spread float64, perturb func(j int) bool, rows []int, from []float64) ([]float64, []*model.Config, bool) {
		best := -1
		for used := 0; used < budget && trials < opt.LandTrials; used += opt.Workers {
			start := *next
			type result struct {
				vals  []float64
				cfgs  []*model.Config
				score int
			}
			results := make([]result, opt.Workers)
			replicate.Map(opt.Workers, opt.Workers, func(b int) {
				t := start + b
				vals := append([]float64(nil), from...)
				if t > 0 {
					rs := kernel.NewStream(uint64(t), "calibration-landing", uint64(len(rows)))
					for j := range vals {
						d := spread * (2*rs.Float64() - 1)
						if perturb(j) {
							vals[j] = math.Min(math.Max(roundSig(vals[j]*(1+d), 6), knobs[j].Lo), knobs[j].Hi)
						}
					}
				}
				cfgs := apply(vals)
				score := 0
				for _, i := range rows {
					n, ok := landOne(cfgs[i], table[i])
					score += n
					if !ok {
						break
					}
				}
				results[b] = result{vals, cfgs, score}
			})
			trials += opt.Workers
			*next += opt.Workers
			for b, r := range results {
				best = max(best, r.score)
				if r.score == 4*len(rows) {
					*next = start + b + 1
					logf("land %s: landed at trial %d\n", name, start+b)
					return r.vals, r.cfgs, true
				}
			}
			if (used/opt.Workers)%25 == 24 {
				logf("land %s: %d trials, best %d of %d cells\n", name, used+opt.Workers, best, 4*len(rows))
			}
		}
		return nil, nil, false
	}
	var first []int
	for i := 0; i < last; i++ {
		first = append(first, i)
	}
	// Land the first rows (the shared knobs are perturbed with their own;
	// the last row's own knobs wait), then the last row by its own knobs.
	// Its trend depends on the shared knobs too, so if it does not land
	// within LastTrials the first rows are landed anew, from the next
	// perturbation on, and the last row tried again.
	nextFirst, nextLast := 0, 0
	for trials < opt.LandTrials {
		vals, _, ok := stage("first rows", &nextFirst, opt.LandTrials, opt.Spread,
			func(j int) bool { return knobs[j].Scenario != last }, first, center)
		if !ok {
			return false, trials
		}
		vals, cfgs, ok := stage(table[last].Scenario, &nextLast, opt.LastTrials, opt.SpreadLast,
			func(j int) bool { return knobs[j].Scenario == last }, []int{last}, vals)
		if !ok {
			continue
		}
		// The first rows' fault intensities were set on the first stage's
		// configurations; set them again on the final knobs (same shared values).
		for _, i := range first {
			if _, ok := landOne(cfgs[i], table[i]); !ok {
				return false, trials
			}
		}
		out.Configs = cfgs
		logf("landed:\n")
		logKnobs(logf, vals, table)
		for i, c := range cfgs {
			logf("  %-28s %-8s %g\n", "faults.error_probability", table[i].Scenario, c.Faults.ErrorProbability)
		}
		return true, trials
	}
	return false, trials
}

// landOne runs cfg (fault intensity 0) on its own seed; if its latency and
// state cells print as published and overload alone does not exceed the
// published error rate, it sets cfg's fault intensity so that the error rate
// prints as published too, and checks the whole row. It returns the number
// of matching cells and whether the row landed.
func landOne(cfg *model.Config, p reproduce.Published) (int, bool) {
	cfg.Faults.ErrorProbability = 0
	fin := finishedDraws{faults: model.NewFaultInjector(cfg)}
	r, err := model.Run(cfg, model.Options{Sinks: []model.Sink{&fin}})
	if err != nil {
		return 0, false
	}
	cmp, err := reproduce.Compare(p, &r)
	if err != nil {
		return 0, false
	}
	n := cmp.Matches()
	if !cmp.Cells[0].Match || !cmp.Cells[1].Match || !cmp.Cells[3].Match {
		return n, false
	}
	if cmp.Cells[2].Match {
		return n, true
	}
	// The error count that prints as published, nearest the exact fraction.
	want := int64(math.Round(reproduce.Value(p.ErrorRate) * float64(r.Created)))
	k := want - int64(r.Failed) // fault failures needed
	if k <= 0 || k > int64(len(fin.u)) {
		return n, false
	}
	slices.Sort(fin.u)
	f, ok := between(fin.u[k-1], fin.u[k:])
	if !ok {
		return n, false
	}
	cfg.Faults.ErrorProbability = f
	r2, err := model.Run(cfg, model.Options{})
	if err != nil {
		return n, false
	}
	cmp, _ = reproduce.Compare(p, &r2)
	return cmp.Matches(), cmp.Matches() == len(cmp.Cells)
}

// between returns the shortest decimal f with lo < f ≤ next[0] (or any
// f > lo when next is empty): requests with a fault draw below f fail.
func between(lo float64, next []float64) (float64, bool) {
	hi := 1.0
	if len(next) > 0 {
		hi = next[0]
	}
	if !(hi > lo) {
		return 0, false
	}
	for digits := 1; digits <= 17; digits++ {
		f, _ := strconv.ParseFloat(strconv.FormatFloat((lo+hi)/2, 'f', digits, 64), 64)
		if f > lo && f <= hi {
			return f, true
		}
	}
	return 0, false
}

// finishedDraws collects the fault draw of every request a worker finished.
type finishedDraws struct {
	faults *model.FaultInjector
	u      []float64
}

func (f *finishedDraws) Observe(e model.Event) {
	if e.Type == model.Completed || (e.Type == model.Failed && e.Failure == model.FaultError) {
		f.u = append(f.u, f.faults.ErrorDraw(e.Agent, e.Seq, 0))
	}
}

// trendLoss is one run's squared relative miss on the latency cells, plus
// penalties when the detector's time shares do not support the published
// state or when overload alone fails more requests than published.
func trendLoss(p reproduce.Published, r *model.Report) float64 {
	rel := func(sim, pub float64) float64 { d := (sim - pub) / pub; return d * d }
	l := rel(r.Latency.Avg, reproduce.Value(p.AvgLatency)) + rel(r.Latency.P95, reproduce.Value(p.P95Latency))
	hinge := func(x float64) float64 {
		if x < 0 {
			return 0
		}
		return 100 * x * x
	}
	overload := 0.0
	if r.Created > 0 {
		overload = float64(r.Failed) / float64(r.Created)
	}
	l += hinge(overload - (reproduce.Value(p.ErrorRate) - 0.01))
	if reproduce.Value(p.ErrorRate) == 0 && r.Failed > 0 {
		l += 1
	}
	deg, col, ok := stateShares(r)
	if !ok {
		return l + 10
	}
	switch p.State {
	case model.Stable:
		l += hinge(deg - 0.025)
	case model.Degraded:
		l += hinge(0.10-deg) + hinge(col-0.025)
	case model.Collapsed:
		l += hinge(0.10 - col)
	}
	return l
}

// stateShares returns the shares of the control periods that were
// DEGRADED or worse and COLLAPSED (false for a run without periods), in
// the arithmetic the fit has always used (periods × period, in seconds), so
// that the profiles it writes stay the same.
func stateShares(r *model.Report) (deg, col float64, ok bool) {
	if r.Series.Periods() == 0 {
		return 0, 0, false
	}
	period, n := r.Series.Period(), r.StatePeriods
	secs := func(k int) float64 { return (kernel.Duration(k) * period).Seconds() }
	stable, degraded, collapsed := secs(n[model.Stable]), secs(n[model.Degraded]), secs(n[model.Collapsed])
	total := stable + degraded + collapsed
	if total == 0 {
		return 0, 0, false
	}
	return (degraded + collapsed) / total, collapsed / total, true
}
