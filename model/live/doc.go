// Package live runs a model.Config on the wall clock, as a companion to the
// simulation that checks how far real timing moves its results. See [Run].
//
// # The same system, waiting for real
//
// A live run builds the very model.System the simulation runs — the same
// stages, the same policy values deciding which worker takes a request, how
// long an agent backs off, whether a fault fires, the same keyed random
// streams, telemetry, detector and throttle — and differs only in how it
// waits: instead of jumping from one event to the next in virtual time, it
// sleeps until the next event is due on the wall clock, then fires every
// event due by then (kernel.Sim.StepLate), each with the clock's reading.
// So the stage and policy code written for the simulation runs live as it
// is, and any stage added to the model (client, network, schedules) runs
// live too. It is the SimPy RealtimeEnvironment's design, and the asyncio
// event loop the seed system itself ran on: one goroutine, real timers.
//
// # Lateness
//
// A sleeping goroutine wakes late: Go's timers overshoot by 0.1–0.7 ms on
// the development machine, more when it is busy (see package validate's
// cross-validation for the measurements), and the handlers' own running time
// delays the events behind them. An event that fires late runs with the
// later clock reading, and what it schedules is relative to that, as with
// real timers: a service that ends late delays its response and the next
// request on that worker. Run measures every event's lateness ([Lateness]);
// Options.Scale k runs everything k times slower and so divides the
// lateness, in simulated time, by k. Under testing/synctest, whose clock is
// exact, a live run reproduces the simulation event for event.
//
// Once no request is in flight and every agent has created its last
// request, nothing observable can happen but control periods and the
// agents' last wake-ups; the simulation still counts those periods, and the
// live run fires them at once instead of waiting for them.
//
// # Clean stop
//
// Run returns only when its one timer is stopped; on cancellation of its
// context it returns the report so far at once. The wall clock is read only
// in this package.
package live
