package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/agentchaos/agentchaos/kernel"
)

// Dist names a distribution of a non-negative quantity (a duration in
// seconds, or a size) by its kind and mean, with one shape parameter where
// the kind has one:
//
//	deterministic     always Mean
//	exponential       Mean (squared coefficient of variation 1)
//	erlang            Mean, K phases (scv 1/K)
//	hyperexponential  Mean, CV ≥ 1; two exponential phases with balanced means
//	lognormal         Mean, CV > 0
//	gamma             Mean, CV > 0
//	normal            Mean, CV > 0 (standard deviation CV·Mean); a negative draw is 0
//	pareto            Mean, Alpha > 1 (tail index)
//	uniform           Min, Max (Mean is ignored)
//	empirical         Values: a sample, drawn from by linear interpolation of its
//	                  sorted values (the sample's own quantile function)
type Dist struct {
	Kind   string    `json:"kind"`
	Mean   float64   `json:"mean"`
	CV     float64   `json:"cv,omitempty"`
	K      int       `json:"k,omitempty"`
	Alpha  float64   `json:"alpha,omitempty"`
	Min    float64   `json:"min,omitempty"`
	Max    float64   `json:"max,omitempty"`
	Values []float64 `json:"values,omitempty"`
}

// Distribution kinds.
const (
	Deterministic    = "deterministic"
	Exponential      = "exponential"
	Erlang           = "erlang"
	Hyperexponential = "hyperexponential"
	LogNormal        = "lognormal"
	Gamma            = "gamma"
	Normal           = "normal"
	Pareto           = "pareto"
	Uniform          = "uniform"
	Empirical        = "empirical"
)

const distKinds = "deterministic, exponential, erlang, hyperexponential, lognormal, gamma, normal, pareto, uniform, empirical"

// MaxEmpiricalValues bounds an empirical distribution's sample.
const MaxEmpiricalValues = 1_000_000

// SCV returns the distribution's squared coefficient of variation
// (variance / mean²), +Inf for a Pareto with Alpha ≤ 2. For a normal it is
// CV² (the truncation at 0 is ignored).
func (d Dist) SCV() float64 {
	switch d.Kind {
	case Deterministic:
		return 0
	case Exponential:
		return 1
	case Erlang:
		return 1 / float64(d.K)
	case Hyperexponential, LogNormal, Gamma, Normal:
		return d.CV * d.CV
	case Pareto:
		if d.Alpha <= 2 {
			return math.Inf(1)
		}
		return 1 / (d.Alpha * (d.Alpha - 2))
	case Uniform:
		m := (d.Min + d.Max) / 2
		if m == 0 {
			return 0
		}
		w := d.Max - d.Min
		return w * w / 12 / (m * m)
	case Empirical:
		m := d.MeanValue()
		if m == 0 || len(d.Values) < 2 {
			return 0
		}
		ys := slices.Sorted(slices.Values(d.Values))
		// The interpolated quantile function is piecewise linear: the
		// variance of a uniform mixture of segments.
		var sq float64
		for i := 0; i+1 < len(ys); i++ {
			a, b := ys[i], ys[i+1]
			sq += (a*a + a*b + b*b) / 3
		}
		sq /= float64(len(ys) - 1)
		return (sq - m*m) / (m * m)
	}
	return math.NaN()
}

// MeanValue returns the distribution's mean.
func (d Dist) MeanValue() float64 {
	switch d.Kind {
	case Uniform:
		return (d.Min + d.Max) / 2
	case Empirical:
		ys := slices.Sorted(slices.Values(d.Values))
		if len(ys) == 1 {
			return ys[0]
		}
		var sum float64
		for i := 0; i+1 < len(ys); i++ {
			sum += (ys[i] + ys[i+1]) / 2
		}
		return sum / float64(len(ys)-1)
	}
	return d.Mean
}

// sampler is a Dist compiled for drawing: parameters derived once, with the
// portable kernel functions so that they are the same on every machine. The
// zero sampler (sNone) stands for "no distribution" and must not be drawn.
type sampler struct {
	kind    uint8
	a, b, c float64
	k       int
	values  []float64
}

const (
	sNone uint8 = iota
	sDet
	sExp
	sErlang
	sHyper
	sLogNormal
	sGamma
	sNormal
	sPareto
	sUniform
	sEmpirical
)

func (d Dist) compile() sampler {
	switch d.Kind {
	case Deterministic:
		return sampler{kind: sDet, a: d.Mean}
	case Exponential:
		return sampler{kind: sExp, a: d.Mean}
	case Erlang:
		return sampler{kind: sErlang, a: d.Mean, k: d.K}
	case Hyperexponential:
		// Balanced means: p/μ1 = (1−p)/μ2; p = (1 + √((c²−1)/(c²+1)))/2.
		c2 := float64(d.CV * d.CV)
		p := (1 + math.Sqrt((c2-1)/(c2+1))) / 2
		return sampler{kind: sHyper, a: p, b: d.Mean / float64(2*p), c: d.Mean / float64(2*(1-p))}
	case LogNormal:
		s2 := kernel.Log(1 + float64(d.CV*d.CV))
		if d.Mean == 0 {
			return sampler{kind: sDet}
		}
		return sampler{kind: sLogNormal, a: kernel.Log(d.Mean) - s2/2, b: math.Sqrt(s2)}
	case Gamma:
		if d.Mean == 0 {
			return sampler{kind: sDet}
		}
		shape := 1 / float64(d.CV*d.CV)
		return sampler{kind: sGamma, a: shape, b: d.Mean / shape}
	case Normal:
		return sampler{kind: sNormal, a: d.Mean, b: float64(d.CV * d.Mean)}
	case Pareto:
		return sampler{kind: sPareto, a: float64(d.Mean*(d.Alpha-1)) / d.Alpha, b: d.Alpha}
	case Uniform:
		return sampler{kind: sUniform, a: d.Min, b: d.Max}
	case Empirical:
		return sampler{kind: sEmpirical, values: slices.Sorted(slices.Values(d.Values))}
	}
	panic("model: unknown distribution kind " + d.Kind)
}

// draw returns one value from r.
func (s *sampler) draw(r *kernel.Stream) float64 {
	switch s.kind {
	case sDet:
		return s.a
	case sExp:
		return r.Exp(s.a)
	case sErlang:
		return r.Erlang(s.k, s.a)
	case sHyper:
		if r.Float64() < s.a {
			return r.Exp(s.b)
		}
		return r.Exp(s.c)
	case sLogNormal:
		return r.LogNormal(s.a, s.b)
	case sGamma:
		return r.Gamma(s.a, s.b)
	case sNormal:
		return max(0, r.Normal(s.a, s.b))
	case sPareto:
		if s.a == 0 {
			return 0
		}
		return r.Pareto(s.a, s.b)
	case sUniform:
		return r.Uniform(s.a, s.b)
	case sEmpirical:
		n := len(s.values)
		if n == 1 {
			return s.values[0]
		}
		h := float64(r.Float64() * float64(n-1))
		i := int(h)
		return s.values[i] + float64((h-float64(i))*(s.values[i+1]-s.values[i]))
	}
	panic("model: bad sampler")
}

// timeDist validates a Dist of times in seconds at path, as dist does, and
// its mean as a wait (see validator.wait): 0, or at least a nanosecond.
func (v *validator) timeDist(path string, d Dist, allowZero bool) {
	v.dist(path, d, allowZero)
	if v.err != nil {
		return
	}
	field := path + ".mean"
	if d.Kind == Uniform || d.Kind == Empirical {
		field = path
	}
	if m := d.MeanValue(); m > 0 && m < minTime {
		v.fail(field, "a mean of "+subNanosecond(m))
	} else {
		v.note(field, m)
	}
}

// drawnSeconds converts a drawn or computed time in seconds to a Duration,
// capped at maxValue: a heavy tail (a Pareto of tail index near 1, a
// lognormal of CV 100) or a steep slowdown can reach beyond the int64
// nanoseconds. One such wait ends the run at MaxPeriods, with an error,
// rather than in a panic.
func drawnSeconds(x float64) kernel.Duration { return kernel.Seconds(min(x, maxValue)) }

// dist validates a Dist at path; allowZero admits a zero mean.
func (v *validator) dist(path string, d Dist, allowZero bool) {
	mean := func() {
		if !v.finite(path+".mean", d.Mean) {
			return
		}
		if d.Mean < 0 || (!allowZero && d.Mean == 0) {
			if allowZero {
				v.fail(path+".mean", fmt.Sprintf("must not be negative (got %g)", d.Mean))
			} else {
				v.fail(path+".mean", fmt.Sprintf("must be above 0 (got %g)", d.Mean))
			}
		}
	}
	unused := func(name string, set bool) {
		v.unused(path+"."+name, set, fmt.Sprintf("does not apply to kind %q", d.Kind))
	}
	switch d.Kind {
	case Deterministic, Exponential:
		mean()
		unused("cv", d.CV != 0)
		unused("k", d.K != 0)
		unused("alpha", d.Alpha != 0)
	case Erlang:
		mean()
		v.intIn(path+".k", d.K, 1, 1000)
	case Hyperexponential:
		mean()
		v.atLeast(path+".cv", d.CV, 1)
	case LogNormal, Gamma, Normal:
		mean()
		v.positive(path+".cv", d.CV)
		if d.CV > 100 {
			v.fail(path+".cv", fmt.Sprintf("must be at most 100 (got %g)", d.CV))
		}
	case Pareto:
		mean()
		if v.finite(path+".alpha", d.Alpha) && !(d.Alpha > 1) {
			v.fail(path+".alpha", fmt.Sprintf("must be above 1 for a finite mean (got %g)", d.Alpha))
		}
	case Uniform:
		v.nonNeg(path+".min", d.Min)
		v.atLeast(path+".max", d.Max, d.Min)
		unused("mean", d.Mean != 0)
	case Empirical:
		unused("mean", d.Mean != 0)
		if len(d.Values) == 0 {
			v.fail(path+".values", "an empirical distribution needs at least one value")
		}
		if len(d.Values) > MaxEmpiricalValues {
			v.fail(path+".values", fmt.Sprintf("at most %d values", MaxEmpiricalValues))
		}
		for i, x := range d.Values {
			v.nonNeg(fmt.Sprintf("%s.values[%d]", path, i), x)
		}
	case "":
		v.fail(path+".kind", "is required")
	default:
		v.fail(path+".kind", fmt.Sprintf("unknown distribution %q (%s)", d.Kind, distKinds))
	}
	if d.Kind != Uniform {
		unused("min", d.Min != 0)
		unused("max", d.Max != 0)
	}
	if d.Kind != Empirical {
		unused("values", len(d.Values) > 0)
	}
}
