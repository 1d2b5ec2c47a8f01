package crossval

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live"
	"github.com/agentchaos/agentchaos/model/live/httplive"
	"github.com/agentchaos/agentchaos/validate/stats"
)

// Tolerances are the knobs of a cross-validation's derived tolerances. Zero
// fields take the defaults noted.
type Tolerances struct {
	Replicas   int     // perturbed simulations; default 30
	Confidence float64 // of the prediction bands over them; default 0.99
	// LatencyFloor is the added relative tolerance on mean and p95 latency
	// and, with a client, on its amplification and pool wait; default 0.03.
	LatencyFloor float64
	ErrorFloor   float64 // added tolerance on the error rate, a fraction; default 0.005
	KSAlpha      float64 // significance of the KS critical value; default 0.001
	MaxLateness  float64 // largest p95 of Λ over the mean service time; default 0.10
}

func (t Tolerances) withDefaults() Tolerances {
	if t.Replicas == 0 {
		t.Replicas = 30
	}
	if t.Confidence == 0 {
		t.Confidence = 0.99
	}
	if t.LatencyFloor == 0 {
		t.LatencyFloor = 0.03
	}
	if t.ErrorFloor == 0 {
		t.ErrorFloor = 0.005
	}
	if t.KSAlpha == 0 {
		t.KSAlpha = 0.001
	}
	if t.MaxLateness == 0 {
		t.MaxLateness = 0.10
	}
	return t
}

// Check is one comparison of a cross-validation: it passes when Diff lies
// in [Lo, Hi]. For latencies, a client's amplification (attempts per
// request) and its pool's p95 wait, Diff, Lo and Hi are relative to the
// simulation's value (0.05 is 5%), and SimUnit is the unit of Sim and Live
// ("" for seconds); for the error rate they are
// differences of fractions (0.01 is one percentage point); for a KS
// distance Diff is the distance; for the lateness it is p95 Λ over the
// mean service time. The final state's check and the steady-state
// hypothesis's verdict have Diff, Lo and Hi 0; their Note says what was
// accepted, and a verdict's SimText and LiveText are the verdicts.
type Check struct {
	Name     string  `json:"name"`
	Unit     string  `json:"unit"` // one of the Unit constants
	Sim      float64 `json:"sim"`
	Live     float64 `json:"live"`
	SimUnit  string  `json:"sim_unit,omitempty"`
	SimText  string  `json:"sim_text,omitempty"`
	LiveText string  `json:"live_text,omitempty"`
	Diff     float64 `json:"diff"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
	Pass     bool    `json:"pass"`
	Note     string  `json:"note,omitempty"`
}

// Units of a Check's Diff, Lo and Hi.
const (
	UnitRelative = "relative" // (live − sim)/sim; Sim and Live in seconds
	UnitPoints   = "fraction" // live − sim, fractions; Sim and Live fractions
	UnitDistance = "distance" // a KS distance in [0, 1]
	UnitState    = "state"    // Sim and Live are model.State values
	UnitVerdict  = "verdict"  // SimText and LiveText are SLO verdicts
	UnitLateness = "lateness" // p95 Λ / mean service; Live is p95 Λ in seconds
)

// Result is the outcome of comparing a live run with the
// simulation of the same configuration and seed.
type Result struct {
	Scenario string `json:"scenario"`
	// Mode is the live run's: "live" (package live) or "http" (package
	// httplive).
	Mode        string        `json:"mode"`
	Seed        uint64        `json:"seed"`
	Scale       float64       `json:"scale"`
	Requests    int           `json:"requests_per_agent"`
	Lateness    live.Lateness `json:"lateness"`     // of the live run's services, simulated seconds
	MeanService float64       `json:"mean_service"` // zero-pressure mean service time, s
	Replicas    int           `json:"replicas"`     // perturbed simulations run
	Checks      []Check       `json:"checks"`
	Pass        bool          `json:"pass"`
	Sim         model.Report  `json:"sim"`
	Live        model.Report  `json:"live"`
	// HTTP is what an HTTP run measured: its lateness (which is Lateness
	// here: the time each answered attempt took beyond what the model
	// accounts for), its service timers' lateness, the connections the
	// server saw at once.
	HTTP *httplive.Stats `json:"http,omitempty"`
}

// Run runs cfg as a simulation and live, with exact percentiles,
// and compares them. The configuration is copied, not changed. A cancelled
// ctx returns ctx's error and no comparison.
func Run(ctx context.Context, cfg *model.Config, opt live.Options, tol Tolerances) (*Result, error) {
	return runBoth(cfg, opt.Scale, tol, func(c *model.Config) (model.Report, live.Lateness, error) {
		return live.Run(ctx, c, opt)
	})
}

// RunHTTP runs cfg as a simulation and over real HTTP (package httplive:
// real clients, connection pools, a real server and a fault proxy), with
// exact percentiles, and compares them. The tolerances come from the HTTP
// run's lateness: for each attempt a worker answered, the time its client
// measured beyond what the model accounts for (timers, sockets, the HTTP
// stack), as the package doc describes for timer lateness. A target run
// (opt.Target) is not a cross-validation: it is refused.
func RunHTTP(ctx context.Context, cfg *model.Config, opt httplive.Options, tol Tolerances) (*Result, error) {
	if opt.Target != "" {
		return nil, fmt.Errorf("validate: cross-validation runs the built-in server, not a target")
	}
	var st httplive.Stats
	res, err := runBoth(cfg, opt.Scale, tol, func(c *model.Config) (rep model.Report, late live.Lateness, err error) {
		rep, st, err = httplive.Run(ctx, c, opt)
		return rep, st.Lateness, err
	})
	if err != nil {
		return nil, err
	}
	res.HTTP = &st
	return res, nil
}

// runBoth runs a copy of cfg, with exact percentiles, as a simulation and
// with run at the given scale (0 means 1), and compares them.
func runBoth(cfg *model.Config, scale float64, tol Tolerances, run func(*model.Config) (model.Report, live.Lateness, error)) (*Result, error) {
	c := *cfg
	c.Telemetry.Percentiles = model.ExactPercentiles
	sim, err := model.Run(&c, model.Options{})
	if err != nil {
		return nil, err
	}
	lv, late, err := run(&c)
	if err != nil {
		return nil, err
	}
	if scale == 0 {
		scale = 1
	}
	return compareLive(&c, scale, &sim, &lv, late, tol)
}

// meanService returns cfg's mean service time at zero pressure, in seconds:
// Overhead + E[work]·E[service], plus SpikeProbability·E[spike] when spikes
// stall the worker.
func meanService(cfg *model.Config) float64 {
	var w, ww float64
	for _, t := range cfg.Agents.Mix {
		w += t.Weight
		ww += t.Weight * t.Work
	}
	s := cfg.Workers.Overhead + ww/w*cfg.Workers.Service.MeanValue()
	// A spike stalls the worker unless it is in the response.
	if p := cfg.Faults.SpikeProbability; p > 0 && !cfg.Faults.SpikeInResponse {
		s += p * cfg.Faults.SpikeDuration.MeanValue()
	}
	return s
}

// compareLive derives the tolerances for cfg from the live run's lateness
// (see the package documentation) and compares the simulation's
// report with the live run's. Both reports need exact latencies
// (Report.Latencies). It returns an error for an invalid cfg or tolerances.
func compareLive(cfg *model.Config, scale float64, sim, lv *model.Report, late live.Lateness, tol Tolerances) (*Result, error) {
	tol = tol.withDefaults()
	if tol.Replicas < 1 || !(tol.Confidence > 0 && tol.Confidence < 1) || !(tol.LatencyFloor >= 0) ||
		!(tol.ErrorFloor >= 0) || !(tol.KSAlpha > 0 && tol.KSAlpha < 1) || !(tol.MaxLateness > 0) {
		return nil, fmt.Errorf("validate: invalid tolerances %+v", tol)
	}
	if (sim.Served > 0 && sim.Latencies == nil) || (lv.Served > 0 && lv.Latencies == nil) {
		return nil, fmt.Errorf("validate: cross-validation needs exact latencies (telemetry.percentiles %q)", model.ExactPercentiles)
	}
	cv := &Result{Scenario: cfg.Name, Mode: lv.Mode, Seed: cfg.Seed, Scale: scale, Requests: cfg.Agents.RequestsPerAgent,
		Lateness: late, MeanService: meanService(cfg), Sim: *sim, Live: *lv}

	// The replicas: δ spread evenly over [P5, P95] of Λ. Without
	// lateness (under testing/synctest) there are none and the bands are
	// the simulation's values.
	var reps []*model.Report
	var deltas []float64
	if late.P95 > 0 {
		for i := range tol.Replicas {
			c := *cfg
			delta := late.P5 + (late.P95-late.P5)*float64(i)/float64(max(tol.Replicas-1, 1))
			c.Workers.Overhead += delta
			r, err := model.Run(&c, model.Options{})
			if err != nil {
				return nil, err
			}
			reps, deltas = append(reps, &r), append(deltas, delta)
		}
		cv.Replicas = len(reps)
	}
	// interval is the band the replicas predict for f over δ ∈ [P5, P95]
	// (see stats.RegressionBand), or f(sim) without replicas.
	interval := func(f func(*model.Report) float64) (lo, hi float64) {
		if len(reps) == 0 {
			return f(sim), f(sim)
		}
		xs := make([]float64, len(reps))
		for i, r := range reps {
			xs[i] = f(r)
		}
		return stats.RegressionBand(deltas, xs, late.P5, late.P95, tol.Confidence)
	}

	rel := func(name string, s, l float64, f func(*model.Report) float64) Check {
		lo, hi := interval(f)
		c := Check{Name: name, Unit: UnitRelative, Sim: s, Live: l, Diff: relDiff(s, l)}
		if s > 0 {
			c.Lo, c.Hi = (lo-s)/s-tol.LatencyFloor, (hi-s)/s+tol.LatencyFloor
		}
		c.Pass = c.Lo <= c.Diff && c.Diff <= c.Hi
		return c
	}
	cv.Checks = append(cv.Checks,
		rel("mean latency", sim.Latency.Avg, lv.Latency.Avg, func(r *model.Report) float64 { return r.Latency.Avg }),
		rel("p95 latency", sim.Latency.P95, lv.Latency.P95, func(r *model.Report) float64 { return r.Latency.P95 }))

	lo, hi := interval(func(r *model.Report) float64 { return r.ErrorRate })
	errC := Check{Name: "error rate", Unit: UnitPoints, Sim: sim.ErrorRate, Live: lv.ErrorRate, Diff: lv.ErrorRate - sim.ErrorRate,
		Lo: lo - sim.ErrorRate - tol.ErrorFloor, Hi: hi - sim.ErrorRate + tol.ErrorFloor}
	errC.Pass = errC.Lo <= errC.Diff && errC.Diff <= errC.Hi
	cv.Checks = append(cv.Checks, errC)

	// The client's figures, when it has a timeout, retries, a budget, a
	// breaker or a pool (or the network has toxics): what timeouts and
	// retries do to the load, and how long attempts wait for a connection.
	// (Its goodput is not compared: a rate over the run's duration, it
	// moves with the lateness of every timer at the run's end, which the
	// replicas do not model; the error rate already says how many requests
	// failed.)
	if sim.Client != nil && lv.Client != nil {
		c := rel("amplification", sim.Client.Amplification, lv.Client.Amplification,
			func(r *model.Report) float64 { return r.Client.Amplification })
		c.SimUnit = "×"
		cv.Checks = append(cv.Checks, c)
		if poolWaitP95(sim) > 0 && poolWaitP95(lv) > 0 {
			cv.Checks = append(cv.Checks, rel("pool wait p95", poolWaitP95(sim), poolWaitP95(lv), poolWaitP95))
		}
	}

	simLat, liveLat := seconds(sim.Latencies), seconds(lv.Latencies)
	d := stats.KS(simLat, liveLat)
	ksC := Check{Name: "KS distance", Unit: UnitDistance, Live: d, Diff: d, Hi: 1}
	if n, m := float64(len(simLat)), float64(len(liveLat)); n > 0 && m > 0 {
		cAlpha := math.Sqrt(-math.Log(tol.KSAlpha/2) / 2)
		_, shift := interval(func(r *model.Report) float64 { return stats.KS(simLat, seconds(r.Latencies)) })
		ksC.Hi = min(1, cAlpha*math.Sqrt((n+m)/(n*m))+max(shift, 0))
		ksC.Note = fmt.Sprintf("n=%d m=%d α=%g, replicas up to %.3f", len(simLat), len(liveLat), tol.KSAlpha, max(shift, 0))
	}
	ksC.Pass = d <= ksC.Hi
	cv.Checks = append(cv.Checks, ksC)

	states := map[model.State]bool{sim.FinalState: true}
	for _, r := range reps {
		states[r.FinalState] = true
	}
	var seen []string
	for _, s := range []model.State{model.Stable, model.Degraded, model.Collapsed} {
		if states[s] {
			seen = append(seen, s.String())
		}
	}
	cv.Checks = append(cv.Checks, Check{Name: "final state", Unit: UnitState, Sim: float64(sim.FinalState), Live: float64(lv.FinalState),
		Pass: states[lv.FinalState], Note: "accepted: " + strings.Join(seen, ", ")})

	// The steady-state hypothesis's verdict, when the scenario states one:
	// one the simulation or a replica reached.
	if sim.SLO != nil && lv.SLO != nil {
		accepted := []string{sim.SLO.Verdict}
		for _, r := range reps {
			if r.SLO != nil && !slices.Contains(accepted, r.SLO.Verdict) {
				accepted = append(accepted, r.SLO.Verdict)
			}
		}
		cv.Checks = append(cv.Checks, Check{Name: "SLO verdict", Unit: UnitVerdict, SimText: sim.SLO.Verdict,
			LiveText: lv.SLO.Verdict, Pass: slices.Contains(accepted, lv.SLO.Verdict),
			Note: "accepted: " + strings.Join(accepted, ", ")})
	}

	lateC := Check{Name: "p95 lateness", Unit: UnitLateness, Live: late.P95, Hi: tol.MaxLateness,
		Note: fmt.Sprintf("of the mean service %.4gs; raise the scale if it fails", cv.MeanService)}
	lateC.Diff = late.P95 / cv.MeanService // +Inf (fail) for a zero service with lateness
	if late.P95 == 0 {
		lateC.Diff = 0
	}
	lateC.Pass = lateC.Diff <= lateC.Hi
	cv.Checks = append(cv.Checks, lateC)

	cv.Pass = true
	for _, c := range cv.Checks {
		cv.Pass = cv.Pass && c.Pass
	}
	return cv, nil
}

// poolWaitP95 returns the p95 of the waits for a connection, 0 without a
// pool or without waits.
func poolWaitP95(r *model.Report) float64 {
	if r.Client == nil || r.Client.PoolWait == nil {
		return 0
	}
	return r.Client.PoolWait.P95
}

// relDiff is (l − s)/s, 0 when both are 0 and +Inf when only s is.
func relDiff(s, l float64) float64 {
	switch {
	case s != 0:
		return (l - s) / s
	case l == 0:
		return 0
	}
	return math.Inf(1)
}

// seconds converts sorted nanosecond latencies to sorted seconds.
func seconds(ns []int64) []float64 {
	out := make([]float64, len(ns))
	for i, x := range ns {
		out[i] = float64(x) / 1e9
	}
	return out
}

// FitRequests returns the largest per-agent budget, at most cfg's own (or,
// without one, what its horizon lets an agent create), whose simulated run
// takes at most wall seconds when played at the given scale, so a live run
// of it takes about that long; 1 if none fits. It runs the simulation a
// few times (a binary search) and returns an error for an invalid cfg.
func FitRequests(cfg *model.Config, wall, scale float64) (int, error) {
	c := *cfg
	full, err := model.Run(&c, model.Options{})
	if err != nil {
		return 0, err
	}
	hi := cfg.Agents.RequestsPerAgent
	if hi == 0 {
		hi = int((full.Created + uint64(cfg.Agents.Count) - 1) / uint64(cfg.Agents.Count))
	}
	if full.Duration*scale <= wall {
		return max(hi, 1), nil
	}
	lo := 1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		c.Agents.RequestsPerAgent = mid
		r, err := model.Run(&c, model.Options{})
		if err != nil {
			return 0, err
		}
		if r.Duration*scale <= wall {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

// WriteText prints the two reports side by side, then the checks and the
// verdict.
func (cv *Result) WriteText(w io.Writer) error {
	s, l := &cv.Sim, &cv.Live
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, sv, lv string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", k, sv, lv) }
	f := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	fmt.Fprintf(tw, "%s (seed %d, %d requests per agent, %s at scale %g)\n", cv.Scenario, cv.Seed, cv.Requests, cv.Mode, cv.Scale)
	row("", "SIMULATED", strings.ToUpper(cv.Mode))
	row("created", f("%d", s.Created), f("%d", l.Created))
	row("served", f("%d", s.Served), f("%d", l.Served))
	row("failed", f("%d", s.Failed), f("%d", l.Failed))
	row("  QUEUE_OVERFLOW", f("%d", s.FailedBy.QueueOverflow), f("%d", l.FailedBy.QueueOverflow))
	row("  FAULT_ERROR", f("%d", s.FailedBy.FaultError), f("%d", l.FailedBy.FaultError))
	row("  QUEUE_TIMEOUT", f("%d", s.FailedBy.QueueTimeout), f("%d", l.FailedBy.QueueTimeout))
	for _, k := range []struct {
		name string
		s, l uint64
	}{
		{"CLIENT_TIMEOUT", s.FailedBy.ClientTimeout, l.FailedBy.ClientTimeout},
		{"DEADLINE_EXCEEDED", s.FailedBy.DeadlineExceeded, l.FailedBy.DeadlineExceeded},
		{"POOL_EXHAUSTED", s.FailedBy.PoolExhausted, l.FailedBy.PoolExhausted},
		{"CONNECT_TIMEOUT", s.FailedBy.ConnectTimeout, l.FailedBy.ConnectTimeout},
		{"CONNECTION_RESET", s.FailedBy.ConnectionReset, l.FailedBy.ConnectionReset},
		{"CIRCUIT_OPEN", s.FailedBy.CircuitOpen, l.FailedBy.CircuitOpen},
		{"CRASHED", s.FailedBy.Crashed, l.FailedBy.Crashed},
		{"SHED", s.FailedBy.Shed, l.FailedBy.Shed},
		{"THROTTLED", s.FailedBy.Throttled, l.FailedBy.Throttled},
	} {
		if k.s > 0 || k.l > 0 { // the client's, the network's and the defences' kinds when there are any
			row("  "+k.name, f("%d", k.s), f("%d", k.l))
		}
	}
	row("error rate", f("%.2f%%", 100*s.ErrorRate), f("%.2f%%", 100*l.ErrorRate))
	for _, q := range []struct {
		name string
		s, l float64
	}{{"latency avg", s.Latency.Avg, l.Latency.Avg}, {"latency p50", s.Latency.P50, l.Latency.P50},
		{"latency p95", s.Latency.P95, l.Latency.P95}, {"latency p99", s.Latency.P99, l.Latency.P99},
		{"latency max", s.Latency.Max, l.Latency.Max}} {
		row(q.name, f("%.4fs", q.s), f("%.4fs", q.l))
	}
	row("throughput", f("%.1f req/s", s.Throughput), f("%.1f req/s", l.Throughput))
	row("duration", f("%.3fs", s.Duration), f("%.3fs", l.Duration))
	row("final state", s.FinalState.String(), l.FinalState.String())
	bp := func(r *model.Report) string {
		if r.BreakPoint == nil {
			return "-"
		}
		return f("%.3fs (%s)", *r.BreakPoint, r.Catalyst.Rule)
	}
	row("break-point", bp(s), bp(l))
	tis := func(r *model.Report) string {
		return f("%.2f/%.2f/%.2fs", r.TimeInState.Stable, r.TimeInState.Degraded, r.TimeInState.Collapsed)
	}
	row("stable/degraded/collapsed", tis(s), tis(l))
	row("throttle delayed", f("%d", s.Throttle.Delayed), f("%d", l.Throttle.Delayed))
	row("little's law L", f("%.4f", s.Little.L), f("%.4f", l.Little.L))
	if s.Client != nil && l.Client != nil {
		sc, lc := s.Client, l.Client
		row("attempts", f("%d", sc.Attempts), f("%d", lc.Attempts))
		row("amplification", f("%.3f×", sc.Amplification), f("%.3f×", lc.Amplification))
		row("goodput", f("%.2f req/s", sc.Goodput), f("%.2f req/s", lc.Goodput))
		row("retried", sc.RetriedBy.String(), lc.RetriedBy.String())
		row("zombies", f("%d", sc.Zombies), f("%d", lc.Zombies))
		if sc.PoolWait != nil && lc.PoolWait != nil {
			row("pool wait p95", f("%.4fs", sc.PoolWait.P95), f("%.4fs", lc.PoolWait.P95))
			row("pool exhausted", f("%d", sc.PoolExhausted), f("%d", lc.PoolExhausted))
		}
	}
	if s.SLO != nil && l.SLO != nil {
		row("SLO verdict", s.SLO.Verdict, l.SLO.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lt := cv.Lateness
	what := "services"
	if cv.HTTP != nil {
		what = "answered attempts (timers, sockets, HTTP, scheduling)"
	}
	fmt.Fprintf(w, "\n%s lateness Λ (simulated time): mean %.3gms, median %.3gms, p95 %.3gms, max %.3gms over %d %s; %d replicas\n",
		cv.Mode, 1e3*lt.Mean, 1e3*lt.P50, 1e3*lt.P95, 1e3*lt.Max, lt.Count, what, cv.Replicas)
	if h := cv.HTTP; h != nil {
		sv := h.Service
		fmt.Fprintf(w, "of which the server's service timers: median %.3gms, p95 %.3gms; at most %d connections open at the server, %d in a client's pool\n",
			1e3*sv.P50, 1e3*sv.P95, h.MaxConnections, h.PoolConnections)
	}
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSIM\tLIVE\tDIFF\tALLOWED\tRESULT")
	for _, c := range cv.Checks {
		verdict := "ok"
		if !c.Pass {
			verdict = "FAIL"
		}
		var sv, lv, dv, lim string
		switch c.Unit {
		case UnitRelative:
			unit := c.SimUnit
			if unit == "" {
				unit = "s"
			}
			sv, lv, dv, lim = f("%.4f%s", c.Sim, unit), f("%.4f%s", c.Live, unit), f("%+.1f%%", 100*c.Diff), f("%+.1f%% .. %+.1f%%", 100*c.Lo, 100*c.Hi)
		case UnitPoints:
			sv, lv, dv, lim = f("%.2f%%", 100*c.Sim), f("%.2f%%", 100*c.Live), f("%+.2f pt", 100*c.Diff), f("%+.2f .. %+.2f pt", 100*c.Lo, 100*c.Hi)
		case UnitDistance:
			dv, lim = f("%.4f", c.Diff), f("≤ %.4f", c.Hi)
		case UnitState:
			sv, lv = model.State(c.Sim).String(), model.State(c.Live).String()
		case UnitVerdict:
			sv, lv = c.SimText, c.LiveText
		case UnitLateness:
			lv, dv, lim = f("%.3gms", 1e3*c.Live), f("%.1f%%", 100*c.Diff), f("≤ %.0f%%", 100*c.Hi)
		}
		if c.Note != "" {
			verdict += "  (" + c.Note + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, sv, lv, dv, lim, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if cv.Pass {
		_, err := fmt.Fprintf(w, "\nPASS: the %s run agrees with the simulation within tolerances\n", cv.Mode)
		return err
	}
	var failed []string
	for _, c := range cv.Checks {
		if !c.Pass {
			failed = append(failed, c.Name)
		}
	}
	_, err := fmt.Fprintf(w, "\nFAIL: the %s run differs from the simulation beyond tolerances: %s\n", cv.Mode, strings.Join(failed, ", "))
	return err
}
