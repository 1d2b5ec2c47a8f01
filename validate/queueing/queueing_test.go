package queueing

import (
	"fmt"
	"math"
	"math/big"
	"testing"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// near asserts |got−want| ≤ rel·|want| + abs.
func near(t *testing.T, want, got, rel, abs float64, msgAndArgs ...any) {
	t.Helper()
	assert.LessOrEqual(t, math.Abs(got-want), rel*math.Abs(want)+abs,
		append([]any{fmt.Sprintf("want %.17g, got %.17g", want, got)}, msgAndArgs...)...)
}

// solveChain returns the stationary law of the M/M/c/(c+B) birth–death chain
// by solving πQ = 0, Σπ = 1 with a dense LU solve: no closed form involved.
func solveChain(t *testing.T, lambda, mu float64, c, b int) []float64 {
	t.Helper()
	k := c + b
	n := k + 1
	a := mat.NewDense(n, n, nil) // Qᵀ, last row replaced by the normalization
	for i := 0; i <= k; i++ {
		var out float64
		if i < k {
			a.Set(i+1, i, lambda)
			out += lambda
		}
		if i > 0 {
			down := float64(min(i, c)) * mu
			a.Set(i-1, i, down)
			out += down
		}
		a.Set(i, i, -out)
	}
	for j := 0; j < n; j++ {
		a.Set(k, j, 1)
	}
	rhs := mat.NewVecDense(n, nil)
	rhs.SetVec(k, 1)
	var pi mat.VecDense
	require.NoError(t, pi.SolveVec(a, rhs))
	return pi.RawVector().Data
}

// chainResult derives the measures from a solved chain by Little's law.
func chainResult(pi []float64, lambda float64, c int) Result {
	k := len(pi) - 1
	var r Result
	var waitMass float64
	for n, p := range pi {
		r.L += float64(n) * p
		r.Lq += float64(max(n-c, 0)) * p
		if n >= c && n < k {
			waitMass += p
		}
	}
	r.Blocking = pi[k]
	r.Throughput = lambda * (1 - pi[k])
	r.PWait = waitMass / (1 - pi[k])
	r.W = r.L / r.Throughput
	r.Wq = r.Lq / r.Throughput
	return r
}

func TestMMcBAgainstChain(t *testing.T) {
	const mu = 1.3
	for _, c := range []int{1, 2, 5} {
		for _, b := range []int{0, 1, 3, 10, 60} {
			for _, rho := range []float64{0.05, 0.3, 0.9, 0.999999, 1, 1.000001, 1.5, 3} {
				lambda := rho * float64(c) * mu
				name := fmt.Sprintf("c=%d,B=%d,rho=%g", c, b, rho)
				got, err := MMcB(lambda, mu, c, b)
				require.NoError(t, err)
				want := chainResult(solveChain(t, lambda, mu, c, b), lambda, c)
				// The LU solve is accurate in absolute, not relative, terms, so
				// tiny measures get an absolute tolerance.
				near(t, rho, got.Rho, 1e-15, 0, name)
				near(t, want.Blocking, got.Blocking, 1e-9, 1e-15, name+" blocking")
				near(t, want.Throughput, got.Throughput, 1e-9, 0, name+" X")
				near(t, want.PWait, got.PWait, 1e-9, 1e-15, name+" PWait")
				near(t, want.L, got.L, 1e-9, 0, name+" L")
				near(t, want.Lq, got.Lq, 1e-9, 1e-13, name+" Lq")
				near(t, want.W, got.W, 1e-9, 0, name+" W")
				near(t, want.Wq, got.Wq, 1e-9, 1e-13, name+" Wq")
			}
		}
	}
}

func TestMMcBBufferZeroIsErlangB(t *testing.T) {
	for _, c := range []int{1, 4, 30} {
		for _, a := range []float64{0.5, 4, 30, 90} {
			r, err := MMcB(a, 1, c, 0)
			require.NoError(t, err)
			near(t, erlangB(a, c), r.Blocking, 1e-14, 0)
			assert.Zero(t, r.Lq)
			assert.Zero(t, r.PWait)
			near(t, 1, r.W, 1e-14, 0)
		}
	}
}

func TestMMcBExtremes(t *testing.T) {
	// Loads and buffers whose raw terms aⁿ/n! or ρᴮ overflow float64.
	for _, tc := range []struct {
		lambda float64
		c, b   int
	}{
		{1500, 1000, 0}, {1500, 1000, 5000}, {2000, 1, 3000}, {0.5, 1, 1 << 30},
		{1, 1, 1 << 30}, {1e-3, 300, 10},
	} {
		r, err := MMcB(tc.lambda, 1, tc.c, tc.b)
		require.NoError(t, err)
		for _, v := range []float64{r.Blocking, r.Throughput, r.PWait, r.W, r.Wq, r.L, r.Lq} {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%+v: %+v", tc, r)
		}
		assert.True(t, r.Blocking >= 0 && r.Blocking <= 1)
	}
	// Overloaded with a long buffer: the excess load is shed.
	r, _ := MMcB(2000, 1, 1, 3000)
	near(t, 1-1.0/2000, r.Blocking, 1e-12, 0)
	near(t, 1, r.Throughput, 1e-9, 0)
	// ρ = 1 exactly, c = 1: all B+2 states are equally likely.
	r, _ = MMcB(1, 1, 1, 1<<30)
	near(t, 1/float64(1<<30+2), r.Blocking, 1e-12, 0)
	near(t, float64(1<<30+1)/2, r.L, 1e-12, 0)
	// No arrivals.
	r, _ = MMcB(0, 2, 3, 4)
	assert.Equal(t, Result{W: 0.5}, r)
}

// erlangSums returns Erlang B and C by the textbook sums of aᵏ/k!.
func erlangSums(a float64, c int) (b, cc float64) {
	term, sum := 1.0, 0.0
	for k := 0; k < c; k++ {
		sum += term
		term *= a / float64(k+1)
	}
	rho := a / float64(c)
	b = term / (sum + term)
	cc = term / (1 - rho) / (sum + term/(1-rho))
	return b, cc
}

func TestErlangBC(t *testing.T) {
	for _, c := range []int{1, 2, 3, 7, 20, 50} {
		for _, rho := range []float64{0.01, 0.2, 0.5, 0.8, 0.95, 0.999} {
			a := rho * float64(c)
			wantB, wantC := erlangSums(a, c)
			b, cc := erlangB(a, c), erlangC(a, c)
			near(t, wantB, b, 1e-12, 0, "B c=%d a=%g", c, a)
			near(t, wantC, cc, 1e-12, 0, "C c=%d a=%g", c, a)
			near(t, b/(1-rho*(1-b)), cc, 1e-14, 0, "identity")
		}
	}
	assert.Equal(t, 1.0, erlangB(3, 0))
	assert.Equal(t, 0.0, erlangB(0, 3))
	assert.Equal(t, 1.0, erlangC(5, 5))
	assert.Equal(t, 1.0, erlangC(6, 5))
	// M/M/1: C = ρ.
	near(t, 0.7, erlangC(0.7, 1), 1e-15, 0)
}

func TestErlangBLarge(t *testing.T) {
	// Against the sums in 256-bit arithmetic, where aᶜ/c! would overflow float64.
	for _, tc := range []struct {
		a float64
		c int
	}{{280, 300}, {1000, 1000}, {1200, 1000}, {50, 400}} {
		prec := uint(256)
		ba := new(big.Float).SetPrec(prec).SetFloat64(tc.a)
		term := new(big.Float).SetPrec(prec).SetInt64(1)
		sum := new(big.Float).SetPrec(prec).SetInt64(1)
		for k := 1; k <= tc.c; k++ {
			term.Mul(term, ba)
			term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(k)))
			sum.Add(sum, term)
		}
		want, _ := new(big.Float).Quo(term, sum).Float64()
		near(t, want, erlangB(tc.a, tc.c), 1e-11, 0, "%+v", tc)
	}
}

func TestMM1ThreeWays(t *testing.T) {
	const mu = 2.0
	for _, rho := range []float64{0.1, 0.5, 0.9, 0.99} {
		lambda := rho * mu
		m1, err := MM1(lambda, mu)
		require.NoError(t, err)
		near(t, 1/(mu-lambda), m1.W, 1e-15, 0)
		near(t, m1.Throughput*m1.W, m1.L, 1e-14, 0, "Little")
		near(t, m1.Throughput*m1.Wq, m1.Lq, 1e-14, 0, "Little")

		mc, err := MMc(lambda, mu, 1)
		require.NoError(t, err)
		mg, err := MG1(lambda, 1/mu, 1)
		require.NoError(t, err)
		for _, r := range []Result{mc, mg} {
			near(t, m1.Rho, r.Rho, 1e-14, 0)
			near(t, m1.PWait, r.PWait, 1e-14, 0)
			near(t, m1.W, r.W, 1e-13, 0)
			near(t, m1.Wq, r.Wq, 1e-13, 0)
			near(t, m1.L, r.L, 1e-13, 0)
			near(t, m1.Lq, r.Lq, 1e-13, 0)
			assert.Equal(t, lambda, r.Throughput)
			assert.Zero(t, r.Blocking)
		}

		// A growing buffer converges on the infinite queue.
		prevErr := math.Inf(1)
		for _, b := range []int{10, 100, 1000, 100000} {
			mb, err := MMcB(lambda, mu, 1, b)
			require.NoError(t, err)
			e := math.Abs(mb.W-m1.W) / m1.W
			assert.LessOrEqual(t, e, prevErr)
			prevErr = e
		}
		mb, _ := MMcB(lambda, mu, 1, 100000)
		near(t, m1.W, mb.W, 1e-10, 0)
		near(t, m1.L, mb.L, 1e-10, 0)
		near(t, m1.Lq, mb.Lq, 1e-10, 0)
		near(t, m1.PWait, mb.PWait, 1e-10, 0)
	}
}

func TestMMcAgainstBigBuffer(t *testing.T) {
	for _, c := range []int{2, 5, 40} {
		for _, rho := range []float64{0.3, 0.8, 0.97} {
			lambda := rho * float64(c) * 0.5
			mc, err := MMc(lambda, 0.5, c)
			require.NoError(t, err)
			mb, err := MMcB(lambda, 0.5, c, 20000)
			require.NoError(t, err)
			near(t, mc.W, mb.W, 1e-10, 0)
			near(t, mc.Lq, mb.Lq, 1e-10, 0)
			near(t, mc.PWait, mb.PWait, 1e-10, 0)
			near(t, mc.L-mc.Lq, lambda/0.5, 1e-12, 0, "busy servers = a")
		}
	}
}

func TestUnstable(t *testing.T) {
	_, err := MM1(1, 1)
	assert.ErrorIs(t, err, ErrUnstable)
	r, err := MMc(5, 1, 4)
	assert.ErrorIs(t, err, ErrUnstable)
	assert.Equal(t, 1.25, r.Rho)
	_, err = MG1(1, 1.5, 0.3)
	assert.ErrorIs(t, err, ErrUnstable)
	assert.Panics(t, func() { MM1SojournQuantile(2, 1, 0.5) })
	assert.Panics(t, func() { MMcSojournQuantile(2, 1, 2, 0.5) })
	assert.Panics(t, func() { md1WaitCDF(1, 1, 3) })
	assert.Panics(t, func() { _, _ = MMcB(-1, 1, 1, 1) })
	assert.Panics(t, func() { _, _ = MMcB(1, 0, 1, 1) })
	assert.Panics(t, func() { _, _ = MMcB(1, 1, 0, 1) })
	assert.Panics(t, func() { _, _ = MMcB(1, 1, 1, -1) })
	assert.Panics(t, func() { MMcBSojournQuantile(1, 1, 1, 1, 1.5) })
}

func TestMG1(t *testing.T) {
	// Deterministic service: the M/D/1 mean wait ρD/(2(1−ρ)).
	r, err := MG1(0.4, 2, 0)
	require.NoError(t, err)
	near(t, 0.8*2/(2*0.2), r.Wq, 1e-15, 0)
	near(t, r.Wq+2, r.W, 1e-15, 0)
	near(t, 0.4*r.W, r.L, 1e-15, 0)
	// Wq = λE[S²]/(2(1−ρ)) with E[S²] = E[S]²(1+scv).
	r, _ = MG1(0.3, 2, 2.5)
	near(t, 0.3*4*3.5/(2*0.4), r.Wq, 1e-15, 0)
}

// naiveMD1 evaluates Erlang's formula in float64; fine for small t/D.
func naiveMD1(rho, tau float64) float64 {
	var s float64
	for k := 0; k <= int(math.Floor(tau)); k++ {
		x := rho * (float64(k) - tau)
		lg, _ := math.Lgamma(float64(k) + 1)
		s += math.Pow(x, float64(k)) / math.Exp(lg) * math.Exp(-x)
	}
	return (1 - rho) * s
}

func TestMD1WaitCDF(t *testing.T) {
	const d = 2.0
	for _, rho := range []float64{0.2, 0.5, 0.9} {
		lambda := rho / d
		near(t, 1-rho, md1WaitCDF(lambda, d, 0), 1e-15, 0, "atom at 0")
		assert.Zero(t, md1WaitCDF(lambda, d, -1))
		for _, tau := range []float64{0.3, 1, 1.5, 2.999, 4.2, 7} {
			near(t, naiveMD1(rho, tau), md1WaitCDF(lambda, d, tau*d), 0, 1e-12, "rho=%g tau=%g", rho, tau)
		}
		// Far in the tail float64 would return garbage; big.Float stays a CDF.
		prev := 0.0
		for _, tau := range []float64{10, 40, 100, 250} {
			f := md1WaitCDF(lambda, d, tau*d)
			assert.True(t, f >= prev && f <= 1, "rho=%g tau=%g F=%g", rho, tau, f)
			prev = f
		}
		assert.InDelta(t, 1, prev, 1e-12)
	}
}

func TestMD1MeanFromCDF(t *testing.T) {
	// ∫(1−F) over each service period, where F is smooth, equals the PK mean.
	const d = 1.5
	for _, tc := range []struct{ rho, tauMax float64 }{{0.5, 40}, {0.8, 100}} {
		lambda := tc.rho / d
		var mean float64
		for k := 0; k < int(tc.tauMax); k++ {
			mean += quad.Fixed(func(x float64) float64 { return 1 - md1WaitCDF(lambda, d, x) },
				float64(k)*d, float64(k+1)*d, 12, nil, 0)
		}
		pk, err := MG1(lambda, d, 0)
		require.NoError(t, err)
		near(t, pk.Wq, mean, 1e-10, 0, "rho=%g", tc.rho)
	}
}

func TestMD1Quantile(t *testing.T) {
	const lambda, d = 0.45, 2.0 // ρ = 0.9
	assert.Zero(t, MD1WaitQuantile(lambda, d, 0.1))
	assert.Zero(t, MD1WaitQuantile(lambda, d, 0.1))
	for _, p := range []float64{0.11, 0.5, 0.9, 0.99} {
		q := MD1WaitQuantile(lambda, d, p)
		near(t, p, md1WaitCDF(lambda, d, q), 0, 1e-12, "p=%g", p)
		assert.Less(t, md1WaitCDF(lambda, d, q*(1-1e-9)), p)
		near(t, q+d, md1SojournQuantile(lambda, d, p), 1e-15, 0)
	}
	// Deterministic service waits less than exponential at the same load.
	assert.Less(t, MD1WaitQuantile(lambda, d, 0.9), mm1WaitQuantile(lambda, 1/d, 0.9))
}

func TestMM1Quantiles(t *testing.T) {
	const lambda, mu = 0.9, 1.0
	for _, p := range []float64{0, 0.05, 0.5, 0.95, 0.999} {
		q := MM1SojournQuantile(lambda, mu, p)
		near(t, 1-p, math.Exp(-(mu-lambda)*q), 1e-12, 0)
		near(t, q, MMcSojournQuantile(lambda, mu, 1, p), 1e-12, 1e-15, "p=%g", p)
		w := mm1WaitQuantile(lambda, mu, p)
		if p <= 0.1 {
			assert.Zero(t, w)
		} else {
			near(t, 1-p, 0.9*math.Exp(-(mu-lambda)*w), 1e-12, 0)
		}
	}
	assert.True(t, math.IsInf(MM1SojournQuantile(lambda, mu, 1), 1))
}

// mmcSurvivalNaive is the reference's P(T > t) for M/M/c, θ ≠ μ.
func mmcSurvivalNaive(lambda, mu float64, c int, t float64) float64 {
	pw := erlangC(lambda/mu, c)
	theta := float64(c)*mu - lambda
	return (1-pw)*math.Exp(-mu*t) + pw*(theta*math.Exp(-mu*t)-mu*math.Exp(-theta*t))/(theta-mu)
}

func TestMMcSojournQuantile(t *testing.T) {
	ps := []float64{0.01, 0.5, 0.9, 0.99, 0.9999}
	for _, tc := range []struct {
		lambda, mu float64
		c          int
	}{{3.5, 1, 4}, {0.5, 1, 4}, {1.9, 1, 2}, {0.3, 0.25, 8}} {
		for _, p := range ps {
			q := MMcSojournQuantile(tc.lambda, tc.mu, tc.c, p)
			near(t, 1-p, mmcSurvivalNaive(tc.lambda, tc.mu, tc.c, q), 1e-10, 0, "%+v p=%g", tc, p)
			near(t, p, mmcSojournCDF(tc.lambda, tc.mu, tc.c, q), 1e-12, 0)
		}
	}
	// θ = μ: λ = (c−1)μ, where P(T > t) = (1 + Cμt)e^{−μt}.
	const mu = 1.0
	pw := erlangC(2, 3)
	for _, p := range ps {
		q := MMcSojournQuantile(2, mu, 3, p)
		near(t, 1-p, (1+pw*mu*q)*math.Exp(-mu*q), 1e-12, 0)
		// Continuity across θ = μ.
		near(t, q, MMcSojournQuantile(2*(1+1e-9), mu, 3, p), 1e-7, 0)
		near(t, q, MMcSojournQuantile(2*(1-1e-9), mu, 3, p), 1e-7, 0)
	}
}

func TestMMcWaitQuantile(t *testing.T) {
	const lambda, mu, c = 3.0, 1.0, 4
	pw := erlangC(lambda/mu, c)
	assert.Zero(t, MMcWaitQuantile(lambda, mu, c, 1-pw))
	q := MMcWaitQuantile(lambda, mu, c, 0.9)
	near(t, 0.1, pw*math.Exp(-(c*mu-lambda)*q), 1e-12, 0)
	near(t, 0.9, mmcWaitCDF(lambda, mu, c, q), 1e-12, 0)
	near(t, 1-pw, mmcWaitCDF(lambda, mu, c, 0), 1e-15, 0)
}

// mmcbMixture is an independent P(T > t) and P(Wq > t) for M/M/c/(c+B): the
// arrival-state law from the solved chain, each component by its closed-form
// hypoexponential survival with incomplete gamma functions.
func mmcbMixture(t *testing.T, lambda, mu float64, c, b int) (sojourn, wait func(float64) float64) {
	pi := solveChain(t, lambda, mu, c, b)
	k := c + b
	nu := float64(c) * mu
	comp := func(phases int, x float64) float64 { // P(Erlang(phases, ν) + Exp(μ) > x)
		switch {
		case phases == 0:
			return math.Exp(-mu * x)
		case c == 1:
			return mathext.GammaIncRegComp(float64(phases+1), mu*x)
		}
		return mathext.GammaIncRegComp(float64(phases), nu*x) +
			math.Exp(-mu*x)*math.Pow(nu/(nu-mu), float64(phases))*mathext.GammaIncReg(float64(phases), (nu-mu)*x)
	}
	sojourn = func(x float64) float64 {
		var s float64
		for n := 0; n < k; n++ {
			s += pi[n] / (1 - pi[k]) * comp(max(n-c+1, 0), x)
		}
		return s
	}
	wait = func(x float64) float64 {
		var s float64
		for n := c; n < k; n++ {
			s += pi[n] / (1 - pi[k]) * mathext.GammaIncRegComp(float64(n-c+1), nu*x)
		}
		return s
	}
	return sojourn, wait
}

func TestMMcBQuantileAgainstMixture(t *testing.T) {
	const mu = 0.8
	for _, c := range []int{1, 2, 3, 6} {
		for _, b := range []int{0, 1, 4, 15} {
			for _, rho := range []float64{0.4, 0.95, 1, 2.5} {
				lambda := rho * float64(c) * mu
				sojourn, wait := mmcbMixture(t, lambda, mu, c, b)
				res, _ := MMcB(lambda, mu, c, b)
				name := fmt.Sprintf("c=%d,B=%d,rho=%g", c, b, rho)
				for _, p := range []float64{0.05, 0.5, 0.9, 0.99} {
					q := MMcBSojournQuantile(lambda, mu, c, b, p)
					near(t, 1-p, sojourn(q), 1e-9, 0, name+" sojourn p=%g", p)
					near(t, p, mmcbSojournCDF(lambda, mu, c, b, q), 0, 1e-12, name)

					w := mmcbWaitQuantile(lambda, mu, c, b, p)
					if p <= 1-res.PWait {
						assert.Zero(t, w, name)
					} else {
						near(t, 1-p, wait(w), 1e-9, 0, name+" wait p=%g", p)
					}
				}
				near(t, res.PWait, wait(0), 1e-12, 1e-15, name)
				near(t, 1-res.PWait, mmcbWaitCDF(lambda, mu, c, b, 0), 1e-12, 1e-15, name)
				// The mean sojourn is the integral of the survival function.
				mean := quad.Fixed(func(x float64) float64 {
					return 1 - mmcbSojournCDF(lambda, mu, c, b, x)
				}, 0, 45*res.W, 200, nil, 0)
				near(t, res.W, mean, 1e-9, 0, name+" mean")
			}
		}
	}
}

func TestMMcBQuantileLimits(t *testing.T) {
	for _, p := range []float64{0.1, 0.5, 0.95, 0.999} {
		// Huge buffer, light enough load: the infinite-buffer answers.
		near(t, MMcSojournQuantile(3.2, 1, 4, p), MMcBSojournQuantile(3.2, 1, 4, 1<<20, p), 1e-10, 0)
		near(t, MMcWaitQuantile(3.2, 1, 4, p), mmcbWaitQuantile(3.2, 1, 4, 1<<20, p), 1e-10, 1e-14)
		near(t, -math.Log1p(-p)/(1-0.7), MMcBSojournQuantile(0.7, 1, 1, 5000, p), 1e-10, 0)
		near(t, mm1WaitQuantile(0.7, 1, p), mmcbWaitQuantile(0.7, 1, 1, 5000, p), 1e-10, 1e-14)
	}
	// Overload: almost every accepted request finds a full waiting room, so
	// the sojourn approaches Erlang(B+1, cμ) + Exp(μ) ≈ (B+1)/(cμ) + 1/μ.
	const b = 2000
	q := MMcBSojournQuantile(40, 1, 2, b, 0.5)
	near(t, (b+1)/2.0+1, q, 0.01, 0)
	assert.Zero(t, MMcBSojournQuantile(1, 1, 2, 3, 0))
	assert.True(t, math.IsInf(MMcBSojournQuantile(1, 1, 2, 3, 1), 1))
	// No arrivals: the sojourn is the service time alone.
	near(t, math.Ln2/2, MMcBSojournQuantile(0, 2, 3, 5, 0.5), 1e-14, 0)
	assert.Zero(t, mmcbWaitQuantile(0, 2, 3, 5, 0.99))
}

func TestGeomSums(t *testing.T) {
	for _, r := range []float64{0, 0.3, 0.999, 1 - 1e-12, 1} {
		for _, m := range []int{0, 1, 2, 7, 64, 1000} {
			var s0, s1, s1rev float64
			for i := 0; i < m; i++ {
				p := math.Pow(r, float64(i))
				s0 += p
				s1 += float64(i) * p
				s1rev += float64(m-1-i) * p
			}
			g := geomSums(r, m)
			near(t, s0, g.s0, 1e-13, 0, "r=%g m=%d", r, m)
			near(t, s1, g.s1, 1e-13, 0, "r=%g m=%d", r, m)
			near(t, s1rev, g.s1rev, 1e-13, 0, "r=%g m=%d", r, m)
			near(t, s0, geomSum0(r, m), 1e-12, 0, "r=%g m=%d", r, m)
		}
	}
}

func ExampleMMcB() {
	// Four workers at 1 request/s each, ten waiting places, 5 requests/s offered.
	r, _ := MMcB(5, 1, 4, 10)
	fmt.Printf("blocking %.4f, throughput %.3f/s, mean sojourn %.3f s\n", r.Blocking, r.Throughput, r.W)
	fmt.Printf("p99 sojourn %.3f s\n", MMcBSojournQuantile(5, 1, 4, 10, 0.99))
	// Output:
	// blocking 0.2113, throughput 3.944/s, mean sojourn 2.722 s
	// p99 sojourn 6.856 s
}
