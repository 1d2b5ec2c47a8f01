package model

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/agentchaos/agentchaos/kernel"
)

// Report is the final experiment report of one run: what the JSON output
// and the text table show. Times are in seconds; rates are fractions.
type Report struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	Mode     string `json:"mode"`    // "simulated" or "live"
	Version  string `json:"version"` // agentchaos's (model.Version)
	Agents   int    `json:"agents"`
	Workers  int    `json:"workers"`
	Buffer   int    `json:"buffer"`

	Created   uint64   `json:"created"`
	Served    uint64   `json:"served"`
	Failed    uint64   `json:"failed"`
	FailedBy  Failures `json:"failed_by"`
	ErrorRate float64  `json:"error_rate"` // Failed / Created

	// Latency (completion − creation) of requests a worker finished: served,
	// or failed by a fault after service. Zeros when none was.
	Latency    Latency `json:"latency"`
	Throughput float64 `json:"throughput"` // served per second of the run
	Duration   float64 `json:"duration"`   // from start to the last event

	FinalState State `json:"final_state"`
	// BreakPoint is when the detector first reported the final state (or
	// worse); Catalyst is the rule that fired there, with its figures. Both
	// are absent for a STABLE run.
	BreakPoint  *float64    `json:"break_point,omitempty"`
	Catalyst    *Catalyst   `json:"catalyst,omitempty"`
	TimeInState TimeInState `json:"time_in_state"`
	Throttle    ThrottleUse `json:"throttle"`
	Little      LittleCheck `json:"little"`

	// Client and Network are the client and network stages' figures, when
	// the scenario has them.
	Client  *ClientReport  `json:"client,omitempty"`
	Network *NetworkReport `json:"network,omitempty"`
	// SLO is the verdict on the scenario's steady-state hypothesis.
	SLO *SLOReport `json:"slo,omitempty"`
	// Defences is what the server's load shedding did, when it has any.
	Defences *DefenceReport `json:"defences,omitempty"`

	Events    uint64 `json:"events"`               // kernel events fired (0 in live mode)
	TraceHash string `json:"trace_hash,omitempty"` // hash of the kernel's event trace

	// StatePeriods counts the control periods the detector classified at
	// each state (STABLE, DEGRADED, COLLAPSED).
	StatePeriods [numStates]int `json:"-"`
	// Series is the timeline of control periods, for charts. It shares
	// memory with the system it reports on (see System.Report).
	Series Series `json:"-"`
	// Latencies holds every finished request's latency in ns, sorted (Exact mode only).
	Latencies []int64 `json:"-"`
}

// Failures counts failed requests by kind (the client's and the network's
// only when there are any).
type Failures struct {
	QueueOverflow    uint64 `json:"QUEUE_OVERFLOW"`
	FaultError       uint64 `json:"FAULT_ERROR"`
	QueueTimeout     uint64 `json:"QUEUE_TIMEOUT"`
	ClientTimeout    uint64 `json:"CLIENT_TIMEOUT,omitempty"`
	DeadlineExceeded uint64 `json:"DEADLINE_EXCEEDED,omitempty"`
	PoolExhausted    uint64 `json:"POOL_EXHAUSTED,omitempty"`
	ConnectTimeout   uint64 `json:"CONNECT_TIMEOUT,omitempty"`
	ConnectionReset  uint64 `json:"CONNECTION_RESET,omitempty"`
	CircuitOpen      uint64 `json:"CIRCUIT_OPEN,omitempty"`
	Crashed          uint64 `json:"CRASHED,omitempty"`
	Shed             uint64 `json:"SHED,omitempty"`
	Throttled        uint64 `json:"THROTTLED,omitempty"`
}

// String lists the counts: the server's kinds always, the others when
// there are any.
func (f Failures) String() string {
	s := fmt.Sprintf("QUEUE_OVERFLOW %d, FAULT_ERROR %d, QUEUE_TIMEOUT %d", f.QueueOverflow, f.FaultError, f.QueueTimeout)
	for _, x := range []struct {
		k FailureKind
		n uint64
	}{{ClientTimeout, f.ClientTimeout}, {DeadlineExceeded, f.DeadlineExceeded}, {PoolExhausted, f.PoolExhausted},
		{ConnectTimeout, f.ConnectTimeout}, {ConnectionReset, f.ConnectionReset}, {CircuitOpen, f.CircuitOpen},
		{Crashed, f.Crashed}, {Shed, f.Shed}, {Throttled, f.Throttled}} {
		if x.n > 0 {
			s += fmt.Sprintf(", %s %d", x.k, x.n)
		}
	}
	return s
}

// failures returns the counts of by, indexed by kind, as Failures.
func failures(by *[numFailureKinds]uint64) Failures {
	return Failures{by[QueueOverflow], by[FaultError], by[TimedOut], by[ClientTimeout], by[DeadlineExceeded],
		by[PoolExhausted], by[ConnectTimeout], by[ConnectionReset], by[CircuitOpen], by[Crashed], by[Shed], by[Throttled]}
}

// Latency summarises the latency of requests a worker finished (served, or
// failed by a fault after service), in seconds.
type Latency struct {
	Avg float64 `json:"avg"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Catalyst is the detector rule behind the break-point, with its figures.
type Catalyst struct {
	Rule       Rule    `json:"rule"`
	Saturation float64 `json:"saturation"`
	Depth      int     `json:"depth"`
	Growth     float64 `json:"dq_dt"`     // requests/s
	P95        float64 `json:"p95"`       // rolling p95, s
	P95Ratio   float64 `json:"p95_ratio"` // against one window earlier; 0 if not comparable
}

// TimeInState is how long the detector reported each state, in seconds,
// up to the run's last event: the three add up to Report.Duration.
type TimeInState struct {
	Stable    float64 `json:"STABLE"`
	Degraded  float64 `json:"DEGRADED"`
	Collapsed float64 `json:"COLLAPSED"`
}

// ThrottleUse is what the throttle did.
type ThrottleUse struct {
	Enabled     bool    `json:"enabled"`
	Engagements int     `json:"engagements"`
	Delayed     uint64  `json:"delayed_requests"`
	TotalDelay  float64 `json:"total_delay"` // seconds
}

// buildReport assembles the report of a finished run from its monitor.
// end is the time of the run's last event.
func buildReport(cfg *Config, m *monitor, end kernel.Time, mode string) Report {
	t := m.Telemetry
	r := Report{
		Scenario: cfg.Name, Seed: cfg.Seed, Mode: mode, Version: Version(),
		Agents: cfg.Agents.Count, Workers: cfg.Workers.Count, Buffer: cfg.Queue.Buffer,
		Created: t.Created, Served: t.Served, Failed: t.Failed(),
		FailedBy: failures(&t.FailedBy),
		Duration: end.Seconds(),
		Series:   m.Series,
	}
	if r.Created > 0 {
		r.ErrorRate = float64(r.Failed) / float64(r.Created)
	}
	if t.Finished > 0 {
		avg, p50, p95, p99, max := t.LatencySeconds()
		r.Latency = Latency{avg, p50, p95, p99, max}
		r.Latencies = t.Latencies()
	}
	if end > 0 {
		r.Throughput = float64(r.Served) / end.Seconds()
	}
	v := m.Verdict.decide(cfg.Detector.FinalFraction)
	r.FinalState = v.State
	r.StatePeriods = v.Periods
	if v.BreakPoint >= 0 {
		s := v.At
		bp := s.T.Seconds()
		r.BreakPoint = &bp
		r.Catalyst = &Catalyst{Rule: s.Rule, Saturation: s.Saturation, Depth: s.Depth,
			Growth: s.Growth, P95: finite(s.P95), P95Ratio: s.P95Ratio}
	}
	r.TimeInState = m.InState.TimeInState(end)
	r.Throttle = ThrottleUse{Enabled: cfg.Throttle.Enabled, Engagements: m.Throttle.Engagements,
		Delayed: m.Throttle.Delayed, TotalDelay: m.Throttle.TotalDelay.Seconds()}
	r.Little = t.Little(end)
	return r
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// WriteText prints the report as an aligned table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, a...)...) }
	row("scenario", "%s (%s, seed %d)", r.Scenario, r.Mode, r.Seed)
	row("system", "%s, %s, buffer %d", Plural(r.Agents, "agent"), Plural(r.Workers, "worker"), r.Buffer)
	row("requests", "%d created, %d served, %d failed", r.Created, r.Served, r.Failed)
	row("failures", "%s", r.FailedBy)
	row("error rate", "%.2f%%", 100*r.ErrorRate)
	row("latency", "avg %.3fs  p50 %.3fs  p95 %.3fs  p99 %.3fs  max %.3fs", r.Latency.Avg, r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max)
	row("throughput", "%.1f req/s over %.3fs", r.Throughput, r.Duration)
	row("final state", "%s", r.FinalState)
	if r.BreakPoint != nil {
		c := r.Catalyst
		row("break-point", "%.3fs", *r.BreakPoint)
		row("catalyst", "%s (saturation %.0f%%, depth %d, dQ/dt %+.1f/s, rolling p95 %.3fs, p95 ratio %.2f)",
			c.Rule, 100*c.Saturation, c.Depth, c.Growth, c.P95, c.P95Ratio)
	}
	row("time in state", "STABLE %.2fs, DEGRADED %.2fs, COLLAPSED %.2fs", r.TimeInState.Stable, r.TimeInState.Degraded, r.TimeInState.Collapsed)
	if r.Throttle.Enabled {
		row("throttle", "engaged %s, delayed %s by %.2fs in total", Plural(r.Throttle.Engagements, "time"), Plural(r.Throttle.Delayed, "request"), r.Throttle.TotalDelay)
	} else {
		row("throttle", "off")
	}
	row("little's law", "L %.4f, λ·W %.4f (rel. error %.1e)", r.Little.L, r.Little.LambdaW, r.Little.RelErr)
	for _, kv := range r.StageRows() {
		row(kv[0], "%s", kv[1])
	}
	if r.Mode == "simulated" {
		row("events", "%d (trace %s)", r.Events, r.TraceHash)
	}
	return tw.Flush()
}

// StageRows are the report's lines about the client, the defences, the
// steady-state hypothesis and the network, as the text table prints them:
// (name, text) pairs, none for a stage the run did not have.
func (r *Report) StageRows() [][2]string {
	var rows [][2]string
	row := func(k, format string, a ...any) { rows = append(rows, [2]string{k, fmt.Sprintf(format, a...)}) }
	if c := r.Client; c != nil {
		row("attempts", "%d for %d requests (amplification %.2f×), %s retried", c.Attempts, c.Requests, c.Amplification, c.RetriedBy)
		row("goodput", "%.1f req/s succeeded for their client; the server finished %.1f attempts/s", c.Goodput, c.Throughput)
		row("zombie work", "%d attempts served after their client gave up, %.3fs of worker time; %d dropped by the server", c.Zombies, c.ZombieWork, c.Dropped)
		row("client", "%d abandoned, %d failed fast by the breaker (%s, open %.2fs), %d retries refused by the budget",
			c.Abandoned, c.FastFailed, Plural(c.BreakerTrips, "trip"), c.BreakerOpen, c.BudgetDenied)
		if w := c.PoolWait; w != nil {
			row("pool", "%d waits: p50 %.3fs, p95 %.3fs, max %.3fs; %d exhausted", w.Count, w.P50, w.P95, w.Max, c.PoolExhausted)
		}
	}
	if d := r.Defences; d != nil {
		row("defences", "shed %d by the concurrency limit (now %.0f), %d by CoDel, %d by priority; %d throttled by clients",
			d.ShedByLimit, d.Limit, d.ShedByCoDel, d.ShedByClass, d.Throttled)
	}
	if l := r.SLO; l != nil {
		s := l.Verdict
		if l.FirstViolation != nil {
			s += fmt.Sprintf("; first violated at %.2fs, in violation %.2fs", *l.FirstViolation, l.Violated)
		}
		if l.RecoveryTime != nil {
			s += fmt.Sprintf("; %s back to %.4g within tolerance %.2fs after the trigger ended", l.Measure, l.Baseline, *l.RecoveryTime)
		}
		if !l.HeldBefore {
			s += "; it did not hold before the trigger"
		}
		row("steady state", "%s", s)
	}
	if n := r.Network; n != nil {
		for _, t := range n.Toxics {
			row("network "+t.Name, "request %s; response %s", t.Request, t.Response)
		}
	}
	return rows
}

// String formats counts by kind as "KIND n, ..." in kind order, or "none".
func (o Outcomes) String() string {
	var b strings.Builder
	for k := NoFailure + 1; k < numFailureKinds; k++ {
		if n := o[k.String()]; n > 0 {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %d", k, n)
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// String summarises a toxic's work in one direction.
func (t ToxicStats) String() string {
	s := fmt.Sprintf("%d messages", t.Messages)
	if t.Delay > 0 && t.Messages > 0 {
		s += fmt.Sprintf(", %.4fs mean delay", t.Delay/float64(t.Messages))
	}
	for _, x := range []struct {
		n    uint64
		what string
	}{{t.Lost, "lost"}, {t.Reset, "reset"}, {t.Stalled, "stalled"}} {
		if x.n > 0 {
			s += fmt.Sprintf(", %d %s", x.n, x.what)
		}
	}
	return s
}

// Plural formats n things: "1 worker", "4 workers" (for the words the
// reports use, whose plural takes an s).
func Plural[N int | uint64](n N, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// String returns the text table.
func (r *Report) String() string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}

// ClientReport is what the clients did: present when a client has a
// timeout, retries, a budget, a breaker or a pool, or the network has
// toxics. Rates are per second of the run.
type ClientReport struct {
	Requests      uint64   `json:"requests"`      // requests created
	Attempts      uint64   `json:"attempts"`      // attempts sent
	Amplification float64  `json:"amplification"` // attempts sent per request
	Goodput       float64  `json:"goodput"`       // requests that succeeded for their client, per second
	Throughput    float64  `json:"throughput"`    // attempts a worker finished, per second: the server's work
	RetriedBy     Outcomes `json:"retried_by"`    // failed attempts that were retried, by cause
	ClientStats
	PoolWait     *Quantiles    `json:"pool_wait,omitempty"` // waits for a connection, seconds
	BreakerTrips int           `json:"breaker_trips"`
	BreakerOpen  float64       `json:"breaker_open"` // seconds open, summed over groups
	Zombies      uint64        `json:"zombies"`      // attempts served after their client gave up
	ZombieWork   float64       `json:"zombie_work"`  // worker seconds spent on attempts their client gave up
	Dropped      uint64        `json:"dropped"`      // attempts the server dropped (deadline propagation)
	Groups       []GroupReport `json:"groups,omitempty"`
}

// GroupReport is one agent group's client figures.
type GroupReport struct {
	Name string `json:"name"`
	ClientStats
	BreakerTrips int     `json:"breaker_trips"`
	BreakerOpen  float64 `json:"breaker_open"`
}

// Quantiles summarises a distribution, in seconds.
type Quantiles struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	Max   float64 `json:"max"`
}

// Outcomes counts by failure kind, named as in traces.
type Outcomes map[string]uint64

// NetworkReport is what each toxic did, by direction.
type NetworkReport struct {
	Toxics []ToxicReport `json:"toxics"`
}

// ToxicReport is one toxic's figures.
type ToxicReport struct {
	Name     string     `json:"name"`
	Type     string     `json:"type"`
	Request  ToxicStats `json:"request"`
	Response ToxicStats `json:"response"`
}

// DefenceReport is what the server's overload defences did.
type DefenceReport struct {
	Discipline  string  `json:"discipline,omitempty"`
	ShedByLimit uint64  `json:"shed_by_limit"`    // turned away by the concurrency limit
	ShedByCoDel uint64  `json:"shed_by_codel"`    // dropped from the head by CoDel
	ShedByClass uint64  `json:"shed_by_priority"` // displaced by a more important arrival
	Limit       float64 `json:"limit,omitempty"`  // the concurrency limit at the end
	Throttled   uint64  `json:"throttled"`        // attempts the clients' adaptive throttling kept back
}

// reportStages adds the client, server and network stages' figures to r.
func reportStages(r *Report, cfg *Config, t *telemetry, st *Stages) {
	q := &cfg.Queue
	if q.Discipline != "" || q.CoDel != nil || q.Limit != nil || st.Classes > 1 || cfg.throttles() {
		d := &DefenceReport{Discipline: q.Discipline, ShedByLimit: st.ShedByLimit,
			ShedByCoDel: st.ShedByCoDel, ShedByClass: st.ShedByClass}
		if st.Limiter != nil {
			d.Limit = st.Limiter.limit
		}
		for _, p := range st.Clients {
			d.Throttled += p.Stats.Throttled
		}
		r.Defences = d
	}
	if st.Network != nil {
		r.Network = st.Network.Report()
	}
	if st.Network == nil && !cfg.clientConfigured() && cfg.Queue.RetryAfter == 0 {
		return
	}
	cr := &ClientReport{Requests: t.Created, Attempts: t.Sent, RetriedBy: Outcomes{},
		Zombies: st.Zombies, ZombieWork: st.ZombieWork.Seconds(), Dropped: t.Dropped}
	if t.Created > 0 {
		cr.Amplification = float64(t.Sent) / float64(t.Created)
	}
	if r.Duration > 0 {
		cr.Goodput = float64(t.Served) / r.Duration
		cr.Throughput = float64(t.Answered) / r.Duration
	}
	for k := NoFailure + 1; k < numFailureKinds; k++ {
		if n := t.RetriedBy[k]; n > 0 {
			cr.RetriedBy[k.String()] = n
		}
	}
	var waits *sketch
	for _, p := range st.Clients {
		stats := p.Stats
		cr.Sent += stats.Sent
		cr.Abandoned += stats.Abandoned
		cr.FastFailed += stats.FastFailed
		cr.BudgetDenied += stats.BudgetDenied
		cr.PoolExhausted += stats.PoolExhausted
		cr.Throttled += stats.Throttled
		cr.Succeeded += stats.Succeeded
		if p.waits != nil {
			if waits == nil {
				waits = new(sketch)
			}
			waits.merge(p.waits)
		}
		gr := GroupReport{Name: p.name, ClientStats: stats}
		if p.breaker != nil {
			gr.BreakerTrips, gr.BreakerOpen = p.breaker.Trips, p.breaker.OpenTimeAt(st.Now).Seconds()
			cr.BreakerTrips += gr.BreakerTrips
			cr.BreakerOpen += gr.BreakerOpen
		}
		if len(st.Clients) > 1 {
			cr.Groups = append(cr.Groups, gr)
		}
	}
	if waits != nil && waits.Count() > 0 {
		cr.PoolWait = &Quantiles{Count: waits.Count(), P50: waits.Quantile(0.5) / 1e9,
			P95: waits.Quantile(0.95) / 1e9, Max: float64(waits.max) / 1e9}
	}
	r.Client = cr
}

// clientConfigured reports whether any group's client does more than send
// each request once and wait for its answer.
func (c *Config) clientConfigured() bool {
	for _, g := range c.groups() {
		cc := g.client
		if cc.Timeouts != (TimeoutConfig{}) || cc.Retry.MaxAttempts > 1 || cc.Budget.Kind != "" ||
			cc.Breaker.enabled() || cc.Pool.MaxConnections > 0 || cc.Throttle.K > 0 {
			return true
		}
	}
	return false
}

// throttles reports whether any group's client throttles adaptively.
func (c *Config) throttles() bool {
	for _, g := range c.groups() {
		if g.client.Throttle.K > 0 {
			return true
		}
	}
	return false
}
