package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The hysteresis command runs its grid as a resumable sweep and draws the
// verdict map; bad input is exit 2 before anything is written.
func TestHysteresisCommand(t *testing.T) {
	dir := t.TempDir()
	scenario := "../../scenarios/sweep/testdata/sweep-client.json"
	prefix := filepath.Join(dir, "h")
	args := []string{"hysteresis", scenario, "--trigger", "schedule[0].load.rate=1,2.6", "--load", "client.retry.max_attempts=2:4:2",
		"--reps", "2", "--seed", "3", "--workers", "2", "--out", prefix}
	code, stdout, stderr := runCLI(args...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "client.retry.max_attempts \\ schedule[0].load.rate")
	require.Contains(t, stdout, "M") // the large spike with 4 tries does not recover
	for _, f := range []string{".csv", ".points.csv", "-slo.svg", "-slo.png", "-state.svg", "-p95.svg"} {
		require.FileExists(t, prefix+f)
	}
	rows, err := os.ReadFile(prefix + ".csv")
	require.NoError(t, err)

	// Again: refused without --resume or --force; resumed, nothing runs and
	// the rows are the same.
	code, _, stderr = runCLI(args...)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--force")
	code, stdout, stderr = runCLI(append(args, "--resume", "--json")...)
	require.Equal(t, 0, code, stderr)
	var sum struct {
		Runs, Ran int
		Cells     []struct{ Verdict string }
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &sum))
	require.Equal(t, 8, sum.Runs)
	require.Zero(t, sum.Ran)
	require.Len(t, sum.Cells, 4)
	again, err := os.ReadFile(prefix + ".csv")
	require.NoError(t, err)
	require.Equal(t, rows, again)

	for _, bad := range [][]string{
		{"hysteresis", scenario},
		{"hysteresis", scenario, "--trigger", "schedule[0].load.rate", "--load", "agents.count=1:2:2"},
		{"hysteresis", scenario, "--trigger", "schedule[0].load.size=1:2:2", "--load", "agents.count=1:2:2"},
		{"hysteresis", "EXP-001", "--trigger", "schedule[0].load.rate=1:2:2", "--load", "agents.count=1:2:2"},
	} {
		bad = append(bad, "--out", filepath.Join(dir, "bad"))
		code, _, stderr := runCLI(bad...)
		require.Equal(t, 2, code, "%v: %s", bad, stderr)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "bad*"))
	require.Empty(t, matches)
}
