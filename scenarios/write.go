package scenarios

import (
	"io"
	"os"
	"path/filepath"
)

// WriteAtomic writes a file through a temporary file beside it, synced and
// renamed into place, so name is never seen half-written; on an error the
// temporary file is removed and name is left as it was.
func WriteAtomic(name string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	err = fill(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
