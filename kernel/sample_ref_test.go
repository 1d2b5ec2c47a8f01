package kernel

import "math"

// The samplers before the ziggurat, kept as references for BenchmarkSamplers
// (old against new in one run) and for the distribution tests. They are the
// code of Stream.Exp, Stream.Normal, Stream.LogNormal and Stream.Gamma as of
// commit f52e431.

// refExp is inversion: −mean·ln U. One Uint64.
func refExp(s *Stream, mean float64) float64 {
	return float64(-Log(s.OpenFloat64()) * mean)
}

// refNormal is Marsaglia's polar method.
func refNormal(s *Stream, mean, stddev float64) float64 {
	for {
		u := float64(2*s.Float64()) - 1
		v := float64(2*s.Float64()) - 1
		q := float64(u*u) + float64(v*v)
		if q > 0 && q < 1 {
			z := float64(u * math.Sqrt(float64(-2*Log(q))/q))
			return mean + float64(stddev*z)
		}
	}
}

func refLogNormal(s *Stream, mu, sigma float64) float64 {
	return Exp(refNormal(s, mu, sigma))
}

// refGamma is Stream.Gamma with refNormal.
func refGamma(s *Stream, shape, scale float64) float64 {
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
			x = refNormal(s, 0, 1)
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
