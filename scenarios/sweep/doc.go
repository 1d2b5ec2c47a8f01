// Package sweep runs one scenario at many points of a parameter space,
// several replications per point, on every core, and writes one result row
// per run (`agentchaos sweep`, `agentchaos merge`).
//
// A [Spec] (the JSON file given to `agentchaos sweep`, read by [LoadSpec]
// or [ParseSpec]) names a base scenario, fields fixed for every point and
// the swept axes; its design is a full grid or a Latin hypercube. Every
// point is built and validated like a user's scenario file before anything
// runs. [Run] runs a spec, or one [Shard] of it, into a results file;
// [Merge] joins the shards of a sweep into the file an unsharded run would
// have written; [Aggregate] summarises each point over its replications
// ([PointSummary]), which is also written next to the results as
// NAME.points.csv. The format is described at [Header].
//
// Invariants: replication r of every point runs with replicate.Seed of the
// spec's seed and r only, so a row never depends on the point, the
// worker count, the shard or which other rows run, and points are compared
// under common random numbers. Rows are written strictly in run-index order,
// each a whole line in one write, with numbers formatted by strconv: the
// files are byte-identical for any number of workers, interrupted and
// resumed or not, sharded and merged or not, on amd64 and arm64. After a
// crash a file holds whole rows and at most one torn last line, which
// Options.Resume drops. A results file is locked (flock) while a sweep
// writes it: a second sweep of the same file refuses at once.
//
// Units: latencies and break-points in seconds, error rates as fractions.
// Errors in a spec or a results file are *scenarios.Error, naming the field
// or line; nothing here panics on user input.
package sweep
