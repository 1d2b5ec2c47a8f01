package kernel

import "math"

// Samplers. Each draws from s in a fixed pattern that depends only on its
// parameters and the values drawn, so a stream replays exactly. All use the
// portable Log and Exp and explicit float64 conversions (see package doc).

// Uniform returns a value uniform in [lo, hi).
func (s *Stream) Uniform(lo, hi float64) float64 {
	return lo + float64((hi-lo)*s.Float64())
}

// Exp returns an exponentially distributed value with the given mean (in
// whatever unit the mean is), by the ziggurat method (see ziggurat.go): one
// Uint64, a table lookup, an integer compare and two multiplications on
// 97.8% of draws; the tail beyond 7.697·mean and the wedges use Log and Exp.
// On average 1.034 Uint64 per draw. The value is never 0 for mean > 0.
func (s *Stream) Exp(mean float64) float64 {
	r := s.pcg.Uint64()
	i, j := zigBits(r)
	if j < zigExpK[i] {
		return float64(zigX(j, zigExpW[i]) * mean)
	}
	return float64(s.expSlow(r) * mean)
}

// Normal returns a normally distributed value by the ziggurat method (see
// ziggurat.go): one Uint64, a table lookup, an integer compare and two
// multiplications on 98.5% of draws; the tail beyond ±3.654 standard
// deviations and the wedges use Log and Exp. On average 1.022 Uint64 per
// draw. It keeps no spare variate, so a stream's draws do not depend on call
// history.
func (s *Stream) Normal(mean, stddev float64) float64 {
	r := s.pcg.Uint64()
	i, j := zigBits(r)
	var z float64
	if j < zigNormK[i] {
		z = math.Float64frombits(math.Float64bits(zigX(j, zigNormW[i])) ^ (r&0x100)<<55)
	} else {
		z = s.normSlow(r)
	}
	return mean + float64(stddev*z)
}

// LogNormal returns exp(N(mu, sigma²)): mu and sigma are the mean and
// standard deviation of the logarithm. One Normal draw and one Exp.
func (s *Stream) LogNormal(mu, sigma float64) float64 {
	return Exp(s.Normal(mu, sigma))
}

// Gamma returns a Gamma(shape, scale) value (mean shape·scale) by Marsaglia
// and Tsang's method: each try takes a Normal draw and a uniform, and
// usually the first try is accepted without a logarithm (at least 95% of
// tries are accepted for any shape). For shape < 1 it boosts a
// Gamma(shape+1) draw by U^(1/shape), at the cost of a Log and an Exp. It
// panics unless shape > 0 and scale > 0.
func (s *Stream) Gamma(shape, scale float64) float64 {
	if !(shape > 0) || !(scale > 0) {
		panic("kernel: Gamma needs shape > 0 and scale > 0")
	}
	boost := 1.0
	if shape < 1 {
		boost = Exp(Log(s.OpenFloat64()) / shape)
		shape++
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(float64(9*d))
	for {
		var x, v float64
		for {
			x = s.Normal(0, 1)
			v = 1 + float64(c*x)
			if v > 0 {
				break
			}
		}
		v = float64(float64(v*v) * v)
		u := s.OpenFloat64()
		x2 := float64(x * x)
		if u < 1-float64(float64(0.0331*x2)*x2) ||
			Log(u) < float64(0.5*x2)+float64(d*(1-v+Log(v))) {
			return float64(float64(d*v)*boost) * scale
		}
	}
}

// Erlang returns the sum of k exponential values each of mean mean/k, so the
// result has the given mean and squared coefficient of variation 1/k. It
// panics if k < 1.
func (s *Stream) Erlang(k int, mean float64) float64 {
	if k < 1 {
		panic("kernel: Erlang needs k >= 1")
	}
	sum := 0.0
	for i := 0; i < k; i++ {
		sum += -Log(s.OpenFloat64())
	}
	return float64(sum*mean) / float64(k)
}

// Pareto returns a Pareto value with minimum xm and tail index alpha:
// P(X > x) = (xm/x)^alpha for x ≥ xm. Its mean is finite only for alpha > 1.
// It panics unless xm > 0 and alpha > 0.
func (s *Stream) Pareto(xm, alpha float64) float64 {
	if !(xm > 0) || !(alpha > 0) {
		panic("kernel: Pareto needs xm > 0 and alpha > 0")
	}
	return float64(xm * Exp(-Log(s.OpenFloat64())/alpha))
}
