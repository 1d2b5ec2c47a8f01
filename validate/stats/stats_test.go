package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMeanCIKnown(t *testing.T) {
	iv := MeanCI([]float64{1, 2, 3, 4, 5}, 0.95)
	assert.Equal(t, 5, iv.N)
	assert.Equal(t, 0.95, iv.Confidence)
	assert.InEpsilon(t, 3, iv.Mean, 1e-15)
	// t_{0.975, 4} = 2.7764451051977987; s = √2.5.
	assert.InEpsilon(t, 2.7764451051977987*math.Sqrt(2.5)/math.Sqrt(5), iv.HalfWidth, 1e-12)
	lo, hi := iv.bounds()
	assert.True(t, iv.contains(lo) && iv.contains(hi) && !iv.contains(hi+1e-9))
	assert.InEpsilon(t, iv.HalfWidth/3, iv.relativeHalfWidth(), 1e-15)

	one := MeanCI([]float64{7}, 0.9)
	assert.Equal(t, 7.0, one.Mean)
	assert.True(t, math.IsInf(one.HalfWidth, 1))
	assert.True(t, one.contains(-1e300))
	assert.True(t, math.IsNaN(MeanCI(nil, 0.9).Mean))

	zero := MeanCI([]float64{0, 0, 0}, 0.99)
	assert.Zero(t, zero.HalfWidth)
	assert.Zero(t, zero.relativeHalfWidth())
	assert.True(t, math.IsInf(Interval{HalfWidth: 1}.relativeHalfWidth(), 1))

	assert.Panics(t, func() { MeanCI([]float64{1, 2}, 1) })
	assert.Panics(t, func() { MeanCI([]float64{1, 2}, 0) })
}

func TestMeanCICoverage(t *testing.T) {
	const trueMean, intervals, n = 4.0, 1000, 8
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, n)
	var covered, predicted int
	for range intervals {
		for j := range xs {
			xs[j] = trueMean + 2*rng.NormFloat64()
		}
		if MeanCI(xs, 0.95).contains(trueMean) {
			covered++
		}
		lo, hi := PredictionInterval(xs, 0.95)
		if next := trueMean + 2*rng.NormFloat64(); lo <= next && next <= hi {
			predicted++
		}
	}
	cov := float64(covered) / intervals
	assert.True(t, cov >= 0.93 && cov <= 0.97, "CI coverage %g", cov)
	pcov := float64(predicted) / intervals
	assert.True(t, pcov >= 0.93 && pcov <= 0.97, "prediction coverage %g", pcov)

	lo, hi := PredictionInterval([]float64{1}, 0.95)
	assert.True(t, math.IsInf(lo, -1) && math.IsInf(hi, 1))
}

func TestMSER5Step(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	series := make([]float64, 5000)
	for i := range series {
		series[i] = rng.NormFloat64()
		if i < 1000 {
			series[i] += 5
		}
	}
	d := mser5(series)
	assert.True(t, d >= 990 && d <= 1050, "truncate %d", d)
}

func TestMSER5Decay(t *testing.T) {
	// A queue filling from empty: the mean relaxes as e^{−i/200}.
	rng := rand.New(rand.NewPCG(5, 6))
	series := make([]float64, 20000)
	for i := range series {
		series[i] = 10 - 10*math.Exp(-float64(i)/200) + rng.NormFloat64()
	}
	d := mser5(series)
	assert.True(t, d >= 500 && d <= 3000, "truncate %d", d)
	var kept float64
	for _, x := range series[d:] {
		kept += x
	}
	assert.InDelta(t, 10, kept/float64(len(series)-d), 0.05)
}

func TestMSER5Stationary(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	series := make([]float64, 10000)
	for i := range series {
		series[i] = rng.ExpFloat64()
	}
	assert.Less(t, mser5(series), len(series)/10)
	assert.Zero(t, mser5(series[:14]))
	assert.Zero(t, mser5(nil))
	// Only the first half is searched even if the transient is longer.
	for i := range series {
		series[i] = -float64(i)
	}
	assert.LessOrEqual(t, mser5(series), len(series)/2)
}

func TestReplicateStopsWhenPrecise(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	calls := 0
	p := Precision{Confidence: 0.95, MaxRelErr: 0.01, AbsErr: 1e-3, MinReps: 5, MaxReps: 500}
	ivs, capped := p.Replicate(func(rep int) []float64 {
		require.Equal(t, calls, rep)
		calls++
		// Mean 10, sd 0.3 at 1% needs n ≈ (1.96·0.3/0.1)² ≈ 35; the others
		// are precise at once: identically 0, and within the AbsErr floor.
		return []float64{10 + 0.3*rng.NormFloat64(), 0, 1e-4 * rng.NormFloat64()}
	})
	require.Len(t, ivs, 3)
	assert.Equal(t, []bool{false, false, false}, capped)
	assert.Less(t, calls, 100)
	assert.Greater(t, calls, 20)
	for _, iv := range ivs {
		assert.Equal(t, calls, iv.N)
		assert.True(t, p.precise(iv))
	}
	assert.LessOrEqual(t, ivs[0].relativeHalfWidth(), 0.01)
	assert.Zero(t, ivs[1].HalfWidth) // identically 0 is precise without a floor

	// Precise from the start: stops at MinReps.
	calls = 0
	_, capped = Precision{MinReps: 7}.Replicate(func(int) []float64 { calls++; return []float64{3} })
	assert.Equal(t, 7, calls)
	assert.Equal(t, []bool{false}, capped)
}

func TestReplicateCapped(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	p := Precision{MaxReps: 50}
	ivs, capped := p.Replicate(func(int) []float64 {
		return []float64{1 + 10*rng.NormFloat64(), 5 + 0.01*rng.NormFloat64()}
	})
	assert.Equal(t, []bool{true, false}, capped)
	assert.Equal(t, 50, ivs[0].N)
	assert.Equal(t, 0.99, ivs[0].Confidence)
	assert.True(t, ivs[1].contains(5))

	assert.Panics(t, func() {
		p.Replicate(func(rep int) []float64 { return make([]float64, 1+rep%2) })
	})
	assert.Panics(t, func() { p.Replicate(func(int) []float64 { return nil }) })
	_, capped = Precision{MaxReps: 3}.Replicate(func(int) []float64 { return []float64{1} })
	assert.Equal(t, []bool{false}, capped, "default MinReps follows a small MaxReps")
	assert.Panics(t, func() { Precision{MinReps: 20, MaxReps: 10}.Replicate(func(int) []float64 { return []float64{1} }) })
}

func TestRegressionBand(t *testing.T) {
	// Exact line: the band is the line over [x0, x1].
	x := []float64{0, 1, 2, 3, 4}
	y := []float64{1, 3, 5, 7, 9}
	lo, hi := RegressionBand(x, y, 1, 3, 0.99)
	require.InDelta(t, 3, lo, 1e-9)
	require.InDelta(t, 7, hi, 1e-9)

	// Noisy line: compare with the textbook formula at the ends.
	y = []float64{1.1, 2.8, 5.3, 6.9, 9.1}
	lo, hi = RegressionBand(x, y, 0, 4, 0.95)
	// ŷ = 1.02 + 2.01x, s² = SSE/3, Sxx = 10; t(0.975, 3) = 3.182446.
	sse := 0.0
	for i := range x {
		r := y[i] - (1.02 + 2.01*x[i])
		sse += r * r
	}
	h := 3.182446 * math.Sqrt(sse/3) * math.Sqrt(1+1.0/5+4.0/10)
	require.InDelta(t, 1.02-h, lo, 1e-5)
	require.InDelta(t, 1.02+2.01*4+h, hi, 1e-5)

	// Constant values give a point; equal x falls back to the plain
	// prediction interval.
	lo, hi = RegressionBand(x, []float64{2, 2, 2, 2, 2}, 0, 4, 0.99)
	require.Equal(t, [2]float64{2, 2}, [2]float64{lo, hi})
	lo, hi = RegressionBand([]float64{1, 1, 1}, []float64{1, 2, 3}, 1, 1, 0.99)
	plo, phi := PredictionInterval([]float64{1, 2, 3}, 0.99)
	require.Equal(t, [2]float64{plo, phi}, [2]float64{lo, hi})
}
