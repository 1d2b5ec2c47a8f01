package live

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// Mode is the Report.Mode of a live run.
const Mode = "live"

// MaxScale bounds Options.Scale: a run a thousand times slower than
// simulated time is already a slow-motion replay.
const MaxScale = 1000

// MaxGoroutines bounds Agents.Count + Workers.Count: a live run starts one
// goroutine for each, a few kilobytes of stack apiece.
const MaxGoroutines = 100_000

// Options are the settings of one live run that are not part of a scenario.
type Options struct {
	// Scale is the time scale k: the run goes k times slower than simulated
	// time. Every sleep (stagger, think, service, backoff, throttle, queue
	// timeout, control period) is multiplied by k and every timestamp divided
	// by k, so reports stay in simulated seconds. A larger k shrinks the
	// timer overshoot relative to the modelled durations (see the package
	// doc). 0 means 1; otherwise it must be in (0, MaxScale].
	Scale float64
	// Sinks receive every lifecycle event after the monitor, in order,
	// under the run's lock. They must not block.
	Sinks []model.Sink
}

// Run runs cfg with real goroutines and timers until every agent is done
// and the system is empty, and returns its report (Mode "live", Events 0)
// and how late its services ended. It returns a *model.FieldError if cfg is
// invalid or has more than MaxGoroutines agents and workers, and an error if
// opt.Scale is out of range.
//
// If ctx is cancelled first, Run stops every goroutine it started and
// returns the report of what happened so far together with ctx.Err().
// Run never leaves a goroutine or a timer behind.
func Run(ctx context.Context, cfg *model.Config, opt Options) (model.Report, Lateness, error) {
	if err := cfg.Validate(); err != nil {
		return model.Report{}, Lateness{}, err
	}
	if n := cfg.Agents.Count + cfg.Workers.Count; n > MaxGoroutines {
		return model.Report{}, Lateness{}, &model.FieldError{Path: "agents.count",
			Msg: fmt.Sprintf("live mode runs a goroutine per agent and per worker, at most %d in all (got %d)", MaxGoroutines, n)}
	}
	k := opt.Scale
	if k == 0 {
		k = 1
	}
	if !(k > 0 && k <= MaxScale) {
		return model.Report{}, Lateness{}, fmt.Errorf("live: scale must be in (0, %d], got %g", MaxScale, opt.Scale)
	}
	s := newSystem(cfg, opt, k)
	finished := s.run(ctx)
	rep := model.BuildReport(cfg, s.mon, s.last, Mode)
	late := summarize(s.late)
	if !finished {
		return rep, late, ctx.Err()
	}
	return rep, late, nil
}

// clock maps simulated time to the wall clock: simulated t is wall time
// start + k·t. It reads the monotonic clock only.
type clock struct {
	start time.Time
	k     float64
}

// now returns the simulated time of the current instant.
func (c *clock) now() kernel.Time {
	d := time.Since(c.start)
	if c.k == 1 {
		return kernel.Time(d)
	}
	return kernel.Time(math.Floor(float64(d) / c.k))
}

// wall returns the wall-clock instant of simulated time t.
func (c *clock) wall(t kernel.Time) time.Time {
	if c.k == 1 {
		return c.start.Add(time.Duration(t))
	}
	return c.start.Add(time.Duration(math.Ceil(float64(t) * c.k)))
}

// system is one live run's state. Every field below mu, and the monitor,
// is guarded by mu; the agents', workers' and ticker's goroutines take it
// for each step, so the event stream is totally ordered and its timestamps,
// read under the lock, never go backwards.
type system struct {
	cfg    *model.Config
	ctx    context.Context // cancelled by the caller, or by run at the end
	draws  *model.Sampler
	clk    clock
	period kernel.Duration
	wg     sync.WaitGroup // agents, workers and armed queue timeouts

	mu     sync.Mutex
	closed bool // the run is over: agents stop, late timeouts do nothing
	mon    *model.Monitor
	sinks  []model.Sink
	last   kernel.Time // time of the last lifecycle event
	late   []int64     // lateness of every service's end, simulated ns

	agentStage
	queueStage
	workerStage
	inSystem int // accepted requests not yet ended
}

// request is one request in flight. Everything random about it is drawn
// from its own stream when it is created, exactly as in the simulation.
type request struct {
	model.Draws
	agent, seq int32
	created    kernel.Time
	queued     bool        // in the waiting room (not taken, not timed out)
	timer      *time.Timer // its queue timeout, while queued
	fail       bool        // the fault injector's decision, made when service starts
	end        kernel.Time // when its service ends, once started
}

func newSystem(cfg *model.Config, opt Options, k float64) *system {
	s := &system{cfg: cfg, draws: model.NewSampler(cfg), clk: clock{k: k},
		period: kernel.Seconds(cfg.Detector.Period), mon: model.NewMonitor(cfg), sinks: opt.Sinks}
	s.initAgents()
	s.initQueue()
	s.initWorkers()
	return s
}

// run starts the goroutines, ticks the monitor from the calling goroutine
// until the run is over (or ctx is done), then stops everything and waits
// for it. It reports whether the run finished.
func (s *system) run(ctx context.Context) bool {
	ctx, cancel := context.WithCancel(ctx)
	s.ctx = ctx
	s.clk.start = time.Now()
	s.wg.Add(len(s.agents) + len(s.assign))
	for a := range s.agents {
		go s.agent(int32(a))
	}
	for w := range s.assign {
		go s.worker(int32(w))
	}
	finished := s.ticker()

	s.mu.Lock()
	s.closed = true
	s.disarmAll()
	s.mu.Unlock()
	cancel() // dismisses idle workers and agents still waiting to wake
	s.wg.Wait()
	return finished
}

// ticker ends a control period every Detector.Period (scaled), as the
// simulation's tick event does, while anything can still happen. Once every
// agent has spent its budget and the system is empty, only the agents'
// last wake-ups (which find them exhausted) remain; the simulation ticks on
// until then with nothing to observe, and so does the ticker, without
// waiting for the wall clock.
func (s *system) ticker() bool {
	for n := kernel.Time(1); ; n++ {
		if !s.sleepUntil(n * kernel.Time(s.period)) {
			return false
		}
		s.mu.Lock()
		now := s.clk.now()
		s.mon.Tick(now)
		idle := s.inSystem == 0
		if idle && s.activeAgents > 0 && s.spentAgents == len(s.agents) {
			for last := s.lastWake(); now < last; {
				n++
				now = max(n*kernel.Time(s.period), now+1)
				s.mon.Tick(now)
			}
			s.activeAgents = 0 // as the simulation has it after those wake-ups
		}
		quiet := idle && s.activeAgents == 0
		s.mu.Unlock()
		if quiet {
			return true
		}
	}
}

// sleepUntil blocks until simulated time t; false if ctx was done first.
func (s *system) sleepUntil(t kernel.Time) bool {
	d := time.Until(s.clk.wall(t))
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	select {
	case <-tm.C:
		return true
	case <-s.ctx.Done():
		tm.Stop()
		return false
	}
}

// emit sends one lifecycle event to the monitor and the sinks. mu held.
func (s *system) emit(e model.Event) {
	s.last = e.T
	s.mon.Observe(e)
	for _, k := range s.sinks {
		k.Observe(e)
	}
}

// event returns request r's lifecycle event at time t. mu held.
func (s *system) event(t kernel.Time, typ model.EventType, r *request) model.Event {
	return model.Event{T: t, Type: typ, Workload: r.Workload, Agent: r.agent, Seq: r.seq,
		Worker: -1, Depth: int32(s.waiting)}
}
