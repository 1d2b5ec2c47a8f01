package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/validate/reproduce"
	"github.com/stretchr/testify/require"
)

func cli(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestReproduceGolden pins `reproduce --json` and asserts every cell of the
// published table matches. .ci/run also runs it for arm64 under qemu.
func TestReproduceGolden(t *testing.T) {
	code, out, errOut := cli("reproduce", "--json")
	goldentest.Check(t, "testdata/reproduce.json.golden", []byte(out))
	var rep reproduce.Result
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Rows, 3)
	for _, row := range rep.Rows {
		for _, c := range row.Cells {
			require.True(t, c.Match, "%s %s: published %s, simulated %s", row.Scenario, c.Name, c.Published, c.Simulated)
		}
	}
	require.Equal(t, 12, rep.Matches)
	require.Equal(t, exitOK, code, errOut)
}

// TestRunMatchesProfileGoldens: `run --json` of each published experiment
// prints exactly the report the scenarios package pins. The command is
// built with cmd/agentchaos/default.pgo (profile-guided optimisation: other
// inlining than the library tests get), so this is what checks that the
// optimised build computes the same bits — under GOAMD64=v3 and arm64 too,
// where a product inlined next to a sum could otherwise be fused.
func TestRunMatchesProfileGoldens(t *testing.T) {
	for _, name := range []string{"EXP-001", "EXP-002", "EXP-003"} {
		code, out, errOut := cli("run", name, "--json")
		require.Equal(t, exitOK, code, errOut)
		want, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "testdata", name+".report.golden"))
		require.NoError(t, err)
		require.Equal(t, string(want), out, name)
	}
}

func TestRunIsDeterministicAcrossGOMAXPROCS(t *testing.T) {
	var outs []string
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		code, out, errOut := cli("run", "EXP-002", "--json", "--seed", "7")
		runtime.GOMAXPROCS(old)
		require.Equal(t, exitOK, code, errOut)
		outs = append(outs, out)
	}
	require.Equal(t, outs[0], outs[1])
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"name": "x", "agents": {"count": -1}}`), 0o644))

	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"help"}, exitOK, ""},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"run"}, exitUsage, "want exactly one scenario"},
		{[]string{"run", "EXP-001", "--no-such-flag"}, exitUsage, "flag provided but not defined"},
		{[]string{"run", "NOPE-404"}, exitUsage, "no such scenario file"},
		{[]string{"run", bad}, exitUsage, bad + ":1:35: agents.count: must be in [1, 10000000] (got -1)"},
		{[]string{"run", "EXP-001", "--trace", filepath.Join(bad, "t.jsonl")}, exitUsage, "not a directory"},
		{[]string{"reproduce", "extra"}, exitUsage, "takes no arguments"},
		{[]string{"reproduce", "--seeds", "1"}, exitUsage, "--seeds must be 0 or at least 2"},
		{[]string{"scenarios"}, exitOK, ""},
	}
	for _, c := range cases {
		code, _, errOut := cli(c.args...)
		require.Equal(t, c.code, code, "%v: %s", c.args, errOut)
		require.Contains(t, errOut, c.msg, "%v", c.args)
	}
}

func TestRunTraceFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"t.jsonl", "t.csv"} {
		path := filepath.Join(dir, name)
		cfgPath := filepath.Join(dir, "small.json")
		require.NoError(t, os.WriteFile(cfgPath, []byte(`{"name": "small", "agents": {"count": 3, "requests_per_agent": 4},
			"queue": {"buffer": 1}, "workers": {"count": 1}}`), 0o644))
		code, out, errOut := cli("run", cfgPath, "--trace", path)
		require.Equal(t, exitOK, code, errOut)
		require.Contains(t, out, "12 created")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
		if name == "t.csv" {
			require.Equal(t, "t,event,agent,seq,workload,worker,depth,latency,failure,status,attempt", string(lines[0]))
			lines = lines[1:]
		} else {
			var first map[string]any
			require.NoError(t, json.Unmarshal(lines[0], &first))
			require.Equal(t, "created", first["event"])
		}
		// created, sent + (enqueued, started, responded, completed | rejected,
		// failed) per request.
		require.GreaterOrEqual(t, len(lines), 12*4)
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			require.NotContains(t, e.Name(), ".tmp", "no temporary file left behind")
		}
	}
}

func TestExitErrorCarriesItsStatus(t *testing.T) {
	register(command{"test-interrupted", "", "", func([]string, io.Writer, io.Writer) error {
		return exitError{exitInterrupted, errors.New("interrupted: 3 of 9 runs are in x.csv")}
	}})
	defer delete(commands, "test-interrupted")
	code, _, errOut := cli("test-interrupted")
	require.Equal(t, 130, code)
	require.Contains(t, errOut, "interrupted: 3 of 9 runs")
}

// TestTraceObserveAllocatesNothing: the --trace sink encodes an event into
// a reused buffer, with no allocation per event.
func TestTraceObserveAllocatesNothing(t *testing.T) {
	for _, csv := range []bool{false, true} {
		tr := model.NewTrace(io.Discard, csv)
		e := model.Event{Type: model.Failed, Agent: 3, Seq: 7, Worker: 1, Depth: 4, Latency: 123456789, Failure: model.FaultError}
		tr.Observe(e) // grow the buffer
		require.Zero(t, testing.AllocsPerRun(1000, func() { tr.Observe(e) }))
		require.NoError(t, tr.Flush())
	}
}
