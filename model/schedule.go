package model

import (
	"fmt"
	"math"
	"sort"

	"github.com/agentchaos/agentchaos/kernel"
)

// Action is one timed change in a scenario's schedule: from At for For
// seconds (0: until the end of the run), ramping in and out over Ramp
// seconds if set. Exactly one of its kinds is set:
//
//	load      Rate multiplies the arrival rate of open agents and the pace of
//	          closed agents' think times (a spike, a step, a ramp); Agents caps
//	          the number of active closed agents; Diurnal swings the rate
//	          multiplier between Low and High with period Period, peaking at
//	          half the period
//	crash     Workers workers crash at At and come back after For; what they
//	          were serving fails (InService "fail", the default: 502 CRASHED)
//	          or goes back to the head of the queue ("requeue")
//	slowdown  every service starting in the window takes Slowdown times longer
//	faults    ErrorProbability and SpikeProbability take these values
//	network   the named toxics (network.toxics[].name, declared with
//	          "scheduled": true) act in the window; Partition cuts the named
//	          agent groups off (all groups if empty): every message lost
//
// Ramps rise (and fall) in rampSteps equal steps; a diurnal period is cut
// into diurnalSteps steps of its sinusoid. Overlapping load and slowdown
// multipliers multiply; the lowest active-agent cap and the latest fault
// values win.
type Action struct {
	Name     string         `json:"name,omitempty"`
	At       float64        `json:"at"`
	For      float64        `json:"for,omitempty"`
	Ramp     float64        `json:"ramp,omitempty"`
	Load     *LoadAction    `json:"load,omitempty"`
	Crash    *CrashAction   `json:"crash,omitempty"`
	Slowdown float64        `json:"slowdown,omitempty"`
	Faults   *FaultAction   `json:"faults,omitempty"`
	Network  *NetworkAction `json:"network,omitempty"`
}

// LoadAction changes the offered load.
type LoadAction struct {
	Rate    float64       `json:"rate,omitempty"`
	Agents  *int          `json:"agents,omitempty"`
	Diurnal *DiurnalShape `json:"diurnal,omitempty"`
}

// DiurnalShape is a periodic load: the rate multiplier follows
// Low + (High−Low)·(1 − cos(2πt/Period))/2, from Low at the action's start.
type DiurnalShape struct {
	Period float64 `json:"period"`
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
}

// CrashAction takes workers down.
type CrashAction struct {
	Workers   int    `json:"workers"`
	InService string `json:"in_service,omitempty"` // "fail" (default) or "requeue"
}

// FaultAction overrides fault probabilities.
type FaultAction struct {
	ErrorProbability *float64 `json:"error_probability,omitempty"`
	SpikeProbability *float64 `json:"spike_probability,omitempty"`
}

// NetworkAction turns scheduled toxics on, or partitions agent groups.
type NetworkAction struct {
	Toxics    []string `json:"toxics,omitempty"`
	Partition []string `json:"partition,omitempty"`
	// PartitionAll cuts every group off (Partition empty and this set).
	PartitionAll bool `json:"partition_all,omitempty"`
}

// Crash modes.
const (
	CrashFail    = "fail"
	CrashRequeue = "requeue"
)

const (
	rampSteps    = 20
	diurnalSteps = 48
	// MaxActions bounds a schedule; MaxProfileSteps the pieces it expands to.
	MaxActions      = 10_000
	MaxProfileSteps = 1_000_000
)

// ScheduleConfig is a scenario's schedule: actions in any order.
type ScheduleConfig []Action

func (sc *ScheduleConfig) validate(v *validator, c *Config) {
	if len(*sc) > MaxActions {
		v.fail("schedule", fmt.Sprintf("at most %d actions", MaxActions))
		return
	}
	toxics := map[string]bool{}
	for _, t := range c.Network.Toxics {
		if t.Name != "" && t.Scheduled {
			toxics[t.Name] = true
		}
	}
	groups := map[string]bool{}
	for _, g := range c.groups() {
		groups[g.name] = true
	}
	steps := 0
	for i := range *sc {
		a := &(*sc)[i]
		p := fmt.Sprintf("schedule[%d]", i)
		v.seconds(p+".at", a.At)
		v.seconds(p+".for", a.For)
		v.seconds(p+".ramp", a.Ramp)
		if a.For > 0 && 2*a.Ramp > a.For {
			v.fail(p+".ramp", fmt.Sprintf("ramping in and out takes %g s, more than for (%g s)", 2*a.Ramp, a.For))
		}
		kinds := 0
		for _, set := range []bool{a.Load != nil, a.Crash != nil, a.Slowdown != 0, a.Faults != nil, a.Network != nil} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			v.fail(p, "set exactly one of load, crash, slowdown, faults, network")
			continue
		}
		if a.Ramp > 0 {
			steps += 2 * rampSteps
		}
		steps += 2
		switch {
		case a.Load != nil:
			l := a.Load
			n := 0
			if l.Rate != 0 {
				n++
				v.nonNeg(p+".load.rate", l.Rate)
			}
			if l.Agents != nil {
				n++
				v.intIn(p+".load.agents", *l.Agents, 0, c.Agents.Count)
				if c.Agents.Arrival != Closed {
					v.fail(p+".load.agents", "caps closed agents: agents.arrival is not \"closed\"")
				}
				v.unused(p+".ramp", a.Ramp > 0, "an agent cap does not ramp")
			}
			if d := l.Diurnal; d != nil {
				n++
				v.positiveSeconds(p+".load.diurnal.period", d.Period)
				v.nonNeg(p+".load.diurnal.low", d.Low)
				v.atLeast(p+".load.diurnal.high", d.High, d.Low)
				v.unused(p+".ramp", a.Ramp > 0, "a diurnal shape does not ramp")
				length := a.For
				if length == 0 {
					length = c.Agents.Horizon - a.At
					if c.Agents.Horizon == 0 {
						v.fail(p+".for", "a diurnal shape until the end of the run needs agents.horizon")
					}
				}
				if d.Period > 0 && length > 0 {
					if periods := length / d.Period; periods*diurnalSteps > MaxProfileSteps {
						v.fail(p+".load.diurnal.period", fmt.Sprintf("%g periods in the window: at most %d", periods, MaxProfileSteps/diurnalSteps))
					} else {
						steps += int(periods*diurnalSteps) + 1
					}
				}
			}
			if n != 1 {
				v.fail(p+".load", "set exactly one of rate, agents, diurnal")
			}
		case a.Crash != nil:
			v.intIn(p+".crash.workers", a.Crash.Workers, 1, c.Workers.Count)
			switch a.Crash.InService {
			case "", CrashFail, CrashRequeue:
			default:
				v.fail(p+".crash.in_service", fmt.Sprintf("must be %q or %q, not %q", CrashFail, CrashRequeue, a.Crash.InService))
			}
			v.unused(p+".ramp", a.Ramp > 0, "a crash does not ramp")
			v.unused(p+".crash", c.Workers.Unbounded, "an unbounded worker pool cannot crash")
		case a.Slowdown != 0:
			v.positive(p+".slowdown", a.Slowdown)
		case a.Faults != nil:
			if a.Faults.ErrorProbability == nil && a.Faults.SpikeProbability == nil {
				v.fail(p+".faults", "set error_probability or spike_probability")
			}
			if e := a.Faults.ErrorProbability; e != nil {
				v.prob(p+".faults.error_probability", *e)
			}
			if sp := a.Faults.SpikeProbability; sp != nil {
				v.prob(p+".faults.spike_probability", *sp)
				if *sp > 0 && c.Faults.SpikeProbability == 0 {
					v.timeDist("faults.spike_duration", c.Faults.SpikeDuration, false)
				}
			}
			v.unused(p+".ramp", a.Ramp > 0, "fault probabilities do not ramp")
		case a.Network != nil:
			nw := a.Network
			if len(nw.Toxics) == 0 && len(nw.Partition) == 0 && !nw.PartitionAll {
				v.fail(p+".network", "name scheduled toxics, or partition groups")
			}
			for j, name := range nw.Toxics {
				if !toxics[name] {
					v.fail(fmt.Sprintf("%s.network.toxics[%d]", p, j), fmt.Sprintf("no network toxic named %q is scheduled (set its name and \"scheduled\": true)", name))
				}
			}
			for j, g := range nw.Partition {
				if !groups[g] || g == "" {
					v.fail(fmt.Sprintf("%s.network.partition[%d]", p, j), fmt.Sprintf("no agent group is named %q", g))
				}
			}
			if len(nw.Partition) > 0 && nw.PartitionAll {
				v.fail(p+".network.partition_all", "set partition or partition_all, not both")
			}
			if len(nw.Partition) > 0 || nw.PartitionAll {
				for _, g := range c.groups() {
					if (nw.PartitionAll || contains(nw.Partition, g.name)) && g.client.Timeouts.Attempt == 0 && g.client.Timeouts.Deadline == 0 {
						v.fail(p+".network", fmt.Sprintf("partitions group %q, whose client has no timeout: its requests would wait forever", g.name))
					}
				}
			}
			v.unused(p+".ramp", a.Ramp > 0, "a network action does not ramp")
		}
	}
	if steps > MaxProfileSteps {
		v.fail("schedule", fmt.Sprintf("expands to %d steps, at most %d", steps, MaxProfileSteps))
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// window returns the action's [start, end) in virtual time; end is Forever
// for an action that lasts until the end.
func (a *Action) window() (kernel.Time, kernel.Time) {
	start := kernel.Time(kernel.Seconds(a.At))
	if a.For == 0 {
		return start, kernel.Forever
	}
	return start, start.Add(kernel.Seconds(a.For))
}

// profile is a piecewise-constant function of virtual time: value v[i] on
// [t[i], t[i+1]), the base value before t[0] and v[len−1] after the last
// change.
type profile struct {
	base float64
	t    []kernel.Time
	v    []float64
}

// at returns the value at time x. O(log n).
func (p *profile) at(x kernel.Time) float64 {
	i := sort.Search(len(p.t), func(i int) bool { return p.t[i] > x }) - 1
	if i < 0 {
		return p.base
	}
	return p.v[i]
}

// next returns the first change after x; false if none.
func (p *profile) next(x kernel.Time) (kernel.Time, bool) {
	i := sort.Search(len(p.t), func(i int) bool { return p.t[i] > x })
	if i == len(p.t) {
		return 0, false
	}
	return p.t[i], true
}

// advance returns the instant at which the integral of the profile from t0
// reaches work (operational time): with value 2, a second of work takes
// half a second. ok is false if the profile stays 0 (or so low) that work
// is never done. Exact on the nanosecond grid, rounding each piece's share.
func (p *profile) advance(t0 kernel.Time, work kernel.Duration) (kernel.Time, bool) {
	t := t0
	left := float64(work)
	for {
		v := p.at(t)
		end, more := p.next(t)
		if v > 0 {
			need := left / v
			if !more || float64(end-t) >= need {
				if need >= float64(kernel.Forever-t) { // a rate so low the work ends after the end of time
					return 0, false
				}
				return t.Add(kernel.Duration(math.Ceil(need - 0.5))), true
			}
			left -= float64(float64(end-t) * v)
		} else if !more {
			return 0, false
		}
		t = end
	}
}

// piece is one constant piece of an action's contribution.
type piece struct {
	from, to kernel.Time
	v        float64
}

// pieces expands one action's multiplier (value at full strength v, 1
// outside) into constant pieces: the ramps in rampSteps steps, a diurnal
// shape in diurnalSteps steps per period, up to until if it lasts to the
// end.
func (a *Action) pieces(v float64, until kernel.Time) []piece {
	start, end := a.window()
	if a.Load != nil && a.Load.Diurnal != nil {
		end = min(end, until)
		d := a.Load.Diurnal
		step := kernel.Seconds(d.Period / diurnalSteps)
		var out []piece
		for i, t := 0, start; t < end; i, t = i+1, t.Add(step) {
			k := i % diurnalSteps
			x := d.Low + float64((d.High-d.Low)*halfCos[k])
			to := t.Add(step)
			if to > end || to < t {
				to = end
			}
			out = append(out, piece{t, to, x})
		}
		return out
	}
	if a.Ramp == 0 {
		return []piece{{start, end, v}}
	}
	r := kernel.Seconds(a.Ramp)
	step := r / rampSteps
	var out []piece
	for i := 0; i < rampSteps; i++ {
		f := float64(i+1) / (rampSteps + 1)
		x := 1 + float64((v-1)*f)
		out = append(out, piece{start.Add(kernel.Duration(i) * step), start.Add(kernel.Duration(i+1) * step), x})
	}
	if end == kernel.Forever {
		return append(out, piece{start.Add(r), end, v})
	}
	out = append(out, piece{start.Add(r), end.Add(-r), v})
	for i := 0; i < rampSteps; i++ {
		f := float64(rampSteps-i) / (rampSteps + 1)
		x := 1 + float64((v-1)*f)
		out = append(out, piece{end.Add(-r).Add(kernel.Duration(i) * step), end.Add(-r).Add(kernel.Duration(i+1) * step), x})
	}
	return out
}

// halfCos[k] = (1 − cos(2π(k+½)/48))/2, the diurnal shape at the midpoints
// of its 48 steps, as exact constants (computed once in high precision) so
// that no platform's cos is involved.
var halfCos = [diurnalSteps]float64{
	0.0010705383806982466, 0.009607359798384776, 0.026534935252447166, 0.05156362923365585,
	0.08426519384872738, 0.12408009626051131, 0.17032709244996558, 0.22221488349019888,
	0.27885565489049935, 0.3392802673484192, 0.40245483899193585, 0.4672984353849285,
	0.5327015646150716, 0.5975451610080641, 0.6607197326515808, 0.7211443451095007,
	0.7777851165098011, 0.8296729075500344, 0.8759199037394887, 0.9157348061512727,
	0.9484363707663441, 0.9734650647475528, 0.9903926402016152, 0.9989294616193017,
	0.9989294616193017, 0.9903926402016152, 0.9734650647475528, 0.9484363707663441,
	0.9157348061512727, 0.8759199037394887, 0.8296729075500344, 0.7777851165098011,
	0.7211443451095007, 0.6607197326515808, 0.5975451610080641, 0.5327015646150716,
	0.4672984353849285, 0.40245483899193585, 0.3392802673484192, 0.27885565489049935,
	0.22221488349019888, 0.17032709244996558, 0.12408009626051131, 0.08426519384872738,
	0.05156362923365585, 0.026534935252447166, 0.009607359798384776, 0.0010705383806982466,
}

// combine builds the profile of the pieces folded with op over a base
// value, in the order the pieces are given (so that with "last wins" the
// later action wins). A sweep over the pieces' ends: O(n log n + n·k) for
// n pieces of which at most k overlap.
func combine(base float64, ps []piece, op func(a, b float64) float64) *profile {
	if len(ps) == 0 {
		return nil
	}
	type edge struct {
		t     kernel.Time
		piece int
		open  bool
	}
	edges := make([]edge, 0, 2*len(ps))
	for i, p := range ps {
		edges = append(edges, edge{p.from, i, true})
		if p.to != kernel.Forever {
			edges = append(edges, edge{p.to, i, false})
		}
	}
	sort.SliceStable(edges, func(i, j int) bool { return edges[i].t < edges[j].t })
	var active []int // pieces in force, by index
	pr := &profile{base: base}
	for i := 0; i < len(edges); {
		t := edges[i].t
		for ; i < len(edges) && edges[i].t == t; i++ {
			e := edges[i]
			k := sort.SearchInts(active, e.piece)
			if e.open {
				active = append(active, 0)
				copy(active[k+1:], active[k:])
				active[k] = e.piece
			} else {
				active = append(active[:k], active[k+1:]...)
			}
		}
		v := base
		for _, k := range active {
			v = op(v, ps[k].v)
		}
		if n := len(pr.v); (n > 0 && pr.v[n-1] == v) || (n == 0 && v == base) {
			continue
		}
		pr.t = append(pr.t, t)
		pr.v = append(pr.v, v)
	}
	return pr
}

// Schedule is a scenario's schedule compiled into profiles of time that
// the stages read (load, agent cap, slowdown, fault overrides, toxics and
// partitions), a clock-free value: every method takes the time. The crash
// actions are a System's to fire (System.armCrashes), or another driver's.
type Schedule struct {
	load       *profile   // rate multiplier; nil: 1
	agentCap   *profile   // active closed agents; nil: all
	slowdown   *profile   // service multiplier; nil: 1
	errP       *profile   // error probability override; NaN: none
	spikeP     *profile   // spike probability override; NaN: none
	toxicOn    []*profile // by toxic: 1 while a scheduled toxic acts
	partition  []*profile // by group: 1 while cut off
	crashes    []*Action
	armed      bool        // there is something to schedule: crash events are registered
	start, end kernel.Time // the first action's start and the last one's end; end 0 if none ends
}

// NewSchedule compiles the schedule of a validated configuration.
func NewSchedule(cfg *Config) *Schedule {
	sc := &Schedule{start: kernel.Forever}
	acts := cfg.Schedule
	var load, cap, slow, errP, spikeP []piece
	if tr := cfg.Agents.Trace; cfg.Agents.Arrival == TraceArrivals && tr != nil && len(tr.Rates) > 0 {
		// Recorded rates pace Poisson agents of total rate 1/s.
		if first := tr.Rates[0].T; first > 0 {
			load = append(load, piece{0, kernel.Time(kernel.Seconds(first)), 0})
		}
		for i, r := range tr.Rates {
			to := kernel.Forever
			if i+1 < len(tr.Rates) {
				to = kernel.Time(kernel.Seconds(tr.Rates[i+1].T))
			}
			load = append(load, piece{kernel.Time(kernel.Seconds(r.T)), to, r.Rate})
		}
	}
	if len(acts) == 0 && len(load) == 0 {
		return sc
	}
	sc.armed = true
	toxics := make([][]piece, len(cfg.Network.Toxics))
	groups := cfg.groups()
	parts := make([][]piece, len(groups))
	for i := range acts {
		a := &acts[i]
		from, to := a.window()
		sc.start = min(sc.start, from)
		if to != kernel.Forever {
			sc.end = max(sc.end, to)
		}
		switch {
		case a.Load != nil && a.Load.Agents != nil:
			cap = append(cap, piece{from, to, float64(*a.Load.Agents)})
		case a.Load != nil && a.Load.Diurnal != nil:
			load = append(load, a.pieces(0, kernel.Time(kernel.Seconds(cfg.Agents.Horizon)))...)
		case a.Load != nil:
			load = append(load, a.pieces(a.Load.Rate, kernel.Forever)...)
		case a.Slowdown != 0:
			slow = append(slow, a.pieces(a.Slowdown, kernel.Forever)...)
		case a.Faults != nil:
			if p := a.Faults.ErrorProbability; p != nil {
				errP = append(errP, piece{from, to, *p})
			}
			if p := a.Faults.SpikeProbability; p != nil {
				spikeP = append(spikeP, piece{from, to, *p})
			}
		case a.Network != nil:
			for _, name := range a.Network.Toxics {
				for j, t := range cfg.Network.Toxics {
					if t.Name == name {
						toxics[j] = append(toxics[j], piece{from, to, 1})
					}
				}
			}
			for g, spec := range groups {
				if a.Network.PartitionAll || contains(a.Network.Partition, spec.name) {
					parts[g] = append(parts[g], piece{from, to, 1})
				}
			}
		case a.Crash != nil:
			sc.crashes = append(sc.crashes, a)
		}
	}
	mul := func(a, b float64) float64 { return float64(a * b) }
	last := func(_, b float64) float64 { return b }
	sc.load = combine(1, load, mul)
	sc.agentCap = combine(math.Inf(1), cap, math.Min)
	sc.slowdown = combine(1, slow, mul)
	sc.errP = combine(math.NaN(), errP, last)
	sc.spikeP = combine(math.NaN(), spikeP, last)
	for j, t := range cfg.Network.Toxics {
		if t.Scheduled {
			p := combine(0, toxics[j], math.Max)
			if p == nil {
				p = &profile{}
			}
			sc.toxicOn = append(sc.toxicOn, p)
		} else {
			sc.toxicOn = append(sc.toxicOn, nil)
		}
	}
	for g := range parts {
		sc.partition = append(sc.partition, combine(0, parts[g], math.Max))
	}
	return sc
}

// armCrashes registers the crash actions' handlers and schedules their
// crashes and restorations on the system's kernel.
func (s *System) armCrashes() {
	sc := s.sched
	if !sc.armed {
		return
	}
	kCrash := s.sim.Register(func(ev kernel.Event) {
		a := sc.crashes[ev.ID]
		s.workers.crash(a.Crash.Workers, a.Crash.InService == CrashRequeue)
	})
	kRestore := s.sim.Register(func(ev kernel.Event) { s.workers.restore(sc.crashes[ev.ID].Crash.Workers) })
	for i, a := range sc.crashes {
		from, to := a.window()
		s.sim.At(from, kCrash, int64(i), 0)
		if to != kernel.Forever {
			s.sim.At(to, kRestore, int64(i), 0)
		}
	}
}

// Crashes returns the crash actions, in the order the schedule lists them.
func (sc *Schedule) Crashes() []*Action { return sc.crashes }

// Window returns the start and the end of the action's window: end is
// kernel.Forever for an action without For.
func (a *Action) Window() (from, to kernel.Time) { return a.window() }

// Advance returns when work (a think time or inter-arrival gap in the load's
// operational time) started at t0 ends; ok is false if the load stays at 0.
func (sc *Schedule) Advance(t0 kernel.Time, work kernel.Duration) (kernel.Time, bool) {
	if sc.load == nil {
		return t0.Add(work), true
	}
	return sc.load.advance(t0, work)
}

// ActiveFrom returns the first instant from t on when closed agent a may
// be active under the agent cap; false if never again. Without a cap it is
// small enough to be inlined: closed agents ask on every request.
func (sc *Schedule) ActiveFrom(t kernel.Time, a int32) (kernel.Time, bool) {
	if sc.agentCap == nil {
		return t, true
	}
	return sc.capped(t, a)
}

// capped is ActiveFrom under an agent cap.
func (sc *Schedule) capped(t kernel.Time, a int32) (kernel.Time, bool) {
	for {
		if float64(a) < sc.agentCap.at(t) {
			return t, true
		}
		next, ok := sc.agentCap.next(t)
		if !ok {
			return 0, false
		}
		t = next
	}
}

// SlowdownAt returns the service multiplier at t.
func (sc *Schedule) SlowdownAt(t kernel.Time) float64 {
	if sc.slowdown == nil {
		return 1
	}
	return sc.slowdown.at(t)
}

// ErrorProbability and SpikeProbability return the fault probabilities
// scheduled at t; ok is false when none is.
func (sc *Schedule) ErrorProbability(t kernel.Time) (p float64, ok bool) { return override(sc.errP, t) }
func (sc *Schedule) SpikeProbability(t kernel.Time) (p float64, ok bool) {
	return override(sc.spikeP, t)
}

// SetsFaults reports whether the schedule sets a fault probability at any
// time.
func (sc *Schedule) SetsFaults() bool { return sc.errP != nil || sc.spikeP != nil }

// Paced reports whether the schedule paces the load (Advance is not
// simply t0 + work).
func (sc *Schedule) Paced() bool { return sc.load != nil }

// override returns the scheduled value of p at t; ok is false when there is none.
func override(p *profile, t kernel.Time) (float64, bool) {
	if p == nil {
		return 0, false
	}
	x := p.at(t)
	return x, !math.IsNaN(x)
}

// ToxicActive reports whether toxic i acts at t.
func (sc *Schedule) ToxicActive(i int, t kernel.Time) bool {
	if sc.toxicOn == nil || sc.toxicOn[i] == nil {
		return true
	}
	return sc.toxicOn[i].at(t) > 0
}

// Partitioned reports whether group g is cut off at t.
func (sc *Schedule) Partitioned(g int32, t kernel.Time) bool {
	return sc.partition != nil && sc.partition[g] != nil && sc.partition[g].at(t) > 0
}
