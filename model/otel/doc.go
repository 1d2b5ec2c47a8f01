// Package otel exports a run as OpenTelemetry traces and metrics, for
// Jaeger, Tempo, Prometheus or any OTLP backend: a Recorder attaches to a
// run as a model.SampleSink and sends what it makes to a Destination — a
// folder of JSON Lines files in the OpenTelemetry file-exporter format
// (FileExporter, through the collector's pdata JSON marshaler), an
// OTLP/HTTP endpoint (the SDK's otlptracehttp and otlpmetrichttp
// exporters), or both.
//
// # Traces
//
// Every request is a trace: a root span from its creation to its outcome
// (the agent's view, named for its workload type), under it a CLIENT span
// per attempt (from its sending, or for an attempt that never went out —
// circuit open, throttled, no connection — the instant it failed, until
// its retry or the request's outcome), and under each attempt its phases
// at the server: the queue wait (Enqueued or Requeued → Started) and the
// service (a SERVER span, Started → the answer). Attributes follow the
// semantic conventions where they fit (http.response.status_code,
// error.type, http.request.resend_count) and add the model's own
// (agentchaos.agent, agentchaos.request.seq, agentchaos.worker, ...).
// Retries and the detector's state changes are span events of the root,
// injected faults (500, a crashed worker, a reset connection) "exception"
// events of the span where they struck; a failed span has status Error
// with its failure kind. A zombie attempt, whose client gave up while the
// server went on, keeps its phases under the attempt: the request's spans
// go out once the server is done with it too.
//
// Sampling: a request is kept if the head sampler keeps its trace ID
// (Options.Ratio, decided as the SDK's TraceIDRatioBased decides it), or
// it failed, or it was slow (Options.Slow); the rest are dropped when they
// end. A request's records live from its creation until it is over, so
// memory is bounded by the requests in flight and the spans are written
// as the run goes.
//
// IDs come from keyed random streams (a request's trace ID from
// ("otel-trace", agent, seq), each span's ID from ("otel-span", agent,
// seq, attempt, role)), and a simulation's timestamps are Options.Epoch
// (DefaultEpoch, a fixed date, unless told otherwise) plus virtual time,
// so the same run gives the same files, bit for bit, on every machine.
//
// # Metrics
//
// At the end of every control period: requests created, ended by outcome,
// attempts sent and retried (cumulative sums), the end-to-end duration
// histogram by error.type (explicit buckets that fit the scenario, a 1-2-5
// series from half a request's mean service demand), and gauges of the
// queue depth and saturation, busy workers, the detector's state, growth
// and rolling p95, the throttle's delay, and, when the scenario has them,
// the concurrency limit, CoDel's state, the clients' adaptive-throttle
// probability and whether the SLO holds. The SDK stamps its data points
// with the wall clock, so a simulation builds the SDK's metricdata itself
// with virtual timestamps, 64 periods to a MetricsData line.
//
// # Live runs
//
// With Options.Clock (package live's runs, on the wall clock) the recorder
// uses the SDK as an instrumented service does: spans go through a
// TracerProvider (batch span processors, the wall-clock instants of their
// events, the same keyed IDs through an IDGenerator) and metrics through a
// MeterProvider's instruments and periodic readers.
//
// Units: instants are unix nanoseconds in the files; durations in seconds.
// Errors: the first export error stops further exports and is returned by
// Close; nothing here panics on a run's data.
package otel
