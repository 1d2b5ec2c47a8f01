// Package model is the agent-chaos system as event handlers on the kernel:
//
//	Agents → Queue (bounded; backpressure) → Workers → Faults
//	       → event stream → Telemetry → Detector (drives the Throttle) → Report
//
// The first four stages ([Config.Agents], [Config.Queue], [Config.Workers],
// [Config.Faults]) run on a [kernel.Sim] in virtual time; see [Run]. Every
// random choice about a request comes from that request's own keyed stream
// (root seed, "request", agent, index), drawn when the request is created, so
// a request's workload type, service demand and fault decision never depend
// on the order events happened to fire in.
//
// The last four are plain code fed by the stream of lifecycle [Event]s and a
// periodic [Monitor.Tick]; they know nothing of the kernel, so the
// real-concurrency mode reuses them unchanged with wall-clock timestamps.
//
// Units: configuration durations are in seconds (float64); inside a run
// every time is a [kernel.Time] in integer nanoseconds.
package model
