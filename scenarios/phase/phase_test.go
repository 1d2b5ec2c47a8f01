package phase

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile"
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

func TestParseAxis(t *testing.T) {
	a, err := ParseAxis("schedule[0].load.rate=1:4:7")
	require.NoError(t, err)
	require.Equal(t, sweep.Axis{Path: "schedule[0].load.rate", Range: &sweep.Range{From: 1, To: 4, Steps: 7}}, a)
	a, err = ParseAxis("agents.think.mean=log:0.1:1:3")
	require.NoError(t, err)
	require.Equal(t, sweep.Axis{Path: "agents.think.mean", Log: &sweep.Range{From: 0.1, To: 1, Steps: 3}}, a)
	a, err = ParseAxis("agents.count=40,60,8e1")
	require.NoError(t, err)
	require.Equal(t, []json.RawMessage{json.RawMessage("40"), json.RawMessage("60"), json.RawMessage("80")}, a.Values)
	for _, bad := range []string{"agents.count", "=1:2:3", "agents.count=", "x=1:2:1", "x=1:a:3", "x=log:1:2", "x=1,b", "x=1,Inf", "x=1:2:3:4"} {
		_, err := ParseAxis(bad)
		require.Error(t, err, bad)
	}
}

// The hysteresis sweep of a small retrying system: its verdict map marks
// where it did not recover, and its spec is the same for the same inputs
// (so that a run can be resumed).
func TestHysteresis(t *testing.T) {
	h := Hysteresis{Scenario: "../sweep/testdata/sweep-client.json", Replications: 2, Seed: 3,
		Trigger: sweep.Axis{Path: "schedule[0].load.rate", Values: []json.RawMessage{json.RawMessage("1"), json.RawMessage("2.6")}},
		Load:    sweep.Axis{Path: "client.retry.max_attempts", Range: &sweep.Range{From: 2, To: 4, Steps: 2}}}
	s, data, err := h.Spec()
	require.NoError(t, err)
	s2, data2, err := h.Spec()
	require.NoError(t, err)
	require.Equal(t, data, data2)
	require.Equal(t, s.Fingerprint(), s2.Fingerprint())
	require.Equal(t, 4, s.Points())

	out := filepath.Join(t.TempDir(), "h.csv")
	_, err = sweep.Run(context.Background(), s, sweep.Options{Out: out, Workers: 2})
	require.NoError(t, err)
	g, err := ReadFile(out)
	require.NoError(t, err)
	require.True(t, g.HasSLO())
	// No spike: the hypothesis held (bar the noise of one replication); the
	// large spike with 4 tries: at least one replication did not recover.
	require.Equal(t, sweep.Held, g.Cells[0][0].MajorityVerdict)
	require.Positive(t, g.Cells[1][1].Verdicts[sweep.Metastable])
	prefix := filepath.Join(t.TempDir(), "h")
	files, err := Render(g, prefix, false)
	require.NoError(t, err)
	require.Len(t, files, 6)
	require.Equal(t, prefix+"-slo.svg", files[4])
	svg, err := os.ReadFile(files[4])
	require.NoError(t, err)
	require.Contains(t, string(svg), "did not recover (metastable)")
	require.ErrorIs(t, Check(prefix, true, false), outfile.ErrExists)
	require.NoError(t, Check(prefix, true, true))

	// A scenario without a trigger or an SLO has no hysteresis; a bad axis
	// is the flag's error.
	_, _, err = Hysteresis{Scenario: "../sweep/testdata/sweep-base.json", Trigger: h.Trigger, Load: h.Load, Replications: 1}.Spec()
	require.ErrorContains(t, err, "needs a scenario with a schedule")
	bad := h
	bad.Load = sweep.Axis{Path: "agents.cont", Values: []json.RawMessage{json.RawMessage("3")}}
	_, _, err = bad.Spec()
	var e *scenarios.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "--load", e.Field)
	require.Contains(t, e.Msg, "agents.cont does not exist")
}

// A sweep without an SLO draws no verdict map.
func TestNoVerdictMapWithoutSLO(t *testing.T) {
	g, err := ReadFile(runSweep(t, `{"base": "sweep-base.json", "axes": [
		{"path": "agents.count", "values": [10, 60]},
		{"path": "queue.buffer", "values": [2, 10]}]}`))
	require.NoError(t, err)
	require.False(t, g.HasSLO())
	files, err := Render(g, filepath.Join(t.TempDir(), "pd"), false)
	require.NoError(t, err)
	require.Len(t, files, 4)
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
