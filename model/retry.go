package model

import "github.com/agentchaos/agentchaos/kernel"

// RetryBudget bounds how much a client retries, whatever its retry policy
// allows, so that retries cannot multiply the load without limit. A
// clock-free policy value: the methods that need the time take it. A
// ClientPolicy without one (nil) allows every retry.
type RetryBudget interface {
	// Request records that a request was sent at now (its first attempt).
	Request(now kernel.Time)
	// Outcome records an attempt's outcome at now: ok for a success.
	Outcome(now kernel.Time, ok bool)
	// Retry reports whether a retry may be sent at now, and if so counts it.
	Retry(now kernel.Time) bool
}

// TokenBucket is gRPC's retry throttling (gRFC A6): a bucket of MaxTokens
// tokens, full at the start; every failed attempt takes one token, every
// success puts back TokenRatio (up to MaxTokens); retries are allowed only
// while more than half the tokens remain.
type TokenBucket struct {
	max, ratio, tokens float64
}

// NewTokenBucket returns a full bucket.
func NewTokenBucket(maxTokens, tokenRatio float64) *TokenBucket {
	return &TokenBucket{max: maxTokens, ratio: tokenRatio, tokens: maxTokens}
}

func (b *TokenBucket) Request(kernel.Time) {}

func (b *TokenBucket) Outcome(_ kernel.Time, ok bool) {
	if ok {
		b.tokens = min(b.max, b.tokens+b.ratio)
	} else {
		b.tokens = max(0, b.tokens-1)
	}
}

func (b *TokenBucket) Retry(kernel.Time) bool { return b.tokens > b.max/2 }

// Tokens returns the tokens in the bucket.
func (b *TokenBucket) Tokens() float64 { return b.tokens }

// RatioBudget is Finagle's retry budget: over the last TTL, retries may be
// at most PercentCanRetry of the requests sent, plus MinRetriesPerSec·TTL
// so that a quiet client can still retry. The window slides in steps of a
// tenth of the TTL.
type RatioBudget struct {
	percent, reserve float64
	window           slidingWindow // requests and retries
}

// NewRatioBudget returns an empty budget.
func NewRatioBudget(percentCanRetry, minRetriesPerSec float64, ttl kernel.Duration) *RatioBudget {
	return &RatioBudget{percent: percentCanRetry, reserve: float64(minRetriesPerSec * ttl.Seconds()),
		window: newSlidingWindow(ttl)}
}

func (b *RatioBudget) Request(now kernel.Time) { b.window.add(now, 1, 0) }

func (b *RatioBudget) Outcome(kernel.Time, bool) {}

func (b *RatioBudget) Retry(now kernel.Time) bool {
	req, ret := b.window.sums(now)
	if ret+1 > b.reserve+float64(b.percent*req) {
		return false
	}
	b.window.add(now, 0, 1)
	return true
}

// RetryPolicy decides whether a failed attempt is tried again: the
// outcome's kind is among those retried and attempts remain. A clock-free
// value; the budget, the deadline and the backoff are the client's.
type RetryPolicy struct {
	maxAttempts int32
	on          [numFailureKinds]bool
}

// NewRetryPolicy returns the policy of a validated retry section.
func NewRetryPolicy(c RetryConfig) RetryPolicy {
	p := RetryPolicy{maxAttempts: int32(max(c.MaxAttempts, 1))}
	for _, k := range c.On {
		p.on[failureKind(k)] = true
	}
	return p
}

// Retries reports whether attempt k (from 0) that failed with cause may be
// followed by attempt k+1.
func (p *RetryPolicy) Retries(k int32, cause FailureKind) bool {
	return p.on[cause] && k+1 < p.maxAttempts
}

// MaxAttempts returns the number of attempts a request may make.
func (p *RetryPolicy) MaxAttempts() int32 { return p.maxAttempts }
