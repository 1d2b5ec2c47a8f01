package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Interval is a Student-t confidence interval of a mean over N independent
// replications: Mean ± HalfWidth at the given Confidence level.
type Interval struct {
	Mean       float64
	HalfWidth  float64 // +Inf when N < 2
	N          int
	Confidence float64 // in (0, 1), e.g. 0.95
}

// contains reports whether x lies in the closed interval.
func (i Interval) contains(x float64) bool {
	return math.Abs(x-i.Mean) <= i.HalfWidth
}

// bounds returns the ends of the interval.
func (i Interval) bounds() (lo, hi float64) {
	return i.Mean - i.HalfWidth, i.Mean + i.HalfWidth
}

// relativeHalfWidth returns HalfWidth/|Mean|. It is 0 when HalfWidth is 0
// (even if Mean is 0), and +Inf when only Mean is 0.
func (i Interval) relativeHalfWidth() float64 {
	if i.HalfWidth == 0 {
		return 0
	}
	return i.HalfWidth / math.Abs(i.Mean)
}

// MeanCI returns the Student-t confidence interval of the mean of xs, which
// are taken as independent and identically distributed (one value per
// replication). With fewer than two values HalfWidth is +Inf (and Mean is
// NaN for none). The sums run in order with every product rounded before it
// is added (no FMA), and t is TCritical's, so the interval is the same to
// the last bit on every machine. It panics unless 0 < confidence < 1.
func MeanCI(xs []float64, confidence float64) Interval {
	n := len(xs)
	iv := Interval{N: n, Confidence: confidence, HalfWidth: math.Inf(1)}
	t := TCritical(confidence, max(n, 2)-1)
	switch n {
	case 0:
		iv.Mean = math.NaN()
		return iv
	case 1:
		iv.Mean = xs[0]
		return iv
	}
	mean, sd := meanSD(xs)
	iv.Mean = mean
	iv.HalfWidth = float64(t*sd) / math.Sqrt(float64(n))
	return iv
}

// meanSD returns the mean of xs and their sample standard deviation (with
// n−1), summed in order with every product rounded before it is added, so
// that they are the same to the last bit on every machine. len(xs) ≥ 2.
func meanSD(xs []float64) (mean, sd float64) {
	n := len(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean = sum / float64(n)
	ss := 0.0
	for _, x := range xs {
		d := x - mean
		ss = float64(d*d) + ss
	}
	return mean, math.Sqrt(ss / float64(n-1))
}

// PredictionInterval returns an interval that holds one further independent
// value with the given confidence, assuming approximately normal values:
// mean ± t·s·√(1+1/n). With fewer than two values it is (−Inf, +Inf). It
// panics unless 0 < confidence < 1.
func PredictionInterval(xs []float64, confidence float64) (lo, hi float64) {
	n := len(xs)
	t := TCritical(confidence, max(n, 2)-1)
	if n < 2 {
		return math.Inf(-1), math.Inf(1)
	}
	mean, sd := meanSD(xs)
	h := float64(t*sd) * math.Sqrt(1+1/float64(n))
	return mean - h, mean + h
}

// Precision is a sequential stopping rule for independent replications, in
// the style of JMT: replicate until every measure's confidence interval is
// precise, or MaxReps is reached. Zero fields take the defaults noted.
//
// A measure is precise when HalfWidth ≤ MaxRelErr·|Mean| or
// HalfWidth ≤ AbsErr. The absolute floor matters for measures whose true
// value may be 0, such as a blocking probability, where a relative error is
// undefined; a measure that is identically 0 is always precise.
//
// Stopping on the data's own variance makes intervals slightly
// anti-conservative; MinReps keeps the variance estimate from stopping the
// run by luck.
type Precision struct {
	Confidence float64 // confidence level of the intervals; default 0.99
	MaxRelErr  float64 // relative half-width target; default 0.03
	AbsErr     float64 // absolute half-width floor; default 0 (none)
	MinReps    int     // replications before the first check; default min(10, MaxReps)
	MaxReps    int     // replication cap; default 1000
}

// WithDefaults returns p with the defaults noted on its fields in place of
// zero values.
func (p Precision) WithDefaults() Precision {
	if p.Confidence == 0 {
		p.Confidence = 0.99
	}
	if p.MaxRelErr == 0 {
		p.MaxRelErr = 0.03
	}
	if p.MaxReps == 0 {
		p.MaxReps = 1000
	}
	if p.MinReps == 0 {
		p.MinReps = min(10, p.MaxReps)
	}
	return p
}

// precise reports whether iv meets the precision target, with defaults
// applied to zero fields.
func (p Precision) precise(iv Interval) bool {
	p = p.WithDefaults()
	return iv.HalfWidth <= p.MaxRelErr*math.Abs(iv.Mean) || iv.HalfWidth <= p.AbsErr
}

// Replicate calls run(rep) for rep = 0, 1, 2, ... in order; each call returns
// one value per measure, the same number every time. After at least MinReps
// calls it stops as soon as every measure is precise, or after MaxReps calls.
// It returns each measure's interval and whether that measure was still
// imprecise when the cap stopped the run.
//
// It panics if run returns no values or a varying number of them, or if the
// fields are invalid (Confidence outside (0, 1), negative errors, MinReps or
// MaxReps negative, MinReps > MaxReps).
func (p Precision) Replicate(run func(rep int) []float64) (intervals []Interval, capped []bool) {
	p = p.WithDefaults()
	if !(p.Confidence > 0 && p.Confidence < 1) || !(p.MaxRelErr > 0) || !(p.AbsErr >= 0) ||
		p.MinReps < 0 || p.MaxReps < 1 || p.MinReps > p.MaxReps {
		panic("stats: invalid Precision")
	}
	var samples [][]float64
	for rep := 0; rep < p.MaxReps; rep++ {
		vals := run(rep)
		if rep == 0 {
			if len(vals) == 0 {
				panic("stats: run returned no measures")
			}
			samples = make([][]float64, len(vals))
			intervals = make([]Interval, len(vals))
		} else if len(vals) != len(samples) {
			panic("stats: run returned a varying number of measures")
		}
		for i, v := range vals {
			samples[i] = append(samples[i], v)
		}
		if rep+1 < p.MinReps && rep+1 < p.MaxReps {
			continue
		}
		done := true
		for i, xs := range samples {
			intervals[i] = MeanCI(xs, p.Confidence)
			done = done && p.precise(intervals[i])
		}
		if done {
			return intervals, make([]bool, len(samples))
		}
	}
	capped = make([]bool, len(samples))
	for i, iv := range intervals {
		capped[i] = !p.precise(iv)
	}
	return intervals, capped
}

// mser5 returns how many leading observations of series to delete as
// warm-up, by the MSER-5 rule (White, 1997; Franklin and White, 2008): group
// the series into batches of 5 (dropping a partial last batch), and choose
// the number of batches d that minimizes the marginal standard error
// Σ_{j>d}(Z_j − Z̄_d)²/(k−d)² of the k batch means Z. As usual only the first
// half of the run is searched, since a minimum beyond it means the run is too
// short to tell; ties go to the smaller d. The result is 5d observations, and
// 0 for series shorter than 15.
func mser5(series []float64) (truncate int) {
	const batch = 5
	k := len(series) / batch
	dMax := min(k/2, k-2) // keep at least two batches
	if dMax < 1 {
		return 0
	}
	z := make([]float64, k)
	for j := range z {
		var s float64
		for _, x := range series[j*batch : (j+1)*batch] {
			s += x
		}
		z[j] = s / batch
	}
	// A backward Welford pass gives every suffix's sum of squared deviations
	// in one sweep without the cancellation of Σz² − nz̄².
	mser := make([]float64, k)
	var mean, m2 float64
	for j := k - 1; j >= 0; j-- {
		n := float64(k - j)
		delta := z[j] - mean
		mean += delta / n
		m2 += delta * (z[j] - mean)
		mser[j] = m2 / (n * n)
	}
	best := 0
	for d := 1; d <= dMax; d++ {
		if mser[d] < mser[best] {
			best = d
		}
	}
	return best * batch
}

// RegressionBand fits y = α + β·x by least squares and returns the lowest
// and highest ends of the two-sided prediction interval, at the given
// confidence, of one new observation taken anywhere in x ∈ [x0, x1]:
// ŷ ± t(n−2)·s·√(1 + 1/n + (x−x̄)²/Sxx), with s the residuals' standard
// deviation; sums are FMA-free, as in MeanCI. The ends are extreme at x0 or x1, since ŷ is linear and the
// half-width convex. With fewer than three points, or all x equal, it
// falls back to the prediction interval of y alone (PredictionInterval);
// with all y equal it returns that value. It panics unless
// 0 < confidence < 1 or if the lengths differ.
func RegressionBand(x, y []float64, x0, x1, confidence float64) (lo, hi float64) {
	if len(x) != len(y) {
		panic("stats: RegressionBand: length mismatch")
	}
	n := len(y)
	if n > 0 && slices.Min(y) == slices.Max(y) {
		return y[0], y[0]
	}
	if n < 3 || slices.Min(x) == slices.Max(x) {
		return PredictionInterval(y, confidence)
	}
	var xs, ys float64
	for i := range x {
		xs += x[i]
		ys += y[i]
	}
	xm, ym := xs/float64(n), ys/float64(n)
	var sxx, sxy float64
	for i := range x {
		dx := x[i] - xm
		sxx = float64(dx*dx) + sxx
		sxy = float64(dx*(y[i]-ym)) + sxy
	}
	beta := sxy / sxx
	alpha := ym - float64(beta*xm)
	var sse float64
	for i := range x {
		r := y[i] - (alpha + float64(beta*x[i]))
		sse = float64(r*r) + sse
	}
	t := TCritical(confidence, n-2)
	s := math.Sqrt(sse / float64(n-2))
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, xe := range []float64{x0, x1} {
		yh := alpha + float64(beta*xe)
		dx := xe - xm
		h := float64(t*s) * math.Sqrt(1+1/float64(n)+float64(dx*dx)/sxx)
		lo, hi = min(lo, yh-h), max(hi, yh+h)
	}
	return lo, hi
}

// KS is the two-sample Kolmogorov–Smirnov distance of sorted samples: 0 if
// both are empty, 1 if only one is.
func KS(x, y []float64) float64 {
	return stat.KolmogorovSmirnov(x, nil, y, nil)
}
