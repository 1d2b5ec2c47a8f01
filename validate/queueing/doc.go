// Package queueing gives exact steady-state results of textbook queues:
// M/M/1, M/M/c (Erlang C), M/M/c/(c+B) with a finite waiting room (B = 0 is
// the Erlang B loss system) and M/G/1 (Pollaczek–Khinchine), with the
// percentiles of the wait and of the sojourn where they have an exact form
// (M/M/1, M/M/c, M/M/c/(c+B), M/D/1).
//
// Conventions: λ (lambda) is the arrival rate and μ (mu) the service rate of
// one of c identical servers, so the offered load per server is ρ = λ/(cμ);
// M/G/1 takes the mean service time E[S] and its squared coefficient of
// variation instead. Times are in the unit of the service time and rates per
// that unit (seconds and per second when the rates are). A finite system is
// described by its waiting room of B places, so M/M/c/(c+B) holds at most
// c+B requests. Waits and sojourns are over accepted requests. A percentile
// is the smallest t with P(X ≤ t) ≥ p.
//
// Invariants: every function is deterministic, bisects rather than iterates
// to a tolerance, and is free of overflow for any c and B (sums are taken
// relative to their largest term or from logarithms). Each formula is
// cross-checked in the tests by an independent computation (a dense solve of
// the birth–death chain, numerical integration, a mixture of Erlang laws).
//
// Errors and panics: a model without a waiting-room limit at ρ ≥ 1 has no
// steady state and returns ErrUnstable (its percentile functions panic with
// it). Invalid parameters are programming errors and panic: a negative or
// infinite rate, a zero service rate, c < 1, B < 0, or a probability outside
// [0, 1].
package queueing
