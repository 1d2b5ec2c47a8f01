// Package validate proves the simulator against queueing theory and
// statistics, reproduces the published table, and cross-validates the
// simulation against the real-concurrency mode.
//
// The analytic layer (package queueing) gives exact steady-state results for
// M/M/1, M/M/c, M/M/c/(c+B), Erlang B and C, and M/G/1, plus sojourn- and
// wait-time percentiles. The statistics layer (package stats) turns
// independent replications into Student-t confidence intervals, applies a
// relative-precision stopping rule and removes warm-up with MSER-5. The
// simulation layer (package textbook) runs textbook queues as ordinary
// scenarios through model.Run, measures them with a Collector sink, and
// compares them with the analytic layer by independent replications
// (RunSuite, `agentchaos validate`).
//
// The published table (published.go) is the seed system's EXP-001/002/003
// row by row, as printed; Reproduce and Spread set simulations beside it,
// and Calibrate fits the profiles' free parameters to it (calibrate.go).
// Package crossval compares a simulated and a live run of one
// scenario.
//
// Conventions: λ is the arrival rate, μ the service rate of one worker, c the
// number of workers. A finite system is described by its waiting room of B
// places, so it is M/M/c/(c+B) in textbook notation. Waits and sojourns are
// over accepted requests. A percentile is the smallest t with P(X ≤ t) ≥ p.
package validate
