// Package defences compares the overload defences on one scenario
// (`agentchaos defend`): the scenario is run with no defence, then with
// each defence alone — CoDel, LIFO, adaptive LIFO, the AIMD, Vegas and
// Gradient2 concurrency limits, priorities (when it has agent groups), the
// seed's server-side throttle, Google SRE's client-side adaptive
// throttling, a retry budget (when its clients retry) and a circuit
// breaker — each with its published defaults ([Policies]), replicated, and
// the replications of every policy run with the same seeds: the policies
// are compared under common random numbers, so a difference between two of
// them is the policies', not the seeds' ([Compare]).
//
// The result is one row per policy: the mean goodput (requests that
// succeeded for their client, per second), its paired difference to no
// defence, the p99 latency, the error rate, the amplification (attempts per
// request), how many replications ended COLLAPSED and, when the scenario
// has an SLO, how many did not recover; means come with 95% Student-t
// intervals (validate/stats). [WriteChart] draws goodput and p99 by policy
// with their intervals, as SVG and PNG.
//
// Invariants: replication r of every policy runs with
// replicate.Seed(root, r), whatever the number of workers; results are
// gathered in index order, so a comparison is the same on every machine and
// core count. Stripping a scenario of its defences and adding one never
// changes anything else of it.
//
// Units: goodput in requests per second, latency in seconds, rates as
// fractions. Errors: a scenario that fails validation under a policy is an
// error naming the policy; nothing here panics on user input.
package defences
