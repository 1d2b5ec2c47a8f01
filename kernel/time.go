package kernel

import (
	"math"
	"strconv"
)

// Time is a point in virtual time, or a duration, as an integer count of
// nanoseconds. Its zero is the start of a run.
type Time int64

// Units of Time.
const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond

	// Forever is later than any event; a run until Forever runs until no
	// events remain.
	Forever Time = math.MaxInt64
)

// Seconds converts a duration in seconds to Time, rounding to the nearest
// nanosecond. It panics if s is NaN or out of range.
func Seconds(s float64) Time {
	ns := math.Round(float64(s * 1e9))
	if math.IsNaN(ns) || ns >= math.MaxInt64 || ns <= math.MinInt64 {
		panic("kernel: Seconds(" + strconv.FormatFloat(s, 'g', -1, 64) + ") out of range")
	}
	return Time(ns)
}

// Seconds returns t in seconds. The division is correctly rounded, so the
// result is the same on every architecture.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// String formats t in seconds, for messages and traces.
func (t Time) String() string { return strconv.FormatFloat(t.Seconds(), 'f', -1, 64) + "s" }
