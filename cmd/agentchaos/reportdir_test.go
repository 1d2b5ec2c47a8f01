package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model/charts"
)

func TestRunReportDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exp3")
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "EXP-003", "--report", dir}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	require.Contains(t, stdout.String(), "final state")
	require.Contains(t, stderr.String(), "report written to "+filepath.Join(dir, charts.HTMLFile))

	page, err := os.ReadFile(filepath.Join(dir, charts.HTMLFile))
	require.NoError(t, err)
	require.Contains(t, string(page), "agentchaos report: EXP-003")
	refs := regexp.MustCompile(`\s(?:src|href)="([^"]*)"`).FindAllSubmatch(page, -1)
	require.Len(t, refs, 10, "five charts, each as SVG image and PNG link")
	for _, m := range refs {
		name := string(m[1])
		require.NotContains(t, name, "/")
		require.NotContains(t, name, ":")
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Positive(t, fi.Size())
	}
	_, err = os.Stat(filepath.Join(dir, charts.MarkdownFile))
	require.NoError(t, err)

	// Again into the same directory: refused before the run, unless --force
	// replaces the files.
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"run", "--json", "--report", dir, "EXP-003"}, &stdout, &stderr)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr.String(), "--force")
	require.Empty(t, stdout.String())
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"run", "--json", "--report", dir, "EXP-003", "--force"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	require.Contains(t, stdout.String(), `"final_state"`)
	again, err := os.ReadFile(filepath.Join(dir, charts.HTMLFile))
	require.NoError(t, err)
	require.Equal(t, page, again)
}

func TestRunReportBadDir(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	for _, dir := range []string{file, filepath.Join(file, "report"), ""} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"run", "EXP-001", "--report", dir}, &stdout, &stderr)
		require.Equal(t, exitUsage, code, "dir %q", dir)
		require.Contains(t, stderr.String(), "--report")
		require.Empty(t, stdout.String(), "rejected before the run")
	}
	ents, err := os.ReadDir(base)
	require.NoError(t, err)
	require.Len(t, ents, 1, "nothing written")
}
