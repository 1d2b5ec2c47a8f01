package live

import (
	"slices"

	"github.com/agentchaos/agentchaos/kernel"
)

// Lateness summarises how late a live run's events fired: for each event
// fired on the wall clock, the clock's reading when it fired minus the time
// the model scheduled it for. It is in simulated seconds (wall-clock
// lateness divided by the scale), so it compares directly with the
// configuration's durations. Every service, think time and timeout of a live
// run lasts its simulated time plus this lateness, which is why a live run
// drifts from the simulation; under testing/synctest it is exactly 0.
type Lateness struct {
	Count int     `json:"count"` // events measured
	Mean  float64 `json:"mean"`
	P5    float64 `json:"p5"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// Summarize sorts ns (simulated nanoseconds) in place and summarises it.
func Summarize(ns []int64) Lateness {
	l := Lateness{Count: len(ns)}
	if len(ns) == 0 {
		return l
	}
	slices.Sort(ns)
	var sum float64
	for _, x := range ns {
		sum += float64(x)
	}
	at := func(p float64) float64 { return kernel.Duration(ns[int(p*float64(len(ns)-1))]).Seconds() }
	l.Mean = sum / float64(len(ns)) / 1e9
	l.P5, l.P50, l.P95, l.P99 = at(0.05), at(0.50), at(0.95), at(0.99)
	l.Max = kernel.Duration(ns[len(ns)-1]).Seconds()
	return l
}
