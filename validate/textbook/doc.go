// Package textbook asks whether the simulator agrees with queueing theory:
// it runs textbook queues as ordinary scenarios through model.Run, measures
// them from their lifecycle events, and compares the measures with the exact
// values of package queueing by independent replications ([RunSuite],
// `agentchaos validate`).
//
// A [Queue] is M/·/c/(c+B): Poisson arrivals, c identical workers, FCFS and a
// waiting room of B places ([Infinite] for none), run as an ordinary
// model.Config; [QueueFromConfig] recognises a scenario that is one, and a
// collector sink measures a run from its lifecycle events. [Suite] lists
// the textbook configurations of `agentchaos validate`.
//
// Issue 12's client and network stand in front of an M/M/c queue
// ([ClientNetworkSuite]), one at a time: a connection pool of N < c (the
// queue behaves as M/M/N, its waiting in the pool, none at the server); a
// network losing attempts on the request path, with a timeout T and
// immediate retries (a truncated geometric number of attempts, each lost
// one adding T to the latency, the server fed a thinned Poisson stream);
// and a constant delay d each way (d added to every wait, exactly 2d to
// every sojourn, checked request by request, to the nanosecond, against
// the same replication without the network).
//
// The suite runs [Case]s, of which Queue is one: package markov adds
// closed systems with retries solved as Markov chains. Every case of a run
// shares the replications' method below and one Bonferroni family.
//
// The method:
//
//   - Independent replications, each from an empty system with its own seed
//     derived from the root seed (see SuiteOptions.Seed).
//   - Warm-up deletion by a fixed rule, not by inspecting the data: requests
//     created before the warm-up are discarded. The warm-up is the mixing time
//     of the queue's birth–death chain from empty, from its relaxation time
//     (Queue.relaxationTime) and the steady-state probability of the empty
//     system.
//   - Per replication: the blocking fraction, the mean wait and mean sojourn
//     of accepted requests, and the empirical percentile of their sojourns
//     (of waits for M/D/1, of both behind a pool); behind a lossy network,
//     the attempts per request and the share of requests that lost every
//     attempt. A percentile's interval is over these
//     per-replication percentiles; their mean is biased by O(τ/length), which
//     is why replications are long (SuiteOptions.RepRelaxations).
//   - Student-t intervals over replications, with stats.Precision.Replicate's
//     stopping rule: at least MinReps replications, then more until every
//     half-width is within MaxRelErr of its mean (99% and 3% by default), or
//     a cap derived from the request budget. Measures still imprecise at the
//     cap are reported as capped and judged all the same.
//   - The verdict: the analytic value must lie in the interval. With dozens
//     of checks, about 1% of correct 99% intervals miss by chance, so each
//     check is judged on its Bonferroni-widened interval, which makes all of
//     them hold together with 99% confidence; the report also counts the
//     values outside their own 99% interval.
//
// Units: times in seconds, rates per second; λ is the total arrival rate,
// μ = 1/E[S] the service rate of one worker, ρ = λE[S]/c the load per
// worker. Invariants: a report depends only on the configurations and the
// options other than Workers and Progress, never on the number of CPUs; the
// per-replication values are sums of integer nanoseconds in event order, so
// they are the same on every machine. Errors: an invalid or unsolvable
// queue is an error from [Queue.check], a replication that fails is
// reported in its configuration's Error; nothing here panics on user input.
package textbook
