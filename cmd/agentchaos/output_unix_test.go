//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutputModesFollowTheUmask (item 13): output files get mode
// 0666 &^ umask and output folders 0777 &^ umask, as os.Create and
// os.Mkdir would give them, whatever temporary files they went through.
func TestOutputModesFollowTheUmask(t *testing.T) {
	for _, umask := range []int{0o022, 0o027, 0o002} {
		old := syscall.Umask(umask)
		dir := t.TempDir()
		scen := smallScenario(t, dir)
		spec := writeSpec(t, dir, twoAxes)
		for _, args := range [][]string{
			{"run", scen, "--trace", filepath.Join(dir, "t.jsonl"), "--report", filepath.Join(dir, "report")},
			{"sweep", spec, "--out", filepath.Join(dir, "x.csv")},
			{"merge", filepath.Join(dir, "x.csv"), "--out", filepath.Join(dir, "merged.csv")},
			{"plot", filepath.Join(dir, "x.csv"), "--out", filepath.Join(dir, "phase")},
		} {
			code, _, stderr := runCLI(args...)
			require.Equal(t, exitOK, code, "%v: %s", args, stderr)
		}
		syscall.Umask(old)
		want := fs.FileMode(0o666 &^ umask)
		for _, name := range []string{"t.jsonl", "report/report.html", "report/latency.png", "x.csv", "x.points.csv",
			"merged.csv", "merged.points.csv", "phase-state.svg", "phase-p95.png"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			require.NoError(t, err)
			assert.Equal(t, want, fi.Mode().Perm(), "umask %03o: %s", umask, name)
		}
		fi, err := os.Stat(filepath.Join(dir, "report"))
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o777&^umask), fi.Mode().Perm(), "umask %03o: report folder", umask)
	}
}
