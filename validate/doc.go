// Package validate proves the simulator against queueing theory and statistics.
//
// It has two pure, deterministic layers. The analytic layer (queueing.go)
// gives exact steady-state results for M/M/1, M/M/c, M/M/c/(c+B), Erlang B
// and C, and M/G/1, plus sojourn- and wait-time percentiles. The statistics
// layer (stats.go) turns independent replications into Student-t confidence
// intervals, applies a relative-precision stopping rule and removes warm-up
// with MSER-5.
//
// Conventions: λ is the arrival rate, μ the service rate of one worker, c the
// number of workers. A finite system is described by its waiting room of B
// places, so it is M/M/c/(c+B) in textbook notation. Waits and sojourns are
// over accepted requests. A percentile is the smallest t with P(X ≤ t) ≥ p.
package validate
