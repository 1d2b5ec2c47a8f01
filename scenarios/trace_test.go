package scenarios

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/model"
)

// writeScenario writes a trace-driven scenario naming trace file name, and
// the trace itself, into dir; it returns the scenario's path.
func writeScenario(t *testing.T, dir, name, trace, extra string) string {
	t.Helper()
	if trace != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(trace), 0o644))
	}
	doc := `{"name": "T", "agents": {"count": 3, "arrival": "trace", ` + extra + `"trace": {"file": "` + name + `"},
	  "mix": [{"name": "A", "weight": 1, "work": 1}]},
	 "queue": {"buffer": 10}, "workers": {"count": 2}}`
	path := filepath.Join(dir, "s.json")
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
	return path
}

func TestTraceFileOfTimes(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Load(writeScenario(t, dir, "arrivals.csv", "# recorded 2024-01-01\ntimestamp\n0\n0.5\r\n\n0.5\n1.25\n", ""))
	require.NoError(t, err)
	require.Equal(t, []float64{0, 0.5, 0.5, 1.25}, cfg.Agents.Trace.Times)
	require.Nil(t, cfg.Agents.Trace.Rates)
	require.Equal(t, "arrivals.csv", cfg.Agents.Trace.File)
}

func TestTraceFileOfRates(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "traces")
	require.NoError(t, os.Mkdir(sub, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "r.csv"), []byte("t,rate\n0,10\n5, 40\n10,0\n"), 0o644))
	cfg, err := Load(writeScenario(t, dir, "traces/r.csv", "", `"horizon": 20, `))
	require.NoError(t, err)
	require.Equal(t, []model.RateStep{{T: 0, Rate: 10}, {T: 5, Rate: 40}, {T: 10, Rate: 0}}, cfg.Agents.Trace.Rates)
}

// Errors in a trace file name the file, the line and the column.
func TestTraceFileErrors(t *testing.T) {
	for _, c := range []struct{ trace, want string }{
		{"0\n1\nx\n", "arrivals.csv:3:1: agents.trace.file: not a number: \"x\""},
		{"t,rate\n0,1\n1,abc\n", "arrivals.csv:3:3: agents.trace.file: not a number: \"abc\""},
		{"0\n2\n1\n", "arrivals.csv:3:1: agents.trace.file: goes back in time (1 after 2)"},
		{"0,1\n0,2\n", "arrivals.csv:2:1: agents.trace.file: t must be after the previous line's (0 after 0)"},
		{"0\n-1\n", "arrivals.csv:2:1: agents.trace.file: must be a number in [0, 1e+09] (got -1)"},
		{"0,1\n1,Inf\n", "arrivals.csv:2:3: agents.trace.file: must be a number in [0, 1e+09] (got Inf)"},
		{"0\n1,2\n", "arrivals.csv:2:1: agents.trace.file: has 2 fields where the first line has 1"},
		{"1,2,3\n", "arrivals.csv:1:1: agents.trace.file: a line has one field (a timestamp) or two (t,rate), not 3"},
		{"# nothing\n", "arrivals.csv: agents.trace.file: has no entries"},
	} {
		dir := t.TempDir()
		_, err := Load(writeScenario(t, dir, "arrivals.csv", c.trace, ""))
		require.Error(t, err, c.trace)
		var e *Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, filepath.Join(dir, c.want), err.Error())
	}
	// A missing file, or a file beside inline times, is the scenario's
	// field's error, at its place.
	dir := t.TempDir()
	_, err := Load(writeScenario(t, dir, "missing.csv", "", ""))
	require.ErrorContains(t, err, "s.json:1:76: agents.trace.file: cannot read the trace file: open "+filepath.Join(dir, "missing.csv"))
	doc := `{"name": "T", "agents": {"count": 1, "arrival": "trace", "trace": {"file": "a.csv", "times": [1]}}, "queue": {"buffer": 1}, "workers": {"count": 1}}`
	_, err = ParseDir([]byte(doc), "t.json", dir)
	require.ErrorContains(t, err, "agents.trace.file: set file, or times or rates, not both")
	// Without a folder (an embedded profile, a generated document) the file
	// is not read, and the model refuses it.
	_, err = Parse([]byte(strings.Replace(doc, `, "times": [1]`, "", 1)), "t.json")
	require.ErrorContains(t, err, "agents.trace.file: was not read")
}

// A recorded trace replays exactly: every request is created at its
// recorded instant, printed as the CSV printed it.
func TestTraceReplayIsExact(t *testing.T) {
	var csv strings.Builder
	var want []string
	x := int64(0)
	for i := 0; i < 500; i++ {
		x += int64(i*7919%100003) + 1
		line := fmt.Sprintf("%d.%09d", x/1e9, x%1e9)
		want = append(want, line)
		csv.WriteString(line + "\n")
	}
	cfg, err := Load(writeScenario(t, t.TempDir(), "arrivals.csv", csv.String(), ""))
	require.NoError(t, err)
	var buf bytes.Buffer
	tr := model.NewTrace(&buf, true)
	rep, err := model.Run(cfg, model.Options{Sinks: []model.Sink{tr}})
	require.NoError(t, err)
	require.NoError(t, tr.Flush())
	require.Equal(t, uint64(500), rep.Created)
	var got []string
	for _, line := range strings.Split(buf.String(), "\n") {
		if f := strings.Split(line, ","); len(f) > 1 && f[1] == "created" {
			got = append(got, f[0])
		}
	}
	require.Equal(t, want, got)
}
