// Package kernel is agentchaos's deterministic discrete-event core: virtual
// time, an event queue, a run loop, keyed random streams and portable samplers.
//
// It knows nothing of agents or queues. It starts no goroutines, never reads
// the wall clock and has no global randomness, so a run is a pure function of
// its inputs and its root seed: the same bits on every run and every machine
// (amd64, amd64 built for FMA-capable CPUs with GOAMD64=v3, and arm64 are
// tested).
//
// # Time and Duration
//
// [Time] is an instant: an integer count of nanoseconds since the start of a
// run. [Duration] is a span between instants, also in integer nanoseconds.
// They are distinct types, as in package time, so an instant cannot be passed
// where a delay is meant: [Sim.At] takes a Time, [Sim.After] a Duration;
// [Time.Add] and [Time.Sub] convert between them. A float clock drifts and
// makes tie-breaks depend on rounding; integers do not. [Seconds] converts a
// float number of seconds (for example a sampler's draw) to a Duration,
// rounding to the nearest nanosecond.
//
// # Events
//
// A [Sim] holds pending events ordered by (time, scheduling sequence): events
// at the same instant fire in the order they were scheduled, always. An event
// is a small value (a [Kind] and two integer arguments); once the queue has
// grown to its working size, scheduling and firing allocate nothing. At,
// After and Step are O(log n) in the number of pending events, [Sim.Cancel]
// is O(1).
//
// Kinds are handed out by [Sim.Register]: each component registers its
// handlers and keeps the kinds it gets back, so no central list of kinds
// exists and components cannot collide. Kinds are numbered in registration
// order, so a model that registers in a fixed order has the same kinds, and
// the same trace ([TraceHash]), in every run.
//
// # Randomness
//
// Randomness comes from streams keyed by (root seed, stable key): a component
// asks for its own [Stream] by name and numeric ids ("request", agent, i), never
// draws from one generator shared in event order. Adding a component or
// reordering events leaves every other stream's draws unchanged.
//
// A [Family] is the set of streams that share a seed and a name:
// NewFamily(seed, "service").Stream(agent, request) is the same stream as
// NewStream(seed, "service", agent, request), but the name is hashed once, so
// deriving a fresh stream per request on a hot path costs a few
// multiplications and no allocation.
//
// # Samplers
//
// The samplers ([Stream.Exp], [Stream.Normal], [Stream.LogNormal],
// [Stream.Gamma], [Stream.Erlang], [Stream.Pareto], ...) consume their
// stream in a pattern that depends only on their parameters and the values
// drawn, so a stream replays exactly.
//
// [Stream.Exp] and [Stream.Normal] (and through it LogNormal and Gamma) use
// the ziggurat method of Marsaglia and Tsang with 256 layers: on about 98% of
// draws one Uint64 gives a layer, a sign and a 52-bit position, and the draw
// is an integer compare and a multiplication against tables; the rare tail
// and wedge cases use the package's own [Log] and [Exp]. The tables are
// exact float64 and uint64 constants in the source, computed in 256-bit
// arithmetic by a generator (kernel/internal/zigtables) whose output a test
// compares with the checked-in file.
//
// Why the draws are portable: everything on the fast path is integer
// arithmetic, exact int→float conversion and single correctly rounded IEEE
// multiplications. The elementary functions [Log], [Exp] and [Pow] are pure
// Go with every product that feeds a sum wrapped in an explicit float64
// conversion, which forbids the compiler to fuse it into an FMA (it otherwise
// does on arm64 and with GOAMD64=v3). math.Sqrt (correctly rounded),
// math.Frexp and math.Ldexp (exact, or correctly rounded into the subnormal
// range) are the same everywhere and used freely. math.Exp, math.Log and
// math.Pow are not used:
// they differ in the last bit between architectures and CPUs, as do
// math/rand/v2's ExpFloat64 and NormFloat64. One different bit in a
// rejection decision would shift every later draw of the stream.
package kernel
