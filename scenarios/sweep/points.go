package sweep

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/validate/stats"
)

// PointSummary aggregates the replications of one point.
type PointSummary struct {
	Point int
	Axes  []string
	Runs  int
	// Means over replications with their 95% Student-t intervals
	// (stats.MeanCI; HalfWidth is +Inf with one replication).
	ErrorRate  stats.Interval
	LatencyAvg stats.Interval
	LatencyP95 stats.Interval
	LatencyP99 stats.Interval
	// States counts the replications by final state (index model.Stable,
	// model.Degraded, model.Collapsed).
	States [3]int
	// Majority is the most frequent final state, ties going to the worse
	// state; Worst is the worst final state of any replication.
	Majority, Worst model.State

	raw []string // JSONL: the axis values as JSON
}

// CollapseShare is the fraction of replications that ended COLLAPSED.
func (p *PointSummary) CollapseShare() float64 {
	return float64(p.States[model.Collapsed]) / float64(p.Runs)
}

// accumulator gathers one point's rows.
type accumulator struct {
	p       PointSummary
	metrics [4][]float64
}

func (a *accumulator) reset(r *resultRow) {
	a.p = PointSummary{Point: r.Point, Axes: append([]string(nil), r.Axes...), raw: append([]string(nil), r.raw...)}
	for i := range a.metrics {
		a.metrics[i] = a.metrics[i][:0]
	}
}

func (a *accumulator) add(r *resultRow) {
	a.p.Runs++
	a.p.States[r.FinalState]++
	if r.FinalState > a.p.Worst {
		a.p.Worst = r.FinalState
	}
	for i, x := range []float64{r.ErrorRate, r.LatencyAvg, r.LatencyP95, r.LatencyP99} {
		a.metrics[i] = append(a.metrics[i], x)
	}
}

func (a *accumulator) summary() PointSummary {
	p := a.p
	for s := model.Stable; s <= model.Collapsed; s++ {
		if p.States[s] >= p.States[p.Majority] {
			p.Majority = s
		}
	}
	est := []*stats.Interval{&p.ErrorRate, &p.LatencyAvg, &p.LatencyP95, &p.LatencyP99}
	for i, xs := range a.metrics {
		*est[i] = stats.MeanCI(xs, 0.95)
	}
	return p
}

// Aggregate reads a complete results file (rows in index order, as a sweep
// or a merge writes them) and calls emit with each point's summary in point
// order. It holds one point's rows at a time.
func Aggregate(name string, r io.Reader, emit func(Header, PointSummary) error) (Header, error) {
	rr, err := newRowReader(name, r)
	if err != nil {
		return Header{}, err
	}
	if rr.h.Shard.norm().Count != 1 {
		return rr.h, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: fmt.Sprintf("is shard %s of a sweep: merge the shards first (agentchaos merge)", rr.h.Shard)}
	}
	var acc accumulator
	want := 0
	for {
		_, row, err := rr.next()
		if err == io.EOF {
			break
		}
		if err == errTorn {
			return rr.h, &scenarios.Error{Source: name, Line: rr.line + 1, Col: 1, Msg: "ends in a torn line: the sweep was interrupted; finish it with --resume"}
		}
		if err != nil {
			return rr.h, err
		}
		if row.Index != want {
			return rr.h, &scenarios.Error{Source: name, Line: rr.line, Col: 1, Msg: fmt.Sprintf("run index %d where %d was expected", row.Index, want)}
		}
		want++
		if row.Rep == 0 {
			if row.Index > 0 {
				if err := emit(rr.h, acc.summary()); err != nil {
					return rr.h, err
				}
			}
			acc.reset(&row)
		}
		acc.add(&row)
	}
	if want != rr.h.Runs {
		return rr.h, &scenarios.Error{Source: name, Msg: fmt.Sprintf("has %d of %d runs: the sweep is not finished; finish it with --resume", want, rr.h.Runs)}
	}
	if want > 0 {
		if err := emit(rr.h, acc.summary()); err != nil {
			return rr.h, err
		}
	}
	return rr.h, nil
}

var pointColumns = []string{"runs", "error_rate_mean", "error_rate_ci95", "latency_avg_mean", "latency_avg_ci95",
	"latency_p95_mean", "latency_p95_ci95", "latency_p99_mean", "latency_p99_ci95",
	"stable", "degraded", "collapsed", "majority_state", "worst_state"}

// writePoints writes the per-point aggregate file of a complete results
// file: CSV or JSON Lines like the results, one line per point after a
// header. Means have 10 significant digits, CI half-widths 6 (empty/null
// with one replication).
func writePoints(w io.Writer, name string, r io.Reader) error {
	bw := bufio.NewWriter(w)
	var keys [][]byte
	first := true
	_, err := Aggregate(name, r, func(h Header, p PointSummary) error {
		if first {
			first = false
			writePointsHeader(bw, h)
			for _, a := range h.Axes {
				k, _ := json.Marshal(a)
				keys = append(keys, k)
			}
		}
		appendPoint(bw, h.Format, keys, &p)
		return nil
	})
	if err != nil {
		return err
	}
	if first { // no points at all
		return errors.New("no runs")
	}
	return bw.Flush()
}

func writePointsHeader(w *bufio.Writer, h Header) {
	if h.Format == formatJSONL {
		axes, _ := json.Marshal(h.Axes)
		fmt.Fprintf(w, `{"agentchaos_sweep_points":1,"spec":%q,"points":%d,"replications":%d,"axes":%s}`+"\n", h.Spec, h.Points, h.Replications, axes)
		return
	}
	fmt.Fprintf(w, "# agentchaos-sweep-points/1 spec=%s points=%d replications=%d\n", h.Spec, h.Points, h.Replications)
	w.WriteString("point")
	for _, a := range h.Axes {
		w.WriteString("," + csvField(a))
	}
	w.WriteString("," + strings.Join(pointColumns, ",") + "\n")
}

func appendPoint(w *bufio.Writer, format string, keys [][]byte, p *PointSummary) {
	mean := func(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }
	ci := func(x float64) string {
		if math.IsInf(x, 1) {
			if format == formatJSONL {
				return "null"
			}
			return ""
		}
		return strconv.FormatFloat(x, 'g', 6, 64)
	}
	vals := []string{strconv.Itoa(p.Runs),
		mean(p.ErrorRate.Mean), ci(p.ErrorRate.HalfWidth),
		mean(p.LatencyAvg.Mean), ci(p.LatencyAvg.HalfWidth),
		mean(p.LatencyP95.Mean), ci(p.LatencyP95.HalfWidth),
		mean(p.LatencyP99.Mean), ci(p.LatencyP99.HalfWidth),
		strconv.Itoa(p.States[model.Stable]), strconv.Itoa(p.States[model.Degraded]), strconv.Itoa(p.States[model.Collapsed]),
		p.Majority.String(), p.Worst.String()}
	if format == formatJSONL {
		fmt.Fprintf(w, `{"point":%d,"axes":{`, p.Point)
		for i, a := range p.raw {
			if i > 0 {
				w.WriteByte(',')
			}
			w.Write(keys[i])
			w.WriteByte(':')
			w.WriteString(a)
		}
		w.WriteByte('}')
		for i, c := range pointColumns {
			v := vals[i]
			if c == "majority_state" || c == "worst_state" {
				v = `"` + v + `"`
			}
			fmt.Fprintf(w, `,"%s":%s`, c, v)
		}
		w.WriteString("}\n")
		return
	}
	w.WriteString(strconv.Itoa(p.Point))
	for _, a := range p.Axes {
		w.WriteString("," + csvField(a))
	}
	w.WriteString("," + strings.Join(vals, ",") + "\n")
}
