package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressLine is the one status line long work draws on stderr while
// stderr is a terminal: what is done of the total, in what unit, the
// percentage and the time left at the pace so far. It redraws at most five
// times a second; it is safe for use by several goroutines.
type progressLine struct {
	w     io.Writer
	what  string
	start time.Time
	mu    sync.Mutex
	last  time.Time
	drawn bool
}

// newProgress returns a progress line for w, or nil (which draws nothing)
// when w is not a terminal.
func newProgress(w io.Writer, what string) *progressLine {
	if !isTerminal(w) {
		return nil
	}
	return &progressLine{w: w, what: what, start: time.Now()}
}

// update redraws the line: done of total (total 0: unknown), in unit, then
// detail. The time left is estimated from the share done since start, less
// skipped (work found already done, as a resumed sweep's runs).
func (p *progressLine) update(done, total, skipped float64, unit, detail string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond && done != total {
		return
	}
	p.last, p.drawn = now, true
	line := fmt.Sprintf("%s: %s", p.what, count(done))
	if total > 0 {
		line += fmt.Sprintf("/%s %s (%.0f%%)", count(total), unit, 100*min(done/total, 1))
	} else {
		line += " " + unit
	}
	if detail != "" {
		line += "  " + detail
	}
	line += "  ETA " + eta(now.Sub(p.start), done-skipped, total-done)
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
}

// clear erases the line, so that what follows starts on a clean line.
func (p *progressLine) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// eta is the time left to do left more, at the pace of done in elapsed.
func eta(elapsed time.Duration, done, left float64) string {
	if left <= 0 {
		return "0s"
	}
	if done <= 0 || elapsed <= 0 {
		return "?"
	}
	d := time.Duration(float64(elapsed) / done * left)
	if d > 24*time.Hour {
		return ">1 day"
	}
	return d.Round(time.Second).String()
}

// count formats a count or a number of seconds for a progress line.
func count(x float64) string {
	if x == float64(int64(x)) {
		return fmt.Sprintf("%d", int64(x))
	}
	return fmt.Sprintf("%.1f", x)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
