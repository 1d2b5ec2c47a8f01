// Package kernel is agentchaos's deterministic discrete-event core: virtual
// time, an event queue, a run loop, keyed random streams and portable samplers.
//
// It knows nothing of agents or queues. It starts no goroutines, never reads
// the wall clock and has no global randomness, so a run is a pure function of
// its inputs and its root seed: the same bits on every run and every machine.
//
// # Time
//
// [Time] is an integer count of nanoseconds. A float clock drifts and makes
// tie-breaks depend on rounding; integers do not.
//
// # Events
//
// A [Sim] holds pending events ordered by (time, scheduling sequence): events
// at the same instant fire in the order they were scheduled, always. An event
// is a small value (a [Kind] and two integer arguments); the handler for a kind
// is registered once, so scheduling and firing allocate nothing.
//
// # Randomness
//
// Randomness comes from streams keyed by (root seed, stable key): a component
// asks for its own [Stream] by name and numeric ids ("request", agent, i), never
// draws from one generator shared in event order. Adding a component or
// reordering events leaves every other stream's draws unchanged.
//
// The samplers ([Stream.Exp], [Stream.Normal], [Stream.Gamma], ...) and the
// elementary functions they need ([Log], [Exp], [Pow]) are pure Go with every
// product that feeds a sum wrapped in an explicit float64 conversion, which
// forbids the compiler to fuse it into an FMA. They are bit-identical on amd64
// and arm64, unlike math.Exp, math.Log, math.Pow and math/rand/v2's ExpFloat64
// and NormFloat64.
package kernel
