package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/scenarios"
)

// Options are a sweep run's settings; none of them changes a result.
type Options struct {
	// Out is the results file; its name chooses the format: JSON Lines
	// for .jsonl, else CSV.
	Out string
	// Workers is the number of runs simulated at once; 0 means
	// runtime.NumCPU().
	Workers int
	// Resume continues an existing Out instead of refusing to overwrite
	// it, and replaces its points file. A missing Out is started afresh.
	Resume bool
	// Force starts an existing Out afresh and replaces its points file;
	// without Force or Resume an existing one is refused before anything
	// runs. Force and Resume exclude each other.
	Force bool
	// Shard restricts the sweep to a share of the runs; the zero Shard is
	// the whole sweep.
	Shard Shard
	// Progress, if set, is called after each row is written, from the
	// goroutine that called Run.
	Progress func(Progress)
}

// Progress is how far a sweep is.
type Progress struct {
	Done    int    // rows in the file, resumed ones included
	Total   int    // rows the file will have (this shard's runs)
	Resumed int    // rows that were already there
	Events  uint64 // kernel events fired by the runs of this call
}

// Result is what a sweep did.
type Result struct {
	Out       string
	PointsOut string // "" unless the whole sweep is complete and unsharded
	Total     int    // rows of this shard
	Resumed   int    // rows found written by an earlier, interrupted call
	Ran       int    // rows run and written by this call
	Events    uint64 // kernel events fired by this call's runs
}

// ErrInterrupted is returned (wrapped with the context's error) when the
// context is cancelled during a sweep: every row that was written is kept,
// and the sweep can be finished with Resume.
var ErrInterrupted = errors.New("sweep interrupted; finish it with --resume")

// Run runs the spec's runs (or opt.Shard's share of them) on opt.Workers
// goroutines and writes one row per run to opt.Out, strictly in run-index
// order, each row a complete line written by one write call: after a crash
// at any moment the file holds whole rows 0..k-1 and at most one torn line,
// and a Run with Resume drops the torn line and goes on from row k. The
// result file is byte-identical whatever the worker count, and whether or
// not the sweep was interrupted and resumed.
//
// Runs that finish out of order wait in a reorder buffer of at most
// 4·Workers+4 rows for their predecessors; nothing else of a run is kept,
// so memory does not grow with the number of points.
//
// When ctx is cancelled Run stops dispatching runs, lets those in flight
// finish, writes every row it can write in order and returns an error
// wrapping ErrInterrupted and ctx.Err().
//
// When the whole (unsharded) sweep is complete, Run writes the per-point
// aggregates next to opt.Out: out.csv → out.points.csv; not when opt.Out is
// not a regular file (a FIFO, a device), which it cannot read back.
func Run(ctx context.Context, s *Spec, opt Options) (Result, error) {
	sh := opt.Shard.norm()
	if sh.Index < 0 || sh.Index >= sh.Count {
		return Result{}, fmt.Errorf("bad shard %d/%d", sh.Index, sh.Count)
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if opt.Force && opt.Resume {
		return Result{}, errors.New("resume and force exclude each other: resume finishes a sweep, force starts it afresh")
	}
	format := formatOf(opt.Out)
	h := s.header(format, sh)
	res := Result{Out: opt.Out, Total: sh.size(s.Runs())}

	// An existing points file is refused before anything runs.
	if sh.Count == 1 && !isStream(opt.Out) {
		if err := outfile.Check(pointsPath(opt.Out), opt.Force || opt.Resume); err != nil {
			return res, err
		}
	}
	f, done, regular, err := openResults(opt.Out, h, opt.Resume, opt.Force)
	if err != nil {
		return res, err
	}
	res.Resumed = done
	err = s.runRows(ctx, f, h, sh, done, workers, &res, opt.Progress)
	if err == nil && regular {
		err = f.Sync()
	}
	if err == nil && regular && sh.Count == 1 {
		// Still under the results file's lock.
		res.PointsOut = pointsPath(opt.Out)
		err = writePointsFile(opt.Out, res.PointsOut, opt.Force || opt.Resume)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return res, err
}

// openResults opens the results file for appending rows and returns how
// many rows it already holds, and whether it is a regular file. A regular
// file is written in place and locked (outfile.OpenLocked) until it is
// closed, so a second sweep of the same file refuses at once; a new one
// gets its header, synced, before any row (a crash before that leaves a
// file that --resume starts afresh). An output that is not a regular file
// (a FIFO, a device, /dev/stdout) is a stream: written in place from the
// header on, never read back, so never resumed.
func openResults(out string, h Header, resume, force bool) (*os.File, int, bool, error) {
	want := h.encode()
	if isStream(out) {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_TRUNC, 0)
		if err == nil {
			_, err = f.Write(want)
		}
		if err != nil {
			if f != nil {
				f.Close()
			}
			return nil, 0, false, err
		}
		return f, 0, false, nil
	}
	f, created, err := outfile.OpenLocked(out)
	if err != nil {
		return nil, 0, false, err
	}
	done, err := resumeResults(f, out, h, want, created || resume, force)
	if err != nil {
		f.Close()
		return nil, 0, false, err
	}
	return f, done, true, nil
}

// isStream reports whether the results output out is not a regular file
// (a FIFO, a device, /dev/stdout): written in place from the header on,
// never read back.
func isStream(out string) bool {
	fi, err := os.Stat(out)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// resumeResults checks what the locked results file f already holds,
// refusing an existing file unless mayResume or force (which empties it),
// drops a torn tail, writes the header into an empty file, and leaves f
// positioned at its end. It returns the number of rows already there.
func resumeResults(f *os.File, out string, h Header, want []byte, mayResume, force bool) (int, error) {
	if !mayResume && !force {
		return 0, &scenarios.Error{Source: out, Msg: "already exists: pass --resume to finish it, or --force to start it afresh"}
	}
	var data []byte
	var err error
	if force {
		err = f.Truncate(0)
	} else {
		data, err = io.ReadAll(f)
	}
	if err != nil {
		return 0, err
	}
	done, keep := 0, 0
	if len(data) > 0 && !(len(data) < len(want) && bytes.HasPrefix(want, data)) {
		// Not merely a header cut short: check it is this sweep's file.
		if done, keep, err = scanResults(out, data, h); err != nil {
			return 0, err
		}
	}
	if keep < len(data) {
		if err := f.Truncate(int64(keep)); err != nil {
			return 0, err
		}
	}
	if keep == 0 {
		if _, err := f.WriteAt(want, 0); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		keep = len(want)
	}
	_, err = f.Seek(int64(keep), io.SeekStart)
	return done, err
}

// scanResults checks an existing results file against the header it
// should have, and returns the number of valid rows in it and the length
// to keep: everything up to the end of the last valid row. A torn or
// garbled tail (what a crash can leave) is dropped; a bad row followed by
// good ones is an error.
func scanResults(name string, data []byte, h Header) (done, keep int, err error) {
	rr, err := newRowReader(name, bytes.NewReader(data))
	if err != nil {
		return 0, 0, err
	}
	if got := rr.h.encode(); !bytes.Equal(got, h.encode()) {
		switch {
		case rr.h.Spec != h.Spec:
			return 0, 0, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: fmt.Sprintf("was written by another sweep spec, or another version of agentchaos (%s; this one is %s, agentchaos %s): start afresh with --force, or choose another --out", rr.h.Spec, h.Spec, model.Version())}
		case rr.h.Shard != h.Shard:
			return 0, 0, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: fmt.Sprintf("holds shard %s, not %s", rr.h.Shard, h.Shard)}
		default:
			return 0, 0, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: "its header does not match this sweep's (format or columns differ)"}
		}
	}
	keep = int(rr.off)
	var bad error // the first bad line; only garbage may follow it
	for {
		_, row, err := rr.next()
		if err == io.EOF || err == errTorn {
			return done, keep, nil
		}
		if bad != nil {
			if err == nil {
				return 0, 0, fmt.Errorf("%w (and valid rows follow it: not the tail a crash leaves; the file is corrupt)", bad)
			}
			continue
		}
		if err == nil && row.Index != h.Shard.Index+done*h.Shard.Count {
			err = &scenarios.Error{Source: name, Line: rr.line, Col: 1, Msg: fmt.Sprintf("run index %d where %d was expected", row.Index, h.Shard.Index+done*h.Shard.Count)}
		}
		if err != nil {
			bad = err
			continue
		}
		done++
		keep = int(rr.off)
	}
}

// writePointsFile writes the per-point aggregates of a complete results
// file, atomically.
func writePointsFile(results, points string, force bool) error {
	f, err := os.Open(results)
	if err != nil {
		return err
	}
	defer f.Close()
	return outfile.Write(points, force, func(w io.Writer) error { return writePoints(w, results, f) })
}

// runRows runs the shard's rows from position done on and appends them to f
// in order, on workers goroutines (package replicate).
func (s *Spec) runRows(ctx context.Context, f io.Writer, h Header, sh Shard, done, workers int, res *Result, progress func(Progress)) error {
	total := res.Total
	if done >= total {
		return nil
	}
	type row struct {
		line   []byte
		events uint64
	}
	err := replicate.Ordered(ctx, total-done, workers, func() *runner { return s.newRunner(h) },
		func(r *runner, i int) (row, error) {
			line, ev, err := r.run(sh.Index + (done+i)*sh.Count)
			return row{line, ev}, err
		},
		func(i int, r row) error {
			if _, err := f.Write(r.line); err != nil {
				return fmt.Errorf("writing %s: %w", res.Out, err)
			}
			res.Ran++
			res.Events += r.events
			if progress != nil {
				progress(Progress{Done: done + i + 1, Total: total, Resumed: done, Events: res.Events})
			}
			return nil
		})
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Cause(ctx)) {
		return fmt.Errorf("%w: %w", ErrInterrupted, err)
	}
	return err
}

// runner runs single runs of a spec and formats their rows; one per worker.
// It keeps what one run can hand the next: the model's memory (a
// model.Runner) and the last point's configuration, which the point's
// further replications reuse.
type runner struct {
	s     *Spec
	h     Header
	keys  [][]byte
	vals  []axisValue
	buf   []byte
	model model.Runner
	point int           // the point of cfg; -1 for none
	cfg   *model.Config // its configuration
}

func (s *Spec) newRunner(h Header) *runner {
	r := &runner{s: s, h: h, point: -1}
	for _, a := range h.Axes {
		k, _ := json.Marshal(a)
		r.keys = append(r.keys, k)
	}
	return r
}

// run simulates run index and returns its row's line.
func (r *runner) run(index int) ([]byte, uint64, error) {
	s := r.s
	p, rep := index/s.Replications, index%s.Replications
	if p != r.point {
		r.vals = s.pointValues(p, r.vals)
		cfg, err := s.pointConfig(p, r.vals)
		if err != nil {
			r.point = -1
			return nil, 0, err
		}
		r.point, r.cfg = p, cfg
	}
	cfg := r.cfg
	cfg.Seed = replicate.Seed(s.Seed, rep)
	rep2, err := r.model.Run(cfg, model.Options{})
	if err != nil {
		return nil, 0, fmt.Errorf("run %d (point %d, replication %d): %w", index, p, rep, err)
	}
	row := newRow(index, p, rep, cfg.Seed, &rep2)
	r.buf = appendRow(r.buf[:0], r.h.Format, r.keys, &row, r.vals)
	return bytes.Clone(r.buf), rep2.Events, nil
}
