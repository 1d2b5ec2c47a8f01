package outfile

import (
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Write writes the file name with fill through a temporary file beside it,
// synced and renamed into place: name is never seen half-written. If fill or
// a write fails, the temporary file is removed, name is left as it was and
// the first error is returned.
func Write(name string, fill func(io.Writer) error) error {
	f, err := Create(name)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// File is an output file being written, as a long run goes: into a
// temporary file beside its target until Commit moves it into place.
type File struct {
	name string
	tmp  *os.File
	err  error // the first write error
}

// Create starts the output file name, creating its missing folders.
func Create(name string) (*File, error) {
	if err := mkdirs(name); err != nil {
		return nil, err
	}
	tmp, err := createTemp(name)
	if err != nil {
		return nil, renamed(err, name)
	}
	return &File{name: name, tmp: tmp}, nil
}

// createTemp creates a new temporary file beside name. Unlike
// os.CreateTemp (mode 0600) it asks for mode 0666, as os.Create does, and
// lets the kernel take the umask (or the folder's default ACL) off it, so
// the file renamed into place has the mode os.Create would have given it;
// reading the umask would need syscall.Umask, which changes it for every
// goroutine while it is read.
func createTemp(name string) (*os.File, error) {
	return tempName(name, func(tmp string) (*os.File, error) {
		return os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	})
}

// tempName calls create with new names ".BASE.tmp-RANDOM" beside name until
// one does not exist yet.
func tempName[T any](name string, create func(tmp string) (T, error)) (T, error) {
	dir, base := filepath.Split(name)
	for try := 0; ; try++ {
		tmp := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		v, err := create(tmp)
		if err == nil || !errors.Is(err, fs.ErrExist) || try == 1000 {
			return v, err
		}
	}
}

// mkdirs creates the missing folders above name, as mkdir -p would.
func mkdirs(name string) error {
	return os.MkdirAll(filepath.Dir(name), 0o777)
}

// renamed returns err with any file name in it replaced by name: a message
// names the user's path, never a temporary file.
func renamed(err error, name string) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return &os.PathError{Op: pe.Op, Path: name, Err: pe.Err}
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return &os.PathError{Op: le.Op, Path: name, Err: le.Err}
	}
	return err
}

// Write writes p; after an error every later Write fails with it, and
// Commit returns it.
func (f *File) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.tmp.Write(p)
	if err != nil {
		f.err = renamed(err, f.name)
	}
	return n, f.err
}

// Commit syncs the file and renames it into place. After any error (a
// failed Write included) the temporary file is removed and the target is
// left as it was.
func (f *File) Commit() error {
	err := f.err
	if err == nil {
		err = f.tmp.Sync()
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.name)
	}
	if err != nil {
		os.Remove(f.tmp.Name())
	}
	return renamed(err, f.name)
}

// Abort discards the file: the target is left as it was.
func (f *File) Abort() {
	if f.err == nil {
		f.err = errors.New("outfile: aborted")
	}
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}
