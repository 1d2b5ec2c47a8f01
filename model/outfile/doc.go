// Package outfile is the one way agentchaos writes its output files: sweep
// results and aggregates, merged sweeps, phase diagrams, traces, report
// directories and calibrated profiles all go through it.
//
// A file is written into a temporary file beside its target, synced to
// disk and renamed into place ([Write], or [Create] for a file written as a
// long run goes, such as a trace), so no reader ever sees it half-written
// and a failure leaves the target as it was. A report directory is written
// the same way as a whole ([WriteDir]).
//
// Invariants: no temporary file or directory outlives a call that
// returned, and a name is never left half-written.
package outfile
