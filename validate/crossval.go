package validate

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live"
	"github.com/agentchaos/agentchaos/validate/stats"
)

// Cross-validation runs one configuration twice with the same seed, as the
// discrete-event simulation and as the real-concurrency mode (package
// model/live), and asks whether the two agree.
//
// They cannot agree exactly. A live service lasts its simulated time plus
// its worker's timer lateness Λ, which the live run measures
// (live.Lateness). How much that moves a result depends on the scenario: in
// a lightly loaded system latency grows by about Λ itself, while a system at
// the edge of collapse amplifies it — EXP-002's mean latency (provisional
// profile, 10 requests per agent) moved by about +9% when 0.3 ms was added
// to its 12 ms services, and by −16% for 0.1 ms, because the timing of
// rejections, backoff and throttling is chaotic there. A fixed tolerance
// would be too loose for the first kind of system or too tight for the
// second, and would go stale when the profiles are recalibrated. So the
// tolerances are derived per run from the measured Λ:
//
//  1. Replicas: Replicas simulations of the same configuration and seed with
//     workers.overhead increased by δ, for δ spread evenly from Λ's 5th to
//     its 95th percentile. A least-squares line through each result against
//     δ, with its Confidence prediction band (RegressionBand), says where
//     lateness of the measured size can put that result — the line for the
//     systematic shift, the band's width for the chaos around it. The live
//     run counts as one more replica: its mean latency, p95 latency and
//     error rate must lie in the band over δ ∈ [P5, P95], widened by a floor
//     for what the replicas do not model: the lateness of agents' and
//     ticks' timers, lock hand-offs, and Λ's own spread — a replica's
//     services are all late by the same δ, while live lateness varies from
//     service to service, and the tail of the latency picks up the tail of
//     Λ. (Spreading δ up to Λ's p99 instead would bound that last effect
//     outright, but on a busy machine Λ's p99 is 3–6 times its median and
//     the bands become too wide to catch anything.)
//  2. The two-sample Kolmogorov–Smirnov distance between the simulated and
//     the live latencies (gonum's stat.KolmogorovSmirnov) may be at most the
//     top of the same band for the replicas' own distances to the
//     simulation, plus the critical value c(α)·√((n+m)/(n·m)),
//     c(α) = √(−ln(α/2)/2), at significance KSAlpha.
//  3. The live final state must be one the simulation or a replica reached.
//  4. Λ's p95 must stay below MaxLateness of the mean zero-pressure service
//     time, or the comparison says little: raise the scale.
//
// Measurements behind the defaults (development machine: 2 cores shared
// with other jobs, Go 1.26.8, Linux). time.Sleep overshoot for sleeps of 1,
// 2, 5, 10 and 20 ms: median 80–180 µs and p95 90–230 µs for one sleeper in
// a tight loop; 100–260 µs and 190–310 µs for 80; 230–490 µs and
// 310–710 µs for 400. Sparse sleepers, as in the model (services of about
// 12 ms, think times of about 0.85 s), wake later when the machine is busy:
// median 0.6–0.7 ms and p95 1.1–4 ms of wall time at a load average of 4–6
// on the 2 cores. Live runs of EXP-001 and EXP-002 measured Λ (in simulated
// time) with a median of 0.57 ms and a p95 of 1.05 ms at scale 1, a p95 of
// 0.5–1.9 ms at scale 2 depending on the load, and a mean of 0.15 ms and a
// p95 of 0.26 ms at scale 4. Against the provisional profiles' mean service
// of 12–13.5 ms (8.3 ms overhead + 1.375 work units × 2.67 ms, plus spikes)
// that p95 is 8%, 4–14% and 2% of a service. Hence: MaxLateness 0.10
// accepts a busy machine at scale 1 but not an overloaded one (raise the
// scale); LatencyFloor 0.03 is about the median lateness of the agents' and
// ticker's timers relative to a service at scale 1, which the replicas do
// not model; ErrorFloor is half a percentage point, a burst of rejections
// in the reduced runs; KSAlpha 0.001 keeps false alarms rare. The bands move
// with the configuration, since they are simulated: recalibrated profiles
// need no new constants.

// Tolerances are the knobs of a cross-validation's derived tolerances. Zero
// fields take the defaults noted.
type Tolerances struct {
	Replicas     int     // perturbed simulations; default 30
	Confidence   float64 // of the prediction bands over them; default 0.99
	LatencyFloor float64 // added relative tolerance on mean and p95 latency; default 0.03
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
// in [Lo, Hi]. For latencies Diff, Lo and Hi are relative to the
// simulation's value (0.05 is 5%); for the error rate they are differences
// of fractions (0.01 is one percentage point); for a KS distance Diff is the
// distance; for the lateness it is p95 Λ over the mean service time. The
// final state's check has Diff, Lo and Hi 0; its Note says what was
// accepted.
type Check struct {
	Name string  `json:"name"`
	Unit string  `json:"unit"` // one of the Unit constants
	Sim  float64 `json:"sim"`
	Live float64 `json:"live"`
	Diff float64 `json:"diff"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	Pass bool    `json:"pass"`
	Note string  `json:"note,omitempty"`
}

// Units of a Check's Diff, Lo and Hi.
const (
	UnitRelative = "relative" // (live − sim)/sim; Sim and Live in seconds
	UnitPoints   = "fraction" // live − sim, fractions; Sim and Live fractions
	UnitDistance = "distance" // a KS distance in [0, 1]
	UnitState    = "state"    // Sim and Live are model.State values
	UnitLateness = "lateness" // p95 Λ / mean service; Live is p95 Λ in seconds
)

// CrossValidation is the outcome of comparing a live run with the
// simulation of the same configuration and seed.
type CrossValidation struct {
	Scenario    string        `json:"scenario"`
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
}

// CrossValidate runs cfg as a simulation and live, with exact percentiles,
// and compares them. The configuration is copied, not changed. A cancelled
// ctx returns ctx's error and no comparison.
func CrossValidate(ctx context.Context, cfg *model.Config, opt live.Options, tol Tolerances) (*CrossValidation, error) {
	c := *cfg
	c.Telemetry.Percentiles = model.ExactPercentiles
	sim, err := model.Run(&c, model.Options{})
	if err != nil {
		return nil, err
	}
	lv, late, err := live.Run(ctx, &c, opt)
	if err != nil {
		return nil, err
	}
	scale := opt.Scale
	if scale == 0 {
		scale = 1
	}
	return CompareLive(&c, scale, &sim, &lv, late, tol)
}

// MeanService returns cfg's mean service time at zero pressure, in seconds:
// Overhead + E[work]·E[service], plus SpikeProbability·E[spike] when spikes
// stall the worker.
func MeanService(cfg *model.Config) float64 {
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

// CompareLive derives the tolerances for cfg from the live run's lateness
// (see the comment at the top of this file) and compares the simulation's
// report with the live run's. Both reports need exact latencies
// (Report.Latencies). It returns an error for an invalid cfg or tolerances.
func CompareLive(cfg *model.Config, scale float64, sim, lv *model.Report, late live.Lateness, tol Tolerances) (*CrossValidation, error) {
	tol = tol.withDefaults()
	if tol.Replicas < 1 || !(tol.Confidence > 0 && tol.Confidence < 1) || !(tol.LatencyFloor >= 0) ||
		!(tol.ErrorFloor >= 0) || !(tol.KSAlpha > 0 && tol.KSAlpha < 1) || !(tol.MaxLateness > 0) {
		return nil, fmt.Errorf("validate: invalid tolerances %+v", tol)
	}
	if (sim.Served > 0 && sim.Latencies == nil) || (lv.Served > 0 && lv.Latencies == nil) {
		return nil, fmt.Errorf("validate: cross-validation needs exact latencies (telemetry.percentiles %q)", model.ExactPercentiles)
	}
	cv := &CrossValidation{Scenario: cfg.Name, Seed: cfg.Seed, Scale: scale, Requests: cfg.Agents.RequestsPerAgent,
		Lateness: late, MeanService: MeanService(cfg), Sim: *sim, Live: *lv}

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
	// (see RegressionBand), or f(sim) without replicas.
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
func (cv *CrossValidation) WriteText(w io.Writer) error {
	s, l := &cv.Sim, &cv.Live
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, sv, lv string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", k, sv, lv) }
	f := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	fmt.Fprintf(tw, "%s (seed %d, %d requests per agent, live at scale %g)\n", cv.Scenario, cv.Seed, cv.Requests, cv.Scale)
	row("", "SIMULATED", "LIVE")
	row("created", f("%d", s.Created), f("%d", l.Created))
	row("served", f("%d", s.Served), f("%d", l.Served))
	row("failed", f("%d", s.Failed), f("%d", l.Failed))
	row("  QUEUE_OVERFLOW", f("%d", s.FailedBy.QueueOverflow), f("%d", l.FailedBy.QueueOverflow))
	row("  FAULT_ERROR", f("%d", s.FailedBy.FaultError), f("%d", l.FailedBy.FaultError))
	row("  QUEUE_TIMEOUT", f("%d", s.FailedBy.QueueTimeout), f("%d", l.FailedBy.QueueTimeout))
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
	if err := tw.Flush(); err != nil {
		return err
	}
	lt := cv.Lateness
	fmt.Fprintf(w, "\nlive service lateness Λ (simulated time): mean %.3gms, median %.3gms, p95 %.3gms, max %.3gms over %d services; %d replicas\n\n",
		1e3*lt.Mean, 1e3*lt.P50, 1e3*lt.P95, 1e3*lt.Max, lt.Count, cv.Replicas)

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
			sv, lv, dv, lim = f("%.4fs", c.Sim), f("%.4fs", c.Live), f("%+.1f%%", 100*c.Diff), f("%+.1f%% .. %+.1f%%", 100*c.Lo, 100*c.Hi)
		case UnitPoints:
			sv, lv, dv, lim = f("%.2f%%", 100*c.Sim), f("%.2f%%", 100*c.Live), f("%+.2f pt", 100*c.Diff), f("%+.2f .. %+.2f pt", 100*c.Lo, 100*c.Hi)
		case UnitDistance:
			dv, lim = f("%.4f", c.Diff), f("≤ %.4f", c.Hi)
		case UnitState:
			sv, lv = model.State(c.Sim).String(), model.State(c.Live).String()
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
		_, err := fmt.Fprintln(w, "\nPASS: the live run agrees with the simulation within tolerances")
		return err
	}
	_, err := fmt.Fprintln(w, "\nFAIL: the live run differs from the simulation beyond tolerances")
	return err
}
