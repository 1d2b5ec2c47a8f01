package model

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
)

func ms(x float64) kernel.Time { return kernel.Time(kernel.Seconds(x / 1000)) }

// RFC 8289's drop schedule: target 5 ms, interval 100 ms, a head sojourn of
// 10 ms from t = 0.
func TestCoDelDropSchedule(t *testing.T) {
	c := NewCoDel(CoDelConfig{})
	soj := kernel.Seconds(0.010)
	drops := func(at float64) bool { return c.ShouldDrop(ms(at), soj, false) }
	require.False(t, drops(0), "first above target: wait an interval")
	require.False(t, drops(50))
	require.True(t, drops(100), "above for a whole interval: drop, next at 100+100/√1")
	require.True(t, c.Dropping())
	require.False(t, drops(199))
	require.True(t, drops(200), "next at 200+100/√2 = 270.7")
	require.False(t, drops(270))
	require.True(t, drops(271), "next at 270.7+100/√3 = 328.4")
	require.False(t, drops(328))
	require.True(t, drops(329))
	require.Equal(t, uint64(4), c.Drops)
	// Below target: leave the dropping state.
	require.False(t, c.ShouldDrop(ms(330), kernel.Seconds(0.001), false))
	require.False(t, c.Dropping())
	// Above again soon after: re-enter with count = count − lastCount
	// (4 − 1 = 3), so drops resume at the faster pace: 100/√3 ms apart.
	require.False(t, drops(340))
	require.True(t, drops(440))
	require.Equal(t, 3, c.count)
	require.False(t, drops(497))
	require.True(t, drops(498), "440 + 100/√3 = 497.7")
	// An empty queue resets.
	require.False(t, c.ShouldDrop(ms(600), 0, true))
	require.False(t, c.Dropping())
}

func TestAIMDLimitSteps(t *testing.T) {
	l := NewLimiter(LimitConfig{Kind: LimitAIMD, Initial: 10, Timeout: 1})
	fast := kernel.Seconds(0.01)
	l.Update(fast, false, 5)
	require.Equal(t, 11, l.Limit(), "+1: half the limit was in use")
	l.Update(fast, false, 2)
	require.Equal(t, 11, l.Limit(), "not increased while little of it is used")
	l.Update(fast, true, 8)
	require.Equal(t, 9, l.Limit(), "⌊11·0.9⌋ on a failure")
	l.Update(kernel.Seconds(2), false, 8)
	require.Equal(t, 8, l.Limit(), "⌊9·0.9⌋ on an answer slower than the timeout")
	require.True(t, l.Admit(7))
	require.False(t, l.Admit(8))
	require.Equal(t, uint64(1), l.Rejected)
	for i := 0; i < 100; i++ {
		l.Update(fast, true, 1)
	}
	require.Equal(t, 1, l.Limit(), "never below min")
}

func TestVegasAndGradient2Move(t *testing.T) {
	v := NewLimiter(LimitConfig{Kind: LimitVegas, Initial: 20})
	v.Update(kernel.Seconds(0.010), false, 20) // sets the no-load RTT
	v.Update(kernel.Seconds(0.010), false, 20) // no queue: grows by 6·log10(20)
	require.Greater(t, v.limit, 20+6*1.3-0.01)
	before := v.limit
	v.Update(kernel.Seconds(0.100), false, 30) // queue ≈ limit·0.9: shrinks by log10(limit)
	require.Less(t, v.limit, before)
	g := NewLimiter(LimitConfig{Kind: LimitGradient2, Initial: 50})
	for i := 0; i < 50; i++ {
		g.Update(kernel.Seconds(0.010), false, 50)
	}
	steady := g.limit
	for i := 0; i < 50; i++ {
		g.Update(kernel.Seconds(0.050), false, 50) // RTT five times the long average
	}
	require.Less(t, g.limit, steady, "a rising RTT pulls the limit down")
}

func TestSREThrottleProbability(t *testing.T) {
	a := NewAdaptiveThrottle(2, 120*kernel.Second)
	for i := 0; i < 100; i++ {
		a.Request(0)
	}
	for i := 0; i < 30; i++ {
		a.Accept(0)
	}
	require.InDelta(t, (100-2*30)/101.0, a.Probability(0), 1e-12)
	for i := 0; i < 30; i++ {
		a.Accept(0)
	}
	require.Zero(t, a.Probability(0), "K·accepts ≥ requests: never reject")
	require.Zero(t, a.Probability(at(200)), "the window has slid past it all")
}

// Adaptive LIFO: one worker, a burst of four; while the oldest has waited
// longer than lifo_after the newest goes first.
func TestAdaptiveLIFOSwitch(t *testing.T) {
	order := func(discipline string, after float64) []int32 {
		cfg := testConfig()
		cfg.Agents.BurstSize, cfg.Agents.RequestsPerAgent = 4, 4
		cfg.Queue = QueueConfig{Buffer: 10, Discipline: discipline, LIFOAfter: after}
		_, rec := run(t, cfg)
		var got []int32
		for _, e := range rec.of(Started) {
			got = append(got, e.Seq)
		}
		return got
	}
	require.Equal(t, []int32{0, 1, 2, 3}, order(DisciplineFIFO, 0))
	require.Equal(t, []int32{0, 3, 2, 1}, order(DisciplineLIFO, 0))
	require.Equal(t, []int32{0, 3, 2, 1}, order(DisciplineAdaptiveLIFO, 0.5), "at 1 s the oldest has waited 1 s > 0.5 s")
	require.Equal(t, []int32{0, 1, 2, 3}, order(DisciplineAdaptiveLIFO, 5), "never standing that long")
}

// Priorities: critical attempts are served first and take the place of
// sheddable ones when the room is full.
func TestPriorityOrderAndShedding(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 2, Arrival: Burst, BurstSize: 3, RequestsPerAgent: 3,
		Think: Dist{Kind: Deterministic, Mean: 100}, Mix: []WorkloadType{{"A", 1, 1}},
		Groups: []AgentGroup{{Name: "batch", Count: 1, Priority: 1}, {Name: "critical", Count: 1}}}
	cfg.Queue.Buffer = 3
	r, rec := run(t, cfg)
	// Both burst at 0, batch (agent 0) first: one starts, two wait. Then
	// critical's three: one fills the last place, and two displace the
	// batch waiters (shed).
	started := rec.of(Started)
	require.Len(t, started, 4)
	require.Equal(t, int32(0), started[0].Agent)
	for _, e := range started[1:] {
		require.Equal(t, int32(1), e.Agent, "critical goes first")
	}
	require.Equal(t, uint64(2), r.FailedBy.Shed)
	require.Equal(t, uint64(2), r.Defences.ShedByClass)
	for _, e := range rec.of(Failed) {
		require.Equal(t, int32(0), e.Agent, "only batch is shed")
	}
}

// A concurrency limit turns work away beyond it.
func TestLimitShedsInARun(t *testing.T) {
	cfg := testConfig()
	cfg.Queue = QueueConfig{Buffer: 20, Limit: &LimitConfig{Kind: LimitAIMD, Initial: 4, Min: 4, Max: 4}}
	r, rec := run(t, cfg)
	require.Len(t, rec.of(Enqueued), 4)
	require.Equal(t, uint64(6), r.FailedBy.Shed)
	require.Equal(t, uint64(6), r.Defences.ShedByLimit)
}

// CoDel in a run: a standing queue is cut from the head.
func TestCoDelInARun(t *testing.T) {
	cfg := testConfig()
	cfg.Agents.BurstSize, cfg.Agents.RequestsPerAgent = 10, 10
	cfg.Queue = QueueConfig{Buffer: 20, CoDel: &CoDelConfig{Target: 0.5, Interval: 1}}
	r, _ := run(t, cfg)
	require.Positive(t, r.Defences.ShedByCoDel)
	require.Equal(t, r.Defences.ShedByCoDel, r.FailedBy.Shed)
	require.Equal(t, uint64(10), r.Served+r.Failed)
}

// The limit learns from the load each answer saw as it arrived: at a
// limit of 1 the lone attempt in flight is half the limit and more, so AIMD
// grows again (it stayed at 1 when it was told the load after the attempt
// had left: 0).
func TestAIMDGrowsFromOne(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = AgentConfig{Count: 4, Arrival: Closed, RequestsPerAgent: 20,
		Think: Dist{Kind: Deterministic, Mean: 0.05}, Mix: []WorkloadType{{"A", 1, 1}}}
	cfg.Workers = WorkerConfig{Count: 4, Service: Dist{Kind: Deterministic, Mean: 0.1}}
	cfg.Queue = QueueConfig{Buffer: 10, Limit: &LimitConfig{Kind: LimitAIMD, Initial: 1, Min: 1, Max: 10}}
	r, _ := run(t, cfg)
	require.Greater(t, r.Defences.Limit, 1.0)
}
