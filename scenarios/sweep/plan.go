package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/scenarios"
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

// plan resolves every axis against the configuration and computes its values.
func (s *Spec) plan() error {
	lhs := s.Design.Kind == latinHypercube
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
			if len(a.Values) == 0 || len(a.Values) > maxAxisValues {
				return s.errAt(at+".values", fmt.Sprintf("needs 1 to %d values", maxAxisValues))
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
			if r.Steps < 2 || r.Steps > maxAxisValues {
				return s.errAt(rp+".steps", fmt.Sprintf("must be in [2, %d] (got %d); for one value use \"values\"", maxAxisValues, r.Steps))
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
			if n > maxPoints/len(ap.values) {
				return s.errAt("axes", fmt.Sprintf("the grid has more than %d points", maxPoints))
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
	if n > maxRuns/s.Replications {
		return s.errAt("replications", fmt.Sprintf("%d points × %d replications is more than %d runs", n, s.Replications, maxRuns))
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
	cfg, err := scenarios.ParseDir(data, fmt.Sprintf("%s point %d", s.source, p), s.baseDir)
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
