package defences

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/agentchaos/agentchaos/model"
)

// Policy is one defence, applied alone to a scenario stripped of its own.
type Policy struct {
	Name     string `json:"name"`
	Settings string `json:"settings"` // what it sets, in words
	apply    func(cfg *model.Config)
}

// Policy names, in table order.
const (
	None           = "none"
	AsGiven        = "scenario"
	CoDel          = "codel"
	LIFO           = "lifo"
	AdaptiveLIFO   = "adaptive-lifo"
	AIMD           = "aimd"
	Vegas          = "vegas"
	Gradient2      = "gradient2"
	Priorities     = "priorities"
	ServerThrottle = "server-throttle"
	SREThrottle    = "sre-throttle"
	RetryBudget    = "retry-budget"
	Breaker        = "breaker"
)

// The defaults each policy uses: the published ones.
var (
	// RFC 8289's target and interval.
	codelDefaults = model.CoDelConfig{Target: 0.005, Interval: 0.1}
	// The seed's throttle, as the original framework set it.
	serverThrottle = model.ThrottleConfig{Enabled: true, Degraded: 0.05, Collapsed: 0.2}
	// Google SRE's K = 2 over a two-minute window.
	sreThrottle = model.ClientThrottleConfig{K: 2, Window: 120}
	// gRPC's retry throttling as its documentation's example sets it.
	tokenBucket = model.BudgetConfig{Kind: model.TokenBucketBudget, MaxTokens: 10, TokenRatio: 0.1}
	// Hystrix's defaults: open at 50% errors of at least 20 requests in a
	// 10 s window, for 5 s, then one probe.
	hystrix = model.BreakerConfig{FailureRatio: 0.5, Window: 10, MinRequests: 20, OpenFor: 5, HalfOpenProbes: 1}
)

// attemptTimeout is the shortest client attempt timeout of cfg; 0 if no
// client times out.
func attemptTimeout(cfg *model.Config) float64 {
	shortest := 0.0
	for _, c := range clients(cfg) {
		if t := c.Timeouts.Attempt; t > 0 && (shortest == 0 || t < shortest) {
			shortest = t
		}
	}
	return shortest
}

// adaptiveLIFOAfter is when adaptive LIFO switches to newest first: once
// the oldest waiting attempt has waited half the shortest client attempt
// timeout (its client will soon give up on it), or CoDel's interval
// without a timeout.
func adaptiveLIFOAfter(cfg *model.Config) float64 {
	if t := attemptTimeout(cfg); t > 0 {
		return t / 2
	}
	return codelDefaults.Interval
}

// clients returns every client configuration of cfg: the top-level one
// and each agent group's own.
func clients(cfg *model.Config) []*model.ClientConfig {
	out := []*model.ClientConfig{&cfg.Client}
	for i := range cfg.Agents.Groups {
		if c := cfg.Agents.Groups[i].Client; c != nil {
			out = append(out, c)
		}
	}
	return out
}

// retries reports whether some client retries.
func retries(cfg *model.Config) bool {
	for _, c := range clients(cfg) {
		if c.Retry.MaxAttempts > 1 {
			return true
		}
	}
	return false
}

// strip removes every defence from cfg: the queue is FIFO without CoDel or
// a concurrency limit, the seed's throttle is off, no client throttles,
// budgets its retries or has a breaker, and every group is equally
// important.
func strip(cfg *model.Config) {
	q := &cfg.Queue
	q.Discipline, q.LIFOAfter, q.CoDel, q.Limit = "", 0, nil, nil
	cfg.Throttle.Enabled = false
	for _, c := range clients(cfg) {
		c.Throttle, c.Budget, c.Breaker = model.ClientThrottleConfig{}, model.BudgetConfig{}, model.BreakerConfig{}
	}
	for i := range cfg.Agents.Groups {
		cfg.Agents.Groups[i].Priority = 0
	}
}

// clone returns a deep copy of cfg.
func clone(cfg *model.Config) (*model.Config, error) {
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	out := new(model.Config)
	if err := json.Unmarshal(data, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Policies returns the policies that apply to cfg, in table order: no
// defence first, then the scenario as given when it has defences of its
// own, then each defence. skipped names the defences that do not apply,
// and why.
func Policies(cfg *model.Config) (list []Policy, skipped []string, err error) {
	list = append(list, Policy{None, "no defence", func(*model.Config) {}})
	bare, err := clone(cfg)
	if err != nil {
		return nil, nil, err
	}
	strip(bare)
	a, _ := json.Marshal(bare)
	b, _ := json.Marshal(cfg)
	if string(a) != string(b) {
		list = append(list, Policy{AsGiven, "the scenario's own defences", nil})
	}
	queue := func(name, settings string, f func(q *model.QueueConfig)) {
		list = append(list, Policy{name, settings, func(c *model.Config) { f(&c.Queue) }})
	}
	queue(CoDel, fmt.Sprintf("target %g ms, interval %g ms", 1000*codelDefaults.Target, 1000*codelDefaults.Interval),
		func(q *model.QueueConfig) { c := codelDefaults; q.CoDel = &c })
	queue(LIFO, "newest first", func(q *model.QueueConfig) { q.Discipline = model.DisciplineLIFO })
	after := adaptiveLIFOAfter(cfg)
	queue(AdaptiveLIFO, fmt.Sprintf("newest first once the oldest has waited %g ms", 1000*after), func(q *model.QueueConfig) {
		q.Discipline, q.LIFOAfter = model.DisciplineAdaptiveLIFO, after
	})
	// An answer slower than the client waits is a drop (a failure to the
	// client); without a client timeout, the limiter's default (1 s).
	drop, dropText := attemptTimeout(cfg), ""
	if drop > 0 {
		dropText = fmt.Sprintf("; a drop: a failure or an answer after %g ms, the client's timeout", 1000*drop)
	}
	for _, k := range []struct{ name, kind, settings string }{
		{AIMD, model.LimitAIMD, "from 20, +1 per answer at half use, ×0.9 on a drop" + dropText},
		{Vegas, model.LimitVegas, "from 20, queue estimate 3–6·log10(limit)" + dropText},
		{Gradient2, model.LimitGradient2, "from 20, tolerance 1.5 against the long RTT"},
	} {
		queue(k.name, "concurrency limit "+k.settings, func(q *model.QueueConfig) {
			q.Limit = &model.LimitConfig{Kind: k.kind, Timeout: drop}
		})
	}
	if groups := cfg.Agents.Groups; len(groups) > 1 {
		prio := make([]int, len(groups))
		distinct := false
		for i, g := range groups {
			prio[i] = g.Priority
			distinct = distinct || g.Priority != groups[0].Priority
		}
		var desc []string
		for i, g := range groups {
			if !distinct {
				prio[i] = i // in the groups' order, the first the most important
			}
			desc = append(desc, fmt.Sprintf("%s %d", g.Name, prio[i]))
		}
		list = append(list, Policy{Priorities, "priorities " + strings.Join(desc, ", ") + " (0 most important)", func(c *model.Config) {
			for i := range c.Agents.Groups {
				c.Agents.Groups[i].Priority = prio[i]
			}
		}})
	} else {
		skipped = append(skipped, Priorities+": the scenario has no agent groups to rank")
	}
	list = append(list, Policy{ServerThrottle, fmt.Sprintf("agents wait %g s more while DEGRADED, %g s while COLLAPSED",
		serverThrottle.Degraded, serverThrottle.Collapsed), func(c *model.Config) { c.Throttle = serverThrottle }})
	list = append(list, Policy{SREThrottle, fmt.Sprintf("K %g, window %g s", sreThrottle.K, sreThrottle.Window), func(c *model.Config) {
		for _, cl := range clients(c) {
			cl.Throttle = sreThrottle
		}
	}})
	if retries(cfg) {
		list = append(list, Policy{RetryBudget, fmt.Sprintf("token bucket: %g tokens, ratio %g", tokenBucket.MaxTokens, tokenBucket.TokenRatio), func(c *model.Config) {
			for _, cl := range clients(c) {
				if cl.Retry.MaxAttempts > 1 {
					cl.Budget = tokenBucket
				}
			}
		}})
	} else {
		skipped = append(skipped, RetryBudget+": no client retries")
	}
	list = append(list, Policy{Breaker, fmt.Sprintf("opens at %g%% failures of ≥ %d in %g s, for %g s",
		100*hystrix.FailureRatio, hystrix.MinRequests, hystrix.Window, hystrix.OpenFor), func(c *model.Config) {
		for _, cl := range clients(c) {
			cl.Breaker = hystrix
		}
	}})
	return list, skipped, nil
}

// configure returns cfg under policy p: stripped of its defences, then
// given p's; the scenario as given for AsGiven.
func (p Policy) configure(cfg *model.Config) (*model.Config, error) {
	out, err := clone(cfg)
	if err != nil {
		return nil, err
	}
	if p.apply != nil {
		strip(out)
		p.apply(out)
	}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("the scenario under policy %s: %w", p.Name, err)
	}
	return out, nil
}
