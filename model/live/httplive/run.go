package httplive

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live"
	"github.com/agentchaos/agentchaos/model/live/faultproxy"
)

// Modes of a run, as its Report names them.
const (
	Mode       = "http"   // against the built-in server
	TargetMode = "target" // against the user's service
)

// KeyHeader carries an attempt's key: "agent.seq.attempt.group.workload".
const KeyHeader = "X-Agentchaos-Attempt"

// Headers of the built-in server's answers.
const (
	failureHeader  = "X-Agentchaos-Failure"  // the failure kind of an error status
	modelledHeader = "X-Agentchaos-Modelled" // ns of simulated time the model accounts for at the server
)

// MaxAgents bounds agents.count over HTTP: each agent is a goroutine, each
// request in flight one more and a socket.
const MaxAgents = 20_000

// Options are the settings of one HTTP run that are not part of a
// scenario.
type Options struct {
	// Scale k runs k times slower than simulated time, as in package live;
	// 0 means 1.
	Scale float64
	// Sinks see every lifecycle event after the recorder; they must not
	// block.
	Sinks []model.Sink
	// Target is the URL of the user's service (http or https); "" runs the
	// built-in server on 127.0.0.1.
	Target string
	// Method (default POST), BodySize (bytes of each request's body) and
	// Header (added to every request) shape the requests.
	Method   string
	BodySize int
	Header   http.Header
}

// MaxBody bounds Options.BodySize.
const MaxBody = faultproxy.MaxBody

// Stats are what a run measured besides its report.
type Stats struct {
	// Lateness is, for every attempt a worker answered, the time the client
	// measured minus what the model accounts for (the network's drawn
	// delays, the wait and the drawn service at the server), in simulated
	// seconds: timer lateness, sockets, the HTTP stack and scheduling.
	Lateness live.Lateness `json:"lateness"`
	// Service is the lateness of the built-in server's service timers
	// alone, a part of Lateness.
	Service live.Lateness `json:"service_lateness"`
	// MaxConnections is the most connections the built-in server had open
	// at once. A connection whose client gave up on its attempt stays open
	// at the server until the worker is done with it (zombie work), so
	// with timeouts it may exceed the clients' pools.
	MaxConnections int `json:"max_connections"`
	// PoolConnections is the most connections one agent group's client
	// had open at once (its pool's: never above client.pool.max_connections).
	PoolConnections int `json:"pool_connections"`
	// PeakGoroutines is the most goroutines the process had, sampled every
	// control period.
	PeakGoroutines int `json:"peak_goroutines"`
}

// Check reports, as a *model.FieldError, what of a validated cfg an HTTP
// run cannot do, or a plain error for bad options.
func Check(cfg *model.Config, opt Options) error {
	fe := func(path, msg string) error { return &model.FieldError{Path: path, Msg: msg} }
	if k := opt.Scale; k != 0 && !(k > 0 && k <= live.MaxScale) {
		return fmt.Errorf("httplive: scale must be in (0, %d], got %g", live.MaxScale, k)
	}
	if opt.BodySize < 0 || opt.BodySize > MaxBody {
		return fmt.Errorf("httplive: body size must be in [0, %d], got %d", MaxBody, opt.BodySize)
	}
	for name := range opt.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Idempotency-Key", "X-Idempotency-Key":
			return fmt.Errorf("httplive: header %s would let net/http replay requests on its own", name)
		case KeyHeader, "Content-Length", "Transfer-Encoding", "Host", "Connection":
			return fmt.Errorf("httplive: header %s is the HTTP live mode's own", name)
		}
	}
	if cfg.Agents.Count > MaxAgents {
		return fe("agents.count", fmt.Sprintf("at most %d agents over HTTP (got %d)", MaxAgents, cfg.Agents.Count))
	}
	clients := []*model.ClientConfig{&cfg.Client}
	paths := []string{"client"}
	for i, g := range cfg.Agents.Groups {
		if g.Client != nil {
			clients = append(clients, g.Client)
			paths = append(paths, fmt.Sprintf("agents.groups[%d].client", i))
		}
		if g.Priority != cfg.Agents.Groups[0].Priority && opt.Target == "" {
			return fe(fmt.Sprintf("agents.groups[%d].priority", i), "priority classes are not modelled by the HTTP mode's server")
		}
	}
	for i, c := range clients {
		if w := c.Pool.Waiters; w != "" && w != model.FIFO {
			return fe(paths[i]+".pool.waiters", fmt.Sprintf("net/http hands freed connections to waiters in FIFO order, not %q", w))
		}
	}
	for i, a := range cfg.Schedule {
		p := fmt.Sprintf("schedule[%d]", i)
		switch {
		case a.Crash != nil:
			return fe(p+".crash", "crashes are not modelled by the HTTP mode's server")
		case opt.Target != "" && (a.Slowdown != 0 || a.Faults != nil):
			return fe(p, "slowdowns and fault windows act on the built-in server, not on a target")
		}
	}
	if opt.Target != "" {
		u, err := url.Parse(opt.Target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("httplive: target must be an http or https URL, got %q", opt.Target)
		}
		if u.Scheme == "https" && len(cfg.Network.Toxics) > 0 {
			return fe("network.toxics", "the fault proxy reads HTTP messages: it cannot see into https; use an http target")
		}
	}
	return nil
}

// run is one HTTP run in progress.
type run struct {
	cfg    *model.Config
	opt    Options
	clk    *live.Clock
	draws  *model.Draws
	sched  *model.Schedule
	ctx    context.Context // cancelled when the run stops
	target *url.URL

	// mu guards the recorder, the client policies, the network and the
	// counters below; events are timestamped under it, so they reach the
	// recorder in time order.
	mu       sync.Mutex
	rec      *model.Recorder
	last     kernel.Time // the latest instant recorded: an event's or a control period's end
	policies []*model.ClientPolicy
	network  *model.Network
	delays   map[string]kernel.Duration // drawn network delay per attempt key, both directions
	srv      *server                    // nil in target mode
	inFlight int                        // requests created and not yet ended
	active   int                        // agents not yet retired
	retireAt kernel.Time                // the latest time an agent retires
	late     []int64                    // per answered attempt, simulated ns
	maxOpen  int                        // the most connections a group's client had open

	agents sync.WaitGroup // agents and their requests
}

// Run runs cfg over HTTP until every agent is done and nothing is in
// flight, and returns its report and what it measured. cfg must be
// valid; Run returns a *model.FieldError for what an HTTP run cannot do
// (see Check). If ctx is cancelled first, Run stops at once and returns
// the report so far with ctx.Err(). Run leaves no goroutine, connection or
// timer behind.
func Run(ctx context.Context, cfg *model.Config, opt Options) (model.Report, Stats, error) {
	if err := cfg.Validate(); err != nil {
		return model.Report{}, Stats{}, err
	}
	if err := Check(cfg, opt); err != nil {
		return model.Report{}, Stats{}, err
	}
	if opt.Scale == 0 {
		opt.Scale = 1
	}
	if opt.Method == "" {
		opt.Method = http.MethodPost
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run{cfg: cfg, opt: opt, draws: model.NewDraws(cfg), sched: model.NewSchedule(cfg), ctx: runCtx,
		delays: map[string]kernel.Duration{}, active: cfg.Agents.Count}
	r.rec = model.NewRecorder(cfg, r.sched, opt.Sinks)
	r.clk = live.NewClock(opt.Scale)
	for _, g := range groups(cfg) {
		r.policies = append(r.policies, model.NewClientPolicy(g.name, g.client))
	}
	mode := TargetMode
	upstream := ""
	if opt.Target == "" {
		mode = Mode
		srv, err := startServer(r)
		if err != nil {
			return model.Report{}, Stats{}, err
		}
		r.srv = srv
		upstream = srv.addr
		defer srv.close()
	} else {
		r.target, _ = url.Parse(opt.Target)
		upstream = hostPort(r.target)
		r.rec.UnknownLoad()
	}
	base := upstream
	if len(cfg.Network.Toxics) > 0 {
		r.network = model.NewNetwork(cfg, r.sched)
		p, err := faultproxy.Start("127.0.0.1:0", upstream, proxyFaults{r}, faultproxy.Options{KeyHeader: KeyHeader, Scale: opt.Scale})
		if err != nil {
			return model.Report{}, Stats{}, err
		}
		defer p.Close()
		base = p.Addr()
	}
	c := newClients(r, base)
	defer c.close()

	r.clk = live.NewClock(opt.Scale) // time zero: the agents start
	var stats Stats
	ticks := make(chan struct{})
	go func() {
		defer close(ticks)
		stats.PeakGoroutines = r.tick()
	}()
	for agent := range cfg.Agents.Count {
		r.agents.Add(1)
		go c.agent(int32(agent))
	}
	r.agents.Wait()
	<-ticks

	r.mu.Lock()
	defer r.mu.Unlock()
	stats.Lateness = live.Summarize(r.late)
	stats.PoolConnections = r.maxOpen
	st := &model.Stages{Clients: r.policies, Network: r.network, Now: r.clk.Now()}
	if r.srv != nil {
		r.srv.stages(st)
		stats.Service = live.Summarize(r.srv.late)
		stats.MaxConnections = r.srv.maxConns
	}
	rep := r.rec.Report(mode, st)
	return rep, stats, ctx.Err()
}

// group is an agent group's name and client section.
type group struct {
	name   string
	client *model.ClientConfig
	count  int
}

func groups(cfg *model.Config) []group {
	if len(cfg.Agents.Groups) == 0 {
		return []group{{"", &cfg.Client, cfg.Agents.Count}}
	}
	var out []group
	for _, g := range cfg.Agents.Groups {
		c := g.Client
		if c == nil {
			c = &cfg.Client
		}
		out = append(out, group{g.Name, c, g.Count})
	}
	return out
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// emit timestamps e with the clock and records it; r.mu must be held.
func (r *run) emit(e model.Event) {
	e.T = max(r.clk.Now(), r.last)
	r.last = e.T
	if r.srv != nil {
		e.Depth = int32(r.srv.waiting)
	}
	r.rec.Observe(e)
}

// now returns the clock's reading, never before the last event; r.mu must
// be held.
func (r *run) now() kernel.Time { return max(r.clk.Now(), r.last) }

// sleepUntil waits until simulated time t; false if the run stopped first.
func (r *run) sleepUntil(t kernel.Time) bool {
	d := time.Until(r.clk.Wall(t))
	if d <= 0 {
		return r.ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// tick closes a control period every detector.period, on the clock, until
// every agent is done and nothing is in flight; the periods after that,
// which only the agents' last wake-ups fill in the simulation, are closed
// at once. It returns the most goroutines seen.
func (r *run) tick() int {
	period := kernel.Seconds(r.cfg.Detector.Period)
	peak := 0
	for n := kernel.Time(period); ; n = n.Add(period) {
		r.mu.Lock()
		idle := r.inFlight == 0 && r.retired() && (r.srv == nil || r.srv.inSystem == 0)
		r.mu.Unlock()
		if !idle && !r.sleepUntil(n) {
			return peak
		}
		peak = max(peak, goroutines())
		r.mu.Lock()
		now := max(n, r.last)
		var busy float64 // a target's workers are out of sight: see Recorder.UnknownLoad
		if r.srv != nil {
			busy = r.srv.busy.Time(now)
		}
		r.rec.Tick(now, busy, r.sampleStages)
		r.last = now // no event is stamped before a period already ended
		done := r.inFlight == 0 && r.retired() && r.retireAt <= now && (r.srv == nil || r.srv.inSystem == 0)
		r.mu.Unlock()
		if done {
			return peak
		}
	}
}

// retired reports whether every agent has retired; r.mu must be held.
func (r *run) retired() bool { return r.active == 0 }

func goroutines() int { return runtime.NumGoroutine() }

// sampleStages records the stages' state in a period's sample.
func (r *run) sampleStages(smp *model.Sample) {
	if r.srv != nil {
		r.srv.sample(smp)
	}
	model.SampleClients(smp.T, smp, r.policies)
}

// proxyFaults passes the proxy's messages through the run's network.
type proxyFaults struct{ r *run }

func (f proxyFaults) Pass(dir int, key string) model.Passage {
	k, ok := f.r.parseKey(key)
	if !ok {
		return model.Passage{}
	}
	r := f.r
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.network.Pass(dir, k.agent, k.seq, k.attempt, k.group, r.now())
	if p.Fate == model.Delivered {
		r.delays[key] += p.Delay
	}
	return p
}

// key identifies an attempt.
type key struct {
	agent, seq, attempt, group int32
	workload                   uint8
}

func (k key) String() string {
	return fmt.Sprintf("%d.%d.%d.%d.%d", k.agent, k.seq, k.attempt, k.group, k.workload)
}

// parseKey reads an attempt's key, checked against the configuration (it
// indexes the model's per-agent, per-group and per-workload state).
func (r *run) parseKey(s string) (key, bool) {
	f := strings.Split(s, ".")
	if len(f) != 5 {
		return key{}, false
	}
	var x [5]int64
	for i := range f {
		v, err := strconv.ParseInt(f[i], 10, 32)
		if err != nil || v < 0 {
			return key{}, false
		}
		x[i] = v
	}
	k := key{agent: int32(x[0]), seq: int32(x[1]), attempt: int32(x[2]), group: int32(x[3]), workload: uint8(x[4])}
	if x[0] >= int64(r.cfg.Agents.Count) || x[3] >= int64(len(r.policies)) || x[4] >= int64(len(r.cfg.Agents.Mix)) {
		return key{}, false
	}
	return k, true
}

// errStopped: the run was cancelled.
var errStopped = errors.New("httplive: stopped")
