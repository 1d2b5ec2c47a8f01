package model

import (
	"fmt"

	"github.com/agentchaos/agentchaos/kernel"
)

// BackoffConfig is a backoff law: after the k-th consecutive failure a
// client waits
//
//	cap_k = min(Max, Base·Multiplier^(k−1)),  scaled by (1 − Jitter·U),  U uniform in [0, 1)
//
// so Jitter 0 is no jitter, 1 is AWS's "full jitter" (uniform in (0, cap_k]) and
// 0.5 its "equal jitter" (cap_k/2 plus a uniform half). Decorrelated is AWS's
// "decorrelated jitter" instead: min(Max, uniform in [Base, 3·previous
// wait)), the first previous wait being Base. Base 0 turns backoff off.
//
// It serves two stages. agents.backoff is a closed-loop agent's wait before
// its next request after a failure of a kind listed in On (any other outcome
// resets k); the profiles back off on the overload signals 503 and 504 and
// treat a 500 as an application error that says nothing about load.
// client.retry.backoff is the wait before a retry, k the retry's number; On
// does not apply there (client.retry.on says what is retried).
type BackoffConfig struct {
	Base         float64  `json:"base"`
	Multiplier   float64  `json:"multiplier,omitempty"`
	Max          float64  `json:"max,omitempty"`
	Jitter       float64  `json:"jitter,omitempty"`
	Decorrelated bool     `json:"decorrelated,omitempty"`
	On           []string `json:"on,omitempty"`
}

// validate checks the law at path; withOn says whether On applies.
func (b *BackoffConfig) validate(v *validator, path string, withOn bool) {
	v.wait(path+".base", b.Base)
	if b.Base > 0 {
		if !b.Decorrelated {
			v.atLeast(path+".multiplier", b.Multiplier, 1)
		} else {
			v.unused(path+".multiplier", b.Multiplier != 0, "does not apply to decorrelated jitter")
		}
		v.atLeast(path+".max", b.Max, b.Base)
		v.wait(path+".max", b.Max)
		v.prob(path+".jitter", b.Jitter)
		if b.Decorrelated {
			v.unused(path+".jitter", b.Jitter != 0, "does not apply to decorrelated jitter")
		}
		if withOn && len(b.On) == 0 {
			v.fail(path+".on", "name the failure kinds to back off on ("+failureList()+")")
		}
	}
	if !withOn {
		v.unused(path+".on", len(b.On) > 0, "does not apply here: client.retry.on says what is retried")
	}
	for i, k := range b.On {
		if failureKind(k) == NoFailure {
			v.fail(fmt.Sprintf("%s.on[%d]", path, i), fmt.Sprintf("unknown failure kind %q (%s)", k, failureList()))
		}
	}
}

// Backoff is a backoff law as a clock-free policy value. The zero Backoff
// never backs off.
type Backoff struct {
	base, multiplier, max, jitter float64
	decorrelated                  bool
	on                            [numFailureKinds]bool
}

// NewBackoff returns the policy of a validated BackoffConfig.
func NewBackoff(c BackoffConfig) Backoff {
	b := Backoff{base: c.Base, multiplier: c.Multiplier, max: c.Max, jitter: c.Jitter, decorrelated: c.Decorrelated}
	if c.Base > 0 {
		for _, k := range c.On {
			b.on[failureKind(k)] = true
		}
	}
	return b
}

// Enabled reports whether the law waits at all.
func (b *Backoff) Enabled() bool { return b.base > 0 }

// On reports whether an agent backs off after an outcome of kind k.
func (b *Backoff) On(k FailureKind) bool { return b.on[k] }

// Delay is the wait after the k-th consecutive failure (k ≥ 1), given a
// uniform u in [0, 1) and, for decorrelated jitter, the previous wait (0 for
// the first). 0 when the law is off.
func (b *Backoff) Delay(k int32, u float64, prev kernel.Duration) kernel.Duration {
	if b.base <= 0 {
		return 0
	}
	if b.decorrelated {
		p := prev.Seconds()
		if p < b.base {
			p = b.base
		}
		d := b.base + float64(u*(float64(3*p)-b.base))
		return kernel.Seconds(min(d, b.max))
	}
	d := float64(b.base * kernel.Pow(b.multiplier, float64(k-1)))
	if d > b.max {
		d = b.max
	}
	return kernel.Seconds(float64(d * (1 - float64(b.jitter*u))))
}
