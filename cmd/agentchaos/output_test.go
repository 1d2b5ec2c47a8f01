package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// TestExistingOutputsNeedForce (item 7): one rule for every command — an
// existing output is never replaced unless --force (or, for a sweep's
// results, --resume) says so; the refusal names the flag, comes before any
// work, exits 2 and leaves the file as it was.
func TestExistingOutputsNeedForce(t *testing.T) {
	dir := t.TempDir()
	scen := smallScenario(t, dir)
	spec := writeSpec(t, dir, twoAxes)
	x := filepath.Join(dir, "x.csv")
	code, _, stderr := runCLI("sweep", spec, "--out", x)
	require.Equal(t, exitOK, code, stderr)

	precious := func(name string) string {
		name = filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(name), 0o755))
		require.NoError(t, os.WriteFile(name, []byte("precious\n"), 0o644))
		return name
	}
	for _, c := range []struct {
		existing string   // made before the command
		args     []string // the command, to which --force is appended
		flag     string   // the flag the refusal must name
	}{
		{"merged.csv", []string{"merge", x, "--out", filepath.Join(dir, "merged.csv")}, "--force"},
		{"m2.points.csv", []string{"merge", x, "--out", filepath.Join(dir, "m2.csv")}, "--force"},
		{"y.points.csv", []string{"sweep", spec, "--out", filepath.Join(dir, "y.csv")}, "--force"},
		{"z.csv", []string{"sweep", spec, "--out", filepath.Join(dir, "z.csv")}, "--resume"},
		{"t.jsonl", []string{"run", scen, "--trace", filepath.Join(dir, "t.jsonl")}, "--force"},
		{"rep/report.html", []string{"run", scen, "--report", filepath.Join(dir, "rep")}, "--force"},
		{"phase-p95.svg", []string{"plot", x, "--out", filepath.Join(dir, "phase")}, "--force"},
	} {
		name := precious(c.existing)
		code, stdout, stderr := runCLI(c.args...)
		assert.Equal(t, exitUsage, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.flag, c.args)
		assert.Contains(t, stderr, "already exists", c.args)
		assert.Empty(t, stdout, "%v: refused before any work", c.args)
		assert.Equal(t, "precious\n", string(readAll(t, name)), "%v: left as it was", c.args)
		if c.existing == "y.points.csv" {
			_, err := os.Stat(filepath.Join(dir, "y.csv"))
			assert.True(t, os.IsNotExist(err), "%v: nothing written, the results neither", c.args)
		}

		code, _, stderr = runCLI(append(c.args, "--force")...)
		assert.Equal(t, exitOK, code, "%v --force: %s", c.args, stderr)
		assert.NotEqual(t, "precious\n", string(readAll(t, name)), "%v --force: replaced", c.args)
	}
	code, _, stderr = runCLI("sweep", spec, "--out", x, "--resume", "--force")
	assert.Equal(t, exitUsage, code, stderr)

	// calibrate refuses before its ten minutes of work.
	profiles := filepath.Join(dir, "profiles")
	precious("profiles/EXP-002.json")
	code, _, stderr = runCLI("calibrate", "--dir", profiles)
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "--force")
}

// fullWriter fails every write, as a full disk does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestWriteErrorsFail (item 6): a command whose standard output cannot be
// written fails with exit 1 and says so, instead of exiting 0 having
// printed nothing; text and JSON alike.
func TestWriteErrorsFail(t *testing.T) {
	dir := t.TempDir()
	scen := smallScenario(t, dir)
	spec := writeSpec(t, dir, `{"path": "agents.count", "values": [10, 40]}`)
	for _, args := range [][]string{
		{"help"},
		{"scenarios"},
		{"scenarios", "--json"},
		{"run", scen},
		{"run", scen, "--json"},
		{"reproduce"},
		{"sweep", spec, "--out", filepath.Join(dir, "a.csv")},
		{"merge", filepath.Join(dir, "a.csv"), "--out", filepath.Join(dir, "b.csv")},
	} {
		var stderr bytes.Buffer
		code := run(args, fullWriter{}, &stderr)
		assert.Equal(t, exitFail, code, "%v: %s", args, stderr.String())
		assert.Contains(t, stderr.String(), "no space left on device", args)
	}
}
