package model

import (
	"fmt"
	"math"
	"unsafe"
)

// Limits on one run. Validate refuses a configuration whose estimated cost
// (Config.Cost) or longest single wait breaks them, naming the field that
// does; a run that still reaches MaxPeriods (queueing made it longer than
// its agents' own pace) is stopped there with an error.
const (
	// MaxPeriods bounds the control periods, each of which runs the
	// telemetry, the detector and the throttle (under a microsecond): a
	// minute or two of ticking alone, or 58 days of simulated time at the
	// usual period of 0.05 s. Periods keep no memory (see Series).
	MaxPeriods = 100_000_000
	// MaxEvents bounds the kernel events a run is expected to fire: an
	// hour or two at the few million events a second one core fires.
	MaxEvents = 1e10
	// MaxBytes bounds the memory a run is expected to keep: the latencies
	// of exact percentiles, the rolling window, the agents, the chart
	// series.
	MaxBytes = 2 << 30
)

// Cost is what a run of a configuration is expected to take, estimated
// from its means before it starts. It is the agents' own pace: how long
// they create requests and how many; congestion can stretch a closed loop's
// run beyond it (see MaxPeriods).
type Cost struct {
	Seconds  float64 `json:"seconds"`  // simulated time
	Periods  float64 `json:"periods"`  // control periods
	Requests float64 `json:"requests"` // requests created
	Events   float64 `json:"events"`   // kernel events fired
	Bytes    float64 `json:"bytes"`    // memory kept to the end
}

// eventsPerRequest is the kernel events a request costs: 2.1 in EXP-002
// (an agent's wake-up, the end of its service, and a share of the control
// periods); retries, timeouts and a network add to it.
const eventsPerRequest = 2

// spanBytes is what the chart series keeps per control period, for at
// most SeriesSpans of them.
const spanBytes = float64(unsafe.Sizeof(Span{}))

// exactLatencyBytes is what exact percentiles keep per request: 8 bytes
// for its latency, and as much again for the radix sort's scratch when the
// report reads them.
const exactLatencyBytes = 16

// agentBytes is what a run keeps per agent.
const agentBytes = 16

// windowEndBytes is what a rolling window keeps per request in it: its end
// in the FIFO and its rank in a heap, with room for either to hold twice
// the window before it is compacted (the heaps are rebuilt once over half
// of them is dead). It bounds which runs Validate accepts: counting more
// here refuses configurations that used to run.
const windowEndBytes = 2 * float64(unsafe.Sizeof(windowEnd{})+unsafe.Sizeof(rank{}))

// defaultPeriod is the usual control period: a length that is too long at
// it is too long for any sensible period.
const defaultPeriod = 0.05

// Cost estimates the run of a valid configuration.
func (c *Config) Cost() Cost {
	k, _ := c.estimate()
	return k
}

// costFields names the fields that set an estimate: the run's length and
// the number of requests.
type costFields struct{ length, requests string }

func (c *Config) estimate() (Cost, costFields) {
	a := &c.Agents
	agents := float64(a.Count)
	var k Cost
	var f costFields
	var span float64 // how long the agents create requests, after their stagger
	switch {
	case a.Arrival == TraceArrivals && a.Trace != nil && len(a.Trace.Times) > 0:
		k.Requests = float64(len(a.Trace.Times))
		span = a.Trace.Times[len(a.Trace.Times)-1]
		f = costFields{"agents.trace.times", "agents.trace.times"}
	case a.Arrival == TraceArrivals && a.Trace != nil: // rates, until the horizon
		for i, r := range a.Trace.Rates {
			end := a.Horizon
			if i+1 < len(a.Trace.Rates) {
				end = a.Trace.Rates[i+1].T
			}
			if end > r.T {
				k.Requests += float64(r.Rate * (end - r.T))
			}
		}
		span = a.Horizon
		f = costFields{"agents.horizon", "agents.trace.rates"}
	default:
		gap, gapField := c.requestGap()
		perAgent := float64(a.RequestsPerAgent)
		span = float64(perAgent * gap)
		f = costFields{"agents.requests_per_agent", "agents.requests_per_agent"}
		if a.Horizon > 0 && (a.RequestsPerAgent == 0 || span > a.Horizon) {
			span, perAgent = a.Horizon, math.Inf(1)
			if gap > 0 {
				perAgent = a.Horizon / gap
			}
			f = costFields{"agents.horizon", gapField}
		}
		if perAgent < agents {
			f.requests = "agents.count"
		}
		k.Requests = float64(agents * perAgent)
	}
	k.Seconds = a.Stagger + span
	if a.Stagger > span {
		f.length = "agents.stagger"
	}
	k.Periods = k.Seconds / c.Detector.Period
	k.Events = float64(eventsPerRequest*k.Requests) + k.Periods
	window := k.Requests // completions in the rolling window
	if k.Seconds > c.Detector.Window {
		window = float64(k.Requests * (c.Detector.Window / k.Seconds))
	}
	k.Bytes = float64(min(k.Periods, SeriesSpans)*spanBytes) + float64(windowEndBytes*window) + float64(agentBytes*agents)
	if c.Telemetry.Percentiles != SketchPercentiles {
		k.Bytes += float64(exactLatencyBytes * k.Requests)
	}
	return k, f
}

// requestGap returns the mean time between one agent's requests, and the
// field that sets it.
func (c *Config) requestGap() (float64, string) {
	a := &c.Agents
	think, field := a.Think.MeanValue(), "agents.think.mean"
	if a.Think.Kind == Uniform || a.Think.Kind == Empirical {
		field = "agents.think"
	}
	switch a.Arrival {
	case Burst:
		return think / float64(a.BurstSize), field
	case Closed:
		// A closed agent waits for its answer, but a request turned away
		// is answered at once: then only the think time paces it.
		w := &c.Workers
		if !w.Unbounded && (a.Count > w.Count+c.Queue.Buffer || c.Queue.Limit != nil || c.Queue.CoDel != nil) {
			return think, field
		}
		svc := c.serviceMean()
		if svc > think {
			field = "workers.service.mean"
			if w.Overhead > svc/2 {
				field = "workers.overhead"
			}
		}
		return think + svc, field
	}
	return think, field
}

// serviceMean is the mean service time, before the pressure and
// concurrency laws: overhead + mean work · mean base service, plus the
// mean spike.
func (c *Config) serviceMean() float64 {
	var weights, work float64
	for _, w := range c.Agents.Mix {
		weights += w.Weight
		work += float64(w.Weight * w.Work)
	}
	svc := c.Workers.Overhead
	if weights > 0 {
		svc += float64(work / weights * c.Workers.Service.MeanValue())
	}
	if f := &c.Faults; f.SpikeProbability > 0 {
		svc += float64(f.SpikeProbability * f.SpikeDuration.MeanValue())
	}
	return svc
}

// validateCost is the last section: the longest single wait and the run's
// estimated cost against the limits, once every field is known to be valid.
func validateCost(v *validator, c *Config) {
	if v.err != nil {
		return
	}
	period := c.Detector.Period
	// periodsField names what to change when a length makes too many
	// periods: the length itself if it is too long even at the usual
	// period, else the period.
	periodsField := func(length float64, field string) string {
		if length/defaultPeriod > MaxPeriods || period >= defaultPeriod {
			return field
		}
		return "detector.period"
	}
	if periods := v.longest / period; periods > MaxPeriods {
		v.fail(periodsField(v.longest, v.longPath), fmt.Sprintf(
			"a wait of %g s (%s) lasts %.3g control periods of %g s (detector.period); a run may have at most %d",
			v.longest, v.longPath, periods, period, MaxPeriods))
		return
	}
	k, f := c.estimate()
	switch {
	case math.IsInf(k.Requests, 1):
		v.fail(f.requests, "with no request budget, a time of 0 between an agent's requests creates requests without end at one instant (time is integer nanoseconds): set agents.requests_per_agent, or a think time")
	case k.Periods > MaxPeriods:
		v.fail(periodsField(k.Seconds, f.length), fmt.Sprintf(
			"the run would last about %.3g s of simulated time (%s), %.3g control periods of %g s (detector.period): at most %d",
			k.Seconds, f.length, k.Periods, period, MaxPeriods))
	case k.Seconds > maxValue:
		v.fail(f.length, fmt.Sprintf("the agents would create requests for about %.4g s of simulated time: at most %g s", k.Seconds, maxValue))
	case k.Events > MaxEvents:
		v.fail(f.requests, fmt.Sprintf("the run would create about %.3g requests and fire %.3g events: at most %.3g events (about an hour of computing)", k.Requests, k.Events, MaxEvents))
	case k.Bytes > MaxBytes:
		if c.Telemetry.Percentiles != SketchPercentiles && exactLatencyBytes*k.Requests > k.Bytes/2 {
			v.fail("telemetry.percentiles", fmt.Sprintf(
				"exact percentiles keep every latency: about %.3g requests need %.3g GB, and a run may keep at most %.3g GB: use \"sketch\", or fewer requests",
				k.Requests, exactLatencyBytes*k.Requests/1e9, float64(MaxBytes)/1e9))
			return
		}
		field := "detector.window" // the requests that ended within it
		if float64(agentBytes*float64(c.Agents.Count)) > k.Bytes/2 {
			field = "agents.count"
		}
		v.fail(field, fmt.Sprintf("the run would keep about %.3g GB (%d agents, %.3g requests ending within the detector's %g s window): at most %.3g GB",
			k.Bytes/1e9, c.Agents.Count, k.Requests*min(1, c.Detector.Window/k.Seconds), c.Detector.Window, float64(MaxBytes)/1e9))
	}
}
