// Package replicate runs many independent runs of the model at once: a
// fixed number of goroutines work through jobs 0, 1, …, n−1 and hand their
// results back in index order ([Ordered]), or simply run them all ([Map]).
// Sweeps, the textbook suite, the reproduction's seed spread and the
// calibration all run their simulations through it.
//
// Invariants: results reach the caller in index order whatever the number
// of workers, so anything computed from them is the same on one core and on
// sixty-four; at most 4·workers+4 finished results wait for a predecessor,
// so memory does not grow with the number of jobs; every job that was
// started finishes before [Ordered] returns, and no goroutine outlives it.
//
// Panics: a panic in a job is not recovered (it ends the program, as in any
// goroutine).
package replicate
