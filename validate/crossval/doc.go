// Package crossval compares the two modes of one scenario: it runs a
// configuration with the same seed as the discrete-event simulation
// (model.Run) and with real concurrency (package model/live), and asks
// whether the two agree ([Run], `agentchaos crossval`).
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
//     δ, with its Confidence prediction band (stats.RegressionBand), says where
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
//     the live latencies (stats.KS) may be at most the
//     top of the same band for the replicas' own distances to the
//     simulation, plus the critical value c(α)·√((n+m)/(n·m)),
//     c(α) = √(−ln(α/2)/2), at significance KSAlpha.
//  3. The live final state must be one the simulation or a replica reached;
//     so must the verdict of a steady-state hypothesis (a scheduled
//     experiment: held, recovered, did not recover).
//  4. With a client (a timeout, retries, a budget, a breaker or a pool, or
//     network toxics), its amplification (attempts sent per request) and,
//     with a pool, the p95 wait for a connection get bands like the
//     latencies, with the same floor: late timers move when timeouts fire,
//     retries are sent and connections come back, as they move services.
//  5. Λ's p95 must stay below MaxLateness of the mean zero-pressure service
//     time, or the comparison says little: raise the scale.
//
// Over HTTP ([RunHTTP], `agentchaos crossval --http`) the live run is
// package httplive's: real net/http clients with the scenario's pools, a
// real server and a fault proxy. Its Λ is measured per answered attempt:
// the time the client saw from sending it to reading its answer, less the
// network delays the proxy drew and the wait and drawn service the server
// accounts for — timer lateness at the server and in the proxy, sockets,
// the HTTP stack and goroutine scheduling together. The replicas and
// checks are the same. Two proxy hops and a round trip per attempt make Λ
// larger than the in-process live mode's (a wall-clock p95 of 10–16 ms on
// the development machine at a load average of 10), so the HTTP runs need
// a scale of 8 to 16 against services of 10–20 ms.
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
//
// Units: latencies and lateness in seconds of simulated time, the error rate
// a fraction; a [Check]'s Diff, Lo and Hi are in the unit its Unit names.
// Errors: an invalid configuration or invalid [Tolerances] is an error;
// nothing here panics on user input.
package crossval
