package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
			return nil, int(se.Offset) - 1, &structError{off: int(se.Offset) - 1, msg: "invalid JSON: " + se.Error()}
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
func checkStructure(data []byte, t reflect.Type, what string) error {
	w := newWalker(data)
	tok, off, err := w.next()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return &structError{off: off, msg: "a " + what + " must be a JSON object"}
	}
	if err := w.object(t, ""); err != nil {
		return err
	}
	if _, off, err := w.next(); err == nil || off < len(bytes.TrimRight(data, " \t\r\n")) {
		return &structError{off: off, msg: "unexpected data after the " + what + " object"}
	}
	return nil
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
		switch t.Kind() {
		case reflect.Int:
			if _, err := strconv.ParseInt(v.String(), 10, 64); err != nil {
				return bad("the number " + v.String())
			}
		case reflect.Uint64:
			if _, err := strconv.ParseUint(v.String(), 10, 64); err != nil {
				return &structError{off: off, path: path, msg: "want an integer in [0, 2^64), got " + v.String()}
			}
		case reflect.Float64:
			if _, err := v.Float64(); err != nil {
				return bad("the number " + v.String())
			}
		default:
			return bad("a number")
		}
	}
	return nil
}
