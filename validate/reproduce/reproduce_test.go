package reproduce

import (
	"context"
	"testing"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/stretchr/testify/require"
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

func TestCompareAtPrintedPrecision(t *testing.T) {
	r := model.Report{Agents: 20, Workers: 2, Buffer: 10, ErrorRate: 0.14204999, FinalState: model.Degraded,
		Latency: model.Latency{Avg: 0.1454999, P95: 0.2835001}}
	p := Published{"X", 20, 2, 10, "0.145s", "0.284s", "14.20%", model.Degraded}
	c, err := Compare(p, &r)
	require.NoError(t, err)
	require.Equal(t, 4, c.Matches())
	r.Latency.Avg = 0.1455001 // prints 0.146
	c, _ = Compare(p, &r)
	require.Equal(t, 3, c.Matches())
	require.False(t, c.Cells[0].Match)
	r.Workers = 3
	_, err = Compare(p, &r)
	require.Error(t, err, "a system of another size is not compared")
	require.Equal(t, 0.1420, Value("14.20%"))
	require.Equal(t, 0.892, Value("0.892s"))
}

func TestSpreadOverSeeds(t *testing.T) {
	cfg := smallConfig()
	pub := Published{"small", 20, 2, 10, "0.030s", "0.080s", "10.00%", model.Stable}
	sp, err := Spread(context.Background(), []*model.Config{cfg}, []Published{pub}, 5, 2, nil)
	require.NoError(t, err)
	require.Len(t, sp, 1)
	n := 0
	for _, v := range sp[0].States {
		n += v
	}
	require.Equal(t, 5, n)
	for _, c := range sp[0].Cells {
		require.LessOrEqual(t, c.CI[0], c.Mean)
		require.GreaterOrEqual(t, c.CI[1], c.Mean)
		require.LessOrEqual(t, c.PI[0], c.CI[0], "a prediction interval is wider than the confidence interval")
		require.GreaterOrEqual(t, c.PI[1], c.CI[1])
		require.Equal(t, c.PrintsAs[0] <= c.CI[1] && c.PrintsAs[1] >= c.CI[0], c.InCI)
		require.Less(t, c.PrintsAs[0], c.Published)
		require.Greater(t, c.PrintsAs[1], c.Published)
	}
	// The same call gives the same numbers whatever the worker count, and
	// reports its progress in order, run by run (issue 18, item 16).
	var seen []int
	sp1, err := Spread(context.Background(), []*model.Config{cfg}, []Published{pub}, 5, 1, func(done, total int) {
		require.Equal(t, 5, total)
		seen = append(seen, done)
	})
	require.NoError(t, err)
	require.Equal(t, sp, sp1)
	require.Equal(t, []int{1, 2, 3, 4, 5}, seen)

	// Ctrl-C: the spread stops with the context's cause.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Spread(ctx, []*model.Config{cfg}, []Published{pub}, 5, 1, nil)
	require.ErrorIs(t, err, context.Canceled)
}
