package model

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// heapWatch is a SampleSink that reads the live heap every so many control
// periods and keeps the largest reading.
type heapWatch struct {
	every, n int
	peak     uint64
}

func (*heapWatch) Observe(Event) {}

func (h *heapWatch) ObserveSample(*Sample) {
	h.n++
	if h.n%h.every != 0 {
		return
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	h.peak = max(h.peak, ms.HeapAlloc)
}

// Issue 18, item 2: with sketch percentiles a run's memory does not grow
// with its length. The case grew ~8 KB per simulated second (a
// Sample per control period): 30 MB at a 2,000 s horizon, 79 MB at 8,000.
// Now four times the periods keep the same live heap, within 256 KB.
func TestSketchRunMemoryFlat(t *testing.T) {
	peak := func(horizon float64) uint64 {
		cfg := closedConfig(10, 0)
		cfg.Agents.Arrival, cfg.Agents.Horizon = Poisson, horizon
		cfg.Agents.Think.Mean = 0.1
		cfg.Telemetry.Percentiles = SketchPercentiles
		h := &heapWatch{every: 8000}
		rep, err := Run(cfg, Options{Sinks: []Sink{h}})
		require.NoError(t, err)
		require.GreaterOrEqual(t, rep.Series.Periods(), int(horizon/cfg.Detector.Period))
		return h.peak
	}
	peak(500) // warm up
	short, long := peak(2000), peak(8000)
	t.Logf("live heap: %d KB at a 2,000 s horizon, %d KB at 8,000 s", short>>10, long>>10)
	require.Less(t, long, short+256<<10, "the live heap grew by more than 256 KB for 120,000 more control periods")
}
