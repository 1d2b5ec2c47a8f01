package sweep

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile/outfiletest"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/scenarios"
)

// parseSpec parses a spec whose relative base paths are under testdata.
func parseSpec(t testing.TB, text string) *Spec {
	t.Helper()
	s, err := ParseSpec([]byte(text), "spec.json", "testdata")
	require.NoError(t, err)
	return s
}

func loadGrid(t testing.TB) *Spec {
	t.Helper()
	s, err := LoadSpec("testdata/sweep-grid.json")
	require.NoError(t, err)
	return s
}

// sweepFile runs a sweep into dir/name and returns the results file's bytes.
func sweepFile(t testing.TB, s *Spec, dir, name string, opt Options) []byte {
	t.Helper()
	opt.Out = filepath.Join(dir, name)
	_, err := Run(context.Background(), s, opt)
	require.NoError(t, err)
	data, err := os.ReadFile(opt.Out)
	require.NoError(t, err)
	return data
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return data
}

func TestSweepGolden(t *testing.T) {
	s := loadGrid(t)
	require.Equal(t, 12, s.Points())
	require.Equal(t, 36, s.Runs())
	require.Equal(t, []string{"agents.count", "queue.buffer"}, s.axisPaths())
	checkGoldens(t, s, "testdata/sweep-grid")
}

// checkGoldens runs s into CSV and JSON Lines and checks both results
// files and both points files against the goldens stem.{csv,jsonl}.golden
// and stem.points.{csv,jsonl}.golden.
func checkGoldens(t *testing.T, s *Spec, stem string) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"r.csv", "r.jsonl"} {
		got := sweepFile(t, s, dir, name, Options{Workers: 2})
		goldentest.Check(t, stem+"."+name[2:]+".golden", got)
		goldentest.Check(t, stem+".points."+name[2:]+".golden", readFile(t, filepath.Join(dir, pointsPath(name))))
	}
}

func TestSweepIdenticalAcrossWorkerCounts(t *testing.T) {
	s := loadGrid(t)
	dir := t.TempDir()
	want := sweepFile(t, s, dir, "w1.csv", Options{Workers: 1})
	for _, w := range []int{2, 3, 8} {
		got := sweepFile(t, s, dir, fmt.Sprintf("w%d.csv", w), Options{Workers: w})
		require.Equal(t, string(want), string(got), "workers=%d", w)
		require.Equal(t, readFile(t, filepath.Join(dir, "w1.points.csv")), readFile(t, filepath.Join(dir, fmt.Sprintf("w%d.points.csv", w))))
	}
}

// Replication r of every point runs with the same seed, derived from the
// root seed and r only.
func TestSweepSeedsDependOnReplicationOnly(t *testing.T) {
	s := loadGrid(t)
	for i := 0; i < s.Runs(); i++ {
		cfg, vals, err := s.config(i)
		require.NoError(t, err)
		require.Equal(t, replicate.Seed(7, i%3), cfg.Seed)
		require.Len(t, vals, 2)
	}
	require.NotEqual(t, replicate.Seed(7, 0), replicate.Seed(7, 1))
	require.NotEqual(t, replicate.Seed(7, 0), replicate.Seed(8, 0))
	// The grid's last axis varies fastest.
	_, v0, _ := s.config(0)
	_, v1, _ := s.config(3)
	_, v4, _ := s.config(12)
	require.Equal(t, []string{"10", "2"}, v0)
	require.Equal(t, []string{"10", "6"}, v1)
	require.Equal(t, []string{"30", "2"}, v4)
	_, _, err := s.config(36)
	require.Error(t, err)
}

// A crash can cut the file anywhere after its header (which is created
// atomically): resume must give the bytes of an uninterrupted run.
func TestSweepResumeAfterTruncation(t *testing.T) {
	s := loadGrid(t)
	dir := t.TempDir()
	full := sweepFile(t, s, dir, "full.csv", Options{Workers: 2})
	points := readFile(t, filepath.Join(dir, "full.points.csv"))
	header := len(s.header(formatCSV, Shard{}).encode())
	lines := bytes.SplitAfter(full, []byte("\n"))
	rowStart := func(k int) int { return len(bytes.Join(lines[:2+k], nil)) }
	cuts := []int{0, 5, header - 1, header, header + 1, rowStart(1) - 1, rowStart(1), rowStart(7) + 3,
		rowStart(20) + 10, rowStart(35), rowStart(35) + 1, len(full) - 1, len(full)}
	for _, cut := range cuts {
		out := filepath.Join(dir, fmt.Sprintf("cut%d.csv", cut))
		require.NoError(t, os.WriteFile(out, full[:cut], 0o644))
		res, err := Run(context.Background(), s, Options{Out: out, Workers: 2, Resume: true})
		require.NoError(t, err, "cut at %d", cut)
		require.Equal(t, string(full), string(readFile(t, out)), "cut at %d", cut)
		require.Equal(t, string(points), string(readFile(t, pointsPath(out))))
		require.Equal(t, 36, res.Resumed+res.Ran)
		if cut >= rowStart(7)+3 {
			require.GreaterOrEqual(t, res.Resumed, 7, "cut at %d keeps the rows before it", cut)
		}
	}
	// A missing file with --resume starts afresh.
	out := filepath.Join(dir, "fresh.csv")
	_, err := Run(context.Background(), s, Options{Out: out, Resume: true})
	require.NoError(t, err)
	require.Equal(t, full, readFile(t, out))
}

// Garbage at the tail (what a crash on some file systems leaves: zeros, a
// half row) is dropped; a bad row followed by good ones is not a crash and
// is refused.
func TestSweepResumeTailAndCorruption(t *testing.T) {
	s := loadGrid(t)
	dir := t.TempDir()
	full := sweepFile(t, s, dir, "full.csv", Options{Workers: 2})
	lines := bytes.SplitAfter(full, []byte("\n"))
	part := bytes.Join(lines[:10], nil)

	out := filepath.Join(dir, "zeros.csv")
	require.NoError(t, os.WriteFile(out, append(append([]byte{}, part...), make([]byte, 300)...), 0o644))
	_, err := Run(context.Background(), s, Options{Out: out, Resume: true})
	require.NoError(t, err)
	require.Equal(t, full, readFile(t, out))

	out = filepath.Join(dir, "badtail.csv")
	require.NoError(t, os.WriteFile(out, append(append([]byte{}, part...), "7,2,x\n"...), 0o644))
	_, err = Run(context.Background(), s, Options{Out: out, Resume: true})
	require.NoError(t, err)
	require.Equal(t, full, readFile(t, out))

	corrupt := bytes.Join([][]byte{bytes.Join(lines[:5], nil), []byte("garbage\n"), bytes.Join(lines[6:12], nil)}, nil)
	out = filepath.Join(dir, "corrupt.csv")
	require.NoError(t, os.WriteFile(out, corrupt, 0o644))
	_, err = Run(context.Background(), s, Options{Out: out, Resume: true})
	require.ErrorContains(t, err, "corrupt")
	require.Equal(t, corrupt, readFile(t, out), "a refused file is left alone")

	// A row out of sequence is corruption too.
	swapped := bytes.Join([][]byte{bytes.Join(lines[:4], nil), lines[5], lines[4], bytes.Join(lines[6:], nil)}, nil)
	require.NoError(t, os.WriteFile(out, swapped, 0o644))
	_, err = Run(context.Background(), s, Options{Out: out, Resume: true})
	require.ErrorContains(t, err, "run index 3 where 2 was expected")
}

func TestSweepRefusesToClobber(t *testing.T) {
	s := loadGrid(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	require.NoError(t, os.WriteFile(out, []byte("precious\n"), 0o644))
	_, err := Run(context.Background(), s, Options{Out: out})
	var e *scenarios.Error
	require.ErrorAs(t, err, &e)
	require.Contains(t, err.Error(), "already exists")
	_, err = Run(context.Background(), s, Options{Out: out, Resume: true})
	require.ErrorContains(t, err, "not an agentchaos sweep results file")
	require.Equal(t, "precious\n", string(readFile(t, out)))

	// A file of another spec (another root seed) is refused on resume.
	other := parseSpec(t, strings.Replace(string(readFile(t, "testdata/sweep-grid.json")), `"seed": 7`, `"seed": 8`, 1))
	full := sweepFile(t, other, dir, "other.csv", Options{})
	cut := filepath.Join(dir, "cut.csv")
	require.NoError(t, os.WriteFile(cut, full[:len(full)/2], 0o644))
	_, err = Run(context.Background(), s, Options{Out: cut, Resume: true})
	require.ErrorContains(t, err, "another sweep spec")
	// And so is a shard's file resumed as another shard.
	sh := sweepFile(t, s, dir, "sh.csv", Options{Shard: Shard{1, 3}})
	require.NoError(t, os.WriteFile(cut, sh[:len(sh)-3], 0o644))
	_, err = Run(context.Background(), s, Options{Out: cut, Resume: true, Shard: Shard{2, 3}})
	require.ErrorContains(t, err, "holds shard 1/3, not 2/3")
}

// Cancelling the context (what Ctrl-C does) stops the sweep cleanly: every
// row written is a whole row of the uninterrupted file, and resume finishes
// it byte for byte.
func TestSweepInterruptKeepsCompletedRows(t *testing.T) {
	s := loadGrid(t)
	dir := t.TempDir()
	full := sweepFile(t, s, dir, "full.csv", Options{Workers: 2})
	for _, stopAt := range []int{1, 10, 20} {
		out := filepath.Join(dir, fmt.Sprintf("int%d.csv", stopAt))
		ctx, cancel := context.WithCancel(context.Background())
		res, err := Run(ctx, s, Options{Out: out, Workers: 2, Progress: func(p Progress) {
			if p.Done == stopAt {
				cancel()
			}
		}})
		cancel()
		require.ErrorIs(t, err, ErrInterrupted)
		require.ErrorIs(t, err, context.Canceled)
		got := readFile(t, out)
		require.True(t, bytes.HasPrefix(full, got), "the interrupted file is a prefix of the full one")
		require.Equal(t, byte('\n'), got[len(got)-1])
		rows := bytes.Count(got, []byte("\n")) - 2
		require.GreaterOrEqual(t, rows, stopAt)
		require.Less(t, rows, 36)
		require.Equal(t, rows, res.Ran)
		_, err = os.Stat(pointsPath(out))
		require.True(t, errors.Is(err, os.ErrNotExist), "no aggregates for an unfinished sweep")

		res, err = Run(context.Background(), s, Options{Out: out, Workers: 2, Resume: true})
		require.NoError(t, err)
		require.Equal(t, rows, res.Resumed)
		require.Equal(t, string(full), string(readFile(t, out)))
	}
}

// killSpec is big enough (a few hundred milliseconds) to be killed in flight.
const killSpec = `{
  "base": "sweep-base.json",
  "seed": 3,
  "replications": 2,
  "set": {"agents.requests_per_agent": 30},
  "axes": [
    {"path": "agents.count", "range": {"from": 20, "to": 120, "steps": 6}},
    {"path": "queue.buffer", "values": [5, 20, 80]},
    {"path": "faults.error_probability", "range": {"from": 0, "to": 0.2, "steps": 5}}
  ]
}`

// TestSweepKillHelperProcess is the child of TestSweepResumeAfterKill: it
// runs the sweep into $AGENTCHAOS_SWEEP_CHILD_OUT until it is killed.
func TestSweepKillHelperProcess(t *testing.T) {
	out := os.Getenv("AGENTCHAOS_SWEEP_CHILD_OUT")
	if out == "" {
		return // not the child
	}
	s := parseSpec(t, killSpec)
	_, err := Run(context.Background(), s, Options{Out: out, Workers: 2, Resume: true})
	require.NoError(t, err)
}

// kill -9 at several moments, each time resuming with a new process; the
// final file is byte-identical to an uninterrupted run.
func TestSweepResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	s := parseSpec(t, killSpec)
	dir := t.TempDir()
	full := sweepFile(t, s, dir, "full.csv", Options{Workers: 2})
	out := filepath.Join(dir, "killed.csv")
	rows := func() int {
		data, _ := os.ReadFile(out)
		return bytes.Count(data, []byte("\n")) - 2
	}
	kills := 0
	for _, at := range []int{5, 60, 120} {
		cmd := outfiletest.HelperCommand(t, "-test.run=^TestSweepKillHelperProcess$")
		cmd.Env = append(os.Environ(), "AGENTCHAOS_SWEEP_CHILD_OUT="+out)
		require.NoError(t, cmd.Start())
		deadline := time.Now().Add(20 * time.Second)
		for rows() < at && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			kills++
		}
		cmd.Wait()
		data := readFile(t, out)
		whole := data[:bytes.LastIndexByte(data, '\n')+1]
		require.True(t, bytes.HasPrefix(full, whole), "after kill at ≈%d rows the file holds whole rows of the full run", at)
	}
	require.Positive(t, kills)
	res, err := Run(context.Background(), s, Options{Out: out, Workers: 2, Resume: true})
	require.NoError(t, err)
	require.Positive(t, res.Resumed)
	require.Equal(t, string(full), string(readFile(t, out)))
	require.Equal(t, readFile(t, filepath.Join(dir, "full.points.csv")), readFile(t, pointsPath(out)))
}

// Shards 0..n-1 of n, merged, are byte-identical to the unsharded run.
func TestSweepShardsMergeToUnsharded(t *testing.T) {
	s := loadGrid(t)
	dir := t.TempDir()
	for _, format := range []string{"csv", "jsonl"} {
		full := sweepFile(t, s, dir, "full."+format, Options{Workers: 2})
		points := readFile(t, filepath.Join(dir, "full.points."+format))
		for _, n := range []int{1, 7, 36, 40} {
			var files []string
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("s%d-%d.%s", i, n, format)
				data := sweepFile(t, s, dir, name, Options{Workers: 2, Shard: Shard{i, n}})
				if n > 1 {
					_, err := os.Stat(filepath.Join(dir, pointsPath(name)))
					require.True(t, errors.Is(err, os.ErrNotExist), "a shard writes no aggregates")
					require.Contains(t, string(data), fmt.Sprintf("%d/%d", i, n))
				}
				files = append(files, filepath.Join(dir, name))
			}
			// Any order of the inputs.
			files[0], files[len(files)-1] = files[len(files)-1], files[0]
			out := filepath.Join(dir, fmt.Sprintf("merged%d.%s", n, format))
			res, err := Merge(files, out, false)
			require.NoError(t, err, "n=%d", n)
			require.Equal(t, 36, res.Runs)
			require.Equal(t, string(full), string(readFile(t, out)), "n=%d %s", n, format)
			require.Equal(t, string(points), string(readFile(t, pointsPath(out))))
		}
	}
}

func TestMergeRejects(t *testing.T) {
	s := loadGrid(t)
	dir := t.TempDir()
	var files []string
	for i := 0; i < 7; i++ {
		name := fmt.Sprintf("s%d.csv", i)
		sweepFile(t, s, dir, name, Options{Shard: Shard{i, 7}})
		files = append(files, filepath.Join(dir, name))
	}
	out := filepath.Join(dir, "merged.csv")
	check := func(inputs []string, out string, want ...string) {
		t.Helper()
		_, err := Merge(inputs, out, false)
		var e *scenarios.Error
		require.ErrorAs(t, err, &e)
		for _, w := range want {
			require.ErrorContains(t, err, w)
		}
		_, err = os.Stat(out)
		require.True(t, errors.Is(err, os.ErrNotExist), "nothing written")
	}
	check(files[:6], out, "5 of 36 run indices are in none of the files, the first 6, 13, 20, 27, 34")
	check(append(files[:7:7], files[3]), out, "5 run indices appear more than once, the first 3, 10, 17, 24, 31")
	check(files, filepath.Join(dir, "merged.jsonl"), "name the output .csv")

	other := parseSpec(t, strings.Replace(string(readFile(t, "testdata/sweep-grid.json")), `"replications": 3`, `"replications": 2`, 1))
	sweepFile(t, other, dir, "other.csv", Options{Shard: Shard{0, 7}})
	check(append(files[1:7:7], filepath.Join(dir, "other.csv")), out, "another sweep spec")

	torn := readFile(t, files[2])
	require.NoError(t, os.WriteFile(files[2], torn[:len(torn)-4], 0o644))
	check(files, out, "torn line", "s2.csv")
	check(nil, out, "no files")
}

func TestSpecErrors(t *testing.T) {
	for _, c := range []struct {
		spec string
		want string
	}{
		{`{"base": "EXP-001", "axis": []}`, `spec.json:1:21: axis: unknown field (known here: base, seed, replications, design, set, axes)`},
		{`{"base": "EXP-001", "base": "EXP-002"}`, `spec.json:1:21: base: duplicate field`},
		{`{"base": "EXP-001", "replications": "3"}`, `spec.json:1:37: replications: wrong type: want an integer, got a string`},
		{`{"base": "EXP-001", "replications": 2.5}`, `replications: wrong type: want an integer, got the number 2.5`},
		{`{"base": "EXP-001", "seed": -1}`, `seed: want an integer in [0, 2^64), got -1`},
		{`{"base": "EXP-001", "replications": 0, "axes": [{"path": "agents.count", "values": [1]}]}`, `spec.json:1:37: replications: must be in [1, 100000000] (got 0)`},
		{`{"axes": [{"path": "agents.count", "values": [1]}]}`, `base: is required`},
		{`{"base": "nope.json", "axes": [{"path": "agents.count", "values": [1]}]}`, `spec.json:1:10: base: no embedded profile "nope.json" and cannot read it as a file`},
		{`{"base": "EXP-001"}`, `axes: needs at least one axis`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.cnt", "values": [1]}]}`, `spec.json:1:39: axes[0].path: scenario field agents.cnt does not exist (known in agents: count, arrival,`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.count", "values": [10, 0]}]}`, `spec.json:1:70: axes[0].values[1]: axis agents.count = 0 makes field agents.count invalid: must be in [1, 10000000] (got 0)`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.count", "values": [10.5]}]}`, `axes[0].values[0]: axis agents.count = 10.5 makes field agents.count invalid: wrong type`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.count", "values": [10, 10]}]}`, `axes[0].values[1]: repeats values[0]`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.count", "vals": [10]}]}`, `axes[0].vals: unknown field (known here: path, values, range, log)`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.count", "values": [1], "range": {"from": 1, "to": 2, "steps": 2}}]}`, `axes[0]: give exactly one of "values", "range" or "log"`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.arrival", "range": {"from": 1, "to": 2, "steps": 2}}]}`, `axes[0].range: agents.arrival is a string, not a number`},
		{`{"base": "EXP-001", "axes": [{"path": "queue.buffer", "log": {"from": 0, "to": 100, "steps": 3}}]}`, `axes[0].log: a log range needs from and to above 0`},
		{`{"base": "EXP-001", "axes": [{"path": "queue.buffer", "range": {"from": 1, "to": 100, "steps": 1}}]}`, `axes[0].range.steps: must be in [2, 1000000] (got 1)`},
		{`{"base": "EXP-001", "axes": [{"path": "queue.buffer", "log": {"from": 1, "to": 3, "steps": 10}}]}`, `axes[0].log.steps: values repeat after rounding (queue.buffer is an integer field)`},
		{`{"base": "EXP-001", "axes": [{"path": "seed", "values": [1, 2]}]}`, `axes[0].path: sweep replications instead`},
		{`{"base": "EXP-001", "axes": [{"path": "workers", "values": [{}]}, {"path": "workers.count", "values": [1]}]}`, `axes[1].path: workers.count overlaps the axis workers`},
		{`{"base": "EXP-001", "axes": [{"path": "detector.degraded_saturation", "values": [0.5, 0.9]}]}`, `axes[0].values[1]: axis detector.degraded_saturation = 0.9 makes field detector.collapse_saturation invalid: must not be below detector.degraded_saturation`},
		{`{"base": "EXP-001", "design": {"kind": "random"}, "axes": [{"path": "agents.count", "values": [1]}]}`, `design.kind: must be "grid" or "lhs", not "random"`},
		{`{"base": "EXP-001", "design": {"points": 4}, "axes": [{"path": "agents.count", "values": [1]}]}`, `design.points: only applies to design "lhs"`},
		{`{"base": "EXP-001", "design": {"kind": "lhs"}, "axes": [{"path": "agents.count", "values": [1]}]}`, `design.points: must be in [1, 10000000] (got 0)`},
		{`{"base": "EXP-001", "design": {"kind": "lhs", "points": 5}, "axes": [{"path": "agents.count", "range": {"from": 1, "to": 9, "steps": 3}}]}`, `axes[0].range.steps: a latin-hypercube design samples the whole interval: leave steps out`},
		{`{"base": "EXP-001", "set": {"queue.bufer": 3}, "axes": [{"path": "agents.count", "values": [1]}]}`, `set.queue.bufer: scenario field queue.bufer does not exist`},
		{`{"base": "EXP-001", "set": {"queue.buffer": -3}, "axes": [{"path": "agents.count", "values": [1]}]}`, `set.queue.buffer: queue.buffer: must be in [0, 100000000] (got -3)`},
		{`{"base": "EXP-001", "set": {"agents.mix[7].weight": 1}, "axes": [{"path": "agents.count", "values": [1]}]}`, `set.agents.mix[7].weight: the base scenario has no agents.mix[7]`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.count", "values": [1]}]} {}`, `unexpected data after the sweep spec object`},
		{`{"base": "EXP-001", "axes": [{"path": "agents.count", "values": [1]}`, `invalid JSON`},
		{`[]`, `a sweep spec must be a JSON object`},
	} {
		_, err := ParseSpec([]byte(c.spec), "spec.json", "testdata")
		var e *scenarios.Error
		require.ErrorAs(t, err, &e, c.spec)
		require.Contains(t, err.Error(), c.want, c.spec)
	}
}

// A multi-line spec's errors point at the right line and column.
func TestSpecErrorPosition(t *testing.T) {
	spec := "{\n  \"base\": \"sweep-base.json\",\n  \"axes\": [\n    {\"path\": \"workers.count\", \"values\": [1, 2]},\n    {\"path\": \"faults.error_probability\", \"range\": {\"from\": 0, \"to\": 1.5, \"steps\": 4}}\n  ]\n}\n"
	_, err := ParseSpec([]byte(spec), "s.json", "testdata")
	require.EqualError(t, err, "s.json:5:51: axes[1].range: axis faults.error_probability = 1.5 makes field faults.error_probability invalid: must be a probability in [0, 1] (got 1.5)")
}

func TestSpecValuesAndRanges(t *testing.T) {
	s := parseSpec(t, `{"base": "sweep-base.json",
		"set": {"agents.mix": [{"name": "A", "weight": 1, "work": 1}, {"name": "B", "weight": 1, "work": 2}]},
		"axes": [
		{"path": "agents.arrival", "values": ["closed", "poisson"]},
		{"path": "workers.service", "values": [{"kind": "exponential", "mean": 0.01}, {"kind": "deterministic", "mean": 0.01}]},
		{"path": "faults.error_probability", "range": {"from": 0, "to": 0.3, "steps": 4}},
		{"path": "workers.overhead", "log": {"from": 0.001, "to": 0.1, "steps": 3}},
		{"path": "agents.mix[1].weight", "values": [0.5]}]}`)
	require.Equal(t, 2*2*4*3, s.Points())
	var got [][]string
	for p := 0; p < s.Points(); p += 7 {
		_, vals, err := s.config(p)
		require.NoError(t, err)
		got = append(got, vals)
	}
	require.Equal(t, []string{"closed", `{"kind":"exponential","mean":0.01}`, "0", "0.001", "0.5"}, got[0])
	require.Equal(t, []string{"closed", `{"kind":"exponential","mean":0.01}`, "0.2", "0.01", "0.5"}, got[1])
	cfg, _, err := s.config(s.Points() - 1)
	require.NoError(t, err)
	require.Equal(t, model.Poisson, cfg.Agents.Arrival)
	require.Equal(t, model.Deterministic, cfg.Workers.Service.Kind)
	require.Equal(t, 0.3, cfg.Faults.ErrorProbability)
	require.Equal(t, 0.1, cfg.Workers.Overhead)
	require.Equal(t, 0.5, cfg.Agents.Mix[1].Weight)
	require.Equal(t, 20, cfg.Agents.Count, "the base's other fields are kept")

	// The text of a string or object value is CSV-quoted where needed and
	// reads back.
	dir := t.TempDir()
	small := parseSpec(t, `{"base": "sweep-base.json", "axes": [
		{"path": "workers.service", "values": [{"kind": "exponential", "mean": 0.01}, {"kind": "erlang", "mean": 0.01, "k": 3}]}]}`)
	data := sweepFile(t, small, dir, "q.csv", Options{})
	require.Contains(t, string(data), `,"{""kind"":""erlang"",""mean"":0.01,""k"":3}",`)
	require.Contains(t, string(readFile(t, filepath.Join(dir, "q.points.csv"))), `1,"{""kind"":""erlang"",""mean"":0.01,""k"":3}",1,`)
}

func TestLatinHypercube(t *testing.T) {
	const n = 40
	spec := fmt.Sprintf(`{"base": "sweep-base.json", "seed": 11, "design": {"kind": "lhs", "points": %d}, "axes": [
		{"path": "faults.error_probability", "range": {"from": 0, "to": 0.4}},
		{"path": "workers.overhead", "log": {"from": 0.001, "to": 0.1}},
		{"path": "agents.count", "range": {"from": 10, "to": 50}},
		{"path": "agents.arrival", "values": ["closed", "poisson"]}]}`, n)
	s := parseSpec(t, spec)
	require.Equal(t, n, s.Points())
	seen := [2]map[int]bool{{}, {}}
	arrivals := map[string]int{}
	var first []*model.Config
	for p := 0; p < n; p++ {
		cfg, vals, err := s.config(p)
		require.NoError(t, err)
		first = append(first, cfg)
		// Each continuous axis uses each of its n strata exactly once.
		u0 := cfg.Faults.ErrorProbability / 0.4
		u1 := (math.Log(cfg.Workers.Overhead) - math.Log(0.001)) / (math.Log(0.1) - math.Log(0.001))
		for i, u := range []float64{u0, u1} {
			k := int(u * n)
			require.False(t, seen[i][k], "axis %d stratum %d used twice", i, k)
			seen[i][k] = true
		}
		require.GreaterOrEqual(t, cfg.Agents.Count, 10)
		require.LessOrEqual(t, cfg.Agents.Count, 50)
		require.Equal(t, fmt.Sprint(cfg.Agents.Count), vals[2], "integers are rounded")
		arrivals[vals[3]]++
	}
	require.Equal(t, map[string]int{"closed": n / 2, "poisson": n / 2}, arrivals, "a values axis is stratified too")
	// Deterministic, and keyed by the root seed.
	again := parseSpec(t, spec)
	other := parseSpec(t, strings.Replace(spec, `"seed": 11`, `"seed": 12`, 1))
	differ := 0
	for p := 0; p < n; p++ {
		a, _, _ := again.config(p)
		b, _, _ := other.config(p)
		require.Equal(t, first[p].Faults.ErrorProbability, a.Faults.ErrorProbability)
		if b.Faults.ErrorProbability != a.Faults.ErrorProbability {
			differ++
		}
	}
	require.Greater(t, differ, n/2)
}

func TestShardParsingAndSizes(t *testing.T) {
	sh, err := ParseShard("2/7")
	require.NoError(t, err)
	require.Equal(t, Shard{2, 7}, sh)
	for _, bad := range []string{"7/7", "-1/3", "1/0", "x", "1/", "/2"} {
		_, err := ParseShard(bad)
		require.Error(t, err, bad)
	}
	total := 0
	for i := 0; i < 7; i++ {
		total += Shard{i, 7}.size(36)
	}
	require.Equal(t, 36, total)
	require.Equal(t, 0, Shard{5, 7}.size(3))
	require.Equal(t, 36, Shard{}.size(36))
}

func TestAggregateNeedsWholeFile(t *testing.T) {
	s := loadGrid(t)
	dir := t.TempDir()
	data := sweepFile(t, s, dir, "r.csv", Options{})
	lines := bytes.SplitAfter(data, []byte("\n"))
	_, err := Aggregate("cut.csv", bytes.NewReader(bytes.Join(lines[:20], nil)), func(Header, PointSummary) error { return nil })
	require.ErrorContains(t, err, "has 18 of 36 runs")
	sh := sweepFile(t, s, dir, "sh.csv", Options{Shard: Shard{0, 2}})
	_, err = Aggregate("sh.csv", bytes.NewReader(sh), func(Header, PointSummary) error { return nil })
	require.ErrorContains(t, err, "merge the shards first")
	var pts []PointSummary
	h, err := Aggregate("r.csv", bytes.NewReader(data), func(_ Header, p PointSummary) error { pts = append(pts, p); return nil })
	require.NoError(t, err)
	require.Equal(t, 3, h.Replications)
	require.Len(t, pts, 12)
	for i, p := range pts {
		require.Equal(t, i, p.Point)
		require.Equal(t, 3, p.Runs)
		require.Equal(t, 3, p.States[0]+p.States[1]+p.States[2])
		require.GreaterOrEqual(t, p.Worst, p.Majority)
	}
}

// The engine keeps nothing of a run once its row is written: the live heap
// after a sweep does not grow with the number of points.
func TestSweepMemoryFlat(t *testing.T) {
	live := func(points int) uint64 {
		s := parseSpec(t, fmt.Sprintf(`{"base": "sweep-base.json", "set": {"agents.requests_per_agent": 2},
			"design": {"kind": "lhs", "points": %d}, "axes": [{"path": "faults.error_probability", "range": {"from": 0, "to": 0.2}}]}`, points))
		out := filepath.Join(t.TempDir(), "m.csv")
		var peak uint64
		_, err := Run(context.Background(), s, Options{Out: out, Workers: 2, Progress: func(p Progress) {
			if p.Done == p.Total-1 { // the engine's state near the end
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = ms.HeapAlloc
			}
		}})
		require.NoError(t, err)
		return peak
	}
	live(100) // warm up caches (encoding/json's type cache, ...)
	small, large := live(200), live(4000)
	t.Logf("live heap near the end: %d KB at 200 points, %d KB at 4000", small>>10, large>>10)
	require.Less(t, large, small+128<<10, "the live heap grew by more than 128 KB for 3800 more points")
}

// TestPointIntervals: a point's means and 95% half-widths are
// stats.MeanCI's; with one replication the half-width is written empty
// (CSV) or null (JSON Lines).
func TestPointIntervals(t *testing.T) {
	var a accumulator
	for i, x := range []float64{1, 2, 3, 4} {
		r := resultRow{Point: 0, Rep: i, LatencyAvg: x, ErrorRate: x / 10, LatencyP95: x, LatencyP99: x}
		if i == 0 {
			a.reset(&r)
		}
		a.add(&r)
	}
	p := a.summary()
	require.Equal(t, 2.5, p.LatencyAvg.Mean)
	// t(0.975, 3) = 3.182446305; s = sqrt(5/3).
	require.InDelta(t, 3.182446305*math.Sqrt(5.0/3)/2, p.LatencyAvg.HalfWidth, 1e-8)

	one := resultRow{Point: 3, LatencyAvg: 7}
	a.reset(&one)
	a.add(&one)
	p = a.summary()
	require.Equal(t, 7.0, p.LatencyAvg.Mean)
	for format, want := range map[string]string{formatCSV: "3,1,0,,7,,0,,0,,1,0,0,STABLE,STABLE,0,,0,,0,,0,,0,0,0,0,0,,,\n",
		formatJSONL: `{"point":3,"axes":{},"runs":1,"error_rate_mean":0,"error_rate_ci95":null,"latency_avg_mean":7,"latency_avg_ci95":null,"latency_p95_mean":0,"latency_p95_ci95":null,"latency_p99_mean":0,"latency_p99_ci95":null,"stable":1,"degraded":0,"collapsed":0,"majority_state":"STABLE","worst_state":"STABLE",` +
			`"amplification_mean":0,"amplification_ci95":null,"goodput_mean":0,"goodput_ci95":null,"throughput_mean":0,"throughput_ci95":null,` +
			`"zombie_work_mean":0,"zombie_work_ci95":null,"held":0,"recovered":0,"unjudged":0,"violated":0,"metastable":0,` +
			`"majority_verdict":null,"recovery_time_mean":null,"recovery_time_ci95":null}` + "\n"} {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		appendPoint(w, format, nil, &p)
		require.NoError(t, w.Flush())
		require.Equal(t, want, b.String(), format)
	}
}
