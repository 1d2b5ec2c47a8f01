// Package httplive runs a model.Config over real HTTP: agents are real
// net/http clients, the queue and the worker pool sit behind a real
// net/http server on 127.0.0.1, and the network's faults are injected by a
// real TCP proxy between them (package faultproxy). Or, in target mode, the
// same agents, clients and network faults call a service the user names by
// URL instead of the built-in server. See [Run].
//
// # The same decisions, on real sockets
//
// Unlike package live, which drives the very model.System on the wall
// clock, a run here has real goroutines, real sockets and real connection
// pools, so the model's decisions are called as clock-free policy values
// from them: model.Draws for every random quantity by its key (agent j's
// request i gets the workload, think time, backoff jitter, dial time and
// service demand the simulation gives it), model.ClientPolicy for the
// adaptive throttle, circuit breaker, retry policy, budget and backoff,
// model.Network for the toxics (from the proxy), model.WaitingRoom,
// model.IdleWorkers, model.CoDel, model.Limiter, model.ServiceLaw and
// model.FaultInjector at the server, and model.Schedule for the load,
// agent caps, slowdowns, fault and toxic windows and partitions. Their
// lifecycle events, with wall-clock timestamps (simulated seconds: wall
// time divided by the scale), go to a model.Recorder, so the report is the
// simulation's report.
//
// Each attempt carries its key (agent, request, attempt, group, workload)
// in the X-Agentchaos-Attempt header; the proxy and the built-in server
// draw from it.
//
// # The client
//
// Each agent group has one http.Transport: its pool is the scenario's
// (client.pool: max_connections as MaxConnsPerHost, max_idle as
// MaxIdleConnsPerHost, idle_timeout as IdleConnTimeout); the dial time is
// drawn and slept in its DialContext, bounded by client.timeouts.connect
// (CONNECT_TIMEOUT). An attempt that has no connection after
// pool.acquire_timeout (httptrace's GotConn) is cancelled: POOL_EXHAUSTED.
// The per-attempt timeout and the request's deadline are context
// deadlines: CLIENT_TIMEOUT and DEADLINE_EXCEEDED. A transport error
// (a reset, a closed connection) is CONNECTION_RESET. The server's answer
// maps onto the failure kinds by its status: 503 QUEUE_OVERFLOW, 429 SHED,
// 504 QUEUE_TIMEOUT, 502 CRASHED, any other status from 400 on
// FAULT_ERROR (the built-in server names the kind in X-Agentchaos-Failure);
// Retry-After (seconds, or an HTTP date) is honoured when client.retry
// says so. net/http hands freed connections to waiters in FIFO order, so
// pool.waiters must be fifo; and it replays idempotent requests on its
// own, so requests are never replayable (no GetBody; an empty body on a
// GET is a non-nil reader).
//
// # The built-in server
//
// A handler admits an attempt to an idle worker, to the waiting room
// (queue.buffer places, FIFO, LIFO or adaptive LIFO; CoDel and a
// concurrency limit shed), or answers 503 at once; it times out waiting
// attempts (504) and sleeps the attempt's service time (model.ServiceLaw
// at the queue's pressure as service starts, plus spikes), then answers
// 200 or the fault injector's 500. Priority classes and crash schedules
// are not modelled over HTTP (Check refuses them, naming the field).
//
// # Lateness
//
// Every attempt a worker answered reports, in X-Agentchaos-Modelled, the
// time the model accounts for it at the server (its wait plus its drawn
// service); the client subtracts that and the delays the proxy drew from
// what it measured. What is left — timers waking late, sockets, the HTTP
// stack, goroutine scheduling — is the run's lateness (Stats.Lateness),
// which the cross-validation turns into tolerances (validate/crossval).
//
// # Clean stop
//
// Run returns when every agent, request, handler, connection, proxy link
// and timer it started has ended: on completion, or at once when its
// context is cancelled, with the report so far.
package httplive
