package kernel

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// ulps returns the distance between a and b in units in the last place.
func ulps(a, b float64) uint64 {
	ia, ib := int64(math.Float64bits(a)), int64(math.Float64bits(b))
	if ia > ib {
		return uint64(ia - ib)
	}
	return uint64(ib - ia)
}

// Both ours and math's are within 1 ulp of the correctly rounded result (the
// msun bound), so they may differ from each other by up to 2.
func TestLogExpAccuracy(t *testing.T) {
	s := NewStream(1, "accuracy")
	for i := 0; i < 200000; i++ {
		x := math.Ldexp(s.OpenFloat64(), s.IntN(200)-100)
		require.LessOrEqual(t, ulps(Log(x), math.Log(x)), uint64(2), "Log(%v)", x)
		y := s.Uniform(-700, 700)
		require.LessOrEqual(t, ulps(Exp(y), math.Exp(y)), uint64(2), "Exp(%v)", y)
	}
	require.True(t, math.IsInf(Log(0), -1))
	require.True(t, math.IsNaN(Log(-1)))
	require.True(t, math.IsInf(Exp(1000), 1))
	require.Equal(t, 0.0, Exp(-1000))
	require.Equal(t, 1.0, Exp(0))
	require.Equal(t, 0.0, Log(1))
	require.InEpsilon(t, math.Pow(3.3, 2.7), Pow(3.3, 2.7), 1e-14)
	require.Equal(t, 0.0, Pow(0, 2))
	require.Equal(t, 1.0, Pow(5, 0))
}

// moments checks a sampler's mean and variance against theory, within five
// standard errors (the variance's standard error estimated from the 4th moment).
func moments(t *testing.T, name string, n int, f func() float64, mean, variance float64) {
	t.Helper()
	var s1, s2 float64
	xs := make([]float64, n)
	for i := range xs {
		x := f()
		xs[i] = x
		s1 += x
	}
	m := s1 / float64(n)
	var s4 float64
	for _, x := range xs {
		d := x - m
		s2 += d * d
		s4 += d * d * d * d
	}
	v := s2 / float64(n-1)
	require.InDelta(t, mean, m, 5*math.Sqrt(variance/float64(n)), "%s mean", name)
	seVar := math.Sqrt((s4/float64(n) - v*v) / float64(n))
	require.InDelta(t, variance, v, 5*seVar, "%s variance", name)
}

func TestSamplerMoments(t *testing.T) {
	s := NewStream(11, "moments")
	const n = 200000
	moments(t, "uniform", n, func() float64 { return s.Uniform(2, 5) }, 3.5, 9.0/12)
	moments(t, "exp", n, func() float64 { return s.Exp(0.5) }, 0.5, 0.25)
	moments(t, "normal", n, func() float64 { return s.Normal(1, 2) }, 1, 4)
	mu, sg := -4.0, 0.6
	moments(t, "lognormal", n, func() float64 { return s.LogNormal(mu, sg) },
		math.Exp(mu+sg*sg/2), (math.Exp(sg*sg)-1)*math.Exp(2*mu+sg*sg))
	moments(t, "gamma<1", n, func() float64 { return s.Gamma(0.4, 1.5) }, 0.6, 0.4*1.5*1.5)
	moments(t, "gamma>1", n, func() float64 { return s.Gamma(3.7, 0.01) }, 0.037, 3.7*0.0001)
	moments(t, "erlang", n, func() float64 { return s.Erlang(4, 2) }, 2, 1)
	moments(t, "pareto", n, func() float64 { return s.Pareto(1, 4.5) }, 4.5/3.5, 4.5/(3.5*3.5*2.5))
}

func TestExpTail(t *testing.T) {
	// The exponential's median and 99th percentile, a check on the tail that
	// moments alone would miss.
	s := NewStream(12, "tail")
	const n = 100000
	var below1, below99 int
	for i := 0; i < n; i++ {
		x := s.Exp(1)
		if x < math.Ln2 {
			below1++
		}
		if x < -math.Log(0.01) {
			below99++
		}
	}
	require.InDelta(t, 0.5, float64(below1)/n, 0.006)
	require.InDelta(t, 0.99, float64(below99)/n, 0.0015)
}
