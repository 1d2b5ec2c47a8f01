package model

import "github.com/agentchaos/agentchaos/kernel"

// EventType is one step of a request's life.
type EventType uint8

// The lifecycle. On the client side a request is Created by its agent and
// each attempt at it is Sent; an attempt that fails while the client will
// try again ends Retried; the request ends Completed or Failed (the agent's
// view: its outcome and its end-to-end latency). On the server side an
// attempt that arrives is Rejected at once (503) or Enqueued; an enqueued
// attempt is Started by a worker, or times out in the queue; the server's
// answer (its status in Failure) leaves it as Responded. An attempt whose
// client has given up may be Dropped by the server instead (deadline
// propagation); one whose worker crashed may be Requeued at the head of the
// queue.
//
// Without a client timeout, retries or a network, a request's events are
// Created, Sent, then Rejected or Enqueued (Started) Responded, then
// Completed or Failed, all but Started and Responded at the instant the
// request is created or answered.
const (
	Created EventType = iota
	Enqueued
	Rejected
	Started
	Completed
	Failed
	Sent
	Responded
	Retried
	Dropped
	Requeued
	numEventTypes
)

var eventTypeNames = [...]string{"created", "enqueued", "rejected", "started", "completed", "failed",
	"sent", "responded", "retried", "dropped", "requeued"}

func (t EventType) String() string { return eventTypeNames[t] }

// FailureKind says why an attempt or a request failed.
type FailureKind uint8

// Failure kinds. The server's carry the HTTP status the original system
// used; the client's and the network's (status 0) never reached a server
// answer.
const (
	NoFailure        FailureKind = iota
	QueueOverflow                // 503: the buffer was full when the attempt arrived
	FaultError                   // 500: the fault injector failed the attempt after service
	TimedOut                     // 504: the attempt waited in the queue longer than its timeout
	ClientTimeout                // the client gave up on the attempt (its per-attempt timeout)
	DeadlineExceeded             // the client gave up on the request (its total deadline)
	PoolExhausted                // no connection within the pool's acquire timeout
	ConnectTimeout               // dialling a new connection took longer than the connect timeout
	ConnectionReset              // the network cut the connection
	CircuitOpen                  // the client's circuit breaker failed the attempt without sending it
	Crashed                      // 502: the worker serving the attempt crashed
	Shed                         // 503: the server's load shedding (CoDel, a concurrency limit, priorities) turned it away
	Throttled                    // the client's adaptive throttling rejected the attempt without sending it
	numFailureKinds
)

var failureNames = [...]string{"", "QUEUE_OVERFLOW", "FAULT_ERROR", "QUEUE_TIMEOUT",
	"CLIENT_TIMEOUT", "DEADLINE_EXCEEDED", "POOL_EXHAUSTED", "CONNECT_TIMEOUT", "CONNECTION_RESET", "CIRCUIT_OPEN", "CRASHED", "SHED", "THROTTLED"}
var failureStatus = [...]int{200, 503, 500, 504, 0, 0, 0, 0, 0, 0, 502, 503, 0}

func (k FailureKind) String() string { return failureNames[k] }

// failureKind returns the kind named name, or NoFailure.
func failureKind(name string) FailureKind {
	for k := NoFailure + 1; k < numFailureKinds; k++ {
		if failureNames[k] == name {
			return k
		}
	}
	return NoFailure
}

// failureList names the failure kinds, for messages.
func failureList() string {
	s := ""
	for k := NoFailure + 1; k < numFailureKinds; k++ {
		if s != "" {
			s += ", "
		}
		s += failureNames[k]
	}
	return s
}

// Status returns the HTTP status code of the outcome: 200 for none, the
// server's status for its failures, 0 for a failure that got no answer.
func (k FailureKind) Status() int { return failureStatus[k] }

// FromServer reports whether the kind is a server's answer (503, 500, 504, 502).
func (k FailureKind) FromServer() bool {
	return k == QueueOverflow || k == FaultError || k == TimedOut || k == Crashed || k == Shed
}

// Overload reports whether the kind is the server turning work away (503).
func (k FailureKind) Overload() bool { return k == QueueOverflow || k == Shed }

// Event is one lifecycle step of one request, with its timestamp. It is a
// small value; sinks receive it by value and must not retain pointers.
type Event struct {
	T        kernel.Time // virtual (or, in live mode, wall-clock) time since the run began
	Type     EventType
	Failure  FailureKind // for Rejected, Responded, Retried, Failed
	Workload uint8       // index into Config.Agents.Mix
	Attempt  uint8       // which attempt at the request, from 0 (saturates at 255)
	Agent    int32
	Seq      int32 // the request's index within its agent
	Worker   int32 // for Started, Responded and Dropped by a worker; -1 otherwise
	Depth    int32 // requests waiting in the queue just after this step
	// Latency is, for Completed and Failed, T − the request's creation
	// (end to end, the agent's view); for Responded and Dropped, T − the
	// attempt's arrival at the server (its sojourn there); else 0.
	Latency kernel.Duration
}

// Sink receives the event stream. Observe is called once per event, in
// order, and must not block.
type Sink interface {
	Observe(Event)
}

// SampleSink is a Sink that also sees every control period's [Sample],
// after the detector and the throttle have read it (a metrics exporter
// attaches here). The Sample is the run's own: read it, do not keep the
// pointer.
type SampleSink interface {
	Sink
	ObserveSample(*Sample)
}

// Timeline is a SampleSink that keeps every control period's Sample, in
// order: the run's whole timeline, for a test or an analysis that needs
// more than the report's bounded Series. It grows by one Sample (about
// 300 bytes) per period. The zero value is empty and ready.
type Timeline []Sample

// Observe implements Sink; a Timeline keeps samples only.
func (*Timeline) Observe(Event) {}

// ObserveSample implements SampleSink.
func (t *Timeline) ObserveSample(s *Sample) { *t = append(*t, *s) }
