package defences

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/scenarios"
)

// small is a retrying system with CoDel of its own, a spike and an SLO,
// cut to 8 s.
func small(t testing.TB) *model.Config {
	t.Helper()
	cfg, err := scenarios.Load("../sweep/testdata/sweep-client.json")
	require.NoError(t, err)
	cfg.Agents.Horizon = 8
	return cfg
}

func policyNames(ps []Policy) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestPolicies(t *testing.T) {
	cfg := small(t)
	ps, skipped, err := Policies(cfg)
	require.NoError(t, err)
	require.Equal(t, []string{None, AsGiven, CoDel, LIFO, AdaptiveLIFO, AIMD, Vegas, Gradient2, ServerThrottle, SREThrottle, RetryBudget, Breaker}, policyNames(ps))
	require.Equal(t, []string{"priorities: the scenario has no agent groups to rank"}, skipped)

	none, err := ps[0].configure(cfg)
	require.NoError(t, err)
	require.Nil(t, none.Queue.CoDel, "no defence strips the scenario's CoDel")
	given, err := ps[1].configure(cfg)
	require.NoError(t, err)
	require.Equal(t, cfg, given)
	// Each policy changes no defence but its own, and nothing else.
	for _, p := range ps[2:] {
		got, err := p.configure(cfg)
		require.NoError(t, err, p.Name)
		var a, b map[string]any
		ja, _ := json.Marshal(none)
		jb, _ := json.Marshal(got)
		require.NoError(t, json.Unmarshal(ja, &a))
		require.NoError(t, json.Unmarshal(jb, &b))
		var changed []string
		for _, k := range []string{"agents", "queue", "workers", "faults", "detector", "throttle", "telemetry", "client", "network", "schedule", "slo"} {
			if x, y := mustJSON(a[k]), mustJSON(b[k]); x != y {
				changed = append(changed, k)
			}
		}
		want := map[string][]string{ServerThrottle: {"throttle"}, SREThrottle: {"client"}, RetryBudget: {"client"}, Breaker: {"client"}}[p.Name]
		if want == nil {
			want = []string{"queue"}
		}
		require.Equal(t, want, changed, p.Name)
	}
	// Adaptive LIFO switches at half the client's timeout; the limits count
	// an answer slower than the client waits as a drop.
	al, _ := ps[4].configure(cfg)
	require.Equal(t, 0.025, al.Queue.LIFOAfter)
	aimd, _ := ps[5].configure(cfg)
	require.Equal(t, 0.05, aimd.Queue.Limit.Timeout)

	// Without retries there is no budget; with groups, priorities in their
	// order unless the scenario ranks them.
	cfg.Client.Retry = model.RetryConfig{}
	cfg.Agents.Groups = []model.AgentGroup{{Name: "web", Count: 15}, {Name: "batch", Count: 5}}
	ps, skipped, err = Policies(cfg)
	require.NoError(t, err)
	require.Contains(t, policyNames(ps), Priorities)
	require.NotContains(t, policyNames(ps), RetryBudget)
	require.Equal(t, []string{"retry-budget: no client retries"}, skipped)
	for _, p := range ps {
		if p.Name == Priorities {
			require.Equal(t, "priorities web 0, batch 1 (0 most important)", p.Settings)
			got, err := p.configure(cfg)
			require.NoError(t, err)
			require.Equal(t, 1, got.Agents.Groups[1].Priority)
		}
	}
	cfg.Agents.Groups[0].Priority = 3
	ps, _, _ = Policies(cfg)
	for _, p := range ps {
		if p.Name == Priorities {
			require.Equal(t, "priorities web 3, batch 0 (0 most important)", p.Settings)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The comparison is the same for any number of workers; no defence is
// compared with itself exactly (common random numbers), and the scenario's
// own row is its own run.
func TestCompare(t *testing.T) {
	cfg := small(t)
	one, err := Compare(context.Background(), cfg, Options{Replications: 2, Seed: 5, Workers: 1})
	require.NoError(t, err)
	two, err := Compare(context.Background(), cfg, Options{Replications: 2, Seed: 5, Workers: 2})
	require.NoError(t, err)
	a, _ := json.Marshal(one)
	b, _ := json.Marshal(two)
	require.JSONEq(t, string(a), string(b))
	require.Len(t, one.Results, 12)
	require.True(t, one.HasSLO)
	none := one.Results[0]
	require.Equal(t, Interval{0, 0, 2}, none.GoodputGain)
	require.Equal(t, 2, none.Goodput.N)
	for _, r := range one.Results {
		require.Equal(t, 2, r.Runs)
		require.False(t, math.IsNaN(r.Goodput.Mean), r.Name)
		// gain = policy − none, replication by replication.
		require.InDelta(t, r.Goodput.Mean-none.Goodput.Mean, r.GoodputGain.Mean, 1e-9, r.Name)
	}
	// The scenario as given is its own runs, with the replications' seeds.
	sum := 0.0
	for r := 0; r < 2; r++ {
		run := *cfg
		run.Seed = replicate.Seed(5, r)
		rep, err := model.Run(&run, model.Options{})
		require.NoError(t, err)
		sum += rep.Throughput
	}
	given := one.Results[1]
	require.Equal(t, AsGiven, given.Name)
	require.Equal(t, sum/2, given.Goodput.Mean)
}

// An interrupted comparison keeps the policies whose replications all
// finished.
func TestCompareInterrupted(t *testing.T) {
	cfg := small(t)
	ctx, cancel := context.WithCancel(context.Background())
	delivered := 0
	c, err := Compare(ctx, cfg, Options{Replications: 2, Workers: 1, Progress: func(done, total int) {
		delivered = done
		if done == 5 {
			cancel() // the runs already started still finish and are kept
		}
	}})
	require.ErrorIs(t, err, ErrInterrupted)
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, delivered, 24)
	require.Len(t, c.Results, delivered/2)
	_, err = Compare(context.Background(), cfg, Options{Replications: 0, Workers: 1})
	require.Error(t, err)
}

// Hand-computed: three replications of a policy against no defence.
func TestSummarise(t *testing.T) {
	none := []outcome{{goodput: 10, served: true, p99: 1}, {goodput: 20, served: true, p99: 2}, {goodput: 30, served: true, p99: 3}}
	os := []outcome{{goodput: 12, served: true, p99: 0.5, collapsed: true}, {goodput: 26, p99: 0}, {goodput: 31, served: true, p99: 0.7, notRecovered: true}}
	r := summarise(Policy{Name: "x"}, os, none)
	require.Equal(t, 23.0, r.Goodput.Mean)
	require.Equal(t, 3.0, r.GoodputGain.Mean) // gains 2, 6, 1
	require.Equal(t, 2, r.P99.N, "a replication that served nothing has no p99")
	require.InDelta(t, 0.6, r.P99.Mean, 1e-15)
	// t(0.975, 2) = 4.302652730; s of {2, 6, 1} = sqrt(7).
	require.InDelta(t, 4.302652730*math.Sqrt(7)/math.Sqrt(3), r.GoodputGain.HalfWidth, 1e-8)
	require.Equal(t, 1, r.Collapsed)
	require.Equal(t, 1, r.NotRecovered)
}

// The chart of a hand-built comparison, byte for byte in SVG; refused
// without force when it exists.
func TestChart(t *testing.T) {
	iv := func(m, h float64) Interval { return Interval{m, h, 5} }
	c := &Comparison{Scenario: "GOLDEN", Seed: 1, Replications: 5, Results: []Result{
		{Policy: Policy{Name: None}, Runs: 5, Goodput: iv(100, 80), P99: iv(0.09, 0.04), Collapsed: 5},
		{Policy: Policy{Name: CoDel}, Runs: 5, Goodput: iv(340, 60), P99: iv(0.064, 0.003), Collapsed: 3},
		{Policy: Policy{Name: LIFO}, Runs: 5, Goodput: iv(709, 4), P99: iv(0.14, 0.01)},
		{Policy: Policy{Name: Breaker}, Runs: 5, Goodput: iv(0, math.Inf(1)), P99: Interval{math.NaN(), math.Inf(1), 0}, Collapsed: 5},
	}}
	prefix := filepath.Join(t.TempDir(), "cmp")
	files, err := WriteChart(c, prefix, false)
	require.NoError(t, err)
	require.Equal(t, []string{prefix + ".svg", prefix + ".png"}, files)
	svg, err := os.ReadFile(prefix + ".svg")
	require.NoError(t, err)
	goldentest.Check(t, "testdata/chart.svg.golden", svg)
	require.True(t, strings.Contains(string(svg), "lifo"))
	_, err = WriteChart(c, prefix, false)
	require.ErrorIs(t, err, outfile.ErrExists)
	require.ErrorIs(t, CheckChart(prefix, false), outfile.ErrExists)
	require.NoError(t, CheckChart(prefix, true))
	_, err = WriteChart(&Comparison{}, filepath.Join(t.TempDir(), "x"), false)
	require.Error(t, err)
}
