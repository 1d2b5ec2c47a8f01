package scenarios

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/stretchr/testify/require"
)

const valid = `{
  "name": "T",
  "agents": {"count": 10, "requests_per_agent": 5},
  "queue": {"buffer": 4},
  "workers": {"count": 2}
}`

func TestEmbeddedProfilesLoad(t *testing.T) {
	list, err := List()
	require.NoError(t, err)
	names := map[string]Info{}
	for _, s := range list {
		names[s.Name] = s
	}
	for _, want := range []struct {
		name                    string
		agents, workers, buffer int
	}{{"EXP-001", 80, 12, 200}, {"EXP-002", 400, 4, 80}, {"EXP-003", 1000, 2, 50}} {
		s, ok := names[want.name]
		require.True(t, ok, want.name)
		require.Equal(t, [3]int{want.agents, want.workers, want.buffer}, [3]int{s.Agents, s.Workers, s.Buffer})
		cfg, err := Load(strings.ToLower(want.name))
		require.NoError(t, err, "names are case-insensitive")
		require.Equal(t, want.name, cfg.Name)
	}
}

func TestDefaultsFillOmittedFields(t *testing.T) {
	cfg, err := Parse([]byte(valid), "t.json")
	require.NoError(t, err)
	d := defaults()
	require.Equal(t, d.Detector, cfg.Detector)
	require.Equal(t, d.Throttle, cfg.Throttle)
	require.Equal(t, 10, cfg.Agents.Count)
	require.Equal(t, d.Agents.Mix, cfg.Agents.Mix)
}

func TestMarshalRoundTrip(t *testing.T) {
	cfg, err := Load("EXP-002")
	require.NoError(t, err)
	data, err := Marshal(cfg)
	require.NoError(t, err)
	back, err := Parse(data, "round-trip")
	require.NoError(t, err)
	require.Equal(t, cfg, back)
}

func TestLoadFromFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mine.json")
	require.NoError(t, os.WriteFile(p, []byte(valid), 0o644))
	cfg, err := Load(p)
	require.NoError(t, err)
	require.Equal(t, "T", cfg.Name)
	_, err = Load(filepath.Join(dir, "missing.json"))
	require.ErrorContains(t, err, "no such scenario file")
}

// Every way a profile can be wrong, with the message and place it gets.
func TestLoaderRejections(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"syntax", `{"name": "T",}`, "t.json:1:14: invalid JSON"},
		{"truncated", `{"name": "T", "agents": {`, "t.json:1:26: invalid JSON: unexpected end of input"},
		{"not an object", `[1, 2]`, "t.json:1:1: a scenario must be a JSON object"},
		{"trailing data", valid + ` {}`, "unexpected data after the scenario object"},
		{"unknown top-level field", `{"name": "T", "agnets": {}}`, "t.json:1:15: agnets: unknown field (known here: name, description, seed, agents, queue, workers, faults, detector, throttle, telemetry, client, network, schedule, slo)"},
		{"unknown nested field", "{\"name\": \"T\",\n  \"workers\": {\"count\": 2, \"servic\": {}}}", "t.json:2:27: workers.servic: unknown field"},
		{"unknown field in array element", `{"name": "T", "agents": {"mix": [{"name": "A", "weight": 1, "work": 1}, {"nme": "B"}]}}`, "agents.mix[1].nme: unknown field"},
		{"duplicate field", `{"name": "T", "name": "U"}`, "t.json:1:15: name: duplicate field"},
		{"wrong type string for number", strings.Replace(valid, `"count": 10`, `"count": "ten"`, 1), "t.json:3:23: agents.count: wrong type: want an integer, got a string"},
		{"wrong type fraction for int", strings.Replace(valid, `"buffer": 4`, `"buffer": 4.5`, 1), "t.json:4:23: queue.buffer: wrong type: want an integer, got the number 4.5"},
		{"wrong type object for number", strings.Replace(valid, `"buffer": 4`, `"buffer": {}`, 1), "t.json:4:23: queue.buffer: wrong type: want an integer, got an object"},
		{"negative seed", `{"name": "T", "seed": -1}`, "t.json:1:23: seed: want an integer in [0, 2^64), got -1"},
		{"number too large", strings.Replace(valid, `"buffer": 4`, `"buffer": 1e999`, 1), "queue.buffer"},
		{"negative count", strings.Replace(valid, `"count": 10`, `"count": -3`, 1), "t.json:3:23: agents.count: must be in [1, 10000000] (got -3)"},
		{"zero workers", strings.Replace(valid, `"count": 2`, `"count": 0`, 1), "t.json:5:24: workers.count: must be in [1, 1000000] (got 0)"},
		{"absurd agents", strings.Replace(valid, `"count": 10`, `"count": 1000000000000`, 1), "agents.count: must be in [1, 10000000]"},
		{"probability above 1", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1}, "queue": {"buffer": 1}, "workers": {"count": 1}, "faults": {"error_probability": 1.5}}`, "t.json:1:145: faults.error_probability: must be a probability in [0, 1] (got 1.5)"},
		{"negative probability", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1}, "queue": {"buffer": 1}, "workers": {"count": 1}, "faults": {"spike_probability": -0.1}}`, "faults.spike_probability: must be a probability in [0, 1] (got -0.1)"},
		{"huge duration", strings.Replace(valid, `"buffer": 4}`, `"buffer": 4, "timeout": 1e300}`, 1), "queue.timeout: must be at most 1e+09"},
		{"unknown distribution", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1}, "queue": {"buffer": 1}, "workers": {"count": 1, "service": {"kind": "weibull", "mean": 1}}}`, "workers.service.kind: unknown distribution \"weibull\""},
		{"distribution parameter that does not apply", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1}, "queue": {"buffer": 1}, "workers": {"count": 1, "service": {"kind": "exponential", "mean": 1, "cv": 2}}}`, "workers.service.cv: does not apply to kind \"exponential\""},
		{"zero service mean", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1}, "queue": {"buffer": 1}, "workers": {"count": 1, "service": {"kind": "exponential", "mean": 0}}}`, "workers.service.mean: must be above 0"},
		{"no budget", `{"name": "T", "agents": {"count": 1}, "queue": {"buffer": 1}, "workers": {"count": 1}}`, "agents.requests_per_agent: set a request budget or agents.horizon"},
		{"bad arrival", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1, "arrival": "open"}, "queue": {"buffer": 1}, "workers": {"count": 1}}`, "agents.arrival: must be \"closed\", \"poisson\", \"burst\" or \"trace\", not \"open\""},
		{"zero weights", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1, "mix": [{"name": "A", "weight": 0, "work": 1}]}, "queue": {"buffer": 1}, "workers": {"count": 1}}`, "agents.mix: weights must not all be zero"},
		{"slowdown without exponent", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1}, "queue": {"buffer": 1}, "workers": {"count": 1, "slowdown": {"alpha": 1}}}`, "workers.slowdown.gamma: must be above 0 when alpha is set"},
		{"thresholds out of order", `{"name": "T", "agents": {"count": 1, "requests_per_agent": 1}, "queue": {"buffer": 1}, "workers": {"count": 1}, "detector": {"degraded_saturation": 0.9, "collapse_saturation": 0.5}}`, "detector.collapse_saturation: must not be below detector.degraded_saturation"},
		{"missing name", `{"agents": {"count": 1, "requests_per_agent": 1}, "queue": {"buffer": 1}, "workers": {"count": 1}}`, "name: is required"},
		{"empty", ``, "invalid JSON: unexpected end of input"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "t.json")
			require.Error(t, err)
			var se *Error
			require.ErrorAs(t, err, &se)
			require.Contains(t, err.Error(), c.want)
		})
	}
}

func TestErrorPositionOfAbsentField(t *testing.T) {
	// A problem with a field the profile leaves out points at its enclosing
	// object, the nearest place that exists.
	doc := "{\"name\": \"T\",\n \"agents\": {\"count\": 1, \"requests_per_agent\": 1, \"arrival\": \"burst\"},\n \"queue\": {\"buffer\": 1}, \"workers\": {\"count\": 1}}"
	_, err := Parse([]byte(doc), "t.json")
	var se *Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, "agents.burst_size", se.Field)
	require.Equal(t, 2, se.Line)
}

func TestFieldErrorsAreModelErrors(t *testing.T) {
	cfg := defaults()
	cfg.Name = "x"
	cfg.Agents.Count = 1
	cfg.Agents.RequestsPerAgent = 1
	cfg.Workers.Count = 1
	require.NoError(t, cfg.Validate())
	cfg.Detector.FinalFraction = 0
	var fe *model.FieldError
	require.ErrorAs(t, cfg.Validate(), &fe)
	require.Equal(t, "detector.final_fraction", fe.Path)
}

// Optional sections are pointers: a path goes through them.
func TestFieldThroughOptionalSections(t *testing.T) {
	for path, want := range map[string]string{"schedule[0].load.rate": "float64", "queue.codel.target": "float64",
		"agents.groups[1].client.retry.max_attempts": "int", "schedule[2].crash": "model.CrashAction"} {
		ft, err := Field(path)
		require.NoError(t, err, path)
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		require.Equal(t, want, ft.String(), path)
	}
	_, err := Field("schedule[0].load.size")
	require.ErrorContains(t, err, "scenario field schedule[0].load.size does not exist (known in schedule[0].load: rate, agents, diurnal)")
}

// Issue 18, item 11: syntax errors are placed where they are, counted by
// hand: line and column (in characters, from 1) of the offending character.
func TestSyntaxErrorPositions(t *testing.T) {
	cases := []struct {
		name, doc string
		line, col int
		msg       string
	}{
		{"NaN on line 7", "{\n  \"name\": \"x\",\n  \"agents\": {\"count\": 10,\n    \"requests_per_agent\": 5},\n" +
			"  \"workers\": {\"count\": 2,\n    \"overhead\": 0.1,\n    \"service\": {\"kind\": \"exponential\", \"mean\": NaN}}\n}\n",
			7, 48, "invalid character 'N'"},
		{"junk after the object on line 6", "{\"name\": \"x\",\n \"agents\": {\"count\": 10, \"requests_per_agent\": 5},\n \"workers\": {\"count\": 2}\n}\n\n  junk\n",
			6, 3, "unexpected data after the scenario object"},
		{"junk after a one-line object", `{"name":"x","agents":{"count":10,"requests_per_agent":5},"workers":{"count":2}}  xyz`,
			1, 82, "unexpected data after the scenario object"},
		{"a second object", `{"name":"x","agents":{"count":10,"requests_per_agent":5},"workers":{"count":2}}{}`,
			1, 80, "unexpected data after the scenario object"},
		{"doubled comma", `{"name":"x", "agents":{"count":10,,"requests_per_agent":5}}`, 1, 35, "invalid character ','"},
		{"cut off on line 2", "{\n  \"name\": \"x\",", 2, 15, "unexpected end of input"},
		{"missing colon", "{\"name\": \"x\",\n \"agents\" {}}", 2, 11, "invalid character '{' after object key"},
		{"after a byte order mark", "\uFEFF{\"name\": }", 1, 10, "invalid character '}'"},
		{"single quotes on line 3", "{\n\"name\": \"x\",\n'agents': {}}", 3, 1, "invalid character '\\''"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "t.json")
			var se *Error
			require.ErrorAs(t, err, &se)
			require.Equal(t, [2]int{c.line, c.col}, [2]int{se.Line, se.Col}, "%v", err)
			require.Contains(t, se.Msg, c.msg)
		})
	}
}

// Issue 18, item 15: numbers get messages about what is wrong with them, and
// a byte order mark is not an error.
func TestNumberMessagesAndBOM(t *testing.T) {
	load := func(doc string) (*model.Config, error) { return Parse([]byte(doc), "t.json") }
	_, err := load(strings.Replace(valid, `"buffer": 4`, `"buffer": 4, "timeout": 1e309`, 1))
	require.ErrorContains(t, err, "t.json:4:37: queue.timeout: the number 1e309 is out of range")

	// An integer written with an exponent is an integer: the range is what
	// can be wrong with it.
	_, err = load(strings.Replace(valid, `"count": 10`, `"count": 1e12`, 1))
	require.ErrorContains(t, err, "t.json:3:23: agents.count: must be in [1, 10000000] (got 1000000000000)")
	cfg, err := load(strings.Replace(valid, `"count": 10`, `"count": 1e3`, 1))
	require.NoError(t, err)
	require.Equal(t, 1000, cfg.Agents.Count)
	cfg, err = load(strings.Replace(valid, `"name": "T",`, `"name": "T", "seed": 2.0,`, 1))
	require.NoError(t, err)
	require.Equal(t, uint64(2), cfg.Seed)
	_, err = load(strings.Replace(valid, `"count": 10`, `"count": 1e30`, 1))
	require.ErrorContains(t, err, "agents.count: want an integer, got 1e30: beyond the range of a 64-bit integer")
	_, err = load(strings.Replace(valid, `"count": 10`, `"count": 99999999999999999999`, 1))
	require.ErrorContains(t, err, "agents.count: want an integer, got 99999999999999999999: beyond the range")
	_, err = load(strings.Replace(valid, `"count": 10`, `"count": 2.5e0`, 1))
	require.ErrorContains(t, err, "wrong type: want an integer, got the number 2.5e0")

	cfg, err = load("\uFEFF" + valid)
	require.NoError(t, err, "a UTF-8 byte order mark is skipped")
	require.Equal(t, "T", cfg.Name)
	_, err = load("\uFEFF" + strings.Replace(valid, `"count": 10`, `"count": 0`, 1))
	require.ErrorContains(t, err, "t.json:3:23: agents.count", "positions do not count the mark")
}

// A scenario file is read with a bound: a device that never ends or a
// folder is refused, not read into memory.
func TestInputFilesAreBounded(t *testing.T) {
	_, err := Load(t.TempDir())
	require.ErrorContains(t, err, "is a directory, not a file")
	if _, err := os.Stat("/dev/zero"); err == nil {
		defer func(n int) { maxInputBytes = n }(maxInputBytes)
		maxInputBytes = 2 << 20
		_, err := Load("/dev/zero")
		require.ErrorContains(t, err, "/dev/zero: is larger than 2 MiB")
	}
}
