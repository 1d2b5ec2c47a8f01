package scenarios

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/agentchaos/agentchaos/model"
)

// traceField is the scenario field that names a trace file.
const traceField = "agents.trace.file"

// maxTraceValue bounds a trace's times and rates, as the model bounds
// every duration and factor.
const maxTraceValue = 1e9

// readTraceFile reads the scenario's trace file, if it names one, into
// agents.trace.times (a file of one timestamp a line) or
// agents.trace.rates (a file of "t,rate" lines), relative to dir. data and
// source are the scenario's, for messages about the field; a problem in the
// file itself is an *Error at its line:column. With dir "" (a scenario that
// is not a file: an embedded profile) the file is left unread, for the
// model to refuse.
func readTraceFile(cfg *model.Config, data []byte, source, dir string) error {
	t := cfg.Agents.Trace
	if t == nil || t.File == "" || dir == "" {
		return nil
	}
	if len(t.Times) > 0 || len(t.Rates) > 0 {
		return ErrorAt(data, source, traceField, "set file, or times or rates, not both")
	}
	name := t.File
	if !filepath.IsAbs(name) {
		name = filepath.Join(dir, name)
	}
	f, err := os.Open(name)
	if err != nil {
		return ErrorAt(data, source, traceField, "cannot read the trace file: "+err.Error())
	}
	defer f.Close()
	t.Times, t.Rates, err = parseTrace(f, name)
	return err
}

// parseTrace reads a trace CSV: one timestamp (seconds, non-decreasing) a
// line, or "t,rate" lines (t in seconds, increasing; rate in requests per
// second), every line with the same number of fields. Blank lines and
// lines starting with '#' are skipped, and so is a first line that is not
// numbers (a header such as "t,rate"). Values are finite, non-negative and
// at most 1e9; at most model.MaxTraceEntries lines.
func parseTrace(r io.Reader, name string) ([]float64, []model.RateStep, error) {
	fail := func(line, col int, format string, a ...any) error {
		return &Error{Source: name, Line: line, Col: col, Field: traceField, Msg: fmt.Sprintf(format, a...)}
	}
	var times []float64
	var rates []model.RateStep
	br := bufio.NewReaderSize(r, 1<<16)
	fields, entries, header := 0, 0, true
	for line := 1; ; line++ {
		text, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, nil, fail(line, 1, "reading: %v", err)
		}
		if text == "" && err == io.EOF {
			break
		}
		text = strings.TrimRight(text, "\r\n")
		if trimmed := strings.TrimSpace(text); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		parts := strings.Split(text, ",")
		vals := make([]float64, len(parts))
		col, bad := 1, -1
		cols := make([]int, len(parts))
		for i, p := range parts {
			cols[i] = col
			x, perr := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if perr != nil && bad < 0 {
				bad = i
			}
			vals[i] = x
			col += len([]rune(p)) + 1
		}
		if bad >= 0 {
			if header && entries == 0 {
				header = false // a header line
				continue
			}
			return nil, nil, fail(line, cols[bad], "not a number: %q", strings.TrimSpace(parts[bad]))
		}
		header = false
		switch {
		case fields == 0 && (len(parts) == 1 || len(parts) == 2):
			fields = len(parts)
		case fields == 0:
			return nil, nil, fail(line, 1, "a line has one field (a timestamp) or two (t,rate), not %d", len(parts))
		case len(parts) != fields:
			return nil, nil, fail(line, 1, "has %d fields where the first line has %d", len(parts), fields)
		}
		for i, x := range vals {
			if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > maxTraceValue {
				return nil, nil, fail(line, cols[i], "must be a number in [0, %g] (got %s)", maxTraceValue, strings.TrimSpace(parts[i]))
			}
		}
		if entries++; entries > model.MaxTraceEntries {
			return nil, nil, fail(line, 1, "more than %d entries", model.MaxTraceEntries)
		}
		if fields == 1 {
			if n := len(times); n > 0 && vals[0] < times[n-1] {
				return nil, nil, fail(line, 1, "goes back in time (%g after %g)", vals[0], times[n-1])
			}
			times = append(times, vals[0])
			continue
		}
		if n := len(rates); n > 0 && !(vals[0] > rates[n-1].T) {
			return nil, nil, fail(line, 1, "t must be after the previous line's (%g after %g)", vals[0], rates[n-1].T)
		}
		rates = append(rates, model.RateStep{T: vals[0], Rate: vals[1]})
	}
	if entries == 0 {
		return nil, nil, &Error{Source: name, Field: traceField, Msg: "has no entries"}
	}
	return times, rates, nil
}
