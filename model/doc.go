// Package model is the agent-chaos system as stages on the kernel:
//
//	Agents → Queue (bounded; backpressure) → Workers → Faults
//	       → event stream → Telemetry → Detector (drives the Throttle) → Report
//
// # Stages
//
// Each stage is a file that owns its configuration section (a field of
// [Config] with its own validation), its random quantities, its event kinds
// (registered with the kernel when the stage is built, so there is no
// central list) and their handlers. A request travels down the request path
// from its agent to the server (queue, workers, fault injector) and its
// outcome travels back up; each stage talks only to its neighbours. A
// [System] is the stages of one configuration on one [kernel.Sim]; [Run]
// drives it to completion in virtual time and package live drives the same
// System on the wall clock.
//
// # Policies
//
// The decisions — which worker takes a request ([IdleWorkers]), which
// waiting request goes next ([WaitingRoom]), how long an agent backs off
// ([Backoff]), whether a fault fires ([FaultInjector]) — are clock-free
// values: they take the time, when they need it, as an argument, so any
// driver can call them. So are the client's decisions ([ClientPolicy]),
// the service-time law ([ServiceLaw]), the network's toxics ([Network]) and
// the schedule ([Schedule]): package httplive calls the very same values
// from real HTTP clients, a real server and a TCP proxy.
//
// # Random numbers
//
// Every random quantity has its own keyed stream (kernel.Family):
//
//	("start", agent)                    an agent's start within the stagger
//	("workload", agent, seq)            a request's type in the mix
//	("think", agent, seq)               the think (or inter-arrival) time after it
//	("backoff", agent, seq)             the backoff jitter after it
//	("service", agent, seq, attempt)    an attempt's base service demand
//	("spike", agent, seq, attempt)      its latency spike (a hit, then a duration)
//	("fault", agent, seq, attempt)      its error draw
//	("timeout", agent, seq, attempt)    its exponential attempt timeout (client.timeouts.attempt_law)
//
// ([Draws] gives each by its key) so drawing or not drawing one quantity,
// or a sampler rejecting a variable number of uniforms, never moves
// another's draws: two runs whose
// configurations agree on a quantity see the same values of it (common
// random numbers; see TestCommonRandomNumbers).
//
// # Observers
//
// Telemetry, detector, throttle and report are fed by the stream of
// lifecycle [Event]s and a periodic control tick through a [Recorder]; they
// know nothing of the stages. [Sink]s see the same events, and
// [SampleSink]s every control period's [Sample] too.
//
// # Cost
//
// A configuration that validates runs in bounded time and memory:
// [Config.Validate] refuses a time under a nanosecond (it would round to 0),
// a single wait longer than [MaxPeriods] control periods, and a run whose
// estimate ([Config.Cost]: simulated length, periods, requests, events,
// memory) passes [MaxPeriods], [MaxEvents] or [MaxBytes], naming the field
// that makes it so. A run that congestion stretches past MaxPeriods stops
// there with a [*FieldError] and the report so far; draws beyond the int64
// nanoseconds are capped. Nothing panics on a valid configuration.
//
// # Memory
//
// A run's memory follows what is in it at once, not its length: its agents
// (a few dozen bytes each), the requests and attempts in flight (tables
// whose slots are reused), the pending events, the requests that ended
// within the detector's and the steady-state hypothesis's windows (about
// 50 bytes each, at most twice the window's count plus a constant), the
// detector's last window of p95s, counts and utilisations (24 bytes a
// control period of the window)
// and the chart [Series] (at most [SeriesSpans] spans, 2.4 MB). Run-wide
// percentiles add 8 bytes per finished request in exact mode (16 while the
// report sorts them), or a fixed
// 115 KB sketch in sketch mode: with sketch percentiles, memory stays flat
// however many requests a run has (an EXP-003 run of 10 or 100 million
// requests keeps a 25 MB resident set). A [Runner] reuses one run's memory
// for the next.
//
// Units: configuration durations are in seconds (float64); inside a run
// every instant is a [kernel.Time] and every span a [kernel.Duration], in
// integer nanoseconds.
package model
