// Package markov checks the model's retry machinery against continuous-time
// Markov chains: small closed systems with a bounded queue, zombie work and
// client retries (a retry orbit in the sense of the retrial-queue
// literature and of MPI-SWS's metafor), solved exactly and compared with
// the simulation by the replications of package textbook, inside the
// `agentchaos validate` suite ([Suite]).
//
// # The system and its chain
//
// A [System] is N closed agents with exponential think times, a server of
// c workers with exponential service and a FIFO waiting room of B places,
// and a client that gives up on an attempt after an exponential timeout and
// sends the next attempt at once — up to a number of attempts, or without
// limit. The server never learns that a client gave up: the abandoned
// attempt keeps its place and is served in its turn (zombie work), while
// its retry queues behind it. An attempt that finds the server full is
// turned away (503) and its request fails; the agent thinks again.
//
// It runs as an ordinary model.Config ([System.Config]): closed agents,
// client.timeouts.attempt with attempt_law "exponential",
// client.retry.on ["CLIENT_TIMEOUT"] without backoff. The chain's state is
// the sequence of waiting attempts, each a zombie or live (with its attempt
// number when attempts are limited), and the attempts in service by kind;
// the agents without a live attempt think. The order matters: the worker
// that frees up takes the oldest waiting attempt, zombie or not. The
// transitions are an agent's request (rate thinking/think mean), a live
// attempt's timeout (1/timeout mean each: it turns into a zombie in place
// and its retry arrives at once) and a service completion (1/service mean
// per busy worker: a live one ends its request, and the oldest waiting
// attempt starts). States are enumerated from the empty system; the chain
// is block-tridiagonal in n, the attempts at the server.
//
// Why exponential timeouts: the model's timeouts are deterministic by
// default, as real clients' are, and a deterministic timer is not a state
// of a finite chain. An Erlang-k approximation would need a phase for
// every waiting live attempt, in queue order — (k+1)^B sequences — and
// would still be an approximation that confidence intervals of a few
// percent would reject. So the model grew an opt-in exponential law for
// attempt timeouts (queueing theory's impatient customer), and the chain is
// then exact: every measure must agree within its interval, not roughly.
// The price is that the check is of the retry machinery (attempts, zombies,
// the order of service, rejections, retry limits), not of deterministic
// timing, which the textbook suite's lossy-network cases check.
//
// Unlimited retries are simulated with the model's largest
// retry.max_attempts, 100; a replication in which a request uses them all
// fails, since the chain has no such limit. In the configurations of Suite
// none comes near it: over 26 replications of the bimodal system (190,000
// requests) the most any request used was 31.
//
// # Solution and measures
//
// The stationary distribution π is computed by the Grassmann–Taksar–Heyman
// elimination in pure Go, FMA-free, so the analytic values are the same
// bits on every machine; gonum's dense LU solve of πQ = 0, Σπ = 1 (package
// mat) checks it, and a difference above 10⁻⁹ in any state's probability
// is an error. The measures, all in steady state:
//
//   - mean in system, mean waiting: time averages of the attempts at the
//     server (waiting or in service, zombies included) and of those
//     waiting;
//   - throughput, goodput, retries, rejections, given up: rates per second
//     of attempts served, requests that succeeded, retries sent, attempts
//     turned away, and (with a limit) requests that failed at their last
//     attempt's timeout;
//   - with Modes, the time shares of a low and a high mode of n.
//
// The distribution of n is also reported beside the simulated time shares
// (textbook.Distribution): a bimodal π — one peak at an idle server, one at
// a full one held there by zombies and retries, the mark of metastability —
// shows in both.
//
// Units: seconds and per second. Invariants: a System's chain depends only
// on its parameters; the simulated values are integer-nanosecond integrals
// and counts, so a report is the same on every machine and for any number
// of workers. Errors: invalid parameters, more than MaxStates states, a
// reducible chain, a disagreement with the LU solve and a replication that
// exhausts the unlimited attempts are errors, never panics.
package markov
