package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The defend command prints one row per policy, as a table or JSON, and
// draws the chart; bad input is exit 2 before anything runs.
func TestDefendCommand(t *testing.T) {
	dir := t.TempDir()
	scenario := "../../scenarios/sweep/testdata/sweep-client.json"
	chart := filepath.Join(dir, "cmp")
	code, stdout, stderr := runCLI("defend", scenario, "--reps", "2", "--workers", "2", "--chart", chart)
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{"defences on sweep-client: each alone, 2 replications", "policy", "goodput (req/s)", "not recovered",
		"\nnone ", "\nscenario ", "\ncodel ", "\nadaptive-lifo ", "\ngradient2 ", "\nretry-budget ", "\nbreaker ",
		"not run: priorities", chart + ".svg"} {
		require.Contains(t, stdout, want)
	}
	require.FileExists(t, chart+".png")

	code, _, stderr = runCLI("defend", scenario, "--reps", "2", "--chart", chart)
	require.Equal(t, 2, code, "an existing chart is refused before the runs")
	require.Contains(t, stderr, "--force")

	code, stdout, stderr = runCLI("defend", scenario, "--reps", "2", "--seed", "9", "--json")
	require.Equal(t, 0, code, stderr)
	var c struct {
		Seed    uint64
		Results []struct {
			Name    string
			Goodput struct{ Mean, CI95 float64 }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &c))
	require.Equal(t, uint64(9), c.Seed)
	require.Len(t, c.Results, 12)
	require.Equal(t, "none", c.Results[0].Name)
	require.Positive(t, c.Results[0].Goodput.Mean)

	for _, bad := range [][]string{{"defend"}, {"defend", "NO-SUCH"}, {"defend", scenario, "--reps", "0"}} {
		code, _, _ := runCLI(bad...)
		require.Equal(t, 2, code, "%v", bad)
	}
}
