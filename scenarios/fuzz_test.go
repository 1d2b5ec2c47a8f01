package scenarios

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"strings"
	"testing"

	"github.com/agentchaos/agentchaos/model"
)

// FuzzParse feeds the scenario loader arbitrary documents (CI runs it for a
// few seconds: .ci/run). Whatever the input, Parse returns a config or an
// *Error placed inside the document, never panics; a config it accepts is
// valid, survives Marshal and Parse unchanged, has a cost within the
// model's limits, and — when that cost is small — runs without a panic.
func FuzzParse(f *testing.F) {
	files, _ := fs.Glob(profiles, "profiles/*.json")
	for _, p := range files {
		data, _ := profiles.ReadFile(p)
		f.Add(data)
	}
	for _, doc := range []string{valid, `{"name": "T",}`, `[1]`, "\uFEFF" + valid, valid + " x",
		strings.Replace(valid, `"count": 10`, `"count": 1e3`, 1),
		`{"name":"x","agents":{"count":10,"arrival":"poisson","requests_per_agent":0,"horizon":10,"think":{"kind":"deterministic","mean":0}},"workers":{"count":2}}`,
		`{"name":"x","agents":{"count":2,"requests_per_agent":3},"workers":{"count":1,"service":{"kind":"pareto","mean":1,"alpha":1.01}},"queue":{"buffer":0}}`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.json")
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("not a *scenarios.Error: %v", err)
			}
			doc := withoutBOM(data)
			lines := 1 + bytes.Count(doc, []byte("\n"))
			if se.Line < 0 || se.Line > lines || (se.Line > 0 && se.Col < 1) {
				t.Fatalf("place %d:%d outside a document of %d lines: %v", se.Line, se.Col, lines, err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted an invalid config: %v", err)
		}
		k := cfg.Cost()
		if !(k.Periods <= model.MaxPeriods && k.Events <= model.MaxEvents && k.Bytes <= model.MaxBytes) || math.IsNaN(k.Seconds) {
			t.Fatalf("accepted a run beyond the limits: %+v", k)
		}
		out, err := Marshal(cfg)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse(out, "marshalled")
		if err != nil {
			t.Fatalf("a marshalled config does not load: %v\n%s", err, out)
		}
		again, _ := Marshal(back)
		if !bytes.Equal(out, again) {
			t.Fatalf("Marshal and Parse changed the config:\n%s\n%s", out, again)
		}
		if k.Events < 20_000 && k.Periods < 20_000 { // and congestion may not stretch it far
			if _, err := model.Run(cfg, model.Options{MaxPeriods: 50_000}); err != nil {
				var fe *model.FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("run failed without a field: %v", err)
				}
			}
		}
	})
}
