package model

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
)

func secs(d kernel.Duration) float64 { return d.Seconds() }

// The AWS formulas, with cap_k = min(max, base·2^(k−1)), base 0.1, max 1.
func TestBackoffFormulas(t *testing.T) {
	law := func(jitter float64, decorrelated bool) Backoff {
		c := BackoffConfig{Base: 0.1, Multiplier: 2, Max: 1, Jitter: jitter, Decorrelated: decorrelated}
		if decorrelated {
			c.Multiplier = 0
		}
		return NewBackoff(c)
	}
	none, full, equal, decor := law(0, false), law(1, false), law(0.5, false), law(0, true)
	// No jitter: cap_k whatever u is: 0.1, 0.2, 0.4, 0.8, 1 (capped), 1.
	for k, want := range []float64{0.1, 0.2, 0.4, 0.8, 1, 1} {
		require.InDelta(t, want, secs(none.Delay(int32(k+1), 0.7, 0)), 1e-9, "k=%d", k+1)
	}
	// Full jitter: cap_k·(1−u), uniform in (0, cap_k].
	require.InDelta(t, 0.4*0.75, secs(full.Delay(3, 0.25, 0)), 1e-9)
	require.InDelta(t, 1.0, secs(full.Delay(9, 0, 0)), 1e-9)
	// Equal jitter: cap_k/2 + uniform half: cap_k·(1 − u/2).
	require.InDelta(t, 0.4*(1-0.125), secs(equal.Delay(3, 0.25, 0)), 1e-9)
	// Decorrelated: min(max, base + u·(3·prev − base)), prev starting at base.
	require.InDelta(t, 0.1+0.5*(0.3-0.1), secs(decor.Delay(1, 0.5, 0)), 1e-9)
	require.InDelta(t, 0.1+0.5*(3*0.2-0.1), secs(decor.Delay(2, 0.5, kernel.Seconds(0.2))), 1e-9)
	require.InDelta(t, 1.0, secs(decor.Delay(5, 0.99, kernel.Seconds(0.9))), 1e-9, "capped")
	var off Backoff
	require.Zero(t, off.Delay(3, 0.5, 0))
}

// gRPC retry throttling: max 10, ratio 0.5: retries stop once the tokens
// fall to 5 or below, and come back after successes refill them.
func TestTokenBucket(t *testing.T) {
	b := NewTokenBucket(10, 0.5)
	require.True(t, b.Retry(0))
	for i := 0; i < 4; i++ {
		b.Outcome(0, false)
	}
	require.Equal(t, 6.0, b.Tokens())
	require.True(t, b.Retry(0), "6 > 5")
	b.Outcome(0, false)
	require.Equal(t, 5.0, b.Tokens())
	require.False(t, b.Retry(0), "5 is not above half of 10")
	b.Outcome(0, true)
	require.Equal(t, 5.5, b.Tokens())
	require.True(t, b.Retry(0))
	for i := 0; i < 30; i++ {
		b.Outcome(0, true)
	}
	require.Equal(t, 10.0, b.Tokens(), "capped at max")
	for i := 0; i < 30; i++ {
		b.Outcome(0, false)
	}
	require.Equal(t, 0.0, b.Tokens(), "never below 0")
}

// Finagle's budget: 20% of requests over a 10 s TTL plus 1 retry/s.
func TestRatioBudget(t *testing.T) {
	sec := func(s float64) kernel.Time { return kernel.Time(kernel.Seconds(s)) }
	b := NewRatioBudget(0.2, 1, 10*kernel.Second)
	// The reserve alone: 1/s × 10 s = 10 retries.
	for i := 0; i < 10; i++ {
		require.True(t, b.Retry(sec(0.1)), "retry %d", i)
	}
	require.False(t, b.Retry(sec(0.1)))
	// 50 requests add 10 more.
	for i := 0; i < 50; i++ {
		b.Request(sec(0.2))
	}
	for i := 0; i < 10; i++ {
		require.True(t, b.Retry(sec(0.3)))
	}
	require.False(t, b.Retry(sec(0.3)))
	// Ten seconds later the window has slid past all of it.
	require.True(t, b.Retry(sec(10.5)))
}

func TestRetryPolicy(t *testing.T) {
	p := NewRetryPolicy(RetryConfig{MaxAttempts: 3, On: []string{"CLIENT_TIMEOUT", "QUEUE_OVERFLOW"}})
	require.True(t, p.Retries(0, ClientTimeout))
	require.True(t, p.Retries(1, QueueOverflow))
	require.False(t, p.Retries(2, ClientTimeout), "three attempts in all")
	require.False(t, p.Retries(0, FaultError), "not listed")
	none := NewRetryPolicy(RetryConfig{})
	require.False(t, none.Retries(0, ClientTimeout))
	require.Equal(t, int32(1), none.MaxAttempts())
}

func TestBreakerConsecutive(t *testing.T) {
	sec := func(s float64) kernel.Time { return kernel.Time(kernel.Seconds(s)) }
	b := NewBreaker(BreakerConfig{ConsecutiveFailures: 3, OpenFor: 5, HalfOpenProbes: 2})
	fail := func(at float64) {
		gen, ok := b.Allow(sec(at))
		require.True(t, ok)
		b.Record(sec(at), gen, false)
	}
	fail(1)
	fail(2)
	gen, _ := b.Allow(sec(2.5))
	b.Record(sec(2.5), gen, true) // a success resets the run
	fail(3)
	fail(4)
	require.Equal(t, BreakerClosed, b.State(sec(4)))
	stale, _ := b.Allow(sec(4)) // let through while closed
	fail(5)
	require.Equal(t, BreakerOpen, b.State(sec(5)))
	require.Equal(t, 1, b.Trips)
	_, ok := b.Allow(sec(9.99))
	require.False(t, ok, "open for 5 s")
	b.Record(sec(9.99), stale, true) // an outcome from the closed generation is ignored
	require.Equal(t, BreakerOpen, b.State(sec(9.99)))
	// Half-open at 10 s: two probes, no more.
	g1, ok1 := b.Allow(sec(10))
	g2, ok2 := b.Allow(sec(10))
	_, ok3 := b.Allow(sec(10))
	require.True(t, ok1)
	require.True(t, ok2)
	require.False(t, ok3)
	require.Equal(t, BreakerHalfOpen, b.State(sec(10)))
	b.Record(sec(10.1), g1, true)
	require.Equal(t, BreakerHalfOpen, b.State(sec(10.1)))
	b.Record(sec(10.2), g2, true)
	require.Equal(t, BreakerClosed, b.State(sec(10.2)), "two probes succeeded")
	require.InDelta(t, 5.0, b.OpenTimeAt(sec(20)).Seconds(), 1e-9)
	// A failed probe reopens.
	fail(11)
	fail(12)
	fail(13)
	g, _ := b.Allow(sec(18))
	b.Record(sec(18.5), g, false)
	require.Equal(t, BreakerOpen, b.State(sec(18.5)))
	require.Equal(t, 3, b.Trips)
	require.InDelta(t, 5+5+1.5, b.OpenTimeAt(sec(20)).Seconds(), 1e-9)
}

func TestBreakerRatio(t *testing.T) {
	sec := func(s float64) kernel.Time { return kernel.Time(kernel.Seconds(s)) }
	b := NewBreaker(BreakerConfig{FailureRatio: 0.5, Window: 10, MinRequests: 10, OpenFor: 1})
	rec := func(at float64, ok bool) {
		gen, allowed := b.Allow(sec(at))
		require.True(t, allowed)
		b.Record(sec(at), gen, ok)
	}
	for i := 0; i < 4; i++ {
		rec(float64(i)/10, true)
		rec(float64(i)/10, false)
	}
	rec(0.5, false) // 9 outcomes: below the minimum
	require.Equal(t, BreakerClosed, b.State(sec(0.5)))
	rec(0.6, true) // 10 outcomes, 5 failed: 50%
	require.Equal(t, BreakerOpen, b.State(sec(0.6)))
	// Outcomes older than the window no longer count.
	b2 := NewBreaker(BreakerConfig{FailureRatio: 0.5, Window: 10, MinRequests: 4, OpenFor: 1})
	for i := 0; i < 3; i++ {
		gen, _ := b2.Allow(sec(0))
		b2.Record(sec(0), gen, false)
	}
	gen, _ := b2.Allow(sec(11))
	b2.Record(sec(11), gen, false)
	require.Equal(t, BreakerClosed, b2.State(sec(11)), "the three old failures slid out")
}

// Gilbert–Elliott: the long-run loss rate is π_bad·LossBad + π_good·LossGood
// with π_bad = p/(p+r); in the simple Gilbert model (LossBad 1, LossGood 0)
// losses come in bursts of mean length 1/r.
func TestGilbertElliottLoss(t *testing.T) {
	g := GilbertElliottLoss{P: 0.02, R: 0.25, LossBad: 1}
	require.InDelta(t, 0.02/0.27, g.LossRate(), 1e-12)
	r := kernel.NewStream(1, "ge-test")
	const n = 2_000_000
	lost, bursts, run := 0, 0, 0
	for i := 0; i < n; i++ {
		if g.Lost(r.Float64(), r.Float64()) {
			lost++
			run++
		} else if run > 0 {
			bursts++
			run = 0
		}
	}
	rate := float64(lost) / n
	require.InDelta(t, g.LossRate(), rate, 0.004, "loss rate")
	require.InDelta(t, 1/0.25, float64(lost)/float64(bursts), 0.1, "mean burst length")
	// With a lossy good state and a leaky bad one.
	g2 := GilbertElliottLoss{P: 0.1, R: 0.3, LossBad: 0.6, LossGood: 0.01}
	lost = 0
	for i := 0; i < n; i++ {
		if g2.Lost(r.Float64(), r.Float64()) {
			lost++
		}
	}
	require.InDelta(t, 0.25*0.6+0.75*0.01, g2.LossRate(), 1e-12)
	require.InDelta(t, g2.LossRate(), float64(lost)/n, 0.003)
}

func TestPool(t *testing.T) {
	sec := func(s float64) kernel.Time { return kernel.Time(kernel.Seconds(s)) }
	p := NewPool(PoolConfig{MaxConnections: 2, IdleTimeout: 10})
	c0, g0, _ := p.Acquire(0, 100)
	c1, g1, _ := p.Acquire(0, 101)
	require.Equal(t, []Grant{GrantDial, GrantDial}, []Grant{g0, g1})
	require.NotEqual(t, c0, c1)
	_, g2, t2 := p.Acquire(0, 102)
	_, g3, t3 := p.Acquire(0, 103)
	_, g4, _ := p.Acquire(0, 104)
	require.Equal(t, []Grant{GrantWait, GrantWait, GrantWait}, []Grant{g2, g3, g4})
	require.Equal(t, 3, p.Waiting())
	p.Abandon(t3) // 103 gives up
	// FIFO: a reusable connection goes to the oldest waiter as it is.
	who, conn, dial, ok := p.Release(sec(1), c0, true, 0)
	require.True(t, ok)
	require.Equal(t, int32(102), who)
	require.Equal(t, c0, conn)
	require.False(t, dial)
	_ = t2
	// A closed connection frees a place: the next waiter dials a new one.
	who, conn, dial, ok = p.Release(sec(2), c1, false, 0)
	require.True(t, ok)
	require.Equal(t, int32(104), who)
	require.True(t, dial)
	require.NotEqual(t, c1, conn)
	require.Equal(t, 2, p.Open())
	// No waiter: the connection idles, and the next acquire reuses it.
	_, _, _, ok = p.Release(sec(3), conn, true, 0)
	require.False(t, ok)
	again, g, _ := p.Acquire(sec(4), 105)
	require.Equal(t, GrantIdle, g)
	require.Equal(t, conn, again)
	// An idle connection older than the idle timeout is closed, not reused.
	p.Release(sec(5), again, true, 0)
	_, g, _ = p.Acquire(sec(15.5), 106)
	require.Equal(t, GrantDial, g, "the idle one expired and was closed, freeing a place (c0 is still out)")
	require.Equal(t, uint64(1+1), p.Closed)
}

func TestPoolWaiterOrder(t *testing.T) {
	order := func(discipline string, u float64) []int32 {
		p := NewPool(PoolConfig{MaxConnections: 1, Waiters: discipline})
		c, _, _ := p.Acquire(0, 0)
		for w := int32(1); w <= 4; w++ {
			p.Acquire(0, w)
		}
		var got []int32
		for i := 0; i < 4; i++ {
			who, next, _, ok := p.Release(0, c, true, u)
			require.True(t, ok)
			got = append(got, who)
			c = next
		}
		return got
	}
	require.Equal(t, []int32{1, 2, 3, 4}, order(FIFO, 0))
	require.Equal(t, []int32{4, 3, 2, 1}, order(LIFO, 0))
	// Random with u = 0.6: rank ⌊0.6·n⌋ of the n waiting: 3 of 1..4 (rank 2),
	// then 4 of {1,2,4} (rank 1.8 → 1: 2), ...
	require.Equal(t, []int32{3, 2, 4, 1}, order(Random, 0.6))
}

func TestWaitingRoomOrders(t *testing.T) {
	w := NewWaitingRoom(10)
	var tickets []uint64
	for i := int32(0); i < 6; i++ {
		tk, ok := w.Put(i)
		require.True(t, ok)
		tickets = append(tickets, tk)
	}
	w.Abandon(tickets[5])
	w.Abandon(tickets[1])
	require.Equal(t, 4, w.Len())
	x, _ := w.TakeNewest()
	require.Equal(t, int32(4), x, "the newest still waiting")
	x, _ = w.Take()
	require.Equal(t, int32(0), x)
	x, _ = w.TakeRank(1)
	require.Equal(t, int32(3), x, "rank 1 of {2, 3}")
	require.Equal(t, 1, w.Len())
	_, ok := w.TakeRank(1)
	require.False(t, ok)
	x, _ = w.Take()
	require.Equal(t, int32(2), x)
	_, ok = w.Take()
	require.False(t, ok)
	require.Panics(t, func() { w.Abandon(tickets[2]) }, "taken already")
}

// A half-open probe that is never sent (no connection in time) must not
// keep the breaker waiting for it.
func TestBreakerForgetsUnsentProbe(t *testing.T) {
	b := NewBreaker(BreakerConfig{ConsecutiveFailures: 1, OpenFor: 1, HalfOpenProbes: 1})
	g, _ := b.Allow(0)
	b.Record(0, g, false)
	probe, ok := b.Allow(kernel.Time(kernel.Second))
	require.True(t, ok)
	_, ok = b.Allow(kernel.Time(kernel.Second))
	require.False(t, ok, "one probe at a time")
	b.Forget(probe)
	_, ok = b.Allow(kernel.Time(kernel.Second))
	require.True(t, ok, "the unsent probe's place is free again")
}

// The table of pressure powers gives kernel.Pow's result to the bit, on
// the queue's pressures and off them, with and without a table.
func TestPressurePowerIsPow(t *testing.T) {
	for _, buffer := range []int{1, 3, 50, 1000, maxPressureTable + 1} {
		for _, exponent := range []float64{0.5, 1, 2, 4.639, 7.25} {
			p := newPressurePower(exponent, buffer)
			require.Equal(t, buffer <= maxPressureTable, p.table != nil)
			for d := 0; d <= min(buffer, 2000); d++ {
				x := Pressure(d, buffer)
				require.Equal(t, math.Float64bits(kernel.Pow(x, exponent)), math.Float64bits(p.of(x)), "buffer %d depth %d", buffer, d)
			}
			for _, x := range []float64{0.3333, 1e-9, 0.999999, 1.5, math.Nextafter(0.5, 1)} {
				require.Equal(t, math.Float64bits(kernel.Pow(x, exponent)), math.Float64bits(p.of(x)), "buffer %d pressure %v", buffer, x)
			}
		}
	}
}
