// Package live runs a model.Config with real concurrency, as a companion to
// the simulation that checks it: one goroutine per agent, one per worker, a
// bounded waiting room, and real timers for stagger, think, service,
// backoff, throttle, queue timeout and control period. See [Run].
//
// # Same requests, same rules
//
// Everything random about agent j's request i comes from model.Sampler, as
// in the simulation: the live run and the simulation of the same
// configuration and seed create the same requests with the same workload
// type, service demand, spike, fault draw, think time and backoff jitter.
// The rules are the simulation's too:
//
//   - A request that finds a worker idle never waits: the queue hands it to
//     that worker's one-place channel at once. Which workers are idle is
//     kept under the run's lock, so there is no window in which a worker
//     that has finished but not yet asked for work looks busy.
//   - Otherwise it takes one of Buffer waiting places, or is rejected at
//     once (QUEUE_OVERFLOW) when all are taken: the put never blocks.
//     Buffer 0 means every request that finds all workers busy is rejected.
//     A request in service does not count against Buffer. The waiting room
//     is a FIFO under the lock rather than a buffered channel because a
//     request whose queue timeout fires must free its place at once, and a
//     channel cannot drop an entry from its middle.
//   - A worker that finishes takes the oldest waiting request itself, or
//     goes idle. Service time and fault decision depend on the queue's
//     pressure when service starts (Sampler.ServiceTime, Sampler.Fails).
//   - Queue timeouts are time.AfterFunc timers, stopped when a worker takes
//     the request first (QUEUE_TIMEOUT otherwise).
//   - Closed, Poisson and burst arrivals, budgets, the horizon, backoff (on
//     the failure kinds the configuration names) and the throttle's delay
//     (read from the Monitor under the lock) work as in the simulation. Open
//     agents advance their schedule by the nominal inter-arrival time, so
//     timer lateness delays each arrival but never accumulates.
//
// Every lifecycle event goes to a model.Monitor under the lock, stamped with
// the wall-clock time since the run began divided by the time scale, and a
// ticker calls Monitor.Tick every detector period; the report is
// model.BuildReport's, with Mode "live". Telemetry, detector, throttle and
// report are the simulation's own code.
//
// Once every agent has spent its budget and the system is empty, nothing
// can happen but the agents' last wake-ups (which find them exhausted); the
// simulation still counts control periods until then, and the ticker
// replays those periods at once instead of waiting for them.
//
// # Exactness and lateness
//
// Under testing/synctest, whose goroutines see an exact virtual clock, a
// live run reproduces the simulation event for event as long as no two
// events fall on the same nanosecond (the tests check this for every
// arrival mode, timeouts and Buffer 0). On a real clock every timer wakes
// late: Go's time.Sleep overshoots by 0.1–0.7 ms on the development machine
// (see package validate's crossval.go for the measurements), and a live
// service lasts its simulated time plus that lateness. Run measures it for
// every service ([Lateness]); Options.Scale k runs everything k times slower
// and so divides the lateness, in simulated time, by k.
//
// # Clean stop
//
// Run returns only when every goroutine and timer it started has ended; on
// cancellation of its context it stops them all and returns the report so
// far. The wall clock is read only in this package.
package live
