//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/model/outfile/outfiletest"
	"github.com/agentchaos/agentchaos/scenarios/sweep"
)

// fifoReader makes a FIFO at name and collects what is written into it
// until want bytes have come or ten seconds have passed. It holds the FIFO
// open for reading and writing (Linux allows it), so a writer's open never
// waits and the read never sees an end of file.
func fifoReader(t *testing.T, name string, want int) func() []byte {
	t.Helper()
	require.NoError(t, syscall.Mkfifo(name, 0o666))
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	require.NoError(t, err)
	require.NoError(t, f.SetReadDeadline(time.Now().Add(10*time.Second)))
	got := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		buf := make([]byte, 1<<16)
		for b.Len() < want {
			n, err := f.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		f.Close()
		got <- b.Bytes()
	}()
	return func() []byte { return <-got }
}

func requireMode(t *testing.T, name string, typ fs.FileMode, msg string) {
	t.Helper()
	fi, err := os.Lstat(name)
	require.NoError(t, err)
	assert.Equal(t, typ, fi.Mode().Type(), "%s: %s is now %v", msg, name, fi.Mode().Type())
}

// TestOutputsThatAreNotFilesAreWrittenInPlace (item 4): an output that is
// a FIFO, a device or a symlink to one (such as /dev/stdout) is written in
// place — never replaced by a regular file renamed over it — and gets
// exactly the bytes a regular file would, and no points file beside it.
func TestOutputsThatAreNotFilesAreWrittenInPlace(t *testing.T) {
	dir := t.TempDir()
	scen := smallScenario(t, dir)
	spec := writeSpec(t, dir, twoAxes)
	ref := func(out string, args ...string) []byte {
		out = filepath.Join(dir, out)
		code, _, stderr := runCLI(append(args, out)...)
		require.Equal(t, exitOK, code, stderr)
		return readAll(t, out)
	}
	trace := ref("ref.jsonl", "run", scen, "--trace")
	results := ref("ref.csv", "sweep", spec, "--out")
	merged := ref("ref-merged.csv", "merge", filepath.Join(dir, "ref.csv"), "--out")

	for _, c := range []struct {
		name string
		args []string
		want []byte
	}{
		{"trace.fifo", []string{"run", scen, "--trace"}, trace},
		{"results.fifo", []string{"sweep", spec, "--out"}, results},
		{"merged.fifo", []string{"merge", filepath.Join(dir, "ref.csv"), "--out"}, merged},
	} {
		fifo := filepath.Join(dir, c.name)
		got := fifoReader(t, fifo, len(c.want))
		code, _, stderr := runCLI(append(c.args, fifo)...)
		assert.Equal(t, exitOK, code, "%v: %s", c.args, stderr)
		assert.Equal(t, string(c.want), string(got()), "%v: what the FIFO's reader got", c.args)
		requireMode(t, fifo, fs.ModeNamedPipe, c.args[0])
		_, err := os.Lstat(filepath.Join(dir, "results.points.fifo"))
		assert.True(t, errors.Is(err, fs.ErrNotExist), "no points file beside a FIFO")
	}

	// A symlink to a FIFO, as /dev/stdout is to a pipe.
	link := filepath.Join(dir, "stdout")
	got := fifoReader(t, filepath.Join(dir, "pipe"), len(trace))
	require.NoError(t, os.Symlink(filepath.Join(dir, "pipe"), link))
	code, _, stderr := runCLI("run", scen, "--trace", link)
	assert.Equal(t, exitOK, code, stderr)
	assert.Equal(t, string(trace), string(got()))
	requireMode(t, link, fs.ModeSymlink, "run --trace through a symlink")

	// A device: a copy of /dev/null (root only).
	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, int(mkdev(1, 3))); err != nil {
		t.Logf("no device test: mknod: %v", err)
		return
	}
	for _, args := range [][]string{
		{"run", scen, "--trace", null},
		{"merge", filepath.Join(dir, "ref.csv"), "--out", null},
		{"sweep", spec, "--out", null},
	} {
		code, _, stderr := runCLI(args...)
		assert.Equal(t, exitOK, code, "%v: %s", args, stderr)
		requireMode(t, null, fs.ModeDevice|fs.ModeCharDevice, args[0])
		if f, err := os.Open(null); err == nil {
			n, _ := io.Copy(io.Discard, f)
			f.Close()
			assert.Zero(t, n, "%v: still /dev/null", args)
		}
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		assert.NotContains(t, e.Name(), "null.", "nothing written beside the device: %s", e.Name())
	}
}

func mkdev(major, minor uint32) uint64 {
	return uint64(major)<<8 | uint64(minor)
}

// TestSecondSweepOnTheSameOutputRefuses (item 5): while one sweep writes
// its results, a second sweep of the same file refuses at once, exit 1,
// with a message saying another process is writing it; the first one's
// file comes out byte-identical to an undisturbed run.
func TestSecondSweepOnTheSameOutputRefuses(t *testing.T) {
	dir := t.TempDir()
	specFile := writeSpec(t, dir, `{"path": "agents.count", "range": {"from": 10, "to": 80, "steps": 20}}`)
	ref := filepath.Join(dir, "ref.csv")
	code, _, stderr := runCLI("sweep", specFile, "--out", ref, "--workers", "1")
	require.Equal(t, exitOK, code, stderr)

	spec, err := sweep.LoadSpec(specFile)
	require.NoError(t, err)
	out := filepath.Join(dir, "same.csv")
	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		once := false
		_, err := sweep.Run(context.Background(), spec, sweep.Options{Out: out, Workers: 1,
			Progress: func(sweep.Progress) {
				if !once { // hold the sweep after its first row
					once = true
					close(started)
					<-release
				}
			}})
		first <- err
	}()
	<-started
	for _, args := range [][]string{
		{"sweep", specFile, "--out", out, "--resume"},
		{"sweep", specFile, "--out", out},
	} {
		start := time.Now()
		code, _, stderr := runCLI(args...)
		assert.Equal(t, exitFail, code, "%v: %s", args, stderr)
		assert.Contains(t, stderr, "another process", args)
		assert.Less(t, time.Since(start), 5*time.Second, "refused at once")
	}
	close(release)
	require.NoError(t, <-first)
	assert.Equal(t, string(readAll(t, ref)), string(readAll(t, out)), "the first sweep's file is whole")
}

// TestMainHelperProcess is agentchaos itself when run by
// TestDevFullFails: it runs the command in $AGENTCHAOS_ARGS.
func TestMainHelperProcess(t *testing.T) {
	args := os.Getenv("AGENTCHAOS_ARGS")
	if args == "" {
		return // not the child
	}
	os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
}

// TestDevFullFails (item 6): `agentchaos reproduce > /dev/full` and
// `run --trace /dev/full` exit 1 with the write error, as a separate
// process whose standard output is /dev/full.
func TestDevFullFails(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	scen := smallScenario(t, t.TempDir())
	for _, c := range []struct {
		args   []string
		stdout *os.File
	}{
		{[]string{"reproduce"}, full},
		{[]string{"run", scen, "--trace", "/dev/full"}, nil},
	} {
		cmd := outfiletest.HelperCommand(t, "-test.run=^TestMainHelperProcess$")
		cmd.Env = append(os.Environ(), "AGENTCHAOS_ARGS="+strings.Join(c.args, "\x1f"))
		cmd.Stdout = c.stdout
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "%v: %s", c.args, stderr.String())
		assert.Equal(t, exitFail, ee.ExitCode(), "%v: %s", c.args, stderr.String())
		assert.Contains(t, stderr.String(), "no space left on device", c.args)
	}
}
