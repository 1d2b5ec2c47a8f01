package sweep

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/agentchaos/agentchaos/model"
)

// resultRow is one run's result, one line of a results file: the run's
// place, its axis values, and the figures of rowColumns.
type resultRow struct {
	Index, Point, Rep int
	Seed              uint64
	Axes              []string // the axis values as shown (strings unquoted)

	Created    uint64
	Served     uint64
	Failed     uint64
	ErrorRate  float64
	LatencyAvg float64 // seconds
	LatencyP50 float64
	LatencyP95 float64
	LatencyP99 float64
	FinalState model.State
	BreakPoint maybe // seconds; absent for a STABLE run
	Events     uint64

	// The client, network, defence and SLO figures (model.Report's Client,
	// Network, Defences and SLO), zero for a stage the scenario lacks.
	Attempts      uint64  // attempts sent (= Created without a client)
	Amplification float64 // attempts per request
	Goodput       float64 // requests that succeeded for their client, per second
	Throughput    float64 // attempts a worker finished, per second: the server's work
	Retries       uint64  // failed attempts that were tried again
	Zombies       uint64  // attempts served after their client gave up
	ZombieWork    float64 // worker seconds spent on them
	PoolExhausted uint64
	BreakerTrips  uint64
	BreakerOpen   float64 // seconds, summed over agent groups
	BudgetDenied  uint64  // retries the retry budget refused
	Throttled     uint64  // attempts the clients' adaptive throttling kept back
	NetLost       uint64  // messages lost by the network, both directions
	NetReset      uint64  // connections the network reset
	ShedLimit     uint64  // attempts turned away by the concurrency limit
	ShedCoDel     uint64  // attempts CoDel dropped
	ShedPriority  uint64  // attempts displaced by more important ones
	SLO           Verdict
	SLOViolated   maybe // seconds in violation; absent without an SLO
	RecoveryTime  maybe // seconds after the trigger ended; absent unless recovered

	raw []string // JSONL: the axis values as JSON
}

// maybe is a figure that a run may not have (the zero value), written as
// an empty CSV field or a JSON null when absent.
type maybe struct {
	x  float64
	ok bool
}

func some(x float64) maybe { return maybe{x, true} }

func maybeOf(p *float64) maybe {
	if p == nil {
		return maybe{}
	}
	return some(*p)
}

// Verdict is a run's steady-state verdict (model.SLOReport.Verdict), as
// result files write it; NoSLO for a scenario without an SLO. The order is
// from best to worst, so that a tie in a majority goes to the worse.
type Verdict uint8

// Verdicts.
const (
	NoSLO      Verdict = iota
	Held               // the hypothesis held throughout
	Recovered          // violated, and back within tolerance after the trigger
	Unjudged           // too little of the run after the trigger to tell
	Violated           // violated without a trigger that ended
	Metastable         // violated, and not back after the trigger ended
	numVerdicts
)

var verdictNames = [numVerdicts]string{"", "held", "recovered", "unjudged", "violated", "metastable"}

func (v Verdict) String() string { return verdictNames[v] }

// verdictOf maps the model's verdict text to a Verdict.
func verdictOf(slo *model.SLOReport) Verdict {
	if slo == nil {
		return NoSLO
	}
	switch slo.Verdict {
	case model.VerdictHeld:
		return Held
	case model.VerdictRecovered:
		return Recovered
	case model.VerdictViolated:
		return Violated
	case model.VerdictMetastable:
		return Metastable
	}
	return Unjudged
}

// column is one figure of a result row: its name in the header and the
// row's field, a *uint64, *float64, *maybe, *model.State or *Verdict.
type column struct {
	name  string
	field func(r *resultRow) any
}

// rowColumns are the figures of a row, after its index, point, rep, seed
// and axis values. Columns are only ever appended, so that a reader of an
// older file finds the old ones where they were.
var rowColumns = []column{
	{"created", func(r *resultRow) any { return &r.Created }},
	{"served", func(r *resultRow) any { return &r.Served }},
	{"failed", func(r *resultRow) any { return &r.Failed }},
	{"error_rate", func(r *resultRow) any { return &r.ErrorRate }},
	{"latency_avg", func(r *resultRow) any { return &r.LatencyAvg }},
	{"latency_p50", func(r *resultRow) any { return &r.LatencyP50 }},
	{"latency_p95", func(r *resultRow) any { return &r.LatencyP95 }},
	{"latency_p99", func(r *resultRow) any { return &r.LatencyP99 }},
	{"final_state", func(r *resultRow) any { return &r.FinalState }},
	{"break_point", func(r *resultRow) any { return &r.BreakPoint }},
	{"events", func(r *resultRow) any { return &r.Events }},
	{"attempts", func(r *resultRow) any { return &r.Attempts }},
	{"amplification", func(r *resultRow) any { return &r.Amplification }},
	{"goodput", func(r *resultRow) any { return &r.Goodput }},
	{"throughput", func(r *resultRow) any { return &r.Throughput }},
	{"retries", func(r *resultRow) any { return &r.Retries }},
	{"zombies", func(r *resultRow) any { return &r.Zombies }},
	{"zombie_work", func(r *resultRow) any { return &r.ZombieWork }},
	{"pool_exhausted", func(r *resultRow) any { return &r.PoolExhausted }},
	{"breaker_trips", func(r *resultRow) any { return &r.BreakerTrips }},
	{"breaker_open", func(r *resultRow) any { return &r.BreakerOpen }},
	{"budget_denied", func(r *resultRow) any { return &r.BudgetDenied }},
	{"throttled", func(r *resultRow) any { return &r.Throttled }},
	{"net_lost", func(r *resultRow) any { return &r.NetLost }},
	{"net_reset", func(r *resultRow) any { return &r.NetReset }},
	{"shed_limit", func(r *resultRow) any { return &r.ShedLimit }},
	{"shed_codel", func(r *resultRow) any { return &r.ShedCoDel }},
	{"shed_priority", func(r *resultRow) any { return &r.ShedPriority }},
	{"slo_verdict", func(r *resultRow) any { return &r.SLO }},
	{"slo_violated", func(r *resultRow) any { return &r.SLOViolated }},
	{"recovery_time", func(r *resultRow) any { return &r.RecoveryTime }},
}

// columnNames returns the names of rowColumns.
func columnNames() []string {
	out := make([]string, len(rowColumns))
	for i, c := range rowColumns {
		out[i] = c.name
	}
	return out
}

// newRow returns the row of a finished run.
func newRow(index, point, rep int, seed uint64, r *model.Report) resultRow {
	row := resultRow{Index: index, Point: point, Rep: rep, Seed: seed,
		Created: r.Created, Served: r.Served, Failed: r.Failed, ErrorRate: r.ErrorRate,
		LatencyAvg: r.Latency.Avg, LatencyP50: r.Latency.P50, LatencyP95: r.Latency.P95, LatencyP99: r.Latency.P99,
		FinalState: r.FinalState, BreakPoint: maybeOf(r.BreakPoint), Events: r.Events}
	if c := r.Client; c != nil {
		row.Attempts, row.Amplification, row.Goodput, row.Throughput = c.Attempts, c.Amplification, c.Goodput, c.Throughput
		for _, n := range c.RetriedBy {
			row.Retries += n
		}
		row.Zombies, row.ZombieWork = c.Zombies, c.ZombieWork
		row.PoolExhausted, row.BreakerTrips, row.BreakerOpen = c.PoolExhausted, uint64(c.BreakerTrips), c.BreakerOpen
		row.BudgetDenied, row.Throttled = c.BudgetDenied, c.Throttled
	} else {
		// Without a client every request is one attempt, sent at once, and
		// a worker finishes those it serves or fails by a fault.
		row.Attempts, row.Goodput = r.Created, r.Throughput
		if r.Created > 0 {
			row.Amplification = 1
		}
		if r.Duration > 0 {
			row.Throughput = float64(r.Served+r.FailedBy.FaultError) / r.Duration
		}
	}
	if n := r.Network; n != nil {
		for _, t := range n.Toxics {
			row.NetLost += t.Request.Lost + t.Response.Lost
			row.NetReset += t.Request.Reset + t.Response.Reset
		}
	}
	if d := r.Defences; d != nil {
		row.ShedLimit, row.ShedCoDel, row.ShedPriority = d.ShedByLimit, d.ShedByCoDel, d.ShedByClass
		if r.Client == nil {
			row.Throttled = d.Throttled
		}
	}
	if s := r.SLO; s != nil {
		row.SLO, row.SLOViolated, row.RecoveryTime = verdictOf(s), some(s.Violated), maybeOf(s.RecoveryTime)
	}
	return row
}

// appendValue appends a column's value: CSV (empty for an absent figure)
// or JSON (null).
func appendValue(b []byte, field any, jsonl bool) []byte {
	none := func() []byte {
		if jsonl {
			return append(b, "null"...)
		}
		return b
	}
	quoted := func(s string) []byte {
		if jsonl {
			return strconv.AppendQuote(b, s)
		}
		return append(b, s...)
	}
	switch v := field.(type) {
	case *uint64:
		return strconv.AppendUint(b, *v, 10)
	case *float64:
		return appendFloat(b, *v)
	case *maybe:
		if !v.ok {
			return none()
		}
		return appendFloat(b, v.x)
	case *model.State:
		return quoted(v.String())
	case *Verdict:
		if *v == NoSLO {
			return none()
		}
		return quoted(v.String())
	}
	panic(fmt.Sprintf("sweep: column of type %T", field))
}

var stateByName = map[string]model.State{"STABLE": model.Stable, "DEGRADED": model.Degraded, "COLLAPSED": model.Collapsed}

// parseValue reads a column's value from its CSV text (JSON text if jsonl)
// into field.
func parseValue(field any, text string, jsonl bool) error {
	if jsonl && text == "null" {
		text = ""
	}
	unquote := func() (string, error) {
		if !jsonl {
			return text, nil
		}
		var s string
		err := json.Unmarshal([]byte(text), &s)
		return s, err
	}
	var err error
	switch v := field.(type) {
	case *uint64:
		*v, err = strconv.ParseUint(text, 10, 64)
	case *float64:
		*v, err = strconv.ParseFloat(text, 64)
	case *maybe:
		*v = maybe{}
		if text != "" {
			var x float64
			x, err = strconv.ParseFloat(text, 64)
			*v = some(x)
		}
	case *model.State:
		s, uerr := unquote()
		st, ok := stateByName[s]
		if uerr != nil || !ok {
			return fmt.Errorf("bad final_state %s", text)
		}
		*v = st
	case *Verdict:
		*v = NoSLO
		if text == "" {
			return nil
		}
		s, uerr := unquote()
		for k := Held; k < numVerdicts; k++ {
			if uerr == nil && s == verdictNames[k] {
				*v = k
				return nil
			}
		}
		return fmt.Errorf("bad slo_verdict %s", text)
	default:
		panic(fmt.Sprintf("sweep: column of type %T", field))
	}
	return err
}
