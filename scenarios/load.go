package scenarios

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/agentchaos/agentchaos/model"
)

//go:embed profiles/*.json
var profiles embed.FS

// defaults returns the configuration a profile starts from: everything but
// the system's size and budget has a sensible value. The detector's and
// throttle's figures are the original framework's.
func defaults() model.Config {
	return model.Config{
		Seed: 1,
		Agents: model.AgentConfig{
			Arrival: model.Closed,
			Think:   model.Dist{Kind: model.Exponential, Mean: 1},
			Mix: []model.WorkloadType{
				{Name: "LIGHT", Weight: 2, Work: 1},
				{Name: "HEAVY", Weight: 1, Work: 2.5},
				{Name: "BURST", Weight: 1, Work: 1},
			},
		},
		Workers: model.WorkerConfig{
			Service: model.Dist{Kind: model.Exponential, Mean: 0.01},
		},
		Detector: model.DetectorConfig{
			Period: 0.05, Window: 1, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
			GrowthSamples: 3, P95Growth: 1, MinWindowSamples: 20, FinalFraction: 0.05,
			P95MinUtilisation: 0.8,
		},
		Throttle:  model.ThrottleConfig{Enabled: true, Degraded: 0.05, Collapsed: 0.2},
		Telemetry: model.TelemetryConfig{Percentiles: model.ExactPercentiles},
	}
}

// Info describes one embedded profile.
type Info struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Agents      int    `json:"agents"`
	Workers     int    `json:"workers"`
	Buffer      int    `json:"buffer"`
}

// List returns the embedded profiles, sorted by name.
func List() ([]Info, error) {
	files, err := fs.Glob(profiles, "profiles/*.json")
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, f := range files {
		cfg, err := loadEmbedded(f)
		if err != nil {
			return nil, err
		}
		out = append(out, Info{cfg.Name, cfg.Description, cfg.Agents.Count, cfg.Workers.Count, cfg.Queue.Buffer})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Embedded returns the raw JSON of the embedded profile name (as listed,
// case-insensitive), and whether it exists.
func Embedded(name string) ([]byte, bool) {
	data, err := profiles.ReadFile("profiles/" + strings.ToUpper(name) + ".json")
	if err != nil {
		return nil, false
	}
	return data, true
}

// IsPath reports whether a scenario argument names a file by its form:
// it has a folder in it or ends in .json.
func IsPath(nameOrPath string) bool {
	return strings.ContainsRune(nameOrPath, '/') || strings.ContainsRune(nameOrPath, filepath.Separator) ||
		strings.HasSuffix(strings.ToLower(nameOrPath), ".json")
}

// Shadowed reports whether Load(name) takes the embedded profile while a
// file of that name exists too: then the file needs its path ("./EXP-002").
func Shadowed(name string) bool {
	if _, ok := Embedded(name); !ok || IsPath(name) {
		return false
	}
	fi, err := os.Stat(name)
	return err == nil && !fi.IsDir()
}

func loadEmbedded(file string) (*model.Config, error) {
	data, err := profiles.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(data, "embedded:"+path.Base(file))
}

// Load returns the configuration of an embedded profile (by name, e.g.
// "EXP-002") or of a JSON file (by path), whose trace file, if it names
// one, is read relative to the scenario file's folder. A path (with a
// folder, or ending in .json) is always a file; a bare name is the embedded
// profile of that name if there is one, else a file (see Shadowed). Errors
// in the file are *Error.
func Load(nameOrPath string) (*model.Config, error) {
	if data, ok := Embedded(nameOrPath); ok && !IsPath(nameOrPath) {
		return Parse(data, "embedded:"+strings.ToUpper(nameOrPath)+".json")
	}
	data, err := ReadInput(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Source: nameOrPath, Msg: "no such scenario file, and no embedded profile of that name (see `agentchaos scenarios`)"}
		}
		return nil, &Error{Source: nameOrPath, Msg: err.Error()}
	}
	return ParseDir(data, nameOrPath, filepath.Dir(nameOrPath))
}

// MaxInputBytes bounds a scenario or sweep spec file: a larger one, or a
// device that never ends, is refused rather than read into memory.
const MaxInputBytes = 256 << 20

var maxInputBytes = MaxInputBytes // tests lower it

// ReadInput reads a scenario or sweep spec file of at most MaxInputBytes.
// Errors keep fs.ErrNotExist.
func ReadInput(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, errors.New("is a directory, not a file")
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(maxInputBytes)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInputBytes {
		return nil, fmt.Errorf("is larger than %d MiB", maxInputBytes>>20)
	}
	return data, nil
}

// Error is a problem with a scenario, located in its source.
type Error struct {
	Source    string // file path or embedded:NAME
	Line, Col int    // 1-based; 0 when the problem has no single place
	Field     string // JSON path of the field, e.g. "workers.service.mean"
	Msg       string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Parse decodes a profile strictly over the defaults and validates it. A
// trace file (agents.trace.file) is not read: the scenario is refused
// unless it has none (see ParseDir).
func Parse(data []byte, source string) (*model.Config, error) {
	return ParseDir(data, source, "")
}

// ParseDir is Parse for a scenario whose trace file, agents.trace.file,
// is read relative to dir (the scenario file's folder) into
// agents.trace.times or agents.trace.rates; a problem in the trace file is
// an *Error at its line and column.
func ParseDir(data []byte, source, dir string) (*model.Config, error) {
	data = withoutBOM(data)
	cfg := defaults()
	if err := Decode(data, source, "scenario", &cfg); err != nil {
		return nil, err
	}
	if err := readTraceFile(&cfg, data, source, dir); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		var fe *model.FieldError
		if errors.As(err, &fe) {
			return nil, ErrorAt(data, source, fe.Path, fe.Msg)
		}
		return nil, &Error{Source: source, Msg: err.Error()}
	}
	if cfg.Name == "" {
		return nil, ErrorAt(data, source, "name", "is required")
	}
	return &cfg, nil
}

// Decode decodes the JSON object data strictly into v, a pointer to a
// struct whose fields already hold their defaults (fields left out keep
// them). Syntax errors, unknown and duplicate fields, wrong types and data
// after the object are an *Error naming the field and its line:column;
// source names the document in messages and what says what it is
// ("scenario", "sweep spec"). Scenario profiles and sweep specs share it.
func Decode(data []byte, source, what string, v any) error {
	data = withoutBOM(data)
	fail := func(off int, field, msg string) error {
		e := &Error{Source: source, Field: field, Msg: msg}
		if off >= 0 {
			e.Line, e.Col = lineCol(data, off)
		}
		return e
	}
	// Structure first: syntax, unknown and duplicate fields, with places.
	ints, err := checkStructure(data, reflect.TypeOf(v).Elem(), what)
	if err != nil {
		var se *structError
		if errors.As(err, &se) {
			return fail(se.off, se.path, se.msg)
		}
		return fail(-1, "", err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(inDigits(data, ints)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			off := int(te.Offset) - 1
			if te.Field != "" {
				off = locate(data, te.Field) // the value's start, not its end
			}
			return fail(off, te.Field, fmt.Sprintf("wrong type: want %s, got JSON %s", te.Type, te.Value))
		}
		return fail(-1, "", err.Error())
	}
	return nil
}

// ErrorAt returns an *Error about the field at a JSON path of data
// ("agents.mix[1].weight"), placed at the line:column of its value, or of
// the deepest enclosing value present if the field is absent.
func ErrorAt(data []byte, source, path, msg string) *Error {
	data = withoutBOM(data)
	e := &Error{Source: source, Field: path, Msg: msg}
	e.Line, e.Col = lineCol(data, locate(data, path))
	return e
}

// withoutBOM drops a UTF-8 byte order mark, which some editors on Windows
// write at the start of a file: it is not JSON, and not a column either.
func withoutBOM(data []byte) []byte { return bytes.TrimPrefix(data, []byte("\uFEFF")) }

// lineCol converts a byte offset to a 1-based line and column (in runes).
func lineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, 1 + len([]rune(string(data[start:off])))
}

// Marshal renders a configuration as a profile: indented JSON with every
// field, ready to be embedded or loaded with Load.
func Marshal(cfg *model.Config) ([]byte, error) {
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
