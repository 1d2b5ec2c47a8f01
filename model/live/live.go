package live

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// Mode is the Report.Mode of a live run.
const Mode = model.Live

// MaxScale bounds Options.Scale: a run a thousand times slower than
// simulated time is already a slow-motion replay.
const MaxScale = 1000

// Options are the settings of one live run that are not part of a scenario.
type Options struct {
	// Scale is the time scale k: the run goes k times slower than simulated
	// time. Every wait is multiplied by k and every timestamp divided by k,
	// so reports stay in simulated seconds. A larger k shrinks the timers'
	// lateness relative to the modelled durations (see the package doc). 0
	// means 1; otherwise it must be in (0, MaxScale].
	Scale float64
	// Sinks receive every lifecycle event after the monitor, in order, on
	// the run's goroutine. They must not block.
	Sinks []model.Sink
}

// Run runs cfg on the wall clock until every agent is done and the system
// is empty, and returns its report (Mode "live") and how late its events
// fired. It returns a *model.FieldError if cfg is invalid and an error if
// opt.Scale is out of range.
//
// If ctx is cancelled first, Run stops at once and returns the report of
// what happened so far together with ctx.Err(). Run leaves no goroutine or
// timer behind.
func Run(ctx context.Context, cfg *model.Config, opt Options) (model.Report, Lateness, error) {
	k := opt.Scale
	if k == 0 {
		k = 1
	}
	if !(k > 0 && k <= MaxScale) {
		return model.Report{}, Lateness{}, fmt.Errorf("live: scale must be in (0, %d], got %g", MaxScale, opt.Scale)
	}
	sys, err := model.NewSystem(cfg, model.Options{Sinks: opt.Sinks})
	if err != nil {
		return model.Report{}, Lateness{}, err
	}
	clk := NewClock(k)
	late, err := drive(ctx, sys.Sim(), sys.Settled, clk)
	if err == nil {
		err = sys.Err() // the run outgrew its control periods (model.MaxPeriods)
	}
	return sys.Report(Mode), Summarize(late), err
}

// drive fires sim's events on the wall clock: it sleeps until the next
// event is due, then fires every event due by the clock, each with the
// clock's reading (kernel.Sim.StepLate), and records how late each fired.
// Once settled reports that nothing observable can happen any more, it
// fires what remains at once, on simulated time. It returns the lateness of
// every event it fired on the wall clock, in simulated ns, and ctx.Err() if
// ctx was done first.
func drive(ctx context.Context, sim *kernel.Sim, settled func() bool, clk *Clock) ([]int64, error) {
	var late []int64
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		next, ok := sim.Next()
		if !ok {
			return late, nil
		}
		if settled() {
			sim.Run()
			return late, nil
		}
		if d := time.Until(clk.Wall(next)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return late, ctx.Err()
			}
		} else if err := ctx.Err(); err != nil {
			return late, err
		}
		now := max(clk.Now(), next) // the clock may read a rounding below next
		for {
			at, ok := sim.Next()
			if !ok || at > now {
				break
			}
			late = append(late, int64(now-at))
			sim.StepLate(now)
		}
	}
}

// Clock maps simulated time to the wall clock: simulated t is wall time
// start + k·t. It reads the monotonic clock only, and is safe for
// concurrent use.
type Clock struct {
	start time.Time
	k     float64
}

// NewClock starts a clock now at scale k (k times slower than simulated
// time).
func NewClock(k float64) *Clock { return &Clock{start: time.Now(), k: k} }

// Now returns the simulated time of the current instant.
func (c *Clock) Now() kernel.Time {
	d := time.Since(c.start)
	if c.k == 1 {
		return kernel.Time(d)
	}
	return kernel.Time(math.Floor(float64(d) / c.k))
}

// Wall returns the wall-clock instant of simulated time t.
func (c *Clock) Wall(t kernel.Time) time.Time {
	if c.k == 1 {
		return c.start.Add(time.Duration(t))
	}
	return c.start.Add(time.Duration(math.Ceil(float64(t) * c.k)))
}

// Span returns the wall-clock length of a simulated span.
func (c *Clock) Span(d kernel.Duration) time.Duration {
	if c.k == 1 {
		return time.Duration(d)
	}
	return time.Duration(math.Ceil(float64(d) * c.k))
}

// Sim returns the simulated length of a wall-clock span.
func (c *Clock) Sim(d time.Duration) kernel.Duration {
	if c.k == 1 {
		return kernel.Duration(d)
	}
	return kernel.Duration(math.Floor(float64(d) / c.k))
}
