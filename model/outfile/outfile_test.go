package outfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
)

// noTemp fails if a temporary file or directory is left in dir.
func noTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		require.NotContains(t, e.Name(), ".tmp", "temporary %s left behind", e.Name())
	}
}

func TestWriteReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.csv")
	require.NoError(t, Write(name, false, func(w io.Writer) error { _, err := io.WriteString(w, "one\n"); return err }))
	require.NoError(t, Write(name, true, func(w io.Writer) error { _, err := io.WriteString(w, "two\n"); return err }))
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	require.Equal(t, "two\n", string(data))
	noTemp(t, dir)

	// A failing fill leaves the file as it was.
	boom := errors.New("boom")
	err = Write(name, true, func(w io.Writer) error { io.WriteString(w, "half"); return boom })
	require.ErrorIs(t, err, boom)
	data, _ = os.ReadFile(name)
	require.Equal(t, "two\n", string(data))
	noTemp(t, dir)
}

func TestCreateCommitAbort(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "trace.jsonl")
	f, err := Create(name, false)
	require.NoError(t, err)
	_, err = f.Write([]byte("a\n"))
	require.NoError(t, err)
	_, err = os.Stat(name)
	require.ErrorIs(t, err, os.ErrNotExist, "not in place before Commit")
	require.NoError(t, f.Commit())
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	require.Equal(t, "a\n", string(data))

	f, err = Create(name, true)
	require.NoError(t, err)
	f.Write([]byte("b\n"))
	f.Abort()
	data, _ = os.ReadFile(name)
	require.Equal(t, "a\n", string(data))
	noTemp(t, dir)
}

func TestWriteDir(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "report")
	files := []DirFile{{Name: "a.svg", Data: []byte("a")}, {Name: "index.html", Data: []byte("page")}}
	require.NoError(t, WriteDir(dir, false, files))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644))
	files[0].Data = []byte("A")
	require.ErrorIs(t, WriteDir(dir, false, files), ErrExists)
	require.NoError(t, WriteDir(dir, true, files))
	for name, want := range map[string]string{"a.svg": "A", "index.html": "page", "notes.txt": "mine"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Equal(t, want, string(data))
	}
	noTemp(t, base)

	require.ErrorContains(t, WriteDir(filepath.Join(dir, "a.svg"), true, files), "not a directory")
	require.Error(t, WriteDir("", true, files))
	// A file that cannot be moved in (a directory in its place) stops the
	// write before the page.
	busy := filepath.Join(base, "busy")
	require.NoError(t, os.MkdirAll(filepath.Join(busy, "a.svg", "x"), 0o755))
	require.Error(t, WriteDir(busy, true, files))
	_, err := os.Stat(filepath.Join(busy, "index.html"))
	require.ErrorIs(t, err, os.ErrNotExist)
	noTemp(t, base)
	require.False(t, strings.Contains(dir, ".tmp"))
}

// TestFoldersAreCreated (item 12): missing folders above an output are
// created; when they cannot be, the error names the user's path and never a
// temporary file.
func TestFoldersAreCreated(t *testing.T) {
	base := t.TempDir()
	name := filepath.Join(base, "a", "b", "out.csv")
	require.NoError(t, Write(name, false, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }))
	require.NoError(t, WriteDir(filepath.Join(base, "c", "d"), false, []DirFile{{Name: "f", Data: []byte("y")}}))
	require.NoError(t, CheckDir(filepath.Join(base, "e", "f"), nil, false))

	file := filepath.Join(base, "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	for _, err := range []error{
		Write(filepath.Join(file, "out.csv"), false, func(io.Writer) error { return nil }),
		WriteDir(filepath.Join(file, "dir"), false, nil),
		CheckDir(filepath.Join(file, "dir", "sub"), nil, false),
		CheckDir(file, nil, false),
		Check(filepath.Join(file, "x"), false),
	} {
		require.ErrorContains(t, err, file)
		require.NotContains(t, err.Error(), ".tmp")
	}
	noTemp(t, base)
}

// TestInPlace (item 4): only a regular file or a new name is written
// through a temporary file and a rename; a symbolic link (such as
// /dev/stdout), a FIFO or a device is written in place, a folder refused.
func TestInPlace(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, []byte("old"), 0o644))
	for name, want := range map[string]bool{file: false, filepath.Join(dir, "new"): false} {
		got, err := InPlace(name)
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}
	_, err := InPlace(dir)
	require.ErrorContains(t, err, "is a directory")
	if runtime.GOOS == "windows" {
		return
	}
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(file, link))
	got, err := InPlace(link)
	require.NoError(t, err)
	require.True(t, got)
	// Through the link, in place: the link stays a link.
	require.ErrorIs(t, Write(link, false, func(io.Writer) error { return nil }), ErrExists, "a link to a file is that file")
	require.NoError(t, Write(link, true, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }))
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	require.Equal(t, os.ModeSymlink, fi.Mode().Type())
	data, _ := os.ReadFile(file)
	require.Equal(t, "new", string(data))
}

// TestRefusesToReplace (item 7): an existing file is replaced only with
// force; without, the refusal comes from Create, or from Commit when the
// file appeared meanwhile (a hard link never replaces), names the file and
// the flag, and leaves it as it was.
func TestRefusesToReplace(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.csv")
	require.NoError(t, os.WriteFile(name, []byte("precious"), 0o644))
	_, err := Create(name, false)
	require.ErrorIs(t, err, ErrExists)
	require.ErrorContains(t, err, name)
	require.ErrorContains(t, err, "--force")
	require.ErrorIs(t, Check(name, false), ErrExists)
	require.NoError(t, Check(name, true))
	require.NoError(t, Check(filepath.Join(dir, "new", "x.csv"), false))

	late := filepath.Join(dir, "late.csv")
	f, err := Create(late, false)
	require.NoError(t, err)
	f.Write([]byte("mine"))
	require.NoError(t, os.WriteFile(late, []byte("theirs"), 0o644))
	require.ErrorIs(t, f.Commit(), ErrExists)
	data, _ := os.ReadFile(late)
	require.Equal(t, "theirs", string(data))
	noTemp(t, dir)
}
