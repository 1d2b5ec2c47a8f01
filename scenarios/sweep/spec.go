package sweep

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
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
	// (see ReplicationSeed). Default 1.
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
	baseDoc    []byte // the base scenario with Set applied, compact JSON
	npoints    int
	axes       []axisPlan
	lhs        [][]int32 // per axis, the latin-hypercube stratum of each point
	hash       string
}

// Design kinds.
const (
	// GridDesign is the full factorial grid: every combination of the
	// axes' values. Point p's values: the last axis varies fastest.
	GridDesign = "grid"
	// LatinHypercube draws Points points so that each axis's range is cut
	// into Points equal strata and each stratum is used exactly once.
	LatinHypercube = "lhs"
)

// Design is how points are chosen from the axes.
type Design struct {
	Kind   string `json:"kind"`             // GridDesign (default) or LatinHypercube
	Points int    `json:"points,omitempty"` // LatinHypercube only
}

// Axis is one swept scenario field and its values: exactly one of Values
// (any JSON values), Range (linearly spaced numbers) or Log (geometrically
// spaced numbers). Range and Log values are rounded to the nearest integer
// for an integer field, else to 12 significant digits.
//
// In a LatinHypercube design, Range and Log are continuous intervals (Steps
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
	MaxPoints     = 10_000_000
	MaxRuns       = 100_000_000
	MaxAxisValues = 1_000_000
)

// axisPlan is an axis resolved against the model's configuration.
type axisPlan struct {
	path    string
	isInt   bool         // the field is an integer: numbers are rounded
	numeric bool         // the field is a number
	values  []axisValue  // grid, or the discrete list of a latin hypercube
	lo, hi  float64      // continuous latin-hypercube interval
	log     bool         // hi/lo interval is geometric
	cont    bool         // continuous (latin hypercube over Range or Log)
	field   reflect.Type // the field's Go type
}

// axisValue is one value of an axis: the JSON put into the scenario and the
// text shown in result files.
type axisValue struct {
	raw  json.RawMessage
	text string
}

// ReplicationSeed returns the seed of replication rep under the root seed.
//
// Replication r of every point of a sweep runs with this seed, which
// depends on nothing but the root seed and r: not on the point, the worker
// count, the shard count or which other points run, so a result never
// changes when the sweep is run differently.
//
// It also gives common random numbers. The model draws everything about a
// request from a stream keyed by (seed, agent, request index), so
// replication r of two points sees the same think times, workload types,
// service demands and fault draws wherever their configurations agree. The
// difference between two points is then mostly the effect of the parameter,
// not of the noise: comparisons between points are much sharper than with
// independent seeds, for the same number of runs. Averages over
// replications are still averages over independent seeds.
func ReplicationSeed(root uint64, rep int) uint64 {
	s := kernel.NewStream(root, "sweep-replication", uint64(rep))
	return s.Uint64()
}

// LoadSpec reads and parses a sweep spec file.
func LoadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
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
	if s.Replications < 1 || s.Replications > MaxRuns {
		return s.errAt("replications", fmt.Sprintf("must be in [1, %d] (got %d)", MaxRuns, s.Replications))
	}
	switch s.Design.Kind {
	case "":
		s.Design.Kind = GridDesign
		fallthrough
	case GridDesign:
		if s.Design.Points != 0 {
			return s.errAt("design.points", "only applies to design \"lhs\" (a grid has every combination of the axes' values)")
		}
	case LatinHypercube:
		if s.Design.Points < 1 || s.Design.Points > MaxPoints {
			return s.errAt("design.points", fmt.Sprintf("must be in [1, %d] (got %d)", MaxPoints, s.Design.Points))
		}
	default:
		return s.errAt("design.kind", fmt.Sprintf("must be %q or %q, not %q", GridDesign, LatinHypercube, s.Design.Kind))
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
		data, err = os.ReadFile(p)
		if err != nil {
			return s.errAt("base", fmt.Sprintf("no embedded profile %q and cannot read it as a file: %v", s.Base, err))
		}
		s.baseSource = p
	}
	if _, err := scenarios.Parse(data, s.baseSource); err != nil {
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
	if _, err := scenarios.Parse(s.baseDoc, s.source+" (base with set)"); err != nil {
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
	return nil
}

// plan resolves every axis against the configuration and computes its values.
func (s *Spec) plan() error {
	lhs := s.Design.Kind == LatinHypercube
	seen := map[string]int{}
	n := 1
	for i, a := range s.Axes {
		at := fmt.Sprintf("axes[%d]", i)
		if a.Path == "" {
			return s.errAt(at+".path", "is required: the JSON path of a scenario field, e.g. \"agents.count\"")
		}
		ft, err := scenarios.Field(a.Path)
		if err != nil {
			return s.errAt(at+".path", err.Error())
		}
		if a.Path == "seed" {
			return s.errAt(at+".path", "sweep replications instead: each replication has its own seed")
		}
		if j, dup := seen[a.Path]; dup {
			return s.errAt(at+".path", fmt.Sprintf("%s is already swept by axes[%d]", a.Path, j))
		}
		for p := range seen {
			if within(a.Path, p) || within(p, a.Path) {
				return s.errAt(at+".path", fmt.Sprintf("%s overlaps the axis %s", a.Path, p))
			}
		}
		seen[a.Path] = i
		kinds := 0
		for _, set := range []bool{a.Values != nil, a.Range != nil, a.Log != nil} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			return s.errAt(at, "give exactly one of \"values\", \"range\" or \"log\"")
		}
		ap := axisPlan{path: a.Path, field: ft}
		switch ft.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32:
			ap.isInt, ap.numeric = true, true
		case reflect.Float64:
			ap.numeric = true
		}
		switch {
		case a.Values != nil:
			if len(a.Values) == 0 || len(a.Values) > MaxAxisValues {
				return s.errAt(at+".values", fmt.Sprintf("needs 1 to %d values", MaxAxisValues))
			}
			texts := map[string]int{}
			for j, raw := range a.Values {
				v, err := rawValue(raw)
				if err != nil {
					return s.errAt(fmt.Sprintf("%s.values[%d]", at, j), err.Error())
				}
				if k, dup := texts[v.text]; dup {
					return s.errAt(fmt.Sprintf("%s.values[%d]", at, j), fmt.Sprintf("repeats values[%d]", k))
				}
				texts[v.text] = j
				ap.values = append(ap.values, v)
			}
		default:
			r, name := a.Range, "range"
			if r == nil {
				r, name = a.Log, "log"
			}
			rp := at + "." + name
			if !ap.numeric {
				return s.errAt(rp, fmt.Sprintf("%s is %s, not a number: list its values in \"values\"", a.Path, scenarios.TypeName(ft)))
			}
			for _, x := range []float64{r.From, r.To} {
				if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e15 {
					return s.errAt(rp, "from and to must be finite numbers of at most 1e15")
				}
			}
			if name == "log" && !(r.From > 0 && r.To > 0) {
				return s.errAt(rp, fmt.Sprintf("a log range needs from and to above 0 (got %g, %g)", r.From, r.To))
			}
			if lhs {
				if r.Steps != 0 {
					return s.errAt(rp+".steps", "a latin-hypercube design samples the whole interval: leave steps out")
				}
				if !(r.From < r.To) {
					return s.errAt(rp, fmt.Sprintf("from must be below to (got %g, %g)", r.From, r.To))
				}
				ap.cont, ap.lo, ap.hi, ap.log = true, r.From, r.To, name == "log"
				break
			}
			if r.Steps < 2 || r.Steps > MaxAxisValues {
				return s.errAt(rp+".steps", fmt.Sprintf("must be in [2, %d] (got %d); for one value use \"values\"", MaxAxisValues, r.Steps))
			}
			if r.From == r.To {
				return s.errAt(rp, "from and to are equal; for one value use \"values\"")
			}
			last := ""
			for j := 0; j < r.Steps; j++ {
				var x float64
				if name == "log" {
					x = logPoint(r.From, r.To, j, r.Steps)
				} else {
					x = linPoint(r.From, r.To, j, r.Steps)
				}
				v := ap.number(x)
				if v.text == last {
					return s.errAt(rp+".steps", fmt.Sprintf("values repeat after rounding (%s is an integer field): use fewer steps", a.Path))
				}
				last = v.text
				ap.values = append(ap.values, v)
			}
		}
		if !lhs {
			if n > MaxPoints/len(ap.values) {
				return s.errAt("axes", fmt.Sprintf("the grid has more than %d points", MaxPoints))
			}
			n *= len(ap.values)
		}
		s.axes = append(s.axes, ap)
	}
	if lhs {
		n = s.Design.Points
		s.lhs = make([][]int32, len(s.axes))
		for i := range s.axes {
			// Fisher–Yates from the axis's own keyed stream.
			perm := make([]int32, n)
			for j := range perm {
				perm[j] = int32(j)
			}
			st := kernel.NewStream(s.Seed, "sweep-lhs", uint64(i))
			for j := n - 1; j > 0; j-- {
				k := st.IntN(j + 1)
				perm[j], perm[k] = perm[k], perm[j]
			}
			s.lhs[i] = perm
		}
	}
	if n > MaxRuns/s.Replications {
		return s.errAt("replications", fmt.Sprintf("%d points × %d replications is more than %d runs", n, s.Replications, MaxRuns))
	}
	s.npoints = n
	return nil
}

// linPoint is the j-th of n linearly spaced values from lo to hi, with both
// ends exact. The product is converted explicitly so that no FMA changes it.
func linPoint(lo, hi float64, j, n int) float64 {
	switch j {
	case 0:
		return lo
	case n - 1:
		return hi
	}
	return lo + float64((hi-lo)*float64(j))/float64(n-1)
}

// logPoint is the j-th of n geometrically spaced values from lo to hi
// (both above 0), with both ends exact, computed with the kernel's portable
// Log and Exp.
func logPoint(lo, hi float64, j, n int) float64 {
	switch j {
	case 0:
		return lo
	case n - 1:
		return hi
	}
	a, b := kernel.Log(lo), kernel.Log(hi)
	return kernel.Exp(a + float64((b-a)*float64(j))/float64(n-1))
}

// number returns the axis value for x: rounded to an integer for an
// integer field, else to 12 significant digits, so that a range from 0 to
// 0.3 in 4 steps gives 0.2 rather than 0.19999999999999998.
func (ap *axisPlan) number(x float64) axisValue {
	var t string
	if ap.isInt {
		t = strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	} else {
		x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
		t = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return axisValue{raw: json.RawMessage(t), text: t}
}

// rawValue turns a JSON value from a values list into an axis value.
func rawValue(raw json.RawMessage) (axisValue, error) {
	c := compact(raw)
	v := axisValue{raw: c, text: string(c)}
	if len(c) > 0 && c[0] == '"' {
		var str string
		if err := json.Unmarshal(c, &str); err != nil {
			return v, err
		}
		for _, r := range str {
			if unicode.IsControl(r) {
				return v, errors.New("a string value must not hold control characters")
			}
		}
		v.text = str
	}
	if string(c) == "null" {
		return v, errors.New("null is not a value")
	}
	return v, nil
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// Points returns the number of points of the sweep.
func (s *Spec) Points() int { return s.npoints }

// Runs returns the number of runs: points × replications.
func (s *Spec) Runs() int { return s.npoints * s.Replications }

// AxisPaths returns the swept fields, in the spec's order.
func (s *Spec) AxisPaths() []string {
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
	canon, _ := json.Marshal(struct {
		Version string
		Spec    *Spec
	}{"agentchaos-sweep/1", s})
	h.Write(canon)
	h.Write([]byte{0})
	h.Write(s.baseDoc)
	s.hash = "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// pointValues returns the axis values of point p (0 ≤ p < Points()).
func (s *Spec) pointValues(p int, out []axisValue) []axisValue {
	out = out[:0]
	if s.lhs == nil {
		// Mixed radix, the last axis fastest.
		vals := make([]int, len(s.axes))
		for i := len(s.axes) - 1; i >= 0; i-- {
			n := len(s.axes[i].values)
			vals[i] = p % n
			p /= n
		}
		for i, a := range s.axes {
			out = append(out, a.values[vals[i]])
		}
		return out
	}
	n := s.npoints
	for i := range s.axes {
		a := &s.axes[i]
		stratum := int(s.lhs[i][p])
		if !a.cont {
			out = append(out, a.values[stratum*len(a.values)/n])
			continue
		}
		// A uniform point inside the stratum, from the point's own stream.
		st := kernel.NewStream(s.Seed, "sweep-lhs-point", uint64(i), uint64(p))
		u := (float64(stratum) + st.Float64()) / float64(n)
		var x float64
		if a.log {
			la, lb := kernel.Log(a.lo), kernel.Log(a.hi)
			x = kernel.Exp(la + float64((lb-la)*u))
		} else {
			x = a.lo + float64((a.hi-a.lo)*u)
		}
		out = append(out, a.number(x))
	}
	return out
}

// pointConfig builds and validates the scenario of point p.
func (s *Spec) pointConfig(p int, vals []axisValue) (*model.Config, error) {
	doc, err := scenarios.NewDoc(s.baseDoc)
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		if err := doc.Set(s.axes[i].path, v.raw); err != nil {
			return nil, s.errAt(fmt.Sprintf("axes[%d].path", i), err.Error())
		}
	}
	data, err := doc.JSON()
	if err != nil {
		return nil, err
	}
	cfg, err := scenarios.Parse(data, fmt.Sprintf("%s point %d", s.source, p))
	if err != nil {
		return nil, s.pointError(p, vals, err)
	}
	return cfg, nil
}

// pointError turns a point's scenario error into a spec error naming the
// axis (and its value) that made the field invalid.
func (s *Spec) pointError(p int, vals []axisValue, err error) error {
	var e *scenarios.Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	desc := make([]string, len(vals))
	for i, v := range vals {
		desc[i] = s.axes[i].path + "=" + v.text
	}
	for i, a := range s.axes {
		// With one axis, the (valid) base cannot be to blame.
		if within(e.Field, a.path) || within(a.path, e.Field) || len(s.axes) == 1 {
			at := fmt.Sprintf("axes[%d]", i)
			switch {
			case s.Axes[i].Range != nil:
				at += ".range"
			case s.Axes[i].Log != nil:
				at += ".log"
			}
			if s.lhs == nil || !a.cont {
				for j, v := range a.values {
					if v.text == vals[i].text && s.Axes[i].Values != nil {
						at = fmt.Sprintf("axes[%d].values[%d]", i, j)
					}
				}
			}
			return s.errAt(at, fmt.Sprintf("axis %s = %s makes field %s invalid: %s", a.path, vals[i].text, e.Field, e.Msg))
		}
	}
	return s.errAt("axes", fmt.Sprintf("at point %d (%s), field %s: %s", p, strings.Join(desc, ", "), e.Field, e.Msg))
}

// checkPoints builds every point's scenario once, so that a bad value is
// reported before anything is run or written.
func (s *Spec) checkPoints() error {
	var vals []axisValue
	for p := 0; p < s.npoints; p++ {
		vals = s.pointValues(p, vals)
		if _, err := s.pointConfig(p, vals); err != nil {
			return err
		}
	}
	return nil
}

// Config returns the scenario of run index (point index/Replications,
// replication index%Replications) with its seed set, and the texts of its
// axis values.
func (s *Spec) Config(index int) (*model.Config, []string, error) {
	if index < 0 || index >= s.Runs() {
		return nil, nil, fmt.Errorf("run index %d out of range [0, %d)", index, s.Runs())
	}
	p, rep := index/s.Replications, index%s.Replications
	vals := s.pointValues(p, nil)
	cfg, err := s.pointConfig(p, vals)
	if err != nil {
		return nil, nil, err
	}
	cfg.Seed = ReplicationSeed(s.Seed, rep)
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
