package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/scenarios/sweep"
	"github.com/stretchr/testify/require"
)

// writeSpec writes a two-axis sweep of the small test scenario into dir.
func writeSpec(t *testing.T, dir, axes string) string {
	t.Helper()
	base, err := filepath.Abs("../../scenarios/sweep/testdata/sweep-base.json")
	require.NoError(t, err)
	spec := `{"base": ` + jsonString(base) + `, "seed": 5, "replications": 2, "axes": [` + axes + `]}`
	name := filepath.Join(dir, "spec.json")
	require.NoError(t, os.WriteFile(name, []byte(spec), 0o644))
	return name
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

const twoAxes = `{"path": "agents.count", "values": [10, 40, 80]}, {"path": "queue.buffer", "log": {"from": 2, "to": 40, "steps": 3}}`

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestSweepMergePlotCommands(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, twoAxes)
	full := filepath.Join(dir, "full.csv")
	code, stdout, stderr := runCLI("sweep", spec, "--out", full, "--workers", "2", "--json")
	require.Equal(t, 0, code, stderr)
	require.Empty(t, stderr, "no progress when stderr is not a terminal")
	var sum sweepSummary
	require.NoError(t, json.Unmarshal([]byte(stdout), &sum))
	require.Equal(t, 18, sum.Runs)
	require.Equal(t, 18, sum.Ran)
	require.Equal(t, 9, sum.Points)
	require.Equal(t, "0/1", sum.Shard)
	require.Equal(t, filepath.Join(dir, "full.points.csv"), sum.PointsOut)
	require.Positive(t, sum.Events)

	// Once more into an existing file: refused unless resumed; resuming a
	// complete file runs nothing.
	code, _, stderr = runCLI("sweep", spec, "--out", full)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "already exists")
	code, stdout, _ = runCLI("sweep", spec, "--out", full, "--resume")
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "ran 0 runs (18 already done)")

	// Shards from the flag and from the environment, merged.
	var shards []string
	for i := 0; i < 3; i++ {
		out := filepath.Join(dir, "shard"+string(rune('0'+i))+".csv")
		args := []string{"sweep", spec, "--out", out}
		if i == 0 {
			args = append(args, "--shard", "0/3")
		} else {
			t.Setenv("JOB_COMPLETION_INDEX", string(rune('0'+i)))
			t.Setenv("AGENTCHAOS_SHARDS", "3")
		}
		code, stdout, stderr := runCLI(args...)
		require.Equal(t, 0, code, stderr)
		require.Contains(t, stdout, "shard "+string(rune('0'+i))+"/3")
		shards = append(shards, out)
	}
	merged := filepath.Join(dir, "merged.csv")
	code, _, stderr = runCLI("merge", shards[0], shards[1], "--out", merged)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "run indices are in none of the files")
	code, stdout, stderr = runCLI(append([]string{"merge", "--out", merged}, shards...)...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "merged 18 runs from 3 files")
	require.Equal(t, readAll(t, full), readAll(t, merged))
	require.Equal(t, readAll(t, filepath.Join(dir, "full.points.csv")), readAll(t, filepath.Join(dir, "merged.points.csv")))

	// The phase diagram.
	prefix := filepath.Join(dir, "phase")
	code, stdout, stderr = runCLI("plot", merged, "--out", prefix, "--json")
	require.Equal(t, 0, code, stderr)
	var files struct{ Files []string }
	require.NoError(t, json.Unmarshal([]byte(stdout), &files))
	require.Equal(t, []string{prefix + "-state.svg", prefix + "-state.png", prefix + "-p95.svg", prefix + "-p95.png"}, files.Files)
	for _, f := range files.Files {
		data := readAll(t, f)
		if strings.HasSuffix(f, ".png") {
			img, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			require.Greater(t, img.Bounds().Dx(), 500)
		} else {
			for _, want := range []string{"agents.count", "queue.buffer", "<svg"} {
				require.Contains(t, string(data), want, f)
			}
		}
	}
	require.Contains(t, string(readAll(t, prefix+"-state.svg")), "COLLAPSED")
	require.Contains(t, string(readAll(t, prefix+"-p95.svg")), "mean p95")

	// A shard cannot be plotted; nor can a sweep of three axes.
	code, _, stderr = runCLI("plot", shards[1], "--out", prefix)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "merge the shards first")
}

func TestPlotNeedsTwoAxes(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, `{"path": "agents.count", "values": [10, 40]}`)
	out := filepath.Join(dir, "one.csv")
	code, _, stderr := runCLI("sweep", spec, "--out", out)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runCLI("plot", out)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "exactly two axes; this one has 1")
}

func TestSweepCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\n  \"base\": \"EXP-001\",\n  \"axes\": [{\"path\": \"queue.bufer\", \"values\": [1]}]\n}\n"), 0o644))
	out := filepath.Join(dir, "out.csv")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", bad, "--out", out}, "bad.json:3:21: axes[0].path: scenario field queue.bufer does not exist"},
		{[]string{"sweep", filepath.Join(dir, "none.json")}, "no such sweep spec file"},
		{[]string{"sweep", bad, "--shard", "3/3"}, "--shard"},
		{[]string{"sweep", bad, "--workers", "0"}, "--workers must be at least 1"},
		{[]string{"sweep"}, "want exactly one sweep spec file"},
		{[]string{"merge", out}, "--out FILE is required"},
		{[]string{"merge", "--out", out, out}, "is also an input"},
		{[]string{"plot"}, "want exactly one results file"},
	} {
		code, _, stderr := runCLI(c.args...)
		require.Equal(t, 2, code, "%v: %s", c.args, stderr)
		require.Contains(t, stderr, c.want, c.args)
	}
	_, err := os.Stat(out)
	require.True(t, os.IsNotExist(err), "nothing written on bad input")
}

func TestChooseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, c := range []struct {
		flag   string
		set    bool
		getenv func(string) string
		want   sweep.Shard
		from   string
		err    string
	}{
		{"", false, env(), sweep.Shard{Index: 0, Count: 1}, "none", ""},
		{"2/5", true, env("JOB_COMPLETION_INDEX", "1", "AGENTCHAOS_SHARDS", "3"), sweep.Shard{Index: 2, Count: 5}, "flag", ""},
		{"", false, env("JOB_COMPLETION_INDEX", "1", "AGENTCHAOS_SHARDS", "3"), sweep.Shard{Index: 1, Count: 3}, "JOB_COMPLETION_INDEX", ""},
		{"", false, env("JOB_COMPLETION_INDEX", "1"), sweep.Shard{}, "", "AGENTCHAOS_SHARDS is not"},
		{"", false, env("JOB_COMPLETION_INDEX", "3", "AGENTCHAOS_SHARDS", "3"), sweep.Shard{}, "", "0 ≤ i < n"},
		{"", false, env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "7"), sweep.Shard{Index: 4, Count: 7}, "SLURM_ARRAY_TASK_ID", ""},
		{"", false, env("SLURM_ARRAY_TASK_ID", "7", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "7"), sweep.Shard{Index: 6, Count: 7}, "SLURM_ARRAY_TASK_ID", ""},
		{"", false, env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "7"), sweep.Shard{}, "", "not an integer"},
		{"", false, env("SLURM_ARRAY_TASK_ID", "7", "SLURM_ARRAY_TASK_COUNT", "7"), sweep.Shard{}, "", "contiguous --array"},
		{"1/1", true, env(), sweep.Shard{}, "", "--shard"},
	} {
		sh, from, err := chooseShard(c.flag, c.set, c.getenv)
		if c.err != "" {
			require.ErrorContains(t, err, c.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, c.want, sh)
		require.Equal(t, c.from, from)
	}
	require.Equal(t, "grid.csv", defaultOut("specs/grid.json", sweep.Shard{Index: 0, Count: 1}))
	require.Equal(t, "grid.shard-3-of-7.csv", defaultOut("grid.json", sweep.Shard{Index: 3, Count: 7}))
}

func readAll(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return data
}
