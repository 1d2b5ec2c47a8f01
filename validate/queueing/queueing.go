package queueing

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
)

// ErrUnstable is returned by models without a waiting-room limit when the
// offered load per server ρ is at least 1: they have no steady state.
var ErrUnstable = errors.New("validate: unstable queue (ρ ≥ 1) has no steady state")

// Result holds the steady-state measures of a queue. Times are in the unit of
// the service time (1/μ, or E[S] for M/G/1) and rates are per that unit.
type Result struct {
	// Rho is the offered load per server, λ/(cμ). Finite systems allow Rho ≥ 1.
	Rho float64
	// Blocking is the fraction of arrivals rejected; 0 for infinite systems.
	Blocking float64
	// Throughput is the rate of accepted arrivals, λ(1−Blocking).
	Throughput float64
	// PWait is the probability that an accepted arrival has to wait.
	PWait float64
	// Wq and W are the mean wait and the mean sojourn (wait plus service)
	// of accepted arrivals.
	Wq, W float64
	// Lq and L are the time-average numbers waiting and in the system.
	Lq, L float64
}

func unstable(rho float64) error {
	return fmt.Errorf("%w: ρ = %g", ErrUnstable, rho)
}

// checkRates panics unless λ ≥ 0 and μ > 0 are finite.
func checkRates(lambda, mu float64) {
	if !(lambda >= 0) || math.IsInf(lambda, 1) {
		panic("validate: arrival rate must be finite and ≥ 0")
	}
	if !(mu > 0) || math.IsInf(mu, 1) {
		panic("validate: service rate must be finite and > 0")
	}
}

func checkServers(c int) {
	if c < 1 {
		panic("validate: need at least one server")
	}
}

func checkBuffer(buffer int) {
	if buffer < 0 {
		panic("validate: negative buffer")
	}
}

func checkProb(p float64) {
	if !(p >= 0 && p <= 1) {
		panic("validate: probability outside [0, 1]")
	}
}

// MM1 returns the steady state of the M/M/1 queue with arrival rate lambda
// and service rate mu. It returns ErrUnstable (with only Rho set) if
// λ ≥ μ, and panics if a rate is negative, not finite, or mu is 0.
func MM1(lambda, mu float64) (Result, error) {
	checkRates(lambda, mu)
	rho := lambda / mu
	if rho >= 1 {
		return Result{Rho: rho}, unstable(rho)
	}
	w := 1 / (mu - lambda)
	return Result{
		Rho:        rho,
		Throughput: lambda,
		PWait:      rho,
		Wq:         rho * w,
		W:          w,
		Lq:         rho * rho / (1 - rho),
		L:          rho / (1 - rho),
	}, nil
}

// erlangB returns the Erlang B blocking probability of the loss system
// M/M/c/c with offered load a = λ/μ erlangs. It uses the recursion
// B₀ = 1, B_k = aB_{k−1}/(k + aB_{k−1}), which neither overflows nor loses
// precision for any a and c. It panics if a is negative or not finite, or
// c is negative.
func erlangB(a float64, c int) float64 {
	if !(a >= 0) || math.IsInf(a, 1) {
		panic("validate: offered load must be finite and ≥ 0")
	}
	if c < 0 {
		panic("validate: negative number of servers")
	}
	b := 1.0
	for k := 1; k <= c; k++ {
		ab := a * b
		b = ab / (float64(k) + ab)
	}
	return b
}

// erlangC returns the Erlang C probability that an arrival to the M/M/c
// queue with offered load a = λ/μ erlangs has to wait. It is computed as
// B/(1−ρ(1−B)) from the Erlang B value B, with ρ = a/c. For a ≥ c it
// returns 1, the limit as ρ → 1. It panics if a is negative or not finite,
// or c < 1.
func erlangC(a float64, c int) float64 {
	checkServers(c)
	b := erlangB(a, c)
	if a >= float64(c) {
		return 1
	}
	rho := a / float64(c)
	return b / (1 - rho*(1-b))
}

// MMc returns the steady state of the M/M/c queue (Erlang C model) with
// arrival rate lambda, per-server service rate mu and c servers. It returns
// ErrUnstable (with only Rho set) if ρ = λ/(cμ) ≥ 1, and panics on invalid
// rates or c < 1.
func MMc(lambda, mu float64, c int) (Result, error) {
	checkRates(lambda, mu)
	checkServers(c)
	a := lambda / mu
	rho := a / float64(c)
	if rho >= 1 {
		return Result{Rho: rho}, unstable(rho)
	}
	pw := erlangC(a, c)
	wq := pw / (float64(c)*mu - lambda)
	return Result{
		Rho:        rho,
		Throughput: lambda,
		PWait:      pw,
		Wq:         wq,
		W:          wq + 1/mu,
		Lq:         lambda * wq,
		L:          lambda*wq + a,
	}, nil
}

// MMcB returns the steady state of the M/M/c/(c+B) queue: c servers and a
// waiting room of buffer places; arrivals finding all c+buffer places taken
// are rejected. Any load is allowed, including ρ ≥ 1; buffer = 0 is the
// Erlang B loss system. The error is always nil; it is there
// so that all models share one signature. It panics on invalid rates, c < 1
// or buffer < 0.
//
// Computation is O(c + log buffer) and free of overflow: the geometric part
// of the distribution is taken relative to its largest state.
func MMcB(lambda, mu float64, c, buffer int) (Result, error) {
	checkRates(lambda, mu)
	checkServers(c)
	checkBuffer(buffer)
	d := newMMcB(lambda, mu, c, buffer)
	r := Result{
		Rho:        d.rho,
		Blocking:   d.pFull,
		Throughput: lambda * d.accepted,
		PWait:      d.pQueue / d.accepted,
		Lq:         d.lq,
		L:          d.lq + d.a*d.accepted,
	}
	if lambda == 0 {
		r.W = 1 / mu // the limit as λ → 0
		return r, nil
	}
	r.Wq = r.Lq / r.Throughput
	r.W = r.L / r.Throughput
	return r, nil
}

// MG1 returns the steady state of the M/G/1 queue by the
// Pollaczek–Khinchine formula, Wq = ρE[S](1+scv)/(2(1−ρ)), where meanS is the
// mean service time E[S] and scv = Var[S]/E[S]² its squared coefficient of
// variation (1 for exponential, 0 for deterministic service). Times are in
// the unit of meanS. It returns ErrUnstable (with only Rho set) if
// ρ = λE[S] ≥ 1, and panics if lambda or scv is negative or not finite, or
// meanS is not finite and positive.
func MG1(lambda, meanS, scv float64) (Result, error) {
	if !(meanS > 0) || math.IsInf(meanS, 1) {
		panic("validate: mean service time must be finite and > 0")
	}
	checkRates(lambda, 1/meanS)
	if !(scv >= 0) || math.IsInf(scv, 1) {
		panic("validate: squared coefficient of variation must be finite and ≥ 0")
	}
	rho := lambda * meanS
	if rho >= 1 {
		return Result{Rho: rho}, unstable(rho)
	}
	wq := rho * meanS * (1 + scv) / (2 * (1 - rho))
	return Result{
		Rho:        rho,
		Throughput: lambda,
		PWait:      rho, // PASTA: an arrival waits iff the server is busy
		Wq:         wq,
		W:          wq + meanS,
		Lq:         lambda * wq,
		L:          lambda * (wq + meanS),
	}, nil
}

// MM1SojournQuantile returns the p-quantile of the M/M/1 sojourn time,
// which is Exp(μ−λ): −ln(1−p)/(μ−λ). It panics if λ ≥ μ, on invalid rates,
// or if p is outside [0, 1].
func MM1SojournQuantile(lambda, mu, p float64) float64 {
	checkRates(lambda, mu)
	checkProb(p)
	if lambda >= mu {
		panic(unstable(lambda / mu))
	}
	return -math.Log1p(-p) / (mu - lambda)
}

// mm1WaitQuantile returns the p-quantile of the M/M/1 wait, where
// P(Wq > t) = ρe^{−(μ−λ)t}; it is exactly 0 when p ≤ 1−ρ. It panics like
// MM1SojournQuantile.
func mm1WaitQuantile(lambda, mu, p float64) float64 {
	return MMcWaitQuantile(lambda, mu, 1, p)
}

// mmcParams validates an M/M/c queue for the distribution functions and
// returns its Erlang C value and θ = cμ − λ. It panics if ρ ≥ 1.
func mmcParams(lambda, mu float64, c int) (pw, theta float64) {
	checkRates(lambda, mu)
	checkServers(c)
	a := lambda / mu
	if rho := a / float64(c); rho >= 1 {
		panic(unstable(rho))
	}
	return erlangC(a, c), float64(c)*mu - lambda
}

// mmcWaitCDF returns P(Wq ≤ t) for the M/M/c queue: 1 − C·e^{−θt} for t ≥ 0,
// with C the Erlang C value and θ = cμ − λ. It panics if ρ ≥ 1, on invalid
// rates, or c < 1.
func mmcWaitCDF(lambda, mu float64, c int, t float64) float64 {
	pw, theta := mmcParams(lambda, mu, c)
	if t < 0 {
		return 0
	}
	return 1 - pw*math.Exp(-theta*t)
}

// MMcWaitQuantile returns the p-quantile of the M/M/c wait. Because the wait
// has an atom 1−C at 0, the quantile is exactly 0 for p ≤ 1−C, and
// ln(C/(1−p))/θ above. It panics if ρ ≥ 1, on invalid rates, c < 1, or p
// outside [0, 1].
func MMcWaitQuantile(lambda, mu float64, c int, p float64) float64 {
	pw, theta := mmcParams(lambda, mu, c)
	checkProb(p)
	q := 1 - p
	if q >= pw {
		return 0
	}
	return math.Log(pw/q) / theta
}

// mmcSojournSurvival returns P(T > t) for the M/M/c sojourn,
// (1−C)e^{−μt} + C(θe^{−μt} − μe^{−θt})/(θ−μ). The second term is rewritten
// as C·e^{−st}(1 + s(1−e^{−εt})/ε) with s = min(μ, θ) and ε = |θ−μ|, which has
// no cancellation near θ = μ and tends to the limit C(1+μt)e^{−μt} there.
func mmcSojournSurvival(pw, mu, theta, t float64) float64 {
	if t <= 0 {
		return 1
	}
	s, eps := math.Min(mu, theta), math.Abs(theta-mu)
	g := t // (1−e^{−εt})/ε at ε = 0
	if eps > 0 {
		g = -math.Expm1(-eps*t) / eps
	}
	return (1-pw)*math.Exp(-mu*t) + pw*math.Exp(-s*t)*(1+s*g)
}

// mmcSojournCDF returns P(T ≤ t) for the M/M/c sojourn time (FCFS). It
// panics if ρ ≥ 1, on invalid rates, or c < 1.
func mmcSojournCDF(lambda, mu float64, c int, t float64) float64 {
	pw, theta := mmcParams(lambda, mu, c)
	return 1 - mmcSojournSurvival(pw, mu, theta, t)
}

// MMcSojournQuantile returns the p-quantile of the M/M/c sojourn time by
// deterministic bisection on its survival function. It panics if ρ ≥ 1, on
// invalid rates, c < 1, or p outside [0, 1].
func MMcSojournQuantile(lambda, mu float64, c int, p float64) float64 {
	pw, theta := mmcParams(lambda, mu, c)
	checkProb(p)
	surv := func(t float64) float64 { return mmcSojournSurvival(pw, mu, theta, t) }
	return quantile(surv, p, pw/theta+1/mu)
}

// mmcbSojournCDF returns P(T ≤ t) for the sojourn time of an accepted
// request in M/M/c/(c+buffer). It panics on invalid rates, c < 1 or
// buffer < 0. See MMcBSojournQuantile for the method and its cost.
func mmcbSojournCDF(lambda, mu float64, c, buffer int, t float64) float64 {
	checkRates(lambda, mu)
	checkServers(c)
	checkBuffer(buffer)
	return 1 - newMMcB(lambda, mu, c, buffer).survival(t, true)
}

// mmcbWaitCDF returns P(Wq ≤ t) for the wait of an accepted request in
// M/M/c/(c+buffer); it is 1−PWait at t = 0. It panics on invalid rates,
// c < 1 or buffer < 0.
func mmcbWaitCDF(lambda, mu float64, c, buffer int, t float64) float64 {
	checkRates(lambda, mu)
	checkServers(c)
	checkBuffer(buffer)
	return 1 - newMMcB(lambda, mu, c, buffer).survival(t, false)
}

// MMcBSojournQuantile returns the p-quantile of the sojourn time of an
// accepted request in M/M/c/(c+buffer), for any load. An accepted arrival
// that finds n in the system has sojourn Exp(μ) if n < c, else
// Erlang(n−c+1, cμ) + Exp(μ). The mixture's survival function is evaluated
// exactly, by uniformization at rate cμ as a sum of positive terms (so c = 1,
// where both rates are μ, needs no special case), and the quantile is found
// by deterministic bisection.
//
// Each evaluation costs O(cμt) steps, t near the quantile; when ρ ≥ 1 this
// grows with the buffer. It panics on invalid rates, c < 1, buffer < 0, or p
// outside [0, 1].
func MMcBSojournQuantile(lambda, mu float64, c, buffer int, p float64) float64 {
	checkRates(lambda, mu)
	checkServers(c)
	checkBuffer(buffer)
	checkProb(p)
	return newMMcB(lambda, mu, c, buffer).quantile(p, true)
}

// mmcbWaitQuantile returns the p-quantile of the wait of an accepted request
// in M/M/c/(c+buffer); it is exactly 0 for p ≤ 1−PWait. Method, cost and
// panics are as for MMcBSojournQuantile.
func mmcbWaitQuantile(lambda, mu float64, c, buffer int, p float64) float64 {
	checkRates(lambda, mu)
	checkServers(c)
	checkBuffer(buffer)
	checkProb(p)
	return newMMcB(lambda, mu, c, buffer).quantile(p, false)
}

// mmcb is the stationary distribution of M/M/c/(c+B). The states n ≥ c form
// a geometric run p_{c+j} ∝ ρʲ, j = 0..B; to stay finite for any ρ and B it
// is stored relative to its largest state: p_c when ρ ≤ 1, p_{c+B} when ρ > 1.
type mmcb struct {
	lambda, mu float64
	c, b       int
	a, rho     float64

	r   float64 // ratio of the run walked away from its largest state: ρ or 1/ρ, ≤ 1
	ref float64 // p_c if ρ ≤ 1, p_{c+B} if ρ > 1

	pLow     float64 // P(n < c): an arrival is served at once
	pQueue   float64 // P(c ≤ n < c+B): an arrival is accepted and waits
	pFull    float64 // P(n = c+B): an arrival is blocked
	accepted float64 // pLow + pQueue = 1 − pFull, without cancellation
	lq       float64 // E[max(n−c, 0)]
}

func newMMcB(lambda, mu float64, c, b int) *mmcb {
	a := lambda / mu
	d := &mmcb{lambda: lambda, mu: mu, c: c, b: b, a: a, rho: a / float64(c)}
	// Relative to Σ_{n≤c} aⁿ/n!, the states below c weigh 1−E and p_c weighs
	// E, E the Erlang B value, which is computed stably.
	e := erlangB(a, c)
	if d.rho <= 1 {
		d.r = d.rho
		g := geomSums(d.r, b+1)
		den := (1 - e) + e*g.s0
		d.ref = e / den
		d.pLow = (1 - e) / den
		d.pFull = d.ref * math.Pow(d.r, float64(b))
		d.pQueue = d.ref * geomSums(d.r, b).s0
		d.lq = d.ref * g.s1
	} else {
		d.r = 1 / d.rho
		g := geomSums(d.r, b+1)
		rb := math.Pow(d.r, float64(b)) // p_c / p_{c+B}
		den := rb*(1-e) + e*g.s0
		d.ref = e / den
		d.pLow = rb * (1 - e) / den
		d.pFull = d.ref
		d.pQueue = d.ref * d.r * geomSums(d.r, b).s0
		d.lq = d.ref * g.s1rev
	}
	d.accepted = d.pLow + d.pQueue
	return d
}

// weight returns w_k, the probability that an accepted arrival must wait
// for k service completions at rate cμ before its own service starts:
// w_0 = P(n < c)/(1−p_K) and w_k = p_{c+k−1}/(1−p_K) for k = 1..B.
func (d *mmcb) weight(k int) float64 {
	switch {
	case k == 0:
		return d.pLow / d.accepted
	case k > d.b:
		return 0
	case d.rho <= 1:
		return d.ref * math.Pow(d.r, float64(k-1)) / d.accepted
	default:
		return d.ref * math.Pow(d.r, float64(d.b-k+1)) / d.accepted
	}
}

// tail returns Σ_{k≥n} w_k in closed form, so that small tails keep their
// relative precision.
func (d *mmcb) tail(n int) float64 {
	switch {
	case n <= 0:
		return 1
	case n > d.b:
		return 0
	case d.rho <= 1:
		return d.ref * math.Pow(d.r, float64(n-1)) * geomSum0(d.r, d.b-n+1) / d.accepted
	default:
		return d.ref * d.r * geomSum0(d.r, d.b-n+1) / d.accepted
	}
}

// survival returns P(X > t) for the sojourn (service true) or the wait of
// an accepted arrival.
//
// Uniformize at ν = cμ: waiting k phases takes exactly k events of a Poisson
// process N of rate ν, and the final Exp(μ) service ends at each later event
// with probability 1/c. Hence P(X > t) = Σₙ P(N(t) = n)·Uₙ with
// Uₙ = Σ_{k≥n} w_k + Dₙ, Dₙ = Σ_{k<n} w_k s^{n−k}, s = 1−1/c, for the sojourn
// and Uₙ = Σ_{k>n} w_k for the wait. Every term is positive.
func (d *mmcb) survival(t float64, service bool) float64 {
	if t < 0 {
		return 1
	}
	x := float64(d.c) * d.mu * t
	if x == 0 {
		if service {
			return 1
		}
		return d.tail(1)
	}
	lo, hi := poissonWindow(x)
	pmf := math.Exp(-x + float64(lo)*math.Log(x) - lgamma(float64(lo)+1))
	s := 1 - 1/float64(d.c)
	var sum, dn float64
	start := lo
	if service {
		start = 0 // Dₙ is a recursion from n = 0
	}
	for n := start; n <= hi; n++ {
		var u float64
		if service {
			u = d.tail(n) + dn
			dn = s * (dn + d.weight(n))
		} else {
			u = d.tail(n + 1)
		}
		if n >= lo {
			sum += pmf * u
			pmf *= x / float64(n+1)
		}
	}
	return math.Min(sum, 1)
}

func (d *mmcb) quantile(p float64, service bool) float64 {
	scale := 1 / d.mu
	if d.lambda > 0 {
		scale += d.lq / (d.lambda * d.accepted)
	}
	return quantile(func(t float64) float64 { return d.survival(t, service) }, p, scale)
}

// poissonWindow returns a range of counts outside which a Poisson(x) law has
// negligible mass (beyond 12 standard deviations plus a margin for small x).
func poissonWindow(x float64) (lo, hi int) {
	w := 12*math.Sqrt(x) + 30
	return int(math.Max(0, math.Floor(x-w))), int(math.Ceil(x + w))
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// geom holds power sums of a ratio 0 ≤ r ≤ 1 over i = 0..m−1.
type geom struct {
	m     int
	s0    float64 // Σ rⁱ
	s1    float64 // Σ i·rⁱ
	s1rev float64 // Σ (m−1−i)·rⁱ
	pow   float64 // rᵐ
}

// then concatenates the index ranges of g and h: h's terms are shifted by g.m.
// Only additions and products of non-negative numbers occur, so the sums keep
// their relative precision even where the closed forms cancel (r near 1).
func (g geom) then(h geom) geom {
	mg, mh := float64(g.m), float64(h.m)
	return geom{
		m:     g.m + h.m,
		s0:    g.s0 + g.pow*h.s0,
		s1:    g.s1 + g.pow*(h.s1+mg*h.s0),
		s1rev: g.s1rev + mh*g.s0 + g.pow*h.s1rev,
		pow:   g.pow * h.pow,
	}
}

// geomSums returns the power sums of r over i = 0..m−1 in O(log m) steps,
// by binary doubling.
func geomSums(r float64, m int) geom {
	acc := geom{pow: 1}
	base := geom{m: 1, s0: 1, pow: r}
	for m > 0 {
		if m&1 == 1 {
			acc = acc.then(base)
		}
		m >>= 1
		if m > 0 {
			base = base.then(base)
		}
	}
	return acc
}

// LogInvP0 returns ln(1/π₀), π₀ the steady-state probability that the
// M/M/c/(c+buffer) queue is empty; buffer < 0 means no waiting-room limit
// (M/M/c), which needs ρ = λ/(cμ) < 1. It is summed from logarithms,
// 1/π₀ = Σ_{n<c} aⁿ/n! + (aᶜ/c!)·G with a = λ/μ and G = Σ_{j≤B} ρʲ, so that
// no term overflows or underflows. It panics on invalid rates or c < 1.
func LogInvP0(lambda, mu float64, c, buffer int) float64 {
	checkRates(lambda, mu)
	checkServers(c)
	a := lambda / mu
	rho := a / float64(c)
	var lnG float64
	switch {
	case buffer < 0:
		lnG = -math.Log(1 - rho)
	case rho < 1:
		lnG = math.Log(geomSum0(rho, buffer+1))
	case rho == 1:
		lnG = math.Log(float64(buffer + 1))
	default:
		lnG = float64(buffer)*math.Log(rho) + math.Log(geomSum0(1/rho, buffer+1))
	}
	logs := make([]float64, c+1) // logs[n] = ln(aⁿ/n!), with G in the last
	for n := 1; n <= c; n++ {
		logs[n] = logs[n-1] + math.Log(a/float64(n))
	}
	logs[c] += lnG
	top := slices.Max(logs)
	var sum float64
	for _, l := range logs {
		sum += math.Exp(l - top)
	}
	return top + math.Log(sum)
}

// geomSum0 returns Σ_{i<m} rⁱ for 0 ≤ r ≤ 1 in closed form.
func geomSum0(r float64, m int) float64 {
	switch {
	case m <= 0:
		return 0
	case r == 1:
		return float64(m)
	case r == 0:
		return 1
	}
	return -math.Expm1(float64(m)*math.Log(r)) / (1 - r)
}

// quantile returns the smallest t ≥ 0 with surv(t) ≤ 1−p, for a survival
// function that is continuous and decreasing on t > 0 (an atom at 0 is
// allowed). scale is a typical magnitude of the answer, used to bracket it.
// Bisection keeps the result deterministic and reproducible.
func quantile(surv func(float64) float64, p, scale float64) float64 {
	q := 1 - p
	if surv(0) <= q {
		return 0
	}
	if q == 0 {
		return math.Inf(1)
	}
	lo, hi := 0.0, scale
	for surv(hi) > q {
		lo, hi = hi, 2*hi
		if math.IsInf(hi, 1) {
			return hi
		}
	}
	for hi-lo > 4e-16*hi {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if surv(mid) > q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// md1Check validates an M/D/1 queue and returns ρ = λD. It panics if ρ ≥ 1.
func md1Check(lambda, d float64) float64 {
	if !(d > 0) || math.IsInf(d, 1) {
		panic("validate: service time must be finite and > 0")
	}
	checkRates(lambda, 1/d)
	rho := lambda * d
	if rho >= 1 {
		panic(unstable(rho))
	}
	return rho
}

// md1WaitCDF returns P(Wq ≤ t) for the M/D/1 queue with arrival rate lambda
// and deterministic service time d, by Erlang's 1909 formula
//
//	P(Wq ≤ t) = (1−ρ) Σ_{k=0}^{⌊t/d⌋} [ρ(k−t/d)]ᵏ/k! · e^{−ρ(k−t/d)}.
//
// The terms alternate and grow to about e^{2ρt/d}, so float64 loses every
// digit once ρt/d exceeds about 18; the sum is carried in math/big with
// enough bits to absorb the cancellation. Cost grows like (t/d)² log(t/d).
// It panics if ρ = λd ≥ 1, lambda < 0, or d is not finite and positive.
func md1WaitCDF(lambda, d, t float64) float64 {
	rho := md1Check(lambda, d)
	if t < 0 {
		return 0
	}
	if rho == 0 {
		return 1
	}
	tau := t / d
	if math.IsInf(tau, 1) {
		return 1
	}
	m := int(math.Floor(tau))
	prec := uint(2*rho*tau/math.Ln2) + uint(math.Log2(float64(m)+1)) + 96
	newF := func() *big.Float { return new(big.Float).SetPrec(prec) }

	// e^{ρ(τ−k)} = e^{ρ(τ−m)}·(e^ρ)^{m−k}: the first factor is common to all
	// terms, so float64 is enough for it; the second needs full precision.
	eRho := bigExp(rho, prec)
	bRho := newF().SetFloat64(rho)
	bTau := newF().SetFloat64(tau)

	invFact := newF().SetInt64(1) // 1/k!, walked down from k = m
	for k := 2; k <= m; k++ {
		invFact.Mul(invFact, newF().SetInt64(int64(k)))
	}
	invFact.Quo(newF().SetInt64(1), invFact)

	sum := newF()
	ePow := newF().SetInt64(1) // (e^ρ)^{m−k}
	base, term := newF(), newF()
	for k := m; k >= 0; k-- {
		base.Sub(bTau, newF().SetInt64(int64(k)))
		base.Mul(base, bRho) // ρ(τ−k) ≥ 0
		term.Mul(bigPowInt(base, k, prec), invFact)
		term.Mul(term, ePow)
		if k%2 == 1 {
			sum.Sub(sum, term)
		} else {
			sum.Add(sum, term)
		}
		ePow.Mul(ePow, eRho)
		invFact.Mul(invFact, newF().SetInt64(int64(max(k, 1))))
	}
	s, _ := sum.Float64()
	f := (1 - rho) * s * math.Exp(rho*(tau-float64(m)))
	return math.Max(0, math.Min(1, f))
}

// MD1WaitQuantile returns the p-quantile of the M/D/1 wait; it is exactly 0
// for p ≤ 1−ρ, the atom at 0. It panics like MD1WaitCDF or if p is outside
// [0, 1].
func MD1WaitQuantile(lambda, d, p float64) float64 {
	rho := md1Check(lambda, d)
	checkProb(p)
	surv := func(t float64) float64 {
		if t <= 0 {
			return rho
		}
		return 1 - md1WaitCDF(lambda, d, t)
	}
	return quantile(surv, p, d*(1+rho/(2*(1-rho))))
}

// md1SojournQuantile returns the p-quantile of the M/D/1 sojourn time,
// which is the wait quantile plus d. It panics like MD1WaitQuantile.
func md1SojournQuantile(lambda, d, p float64) float64 {
	return MD1WaitQuantile(lambda, d, p) + d
}

// bigExp returns e^x for 0 ≤ x ≤ 1 to prec bits by its Taylor series.
func bigExp(x float64, prec uint) *big.Float {
	wp := prec + 32
	bx := new(big.Float).SetPrec(wp).SetFloat64(x)
	sum := new(big.Float).SetPrec(wp).SetInt64(1)
	term := new(big.Float).SetPrec(wp).SetInt64(1)
	eps := new(big.Float).SetPrec(wp).SetMantExp(big.NewFloat(1), -int(wp))
	for n := int64(1); term.Cmp(eps) > 0; n++ {
		term.Mul(term, bx)
		term.Quo(term, new(big.Float).SetPrec(wp).SetInt64(n))
		sum.Add(sum, term)
	}
	return sum.SetPrec(prec)
}

// bigPowInt returns xᵏ for k ≥ 0 by repeated squaring.
func bigPowInt(x *big.Float, k int, prec uint) *big.Float {
	res := new(big.Float).SetPrec(prec).SetInt64(1)
	sq := new(big.Float).SetPrec(prec).Set(x)
	for k > 0 {
		if k&1 == 1 {
			res.Mul(res, sq)
		}
		k >>= 1
		if k > 0 {
			sq.Mul(sq, sq)
		}
	}
	return res
}
