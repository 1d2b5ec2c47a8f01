package sweep

import (
	"bufio"
	"container/heap"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/agentchaos/agentchaos/model/outfile"
	"github.com/agentchaos/agentchaos/scenarios"
)

// MergeResult is what a merge did.
type MergeResult struct {
	Out       string
	PointsOut string
	Runs      int
	Files     int
}

// Merge combines the results files of a sharded sweep (any files of one
// spec whose rows together hold every run index exactly once) into the
// canonical results file out, byte-identical to an unsharded run, and writes
// its per-point aggregates next to it (unless out is not a regular file, a
// FIFO or a device, which cannot be read back). It streams: memory does not grow
// with the number of runs.
//
// The files must come from the same spec (same fingerprint), have the same
// format as out, and end in a complete line. A run index that is in no file
// or in two is an *scenarios.Error; out is then not written. Without force
// an existing out or points file is refused before anything is read, with
// an error wrapping outfile.ErrExists.
func Merge(files []string, out string, force bool) (MergeResult, error) {
	res := MergeResult{Out: out, Files: len(files)}
	if len(files) == 0 {
		return res, &scenarios.Error{Source: out, Msg: "no files to merge"}
	}
	inPlace, err := outfile.InPlace(out)
	if err != nil {
		return res, err
	}
	if err := outfile.Check(out, force); err != nil {
		return res, err
	}
	if !inPlace {
		if err := outfile.Check(pointsPath(out), force); err != nil {
			return res, err
		}
	}
	var readers []*mergeSource
	defer func() {
		for _, r := range readers {
			r.f.Close()
		}
	}()
	var h Header
	for i, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return res, &scenarios.Error{Source: name, Msg: err.Error()}
		}
		rr, err := newRowReader(name, f)
		if err != nil {
			f.Close()
			return res, err
		}
		src := &mergeSource{f: f, rr: rr}
		readers = append(readers, src)
		if i == 0 {
			h = rr.h
			continue
		}
		switch {
		case rr.h.Spec != h.Spec:
			return res, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: fmt.Sprintf("comes from another sweep spec, or another version of agentchaos (%s), than %s (%s)", rr.h.Spec, files[0], h.Spec)}
		case rr.h.Format != h.Format:
			return res, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: fmt.Sprintf("is %s, %s is %s", rr.h.Format, files[0], h.Format)}
		case rr.h.Runs != h.Runs || rr.h.Replications != h.Replications || strings.Join(rr.h.Axes, "\x00") != strings.Join(h.Axes, "\x00"):
			return res, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: fmt.Sprintf("its header does not match %s's", files[0])}
		}
	}
	if f := formatOf(out); f != h.Format {
		return res, &scenarios.Error{Source: out, Msg: fmt.Sprintf("the files are %s; name the output .%s", h.Format, h.Format)}
	}
	h.Shard = Shard{0, 1}
	res.Runs = h.Runs
	q := &mergeQueue{}
	for _, src := range readers {
		if err := src.advance(); err != nil {
			return res, err
		}
		if src.line != nil {
			heap.Push(q, src)
		}
	}
	err = outfile.Write(out, force, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.Write(h.encode())
		want := 0
		var missing, dups firstFew
		var dupFiles [][2]string
		lastFile := ""
		for q.Len() > 0 {
			src := (*q)[0]
			idx := src.row.Index
			switch {
			case idx < want: // already written from another file
				if dups.n == 0 {
					dupFiles = append(dupFiles, [2]string{lastFile, src.rr.name})
				}
				dups.add(idx)
			default:
				for ; want < idx; want++ {
					missing.add(want)
				}
				bw.Write(src.line)
				want++
				lastFile = src.rr.name
			}
			if err := src.advance(); err != nil {
				return err
			}
			if src.line == nil {
				heap.Pop(q)
			} else {
				heap.Fix(q, 0)
			}
		}
		if want < h.Runs {
			missing.n += h.Runs - want
			for ; want < h.Runs && len(missing.first) < 5; want++ {
				missing.first = append(missing.first, want)
			}
		}
		if dups.n > 0 {
			return &scenarios.Error{Source: dupFiles[0][1], Msg: fmt.Sprintf("%d run indices appear more than once, the first %s (also in %s): merge each shard once", dups.n, dups, dupFiles[0][0])}
		}
		if missing.n > 0 {
			return &scenarios.Error{Source: out, Msg: fmt.Sprintf("%d of %d run indices are in none of the files, the first %s: a shard is missing or unfinished (finish it with sweep --resume)", missing.n, h.Runs, missing)}
		}
		return bw.Flush()
	})
	if err != nil || inPlace {
		return res, err // no points beside a FIFO or a device: it cannot be read back
	}
	res.PointsOut = pointsPath(out)
	return res, writePointsFile(out, res.PointsOut, force)
}

// firstFew counts integers and keeps the first five.
type firstFew struct {
	n     int
	first []int
}

func (f *firstFew) add(x int) {
	f.n++
	if len(f.first) < 5 {
		f.first = append(f.first, x)
	}
}

func (f firstFew) String() string {
	var b strings.Builder
	for i, x := range f.first {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, x)
	}
	if f.n > len(f.first) {
		b.WriteString(", …")
	}
	return b.String()
}

// mergeSource is one input file of a merge, positioned on its next row.
type mergeSource struct {
	f    *os.File
	rr   *rowReader
	line []byte // nil at the end
	row  resultRow
}

func (m *mergeSource) advance() error {
	prev := -1
	if m.line != nil {
		prev = m.row.Index
	}
	line, row, err := m.rr.next()
	switch {
	case err == io.EOF:
		m.line = nil
		return nil
	case err == errTorn:
		return &scenarios.Error{Source: m.rr.name, Line: m.rr.line + 1, Col: 1, Msg: "ends in a torn line: that shard was interrupted; finish it with sweep --resume"}
	case err != nil:
		return err
	case row.Index <= prev:
		return &scenarios.Error{Source: m.rr.name, Line: m.rr.line, Col: 1, Msg: fmt.Sprintf("run index %d after %d: rows out of order", row.Index, prev)}
	}
	m.line, m.row = append(m.line[:0], line...), row
	return nil
}

// mergeQueue orders sources by their next run index.
type mergeQueue []*mergeSource

func (q mergeQueue) Len() int           { return len(q) }
func (q mergeQueue) Less(i, j int) bool { return q[i].row.Index < q[j].row.Index }
func (q mergeQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *mergeQueue) Push(x any)        { *q = append(*q, x.(*mergeSource)) }
func (q *mergeQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
