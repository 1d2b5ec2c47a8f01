package model

import (
	"fmt"
	"math"
)

// Config describes one system to simulate: one section per stage. Durations
// are in seconds. The JSON field names are the scenario file format (see
// package scenarios).
type Config struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Seed is the root seed of every random stream in the run.
	Seed      uint64          `json:"seed"`
	Agents    AgentConfig     `json:"agents"`
	Queue     QueueConfig     `json:"queue"`
	Workers   WorkerConfig    `json:"workers"`
	Faults    FaultConfig     `json:"faults"`
	Detector  DetectorConfig  `json:"detector"`
	Throttle  ThrottleConfig  `json:"throttle"`
	Telemetry TelemetryConfig `json:"telemetry"`
	Client    ClientConfig    `json:"client,omitzero"`
	Network   NetworkConfig   `json:"network,omitzero"`
	Schedule  ScheduleConfig  `json:"schedule,omitempty"`
	SLO       SLOConfig       `json:"slo,omitzero"`
}

// section is one stage's part of a Config: it checks its own fields (and
// any cross-field rule it owns, with the whole Config at hand).
type section interface {
	validate(v *validator, c *Config)
}

// sections lists every stage's section, in the order a scenario file shows
// them, and last the run's cost (cost.go); the first problem found is the
// one reported.
func (c *Config) sections() []section {
	return []section{&c.Agents, &c.Queue, &c.Workers, &c.Faults, &c.Detector, &c.Throttle, &c.Telemetry,
		sectionFunc(func(v *validator, c *Config) { c.Client.validate(v, "client") }), &c.Network, &c.Schedule, &c.SLO,
		sectionFunc(validateCost)}
}

// sectionFunc validates a section whose checks need a path.
type sectionFunc func(v *validator, c *Config)

func (f sectionFunc) validate(v *validator, c *Config) { f(v, c) }

// Validate checks every field's range and returns the first problem as a
// *FieldError, or nil.
func (c *Config) Validate() error {
	v := validator{}
	for _, s := range c.sections() {
		s.validate(&v, c)
	}
	return v.err
}

// FieldError is a configuration error tied to a field, named by its JSON path
// ("workers.service.cv", "agents.mix[2].weight").
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Limits against absurd sizes: they keep a typo from exhausting memory.
const (
	MaxAgents  = 10_000_000
	MaxWorkers = 1_000_000
	MaxBuffer  = 100_000_000
)

// maxValue bounds every duration and factor: 10⁹ seconds is 31 years, and
// nanosecond times must stay far from int64 overflow.
const maxValue = 1e9

// validator keeps the first error, and the longest single wait the
// sections declared (see wait).
type validator struct {
	err      error
	longest  float64 // seconds
	longPath string
}

func (v *validator) fail(path, msg string) {
	if v.err == nil {
		v.err = &FieldError{Path: path, Msg: msg}
	}
}

// finite fails unless x is a finite number of at most maxValue in size.
func (v *validator) finite(path string, x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		v.fail(path, "must be a finite number")
		return false
	}
	if math.Abs(x) > maxValue {
		v.fail(path, fmt.Sprintf("must be at most %g (got %g)", maxValue, x))
		return false
	}
	return true
}

func (v *validator) nonNeg(path string, x float64) {
	if v.finite(path, x) && x < 0 {
		v.fail(path, fmt.Sprintf("must not be negative (got %g)", x))
	}
}

func (v *validator) positive(path string, x float64) {
	if v.finite(path, x) && !(x > 0) {
		v.fail(path, fmt.Sprintf("must be above 0 (got %g)", x))
	}
}

// seconds checks a time in seconds: finite, not negative, and 0 or at
// least a nanosecond. Time is integer nanoseconds: a smaller positive time
// would round to 0 and mean "none" (a timeout that never fires) or an event
// loop that makes no progress.
func (v *validator) seconds(path string, x float64) bool {
	if !v.finite(path, x) {
		return false
	}
	switch {
	case x < 0:
		v.fail(path, fmt.Sprintf("must not be negative (got %g)", x))
	case x > 0 && x < minTime:
		v.fail(path, subNanosecond(x))
	default:
		return true
	}
	return false
}

// minTime is the shortest time a field may hold besides 0: one nanosecond.
const minTime = 1e-9

func subNanosecond(x float64) string {
	return fmt.Sprintf("%g s is less than a nanosecond, and time is integer nanoseconds: use 0 or at least 1e-09 s", x)
}

// positiveSeconds checks a time that must be above 0: at least a nanosecond.
func (v *validator) positiveSeconds(path string, x float64) {
	if v.seconds(path, x) && x == 0 {
		v.fail(path, "must be above 0 (at least 1e-09 s: time is integer nanoseconds)")
	}
}

// wait checks a time the run may sit through as one wait (a think time, a
// service, a backoff, a timeout) and records the longest: the control
// periods go on while anything waits, so one wait must fit in MaxPeriods
// periods (checked with the run's cost, once the detector's period is
// known).
func (v *validator) wait(path string, x float64) {
	if v.seconds(path, x) {
		v.note(path, x)
	}
}

// note records a wait of x seconds that needs no check of its own (one
// computed from other fields).
func (v *validator) note(path string, x float64) {
	if x > v.longest {
		v.longest, v.longPath = x, path
	}
}

func (v *validator) atLeast(path string, x, min float64) {
	if v.finite(path, x) && x < min {
		v.fail(path, fmt.Sprintf("must be at least %g (got %g)", min, x))
	}
}

func (v *validator) prob(path string, x float64) {
	if v.finite(path, x) && (x < 0 || x > 1) {
		v.fail(path, fmt.Sprintf("must be a probability in [0, 1] (got %g)", x))
	}
}

func (v *validator) intIn(path string, x, min, max int) {
	if x < min || x > max {
		v.fail(path, fmt.Sprintf("must be in [%d, %d] (got %d)", min, max, x))
	}
}

// unused fails when a field that does not apply was set.
func (v *validator) unused(path string, set bool, why string) {
	if set {
		v.fail(path, why)
	}
}
