package model

import "github.com/agentchaos/agentchaos/kernel"

// EventType is one step of a request's life.
type EventType uint8

// The lifecycle. Every request is Created, then either Rejected at once or
// Enqueued; an enqueued request is either Started by a worker or, if the
// queue has a timeout, Failed with [TimedOut] while waiting; a started one
// ends Completed or Failed.
const (
	Created EventType = iota
	Enqueued
	Rejected
	Started
	Completed
	Failed
)

var eventTypeNames = [...]string{"created", "enqueued", "rejected", "started", "completed", "failed"}

func (t EventType) String() string { return eventTypeNames[t] }

// FailureKind says why a request failed.
type FailureKind uint8

// Failure kinds, with the HTTP status the original system used.
const (
	NoFailure     FailureKind = iota
	QueueOverflow             // 503: the buffer was full when the request arrived
	FaultError                // 500: the fault injector failed the request after service
	TimedOut                  // 504: the request waited in the queue longer than its timeout
	numFailureKinds
)

var failureNames = [...]string{"", "QUEUE_OVERFLOW", "FAULT_ERROR", "QUEUE_TIMEOUT"}
var failureStatus = [...]int{200, 503, 500, 504}

func (k FailureKind) String() string { return failureNames[k] }

// failureKind returns the kind named name, or NoFailure.
func failureKind(name string) FailureKind {
	for k := QueueOverflow; k < numFailureKinds; k++ {
		if failureNames[k] == name {
			return k
		}
	}
	return NoFailure
}

// failureList names the failure kinds, for messages.
const failureList = "QUEUE_OVERFLOW, FAULT_ERROR, QUEUE_TIMEOUT"

// Status returns the HTTP status code of the outcome.
func (k FailureKind) Status() int { return failureStatus[k] }

// Event is one lifecycle step of one request, with its timestamp. It is a
// small value; sinks receive it by value and must not retain pointers.
type Event struct {
	T        kernel.Time // virtual (or, in live mode, wall-clock) time since the run began
	Type     EventType
	Failure  FailureKind // for Rejected and Failed
	Workload uint8       // index into Config.Agents.Mix
	Agent    int32
	Seq      int32           // the request's index within its agent
	Worker   int32           // for Started, Completed, Failed after service; -1 otherwise
	Depth    int32           // requests waiting in the queue just after this step
	Latency  kernel.Duration // for Completed and Failed: T − creation time
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
