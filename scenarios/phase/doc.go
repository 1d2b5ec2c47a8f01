// Package phase draws the phase diagram of a two-axis sweep: the final
// state of the system and its mean p95 latency over the grid of the two
// swept parameters, as heat maps (SVG and PNG) made with gonum/plot.
//
// Each cell is one point of the sweep, summarised over its replications
// (sweep.PointSummary). The state map colours a cell by the majority
// final state of its replications (ties go to the worse state) and writes
// the share of replications that ended COLLAPSED in the cell when the grid
// is small enough to read it; the latency map colours a cell by the mean
// over replications of the run's p95 latency, with a colour bar. When the
// swept scenario states a steady-state hypothesis (an SLO), the verdict
// map colours a cell by its replications' majority verdict — held,
// recovered, or did not recover (metastable) — and writes the share that
// did not recover: swept over a trigger's size and the load, it is the
// metastable region, as `agentchaos hysteresis` draws it ([HysteresisSpec]
// builds that sweep).
//
// Axes are drawn as categories in the order of the sweep's values, so log
// ranges and string values are evenly spaced and labelled as written.
//
// Units: latencies in seconds. The images are written through package
// outfile (refused if they exist, unless forced, before anything is
// drawn). Errors: a results file that is not a complete, unsharded
// two-axis grid is a *scenarios.Error; nothing here panics on user input.
package phase
