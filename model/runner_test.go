package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
)

// A Runner's run stops as Run's does, with the same error: at the period
// limit, and on an interrupt. (It returned nil once, and sweeps took the
// truncated reports for whole ones.)
func TestRunnerStopsLikeRun(t *testing.T) {
	cfg := closedConfig(10, 200)
	var r Runner
	for _, run := range []func(*Config, Options) (Report, error){Run, r.Run} {
		_, err := run(cfg, Options{MaxPeriods: 5})
		var fe *FieldError
		require.True(t, errors.As(err, &fe), "%v", err)
		stop := make(chan struct{})
		close(stop)
		_, err = run(cfg, Options{Interrupt: stop})
		require.ErrorIs(t, err, ErrInterrupted)
	}
}

// A Runner's run after a stopped one, on other windows, percentile modes
// and SLOs, gives Run's report, latencies, series and time in state.
func TestRunnerAfterStoppedRuns(t *testing.T) {
	config := func(i int) *Config {
		cfg := closedConfig(20+i*7, 150)
		cfg.Seed = uint64(i + 3)
		cfg.Agents.Think.Mean = 0.02
		cfg.Detector.Window = []float64{1, 0.2, 2.5, 0.5}[i%4]
		cfg.Detector.P95MinUtilisation = 0.3
		cfg.Detector.MinWindowSamples = 5
		if i%3 != 0 {
			cfg.Telemetry.Percentiles = SketchPercentiles
		}
		if i%2 == 0 {
			cfg.SLO = SLOConfig{P99: 0.05, ErrorRate: 0.1, Window: []float64{0.3, 1.7}[i%4/2]}
		}
		return cfg
	}
	var r Runner
	for i := 0; i < 10; i++ {
		cfg := config(i)
		want, err := Run(cfg, Options{})
		require.NoError(t, err)
		_, err = r.Run(config(i+1), Options{MaxPeriods: 3 + i}) // stopped half-way
		require.Error(t, err)
		got, err := r.Run(cfg, Options{})
		require.NoError(t, err)
		wj, err := json.Marshal(want)
		require.NoError(t, err)
		gj, err := json.Marshal(got)
		require.NoError(t, err)
		require.Equal(t, string(wj), string(gj), "run %d", i)
		require.Equal(t, want.Latencies, got.Latencies)
		require.Equal(t, fmt.Sprint(want.Series.Spans(SeriesSpans)), fmt.Sprint(got.Series.Spans(SeriesSpans)))
	}
}

// The state clock gives what the whole timeline gave: each period from the
// previous sample to its own, cut at the last event — for random orders of
// events and ticks, events at a tick's instant, no events, and periods
// wholly after the last event.
func TestStateClockMatchesTheTimeline(t *testing.T) {
	fromTimeline := func(tl []Sample, end kernel.Time) TimeInState {
		var in [numStates]kernel.Duration
		var from kernel.Time
		for i := range tl {
			if to := min(tl[i].T, end); to > from {
				in[tl[i].State] += to.Sub(from)
			}
			from = tl[i].T
		}
		return TimeInState{Stable: in[Stable].Seconds(), Degraded: in[Degraded].Seconds(), Collapsed: in[Collapsed].Seconds()}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20000; trial++ {
		var c stateClock
		var tl []Sample
		var now, last, tick kernel.Time
		for range rng.IntN(12) {
			if rng.IntN(2) == 0 { // an event now, or a little later
				now += kernel.Time(rng.IntN(3))
				last = now
				continue
			}
			// A tick after the previous one, not before the last event.
			tick = max(tick+1, now+kernel.Time(rng.IntN(3)))
			now = tick
			s := Sample{T: tick, State: State(rng.IntN(int(numStates)))}
			c.add(&s, last)
			tl = append(tl, s)
		}
		require.Equal(t, fromTimeline(tl, last), c.TimeInState(last), "trial %d: %+v, last event %d", trial, tl, last)
	}
}
