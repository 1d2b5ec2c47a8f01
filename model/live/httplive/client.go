package httplive

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// Causes of an attempt's cancellation.
var (
	errClientTimeout  = errors.New("httplive: attempt timed out")
	errDeadline       = errors.New("httplive: request deadline exceeded")
	errPoolExhausted  = errors.New("httplive: no connection within the pool's acquire timeout")
	errConnectTimeout = errors.New("httplive: connect timeout")
)

// keyCtx is the context key under which an attempt's key reaches the
// dialler.
type keyCtx struct{}

// clients are the agents and their HTTP clients, one transport per group.
type clients struct {
	r          *run
	url        string // where requests go: the proxy, the built-in server or the target
	host       string // the Host header, when requests go through the proxy to a target
	transports []*http.Transport
	configs    []*model.ClientConfig // by group
	open       []int                 // connections open, by group (under r.mu)
	groupOf    []int32
	backoff    model.Backoff // agents.backoff
	body       []byte
}

func newClients(r *run, base string) *clients {
	c := &clients{r: r, backoff: model.NewBackoff(r.cfg.Agents.Backoff), body: bytes.Repeat([]byte("x"), r.opt.BodySize)}
	c.url = "http://" + base + "/"
	if t := r.target; t != nil {
		u := *t
		if len(r.cfg.Network.Toxics) > 0 {
			c.host = u.Host
			u.Host = base
		}
		c.url = u.String()
	}
	for g, spec := range groups(r.cfg) {
		for range spec.count {
			c.groupOf = append(c.groupOf, int32(g))
		}
		p := spec.client.Pool
		idle := p.MaxIdle
		if idle == 0 { // no limit: as many as may be open
			idle = max(p.MaxConnections, spec.count)
		}
		tr := &http.Transport{
			DialContext:         c.dialer(int32(g), kernel.Seconds(spec.client.Timeouts.Connect)),
			MaxConnsPerHost:     p.MaxConnections,
			MaxIdleConnsPerHost: idle,
			IdleConnTimeout:     r.clk.Span(kernel.Seconds(p.IdleTimeout)),
			DisableCompression:  true,
			// HTTP/1.1 only: a pool of connections, not streams.
			TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
		}
		c.transports = append(c.transports, tr)
		c.configs = append(c.configs, spec.client)
		c.open = append(c.open, 0)
	}
	return c
}

// close closes every idle connection; connections in use close as their
// requests end.
func (c *clients) close() {
	for _, tr := range c.transports {
		tr.CloseIdleConnections()
	}
}

// dialer returns group's dial function: it waits the attempt's drawn dial
// time, or fails after the connect timeout if the draw is longer.
func (c *clients) dialer(group int32, connect kernel.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	r := c.r
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		k, _ := ctx.Value(keyCtx{}).(key)
		wait := r.draws.Dial(group, k.agent, k.seq, k.attempt)
		fail := connect > 0 && wait > connect
		if fail {
			wait = connect
		}
		if wait > 0 && !r.sleepUntil(r.clk.Now().Add(wait)) {
			return nil, errStopped
		}
		if fail {
			return nil, errConnectTimeout
		}
		if connect > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, r.clk.Span(connect))
			defer cancel()
		}
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		c.open[group]++
		r.maxOpen = max(r.maxOpen, c.open[group])
		r.mu.Unlock()
		return &countedConn{Conn: conn, close: func() {
			r.mu.Lock()
			c.open[group]--
			r.mu.Unlock()
		}}, nil
	}
}

// countedConn is a client connection that counts itself out when closed.
type countedConn struct {
	net.Conn
	once  sync.Once
	close func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.close)
	return c.Conn.Close()
}

// agent runs one agent until it retires or the run stops.
func (c *clients) agent(agent int32) {
	r := c.r
	defer r.agents.Done()
	a := &r.cfg.Agents
	group := c.groupOf[agent]
	arrival := a.Arrival
	var trace []kernel.Time
	if arrival == model.TraceArrivals {
		if a.Trace != nil && len(a.Trace.Times) > 0 {
			for _, t := range a.Trace.Times {
				trace = append(trace, kernel.Time(kernel.Seconds(t)))
			}
		} else {
			arrival = model.Poisson // recorded rates pace Poisson agents
		}
	}
	var horizon kernel.Time
	if a.Horizon > 0 {
		horizon = kernel.Time(kernel.Seconds(a.Horizon))
	}
	var next, failures int32
	count := int32(a.Count)
	exhausted := func(at kernel.Time) bool {
		return (a.RequestsPerAgent > 0 && next >= int32(a.RequestsPerAgent)) || (horizon > 0 && at >= horizon) ||
			(trace != nil && int(agent)+int(next)*int(count) >= len(trace))
	}
	retire := func(at kernel.Time) {
		r.mu.Lock()
		r.active--
		r.retireAt = max(r.retireAt, at)
		r.mu.Unlock()
	}
	// wakeAfter returns when the agent wakes after a think time gap, at the
	// scheduled load's pace, plus the throttle's delay; false if never.
	wakeAfter := func(now kernel.Time, gap kernel.Duration) (kernel.Time, bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		at, ok := r.sched.Advance(now, gap)
		if !ok {
			return 0, false
		}
		return at.Add(r.rec.ThrottleDelay()), true
	}
	wake := kernel.Time(r.draws.Start(agent))
	if trace != nil {
		if int(agent) >= len(trace) {
			retire(0)
			return
		}
		wake = trace[agent]
	}
	for {
		if exhausted(wake) {
			retire(wake)
			return
		}
		if !r.sleepUntil(wake) {
			retire(wake)
			return
		}
		now := r.clk.Now()
		switch arrival {
		case model.Closed:
			r.mu.Lock()
			at, ok := r.sched.ActiveFrom(now, agent)
			r.mu.Unlock()
			if !ok {
				retire(now)
				return
			}
			if at > now { // capped: wait until the cap lets it in
				wake = at
				continue
			}
			seq := next
			next++
			outcome, ok := c.request(c.create(agent, seq), group)
			if !ok {
				retire(r.clk.Now())
				return
			}
			now = r.clk.Now()
			if c.backoff.On(outcome) {
				failures++
				d := c.backoff.Delay(failures, r.draws.BackoffJitter(agent, seq), 0)
				r.mu.Lock()
				wake = now.Add(d + r.rec.ThrottleDelay())
				r.mu.Unlock()
				continue
			}
			failures = 0
			if wake, ok = wakeAfter(now, r.draws.Think(agent, seq)); !ok {
				retire(now)
				return
			}
		case model.Poisson, model.Burst:
			n := 1
			if arrival == model.Burst {
				n = a.BurstSize
			}
			var gap kernel.Duration
			for i := 0; i < n && !(i > 0 && exhausted(now)); i++ {
				seq := next
				next++
				c.spawn(c.create(agent, seq), group)
				gap = r.draws.Think(agent, seq)
			}
			var ok bool
			if wake, ok = wakeAfter(now, gap); !ok {
				retire(now)
				return
			}
		case model.TraceArrivals:
			c.spawn(c.create(agent, next), group)
			next++
			if i := int(agent) + int(next)*int(count); i < len(trace) {
				wake = trace[i]
			} else {
				retire(now)
				return
			}
		}
	}
}

// spawn runs a request of an open agent on its own goroutine.
func (c *clients) spawn(q *request, group int32) {
	c.r.agents.Add(1)
	go func() {
		defer c.r.agents.Done()
		c.request(q, group)
	}()
}

// request is one request of an agent, from its creation to its outcome.
type request struct {
	agent, seq int32
	workload   uint8
	created    kernel.Time
}

// create makes agent's request seq: its Created event, counted in flight.
func (c *clients) create(agent, seq int32) *request {
	r := c.r
	q := &request{agent: agent, seq: seq, workload: r.draws.Workload(agent, seq)}
	r.mu.Lock()
	r.inFlight++
	r.emit(model.Event{Type: model.Created, Workload: q.workload, Agent: agent, Seq: seq, Worker: -1})
	q.created = r.last
	r.mu.Unlock()
	return q
}

// request runs q's attempts, retries and backoffs under its group's client
// policies until its outcome; false if the run stopped first.
func (c *clients) request(q *request, group int32) (model.FailureKind, bool) {
	r := c.r
	pol := r.policies[group]
	cc := c.configs[group]
	ctx := r.ctx
	r.mu.Lock()
	pol.Request(r.now())
	r.mu.Unlock()
	if d := cc.Timeouts.Deadline; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadlineCause(ctx, r.clk.Wall(q.created.Add(kernel.Seconds(d))), errDeadline)
		defer cancel()
	}
	var prev kernel.Duration // the last backoff, for decorrelated jitter
	for k := int32(0); ; k++ {
		r.mu.Lock()
		gen, cause := pol.Admit(r.now(), r.draws, q.agent, q.seq, k)
		r.mu.Unlock()
		var retryAfter kernel.Duration
		if cause == model.NoFailure {
			var stopped bool
			cause, retryAfter, stopped = c.attempt(ctx, q, group, k, gen, cc)
			if stopped {
				return 0, false
			}
		}
		if cause == model.NoFailure || cause == model.DeadlineExceeded {
			return c.finish(q, group, k, cause), true
		}
		r.mu.Lock()
		wait, backoff, ok := pol.Retry(r.now(), r.draws, q.agent, q.seq, k, cause, retryAfter, prev)
		if ok {
			r.emit(model.Event{Type: model.Retried, Failure: cause, Workload: q.workload, Attempt: uint8(min(k, 255)),
				Agent: q.agent, Seq: q.seq, Worker: -1})
		}
		now := r.last
		r.mu.Unlock()
		if !ok {
			return c.finish(q, group, k, cause), true
		}
		prev = backoff
		timer := time.NewTimer(time.Until(r.clk.Wall(now.Add(wait))))
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			if r.ctx.Err() != nil {
				return 0, false
			}
			return c.finish(q, group, k, model.DeadlineExceeded), true
		}
	}
}

// finish ends q with outcome after attempt k: its Completed or Failed event.
func (c *clients) finish(q *request, group, k int32, outcome model.FailureKind) model.FailureKind {
	r := c.r
	r.mu.Lock()
	defer r.mu.Unlock()
	e := model.Event{Type: model.Completed, Workload: q.workload, Attempt: uint8(min(k, 255)), Agent: q.agent, Seq: q.seq, Worker: -1}
	if outcome != model.NoFailure {
		e.Type, e.Failure = model.Failed, outcome
	} else {
		r.policies[group].Stats.Succeeded++
	}
	e.T = r.now()
	e.Latency = e.T.Sub(q.created)
	r.emit(e)
	r.inFlight--
	return outcome
}

// Connection states of an attempt.
const (
	waitingConn = iota
	gotConn
	exhaustedPool
)

// attempt sends attempt k of q and returns its outcome and the server's
// Retry-After; stopped if the run stopped first.
func (c *clients) attempt(ctx context.Context, q *request, group, k int32, gen uint64, cc *model.ClientConfig) (outcome model.FailureKind, retryAfter kernel.Duration, stopped bool) {
	r := c.r
	pol := r.policies[group]
	start := r.clk.Now()
	if cc.Timeouts.Attempt > 0 {
		var cancel context.CancelFunc
		t := r.draws.AttemptTimeout(group, q.agent, q.seq, k) // the simulation's, fixed or exponential
		ctx, cancel = context.WithDeadlineCause(ctx, r.clk.Wall(start.Add(t)), errClientTimeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	id := key{agent: q.agent, seq: q.seq, attempt: k, group: group, workload: q.workload}
	ctx = context.WithValue(ctx, keyCtx{}, id)

	var state atomic.Int32
	var sentAt kernel.Time
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if !state.CompareAndSwap(waitingConn, gotConn) {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if info.Reused && !info.WasIdle { // handed over by a request that let it go: it waited
			pol.PoolWait(r.now().Sub(start))
		}
		pol.Stats.Sent++
		r.emit(model.Event{Type: model.Sent, Workload: q.workload, Attempt: uint8(min(k, 255)), Agent: q.agent, Seq: q.seq, Worker: -1})
		sentAt = r.last
	}})
	if p := cc.Pool; p.MaxConnections > 0 && p.AcquireTimeout > 0 {
		t := time.AfterFunc(r.clk.Span(kernel.Seconds(p.AcquireTimeout)), func() {
			if state.CompareAndSwap(waitingConn, exhaustedPool) {
				cancel(errPoolExhausted)
			}
		})
		defer t.Stop()
	}

	req, err := c.newRequest(ctx, id)
	if err != nil {
		panic(err) // the URL was checked
	}
	resp, err := c.transports[group].RoundTrip(req)
	if err == nil {
		outcome, retryAfter = statusKind(resp), r.retryAfter(resp.Header.Get("Retry-After"))
		modelled, merr := strconv.ParseInt(resp.Header.Get(modelledHeader), 10, 64)
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBody))
		resp.Body.Close()
		if err == nil {
			r.mu.Lock()
			now := r.now()
			pol.Record(now, gen, outcome)
			if merr == nil {
				net := r.delays[id.String()]
				r.late = append(r.late, int64(now.Sub(sentAt))-modelled-int64(net))
			}
			delete(r.delays, id.String())
			r.mu.Unlock()
			return outcome, retryAfter, false
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.delays, id.String())
	now := r.now()
	sent := state.Load() == gotConn
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errPoolExhausted):
		pol.Stats.PoolExhausted++
		pol.Unsent(gen)
		pol.PoolWait(now.Sub(start))
		return model.PoolExhausted, 0, false
	case errors.Is(cause, errClientTimeout), errors.Is(cause, errDeadline):
		if sent {
			pol.Stats.Abandoned++
			pol.Record(now, gen, model.ClientTimeout)
		} else {
			pol.Unsent(gen)
		}
		if errors.Is(cause, errDeadline) {
			return model.DeadlineExceeded, 0, false
		}
		return model.ClientTimeout, 0, false
	case r.ctx.Err() != nil:
		return 0, 0, true
	case errors.Is(err, errConnectTimeout):
		pol.Unsent(gen)
		return model.ConnectTimeout, 0, false
	}
	pol.Record(now, gen, model.ConnectionReset)
	return model.ConnectionReset, 0, false
}

// newRequest builds the request of attempt id. It is never replayable, so
// net/http never sends it twice on its own.
func (c *clients) newRequest(ctx context.Context, id key) (*http.Request, error) {
	r := c.r
	var body io.Reader
	if len(c.body) > 0 {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.opt.Method, c.url, body)
	if err != nil {
		return nil, err
	}
	req.GetBody = nil
	if len(c.body) == 0 {
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			// A nil body makes these replayable; an empty reader does not,
			// and net/http sends no body for it.
			req.Body = io.NopCloser(strings.NewReader(""))
		}
	}
	for name, vs := range r.opt.Header {
		req.Header[name] = vs
	}
	req.Header.Set(KeyHeader, id.String())
	if c.host != "" {
		req.Host = c.host
	}
	return req, nil
}

// statusKind maps a response's status onto the failure kinds.
func statusKind(resp *http.Response) model.FailureKind {
	switch s := resp.StatusCode; {
	case s < 400:
		return model.NoFailure
	case s == http.StatusServiceUnavailable:
		if resp.Header.Get(failureHeader) == model.Shed.String() {
			return model.Shed
		}
		return model.QueueOverflow
	case s == http.StatusTooManyRequests:
		return model.Shed
	case s == http.StatusGatewayTimeout:
		return model.TimedOut
	case s == http.StatusBadGateway:
		return model.Crashed
	}
	return model.FaultError
}

// retryAfter reads a Retry-After header, seconds (decimals allowed) or an
// HTTP date, as a simulated span; 0 if absent or unreadable.
func (r *run) retryAfter(h string) kernel.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 && s < 1e9 {
		return r.clk.Sim(time.Duration(s * 1e9))
	}
	if t, err := http.ParseTime(h); err == nil {
		return r.clk.Sim(max(time.Until(t), 0))
	}
	return 0
}
