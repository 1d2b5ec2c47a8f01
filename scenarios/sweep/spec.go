package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/scenarios"
)

// Spec is a sweep specification, the JSON file given to `agentchaos sweep`:
// one base scenario run at many points of a parameter space, each point
// Replications times, one result row per run (see [Run]).
//
//	{
//	  "base": "EXP-002",
//	  "seed": 1,
//	  "replications": 5,
//	  "design": {"kind": "grid"},
//	  "set": {"agents.requests_per_agent": 20},
//	  "axes": [
//	    {"path": "agents.count", "values": [100, 200, 400]},
//	    {"path": "faults.error_probability", "range": {"from": 0, "to": 0.2, "steps": 5}},
//	    {"path": "workers.service.mean", "log": {"from": 0.001, "to": 0.01, "steps": 4}}
//	  ]
//	}
type Spec struct {
	// Base is an embedded profile name ("EXP-002") or the path of a
	// scenario file, relative to the spec file's folder.
	Base string `json:"base"`
	// Seed is the root seed from which every run's seed is derived
	// (replicate.Seed: replication r of every point runs with
	// replicate.Seed(Seed, r)). Default 1.
	Seed uint64 `json:"seed"`
	// Replications is the number of runs per point, each with its own seed.
	// Default 1.
	Replications int `json:"replications"`
	// Design chooses the points.
	Design Design `json:"design"`
	// Set fixes scenario fields (by JSON path) for every point, before the
	// axes are applied.
	Set map[string]json.RawMessage `json:"set,omitempty"`
	// Axes are the swept fields, at least one.
	Axes []Axis `json:"axes"`

	source     string // where the spec came from, for messages
	data       []byte // the spec's bytes, to locate fields in messages
	baseSource string
	baseDir    string // the base scenario file's folder: trace files are read from there ("" if embedded)
	baseDoc    []byte // the base scenario with Set applied, compact JSON
	traceSum   []byte // sha256 of the base scenario's trace file, if it names one
	npoints    int
	axes       []axisPlan
	lhs        [][]int32 // per axis, the latin-hypercube stratum of each point
	hash       string
}

// Design kinds.
const (
	// gridDesign is the full factorial grid: every combination of the
	// axes' values. Point p's values: the last axis varies fastest.
	gridDesign = "grid"
	// latinHypercube draws Points points so that each axis's range is cut
	// into Points equal strata and each stratum is used exactly once.
	latinHypercube = "lhs"
)

// Design is how points are chosen from the axes.
type Design struct {
	Kind   string `json:"kind"`             // "grid" (the default) or "lhs"
	Points int    `json:"points,omitempty"` // "lhs" only
}

// Axis is one swept scenario field and its values: exactly one of Values
// (any JSON values), Range (linearly spaced numbers) or Log (geometrically
// spaced numbers). Range and Log values are rounded to the nearest integer
// for an integer field, else to 12 significant digits.
//
// In a Latin-hypercube design ("lhs"), Range and Log are continuous intervals (Steps
// must be left out) and Values is a discrete list sampled uniformly.
type Axis struct {
	Path   string            `json:"path"`
	Values []json.RawMessage `json:"values,omitempty"`
	Range  *Range            `json:"range,omitempty"`
	Log    *Range            `json:"log,omitempty"`
}

// Range is an interval [From, To] cut into Steps values, both ends
// included (Steps ≥ 2).
type Range struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Steps int     `json:"steps,omitempty"`
}

// Limits on a sweep's size: they keep a typo from running for a year.
const (
	maxPoints     = 10_000_000
	maxRuns       = 100_000_000
	maxAxisValues = 1_000_000
)

// LoadSpec reads and parses a sweep spec file.
func LoadSpec(path string) (*Spec, error) {
	data, err := scenarios.ReadInput(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &scenarios.Error{Source: path, Msg: "no such sweep spec file"}
		}
		return nil, &scenarios.Error{Source: path, Msg: err.Error()}
	}
	return ParseSpec(data, path, filepath.Dir(path))
}

// ParseSpec parses a sweep spec strictly and checks every point: unknown or
// duplicate fields, wrong types and bad values are an *scenarios.Error naming the
// field and its line:column; an axis that names a scenario field that does
// not exist, or gives one an invalid value at some point, is an *scenarios.Error
// naming the axis and the field. source names the spec in messages; a base
// given as a relative path is looked up under dir.
func ParseSpec(data []byte, source, dir string) (*Spec, error) {
	s := &Spec{source: source, data: data}
	if err := s.decode(); err != nil {
		return nil, err
	}
	if err := s.loadBase(dir); err != nil {
		return nil, err
	}
	if err := s.plan(); err != nil {
		return nil, err
	}
	if err := s.checkPoints(); err != nil {
		return nil, err
	}
	s.fingerprint()
	return s, nil
}

// errAt returns an *scenarios.Error at the JSON path of the spec.
func (s *Spec) errAt(path, msg string) error {
	return scenarios.ErrorAt(s.data, s.source, path, msg)
}

// decode decodes the spec strictly, with places, and applies defaults.
func (s *Spec) decode() error {
	s.Seed, s.Replications = 1, 1
	if err := scenarios.Decode(s.data, s.source, "sweep spec", s); err != nil {
		return err
	}
	if s.Base == "" {
		return s.errAt("base", "is required: an embedded profile name (see `agentchaos scenarios`) or a scenario file")
	}
	if s.Replications < 1 || s.Replications > maxRuns {
		return s.errAt("replications", fmt.Sprintf("must be in [1, %d] (got %d)", maxRuns, s.Replications))
	}
	switch s.Design.Kind {
	case "":
		s.Design.Kind = gridDesign
		fallthrough
	case gridDesign:
		if s.Design.Points != 0 {
			return s.errAt("design.points", "only applies to design \"lhs\" (a grid has every combination of the axes' values)")
		}
	case latinHypercube:
		if s.Design.Points < 1 || s.Design.Points > maxPoints {
			return s.errAt("design.points", fmt.Sprintf("must be in [1, %d] (got %d)", maxPoints, s.Design.Points))
		}
	default:
		return s.errAt("design.kind", fmt.Sprintf("must be %q or %q, not %q", gridDesign, latinHypercube, s.Design.Kind))
	}
	if len(s.Axes) == 0 {
		return s.errAt("axes", "needs at least one axis")
	}
	return nil
}

// loadBase reads the base scenario, checks it, and applies Set.
func (s *Spec) loadBase(dir string) error {
	data, ok := scenarios.Embedded(s.Base)
	s.baseSource = "embedded:" + strings.ToUpper(s.Base) + ".json"
	if !ok {
		p := s.Base
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		var err error
		data, err = scenarios.ReadInput(p)
		if err != nil {
			return s.errAt("base", fmt.Sprintf("no embedded profile %q and cannot read it as a file: %v", s.Base, err))
		}
		s.baseSource, s.baseDir = p, filepath.Dir(p)
	}
	if _, err := scenarios.ParseDir(data, s.baseSource, s.baseDir); err != nil {
		return err
	}
	doc, err := scenarios.NewDoc(data)
	if err != nil {
		return &scenarios.Error{Source: s.baseSource, Msg: err.Error()}
	}
	keys := make([]string, 0, len(s.Set))
	for k := range s.Set {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a parent is set before its children
	for _, k := range keys {
		p := "set." + k
		if _, err := scenarios.Field(k); err != nil {
			return s.errAt(p, err.Error())
		}
		if k == "seed" {
			return s.errAt(p, "the seed of each run is derived from the spec's seed; set \"seed\" at the top level")
		}
		if err := doc.Set(k, compact(s.Set[k])); err != nil {
			return s.errAt(p, err.Error())
		}
	}
	s.baseDoc, err = doc.JSON()
	if err != nil {
		return &scenarios.Error{Source: s.source, Msg: err.Error()}
	}
	cfg, err := scenarios.ParseDir(s.baseDoc, s.source+" (base with set)", s.baseDir)
	if err != nil {
		var e *scenarios.Error
		if errors.As(err, &e) && e.Field != "" {
			for _, k := range keys {
				if within(e.Field, k) {
					return s.errAt("set."+k, e.Field+": "+e.Msg)
				}
			}
			return s.errAt("set", e.Field+": "+e.Msg)
		}
		return err
	}
	if t := cfg.Agents.Trace; t != nil && t.File != "" {
		// The fingerprint covers the trace the runs replay.
		name := t.File
		if !filepath.IsAbs(name) {
			name = filepath.Join(s.baseDir, name)
		}
		data, err := scenarios.ReadInput(name)
		if err != nil {
			return &scenarios.Error{Source: name, Msg: err.Error()}
		}
		sum := sha256.Sum256(data)
		s.traceSum = sum[:]
	}
	return nil
}

// Points returns the number of points of the sweep.
func (s *Spec) Points() int { return s.npoints }

// Runs returns the number of runs: points × replications.
func (s *Spec) Runs() int { return s.npoints * s.Replications }

// axisPaths returns the swept fields, in the spec's order.
func (s *Spec) axisPaths() []string {
	out := make([]string, len(s.axes))
	for i, a := range s.axes {
		out[i] = a.path
	}
	return out
}

// Fingerprint returns "sha256:" and the hash of the spec (as decoded, with
// defaults) and the base scenario with Set applied: result files carry it
// so that a resume or a merge never mixes runs of different sweeps.
func (s *Spec) Fingerprint() string { return s.hash }

func (s *Spec) fingerprint() {
	h := sha256.New()
	// agentchaos's own version is part of it: another build may simulate
	// differently, and its rows must not be mixed with these.
	canon, _ := json.Marshal(struct {
		Version string
		Program string
		Spec    *Spec
	}{"agentchaos-sweep/1", model.Version(), s})
	h.Write(canon)
	h.Write([]byte{0})
	h.Write(s.baseDoc)
	h.Write(s.traceSum)
	s.hash = "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// config returns the scenario of run index (point index/Replications,
// replication index%Replications) with its seed set, and the texts of its
// axis values.
func (s *Spec) config(index int) (*model.Config, []string, error) {
	if index < 0 || index >= s.Runs() {
		return nil, nil, fmt.Errorf("run index %d out of range [0, %d)", index, s.Runs())
	}
	p, rep := index/s.Replications, index%s.Replications
	vals := s.pointValues(p, nil)
	cfg, err := s.pointConfig(p, vals)
	if err != nil {
		return nil, nil, err
	}
	cfg.Seed = replicate.Seed(s.Seed, rep)
	texts := make([]string, len(vals))
	for i, v := range vals {
		texts[i] = v.text
	}
	return cfg, texts, nil
}

// within reports whether path is p or a field inside it.
func within(path, p string) bool {
	return path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[")
}
