package reproduce

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/agentchaos/agentchaos/model"
)

// Published is one row of the seed system's recorded validation table,
// exactly as printed. It is the calibration target and the comparison
// column; it never enters a model or an output path otherwise.
type Published struct {
	Scenario                string
	Agents, Workers, Buffer int
	AvgLatency              string // seconds, 3 decimals, e.g. "0.145s"
	P95Latency              string // seconds, 3 decimals
	ErrorRate               string // percent, 2 decimals, e.g. "14.20%"
	State                   model.State
}

// Table is EXP-001/002/003 as published.
var Table = []Published{
	{"EXP-001", 80, 12, 200, "0.012s", "0.015s", "0.00%", model.Stable},
	{"EXP-002", 400, 4, 80, "0.145s", "0.284s", "14.20%", model.Degraded},
	{"EXP-003", 1000, 2, 50, "0.412s", "0.892s", "42.65%", model.Collapsed},
}

// Value parses a printed cell ("0.145s", "14.20%") into seconds or a fraction.
func Value(cell string) float64 {
	if s, ok := strings.CutSuffix(cell, "%"); ok {
		v, _ := strconv.ParseFloat(s, 64)
		return v / 100
	}
	v, _ := strconv.ParseFloat(strings.TrimSuffix(cell, "s"), 64)
	return v
}

// Report returns the row's figures as a report would hold them: system
// size, Latency.Avg and P95 in seconds, ErrorRate as a fraction and
// FinalState, for pages that set a run beside its row (model/charts).
func (p Published) Report() model.Report {
	return model.Report{Scenario: p.Scenario, Agents: p.Agents, Workers: p.Workers, Buffer: p.Buffer,
		Latency:   model.Latency{Avg: Value(p.AvgLatency), P95: Value(p.P95Latency)},
		ErrorRate: Value(p.ErrorRate), FinalState: p.State}
}

// printed formats a simulated report's cells at the table's precision:
// seconds to 3 decimals, percent to 2, state exact.
func printed(r *model.Report) (avg, p95, errRate, state string) {
	return fmt.Sprintf("%.3fs", r.Latency.Avg), fmt.Sprintf("%.3fs", r.Latency.P95),
		fmt.Sprintf("%.2f%%", 100*r.ErrorRate), r.FinalState.String()
}

// Cell is one compared cell.
type Cell struct {
	Name      string `json:"name"`
	Published string `json:"published"`
	Simulated string `json:"simulated"`
	Match     bool   `json:"match"`
}

// Comparison is one experiment's published row beside its simulation.
type Comparison struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	Agents   int    `json:"agents"`
	Workers  int    `json:"workers"`
	Buffer   int    `json:"buffer"`
	Cells    []Cell `json:"cells"`
}

// Matches counts the matching cells.
func (c *Comparison) Matches() int {
	n := 0
	for _, cell := range c.Cells {
		if cell.Match {
			n++
		}
	}
	return n
}

// Compare sets a report beside its published row. The system's size must
// agree with the row; a mismatch is an error, not a mismatching cell.
func Compare(p Published, r *model.Report) (Comparison, error) {
	if r.Agents != p.Agents || r.Workers != p.Workers || r.Buffer != p.Buffer {
		return Comparison{}, fmt.Errorf("%s: simulated %d agents, %d workers, buffer %d; published %d, %d, %d",
			p.Scenario, r.Agents, r.Workers, r.Buffer, p.Agents, p.Workers, p.Buffer)
	}
	avg, p95, er, st := printed(r)
	cell := func(name, pub, sim string) Cell { return Cell{name, pub, sim, pub == sim} }
	return Comparison{
		Scenario: p.Scenario, Seed: r.Seed, Agents: r.Agents, Workers: r.Workers, Buffer: r.Buffer,
		Cells: []Cell{
			cell("avg_latency", p.AvgLatency, avg),
			cell("p95_latency", p.P95Latency, p95),
			cell("error_rate", p.ErrorRate, er),
			cell("state", p.State.String(), st),
		},
	}, nil
}
