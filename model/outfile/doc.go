// Package outfile is the one way agentchaos writes its output files: sweep
// results and aggregates, merged sweeps, phase diagrams, traces, report
// directories and calibrated profiles all go through it.
//
// A regular file, or a name that does not exist yet, is written into a
// temporary file beside it, synced to disk and renamed into place ([Write],
// or [Create] for a file written as a long run goes, such as a trace), so no
// reader ever sees it half-written and a failure leaves it as it was. Any
// other output — a device, a FIFO, a symbolic link such as /dev/stdout — is
// written in place ([InPlace]): renaming a file over it would replace the
// device node or the FIFO and its reader would get nothing. A report
// directory is written as a whole ([WriteDir]). A log that a long run
// appends to in place and a later run resumes, such as a sweep's results,
// is opened under an exclusive advisory lock ([OpenLocked]): a second
// writer refuses at once. Missing folders are created; errors name the
// user's path, never a temporary file.
//
// One rule for every command: an existing file is never replaced unless the
// caller says force (the --force flag); the refusal wraps [ErrExists] and
// names the file and the flag, and [Check] and [CheckDir] let a command
// refuse before a long run rather than after it. Devices and FIFOs hold
// nothing to lose and need no force.
//
// Modes: a file gets 0666 and a folder 0777, less the umask (or as the
// folder's default ACL says), exactly as os.Create and os.Mkdir give them:
// the kernel applies the umask when the temporary file is created, and
// nothing reads or changes the process's umask.
//
// Invariants: no temporary file or directory outlives a call that
// returned, and a regular file is never left half-written. Nothing here
// panics; on systems without flock, OpenLocked takes no lock.
package outfile
