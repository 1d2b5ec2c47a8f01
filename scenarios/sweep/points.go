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
	// Means over replications, with 95% intervals, of the attempts per
	// request, the goodput and the server's throughput (per second), and
	// the zombie work (worker seconds).
	Amplification stats.Interval
	Goodput       stats.Interval
	Throughput    stats.Interval
	ZombieWork    stats.Interval
	// Verdicts counts the replications by steady-state verdict (index
	// NoSLO: runs without an SLO); MajorityVerdict is the most frequent
	// one, ties going to the worse (NoSLO without an SLO).
	Verdicts        [numVerdicts]int
	MajorityVerdict Verdict
	// RecoveryTime is the mean recovery time of the replications that
	// recovered, with its 95% interval (Mean NaN when none did).
	RecoveryTime stats.Interval

	raw []string // JSONL: the axis values as JSON
}

// CollapseShare is the fraction of replications that ended COLLAPSED.
func (p *PointSummary) CollapseShare() float64 {
	return float64(p.States[model.Collapsed]) / float64(p.Runs)
}

// Share is the fraction of replications with steady-state verdict v.
func (p *PointSummary) Share(v Verdict) float64 {
	return float64(p.Verdicts[v]) / float64(p.Runs)
}

// accumulator gathers one point's rows.
type accumulator struct {
	p         PointSummary
	metrics   [len(pointMetrics)][]float64
	recovered []float64
}

// pointMetrics are the figures averaged over a point's replications, each
// with the summary field it goes to.
var pointMetrics = [...]struct {
	row     func(r *resultRow) float64
	summary func(p *PointSummary) *stats.Interval
}{
	{func(r *resultRow) float64 { return r.ErrorRate }, func(p *PointSummary) *stats.Interval { return &p.ErrorRate }},
	{func(r *resultRow) float64 { return r.LatencyAvg }, func(p *PointSummary) *stats.Interval { return &p.LatencyAvg }},
	{func(r *resultRow) float64 { return r.LatencyP95 }, func(p *PointSummary) *stats.Interval { return &p.LatencyP95 }},
	{func(r *resultRow) float64 { return r.LatencyP99 }, func(p *PointSummary) *stats.Interval { return &p.LatencyP99 }},
	{func(r *resultRow) float64 { return r.Amplification }, func(p *PointSummary) *stats.Interval { return &p.Amplification }},
	{func(r *resultRow) float64 { return r.Goodput }, func(p *PointSummary) *stats.Interval { return &p.Goodput }},
	{func(r *resultRow) float64 { return r.Throughput }, func(p *PointSummary) *stats.Interval { return &p.Throughput }},
	{func(r *resultRow) float64 { return r.ZombieWork }, func(p *PointSummary) *stats.Interval { return &p.ZombieWork }},
}

func (a *accumulator) reset(r *resultRow) {
	a.p = PointSummary{Point: r.Point, Axes: append([]string(nil), r.Axes...), raw: append([]string(nil), r.raw...)}
	for i := range a.metrics {
		a.metrics[i] = a.metrics[i][:0]
	}
	a.recovered = a.recovered[:0]
}

func (a *accumulator) add(r *resultRow) {
	a.p.Runs++
	a.p.States[r.FinalState]++
	if r.FinalState > a.p.Worst {
		a.p.Worst = r.FinalState
	}
	for i, m := range pointMetrics {
		a.metrics[i] = append(a.metrics[i], m.row(r))
	}
	a.p.Verdicts[r.SLO]++
	if r.RecoveryTime.ok {
		a.recovered = append(a.recovered, r.RecoveryTime.x)
	}
}

func (a *accumulator) summary() PointSummary {
	p := a.p
	for s := model.Stable; s <= model.Collapsed; s++ {
		if p.States[s] >= p.States[p.Majority] {
			p.Majority = s
		}
	}
	for v := NoSLO; v < numVerdicts; v++ {
		if p.Verdicts[v] >= p.Verdicts[p.MajorityVerdict] {
			p.MajorityVerdict = v
		}
	}
	for i, m := range pointMetrics {
		*m.summary(&p) = stats.MeanCI(a.metrics[i], 0.95)
	}
	p.RecoveryTime = stats.Interval{Mean: math.NaN(), HalfWidth: math.Inf(1)}
	if len(a.recovered) > 0 {
		p.RecoveryTime = stats.MeanCI(a.recovered, 0.95)
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
	"stable", "degraded", "collapsed", "majority_state", "worst_state",
	"amplification_mean", "amplification_ci95", "goodput_mean", "goodput_ci95", "throughput_mean", "throughput_ci95",
	"zombie_work_mean", "zombie_work_ci95", "held", "recovered", "unjudged", "violated", "metastable", "majority_verdict",
	"recovery_time_mean", "recovery_time_ci95"}

// pointStrings are the pointColumns with a string value.
var pointStrings = map[string]bool{"majority_state": true, "worst_state": true, "majority_verdict": true}

// writePoints writes the per-point aggregate file of a complete results
// file: CSV or JSON Lines like the results, one line per point after a
// header. Means have 10 significant digits, CI half-widths 6 (empty/null
// with one replication); the columns after worst_state were added in
// format version 2. The recovery time is averaged over the replications
// that recovered (empty/null when none did), and majority_verdict is empty
// (null) without an SLO.
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
		fmt.Fprintf(w, `{"agentchaos_sweep_points":2,"spec":%q,"points":%d,"replications":%d,"axes":%s}`+"\n", h.Spec, h.Points, h.Replications, axes)
		return
	}
	fmt.Fprintf(w, "# agentchaos-sweep-points/2 spec=%s points=%d replications=%d\n", h.Spec, h.Points, h.Replications)
	w.WriteString("point")
	for _, a := range h.Axes {
		w.WriteString("," + csvField(a))
	}
	w.WriteString("," + strings.Join(pointColumns, ",") + "\n")
}

func appendPoint(w *bufio.Writer, format string, keys [][]byte, p *PointSummary) {
	none := ""
	if format == formatJSONL {
		none = "null"
	}
	mean := func(x float64) string {
		if math.IsNaN(x) {
			return none
		}
		return strconv.FormatFloat(x, 'g', 10, 64)
	}
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
		p.Majority.String(), p.Worst.String(),
		mean(p.Amplification.Mean), ci(p.Amplification.HalfWidth), mean(p.Goodput.Mean), ci(p.Goodput.HalfWidth),
		mean(p.Throughput.Mean), ci(p.Throughput.HalfWidth), mean(p.ZombieWork.Mean), ci(p.ZombieWork.HalfWidth)}
	for v := Held; v < numVerdicts; v++ {
		vals = append(vals, strconv.Itoa(p.Verdicts[v]))
	}
	vals = append(vals, p.MajorityVerdict.String(), mean(p.RecoveryTime.Mean), ci(p.RecoveryTime.HalfWidth))
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
			switch {
			case c == "majority_verdict" && p.MajorityVerdict == NoSLO:
				v = "null"
			case pointStrings[c]:
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
