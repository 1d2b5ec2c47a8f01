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
	Mode     string `json:"mode"` // "simulated" or "live"
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

	Events    uint64 `json:"events"`               // kernel events fired (0 in live mode)
	TraceHash string `json:"trace_hash,omitempty"` // hash of the kernel's event trace

	// Timeline holds one sample per control period, for charts.
	Timeline []Sample `json:"-"`
	// Latencies holds every finished request's latency in ns, sorted (Exact mode only).
	Latencies []int64 `json:"-"`
}

// Failures counts failed requests by kind.
type Failures struct {
	QueueOverflow uint64 `json:"QUEUE_OVERFLOW"`
	FaultError    uint64 `json:"FAULT_ERROR"`
	QueueTimeout  uint64 `json:"QUEUE_TIMEOUT"`
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

// TimeInState is how long the detector reported each state, in seconds.
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
		Scenario: cfg.Name, Seed: cfg.Seed, Mode: mode,
		Agents: cfg.Agents.Count, Workers: cfg.Workers.Count, Buffer: cfg.Queue.Buffer,
		Created: t.Created, Served: t.Served, Failed: t.Failed(),
		FailedBy: Failures{t.FailedBy[QueueOverflow], t.FailedBy[FaultError], t.FailedBy[TimedOut]},
		Duration: end.Seconds(),
		Timeline: m.Timeline,
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
	v := decide(m.Timeline, cfg.Detector.FinalFraction)
	r.FinalState = v.State
	if v.BreakPoint >= 0 {
		s := m.Timeline[v.BreakPoint]
		bp := s.T.Seconds()
		r.BreakPoint = &bp
		r.Catalyst = &Catalyst{Rule: s.Rule, Saturation: s.Saturation, Depth: s.Depth,
			Growth: s.Growth, P95: finite(s.P95), P95Ratio: s.P95Ratio}
	}
	period := kernel.Seconds(cfg.Detector.Period)
	r.TimeInState = TimeInState{
		Stable:    (kernel.Duration(v.Periods[Stable]) * period).Seconds(),
		Degraded:  (kernel.Duration(v.Periods[Degraded]) * period).Seconds(),
		Collapsed: (kernel.Duration(v.Periods[Collapsed]) * period).Seconds(),
	}
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
	row("system", "%d agents, %d workers, buffer %d", r.Agents, r.Workers, r.Buffer)
	row("requests", "%d created, %d served, %d failed", r.Created, r.Served, r.Failed)
	row("failures", "QUEUE_OVERFLOW %d, FAULT_ERROR %d, QUEUE_TIMEOUT %d", r.FailedBy.QueueOverflow, r.FailedBy.FaultError, r.FailedBy.QueueTimeout)
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
		row("throttle", "engaged %d times, delayed %d requests by %.2fs in total", r.Throttle.Engagements, r.Throttle.Delayed, r.Throttle.TotalDelay)
	} else {
		row("throttle", "off")
	}
	row("little's law", "L %.4f, λ·W %.4f (rel. error %.1e)", r.Little.L, r.Little.LambdaW, r.Little.RelErr)
	if r.Mode == "simulated" {
		row("events", "%d (trace %s)", r.Events, r.TraceHash)
	}
	return tw.Flush()
}

// String returns the text table.
func (r *Report) String() string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}
