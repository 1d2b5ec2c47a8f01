package calibrate

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/validate/reproduce"
)

func smallConfig() *model.Config {
	return &model.Config{
		Name: "small", Seed: 3,
		Agents: model.AgentConfig{Count: 20, Arrival: model.Closed, RequestsPerAgent: 30,
			Think: model.Dist{Kind: model.Exponential, Mean: 0.05},
			Mix:   []model.WorkloadType{{Name: "A", Weight: 1, Work: 1}}},
		Queue:   model.QueueConfig{Buffer: 10},
		Workers: model.WorkerConfig{Count: 2, Service: model.Dist{Kind: model.Exponential, Mean: 0.01}},
		Faults:  model.FaultConfig{ErrorProbability: 0.1},
		Detector: model.DetectorConfig{Period: 0.05, Window: 1, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
			GrowthSamples: 3, P95Growth: 1, MinWindowSamples: 20, FinalFraction: 0.05},
	}
}

func TestBetweenPicksShortDecimals(t *testing.T) {
	f, ok := between(0.1413205, []float64{0.1413216})
	require.True(t, ok)
	require.Greater(t, f, 0.1413205)
	require.LessOrEqual(t, f, 0.1413216)
	require.Equal(t, 0.141321, f)
	_, ok = between(0.5, []float64{0.5})
	require.False(t, ok)
}

// The landing's last step reads an error probability off the sorted fault
// draws: given a run whose other cells print as published, it must make the
// error rate print as published too, to the last digit.
func TestLandOneReadsErrorProbabilityOff(t *testing.T) {
	cfg := smallConfig()
	cfg.Faults.ErrorProbability = 0
	r, err := model.Run(cfg, model.Options{})
	require.NoError(t, err)
	avg, p95 := fmt.Sprintf("%.3fs", r.Latency.Avg), fmt.Sprintf("%.3fs", r.Latency.P95) // as the table prints them
	require.Positive(t, r.FailedBy.QueueOverflow, "the small system overflows on its own")
	row := func(errorRate string) reproduce.Published {
		return reproduce.Published{Scenario: "small", Agents: 20, Workers: 2, Buffer: 10,
			AvgLatency: avg, P95Latency: p95, ErrorRate: errorRate, State: r.FinalState}
	}
	for _, extra := range []uint64{1, 30, 120} {
		// Reachable targets: the error rates of a few more failures.
		target := fmt.Sprintf("%.2f%%", 100*float64(r.Failed+extra)/float64(r.Created))
		c := *cfg
		p := row(target)
		n, ok := landOne(&c, p)
		require.True(t, ok, "target %s: %d cells", target, n)
		require.Positive(t, c.Faults.ErrorProbability)
		landed, err := model.Run(&c, model.Options{})
		require.NoError(t, err)
		cmp, err := reproduce.Compare(p, &landed)
		require.NoError(t, err)
		require.Equal(t, 4, cmp.Matches(), "target %s", target)
		require.Equal(t, r.Latency, landed.Latency, "the error probability leaves latency alone")
	}
	// Below what overload alone fails, there is nothing to land on.
	c := *cfg
	below := fmt.Sprintf("%.2f%%", 100*float64(r.Failed-1)/float64(r.Created))
	_, ok := landOne(&c, row(below))
	require.False(t, ok)
}
