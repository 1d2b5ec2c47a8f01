package model

import "github.com/agentchaos/agentchaos/kernel"

// Runner runs configurations one after another (a sweep's or a suite's
// runs, on one goroutine each), every run on the memory its predecessor
// grew: the event queue, the request and attempt tables, the telemetry's
// latencies or sketch, the rolling windows, the chart series and the
// agents' state. A run then allocates little beyond its stages' small
// records, and nothing in proportion to its requests or its events. The
// zero Runner is ready; a Runner is not safe for concurrent use.
type Runner struct{ spare arena }

// Run is [Run] on the runner's memory: the same report, bit for bit. The
// report's Latencies and Series are the runner's own, valid until its next
// Run.
func (r *Runner) Run(cfg *Config, opt Options) (Report, error) {
	s, err := newSystem(cfg, opt, &r.spare)
	if err != nil {
		return Report{}, err
	}
	r.spare = arena{}
	s.sim.Run()
	rep := s.Report(Simulated)
	s.recycle(&r.spare)
	return rep, s.err
}

// arena holds the buffers of a finished System, emptied, for the next one
// to grow from. The zero arena has none: everything is allocated afresh.
type arena struct {
	sim        *kernel.Sim
	reqs       table[request]
	atts       table[attempt]
	exact      []int64
	sortBuf    []int64
	sketch     *sketch
	windows    [2]rollingWindow // the telemetry's, the SLO's
	spans      []Span
	p95s       []float64
	counts     []int
	busy       []float64
	agentState []agentState
	groupOf    []int32
}

// recycle empties s's buffers into a; s must not be used after.
func (s *System) recycle(a *arena) {
	s.sim.Reset()
	t, d := s.mon.Telemetry, s.mon.Detector
	*a = arena{sim: s.sim, reqs: s.reqs.emptied(), atts: s.atts.emptied(), exact: t.exact[:0], sortBuf: t.sortBuf, sketch: t.sketch,
		spans: s.mon.Series.spans[:0], p95s: d.p95s[:0], counts: d.counts[:0], busy: d.busy[:0],
		agentState: s.agents.state[:0], groupOf: s.agents.groupOf[:0]}
	a.windows[0] = t.window
	if l := s.rec.slo; l != nil {
		a.windows[1] = l.ends
	}
}

// zeroed returns buf resized to n zero values, reusing its array if it is
// large enough.
func zeroed[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// emptied returns t with no record in use, keeping its arrays.
func (t table[T]) emptied() table[T] { return table[T]{items: t.items[:0], spare: t.spare[:0]} }

// renewed returns an empty window of the given length on w's arrays.
func (w rollingWindow) renewed(length kernel.Duration) rollingWindow {
	return rollingWindow{length: length, ends: w.ends[:0],
		ranked: quantileHeaps{lower: w.ranked.lower[:0], upper: w.ranked.upper[:0]}}
}
