package model

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// TraceWriter is a Sink that writes every lifecycle event to a file, as CSV
// when the name ends in .csv and as JSON Lines otherwise. It writes to a
// temporary file beside the target and renames it into place on Close, so a
// reader never sees half a trace.
type TraceWriter struct {
	f    *os.File
	w    *bufio.Writer
	path string
	csv  bool
	buf  []byte
	err  error
}

// CreateTrace starts a trace file at path.
func CreateTrace(path string) (*TraceWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	t := &TraceWriter{f: f, w: bufio.NewWriterSize(f, 1<<16), path: path,
		csv: strings.HasSuffix(strings.ToLower(path), ".csv")}
	if t.csv {
		t.w.WriteString("t,event,agent,seq,workload,worker,depth,latency,failure,status\n")
	}
	return t, nil
}

// Observe writes one event. Times are in seconds with nanosecond precision.
func (t *TraceWriter) Observe(e Event) {
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
	} else {
		b = append(b, `{"t":`...)
		b = sec(b, int64(e.T))
		b = append(b, `,"event":"`...)
		b = append(b, e.Type.String()...)
		b = append(b, `","agent":`...)
		b = strconv.AppendInt(b, int64(e.Agent), 10)
		b = append(b, `,"seq":`...)
		b = strconv.AppendInt(b, int64(e.Seq), 10)
		b = append(b, `,"workload":`...)
		b = strconv.AppendInt(b, int64(e.Workload), 10)
		if e.Worker >= 0 {
			b = append(b, `,"worker":`...)
			b = strconv.AppendInt(b, int64(e.Worker), 10)
		}
		b = append(b, `,"depth":`...)
		b = strconv.AppendInt(b, int64(e.Depth), 10)
		if e.Type == Completed || e.Type == Failed {
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

// Close flushes the trace and moves it into place. After an error the
// temporary file is removed and the target is left untouched.
func (t *TraceWriter) Close() error {
	err := t.err
	if err == nil {
		err = t.w.Flush()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(t.f.Name(), t.path)
	}
	if err != nil {
		os.Remove(t.f.Name())
	}
	return err
}

// Abort discards the trace.
func (t *TraceWriter) Abort() {
	t.f.Close()
	os.Remove(t.f.Name())
}
