// Package validate is the home of everything that checks the simulator
// against something it does not control. It holds no code of its own; its
// sub-packages, by domain:
//
//   - queueing: exact steady-state results of textbook queues (M/M/1, M/M/c,
//     M/M/c/(c+B), Erlang B and C, M/G/1) and their percentiles.
//   - stats: Student-t confidence and prediction intervals over independent
//     replications, the relative-precision stopping rule, MSER-5, the
//     regression band and the Kolmogorov–Smirnov distance.
//   - textbook: the simulator against queueing theory — textbook queues run
//     as ordinary scenarios, alone or behind a connection pool, a lossy
//     network with retries or a delay, measured and compared by
//     replications (`agentchaos validate`).
//   - markov: the retry model against continuous-time Markov chains —
//     closed systems with zombie work and retries, solved exactly, in the
//     same suite.
//   - crossval: the simulation against the real-concurrency mode of
//     model/live on the same seed (`agentchaos crossval`).
//   - reproduce: the seed system's published EXP-001/002/003 table, the
//     comparison at its printed precision, and the spread over further
//     seeds (`agentchaos reproduce`).
//   - calibrate: the fit of the profiles' free parameters to the published
//     table (`agentchaos calibrate`).
//
// Data flows one way: validate's packages import model and kernel, and
// model never imports them.
package validate
