package phase

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/scenarios/sweep"
)

// Hysteresis is the sweep behind a metastability phase diagram: one
// scenario with a schedule (the trigger) and an SLO (the steady-state
// hypothesis), run over a grid of the trigger's size and the load, several
// replications per point. Where the majority of replications did not
// recover after the trigger ended is the metastable region.
type Hysteresis struct {
	// Scenario is an embedded profile name or a scenario file.
	Scenario string
	// Trigger and Load are the two axes: Trigger the x axis (e.g.
	// schedule[0].load.rate, or schedule[0].for), Load the y axis (e.g.
	// agents.count or agents.think.mean).
	Trigger, Load sweep.Axis
	Replications  int
	Seed          uint64
}

// Spec returns the sweep spec of h, as the JSON a user could give to
// `agentchaos sweep` (with the scenario's path made absolute) and parsed.
// The same h always gives the same spec, so its results file can be
// resumed. A scenario without a schedule or an SLO, or an axis that is not
// a field of it, is a *scenarios.Error.
func (h Hysteresis) Spec() (*sweep.Spec, []byte, error) {
	cfg, err := scenarios.Load(h.Scenario)
	if err != nil {
		return nil, nil, err
	}
	if len(cfg.Schedule) == 0 || !cfg.SLO.Enabled() {
		return nil, nil, &scenarios.Error{Source: h.Scenario, Msg: "a hysteresis sweep needs a scenario with a schedule (the trigger) and an slo (the steady-state hypothesis whose recovery it judges)"}
	}
	base := h.Scenario
	if _, embedded := scenarios.Embedded(base); !embedded {
		if base, err = filepath.Abs(base); err != nil {
			return nil, nil, err
		}
	}
	data, err := json.MarshalIndent(sweep.Spec{Base: base, Seed: h.Seed, Replications: h.Replications,
		Axes: []sweep.Axis{h.Trigger, h.Load}}, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	s, err := sweep.ParseSpec(data, h.Scenario, ".")
	var e *scenarios.Error
	if errors.As(err, &e) && e.Source == h.Scenario {
		// Errors in the generated spec are the flags' errors.
		for i, flag := range []string{"trigger", "load"} {
			if at := fmt.Sprintf("axes[%d]", i); e.Field == at || strings.HasPrefix(e.Field, at+".") {
				return nil, nil, &scenarios.Error{Source: h.Scenario, Field: "--" + flag, Msg: e.Msg}
			}
		}
		return nil, nil, &scenarios.Error{Source: h.Scenario, Field: e.Field, Msg: e.Msg}
	}
	return s, data, err
}

// ParseAxis parses an axis written as PATH=FROM:TO:STEPS (a linear range,
// both ends included), PATH=log:FROM:TO:STEPS (a geometric one) or
// PATH=V1,V2,... (values), e.g. "schedule[0].load.rate=1:4:7".
func ParseAxis(text string) (sweep.Axis, error) {
	path, vals, ok := strings.Cut(text, "=")
	if !ok || path == "" || vals == "" {
		return sweep.Axis{}, fmt.Errorf("axis %q: want PATH=FROM:TO:STEPS, PATH=log:FROM:TO:STEPS or PATH=V1,V2,...", text)
	}
	a := sweep.Axis{Path: path}
	log := strings.HasPrefix(vals, "log:")
	if r := strings.Split(strings.TrimPrefix(vals, "log:"), ":"); len(r) == 3 {
		from, err1 := strconv.ParseFloat(r[0], 64)
		to, err2 := strconv.ParseFloat(r[1], 64)
		steps, err3 := strconv.Atoi(r[2])
		if err1 != nil || err2 != nil || err3 != nil || steps < 2 {
			return a, fmt.Errorf("axis %q: FROM and TO must be numbers and STEPS an integer of at least 2", text)
		}
		rg := &sweep.Range{From: from, To: to, Steps: steps}
		if log {
			a.Log = rg
		} else {
			a.Range = rg
		}
		return a, nil
	} else if log {
		return a, fmt.Errorf("axis %q: want PATH=log:FROM:TO:STEPS", text)
	}
	for _, v := range strings.Split(vals, ",") {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return a, fmt.Errorf("axis %q: %q is not a number", text, v)
		}
		a.Values = append(a.Values, json.RawMessage(strconv.FormatFloat(x, 'g', -1, 64)))
	}
	return a, nil
}
