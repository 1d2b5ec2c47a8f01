package kernel

import (
	"math"
	"strconv"
)

// Time is an instant of virtual time: an integer count of nanoseconds since
// the start of a run. Its zero value is that start. A span between two
// instants is a [Duration]; keeping the two apart (as package time does)
// means an instant cannot be passed where a delay is meant.
type Time int64

// Duration is a span of virtual time in integer nanoseconds. It may be
// negative (Time.Sub of a later instant), but delays given to the kernel
// must not be.
type Duration int64

// Units of Duration.
const (
	Nanosecond  Duration = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
)

// Forever is later than any event: a run until Forever runs until no events
// remain.
const Forever Time = math.MaxInt64

// Seconds converts a span in seconds to a Duration, rounding to the nearest
// nanosecond. It panics if s is NaN or out of range.
func Seconds(s float64) Duration {
	ns := float64(s * 1e9)
	if ns >= 0 && ns < 1<<52 {
		// The common case, several times a request: here the integer
		// part and the fraction left are exact, so rounding half away
		// from zero is a truncation and a comparison (math.Round, which
		// the rest takes, is bit manipulation on amd64 v1).
		i := int64(ns)
		if ns-float64(i) >= 0.5 {
			i++
		}
		return Duration(i)
	}
	return secondsRounded(s, ns)
}

func secondsRounded(s, ns float64) Duration {
	ns = math.Round(ns)
	if math.IsNaN(ns) || ns >= math.MaxInt64 || ns <= math.MinInt64 {
		panic("kernel: Seconds(" + strconv.FormatFloat(s, 'g', -1, 64) + ") out of range")
	}
	return Duration(ns)
}

// Seconds returns d in seconds. The division is correctly rounded, so the
// result is the same on every architecture.
func (d Duration) Seconds() float64 { return float64(d) / 1e9 }

// String formats d in seconds, for messages and traces.
func (d Duration) String() string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s" }

// Add returns the instant d after t. The caller keeps t+d below Forever.
func (t Time) Add(d Duration) Time { return t + Time(d) }

// Sub returns the span from u to t (t − u).
func (t Time) Sub(u Time) Duration { return Duration(t - u) }

// Seconds returns t in seconds since the start of the run, correctly
// rounded (the same on every architecture).
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// String formats t in seconds since the start, for messages and traces.
func (t Time) String() string { return strconv.FormatFloat(t.Seconds(), 'f', -1, 64) + "s" }
