// Package faultproxy is a TCP proxy between HTTP/1.1 clients and a server
// that injects a scenario's network faults into the real traffic, message
// by message, in Toxiproxy's manner: latency and jitter, bandwidth, resets,
// black holes and drops.
//
// # Messages
//
// The proxy forwards bytes, but its faults act on messages, as the
// simulation's network stage does (model.Network): each request and each
// response meets the toxics once and gets one model.Passage. It reads a
// request's head (up to MaxHead bytes) and its Content-Length body, and
// asks Faults about it by the value of its key header (Options.KeyHeader;
// the HTTP live mode puts the agent, request and attempt there, so the
// proxy draws from the very streams the simulation draws from). A
// response is every byte the server sends after a request was forwarded
// and before the next one is: HTTP/1.1 clients do not pipeline, so its key
// is the last request's. Chunked request bodies are not framed: a request
// with one is refused (the connection is reset).
//
// # Fates
//
//   - Delivered: the message is held for its delay (from its first byte, as
//     one unit), then forwarded; bandwidth toxics pace its real bytes at
//     their rate instead of adding the delay drawn for a nominal size.
//   - Lost: the message is swallowed; its client hears nothing until it
//     times out (a black hole, or a drop as the stall until the client's
//     timeout).
//   - Reset, Stalled: the message is swallowed and, after the delay, the
//     connection is cut: the client's socket is closed with a TCP reset
//     (SO_LINGER 0), the server's closed.
//
// Delays are in simulated time; Options.Scale k stretches them k times, as
// the live modes do.
//
// # Clean stop
//
// Close closes the listener and every connection and returns when every
// goroutine of the proxy has ended; sleeps wait on timers that Close
// interrupts. Errors of one connection end that connection only.
package faultproxy
