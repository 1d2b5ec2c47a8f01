package model

import (
	"fmt"
	"math"

	"github.com/agentchaos/agentchaos/kernel"
)

// NetworkConfig is the network between the clients and the server, as a
// list of toxics in Toxiproxy's manner: each acts on the requests, the
// responses or both, on every message or a share of them (its toxicity),
// for every agent group or the groups it names. A message meets the toxics
// in order: delays add up, and the first that loses, resets or stalls it
// decides its fate. No toxics: the network is instant and perfect.
type NetworkConfig struct {
	Toxics []Toxic `json:"toxics,omitempty"`
}

// Toxic is one network fault. Type chooses it:
//
//	latency    Latency (a distribution, seconds) plus Jitter (seconds) drawn
//	           from JitterDistribution ("uniform": ±Jitter, the default;
//	           "normal": standard deviation Jitter; "pareto": a heavy right
//	           tail of scale Jitter), correlated between consecutive messages
//	           of an agent as tc-netem does: u = Correlation·u_prev +
//	           (1−Correlation)·u_new
//	loss       Model "bernoulli" (each message lost with probability P) or
//	           "gilbert_elliott": a good and a bad state, good→bad with
//	           probability P and bad→good with R per message, a message lost
//	           with probability LossBad in the bad state (default 1) and
//	           LossGood in the good one (default 0); the state is per agent.
//	           A lost message never arrives: its client hears nothing until
//	           a timeout (the "socket timeout drop").
//	reset      the connection is cut: the client gets CONNECTION_RESET
//	stall      the message is held (Toxiproxy's "timeout" toxic): after
//	           Timeout seconds the connection is closed (CONNECTION_RESET);
//	           Timeout 0 holds it forever (a black hole)
//	bandwidth  a Rate limit in bytes per second: a message of Size bytes (a
//	           distribution) takes Size/Rate seconds more
//
// Direction is "request", "response" or "both" (the default). Toxicity
// (default 1) is the probability that the toxic acts on a message; Groups
// (default: all) names the agent groups whose traffic it acts on.
type Toxic struct {
	Name      string   `json:"name,omitempty"`
	Type      string   `json:"type"`
	Direction string   `json:"direction,omitempty"`
	Toxicity  *float64 `json:"toxicity,omitempty"`
	Groups    []string `json:"groups,omitempty"`
	// Scheduled toxics act only in the windows of schedule actions that
	// name them.
	Scheduled bool `json:"scheduled,omitempty"`

	Latency            *Dist   `json:"latency,omitempty"`
	Jitter             float64 `json:"jitter,omitempty"`
	JitterDistribution string  `json:"jitter_distribution,omitempty"`
	Correlation        float64 `json:"correlation,omitempty"`

	Model    string   `json:"model,omitempty"`
	P        float64  `json:"p,omitempty"`
	R        float64  `json:"r,omitempty"`
	LossBad  *float64 `json:"loss_bad,omitempty"`
	LossGood float64  `json:"loss_good,omitempty"`

	Timeout float64 `json:"timeout,omitempty"`

	Rate float64 `json:"rate,omitempty"`
	Size *Dist   `json:"size,omitempty"`
}

// Toxic types, directions, loss models and jitter distributions.
const (
	ToxicLatency   = "latency"
	ToxicLoss      = "loss"
	ToxicReset     = "reset"
	ToxicStall     = "stall"
	ToxicBandwidth = "bandwidth"

	DirRequest  = "request"
	DirResponse = "response"
	DirBoth     = "both"

	Bernoulli      = "bernoulli"
	GilbertElliott = "gilbert_elliott"
)

func (n *NetworkConfig) validate(v *validator, c *Config) {
	groups := map[string]bool{}
	for _, g := range c.groups() {
		groups[g.name] = true
	}
	for i := range n.Toxics {
		t := &n.Toxics[i]
		p := fmt.Sprintf("network.toxics[%d]", i)
		switch t.Direction {
		case "", DirRequest, DirResponse, DirBoth:
		default:
			v.fail(p+".direction", fmt.Sprintf("must be %q, %q or %q, not %q", DirRequest, DirResponse, DirBoth, t.Direction))
		}
		if t.Toxicity != nil {
			v.prob(p+".toxicity", *t.Toxicity)
		}
		for j, g := range t.Groups {
			if !groups[g] || g == "" {
				v.fail(fmt.Sprintf("%s.groups[%d]", p, j), fmt.Sprintf("no agent group is named %q", g))
			}
		}
		t.validate(v, p)
		if t.holds() {
			for _, g := range c.groups() {
				if t.targets(g.name) && g.client.Timeouts.Attempt == 0 && g.client.Timeouts.Deadline == 0 {
					who := "client"
					if g.name != "" {
						who = fmt.Sprintf("the client of group %q", g.name)
					}
					v.fail(p, fmt.Sprintf("%s has no timeout (timeouts.attempt or timeouts.deadline): a message this toxic loses or holds would leave its request waiting forever", who))
				}
			}
		}
	}
}

func (t *Toxic) validate(v *validator, p string) {
	latency := t.Latency != nil || t.Jitter != 0 || t.JitterDistribution != "" || t.Correlation != 0
	loss := t.Model != "" || t.P != 0 || t.R != 0 || t.LossBad != nil || t.LossGood != 0
	unused := func(field string, set bool) {
		v.unused(p+"."+field, set, fmt.Sprintf("does not apply to type %q", t.Type))
	}
	switch t.Type {
	case ToxicLatency:
		if t.Latency != nil {
			v.timeDist(p+".latency", *t.Latency, true)
		}
		v.wait(p+".jitter", t.Jitter)
		switch t.JitterDistribution {
		case "", Uniform, Normal, Pareto:
		default:
			v.fail(p+".jitter_distribution", fmt.Sprintf("must be %q, %q or %q, not %q", Uniform, Normal, Pareto, t.JitterDistribution))
		}
		v.prob(p+".correlation", t.Correlation)
		if t.Latency == nil && t.Jitter == 0 {
			v.fail(p+".latency", "a latency toxic needs a latency or a jitter")
		}
	case ToxicLoss:
		switch t.Model {
		case "", Bernoulli:
			v.prob(p+".p", t.P)
			unused("r", t.R != 0)
			unused("loss_bad", t.LossBad != nil)
			unused("loss_good", t.LossGood != 0)
		case GilbertElliott:
			v.prob(p+".p", t.P)
			v.prob(p+".r", t.R)
			if t.P > 0 && t.R == 0 {
				v.fail(p+".r", "must be above 0, or the bad state is never left")
			}
			if t.LossBad != nil {
				v.prob(p+".loss_bad", *t.LossBad)
			}
			v.prob(p+".loss_good", t.LossGood)
		default:
			v.fail(p+".model", fmt.Sprintf("must be %q or %q, not %q", Bernoulli, GilbertElliott, t.Model))
		}
	case ToxicReset:
	case ToxicStall:
		v.wait(p+".timeout", t.Timeout)
	case ToxicBandwidth:
		v.positive(p+".rate", t.Rate)
		if t.Size == nil {
			v.fail(p+".size", "a bandwidth toxic needs the messages' size (a distribution, bytes)")
		} else {
			v.dist(p+".size", *t.Size, true)
			if t.Rate > 0 {
				v.note(p+".rate", t.Size.MeanValue()/t.Rate) // the mean message's transfer
			}
		}
	case "":
		v.fail(p+".type", "is required")
	default:
		v.fail(p+".type", fmt.Sprintf("must be %q, %q, %q, %q or %q, not %q",
			ToxicLatency, ToxicLoss, ToxicReset, ToxicStall, ToxicBandwidth, t.Type))
	}
	if t.Type != ToxicLatency {
		unused("latency", latency)
	}
	if t.Type != ToxicLoss {
		unused("model", loss)
	}
	if t.Type != ToxicStall {
		unused("timeout", t.Timeout != 0)
	}
	if t.Type != ToxicBandwidth {
		unused("rate", t.Rate != 0 || t.Size != nil)
	}
}

// holds reports whether the toxic can keep a message from ever reaching its
// client: loss, or a stall that never closes.
func (t *Toxic) holds() bool {
	return t.Type == ToxicLoss || (t.Type == ToxicStall && t.Timeout == 0)
}

// targets reports whether the toxic acts on the traffic of group g.
func (t *Toxic) targets(g string) bool {
	if len(t.Groups) == 0 {
		return true
	}
	for _, n := range t.Groups {
		if n == g {
			return true
		}
	}
	return false
}

// GilbertElliottLoss is the Gilbert–Elliott loss model as a clock-free value: a
// two-state Markov chain stepped once per message. A message is lost with
// probability LossBad in the bad state and LossGood in the good one; then
// the state moves good→bad with probability P, bad→good with R (tc-netem's
// gemodel order). The zero value starts in the good state.
type GilbertElliottLoss struct {
	P, R, LossBad, LossGood float64
	bad                     bool
}

// Lost steps the chain for one message given two uniforms in [0, 1): u for
// the loss, w for the transition. It reports whether the message is lost.
func (g *GilbertElliottLoss) Lost(u, w float64) bool {
	var lost bool
	if g.bad {
		lost = u < g.LossBad
		if w < g.R {
			g.bad = false
		}
	} else {
		lost = u < g.LossGood
		if w < g.P {
			g.bad = true
		}
	}
	return lost
}

// LossRate returns the long-run fraction of messages lost:
// π_bad·LossBad + π_good·LossGood with π_bad = P/(P+R).
func (g *GilbertElliottLoss) LossRate() float64 {
	if g.P+g.R == 0 {
		return g.LossGood
	}
	pb := g.P / (g.P + g.R)
	return pb*g.LossBad + (1-pb)*g.LossGood
}

// Fate is what the network does with one message.
type Fate uint8

// Fates.
const (
	Delivered Fate = iota // it arrives after its delay
	Lost                  // it never arrives
	Reset                 // the connection is cut after the delay: CONNECTION_RESET
	Stalled               // it is held, and the connection closed after the delay
)

// Passage is what the network does with one message: its fate, and the
// delay after which it arrives (Delivered) or its connection is cut (Reset,
// Stalled). Bandwidth is the part of Delay the bandwidth toxics add for
// the message's drawn size, and Rate the lowest rate (bytes/s) of those
// that acted (0 if none): a real proxy paces the real bytes at Rate
// instead.
type Passage struct {
	Fate      Fate
	Delay     kernel.Duration
	Bandwidth kernel.Duration
	Rate      float64
}

// toxic is a compiled Toxic, with its per-agent state.
type toxic struct {
	name          string
	typ           string
	request, resp bool
	toxicity      float64
	groups        []bool // by group index
	latency       sampler
	jitter        float64
	jitterKind    string
	correlation   float64
	model         string
	p             float64
	ge            GilbertElliottLoss
	timeout       kernel.Duration
	rate          float64
	size          sampler
	fam           kernel.Family
	prevU         [2][]float64            // last jitter uniform, by direction and agent
	state         [2][]GilbertElliottLoss // by direction and agent
	stats         [2]ToxicStats
}

// ToxicStats counts what one toxic did in one direction.
type ToxicStats struct {
	Messages uint64  `json:"messages"` // messages it acted on
	Lost     uint64  `json:"lost,omitempty"`
	Reset    uint64  `json:"reset,omitempty"`
	Stalled  uint64  `json:"stalled,omitempty"`
	Delay    float64 `json:"delay,omitempty"` // seconds added in all
}

// Network is the network's toxics as a clock-free value, with their
// per-agent state (correlated jitter, Gilbert–Elliott chains) and counts.
// The draws for a message come from its toxic's own streams: ("network/i")
// for toxic i, keyed (direction, agent, seq, attempt). The network stage
// passes every message of a simulated run through one; a real proxy can
// pass the real messages through another. Not safe for concurrent use.
type Network struct {
	toxics      []toxic
	sched       *Schedule
	partitioned [2]uint64 // messages lost to a scheduled partition, by direction
}

// NewNetwork compiles the toxics of a validated configuration, which act
// in the windows sched gives them.
func NewNetwork(cfg *Config, sched *Schedule) *Network {
	n := &Network{sched: sched}
	groups := cfg.groups()
	agents := cfg.Agents.Count
	for i := range cfg.Network.Toxics {
		t := &cfg.Network.Toxics[i]
		x := toxic{name: t.Name, typ: t.Type, request: t.Direction != DirResponse, resp: t.Direction != DirRequest,
			toxicity: 1, groups: make([]bool, len(groups)), jitter: t.Jitter, jitterKind: t.JitterDistribution,
			correlation: t.Correlation, model: t.Model, p: t.P, timeout: kernel.Seconds(t.Timeout), rate: t.Rate,
			fam: kernel.NewFamily(cfg.Seed, fmt.Sprintf("network/%d", i))}
		if x.name == "" {
			x.name = fmt.Sprintf("%s#%d", t.Type, i)
		}
		if t.Toxicity != nil {
			x.toxicity = *t.Toxicity
		}
		for g, spec := range groups {
			x.groups[g] = t.targets(spec.name)
		}
		if t.Latency != nil {
			x.latency = t.Latency.compile()
		}
		if t.Size != nil {
			x.size = t.Size.compile()
		}
		if t.Type == ToxicLatency && t.Correlation > 0 {
			for d := range x.prevU {
				x.prevU[d] = make([]float64, agents)
				for j := range x.prevU[d] {
					x.prevU[d][j] = 0.5 // the centre: no jitter before the first message
				}
			}
		}
		if t.Type == ToxicLoss && t.Model == GilbertElliott {
			x.ge = GilbertElliottLoss{P: t.P, R: t.R, LossBad: 1, LossGood: t.LossGood}
			if t.LossBad != nil {
				x.ge.LossBad = *t.LossBad
			}
			for d := range x.state {
				x.state[d] = make([]GilbertElliottLoss, agents)
				for j := range x.state[d] {
					x.state[d][j] = x.ge
				}
			}
		}
		n.toxics = append(n.toxics, x)
	}
	return n
}

// Report returns what each toxic did, by direction.
func (n *Network) Report() *NetworkReport {
	nr := &NetworkReport{}
	for i := range n.toxics {
		t := &n.toxics[i]
		nr.Toxics = append(nr.Toxics, ToxicReport{Name: t.name, Type: t.typ, Request: t.stats[0], Response: t.stats[1]})
	}
	return nr
}

// network is the network stage, between the client and the server: every
// message goes through its Network.
type network struct {
	*Network
	s                        *System
	up                       replier
	down                     sender
	kArrive, kReturn, kReset kernel.Kind
}

func newNetwork(s *System) *network {
	n := &network{s: s, Network: NewNetwork(s.cfg, s.sched)}
	n.kArrive = s.sim.Register(n.arrive)
	n.kReturn = s.sim.Register(n.returned)
	n.kReset = s.sim.Register(n.resetNoticed)
	return n
}

// Pass takes one message of attempt k at agent's request seq, of agent
// group group, through the toxics at now in direction dir (0 request, 1
// response): its fate and delay. The first toxic that loses, resets or
// stalls it decides its fate.
func (n *Network) Pass(dir int, agent, seq, k, group int32, now kernel.Time) Passage {
	if n.sched.Partitioned(group, now) {
		n.partitioned[dir]++
		return Passage{Fate: Lost}
	}
	var delay, bandwidth, rate float64
	for i := range n.toxics {
		t := &n.toxics[i]
		if (dir == 0 && !t.request) || (dir == 1 && !t.resp) || !t.groups[group] || !n.sched.ToxicActive(i, now) {
			continue
		}
		st := t.fam.Stream(uint64(dir), uint64(agent), uint64(seq), uint64(k))
		if t.toxicity < 1 && !(st.Float64() < t.toxicity) {
			continue
		}
		ts := &t.stats[dir]
		ts.Messages++
		switch t.typ {
		case ToxicLatency:
			d := 0.0
			if t.latency.kind != sNone {
				d = t.latency.draw(&st)
			}
			if t.jitter > 0 {
				u := st.OpenFloat64()
				if t.correlation > 0 {
					prev := &t.prevU[dir][agent]
					u = float64(t.correlation**prev) + float64((1-t.correlation)*u)
					*prev = u
				}
				d += float64(t.jitter * jitterQuantile(t.jitterKind, u))
			}
			d = max(d, 0)
			ts.Delay += d
			delay += d
		case ToxicBandwidth:
			d := t.size.draw(&st) / t.rate
			ts.Delay += d
			delay += d
			bandwidth += d
			if rate == 0 || t.rate < rate {
				rate = t.rate
			}
		case ToxicLoss:
			var gone bool
			if t.model == GilbertElliott {
				gone = t.state[dir][agent].Lost(st.Float64(), st.Float64())
			} else {
				gone = st.Float64() < t.p
			}
			if gone {
				ts.Lost++
				return passage(Lost, delay, bandwidth, rate, 0)
			}
		case ToxicReset:
			ts.Reset++
			return passage(Reset, delay, bandwidth, rate, 0)
		case ToxicStall:
			ts.Stalled++
			if t.timeout == 0 {
				return passage(Lost, delay, bandwidth, rate, 0)
			}
			return passage(Stalled, delay, bandwidth, rate, t.timeout)
		}
	}
	return passage(Delivered, delay, bandwidth, rate, 0)
}

// passage is a message's fate after delay seconds (bandwidth of them for
// its size at rate), plus extra.
func passage(f Fate, delay, bandwidth, rate float64, extra kernel.Duration) Passage {
	return Passage{Fate: f, Delay: drawnSeconds(delay) + extra, Bandwidth: drawnSeconds(bandwidth), Rate: rate}
}

// jitterQuantile maps a uniform u in (0, 1) to a jitter of unit scale: ±1
// uniform, a standard normal, or a Pareto (α = 3) tail shifted to start at 0.
func jitterQuantile(kind string, u float64) float64 {
	switch kind {
	case Normal:
		return normalQuantile(u)
	case Pareto:
		return kernel.Exp(-kernel.Log(1-u)/3) - 1
	}
	return float64(2*u) - 1
}

// normalQuantile is Φ⁻¹(u) by Acklam's rational approximation (relative
// error below 1.2·10⁻⁹), in portable arithmetic.
func normalQuantile(u float64) float64 {
	const (
		a1, a2, a3, a4, a5, a6 = -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
		b1, b2, b3, b4, b5     = -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01
		c1, c2, c3, c4, c5, c6 = -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
		d1, d2, d3, d4         = 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
		low                    = 0.02425
	)
	tail := func(q float64) float64 {
		num := float64(float64(float64(float64(float64(c1*q)+c2)*q+c3)*q+c4)*q+c5)*q + c6
		den := float64(float64(float64(float64(d1*q)+d2)*q+d3)*q+d4)*q + 1
		return num / den
	}
	switch {
	case u <= 0:
		return math.Inf(-1)
	case u >= 1:
		return math.Inf(1)
	case u < low:
		return tail(math.Sqrt(-2 * kernel.Log(u)))
	case u > 1-low:
		return -tail(math.Sqrt(-2 * kernel.Log(1-u)))
	}
	q := u - 0.5
	r := float64(q * q)
	num := float64(float64(float64(float64(float64(float64(a1*r)+a2)*r+a3)*r+a4)*r+a5)*r+a6) * q
	den := float64(float64(float64(float64(float64(b1*r)+b2)*r+b3)*r+b4)*r+b5)*r + 1
	return num / den
}

// send: an attempt leaves its client for the server.
func (n *network) send(att int32) {
	a := n.s.atts.at(att)
	n.route(att, n.Pass(0, a.agent, a.seq, a.k, a.group, n.s.sim.Now()), n.kArrive, NoFailure)
}

// reply: the server's answer to an attempt leaves for its client.
func (n *network) reply(att int32, outcome FailureKind) {
	a := n.s.atts.at(att)
	n.route(att, n.Pass(1, a.agent, a.seq, a.k, a.group, n.s.sim.Now()), n.kReturn, outcome)
}

// route carries out a message's fate: delivery after its delay (event
// kind k), a reset noticed after it, or nothing ever (lost).
func (n *network) route(att int32, p Passage, k kernel.Kind, outcome FailureKind) {
	d := p.Delay
	switch p.Fate {
	case Delivered:
		if d > 0 {
			n.s.sim.After(d, k, int64(att), int64(outcome))
		} else if k == n.kArrive {
			n.down.send(att)
		} else {
			n.up.reply(att, outcome)
		}
	case Reset, Stalled:
		n.s.sim.After(d, n.kReset, int64(att), 0)
	case Lost:
		n.s.leavePath(att)
	}
}

func (n *network) arrive(ev kernel.Event)   { n.down.send(int32(ev.ID)) }
func (n *network) returned(ev kernel.Event) { n.up.reply(int32(ev.ID), FailureKind(ev.Arg)) }
func (n *network) resetNoticed(ev kernel.Event) {
	n.up.reply(int32(ev.ID), ConnectionReset)
}
