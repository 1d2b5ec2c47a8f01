package kernel

import (
	"math"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// Fast-path, tail-path and wedge-path probabilities of one try, from the
// tables: the path is decided by the first Uint64's layer and 52 bits.
func (z *zig) pathProbs() (fast, tail, wedge float64) {
	for i := 0; i < 256; i++ {
		pf := float64(z.k[i]) * 0x1p-52
		fast += pf / 256
		if i == 0 {
			tail += (1 - pf) / 256
		} else {
			wedge += (1 - pf) / 256
		}
	}
	return
}

// wedgeAccept returns the probability that a try lands in a wedge and is
// accepted: per layer, the area under f in the wedge over the wedge's area,
// weighted by the chance of reaching that wedge.
func (z *zig) wedgeAccept() float64 {
	p := 0.0
	for i := 1; i < 256; i++ {
		lo, hi := z.x(i+1), z.x(i)
		// Positions in [x[i+1], x[i]) are those with j ≥ K[i].
		lo = math.Max(lo, float64(2*z.k[i]+1)*z.w[i])
		under := z.integral(lo, hi) - z.f[i]*(hi-lo)
		p += under / (z.f[i+1] - z.f[i]) / (hi - lo) * (1 - float64(z.k[i])*0x1p-52) / 256
	}
	return p
}

// binomial requires count out of n to be within 5 standard errors of p.
func binomial(t *testing.T, what string, count, n int, p float64) {
	t.Helper()
	se := math.Sqrt(p * (1 - p) / float64(n))
	got := float64(count) / float64(n)
	t.Logf("%-34s %9d / %d = %.6g  want %.6g  (%+.2f se)", what, count, n, got, p, (got-p)/se)
	require.InDelta(t, p, got, 5*se, "%s: %d of %d", what, count, n)
}

// The path a draw takes is decided by its first Uint64 alone; each path
// occurs at the rate the tables imply; the fast path consumes exactly one
// Uint64 and returns exactly (2j+1)·W[i]; a wedge accepted on its first try
// consumes one more (the height) and lands in its layer's wedge; the tail
// path returns values beyond r.
func TestZigguratPaths(t *testing.T) {
	const n = 1_000_000
	for _, z := range []zig{zigN, zigE} {
		s := NewStream(31, "zig-paths", uint64(len(z.name)))
		var fast, tail, wedgeFirst, other, beyond int
		var used, used2 float64 // Uint64s consumed per draw: sum and sum of squares
		for range n {
			c := s
			r := c.Uint64()
			before := s
			one := c // the state after exactly one Uint64
			i, j := zigBits(r)
			var x float64
			if z.name == "normal" {
				x = s.Normal(0, 1)
			} else {
				x = s.Exp(1)
			}
			k := 0.0
			for ; before != s; k++ {
				before.Uint64()
			}
			used, used2 = used+k, used2+k*k
			ax := math.Abs(x)
			if ax > z.r {
				beyond++
			}
			switch {
			case j < z.k[i]:
				fast++
				want := float64(int64(2*j+1)) * z.w[i]
				if z.name == "normal" && r&0x100 != 0 {
					want = -want
				}
				if one != s || x != want {
					t.Fatalf("%s: fast path from %#x gave %v (want %v), consumed one Uint64: %v", z.name, r, x, want, one == s)
				}
			case i == 0:
				tail++
				if !(ax > z.r) || math.Signbit(x) != (r&0x100 != 0 && z.name == "normal") {
					t.Fatalf("%s: tail path from %#x gave %v", z.name, r, x)
				}
			default:
				one.Uint64()
				if one == s {
					wedgeFirst++ // the wedge accepted its point: two Uint64 in all
					if !(ax >= z.x(int(i)+1) && ax < z.x(int(i))) {
						t.Fatalf("%s: a wedge draw of layer %d gave %v", z.name, i, x)
					}
				} else {
					other++ // rejected, then drawn afresh
				}
			}
		}
		pf, pt, pw := z.pathProbs()
		pwa := z.wedgeAccept()
		binomial(t, z.name+": fast path", fast, n, pf)
		binomial(t, z.name+": tail path", tail, n, pt)
		binomial(t, z.name+": wedge accepted at once", wedgeFirst, n, pwa)
		binomial(t, z.name+": wedge rejected", other, n, pw-pwa)
		pBeyond := math.Exp(-z.r) // P(X > r) for Exp(1)
		if z.name == "normal" {
			pBeyond = math.Erfc(z.r / math.Sqrt2) // P(|Z| > r)
		}
		binomial(t, z.name+": draws beyond r", beyond, n, pBeyond)

		// Uint64s per draw: per try one, plus one for a wedge's height, plus
		// the tail's: one for the exponential; two per try of Marsaglia's
		// tail method for the normal, which accepts with probability
		// r·e^(r²/2)·∫_r^∞ e^(−x²/2) dx. Tries repeat until one accepts.
		tailCost := 1.0
		if z.name == "normal" {
			tailCost = 2 / (z.r * math.Exp(z.r*z.r/2) * z.integral(z.r, math.Inf(1)))
		}
		want := (1 + pw + pt*tailCost) / (pf + pt + pwa)
		mean := used / n
		se := math.Sqrt((used2/n - mean*mean) / n)
		t.Logf("%-34s %.5f  want %.5f  (%+.2f se)", z.name+": Uint64s per draw", mean, want, (mean-want)/se)
		require.InDelta(t, want, mean, 5*se, "%s: Uint64s per draw", z.name)
	}
}

// For a fixed point in a wedge, the height test accepts with probability
// (f(x) − f(x[i]))/(f(x[i+1]) − f(x[i])): checked directly by feeding the
// slow path a chosen first Uint64 and watching whether it draws a second
// point. Layer 255 (whose inner rectangle is empty) is included.
func TestZigguratWedgeAcceptance(t *testing.T) {
	const n = 20000
	for _, z := range []zig{zigN, zigE} {
		for _, i := range []int{1, 2, 100, 200, 254, 255} {
			for _, frac := range []float64{0.1, 0.5, 0.9} {
				// j at the fraction frac of the way from K[i] to 2⁵².
				j := z.k[i] + uint64(frac*float64(1<<52-z.k[i]))
				r := j<<12 | uint64(i)
				x := float64(int64(2*j+1)) * z.w[i]
				want := (z.pdf(x) - z.f[i]) / (z.f[i+1] - z.f[i])
				s := NewStream(32, "wedge", uint64(i), math.Float64bits(frac))
				acc := 0
				for range n {
					c := s
					c.Uint64() // the height
					var got float64
					if z.name == "normal" {
						got = s.normSlow(r)
					} else {
						got = s.expSlow(r)
					}
					if c == s {
						acc++
						if got != x {
							t.Fatalf("%s: wedge of layer %d accepted %v, not its point %v", z.name, i, got, x)
						}
					}
				}
				se := math.Sqrt(want * (1 - want) / n)
				require.InDelta(t, want, float64(acc)/n, 5*se+1e-9, "%s layer %d at %.1f", z.name, i, frac)
			}
		}
	}
}

// The tail paths alone, fed a first Uint64 that selects them: the normal's
// tail has the law of |Z| given |Z| > r (Kolmogorov–Smirnov), the
// exponential's that of r + Exp(1).
func TestZigguratTails(t *testing.T) {
	const n = 50000
	r := uint64(1<<52-1) << 12 // layer 0, j beyond K[0]: the tail
	s := NewStream(33, "zig-tail")
	xs := make([]float64, n)
	for k := range xs {
		xs[k] = s.normSlow(r)
	}
	qr := math.Erfc(zigNormR / math.Sqrt2)
	ksTest(t, "normal tail |Z| > r", xs, func(x float64) float64 {
		return 1 - math.Erfc(x/math.Sqrt2)/qr
	})
	for k := range xs {
		xs[k] = s.expSlow(r)
	}
	ksTest(t, "exponential tail X > r", xs, func(x float64) float64 {
		return 1 - math.Exp(-(x - zigExpR))
	})
	// A set sign bit makes a negative tail draw.
	require.Less(t, s.normSlow(r|0x100), -zigNormR)
}

// ksTest sorts xs and requires the Kolmogorov–Smirnov p-value against cdf
// to exceed 0.001.
func ksTest(t *testing.T, what string, xs []float64, cdf func(float64) float64) {
	t.Helper()
	sort.Float64s(xs)
	n := float64(len(xs))
	d := 0.0
	for i, x := range xs {
		f := cdf(x)
		d = math.Max(d, math.Max(f-float64(i)/n, float64(i+1)/n-f))
	}
	lambda := (math.Sqrt(n) + 0.12 + 0.11/math.Sqrt(n)) * d
	p := 0.0 // Kolmogorov's series Q(λ) = 2 Σ (−1)^(k−1) exp(−2k²λ²)
	for k := 1; k <= 100; k++ {
		term := 2 * math.Exp(-2*float64(k*k)*lambda*lambda)
		if k%2 == 0 {
			term = -term
		}
		p += term
	}
	p = math.Min(1, math.Max(0, p))
	t.Logf("%-34s KS n=%d D=%.5f sqrt(n)D=%.3f p=%.3f", what, len(xs), d, math.Sqrt(n)*d, p)
	require.Greater(t, p, 0.001, "%s: Kolmogorov–Smirnov D = %g", what, d)
}

// chiSquare bins xs on the sorted edges (first −Inf or 0, last +Inf), with
// prob(a, b) the exact probability of [a, b), merges adjacent bins until
// each expects at least 50 draws, and requires the Wilson–Hilferty p-value
// to exceed 0.001.
func chiSquare(t *testing.T, what string, xs []float64, edges []float64, prob func(a, b float64) float64) {
	t.Helper()
	counts := make([]int, len(edges)-1)
	for _, x := range xs {
		k := sort.SearchFloat64s(edges, x) // first edge ≥ x
		if k < len(edges) && edges[k] == x {
			k++
		}
		counts[k-1]++
	}
	n := float64(len(xs))
	chi2, bins := 0.0, 0
	var obs, exp float64
	for k, c := range counts {
		obs += float64(c)
		exp += n * prob(edges[k], edges[k+1])
		if exp >= 50 || k == len(counts)-1 {
			chi2 += (obs - exp) * (obs - exp) / exp
			bins++
			obs, exp = 0, 0
		}
	}
	dof := float64(bins - 1)
	z := (math.Cbrt(chi2/dof) - (1 - 2/(9*dof))) / math.Sqrt(2/(9*dof))
	t.Logf("%-34s chi2 %.1f on %d dof (z = %+.2f, p = %.3f)", what, chi2, bins-1, z, math.Erfc(z/math.Sqrt2)/2)
	require.Less(t, z, 3.09, "%s: chi-square %.1f on %.0f dof", what, chi2, dof)
}

// layerEdges returns the layer widths x[255] … x[1] = r, each interval split
// in two, then r+½, r+1, r+2 and +Inf: the bins that would show a wrong
// layer, wedge or tail.
func (z *zig) layerEdges() []float64 {
	e := []float64{0}
	for i := 255; i >= 1; i-- {
		lo := e[len(e)-1]
		e = append(e, (lo+z.x(i))/2, z.x(i))
	}
	return append(e, z.r+0.5, z.r+1, z.r+2, math.Inf(1))
}

// moment checks the central moments 2, 3 and 4 of xs and the mean against
// the distribution's (mu[k] is the k-th central moment, k ≤ 8), each within
// five standard errors from the delta method:
// Var(m_k) ≈ (μ_2k − μ_k² − 2k·μ_(k+1)·μ_(k−1) + k²·μ_2·μ_(k−1)²)/n.
func momentsExact(t *testing.T, what string, xs []float64, mean float64, mu [9]float64) {
	t.Helper()
	n := float64(len(xs))
	m1 := 0.0
	for _, x := range xs {
		m1 += x
	}
	m1 /= n
	var m [5]float64
	for _, x := range xs {
		d := x - m1
		d2 := d * d
		m[2] += d2
		m[3] += d2 * d
		m[4] += d2 * d2
	}
	se1 := math.Sqrt(mu[2] / n)
	t.Logf("%-34s mean %.5f want %.5f (%+.2f se)", what, m1, mean, (m1-mean)/se1)
	require.InDelta(t, mean, m1, 5*se1, "%s: mean", what)
	mu[1] = 0
	for k := 2; k <= 4; k++ {
		m[k] /= n
		v := mu[2*k] - mu[k]*mu[k] - float64(2*k)*mu[k+1]*mu[k-1] + float64(k*k)*mu[2]*mu[k-1]*mu[k-1]
		se := math.Sqrt(v / n)
		t.Logf("%-34s central moment %d: %.5f want %.5f (%+.2f se)", what, k, m[k], mu[k], (m[k]-mu[k])/se)
		require.InDelta(t, mu[k], m[k], 5*se, "%s: central moment %d", what, k)
	}
}

// The exponential ziggurat against the exact law: moments up to the 4th
// (skewness 2, kurtosis 9), tail probabilities, a Kolmogorov–Smirnov test
// and a chi-square over bins aligned with the layers.
func TestExpZigguratDistribution(t *testing.T) {
	const n = 1_000_000
	s := NewStream(34, "zig-exp")
	xs := make([]float64, n)
	for k := range xs {
		xs[k] = s.Exp(1)
	}
	// Central moments of Exp(1) are the subfactorials !k.
	momentsExact(t, "exp(1)", xs, 1, [9]float64{1, 0, 1, 2, 9, 44, 265, 1854, 14833})
	var over3, over8, overR, over10 int
	for _, x := range xs {
		if x > 3 {
			over3++
		}
		if x > 8 {
			over8++
		}
		if x > zigExpR {
			overR++
		}
		if x > 10 {
			over10++
		}
		if !(x > 0) {
			t.Fatalf("exp draw %v", x)
		}
	}
	binomial(t, "exp: P(X > 3·mean)", over3, n, math.Exp(-3))
	binomial(t, "exp: P(X > r)", overR, n, math.Exp(-zigExpR))
	binomial(t, "exp: P(X > 8)", over8, n, math.Exp(-8))
	binomial(t, "exp: P(X > 10)", over10, n, math.Exp(-10))
	chiSquare(t, "exp: layer bins", xs, zigE.layerEdges(), func(a, b float64) float64 {
		return math.Exp(-a) - math.Exp(-b)
	})
	ksTest(t, "exp: KS", xs[:200_000], func(x float64) float64 { return -math.Expm1(-x) })

	// The mean scales the unit draw exactly.
	a, b := NewStream(35, "scale"), NewStream(35, "scale")
	for range 1000 {
		if x, y := float64(a.Exp(1)*0.37), b.Exp(0.37); x != y {
			t.Fatalf("Exp(0.37) = %v, 0.37·Exp(1) = %v", y, x)
		}
	}
}

// The normal ziggurat against the exact law: mean, variance, skewness 0 and
// kurtosis 3, symmetric tail probabilities, the sign, a Kolmogorov–Smirnov
// test and a chi-square over bins aligned with the layers on both sides.
func TestNormalZigguratDistribution(t *testing.T) {
	const n = 1_000_000
	s := NewStream(36, "zig-normal")
	xs := make([]float64, n)
	for k := range xs {
		xs[k] = s.Normal(0, 1)
	}
	momentsExact(t, "normal(0,1)", xs, 0, [9]float64{1, 0, 1, 0, 3, 0, 15, 0, 105})
	var neg, over3, over4, overR int
	for _, x := range xs {
		if math.Signbit(x) {
			neg++
		}
		if math.Abs(x) > 3 {
			over3++
		}
		if x > 4 {
			over4++
		}
		if math.Abs(x) > zigNormR {
			overR++
		}
	}
	binomial(t, "normal: P(Z < 0)", neg, n, 0.5)
	binomial(t, "normal: P(|Z| > 3)", over3, n, math.Erfc(3/math.Sqrt2))
	binomial(t, "normal: P(|Z| > r)", overR, n, math.Erfc(zigNormR/math.Sqrt2))
	binomial(t, "normal: P(Z > 4)", over4, n, math.Erfc(4/math.Sqrt2)/2)
	pos := zigN.layerEdges()
	edges := []float64{math.Inf(-1)}
	for k := len(pos) - 2; k >= 1; k-- {
		edges = append(edges, -pos[k])
	}
	edges = append(edges, pos...)
	chiSquare(t, "normal: layer bins, both signs", xs, edges, func(a, b float64) float64 {
		return (math.Erfc(a/math.Sqrt2) - math.Erfc(b/math.Sqrt2)) / 2
	})
	ksTest(t, "normal: KS", xs[:200_000], func(x float64) float64 { return math.Erfc(-x/math.Sqrt2) / 2 })

	// Location and scale are applied exactly.
	a, b := NewStream(37, "scale"), NewStream(37, "scale")
	for range 1000 {
		if x, y := 1.5+float64(2.5*a.Normal(0, 1)), b.Normal(1.5, 2.5); x != y {
			t.Fatalf("Normal(1.5, 2.5) = %v, 1.5 + 2.5·Normal(0, 1) = %v", y, x)
		}
	}
}

func TestSamplersAllocateNothing(t *testing.T) {
	s := NewStream(38, "allocs")
	allocs := testing.AllocsPerRun(1000, func() {
		sink = s.Exp(1) + s.Normal(0, 1) + s.LogNormal(0, 1) + s.Gamma(0.5, 1) + s.Gamma(3, 1)
	})
	require.Zero(t, allocs)
}
