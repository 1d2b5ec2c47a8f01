package outfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Write writes the output file name with fill, as Create, Commit and Abort
// do (force as for Create): a regular file (or a new one) through a
// temporary file beside it,
// synced and renamed into place, so it is never seen half-written; anything
// else in place. If fill or a write fails, the first error is returned and a
// regular file is left as it was.
func Write(name string, force bool, fill func(io.Writer) error) error {
	f, err := Create(name, force)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// File is an output file being written, as a long run goes.
type File struct {
	name    string
	f       *os.File // the temporary file, or name itself when in place
	inPlace bool
	force   bool
	err     error // the first write error
}

// ErrExists is wrapped by the error of a write that would replace an
// existing file without force.
var ErrExists = errors.New("already exists")

type existsError struct{ name string }

func (e *existsError) Error() string {
	return e.name + ": already exists: pass --force to replace it"
}
func (e *existsError) Unwrap() error { return ErrExists }

// exists returns an error wrapping ErrExists if name is an existing regular
// file (or a symbolic link to one) and force is not set.
func exists(name string, force bool) error {
	if force {
		return nil
	}
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		return &existsError{name}
	}
	return nil
}

// Create starts the output file name, creating its missing folders. A
// regular file, or a name that does not exist yet, is written into a
// temporary file beside it until Commit renames it into place. Anything
// else (see InPlace) is opened and written in place: a device, a FIFO or
// /dev/stdout must stay what it is, and a FIFO's reader must get the bytes.
//
// An existing regular file (or symbolic link to one) is replaced only with
// force (the --force flag): without, Create fails at once, and Commit
// after it if one has appeared meanwhile, with an error wrapping ErrExists
// that names the file and the flag. Devices and FIFOs are not files one can
// lose and need no force.
func Create(name string, force bool) (*File, error) {
	inPlace, err := InPlace(name)
	if err != nil {
		return nil, err
	}
	if err := exists(name, force); err != nil {
		return nil, err
	}
	if inPlace {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return nil, err
		}
		return &File{name: name, f: f, inPlace: true}, nil
	}
	if err := mkdirs(name); err != nil {
		return nil, err
	}
	tmp, err := createTemp(name)
	if err != nil {
		return nil, renamed(err, name)
	}
	return &File{name: name, f: tmp, force: force}, nil
}

// InPlace reports whether the output name is written in place: whether it
// exists as something other than a regular file or a folder — a device, a
// FIFO, a socket, or a symbolic link (/dev/stdout is one) — which renaming a
// file over would destroy. A folder is an error.
func InPlace(name string) (bool, error) {
	fi, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case fi.IsDir():
		return false, fmt.Errorf("%s: is a directory", name)
	}
	return !fi.Mode().IsRegular(), nil
}

// Write writes p; after an error every later Write fails with it, and
// Commit returns it.
func (f *File) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.f.Write(p)
	if err != nil {
		f.err = renamed(err, f.name)
	}
	return n, f.err
}

// Commit finishes the file: a temporary file is synced and renamed into
// place, and after any error (a failed Write included) removed, leaving the
// target as it was; a file written in place is synced if it is a regular
// file (through a symbolic link) and closed. It returns the first error.
func (f *File) Commit() error {
	err := f.err
	if f.inPlace {
		if fi, serr := f.f.Stat(); err == nil && serr == nil && fi.Mode().IsRegular() {
			err = f.f.Sync()
		}
		if cerr := f.f.Close(); err == nil {
			err = cerr
		}
		return renamed(err, f.name)
	}
	if err == nil {
		err = f.f.Sync()
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.install()
	}
	if err != nil {
		os.Remove(f.f.Name())
	}
	return renamed(err, f.name)
}

// install moves the closed temporary file to its name: by a rename with
// force; else by a hard link, which fails if the name has appeared
// meanwhile, falling back to a check and a rename where the file system
// has no hard links.
func (f *File) install() error {
	tmp := f.f.Name()
	if f.force {
		return os.Rename(tmp, f.name)
	}
	err := os.Link(tmp, f.name)
	switch {
	case err == nil:
		return os.Remove(tmp)
	case errors.Is(err, fs.ErrExist):
		return &existsError{f.name}
	}
	if _, lerr := os.Lstat(f.name); lerr == nil {
		return &existsError{f.name}
	}
	return os.Rename(tmp, f.name)
}

// Check reports at once what would stop Create(name, force) — an existing
// file without force, a folder in its place, a file standing where one of
// its folders goes — so that a long run can refuse before it starts.
func Check(name string, force bool) error {
	if _, err := InPlace(name); err != nil {
		return err
	}
	if err := exists(name, force); err != nil {
		return err
	}
	return CheckDir(filepath.Dir(name), nil, false)
}

// Abort discards the file: a regular target is left as it was; what was
// written in place stays written.
func (f *File) Abort() {
	if f.err == nil {
		f.err = errors.New("outfile: aborted")
	}
	f.f.Close()
	if !f.inPlace {
		os.Remove(f.f.Name())
	}
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
