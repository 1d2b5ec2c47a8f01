package model

import (
	"bufio"
	"io"
	"strconv"
)

// Trace is a Sink that writes every lifecycle event to an io.Writer as it
// happens, as CSV (with a header line) or as JSON Lines, through a buffer.
// It only encodes; where the bytes go — a file written atomically, a FIFO,
// standard output — is the writer's business (see package model/outfile).
// Observe allocates nothing once its line buffer has grown.
type Trace struct {
	w   *bufio.Writer
	csv bool
	buf []byte
	err error
}

// NewTrace returns a Trace writing to w, as CSV if csv is set and as JSON
// Lines otherwise. The CSV header is written at once.
func NewTrace(w io.Writer, csv bool) *Trace {
	t := &Trace{w: bufio.NewWriterSize(w, 1<<16), csv: csv}
	if csv {
		_, t.err = t.w.WriteString("t,event,agent,seq,workload,worker,depth,latency,failure,status,attempt\n")
	}
	return t
}

// Observe writes one event. Times are in seconds with nanosecond precision.
func (t *Trace) Observe(e Event) {
	if t.err != nil {
		return
	}
	b := t.buf[:0]
	sec := func(b []byte, ns int64) []byte { return strconv.AppendFloat(b, float64(ns)/1e9, 'f', 9, 64) }
	if t.csv {
		b = sec(b, int64(e.T))
		b = append(b, ',')
		b = append(b, e.Type.String()...)
		for _, v := range []int64{int64(e.Agent), int64(e.Seq), int64(e.Workload), int64(e.Worker), int64(e.Depth)} {
			b = append(b, ',')
			b = strconv.AppendInt(b, v, 10)
		}
		b = append(b, ',')
		b = sec(b, int64(e.Latency))
		b = append(b, ',')
		b = append(b, e.Failure.String()...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(e.Failure.Status()), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(e.Attempt), 10)
	} else {
		b = append(b, `{"t":`...)
		b = sec(b, int64(e.T))
		b = append(b, `,"event":"`...)
		b = append(b, e.Type.String()...)
		b = append(b, `","agent":`...)
		b = strconv.AppendInt(b, int64(e.Agent), 10)
		b = append(b, `,"seq":`...)
		b = strconv.AppendInt(b, int64(e.Seq), 10)
		if e.Attempt > 0 {
			b = append(b, `,"attempt":`...)
			b = strconv.AppendInt(b, int64(e.Attempt), 10)
		}
		b = append(b, `,"workload":`...)
		b = strconv.AppendInt(b, int64(e.Workload), 10)
		if e.Worker >= 0 {
			b = append(b, `,"worker":`...)
			b = strconv.AppendInt(b, int64(e.Worker), 10)
		}
		b = append(b, `,"depth":`...)
		b = strconv.AppendInt(b, int64(e.Depth), 10)
		if e.Type == Completed || e.Type == Failed || e.Type == Responded || e.Type == Dropped {
			b = append(b, `,"latency":`...)
			b = sec(b, int64(e.Latency))
		}
		if e.Failure != NoFailure {
			b = append(b, `,"failure":"`...)
			b = append(b, e.Failure.String()...)
			b = append(b, `","status":`...)
			b = strconv.AppendInt(b, int64(e.Failure.Status()), 10)
		}
		b = append(b, '}')
	}
	b = append(b, '\n')
	t.buf = b
	_, t.err = t.w.Write(b)
}

// Flush writes out what is buffered and returns the first write error,
// if any: after one, the events that followed were not written.
func (t *Trace) Flush() error {
	if t.err == nil {
		t.err = t.w.Flush()
	}
	return t.err
}
