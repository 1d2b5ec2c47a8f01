package sweep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/agentchaos/agentchaos/scenarios"
)

// Result formats.
const (
	formatCSV   = "csv"
	formatJSONL = "jsonl"
)

// formatOf returns the result format of a file name: JSONL for .jsonl,
// else CSV.
func formatOf(name string) string {
	if strings.EqualFold(filepath.Ext(name), ".jsonl") {
		return formatJSONL
	}
	return formatCSV
}

// pointsPath returns the name of the per-point aggregate file that goes
// with results file name: "out.csv" → "out.points.csv".
func pointsPath(name string) string {
	ext := filepath.Ext(name)
	return strings.TrimSuffix(name, ext) + ".points" + ext
}

// Shard is a share of a sweep's runs: the run indices i with i % Count ==
// Index. Index is 0-based, 0 ≤ Index < Count. The zero Shard is the whole.
type Shard struct{ Index, Count int }

func (s Shard) norm() Shard {
	if s.Count == 0 {
		return Shard{0, 1}
	}
	return s
}

func (s Shard) String() string { s = s.norm(); return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ParseShard parses "i/n" (0 ≤ i < n).
func ParseShard(text string) (Shard, error) {
	a, b, ok := strings.Cut(text, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 0 ≤ i < n (0-based), e.g. 0/4", text)
	}
	return Shard{i, n}, nil
}

// size returns the number of the runs [0, runs) in the shard.
func (s Shard) size(runs int) int {
	s = s.norm()
	if s.Index >= runs {
		return 0
	}
	return (runs-s.Index-1)/s.Count + 1
}

// Header is what a results file says about itself.
//
// A sweep writes one row per run, in run-index order, to a CSV file (the
// default) or a JSON Lines file (when its name ends in .jsonl). Run index i
// is point i/replications, replication i%replications.
//
// A CSV results file starts with a comment line and a column header:
//
//	# agentchaos-sweep/2 spec=sha256:… runs=40 points=20 replications=2 shard=0/1
//	index,point,rep,seed,agents.count,queue.buffer,created,served,failed,error_rate,latency_avg,latency_p50,latency_p95,latency_p99,final_state,break_point,events,attempts,amplification,goodput,throughput,retries,zombies,zombie_work,pool_exhausted,breaker_trips,breaker_open,budget_denied,throttled,net_lost,net_reset,shed_limit,shed_codel,shed_priority,slo_verdict,slo_violated,recovery_time
//
// (read it with pandas.read_csv(f, comment="#")). A JSON Lines file starts
// with one header object
//
//	{"agentchaos_sweep":2,"spec":"sha256:…","runs":40,"points":20,"replications":2,"shard":"0/1","axes":["agents.count","queue.buffer"]}
//
// and has one object per run with the same fields as the CSV columns, the
// axis values under "axes". Latencies and the break-point are in seconds;
// break_point is empty (null) for a STABLE run.
//
// The columns after events are the figures of the client, the network, the
// overload defences and the steady-state hypothesis (model.Report's Client,
// Network, Defences and SLO), zero where the scenario lacks the stage:
// attempts sent and amplification (attempts per request; a run without a
// client sends one attempt per request), goodput (requests that succeeded
// for their client, per second), throughput (attempts a worker finished,
// per second: the server's work), retries, zombies and zombie_work (worker
// seconds spent on attempts whose client had given up), pool_exhausted,
// breaker_trips, breaker_open (seconds), budget_denied, throttled, net_lost
// and net_reset (both directions), shed_limit, shed_codel and
// shed_priority; slo_verdict (held, recovered, unjudged, violated or
// metastable; empty without an SLO), slo_violated (seconds in violation;
// empty without an SLO) and recovery_time (seconds from the end of the
// trigger; empty unless recovered).
//
// Numbers are formatted with
// strconv, shortest round-trip form: the bytes are the same on every run and
// every machine.
//
// The spec fingerprint ties a file to its sweep: a resume or a merge refuses
// a file written by another spec. The shard field is 0/1 for a whole sweep,
// so a merged file is byte-identical to an unsharded run.
type Header struct {
	Format       string // "csv" or "jsonl"
	Spec         string // the spec's fingerprint
	Runs         int
	Points       int
	Replications int
	Shard        Shard
	Axes         []string
}

// Format version 2 appended the client, network, defence and SLO columns
// to version 1's.
const (
	csvMagic   = "# agentchaos-sweep/2 "
	jsonlMagic = `{"agentchaos_sweep":2,`

	csvMagicV1   = "# agentchaos-sweep/1 "
	jsonlMagicV1 = `{"agentchaos_sweep":1,`
)

func (s *Spec) header(format string, sh Shard) Header {
	return Header{Format: format, Spec: s.hash, Runs: s.Runs(), Points: s.npoints,
		Replications: s.Replications, Shard: sh.norm(), Axes: s.axisPaths()}
}

// encode returns the header's lines.
func (h Header) encode() []byte {
	var b bytes.Buffer
	if h.Format == formatJSONL {
		axes, _ := json.Marshal(h.Axes)
		fmt.Fprintf(&b, `%s"spec":%q,"runs":%d,"points":%d,"replications":%d,"shard":"%s","axes":%s}`+"\n",
			jsonlMagic, h.Spec, h.Runs, h.Points, h.Replications, h.Shard, axes)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "%sspec=%s runs=%d points=%d replications=%d shard=%s\n", csvMagic, h.Spec, h.Runs, h.Points, h.Replications, h.Shard)
	b.WriteString("index,point,rep,seed")
	for _, a := range h.Axes {
		b.WriteByte(',')
		b.WriteString(csvField(a))
	}
	for _, c := range rowColumns {
		b.WriteByte(',')
		b.WriteString(c.name)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// readHeader reads a results file's header lines.
func readHeader(br *bufio.Reader) (Header, []byte, error) {
	first, err := br.ReadBytes('\n')
	if err != nil {
		if errors.Is(err, syscall.EISDIR) {
			return Header{}, first, errors.New("is a directory, not a results file")
		}
		if !errors.Is(err, io.EOF) { // a device that fails: say so
			return Header{}, first, fmt.Errorf("cannot be read: %w", err)
		}
		return Header{}, first, errors.New("no complete header line")
	}
	line := string(bytes.TrimSuffix(first, []byte("\n")))
	var h Header
	switch {
	case strings.HasPrefix(line, csvMagic):
		h.Format = formatCSV
		for _, kv := range strings.Fields(line[len(csvMagic):]) {
			k, v, _ := strings.Cut(kv, "=")
			var err error
			switch k {
			case "spec":
				h.Spec = v
			case "runs":
				h.Runs, err = strconv.Atoi(v)
			case "points":
				h.Points, err = strconv.Atoi(v)
			case "replications":
				h.Replications, err = strconv.Atoi(v)
			case "shard":
				h.Shard, err = ParseShard(v)
			}
			if err != nil {
				return h, first, fmt.Errorf("bad header field %s: %v", kv, err)
			}
		}
		cols, err := br.ReadBytes('\n')
		all := append(first, cols...)
		if err != nil {
			return h, all, errors.New("no complete column header line")
		}
		names, err := splitCSV(string(bytes.TrimSuffix(cols, []byte("\n"))))
		if err != nil || len(names) < 4+len(rowColumns) || strings.Join(names[:4], ",") != "index,point,rep,seed" ||
			strings.Join(names[len(names)-len(rowColumns):], ",") != strings.Join(columnNames(), ",") {
			return h, all, errors.New("not the column header of a sweep results file")
		}
		h.Axes = names[4 : len(names)-len(rowColumns)]
		return h, all, h.check()
	case strings.HasPrefix(line, jsonlMagic):
		var j struct {
			Spec         string   `json:"spec"`
			Runs         int      `json:"runs"`
			Points       int      `json:"points"`
			Replications int      `json:"replications"`
			Shard        string   `json:"shard"`
			Axes         []string `json:"axes"`
		}
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			return h, first, fmt.Errorf("bad header: %v", err)
		}
		sh, err := ParseShard(j.Shard)
		if err != nil {
			return h, first, fmt.Errorf("bad header: %v", err)
		}
		h = Header{formatJSONL, j.Spec, j.Runs, j.Points, j.Replications, sh, j.Axes}
		return h, first, h.check()
	}
	if strings.HasPrefix(line, csvMagicV1) || strings.HasPrefix(line, jsonlMagicV1) {
		return h, first, errors.New("was written by an older agentchaos (sweep format 1, without the client, network, defence and SLO columns): run the sweep afresh with --force")
	}
	return h, first, errors.New("not an agentchaos sweep results file (its first line is not an agentchaos-sweep header)")
}

func (h Header) check() error {
	if h.Spec == "" || h.Runs < 0 || h.Points < 0 || h.Replications < 1 || h.Runs != h.Points*h.Replications {
		return errors.New("bad header: inconsistent runs, points and replications")
	}
	return nil
}

// appendRow appends a run's line. axes are the point's axis values.
func appendRow(b []byte, format string, axisKeys [][]byte, r *resultRow, axes []axisValue) []byte {
	if format == formatJSONL {
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(r.Index), 10)
		b = append(b, `,"point":`...)
		b = strconv.AppendInt(b, int64(r.Point), 10)
		b = append(b, `,"rep":`...)
		b = strconv.AppendInt(b, int64(r.Rep), 10)
		b = append(b, `,"seed":`...)
		b = strconv.AppendUint(b, r.Seed, 10)
		b = append(b, `,"axes":{`...)
		for i, v := range axes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, axisKeys[i]...)
			b = append(b, ':')
			b = append(b, v.raw...)
		}
		b = append(b, '}')
		for _, c := range rowColumns {
			b = append(b, ',', '"')
			b = append(b, c.name...)
			b = append(b, '"', ':')
			b = appendValue(b, c.field(r), true)
		}
		return append(b, "}\n"...)
	}
	b = strconv.AppendInt(b, int64(r.Index), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Point), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Rep), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, r.Seed, 10)
	for _, v := range axes {
		b = append(b, ',')
		b = append(b, csvField(v.text)...)
	}
	for _, c := range rowColumns {
		b = append(b, ',')
		b = appendValue(b, c.field(r), false)
	}
	return append(b, '\n')
}

// appendFloat is the shortest text that reads back as exactly x.
func appendFloat(b []byte, x float64) []byte { return strconv.AppendFloat(b, x, 'g', -1, 64) }

// csvField quotes a field when it needs it (RFC 4180).
func csvField(s string) string {
	if s == "" || strings.ContainsAny(s, ",\"\r\n") || s[0] == ' ' || s[len(s)-1] == ' ' {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// splitCSV splits one CSV record (no line breaks inside fields).
func splitCSV(line string) ([]string, error) {
	var out []string
	for {
		if strings.HasPrefix(line, `"`) {
			var b strings.Builder
			i := 1
			for {
				j := strings.IndexByte(line[i:], '"')
				if j < 0 {
					return nil, errors.New("unterminated quoted field")
				}
				b.WriteString(line[i : i+j])
				i += j + 1
				if i < len(line) && line[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			out = append(out, b.String())
			line = line[i:]
			if line == "" {
				return out, nil
			}
			if line[0] != ',' {
				return nil, errors.New("text after a quoted field")
			}
			line = line[1:]
			continue
		}
		f, rest, more := strings.Cut(line, ",")
		out = append(out, f)
		if !more {
			return out, nil
		}
		line = rest
	}
}

// parseRow parses one complete line (without its newline).
func (h *Header) parseRow(line []byte) (resultRow, error) {
	var r resultRow
	if h.Format == formatJSONL {
		var j struct {
			Index, Point, Rep *int
			Seed              *uint64
			Axes              map[string]json.RawMessage
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(line, &j); err != nil {
			return r, err
		}
		if err := json.Unmarshal(line, &fields); err != nil {
			return r, err
		}
		if j.Index == nil || j.Point == nil || j.Rep == nil || j.Seed == nil || len(j.Axes) != len(h.Axes) {
			return r, errors.New("missing fields")
		}
		r.Index, r.Point, r.Rep, r.Seed = *j.Index, *j.Point, *j.Rep, *j.Seed
		for _, a := range h.Axes {
			raw, ok := j.Axes[a]
			if !ok {
				return r, fmt.Errorf("no value for axis %s", a)
			}
			v, err := rawValue(raw)
			if err != nil {
				return r, err
			}
			r.Axes = append(r.Axes, v.text)
			r.raw = append(r.raw, string(v.raw))
		}
		for _, c := range rowColumns {
			raw, ok := fields[c.name]
			if !ok {
				return r, fmt.Errorf("missing field %s", c.name)
			}
			if err := parseValue(c.field(&r), string(raw), true); err != nil {
				return r, fmt.Errorf("%s: %w", c.name, err)
			}
		}
		return r, r.check(h)
	}
	f, err := splitCSV(string(line))
	if err != nil {
		return r, err
	}
	na := len(h.Axes)
	if len(f) != 4+na+len(rowColumns) {
		return r, fmt.Errorf("has %d fields, want %d", len(f), 4+na+len(rowColumns))
	}
	var errs []error
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		errs = append(errs, err)
		return n
	}
	r.Index, r.Point, r.Rep = atoi(f[0]), atoi(f[1]), atoi(f[2])
	r.Seed, err = strconv.ParseUint(f[3], 10, 64)
	errs = append(errs, err)
	r.Axes = f[4 : 4+na]
	for i, c := range rowColumns {
		if err := parseValue(c.field(&r), f[4+na+i], false); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	return r, r.check(h)
}

func (r *resultRow) check(h *Header) error {
	if r.Index < 0 || r.Index >= h.Runs || r.Point != r.Index/h.Replications || r.Rep != r.Index%h.Replications {
		return fmt.Errorf("index %d, point %d, rep %d do not fit %d runs of %d replications", r.Index, r.Point, r.Rep, h.Runs, h.Replications)
	}
	return nil
}

// rowReader reads the rows of a results file after its header.
type rowReader struct {
	name string
	br   *bufio.Reader
	h    Header
	line int   // lines read
	off  int64 // bytes read
}

func newRowReader(name string, r io.Reader) (*rowReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	h, raw, err := readHeader(br)
	if err != nil {
		return nil, &scenarios.Error{Source: name, Line: 1, Col: 1, Msg: err.Error()}
	}
	return &rowReader{name: name, br: br, h: h, line: bytes.Count(raw, []byte("\n")), off: int64(len(raw))}, nil
}

// errTorn marks a last line without its newline: a write cut by a crash.
var errTorn = errors.New("torn last line")

// next returns the next complete line and its row; io.EOF at the end,
// errTorn for a last line without a newline.
func (rr *rowReader) next() ([]byte, resultRow, error) {
	line, err := rr.br.ReadBytes('\n')
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			return line, resultRow{}, errTorn
		}
		return nil, resultRow{}, err
	}
	rr.line++
	rr.off += int64(len(line))
	row, err := rr.h.parseRow(line[:len(line)-1])
	if err != nil {
		return line, row, &scenarios.Error{Source: rr.name, Line: rr.line, Col: 1, Msg: "bad row: " + err.Error()}
	}
	return line, row, nil
}
