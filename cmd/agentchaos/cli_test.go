package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentchaos/agentchaos/model"
	"github.com/stretchr/testify/require"
)

// Issue 18, item 14: help per command, a version command, no arguments is
// bad usage, and arguments are never ignored.
func TestHelpAndVersion(t *testing.T) {
	code, out, errOut := cli()
	require.Equal(t, exitUsage, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "no command given")
	require.Contains(t, errOut, "usage: agentchaos <command>")

	code, out, _ = cli("help", "run")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "usage: agentchaos run <name|file> [flags]")
	require.Contains(t, out, "simulate one scenario and print its report")
	require.Contains(t, out, "-trace FILE")

	code, _, errOut = cli("run", "-h")
	require.Equal(t, exitOK, code)
	require.Contains(t, errOut, "usage: agentchaos run <name|file> [flags]")

	code, _, errOut = cli("help", "frobnicate")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, `unknown command "frobnicate"`)

	code, out, _ = cli("version")
	require.Equal(t, exitOK, code)
	require.Equal(t, "agentchaos "+model.Version(), strings.Fields(out)[0]+" "+strings.Fields(out)[1])
	code, out2, _ := cli("--version")
	require.Equal(t, exitOK, code)
	require.Equal(t, out, out2)

	for _, args := range [][]string{{"scenarios", "extra"}, {"version", "x"}, {"calibrate", "x"}} {
		code, _, errOut = cli(args...)
		require.Equal(t, exitUsage, code, "%v", args)
		require.Contains(t, errOut, "takes no arguments")
	}
}

// Issue 18, item 15: messages say what is wrong, once.
func TestFlagMessages(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"validate", "--rel-err", "NaN"}, "agentchaos validate: --rel-err: must be in [0, 1) (0: the default, 0.03), got NaN"},
		{[]string{"validate", "--budget", "+Inf"}, "--budget: must be a number of requests in [0, 1e15]"},
		{[]string{"crossval", "EXP-001", "--wall", "+Inf"}, "--wall: must be in (0, 1e6] seconds"},
	} {
		code, _, errOut := cli(c.args...)
		require.Equal(t, exitUsage, code, "%v", c.args)
		require.Contains(t, errOut, c.msg)
		require.NotContains(t, errOut, "{", "no internal struct in %q", errOut)
	}
	// A package that names itself in its errors is not named twice.
	dir := t.TempDir()
	notTextbook := smallScenario(t, dir)
	code, _, errOut := cli("validate", notTextbook)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "agentchaos validate: ")
	require.NotContains(t, errOut, "validate: validate:")

	// merge and plot of a folder say so.
	for _, args := range [][]string{{"merge", dir, "--out", filepath.Join(dir, "m.csv")}, {"plot", dir}} {
		code, _, errOut := cli(args...)
		require.Equal(t, exitUsage, code, "%v", args)
		require.Contains(t, errOut, "is a directory, not a results file")
	}
}

// Issue 18, item 14: a file named like an embedded profile is not
// silently shadowed: a path is a file, and a bare name says which ran.
func TestProfileNamesAndFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("EXP-001", []byte(`{"name": "mine", "agents": {"count": 2, "requests_per_agent": 3}, "workers": {"count": 1}}`), 0o644))
	code, out, errOut := cli("run", "EXP-001", "--json")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, errOut, "EXP-001 is the embedded profile; for the file of that name, give its path: ./EXP-001")
	require.Contains(t, out, `"scenario": "EXP-001"`)
	code, out, errOut = cli("run", "./EXP-001", "--json")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, `"scenario": "mine"`)
	require.Empty(t, errOut)
}

// Issue 18, item 17: cosmetics: snake_case JSON, singulars, time in state
// that adds up to the duration, plot --out into a folder.
func TestCosmetics(t *testing.T) {
	code, out, _ := cli("scenarios", "--json")
	require.Equal(t, exitOK, code)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	require.Contains(t, list[0], "name")
	require.Contains(t, list[0], "agents")
	require.NotContains(t, list[0], "Name")

	dir := t.TempDir()
	one := filepath.Join(dir, "one.json")
	require.NoError(t, os.WriteFile(one, []byte(`{"name": "one", "agents": {"count": 1, "requests_per_agent": 20, "think": {"kind": "exponential", "mean": 0.02}},
		"queue": {"buffer": 1}, "workers": {"count": 1}, "throttle": {"enabled": true, "degraded": 0.01, "collapsed": 0.01}}`), 0o644))
	code, out, errOut := cli("run", one)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "1 agent, 1 worker, buffer 1")

	code, out, errOut = cli("run", one, "--json")
	require.Equal(t, exitOK, code, errOut)
	var rep struct {
		Version     string
		Duration    float64
		TimeInState model.TimeInState `json:"time_in_state"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	sum := rep.TimeInState.Stable + rep.TimeInState.Degraded + rep.TimeInState.Collapsed
	require.InDelta(t, rep.Duration, sum, 1e-9, "the times in state add up to the duration")
	require.Equal(t, model.Version(), rep.Version)

	spec := writeSpec(t, dir, twoAxes)
	results := filepath.Join(dir, "results.csv")
	code, _, errOut = cli("sweep", spec, "--out", results)
	require.Equal(t, exitOK, code, errOut)
	code, out, errOut = cli("plot", results, "--out", filepath.Join(dir, "charts")+"/")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, filepath.Join(dir, "charts", "results-state.svg"))
	_, err := os.Stat(filepath.Join(dir, "charts", "results-p95.svg"))
	require.NoError(t, err)
}

// Issue 18, item 17: Ctrl-C exits 130 with the report so far, for run as
// for live and sweep.
func TestInterruptedRunReportsSoFar(t *testing.T) {
	defer func(f func() (context.Context, context.CancelFunc)) { interruptible = f }(interruptible)
	interruptible = func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Ctrl-C before the first control period ends
		return ctx, cancel
	}
	dir := t.TempDir()
	trace := filepath.Join(dir, "t.jsonl")
	code, out, errOut := cli("run", "EXP-002", "--trace", trace)
	require.Equal(t, exitInterrupted, code)
	require.Contains(t, errOut, "interrupted after 0.0s of simulated time; the report covers that part only")
	require.Contains(t, out, "scenario       EXP-002", "the report so far")
	data, err := os.ReadFile(trace)
	require.NoError(t, err, "the trace keeps what ran")
	require.NotEmpty(t, data)

	code, _, errOut = cli("live", smallScenario(t, dir))
	require.Equal(t, exitInterrupted, code, errOut)
	require.Contains(t, errOut, "interrupted after")
}
