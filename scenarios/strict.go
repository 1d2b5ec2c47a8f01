package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// structError is a structural problem at a byte offset.
type structError struct {
	off  int
	path string
	msg  string
}

func (e *structError) Error() string { return e.path + ": " + e.msg }

// walker walks a JSON document token by token, tracking the JSON path and
// the byte offset where each token starts.
type walker struct {
	data []byte
	dec  *json.Decoder
	// ints are the integers written with an exponent or a fraction (1e6,
	// 2.0) in integer fields: JSON decoders read them as floats, so Decode
	// rewrites them in digits.
	ints []intLiteral
}

// intLiteral is an integer-valued number at data[off:end], in digits.
type intLiteral struct {
	off, end int
	digits   string
}

func newWalker(data []byte) *walker {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return &walker{data: data, dec: d}
}

// next returns the next token and its starting offset.
func (w *walker) next() (json.Token, int, error) {
	off := int(w.dec.InputOffset())
	for off < len(w.data) && strings.IndexByte(" \t\r\n,:", w.data[off]) >= 0 {
		off++
	}
	tok, err := w.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off, msg := syntaxError(w.data)
			return nil, off, &structError{off: off, msg: "invalid JSON: " + msg}
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, len(w.data), &structError{off: len(w.data), msg: "invalid JSON: unexpected end of input"}
		}
		return nil, off, &structError{off: off, msg: "invalid JSON: " + err.Error()}
	}
	return tok, off, nil
}

// checkStructure rejects syntax errors, unknown fields, duplicate fields and
// trailing data in a JSON object of struct type t, naming the place; what
// names the document in messages ("scenario", "sweep spec"). Types and
// ranges are checked later.
//
// It returns the integers written with an exponent or a fraction, for
// Decode to rewrite in digits.
func checkStructure(data []byte, t reflect.Type, what string) ([]intLiteral, error) {
	w := newWalker(data)
	tok, off, err := w.next()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &structError{off: off, msg: "a " + what + " must be a JSON object"}
	}
	if err := w.object(t, ""); err != nil {
		return nil, err
	}
	if off := skipSpace(data, int(w.dec.InputOffset())); off < len(data) {
		return nil, &structError{off: off, msg: "unexpected data after the " + what + " object"}
	}
	return w.ints, nil
}

// inDigits returns data with the integer literals replaced by their digits.
func inDigits(data []byte, ints []intLiteral) []byte {
	if len(ints) == 0 {
		return data
	}
	var out []byte
	last := 0
	for _, n := range ints {
		out = append(append(out, data[last:n.off]...), n.digits...)
		last = n.end
	}
	return append(out, data[last:]...)
}

// skipSpace returns the offset of the first byte at or after off that is
// not JSON whitespace.
func skipSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
		off++
	}
	return off
}

// syntaxError returns the offset of data's first syntax error and its
// message. A Decoder's SyntaxError counts its offset from where it began
// the current value, not from the start of the input; decoding the whole
// document in one piece counts from the start.
func syntaxError(data []byte) (int, string) {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return len(data), "unexpected end of input"
	}
	if se.Offset >= int64(len(data)) && strings.Contains(se.Error(), "end of JSON input") {
		return len(data), "unexpected end of input"
	}
	return int(se.Offset) - 1, se.Error()
}

// TypeName is how messages name the JSON form of a field of Go type t: "an
// integer", "a number", "a string", "an object", ...
func TypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct:
		return "an object"
	case reflect.Slice:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32:
		return "an integer"
	default:
		return "a number"
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tagName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func tagName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name
	}
	return name
}

// locate returns the offset of the value at path ("agents.mix[2].weight")
// in data, the offset of the deepest enclosing value that exists if the
// field itself is absent, or 0.
func locate(data []byte, path string) int {
	var want []string // keys, and "[i]" for indices
	for _, part := range splitPath(path) {
		if part.index >= 0 {
			want = append(want, "["+strconv.Itoa(part.index)+"]")
		} else {
			want = append(want, part.key)
		}
	}
	w := newWalker(data)
	best := 0
	var find func(depth int) (int, bool)
	// find expects the next token to be the value at want[:depth].
	find = func(depth int) (int, bool) {
		tok, off, err := w.next()
		if err != nil {
			return 0, false
		}
		best = off
		if depth == len(want) {
			return off, true
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return 0, false
		}
		switch d {
		case '{':
			for w.dec.More() {
				k, koff, err := w.next()
				if err != nil {
					return 0, false
				}
				if k == want[depth] {
					best = koff
					return find(depth + 1)
				}
				if err := w.skip(); err != nil {
					return 0, false
				}
			}
		case '[':
			idx, err := strconv.Atoi(strings.Trim(want[depth], "[]"))
			if err != nil {
				return 0, false
			}
			for i := 0; w.dec.More(); i++ {
				if i == idx {
					return find(depth + 1)
				}
				if err := w.skip(); err != nil {
					return 0, false
				}
			}
		}
		return 0, false
	}
	if off, ok := find(0); ok {
		return off
	}
	return best
}

// skip consumes one whole value.
func (w *walker) skip() error {
	depth := 0
	for {
		tok, _, err := w.next()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

// object checks the members of an object already opened against struct
// (or map) type t: unknown and duplicate fields and scalar types, with
// places. Fields of type json.RawMessage take any value; maps take any keys.
// Scenario profiles and sweep specs share it.
func (w *walker) object(t reflect.Type, path string) error {
	seen := map[string]bool{}
	for {
		tok, off, err := w.next()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return nil
		}
		key := tok.(string)
		p := join(path, key)
		if seen[key] {
			return &structError{off: off, path: p, msg: "duplicate field"}
		}
		seen[key] = true
		var ft reflect.Type
		if t.Kind() == reflect.Map {
			ft = t.Elem()
		} else {
			f, ok := fieldByJSONName(t, key)
			if !ok || !f.IsExported() {
				return &structError{off: off, path: p, msg: fmt.Sprintf("unknown field (known here: %s)", strings.Join(exportedJSONNames(t), ", "))}
			}
			ft = f.Type
		}
		if err := w.value(ft, p); err != nil {
			return err
		}
	}
}

// exportedJSONNames lists the JSON names of t's exported fields.
func exportedJSONNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() {
			out = append(out, tagName(f))
		}
	}
	return out
}

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

// value checks one value against type t.
func (w *walker) value(t reflect.Type, path string) error {
	if t == rawMessageType {
		return w.skip()
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, off, err := w.next()
	if err != nil {
		return err
	}
	bad := func(got string) error {
		return &structError{off: off, path: path, msg: fmt.Sprintf("wrong type: want %s, got %s", TypeName(t), got)}
	}
	switch v := tok.(type) {
	case json.Delim:
		switch {
		case v == '{' && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map):
			return w.object(t, path)
		case v == '[' && t.Kind() == reflect.Slice:
			for i := 0; w.dec.More(); i++ {
				if err := w.value(t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, _, err := w.next() // ]
			return err
		case v == '{':
			return bad("an object")
		default:
			return bad("an array")
		}
	case string:
		if t.Kind() != reflect.String {
			return bad("a string")
		}
	case bool:
		if t.Kind() != reflect.Bool {
			return bad("true or false")
		}
	case nil:
		return bad("null")
	case json.Number:
		lit := v.String()
		x, err := strconv.ParseFloat(lit, 64)
		if err != nil { // a literal beyond ±1.8e308
			return &structError{off: off, path: path, msg: fmt.Sprintf("the number %s is out of range: JSON numbers here are float64, below 1.8e308 in size", lit)}
		}
		switch t.Kind() {
		case reflect.Int, reflect.Uint64:
			what := "an integer"
			if t.Kind() == reflect.Uint64 {
				what = "an integer in [0, 2^64)"
			}
			outOfRange := &structError{off: off, path: path, msg: fmt.Sprintf("want %s, got %s: beyond the range of a 64-bit integer", what, lit)}
			if !strings.ContainsAny(lit, ".eE") { // digits: exact
				var err error
				if t.Kind() == reflect.Int {
					_, err = strconv.ParseInt(lit, 10, 64)
				} else if _, err = strconv.ParseUint(lit, 10, 64); err != nil && strings.HasPrefix(lit, "-") {
					return &structError{off: off, path: path, msg: fmt.Sprintf("want %s, got %s", what, lit)}
				}
				if err != nil {
					return outOfRange
				}
				break
			}
			// 1e6 or 2.0: an integer if it has no fraction, written in
			// digits for the decoder.
			if x != math.Trunc(x) {
				return &structError{off: off, path: path, msg: fmt.Sprintf("wrong type: want %s, got the number %s", what, lit)}
			}
			var digits string
			switch {
			case t.Kind() == reflect.Int && x >= math.MinInt64 && x < math.MaxInt64:
				digits = strconv.FormatInt(int64(x), 10)
			case t.Kind() == reflect.Uint64 && x >= 0 && x < math.MaxUint64:
				digits = strconv.FormatUint(uint64(x), 10)
			default:
				return outOfRange
			}
			w.ints = append(w.ints, intLiteral{off, off + len(lit), digits})
		case reflect.Float64:
		default:
			return bad("a number")
		}
	}
	return nil
}
