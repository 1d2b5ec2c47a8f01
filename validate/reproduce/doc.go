// Package reproduce sets the simulator beside the seed system's published
// table: [Table] is EXP-001/002/003 exactly as printed, [Compare] judges a
// run's report against its row at the printed precision, [Run] simulates
// each experiment on its profile's own seed and compares, and [Spread]
// summarises each cell over further seeds (`agentchaos reproduce`).
//
// The table is the calibration target (package calibrate) and the
// comparison column; it never enters a model or an output path otherwise.
//
// Units: latencies in seconds, printed to 3 decimals ("0.145s"); error
// rates as fractions, printed as percent to 2 decimals ("14.20%"); a cell
// matches when both sides print the same. A published figure is a rounded
// number, so over further seeds it stands for the interval of values that
// print as it (0.012s for [0.0115, 0.0125]). Invariants: results are reduced
// in table and seed order, so they do not depend on the number of workers.
// Errors: a report of another system size than its row is an error, not a
// mismatching cell; nothing here panics on user input.
package reproduce
