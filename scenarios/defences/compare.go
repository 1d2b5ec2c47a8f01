package defences

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/validate/stats"
)

// Options are a comparison's settings.
type Options struct {
	// Replications per policy (at least 1; 2 for an interval).
	Replications int
	// Seed is the root of the replications' seeds: replication r of every
	// policy runs with replicate.Seed(Seed, r).
	Seed uint64
	// Workers is the number of runs simulated at once (at least 1); it
	// changes no result.
	Workers int
	// Progress, if set, is called after each run with the runs done and
	// their total, on the goroutine that called Compare.
	Progress func(done, total int)
}

// Comparison is the scenario under every policy.
type Comparison struct {
	Scenario     string   `json:"scenario"`
	Seed         uint64   `json:"seed"`
	Replications int      `json:"replications"`
	HasSLO       bool     `json:"has_slo"`
	Results      []Result `json:"results"`
	Skipped      []string `json:"skipped,omitempty"` // policies that do not apply, and why
}

// Result is one policy's figures over its replications: means with 95%
// Student-t intervals.
type Result struct {
	Policy
	Runs int `json:"runs"`
	// Goodput is requests that succeeded for their client, per second;
	// GoodputGain its paired difference to no defence, replication by
	// replication (zero for no defence itself).
	Goodput     Interval `json:"goodput"`
	GoodputGain Interval `json:"goodput_gain"`
	// P99 is the p99 latency of the requests a worker finished, over the
	// replications that finished any (P99.N of them).
	P99           Interval `json:"p99"`
	ErrorRate     Interval `json:"error_rate"`
	Amplification Interval `json:"amplification"`
	// Collapsed counts the replications whose final state was COLLAPSED;
	// NotRecovered those whose SLO verdict was "did not recover".
	Collapsed    int `json:"collapsed"`
	NotRecovered int `json:"not_recovered"`
}

// Interval is a mean with its 95% half-width (+Inf with one value; the
// mean is NaN with none).
type Interval struct {
	Mean      float64 `json:"mean"`
	HalfWidth float64 `json:"ci95"`
	N         int     `json:"n"`
}

// MarshalJSON writes NaN and infinite figures as null.
func (iv Interval) MarshalJSON() ([]byte, error) {
	num := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "null"
		}
		return fmt.Sprint(x)
	}
	return []byte(fmt.Sprintf(`{"mean":%s,"ci95":%s,"n":%d}`, num(iv.Mean), num(iv.HalfWidth), iv.N)), nil
}

func interval(xs []float64) Interval {
	iv := stats.MeanCI(xs, 0.95)
	return Interval{iv.Mean, iv.HalfWidth, iv.N}
}

// outcome is what a comparison keeps of one run.
type outcome struct {
	goodput, p99, errorRate, amplification float64
	served                                 bool
	collapsed, notRecovered                bool
}

func outcomeOf(r *model.Report) outcome {
	o := outcome{goodput: r.Throughput, p99: r.Latency.P99, errorRate: r.ErrorRate, served: r.Served > 0,
		collapsed: r.FinalState == model.Collapsed, amplification: 1}
	if c := r.Client; c != nil {
		o.amplification = c.Amplification
	}
	o.notRecovered = r.SLO != nil && r.SLO.Verdict == model.VerdictMetastable
	return o
}

// ErrInterrupted is returned (wrapped with the context's error) when the
// context ends a comparison early; the Comparison then holds the policies
// whose replications all finished.
var ErrInterrupted = errors.New("comparison interrupted")

// Compare runs cfg under every policy of Policies(cfg), opt.Replications
// times each with the same seeds (common random numbers), on opt.Workers
// goroutines, and summarises each policy. The result does not depend on
// the number of workers.
func Compare(ctx context.Context, cfg *model.Config, opt Options) (*Comparison, error) {
	if opt.Replications < 1 || opt.Workers < 1 {
		return nil, fmt.Errorf("replications and workers must be at least 1 (got %d, %d)", opt.Replications, opt.Workers)
	}
	policies, skipped, err := Policies(cfg)
	if err != nil {
		return nil, err
	}
	cfgs := make([]*model.Config, len(policies))
	for i, p := range policies {
		if cfgs[i], err = p.configure(cfg); err != nil {
			return nil, err
		}
	}
	c := &Comparison{Scenario: cfg.Name, Seed: opt.Seed, Replications: opt.Replications,
		HasSLO: cfg.SLO.Enabled(), Skipped: skipped}
	reps := opt.Replications
	total := len(policies) * reps
	outs := make([]outcome, 0, total)
	err = replicate.Ordered(ctx, total, opt.Workers, nil,
		func(_ struct{}, i int) (outcome, error) {
			run := *cfgs[i/reps]
			run.Seed = replicate.Seed(opt.Seed, i%reps)
			rep, err := model.Run(&run, model.Options{})
			if err != nil {
				return outcome{}, fmt.Errorf("policy %s, replication %d: %w", policies[i/reps].Name, i%reps, err)
			}
			return outcomeOf(&rep), nil
		},
		func(i int, o outcome) error {
			outs = append(outs, o)
			if opt.Progress != nil {
				opt.Progress(i+1, total)
			}
			return nil
		})
	for p := 0; (p+1)*reps <= len(outs); p++ {
		c.Results = append(c.Results, summarise(policies[p], outs[p*reps:(p+1)*reps], outs[:reps]))
	}
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Cause(ctx)) {
		return c, fmt.Errorf("%w: %w", ErrInterrupted, err)
	}
	return c, err
}

// summarise reduces a policy's replications; none are the same
// replications with no defence, for the paired differences.
func summarise(p Policy, os, none []outcome) Result {
	r := Result{Policy: p, Runs: len(os)}
	var good, gain, p99, errRate, amp []float64
	for i, o := range os {
		good = append(good, o.goodput)
		gain = append(gain, o.goodput-none[i].goodput)
		if o.served {
			p99 = append(p99, o.p99)
		}
		errRate = append(errRate, o.errorRate)
		amp = append(amp, o.amplification)
		if o.collapsed {
			r.Collapsed++
		}
		if o.notRecovered {
			r.NotRecovered++
		}
	}
	r.Goodput, r.GoodputGain, r.P99 = interval(good), interval(gain), interval(p99)
	r.ErrorRate, r.Amplification = interval(errRate), interval(amp)
	return r
}
