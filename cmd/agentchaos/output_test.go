package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Output files (issue 18): every command writes through package
// model/outfile, and these tests pin its rules at the command line.

// smallScenario writes a scenario that runs in a few milliseconds.
func smallScenario(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "small.json")
	require.NoError(t, os.WriteFile(name, []byte(`{"name": "small", "agents": {"count": 3, "requests_per_agent": 4},
		"queue": {"buffer": 1}, "workers": {"count": 1}}`), 0o644))
	return name
}

// noTempNames fails if a message names a temporary file.
func noTempNames(t *testing.T, msg string) {
	t.Helper()
	assert.NotContains(t, msg, ".tmp", "a message names a temporary file: %s", msg)
}

// TestOutputFoldersAreCreated (item 12): every output's missing folders
// are created, as the README's `run EXP-003 --report out/exp3` expects on a
// fresh clone; and when one cannot be, the message names the user's path,
// never a temporary file.
func TestOutputFoldersAreCreated(t *testing.T) {
	dir := t.TempDir()
	scen := smallScenario(t, dir)
	spec := writeSpec(t, dir, twoAxes)
	for _, args := range [][]string{
		{"run", scen, "--trace", filepath.Join(dir, "a", "b", "t.jsonl")},
		{"run", scen, "--report", filepath.Join(dir, "out", "exp3")},
		{"sweep", spec, "--out", filepath.Join(dir, "s", "x.csv")},
		{"merge", filepath.Join(dir, "s", "x.csv"), "--out", filepath.Join(dir, "m", "n", "merged.csv")},
		{"plot", filepath.Join(dir, "s", "x.csv"), "--out", filepath.Join(dir, "p", "q", "phase")},
	} {
		code, _, stderr := runCLI(args...)
		assert.Equal(t, exitOK, code, "%v: %s", args, stderr)
	}
	for _, name := range []string{"a/b/t.jsonl", "out/exp3/report.html", "s/x.csv", "s/x.points.csv",
		"m/n/merged.csv", "m/n/merged.points.csv", "p/q/phase-state.svg", "p/q/phase-p95.png"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if assert.NoError(t, err, name) {
			assert.Positive(t, fi.Size(), name)
		}
	}

	// A folder that cannot be made: a file stands where it would go.
	block := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(block, []byte("x"), 0o644))
	for _, args := range [][]string{
		{"run", scen, "--trace", filepath.Join(block, "t.jsonl")},
		{"run", scen, "--report", filepath.Join(block, "r")},
		{"sweep", spec, "--out", filepath.Join(block, "x.csv")},
		{"merge", filepath.Join(dir, "s", "x.csv"), "--out", filepath.Join(block, "m.csv")},
		{"plot", filepath.Join(dir, "s", "x.csv"), "--out", filepath.Join(block, "phase")},
	} {
		code, _, stderr := runCLI(args...)
		assert.NotEqual(t, exitOK, code, "%v", args)
		assert.Contains(t, stderr, block, "%v: the message names the user's path", args)
		noTempNames(t, stderr)
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		require.False(t, strings.HasPrefix(e.Name(), "."), "temporary %s left behind", e.Name())
	}
}
