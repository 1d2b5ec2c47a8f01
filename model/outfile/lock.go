package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrLocked is wrapped by the error of OpenLocked when another process (or
// another open file in this one) holds the output's lock.
var ErrLocked = errors.New("another process is writing it")

// OpenLocked opens the output file name for reading and writing in place,
// for a long run that appends to it as it goes and a later run that
// resumes it, creating it (mode 0666 less the umask) and its missing
// folders if need be; created says whether this call created it. It takes
// an exclusive advisory lock on the file (flock) that lasts as long as the
// file stays open, and fails at once, with an error wrapping ErrLocked, if
// another holds it: two runs never write one output at once. On systems
// without flock there is no lock. name must be a regular file or not
// exist.
func OpenLocked(name string) (f *os.File, created bool, err error) {
	if err := mkdirs(name); err != nil {
		return nil, false, err
	}
	f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	created = err == nil
	if errors.Is(err, fs.ErrExist) {
		f, err = os.OpenFile(name, os.O_RDWR, 0)
	}
	if err != nil {
		return nil, false, err
	}
	if err := lock(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, false, fmt.Errorf("%s: %w (its lock is held): wait for it to finish, or choose another output", name, ErrLocked)
		}
		return nil, false, &os.PathError{Op: "lock", Path: name, Err: err}
	}
	return f, created, nil
}
