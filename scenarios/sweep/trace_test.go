package sweep

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A base scenario's trace file is read beside it, at every point, and its
// contents are part of the sweep's fingerprint.
func TestSweepOfATraceDrivenBase(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "scen")
	require.NoError(t, os.Mkdir(sub, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "arrivals.csv"), []byte("0\n0.01\n0.02\n0.5\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "base.json"), []byte(`{"name": "T", "agents": {"count": 2, "arrival": "trace",
		"trace": {"file": "arrivals.csv"}, "mix": [{"name": "A", "weight": 1, "work": 1}]},
		"queue": {"buffer": 10}, "workers": {"count": 1}}`), 0o644))
	spec := filepath.Join(dir, "spec.json")
	require.NoError(t, os.WriteFile(spec, []byte(`{"base": "scen/base.json", "axes": [{"path": "workers.count", "values": [1, 2]}]}`), 0o644))
	s, err := LoadSpec(spec)
	require.NoError(t, err)
	for i := 0; i < s.Runs(); i++ {
		cfg, _, err := s.config(i)
		require.NoError(t, err)
		require.Equal(t, []float64{0, 0.01, 0.02, 0.5}, cfg.Agents.Trace.Times)
	}
	require.NoError(t, os.WriteFile(filepath.Join(sub, "arrivals.csv"), []byte("0\n0.01\n0.02\n0.6\n"), 0o644))
	s2, err := LoadSpec(spec)
	require.NoError(t, err)
	require.NotEqual(t, s.Fingerprint(), s2.Fingerprint())
}
