package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DirFile is one file of a directory written by WriteDir.
type DirFile struct {
	Name string // a file name, without a separator
	Data []byte
}

// WriteDir puts files into dir so that no reader sees a half-written one.
// Without force it first refuses, with an error wrapping ErrExists, if
// any of the files exists in dir. Then
// it writes them into a new temporary directory beside dir, then renames
// that directory to dir if dir does not exist, or else renames the files
// one by one into it, in order (so a page listed last never points at a
// file of another run). Files of dir that are not in files are kept. On
// any error the temporary directory is removed and dir is left as it was,
// but for the files already renamed into it.
func WriteDir(dir string, force bool, files []DirFile) (err error) {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	if err := CheckDir(dir, names, force); err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	exists := false
	switch fi, err := os.Stat(dir); {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("directory %s: exists and is not a directory", dir)
	case err == nil:
		exists = true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o777); err != nil {
		return err
	}
	// Mode 0777 less the umask, as os.Mkdir gives (os.MkdirTemp's is 0700).
	tmp, err := tempName(dir, func(tmp string) (string, error) { return tmp, os.Mkdir(tmp, 0o777) })
	if err != nil {
		return renamed(err, dir)
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); err == nil && rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}()
	for _, f := range files {
		if err := writeNew(filepath.Join(tmp, f.Name), f.Data); err != nil {
			return renamed(err, filepath.Join(dir, f.Name))
		}
	}
	if !exists {
		if err := os.Rename(tmp, dir); err == nil {
			return nil
		}
		// Someone created dir meanwhile: fall through to file by file.
		if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() {
			return fmt.Errorf("directory %s: cannot create it", dir)
		}
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(tmp, f.Name), filepath.Join(dir, f.Name)); err != nil {
			return renamed(err, filepath.Join(dir, f.Name))
		}
	}
	return nil
}

// writeNew creates the file name, which must not exist, with mode 0666
// less the umask, and writes data to it, synced.
func writeNew(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// CheckDir reports at once what would stop WriteDir(dir, force, files
// named names) before it writes anything, so that a long run can fail
// before it starts: an empty name, dir or one of its ancestors existing as
// something other than a directory, or, without force, one of the files
// named existing in dir. Missing folders are not a problem: WriteDir
// creates them.
func CheckDir(dir string, names []string, force bool) error {
	if dir == "" {
		return errors.New("empty directory name")
	}
	for _, n := range names {
		if err := exists(filepath.Join(dir, n), force); err != nil {
			return err
		}
	}
	for p := filepath.Clean(dir); ; {
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			return nil
		case err == nil:
			return fmt.Errorf("%s: exists and is not a directory", p)
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}
