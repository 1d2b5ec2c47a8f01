package scenarios

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/stretchr/testify/require"
)

// TestPublishedProfileReports pins the full JSON report of each published
// experiment on its own seed. .ci/run runs it under arm64 too: the same
// bytes on both architectures.
func TestPublishedProfileReports(t *testing.T) {
	for _, name := range []string{"EXP-001", "EXP-002", "EXP-003"} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(name)
			require.NoError(t, err)
			r, err := model.Run(cfg, model.Options{})
			require.NoError(t, err)
			out, err := json.MarshalIndent(r, "", "  ")
			require.NoError(t, err)
			goldentest.Check(t, "testdata/"+name+".report.golden", append(out, '\n'))
		})
	}
}

// BenchmarkRunEXP003 runs EXP-003 end to end: events/s and allocations per
// run, with model.Run (a fresh system each run: its buffers grow with its
// requests) and with a model.Runner (each run on the previous one's
// memory, as sweeps run). The event loop itself allocates nothing per
// event.
func BenchmarkRunEXP003(b *testing.B) {
	cfg, err := Load("EXP-003")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("run", func(b *testing.B) { benchRuns(b, cfg, model.Run) })
	var r model.Runner
	b.Run("runner", func(b *testing.B) { benchRuns(b, cfg, r.Run) })
}

// BenchmarkRunProfiles runs the profiles the speed work was profiled on:
// EXP-002 and EXP-003, RETRY-STORM (client timeouts and retries on every
// request) and META-SPIKE (a schedule and a steady-state hypothesis).
func BenchmarkRunProfiles(b *testing.B) {
	for _, name := range []string{"EXP-002", "EXP-003", "RETRY-STORM", "META-SPIKE"} {
		cfg, err := Load(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) { benchRuns(b, cfg, model.Run) })
	}
}

func benchRuns(b *testing.B, cfg *model.Config, run func(*model.Config, model.Options) (model.Report, error)) {
	b.ReportAllocs()
	var events uint64
	for b.Loop() {
		r, err := run(cfg, model.Options{})
		if err != nil {
			b.Fatal(err)
		}
		events += r.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
}

// TestRunnerMatchesRun: a Runner running different profiles one after
// another on the same memory (budgets cut; EXP-003 in sketch mode) gives
// every report exactly as a fresh run does, charts' series and latencies
// included.
func TestRunnerMatchesRun(t *testing.T) {
	var runner model.Runner
	for _, name := range []string{"EXP-002", "META-SPIKE", "EXP-003", "POOL-EXHAUSTION", "NET-BURSTY-LOSS", "EXP-002"} {
		cfg, err := Load(name)
		require.NoError(t, err)
		if cfg.Agents.RequestsPerAgent > 20 {
			cfg.Agents.RequestsPerAgent = 20
		}
		if name == "EXP-003" {
			cfg.Telemetry.Percentiles = model.SketchPercentiles
		}
		want, err := model.Run(cfg, model.Options{})
		require.NoError(t, err)
		got, err := runner.Run(cfg, model.Options{})
		require.NoError(t, err)
		wj, err := json.Marshal(want)
		require.NoError(t, err)
		gj, err := json.Marshal(got)
		require.NoError(t, err)
		require.Equal(t, string(wj), string(gj), name)
		require.Equal(t, want.Latencies, got.Latencies, name)
		require.Equal(t, want.Series.Periods(), got.Series.Periods(), name)
		require.Equal(t, fmt.Sprint(want.Series.Spans(model.SeriesSpans)), fmt.Sprint(got.Series.Spans(model.SeriesSpans)), name)
	}
}
