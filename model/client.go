package model

import (
	"fmt"

	"github.com/agentchaos/agentchaos/kernel"
)

// ClientConfig is how an agent group's client calls the server: timeouts,
// retries with backoff, a retry budget, a circuit breaker and a connection
// pool. The zero value is today's client: no timeout, no retry, no pool —
// every request is one attempt, sent at once, answered whenever the server
// answers.
type ClientConfig struct {
	Timeouts TimeoutConfig `json:"timeouts,omitzero"`
	Retry    RetryConfig   `json:"retry,omitzero"`
	Budget   BudgetConfig  `json:"budget,omitzero"`
	Breaker  BreakerConfig `json:"breaker,omitzero"`
	Pool     PoolConfig    `json:"pool,omitzero"`
	// Throttle is Google SRE's client-side adaptive throttling.
	Throttle ClientThrottleConfig `json:"throttle,omitzero"`
}

// TimeoutConfig is when the client gives up. All in seconds, 0 for none.
type TimeoutConfig struct {
	// Attempt bounds each attempt, from its start (waiting for a
	// connection and dialling included) to its answer: CLIENT_TIMEOUT.
	Attempt float64 `json:"attempt,omitempty"`
	// AttemptLaw is how long each attempt is given: "deterministic" (the
	// default) exactly Attempt seconds, as real clients do; "exponential" a
	// fresh exponential draw of mean Attempt for every attempt, from its
	// own stream ("timeout", agent, seq, attempt). The exponential law is
	// queueing theory's impatient customer (Erlang-A): with it a closed
	// system with exponential think and service times and retries is a
	// continuous-time Markov chain, which validate/markov solves.
	AttemptLaw string `json:"attempt_law,omitempty"`
	// Deadline bounds the request, from its creation over every attempt
	// and backoff: DEADLINE_EXCEEDED.
	Deadline float64 `json:"deadline,omitempty"`
	// Connect bounds the dialling of a new connection: CONNECT_TIMEOUT.
	Connect float64 `json:"connect,omitempty"`
	// Propagate sends the client's deadline with the request, so the server
	// can drop work its client has given up on: "dequeue" drops such an
	// attempt when a worker would take it, "service" also stops one in
	// service; "" (the default) lets the server finish it (zombie work).
	Propagate string `json:"propagate,omitempty"`
}

// Deadline propagation modes.
const (
	PropagateDequeue = "dequeue"
	PropagateService = "service"
)

// RetryConfig is the retry policy: a failed attempt whose cause is listed
// in On is tried again, up to MaxAttempts attempts in all, after a backoff
// (the longer of the backoff and the server's Retry-After when RetryAfter
// is set).
type RetryConfig struct {
	MaxAttempts int           `json:"max_attempts,omitempty"` // 0 or 1: no retry
	On          []string      `json:"on,omitempty"`
	Backoff     BackoffConfig `json:"backoff,omitzero"`
	RetryAfter  bool          `json:"retry_after,omitempty"`
}

// BudgetConfig bounds retries beyond the retry policy: Kind "token_bucket"
// is gRPC's retry throttling (MaxTokens, TokenRatio), "ratio" Finagle's
// retry budget (PercentCanRetry of the requests over TTL seconds, plus
// MinRetriesPerSec); "" is none.
type BudgetConfig struct {
	Kind             string  `json:"kind,omitempty"`
	MaxTokens        float64 `json:"max_tokens,omitempty"`
	TokenRatio       float64 `json:"token_ratio,omitempty"`
	PercentCanRetry  float64 `json:"percent_can_retry,omitempty"`
	MinRetriesPerSec float64 `json:"min_retries_per_sec,omitempty"`
	TTL              float64 `json:"ttl,omitempty"`
}

// Retry budget kinds.
const (
	TokenBucketBudget = "token_bucket"
	RatioRetryBudget  = "ratio"
)

// BreakerConfig is the circuit breaker (see [Breaker]): it trips after
// ConsecutiveFailures failures in a row, or when FailureRatio of at least
// MinRequests outcomes in the last Window seconds failed; stays open
// OpenFor seconds; then lets HalfOpenProbes probes through. On lists the
// outcomes that count as failures (default: every failure of an attempt
// that was sent). Neither rule set: no breaker.
type BreakerConfig struct {
	ConsecutiveFailures int      `json:"consecutive_failures,omitempty"`
	FailureRatio        float64  `json:"failure_ratio,omitempty"`
	Window              float64  `json:"window,omitempty"`
	MinRequests         int      `json:"min_requests,omitempty"`
	OpenFor             float64  `json:"open_for,omitempty"`
	HalfOpenProbes      int      `json:"half_open_probes,omitempty"`
	On                  []string `json:"on,omitempty"`
}

func (b *BreakerConfig) enabled() bool { return b.ConsecutiveFailures > 0 || b.FailureRatio > 0 }

func (c *ClientConfig) validate(v *validator, path string) {
	t := &c.Timeouts
	v.wait(path+".timeouts.attempt", t.Attempt)
	v.wait(path+".timeouts.deadline", t.Deadline)
	v.wait(path+".timeouts.connect", t.Connect)
	switch t.AttemptLaw {
	case "", Deterministic, Exponential:
	default:
		v.fail(path+".timeouts.attempt_law", fmt.Sprintf("must be %q or %q, not %q", Deterministic, Exponential, t.AttemptLaw))
	}
	v.unused(path+".timeouts.attempt_law", t.AttemptLaw != "" && t.Attempt == 0, "needs timeouts.attempt (its mean)")
	switch t.Propagate {
	case "", PropagateDequeue, PropagateService:
	default:
		v.fail(path+".timeouts.propagate", fmt.Sprintf("must be %q or %q, not %q", PropagateDequeue, PropagateService, t.Propagate))
	}
	if t.Propagate != "" && t.Attempt == 0 && t.Deadline == 0 {
		v.fail(path+".timeouts.propagate", "there is no deadline to propagate: set timeouts.attempt or timeouts.deadline")
	}
	v.unused(path+".timeouts.connect", t.Connect > 0 && c.Pool.MaxConnections == 0, "needs a pool: connections are dialled only from "+path+".pool")

	r := &c.Retry
	v.intIn(path+".retry.max_attempts", r.MaxAttempts, 0, 100)
	retries := r.MaxAttempts > 1
	if retries && len(r.On) == 0 {
		v.fail(path+".retry.on", "name the failure kinds to retry ("+failureList()+")")
	}
	for i, k := range r.On {
		switch kind := failureKind(k); {
		case kind == NoFailure:
			v.fail(fmt.Sprintf("%s.retry.on[%d]", path, i), fmt.Sprintf("unknown failure kind %q (%s)", k, failureList()))
		case kind == DeadlineExceeded:
			v.fail(fmt.Sprintf("%s.retry.on[%d]", path, i), "a request past its deadline is never retried")
		case kind == ClientTimeout && t.Attempt == 0:
			v.fail(fmt.Sprintf("%s.retry.on[%d]", path, i), "CLIENT_TIMEOUT needs "+path+".timeouts.attempt")
		}
	}
	v.unused(path+".retry.on", !retries && len(r.On) > 0, "needs retry.max_attempts above 1")
	r.Backoff.validate(v, path+".retry.backoff", false)
	v.unused(path+".retry.backoff", !retries && r.Backoff.Base > 0, "needs retry.max_attempts above 1")
	v.unused(path+".retry.retry_after", !retries && r.RetryAfter, "needs retry.max_attempts above 1")

	b := &c.Budget
	switch b.Kind {
	case "":
		v.unused(path+".budget", *b != BudgetConfig{}, "set budget.kind")
	case TokenBucketBudget:
		v.atLeast(path+".budget.max_tokens", b.MaxTokens, 1)
		v.prob(path+".budget.token_ratio", b.TokenRatio)
		v.unused(path+".budget.percent_can_retry", b.PercentCanRetry != 0 || b.MinRetriesPerSec != 0 || b.TTL != 0, "applies to kind \"ratio\"")
	case RatioRetryBudget:
		v.nonNeg(path+".budget.percent_can_retry", b.PercentCanRetry)
		v.nonNeg(path+".budget.min_retries_per_sec", b.MinRetriesPerSec)
		v.positiveSeconds(path+".budget.ttl", b.TTL)
		v.unused(path+".budget.max_tokens", b.MaxTokens != 0 || b.TokenRatio != 0, "applies to kind \"token_bucket\"")
	default:
		v.fail(path+".budget.kind", fmt.Sprintf("must be %q or %q, not %q", TokenBucketBudget, RatioRetryBudget, b.Kind))
	}
	v.unused(path+".budget", b.Kind != "" && !retries, "needs retry.max_attempts above 1")

	k := &c.Breaker
	v.intIn(path+".breaker.consecutive_failures", k.ConsecutiveFailures, 0, 1_000_000)
	v.prob(path+".breaker.failure_ratio", k.FailureRatio)
	if k.ConsecutiveFailures > 0 && k.FailureRatio > 0 {
		v.fail(path+".breaker.failure_ratio", "set consecutive_failures or failure_ratio, not both")
	}
	v.seconds(path+".breaker.window", k.Window)
	v.intIn(path+".breaker.min_requests", k.MinRequests, 0, 1<<31-1)
	v.seconds(path+".breaker.open_for", k.OpenFor)
	v.intIn(path+".breaker.half_open_probes", k.HalfOpenProbes, 0, 1_000_000)
	if k.FailureRatio > 0 {
		v.positiveSeconds(path+".breaker.window", k.Window)
	} else {
		v.unused(path+".breaker.window", k.Window != 0 || k.MinRequests != 0, "applies to breaker.failure_ratio")
	}
	if k.enabled() {
		v.positiveSeconds(path+".breaker.open_for", k.OpenFor)
	} else {
		v.unused(path+".breaker", k.OpenFor != 0 || k.HalfOpenProbes != 0 || len(k.On) > 0, "set breaker.consecutive_failures or breaker.failure_ratio")
	}
	for i, name := range k.On {
		if kind := failureKind(name); kind == NoFailure || kind == CircuitOpen || kind == PoolExhausted || kind == DeadlineExceeded {
			v.fail(fmt.Sprintf("%s.breaker.on[%d]", path, i), fmt.Sprintf("%q is not an outcome of an attempt sent (%s)", name, failureList()))
		}
	}
	c.Pool.validate(v, path+".pool")
	if c.Throttle.K != 0 || c.Throttle.Window != 0 {
		v.atLeast(path+".throttle.k", c.Throttle.K, 1)
		v.seconds(path+".throttle.window", c.Throttle.Window)
	}
}

// clientRequest is a request's client-side state.
type clientRequest struct {
	group      int32
	attempts   int32 // attempts begun
	att        int32 // the attempt in hand, -1 when none
	conn       int32 // the connection it holds, -1 when none
	phase      clientPhase
	breakerGen uint64
	poolTicket uint64
	poolSince  kernel.Time
	timer      kernel.EventID  // the attempt's timeout
	wait       kernel.EventID  // the end of a pool wait, a dial or a backoff
	deadline   kernel.EventID  // the request's deadline
	backoff    kernel.Duration // the last backoff, for decorrelated jitter
}

type clientPhase uint8

const (
	phaseIdle    clientPhase = iota // no attempt in hand
	phasePool                       // waiting for a connection
	phaseDial                       // dialling a new connection
	phaseSent                       // the attempt is on its way or at the server
	phaseBackoff                    // waiting to retry
)

// ClientPolicy is one agent group's client decisions as a clock-free
// value: the adaptive throttle and the circuit breaker before an attempt,
// the retry policy, the retry budget and the backoff after a failure, and
// the counts of what they did. The client stage schedules the waits they
// decide on the kernel; package httplive on real timers. Not safe for
// concurrent use.
type ClientPolicy struct {
	name       string
	retry      RetryPolicy
	backoff    Backoff
	retryAfter bool
	budget     RetryBudget // nil: no budget, every retry allowed (no call per attempt)
	breaker    *Breaker
	throttle   *AdaptiveThrottle
	breakerOn  [numFailureKinds]bool
	waits      *sketch // pool waits, ns; only with a pool

	// Stats counts what the policies did (Sent and Abandoned are the
	// driver's to count, Succeeded too).
	Stats ClientStats
}

// NewClientPolicy returns the policies of agent group name's validated
// client section.
func NewClientPolicy(name string, cc *ClientConfig) *ClientPolicy {
	p := &ClientPolicy{name: name, retry: NewRetryPolicy(cc.Retry), backoff: NewBackoff(cc.Retry.Backoff),
		retryAfter: cc.Retry.RetryAfter}
	switch cc.Budget.Kind {
	case TokenBucketBudget:
		p.budget = NewTokenBucket(cc.Budget.MaxTokens, cc.Budget.TokenRatio)
	case RatioRetryBudget:
		p.budget = NewRatioBudget(cc.Budget.PercentCanRetry, cc.Budget.MinRetriesPerSec, kernel.Seconds(cc.Budget.TTL))
	}
	if cc.Breaker.enabled() {
		p.breaker = NewBreaker(cc.Breaker)
		if len(cc.Breaker.On) == 0 {
			for k := NoFailure + 1; k < numFailureKinds; k++ {
				p.breakerOn[k] = k != CircuitOpen && k != PoolExhausted && k != DeadlineExceeded
			}
		}
		for _, name := range cc.Breaker.On {
			p.breakerOn[failureKind(name)] = true
		}
	}
	if cc.Throttle.K > 0 {
		w := cc.Throttle.Window
		if w == 0 {
			w = 120
		}
		p.throttle = NewAdaptiveThrottle(cc.Throttle.K, kernel.Seconds(w))
	}
	if cc.Pool.MaxConnections > 0 {
		p.waits = new(sketch)
	}
	return p
}

// Request records that a request starts at now (the budget counts it).
func (p *ClientPolicy) Request(now kernel.Time) {
	if p.budget != nil {
		p.budget.Request(now)
	}
}

// Admit decides at now whether attempt k of agent's request seq may be
// sent: the adaptive throttle first (its draw from d), then the breaker. It
// returns the breaker generation to record the attempt's outcome against,
// or the failure that stops it (THROTTLED, CIRCUIT_OPEN). The throttle
// comes first: a probe the breaker lets through must be sent, or its
// half-open state would wait for it forever.
func (p *ClientPolicy) Admit(now kernel.Time, d *Draws, agent, seq, k int32) (gen uint64, refused FailureKind) {
	if th := p.throttle; th != nil {
		prob := th.Probability(now)
		th.Request(now)
		if prob > 0 && d.ThrottleDraw(agent, seq, k) < prob {
			th.Rejected++
			p.Stats.Throttled++
			return 0, Throttled
		}
	}
	if p.breaker != nil {
		gen, ok := p.breaker.Allow(now)
		if !ok {
			p.Stats.FastFailed++
			return 0, CircuitOpen
		}
		return gen, NoFailure
	}
	return 0, NoFailure
}

// Record feeds at now the outcome of an attempt sent (let through in
// breaker generation gen) to the budget, the adaptive throttle and the
// breaker. A client that gives up on an attempt records ClientTimeout.
func (p *ClientPolicy) Record(now kernel.Time, gen uint64, outcome FailureKind) {
	if p.budget != nil {
		p.budget.Outcome(now, outcome == NoFailure)
	}
	if p.throttle != nil && outcome != ClientTimeout && !outcome.Overload() {
		p.throttle.Accept(now)
	}
	if p.breaker != nil && (outcome == NoFailure || p.breakerOn[outcome]) {
		p.breaker.Record(now, gen, outcome == NoFailure)
	}
}

// Unsent tells the breaker that the attempt let through in generation gen
// was never sent.
func (p *ClientPolicy) Unsent(gen uint64) {
	if p.breaker != nil {
		p.breaker.Forget(gen)
	}
}

// Retry decides at now, after attempt k of agent's request seq failed with
// cause, whether the request is tried again: the retry policy, then the
// budget. If so it returns the wait before the retry — the backoff (its
// jitter from d; prev is the request's previous backoff, for decorrelated
// jitter), or the server's Retry-After if the policy honours it and it is
// longer — and the backoff itself, the next prev.
func (p *ClientPolicy) Retry(now kernel.Time, d *Draws, agent, seq, k int32, cause FailureKind, retryAfter, prev kernel.Duration) (wait, backoff kernel.Duration, ok bool) {
	if !p.retry.Retries(k, cause) {
		return 0, 0, false
	}
	if p.budget != nil && !p.budget.Retry(now) {
		p.Stats.BudgetDenied++
		return 0, 0, false
	}
	backoff = p.backoff.Delay(k+1, d.RetryJitter(agent, seq, k+1), prev)
	wait = backoff
	if p.retryAfter && retryAfter > wait {
		wait = retryAfter
	}
	return wait, backoff, true
}

// PoolWait records a wait for a connection of the group's pool.
func (p *ClientPolicy) PoolWait(d kernel.Duration) {
	if p.waits != nil {
		p.waits.Add(int64(d))
	}
}

// ThrottleProbability returns the adaptive throttle's rejection
// probability at now; false without a throttle.
func (p *ClientPolicy) ThrottleProbability(now kernel.Time) (float64, bool) {
	if p.throttle == nil {
		return 0, false
	}
	return p.throttle.Probability(now), true
}

// client is the client stage: between the agents and the rest of the
// request path, it turns each request into one or more attempts. Every
// decision is a policy value of the request's agent group (ClientPolicy,
// Pool); this stage only schedules their waits. Random quantities (see
// Draws): the backoff before retry k of agent's request seq from ("retry",
// agent, seq, k); the dial time of the connection that attempt k opens
// from ("dial", agent, seq, k); the waiter a freed connection goes to under
// the random discipline from ("pool", group, n) for the group's n-th
// hand-off.
type client struct {
	s        *System
	agents   *agents
	down     sender
	groups   []clientGroup
	policies []*ClientPolicy // the groups', in order

	propagate string

	kTimeout, kDeadline, kRetry, kDialed, kConnect, kPool kernel.Kind
	fPool                                                 kernel.Family
}

// clientGroup is one agent group's client: its settings and policy values.
type clientGroup struct {
	*ClientPolicy
	attempt, deadline, connect, wait kernel.Duration
	pool                             *Pool
	handoffs                         uint64
	// admits: the policy has a throttle or a breaker for Admit to ask;
	// records: it has those or a budget for Record to tell. Most clients
	// have none, and the stage skips both calls on every attempt.
	admits, records bool
}

func newClient(s *System) *client {
	c := &client{s: s, fPool: kernel.NewFamily(s.cfg.Seed, "pool")}
	for _, g := range s.cfg.groups() {
		cc := g.client
		grp := clientGroup{ClientPolicy: NewClientPolicy(g.name, cc), attempt: kernel.Seconds(cc.Timeouts.Attempt),
			deadline: kernel.Seconds(cc.Timeouts.Deadline), connect: kernel.Seconds(cc.Timeouts.Connect)}
		p := grp.ClientPolicy
		grp.admits = p.throttle != nil || p.breaker != nil
		grp.records = grp.admits || p.budget != nil
		if cc.Pool.MaxConnections > 0 {
			grp.pool = NewPool(cc.Pool)
			grp.wait = kernel.Seconds(cc.Pool.AcquireTimeout)
		}
		if cc.Timeouts.Propagate != "" {
			c.propagate = cc.Timeouts.Propagate // the server honours what any client sends
		}
		c.groups = append(c.groups, grp)
		c.policies = append(c.policies, grp.ClientPolicy)
	}
	c.kTimeout = s.sim.Register(c.timedOut)
	c.kDeadline = s.sim.Register(c.deadlineExceeded)
	c.kRetry = s.sim.Register(c.retryDue)
	c.kDialed = s.sim.Register(c.dialled)
	c.kConnect = s.sim.Register(c.connectTimedOut)
	c.kPool = s.sim.Register(c.poolTimedOut)
	return c
}

// start: agent's new request req (record r) enters the client.
//
// The client's steps take a request's slot and, where their caller has
// them, its record (s.reqs.at(req), valid until the table next grows) and
// its group (c.group(r)): the path looks each up once, not in every step.
func (c *client) start(req int32, r *request, group int32) {
	r.group, r.att, r.conn = group, -1, -1
	g := &c.groups[group]
	g.Request(c.s.sim.Now())
	if g.deadline > 0 {
		r.deadline = c.s.sim.After(g.deadline, c.kDeadline, int64(req), 0)
	}
	c.begin(req, r, g)
}

// group is the client group of request r.
func (c *client) group(r *request) *clientGroup { return &c.groups[r.group] }

// begin starts the request's next attempt.
func (c *client) begin(req int32, r *request, g *clientGroup) {
	s := c.s
	k := r.attempts
	r.attempts++
	if g.admits {
		gen, refused := g.Admit(s.sim.Now(), s.draws, r.agent, r.seq, k)
		if refused != NoFailure {
			r.phase = phaseIdle
			c.failed(req, r, g, k, refused, 0)
			return
		}
		r.breakerGen = gen
	}
	att := s.atts.alloc()
	a := s.atts.at(att).init(r, req, k)
	r.att = att
	if g.attempt > 0 {
		r.timer = s.sim.After(s.draws.AttemptTimeout(r.group, r.agent, r.seq, k), c.kTimeout, int64(req), int64(att))
	}
	if g.pool == nil {
		c.transmit(r, a, g)
		return
	}
	conn, grant, ticket := g.pool.Acquire(s.sim.Now(), req)
	switch grant {
	case GrantIdle:
		r.conn = conn
		c.transmit(r, a, g)
	case GrantDial:
		r.conn = conn
		c.dial(req)
	case GrantWait:
		r.phase, r.poolTicket, r.poolSince = phasePool, ticket, s.sim.Now()
		if g.wait > 0 {
			r.wait = s.sim.After(g.wait, c.kPool, int64(req), int64(att))
		}
	}
}

// dial sets up the new connection the request's attempt holds.
func (c *client) dial(req int32) {
	s := c.s
	r := s.reqs.at(req)
	g := c.group(r)
	d := s.draws.Dial(r.group, r.agent, r.seq, r.attempts-1)
	switch {
	case g.connect > 0 && d > g.connect:
		r.phase = phaseDial
		r.wait = s.sim.After(g.connect, c.kConnect, int64(req), int64(r.att))
	case d > 0:
		r.phase = phaseDial
		r.wait = s.sim.After(d, c.kDialed, int64(req), int64(r.att))
	default:
		c.transmitAttempt(r)
	}
}

func (c *client) dialled(ev kernel.Event) { c.transmitAttempt(c.s.reqs.at(int32(ev.ID))) }

// transmit sends request r's attempt a down the request path;
// transmitAttempt looks the attempt up.
func (c *client) transmit(r *request, a *attempt, g *clientGroup) {
	r.phase = phaseSent
	g.Stats.Sent++
	c.s.emit(c.s.attemptEvent(Sent, a))
	c.down.send(r.att)
}

func (c *client) transmitAttempt(r *request) { c.transmit(r, c.s.atts.at(r.att), c.group(r)) }

// reply: the answer to attempt att comes up the request path.
func (c *client) reply(att int32, outcome FailureKind) {
	s := c.s
	a := s.atts.at(att)
	if a.clientDone { // the client gave up on it: a zombie's answer
		s.leavePath(att)
		return
	}
	req, k, retryAfter := a.req, a.k, a.retryAfter
	r := s.reqs.at(req)
	g := c.group(r)
	s.sim.Cancel(r.timer)
	c.letGo(r, g, outcome != ConnectionReset)
	s.leaveBoth(att)
	if g.records {
		g.Record(s.sim.Now(), r.breakerGen, outcome)
	}
	if outcome == NoFailure {
		c.finish(req, r, g, NoFailure)
		return
	}
	c.failed(req, r, g, k, outcome, retryAfter)
}

// letGo releases the connection of the request's attempt, reusable or
// closed, and hands it to a waiting attempt if there is one.
func (c *client) letGo(r *request, g *clientGroup, reusable bool) {
	s := c.s
	conn := r.conn
	r.conn, r.att = -1, -1
	if g.pool == nil || conn < 0 {
		return
	}
	var u float64
	if g.pool.discipline == Random && g.pool.Waiting() > 0 {
		st := c.fPool.Stream(uint64(r.group), g.handoffs)
		u = st.Float64()
	}
	g.handoffs++
	waiter, next, dial, ok := g.pool.Release(s.sim.Now(), conn, reusable, u)
	if !ok {
		return
	}
	w := s.reqs.at(waiter)
	s.sim.Cancel(w.wait)
	g.PoolWait(s.sim.Now().Sub(w.poolSince))
	w.conn = next
	if dial {
		c.dial(waiter)
	} else {
		c.transmitAttempt(w)
	}
}

// abandon gives up the request's attempt in hand, wherever it is. An
// attempt given up after it was sent counts as a timeout for the breaker
// and the budget.
func (c *client) abandon(req int32) {
	s := c.s
	r := s.reqs.at(req)
	att := r.att
	g := c.group(r)
	s.sim.Cancel(r.timer)
	switch r.phase {
	case phasePool:
		g.Unsent(r.breakerGen)
		s.sim.Cancel(r.wait)
		g.pool.Abandon(r.poolTicket)
		g.PoolWait(s.sim.Now().Sub(r.poolSince))
		r.att = -1
		s.leavePath(att) // never sent
	case phaseDial:
		g.Unsent(r.breakerGen)
		s.sim.Cancel(r.wait)
		c.letGo(r, g, false)
		s.leavePath(att)
	case phaseSent:
		s.atts.at(att).abandoned = true
		g.Stats.Abandoned++
		c.letGo(r, g, false) // a connection with an answer still due cannot carry another request
		if g.records {
			g.Record(s.sim.Now(), r.breakerGen, ClientTimeout)
		}
		if c.propagate == PropagateService {
			c.s.workers.drop(att)
		}
	}
	s.leaveClient(att)
	r.phase = phaseIdle
}

// timedOut: an attempt's timeout fired (ID = request, Arg = attempt).
func (c *client) timedOut(ev kernel.Event) {
	req := int32(ev.ID)
	k := c.s.atts.at(int32(ev.Arg)).k
	c.abandon(req)
	r := c.s.reqs.at(req)
	c.failed(req, r, c.group(r), k, ClientTimeout, 0)
}

// poolTimedOut: an attempt waited too long for a connection.
func (c *client) poolTimedOut(ev kernel.Event) {
	req := int32(ev.ID)
	r := c.s.reqs.at(req)
	k := c.s.atts.at(r.att).k
	c.group(r).Stats.PoolExhausted++
	c.abandon(req)
	r = c.s.reqs.at(req)
	c.failed(req, r, c.group(r), k, PoolExhausted, 0)
}

// connectTimedOut: dialling took longer than the connect timeout.
func (c *client) connectTimedOut(ev kernel.Event) {
	req := int32(ev.ID)
	k := c.s.atts.at(int32(ev.Arg)).k
	c.abandon(req)
	r := c.s.reqs.at(req)
	c.failed(req, r, c.group(r), k, ConnectTimeout, 0)
}

// deadlineExceeded: the request's deadline passed.
func (c *client) deadlineExceeded(ev kernel.Event) {
	req := int32(ev.ID)
	r := c.s.reqs.at(req)
	switch r.phase {
	case phaseBackoff:
		c.s.sim.Cancel(r.wait)
	case phasePool, phaseDial, phaseSent:
		c.abandon(req)
	}
	c.finish(req, r, c.group(r), DeadlineExceeded)
}

// failed: attempt k of the request failed with cause; the request is tried
// again after a backoff if the policy, the budget and the deadline allow,
// else it fails.
func (c *client) failed(req int32, r *request, g *clientGroup, k int32, cause FailureKind, retryAfter kernel.Duration) {
	s := c.s
	d, backoff, ok := g.Retry(s.sim.Now(), s.draws, r.agent, r.seq, k, cause, retryAfter, r.backoff)
	if !ok {
		c.finish(req, r, g, cause)
		return
	}
	e := s.event(Retried, r)
	e.Failure, e.Attempt = cause, uint8(min(k, 255))
	s.emit(e)
	r.backoff = backoff
	r.phase = phaseBackoff
	r.wait = s.sim.After(d, c.kRetry, int64(req), 0)
}

func (c *client) retryDue(ev kernel.Event) {
	r := c.s.reqs.at(int32(ev.ID))
	c.begin(int32(ev.ID), r, c.group(r))
}

// finish: the request ends with outcome; its agent hears of it.
func (c *client) finish(req int32, r *request, g *clientGroup, outcome FailureKind) {
	s := c.s
	if outcome == NoFailure {
		g.Stats.Succeeded++
	}
	s.sim.Cancel(r.deadline)
	r.phase = phaseIdle
	e := s.event(Completed, r)
	if outcome != NoFailure {
		e.Type, e.Failure = Failed, outcome
	}
	e.Attempt = uint8(min(max(r.attempts-1, 0), 255))
	e.Latency = s.sim.Now().Sub(r.created)
	s.emit(e)
	c.agents.reply(req, r, outcome)
}

// ClientStats is what a client's policies did.
type ClientStats struct {
	Sent          uint64 `json:"sent"`           // attempts sent
	Abandoned     uint64 `json:"abandoned"`      // attempts sent and given up before their answer
	FastFailed    uint64 `json:"fast_failed"`    // attempts the open breaker failed without sending
	BudgetDenied  uint64 `json:"budget_denied"`  // retries the budget refused
	PoolExhausted uint64 `json:"pool_exhausted"` // attempts that found no connection in time
	Throttled     uint64 `json:"throttled"`      // attempts the adaptive throttle rejected without sending
	Succeeded     uint64 `json:"succeeded"`      // requests that succeeded (the group's goodput)
}

// sample records the clients' mean throttle probability in the period's
// sample.
func (c *client) sample(now kernel.Time, smp *Sample) { SampleClients(now, smp, c.policies) }

// SampleClients records the clients' mean adaptive-throttle rejection
// probability at now in a control period's sample.
func SampleClients(now kernel.Time, smp *Sample, policies []*ClientPolicy) {
	var sum float64
	n := 0
	for _, p := range policies {
		if x, ok := p.ThrottleProbability(now); ok {
			sum += x
			n++
		}
	}
	if n > 0 {
		smp.ClientThrottle = sum / float64(n)
	}
}
