package replicate

import (
	"context"
	"sync"

	"github.com/agentchaos/agentchaos/kernel"
)

// Seed returns the root seed of replication r under the root seed root:
// the first value of the keyed stream (root, "replication", r). It is the
// one derivation of replication seeds: sweeps (root: the spec's seed), the
// textbook suite (root: the queue's own, derived from the suite's seed and
// the queue's name), the reproduction's seed spread (root: the profile's
// seed) and the calibration's trend fit (root: derived from the profile's
// seed and "calibration-trend", so that the fit never runs on the spread's
// seeds). Families that must not share seeds use different roots.
//
// Replication r depends on nothing but root and r — not on which other
// replications run, in what order, on how many workers — so a result never
// changes when a sweep or a suite is run differently. And since the model
// draws everything about a request from a stream keyed by (seed, agent,
// request), replication r of two configurations sees the same think times,
// workloads, service demands and fault draws wherever the configurations
// agree: configurations are compared under common random numbers, which
// takes most of the noise out of their differences. Averages over
// replications are still averages over independent seeds.
func Seed(root uint64, r int) uint64 {
	s := kernel.NewStream(root, "replication", uint64(r))
	return s.Uint64()
}

// Ordered calls work(state, i) for every i in [0, n) on up to workers
// goroutines (at least one), each goroutine with its own state from
// newState (the zero S if newState is nil), and calls done(i, result) for
// each i in increasing order, on the calling goroutine, as soon as job i and
// every job before it have finished. Jobs are started in index order, at
// most 4·workers+4 ahead of the last result handed to done.
//
// It stops starting jobs at the first error in index order (from work, or
// from done) or when ctx is done; the jobs already started finish, and done
// still receives, in order, every result that precedes the first error or
// gap. It returns that error, or context.Cause(ctx) if ctx ended the run
// before every job was done, or nil. done may be nil.
func Ordered[S, R any](ctx context.Context, n, workers int, newState func() S,
	work func(state S, i int) (R, error), done func(i int, r R) error) error {
	return run(ctx, n, workers, 4*workers+4, newState, work, done)
}

// Map calls f(i) for every i in [0, n) on up to workers goroutines and
// waits for all of them. Jobs are independent: they start in index order
// and finish in any.
func Map(n, workers int, f func(i int)) {
	_ = run(context.Background(), n, workers, n, nil,
		func(_ struct{}, i int) (struct{}, error) { f(i); return struct{}{}, nil }, nil)
}

// run is Ordered with a window of window results.
func run[S, R any](ctx context.Context, n, workers, window int, newState func() S,
	work func(S, int) (R, error), done func(int, R) error) error {
	if n <= 0 {
		return nil
	}
	workers = max(1, min(workers, n))
	window = max(1, min(window, n))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		i   int
		r   R
		err error
	}
	tokens := make(chan struct{}, window) // one per started, undelivered job
	jobs := make(chan int)
	results := make(chan result, window)

	// Start jobs in order, at most window ahead of the last delivered.
	go func() {
		defer close(jobs)
		for i := 0; i < n; i++ {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				<-tokens
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var state S
			if newState != nil {
				state = newState()
			}
			for i := range jobs {
				r, err := work(state, i)
				results <- result{i, r, err}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Started, undelivered jobs lie in [next, next+window): slot i%window
	// holds job i's result until its turn.
	pending := make([]*result, window)
	next := 0
	var first error
	for res := range results {
		pending[res.i%window] = &res
		for first == nil {
			p := pending[next%window]
			if p == nil || p.i != next {
				break
			}
			pending[next%window] = nil
			if p.err == nil && done != nil {
				p.err = done(next, p.r)
			}
			if p.err != nil {
				first = p.err
				cancel()
				break
			}
			next++
			<-tokens
		}
	}
	if first != nil {
		return first
	}
	if next < n {
		return context.Cause(ctx)
	}
	return nil
}
