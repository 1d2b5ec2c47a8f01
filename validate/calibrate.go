package validate

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/optimize"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// Knob is one calibrated parameter: a field of the scenarios' configuration
// and the range it may take. A shared knob (Scenario −1) has one value for
// all three experiments; the others belong to one experiment.
type Knob struct {
	Name     string // the field's JSON path
	Scenario int    // index into the table, or −1 when shared
	Lo, Hi   float64
	Log      bool // searched on a log scale
	get      func(*model.Config) float64
	set      func(*model.Config, float64)
}

// Knobs lists what `agentchaos calibrate` fits. Everything else in the
// profiles (agents, workers and buffer from the table; the workload mix;
// the detector's and the throttle's figures from the original framework;
// the request budget; the seed) is fixed.
var Knobs = []Knob{
	{Name: "agents.think.mean", Scenario: -1, Lo: 0.2, Hi: 5, Log: true,
		get: func(c *model.Config) float64 { return c.Agents.Think.Mean },
		set: func(c *model.Config, v float64) { c.Agents.Think.Mean = v }},
	{Name: "workers.service.mean", Scenario: -1, Lo: 0.0002, Hi: 0.02, Log: true,
		get: func(c *model.Config) float64 { return c.Workers.Service.Mean },
		set: func(c *model.Config, v float64) { c.Workers.Service.Mean = v }},
	{Name: "workers.service.cv", Scenario: -1, Lo: 0.05, Hi: 2, Log: true,
		get: func(c *model.Config) float64 { return c.Workers.Service.CV },
		set: func(c *model.Config, v float64) { c.Workers.Service.CV = v }},
	{Name: "workers.overhead", Scenario: -1, Lo: 0, Hi: 0.02,
		get: func(c *model.Config) float64 { return c.Workers.Overhead },
		set: func(c *model.Config, v float64) { c.Workers.Overhead = v }},
	{Name: "workers.slowdown.alpha", Scenario: -1, Lo: 0, Hi: 5,
		get: func(c *model.Config) float64 { return c.Workers.Slowdown.Alpha },
		set: func(c *model.Config, v float64) { c.Workers.Slowdown.Alpha = v }},
	{Name: "workers.slowdown.gamma", Scenario: -1, Lo: 0.5, Hi: 8, Log: true,
		get: func(c *model.Config) float64 { return c.Workers.Slowdown.Gamma },
		set: func(c *model.Config, v float64) { c.Workers.Slowdown.Gamma = v }},
	{Name: "agents.backoff.base", Scenario: -1, Lo: 0.05, Hi: 10, Log: true,
		get: func(c *model.Config) float64 { return c.Agents.Backoff.Base },
		set: func(c *model.Config, v float64) { c.Agents.Backoff.Base = v }},
	{Name: "agents.backoff.max", Scenario: -1, Lo: 0.5, Hi: 120, Log: true,
		get: func(c *model.Config) float64 { return c.Agents.Backoff.Max },
		set: func(c *model.Config, v float64) { c.Agents.Backoff.Max = v }},
	{Name: "faults.spike_probability", Scenario: -1, Lo: 0, Hi: 0.2,
		get: func(c *model.Config) float64 { return c.Faults.SpikeProbability },
		set: func(c *model.Config, v float64) { c.Faults.SpikeProbability = v }},
	{Name: "faults.spike_duration.mean", Scenario: -1, Lo: 0.001, Hi: 1, Log: true,
		get: func(c *model.Config) float64 { return c.Faults.SpikeDuration.Mean },
		set: func(c *model.Config, v float64) { c.Faults.SpikeDuration.Mean = v }},
	{Name: "faults.error_probability", Scenario: 1, Lo: 0, Hi: 0.6,
		get: func(c *model.Config) float64 { return c.Faults.ErrorProbability },
		set: func(c *model.Config, v float64) { c.Faults.ErrorProbability = v }},
	{Name: "faults.error_probability", Scenario: 2, Lo: 0, Hi: 0.6,
		get: func(c *model.Config) float64 { return c.Faults.ErrorProbability },
		set: func(c *model.Config, v float64) { c.Faults.ErrorProbability = v }},
}

// toUnit maps a knob value into [0, 1] of its range (log or linear).
func (k *Knob) toUnit(v float64) float64 {
	v = math.Min(math.Max(v, k.Lo), k.Hi)
	if k.Log {
		return (math.Log(v) - math.Log(k.Lo)) / (math.Log(k.Hi) - math.Log(k.Lo))
	}
	return (v - k.Lo) / (k.Hi - k.Lo)
}

func (k *Knob) fromUnit(u float64) float64 {
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

// Round4 rounds to 4 significant digits: the precision written to the
// profiles, so the values a reproduction runs are the values fitted.
func Round4(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, 3-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// CalibrateOptions tune the fit.
type CalibrateOptions struct {
	// TrendSeeds: each evaluation of the fit averages the loss over this many
	// seeds, so the optimiser follows the model's trend, not one sample path.
	TrendSeeds int
	// MaxEvals bounds the Nelder–Mead evaluations per restart; Restarts
	// restarts it from the best point found.
	MaxEvals, Restarts int
	// LandTrials bounds the landing search per experiment.
	LandTrials int
	Workers    int       // parallel runs; 0 means GOMAXPROCS
	Log        io.Writer // progress; nil for none
}

// Calibration is the outcome: the fitted configurations (same order as the
// table) and how the landing went.
type Calibration struct {
	Configs []*model.Config
	Loss    float64 // trend loss of the fitted shared parameters
	Landed  []bool  // per experiment: every cell matches on its own seed
	Evals   int
}

// Calibrate fits the knobs so that simulating each configuration on its own
// seed prints the published table. cfgs are the three profiles in table
// order; they are not modified.
//
// Two stages. Fit: Nelder–Mead (gonum/optimize) from the profiles' current
// values minimises the squared relative misses of every cell plus a penalty
// on states, averaged over TrendSeeds seeds (the trend). Land: keyed
// streams make every request's draws fixed, so the per-experiment error
// probability, stepped in units of 10⁻⁵ around its fitted value, flips a
// few requests at a time; each step is a fresh sample path around the same
// trend, and the first step on which all four cells print as published is
// kept. Deterministic: fixed start, fixed seeds, results reduced in index
// order whatever the number of workers.
func Calibrate(cfgs []*model.Config, table []Published, opt CalibrateOptions) (*Calibration, error) {
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
		base[i] = &cp
	}
	apply := func(x []float64) []*model.Config {
		out := make([]*model.Config, len(base))
		for i := range base {
			cp := *base[i]
			out[i] = &cp
		}
		for j := range Knobs {
			k := &Knobs[j]
			v := Round4(k.fromUnit(sigmoid(x[j])))
			for i := range out {
				if k.Scenario < 0 || k.Scenario == i {
					k.set(out[i], v)
				}
			}
		}
		for _, c := range out {
			if c.Agents.Backoff.Max < c.Agents.Backoff.Base {
				c.Agents.Backoff.Max = c.Agents.Backoff.Base
			}
		}
		return out
	}
	x0 := make([]float64, len(Knobs))
	for j := range Knobs {
		k := &Knobs[j]
		i := k.Scenario
		if i < 0 {
			i = len(base) - 1
		}
		x0[j] = logit(k.toUnit(k.get(base[i])))
	}

	evals := 0
	loss := func(x []float64) float64 {
		evals++
		trial := apply(x)
		type job struct{ scen, seed int }
		var jobs []job
		for i := range trial {
			for s := 0; s < opt.TrendSeeds; s++ {
				jobs = append(jobs, job{i, s})
			}
		}
		losses := make([]float64, len(jobs))
		parallel(len(jobs), opt.Workers, func(n int) {
			j := jobs[n]
			c := *trial[j.scen]
			rs := kernel.NewStream(c.Seed, "calibration-trend", uint64(j.seed))
			c.Seed = rs.Uint64()
			r, err := model.Run(&c, model.Options{})
			if err != nil {
				losses[n] = math.Inf(1)
				return
			}
			losses[n] = cellLoss(table[j.scen], &r)
		})
		sum := 0.0
		for _, l := range losses {
			sum += l
		}
		return sum / float64(opt.TrendSeeds)
	}

	best, bestLoss := x0, loss(x0)
	logf("start loss %.5g\n", bestLoss)
	for r := 0; r < opt.Restarts; r++ {
		res, err := optimize.Minimize(optimize.Problem{Func: loss}, best,
			&optimize.Settings{FuncEvaluations: opt.MaxEvals, Converger: &optimize.FunctionConverge{Absolute: 1e-6, Iterations: 200}},
			&optimize.NelderMead{SimplexSize: 0.6 / float64(r+1)})
		if err != nil && res == nil {
			return nil, err
		}
		if res.F < bestLoss {
			best, bestLoss = res.X, res.F
		}
		logf("restart %d: loss %.5g after %d evaluations\n", r+1, bestLoss, evals)
	}
	fitted := apply(best)
	for j := range Knobs {
		k := &Knobs[j]
		i := k.Scenario
		if i < 0 {
			i = 0
		}
		logf("  %-28s %-8s %g\n", k.Name, scope(k, table), k.get(fitted[i]))
	}

	out := &Calibration{Configs: fitted, Loss: bestLoss, Landed: make([]bool, len(fitted)), Evals: evals}
	for i := range fitted {
		out.Landed[i] = land(fitted[i], table[i], opt, logf)
	}
	return out, nil
}

func scope(k *Knob, table []Published) string {
	if k.Scenario < 0 {
		return "shared"
	}
	return table[k.Scenario].Scenario
}

// land steps the experiment's error probability by 10⁻⁵ around its fitted
// value (0, +1, −1, +2, −2, ...) until its own seed prints every cell as
// published. Experiments with no faults are only checked.
func land(cfg *model.Config, p Published, opt CalibrateOptions, logf func(string, ...any)) bool {
	f0 := cfg.Faults.ErrorProbability
	try := func(f float64) (int, *model.Report) {
		c := *cfg
		c.Faults.ErrorProbability = f
		r, err := model.Run(&c, model.Options{})
		if err != nil {
			return 0, nil
		}
		cmp, err := Compare(p, &r)
		if err != nil {
			return 0, nil
		}
		return cmp.Matches(), &r
	}
	if f0 == 0 {
		n, _ := try(0)
		logf("%s: %d/4 cells match (no fault knob to land with)\n", p.Scenario, n)
		return n == 4
	}
	const step = 1e-5
	batch := opt.Workers * 4
	bestN := -1
	for start := 0; start < opt.LandTrials; start += batch {
		fs := make([]float64, batch)
		for b := range fs {
			k := start + b
			off := float64((k+1)/2) * step
			if k%2 == 0 {
				off = -off
			}
			fs[b] = math.Round((f0+off)*1e6) / 1e6
		}
		ns := make([]int, batch)
		parallel(batch, opt.Workers, func(b int) {
			if fs[b] > 0 && fs[b] <= 1 {
				ns[b], _ = try(fs[b])
			}
		})
		for b, n := range ns {
			if n > bestN {
				bestN = n
			}
			if n == 4 {
				cfg.Faults.ErrorProbability = fs[b]
				logf("%s: landed at faults.error_probability %g after %d trials\n", p.Scenario, fs[b], start+b+1)
				return true
			}
		}
		logf("%s: %d trials, best %d/4 cells\n", p.Scenario, start+batch, bestN)
	}
	return false
}

// cellLoss is one run's squared relative miss on each cell, plus a penalty
// when the detector's time shares do not support the published state.
func cellLoss(p Published, r *model.Report) float64 {
	rel := func(sim, pub float64) float64 { d := (sim - pub) / pub; return d * d }
	l := rel(r.Latency.Avg, Value(p.AvgLatency)) + rel(r.Latency.P95, Value(p.P95Latency))
	e := (r.ErrorRate - Value(p.ErrorRate)) / math.Max(Value(p.ErrorRate), 0.02)
	l += e * e
	total := r.TimeInState.Stable + r.TimeInState.Degraded + r.TimeInState.Collapsed
	if total == 0 {
		return l + 10
	}
	col := r.TimeInState.Collapsed / total
	deg := (r.TimeInState.Degraded + r.TimeInState.Collapsed) / total
	hinge := func(x float64) float64 {
		if x < 0 {
			return 0
		}
		return 100 * x * x
	}
	switch p.State {
	case "STABLE":
		l += hinge(deg - 0.025)
	case "DEGRADED":
		l += hinge(0.10-deg) + hinge(col-0.025)
	case "COLLAPSED":
		l += hinge(0.10 - col)
	}
	return l
}

// parallel calls f(0..n-1) on up to workers goroutines and waits.
func parallel(n, workers int, f func(int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
