package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/agentchaos/agentchaos/model"
)

// Scenario fields by JSON path: "agents.count", "workers.service.mean",
// "agents.mix[1].weight", or a whole object such as "workers.service".

// Field returns the Go type of the scenario field at a JSON path such as
// "agents.mix[1].weight" or "workers.service": a field of model.Config, by
// its JSON name. It returns an error naming the first part of the path that
// does not exist, with the fields known there.
func Field(path string) (reflect.Type, error) {
	t := reflect.TypeOf(model.Config{})
	done := ""
	for _, part := range splitPath(path) {
		if t.Kind() == reflect.Pointer { // an optional section: "schedule[0].load.rate"
			t = t.Elem()
		}
		if part.index >= 0 {
			if t.Kind() != reflect.Slice {
				return nil, fmt.Errorf("%s is not an array", done)
			}
			t = t.Elem()
			done = fmt.Sprintf("%s[%d]", done, part.index)
			continue
		}
		if t.Kind() != reflect.Struct {
			return nil, fmt.Errorf("%s has no fields", done)
		}
		f, ok := fieldByJSONName(t, part.key)
		if !ok {
			where := "a scenario"
			if done != "" {
				where = done
			}
			return nil, fmt.Errorf("scenario field %s does not exist (known in %s: %s)", join(done, part.key), where, strings.Join(exportedJSONNames(t), ", "))
		}
		t = f.Type
		done = join(done, part.key)
	}
	return t, nil
}

type pathPart struct {
	key   string
	index int // ≥ 0 for "[i]"
}

// splitPath splits "a.b[2].c" into a, b, [2], c. A malformed path gives a
// part with an empty key, which matches no field.
func splitPath(path string) []pathPart {
	var out []pathPart
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		out = append(out, pathPart{key: name, index: -1})
		for rest != "" {
			idx, more, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(idx)
			if !ok || err != nil || i < 0 {
				return append(out, pathPart{index: -1})
			}
			out = append(out, pathPart{index: i})
			rest = strings.TrimPrefix(more, "[")
			if more != "" && !strings.HasPrefix(more, "[") {
				return append(out, pathPart{index: -1})
			}
		}
	}
	return out
}

// Doc is a scenario as a generic JSON document, so that fields can be set
// by JSON path before it is parsed: how sweeps build their points.
type Doc struct{ m map[string]any }

// NewDoc decodes a JSON object, keeping numbers as written.
func NewDoc(data []byte) (*Doc, error) {
	dec := json.NewDecoder(bytes.NewReader(withoutBOM(data)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return &Doc{doc}, nil
}

// JSON returns the document as compact JSON, object keys sorted.
func (d *Doc) JSON() ([]byte, error) { return json.Marshal(d.m) }

// Set sets the field at a JSON path to the JSON value v, creating objects
// on the way; array elements must exist. Fields are not checked against
// model.Config here (see [Field]); [Parse] checks the result.
func (d *Doc) Set(path string, v json.RawMessage) error {
	parts := splitPath(path)
	var cur any = d.m
	done := ""
	for i, part := range parts {
		last := i == len(parts)-1
		if part.index >= 0 {
			arr, ok := cur.([]any)
			if !ok || part.index >= len(arr) {
				return fmt.Errorf("the base scenario has no %s[%d]: set the whole array in the base scenario or in \"set\"", done, part.index)
			}
			done = fmt.Sprintf("%s[%d]", done, part.index)
			if last {
				arr[part.index] = v
				return nil
			}
			cur = arr[part.index]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return fmt.Errorf("the base scenario's %s is not an object", done)
		}
		done = join(done, part.key)
		if last {
			obj[part.key] = v
			return nil
		}
		next, ok := obj[part.key]
		if !ok {
			next = map[string]any{}
			obj[part.key] = next
		}
		cur = next
	}
	return nil
}
