package sweep

import (
	"errors"
	"os"
	"testing"

	"github.com/agentchaos/agentchaos/scenarios"
)

// FuzzParseSpec feeds the sweep-spec parser arbitrary documents (CI runs it
// for a few seconds: .ci/run). Whatever the input, ParseSpec returns a spec
// or a *scenarios.Error, never panics; an accepted spec has points, a
// fingerprint, and a valid scenario at every point.
func FuzzParseSpec(f *testing.F) {
	grid, err := os.ReadFile("testdata/sweep-grid.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(grid)
	for _, doc := range []string{
		`{"base": "EXP-002", "replications": 2, "set": {"agents.requests_per_agent": 5}, "axes": [{"path": "agents.count", "range": {"from": 10, "to": 60, "steps": 3}}, {"path": "queue.buffer", "log": {"from": 2, "to": 40, "steps": 3}}]}`,
		`{"base": "sweep-base.json", "design": {"kind": "lhs", "points": 4}, "axes": [{"path": "workers.service.mean", "log": {"from": 0.001, "to": 0.01}}, {"path": "agents.mix[1].weight", "values": [1, 2]}]}`,
		`{"base": "sweep-base.json", "axes": [{"path": "workers.service", "values": [{"kind": "deterministic", "mean": 0.01}, {"kind": "exponential", "mean": 0.02}]}]}`,
		`{"base": "sweep-base.json", "axes": [{"path": "faults.error_probability", "values": [0.1, 1.5]}]}`,
		`{"base": "nope.json", "axes": []}`,
		"\uFEFF{\"base\": \"EXP-001\", \"axes\": [{\"path\": \"agents.count\", \"values\": [1e1, 2e1]}]}",
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// ParseSpec builds every point's scenario; a plan of thousands of
		// points is only planned here, or the fuzzer spends its time there.
		probe := &Spec{source: "fuzz.json", data: data}
		if probe.decode() == nil && probe.loadBase("testdata") == nil && probe.plan() == nil && probe.npoints > 200 {
			return
		}
		s, err := ParseSpec(data, "fuzz.json", "testdata")
		if err != nil {
			var se *scenarios.Error
			if !errors.As(err, &se) {
				t.Fatalf("not a *scenarios.Error: %v", err)
			}
			return
		}
		if s.Points() < 1 || s.Replications < 1 || s.Fingerprint() == "" {
			t.Fatalf("accepted a spec without points, replications or fingerprint: %d, %d, %q", s.Points(), s.Replications, s.Fingerprint())
		}
		var vals []axisValue
		for p := 0; p < s.Points(); p++ {
			vals = s.pointValues(p, vals)
			cfg, err := s.pointConfig(p, vals)
			if err != nil {
				t.Fatalf("point %d of an accepted spec: %v", p, err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("point %d of an accepted spec is invalid: %v", p, err)
			}
		}
	})
}
