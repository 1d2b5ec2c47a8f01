package sweep

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/scenarios"
)

// benchSpec is a latin-hypercube sweep of n EXP-002-sized points (400
// agents, 4 workers, buffer 80, 20,000 requests each): the axes change
// the dynamics, not the size.
func benchSpec(n int) string {
	return fmt.Sprintf(`{"base": "EXP-002", "seed": 1, "design": {"kind": "lhs", "points": %d},
		"set": {"agents.requests_per_agent": 50}, "axes": [
		{"path": "faults.error_probability", "range": {"from": 0.05, "to": 0.15}},
		{"path": "workers.slowdown.alpha", "range": {"from": 0.5, "to": 1.5}}]}`, n)
}

// BenchmarkSweepEXP002 runs b.N points of an EXP-002 sweep per iteration
// set, with 1 and 2 workers: points/s and events/s, and (against the
// yardstick BenchmarkModelRunEXP002) the sweep's overhead. Parallel
// efficiency is rate(2 workers) / (2 · rate(1 worker)).
func BenchmarkSweepEXP002(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			s, err := ParseSpec([]byte(benchSpec(b.N)), "bench.json", ".")
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(b.TempDir(), "bench.csv")
			b.ReportAllocs()
			b.ResetTimer()
			res, err := Run(context.Background(), s, Options{Out: out, Workers: workers})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(res.Ran)/sec, "points/s")
			b.ReportMetric(float64(res.Events)/sec, "events/s")
		})
	}
}

// BenchmarkModelRunEXP002 is the yardstick: EXP-002 simulated directly,
// one run per iteration, no sweep machinery.
func BenchmarkModelRunEXP002(b *testing.B) {
	cfg, err := scenarios.Load("EXP-002")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Agents.RequestsPerAgent = 50 // 20,000 requests, as in the sweep
	b.ReportAllocs()
	var events uint64
	for i := 0; i < b.N; i++ {
		c := *cfg
		c.Seed = uint64(i)
		r, err := model.Run(&c, model.Options{})
		if err != nil {
			b.Fatal(err)
		}
		events += r.Events
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkPointConfig is the per-run cost of building and validating a
// point's scenario from the spec.
func BenchmarkPointConfig(b *testing.B) {
	s, err := ParseSpec([]byte(benchSpec(1000)), "bench.json", ".")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var vals []axisValue
	for i := 0; i < b.N; i++ {
		p := i % s.Points()
		vals = s.pointValues(p, vals)
		if _, err := s.pointConfig(p, vals); err != nil {
			b.Fatal(err)
		}
	}
}
