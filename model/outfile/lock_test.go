//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenLocked (item 5): the second open of a locked output fails at
// once with ErrLocked, naming the file; closing the first releases it.
func TestOpenLocked(t *testing.T) {
	name := filepath.Join(t.TempDir(), "runs", "out.csv")
	f, created, err := OpenLocked(name)
	require.NoError(t, err)
	require.True(t, created)
	_, err = f.WriteString("header\n")
	require.NoError(t, err)

	_, _, err = OpenLocked(name)
	require.True(t, errors.Is(err, ErrLocked), "%v", err)
	require.ErrorContains(t, err, name)

	require.NoError(t, f.Close())
	g, created, err := OpenLocked(name)
	require.NoError(t, err)
	require.False(t, created)
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	require.Equal(t, "header\n", string(data), "opening does not truncate")
	require.NoError(t, g.Close())
}
