package phase

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/scenarios/sweep"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/vg"
)

func runSweep(t *testing.T, spec string) string {
	t.Helper()
	s, err := sweep.ParseSpec([]byte(spec), "spec.json", "../sweep/testdata")
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "r.csv")
	_, err = sweep.Run(context.Background(), s, sweep.Options{Out: out, Workers: 2})
	require.NoError(t, err)
	return out
}

func TestReadArrangesTheGrid(t *testing.T) {
	g, err := ReadFile(runSweep(t, `{"base": "sweep-base.json", "replications": 2, "axes": [
		{"path": "agents.count", "values": [10, 60]},
		{"path": "queue.buffer", "values": [2, 10, 50]}]}`))
	require.NoError(t, err)
	require.Equal(t, "agents.count", g.X)
	require.Equal(t, "queue.buffer", g.Y)
	require.Equal(t, []string{"10", "60"}, g.XValues)
	require.Equal(t, []string{"2", "10", "50"}, g.YValues)
	require.Equal(t, 2, g.Replications)
	for y, row := range g.Cells {
		for x, c := range row {
			require.Equal(t, []string{g.XValues[x], g.YValues[y]}, c.Axes)
			require.Equal(t, 2, c.Runs)
		}
	}
	// The light load is stable, the heavy one is not.
	require.Equal(t, model.Stable, g.Cells[2][0].Majority)
	require.Equal(t, model.Collapsed, g.Cells[2][1].Majority)

	prefix := filepath.Join(t.TempDir(), "pd")
	files, err := Render(g, prefix, false)
	require.NoError(t, err)
	require.Len(t, files, 4)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		if filepath.Ext(f) == ".png" {
			img, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			require.Equal(t, int(float64(width/vg.Inch)*144+0.5), img.Bounds().Dx())
		} else {
			require.Contains(t, string(data), "queue.buffer")
		}
	}
}

func TestReadRejectsWhatIsNotATwoAxisGrid(t *testing.T) {
	_, err := ReadFile(runSweep(t, `{"base": "sweep-base.json", "design": {"kind": "lhs", "points": 6}, "axes": [
		{"path": "agents.count", "range": {"from": 10, "to": 60}},
		{"path": "queue.buffer", "range": {"from": 2, "to": 50}}]}`))
	require.ErrorContains(t, err, "not a full")
	_, err = ReadFile(runSweep(t, `{"base": "sweep-base.json", "axes": [
		{"path": "agents.count", "values": [10, 60]},
		{"path": "queue.buffer", "values": [2, 50]},
		{"path": "workers.count", "values": [1, 2]}]}`))
	require.ErrorContains(t, err, "exactly two axes; this one has 3")
	var e *scenarios.Error
	require.ErrorAs(t, err, &e)
}

// The README's sweep example is testdata/readme/phase.json, and its phase
// diagram was drawn from it (issue 18, item 9): in that folder,
//
//	agentchaos sweep phase.json && agentchaos plot phase.csv --out phase
func TestReadmeSweepExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	spec, err := os.ReadFile("testdata/readme/phase.json")
	require.NoError(t, err)
	require.Contains(t, string(readme), "```json\n"+string(spec)+"```\n", "the README shows the spec as it is")
	s, err := sweep.LoadSpec("testdata/readme/phase.json")
	require.NoError(t, err)
	require.Equal(t, 30, s.Points())
	for _, f := range []string{"phase-state.svg", "phase-p95.svg"} {
		require.Contains(t, string(readme), "(scenarios/phase/testdata/readme/"+f+")")
		_, err := os.Stat(filepath.Join("testdata", "readme", f))
		require.NoError(t, err)
	}
}
