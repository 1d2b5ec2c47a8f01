package httplive

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// server is the built-in server: the queue, the workers and the fault
// injector behind a net/http server on 127.0.0.1. Its state is guarded by
// the run's mutex.
type server struct {
	r    *run
	http *http.Server
	addr string

	room       model.WaitingRoom
	idle       model.IdleWorkers
	unbounded  bool
	workers    int32 // workers made so far, in an unbounded pool
	buffer     int
	waiting    int // attempts in the waiting room: the queue's depth
	inSystem   int // attempts admitted and not yet answered or dropped
	busy       model.Busy
	codel      *model.CoDel
	limiter    *model.Limiter
	law        model.ServiceLaw
	inj        *model.FaultInjector
	discipline string
	lifoAfter  kernel.Duration
	timeout    kernel.Duration
	retryAfter string // the Retry-After header of a 503, wall seconds; "" for none
	dropGone   bool   // deadline propagation: drop attempts whose client is gone
	stopGone   bool   // ... in service too
	slots      []*attempt
	spare      []int32

	shedLimit, shedCoDel uint64
	zombies              uint64
	zombieWork           kernel.Duration
	late                 []int64 // service timers' lateness, simulated ns
	conns, maxConns      int
}

// attempt is one attempt at the server, from its arrival to its answer.
type attempt struct {
	key       key
	req       *http.Request
	slot      int32
	arrived   kernel.Time
	ticket    uint64
	waiting   bool
	timer     *time.Timer // its queue timeout, while it waits
	ready     chan struct{}
	worker    int32 // -1 when none
	startedAt kernel.Time
	service   kernel.Duration
	fail      bool
	delay     kernel.Duration // a spike in the response
	answered  bool
	outcome   model.FailureKind
	dropped   bool
	inflight  int // attempts in the server as it arrived, itself included (for the limiter)
}

func startServer(r *run) (*server, error) {
	cfg := r.cfg
	q := &cfg.Queue
	s := &server{r: r, room: model.NewWaitingRoom(q.Buffer), idle: model.NewIdleWorkers(cfg.Workers.Count),
		unbounded: cfg.Workers.Unbounded, buffer: q.Buffer, law: model.NewServiceLaw(cfg), inj: model.NewFaultInjector(cfg),
		discipline: q.Discipline, lifoAfter: kernel.Seconds(q.LIFOAfter), timeout: kernel.Seconds(q.Timeout)}
	if q.CoDel != nil {
		s.codel = model.NewCoDel(*q.CoDel)
	}
	if q.Limit != nil {
		s.limiter = model.NewLimiter(*q.Limit)
	}
	if q.RetryAfter > 0 {
		s.retryAfter = strconv.FormatFloat(q.RetryAfter*r.opt.Scale, 'f', -1, 64)
	}
	for _, g := range groups(cfg) {
		switch g.client.Timeouts.Propagate {
		case model.PropagateService:
			s.stopGone = true
			s.dropGone = true
		case model.PropagateDequeue:
			s.dropGone = true
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().String()
	s.http = &http.Server{Handler: s, ConnState: s.connState, ReadHeaderTimeout: time.Minute}
	go s.http.Serve(ln)
	return s, nil
}

// close stops the server once its handlers have returned (they return at
// once when the run stops).
func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.http.Shutdown(ctx)
	s.http.Close()
}

func (s *server) connState(_ net.Conn, st http.ConnState) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	switch st {
	case http.StateNew:
		s.conns++
		s.maxConns = max(s.maxConns, s.conns)
	case http.StateClosed, http.StateHijacked:
		s.conns--
	}
}

// ServeHTTP serves one attempt.
func (s *server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r := s.r
	io.Copy(io.Discard, req.Body) // then net/http watches for the client going away
	k, ok := r.parseKey(req.Header.Get(KeyHeader))
	if !ok {
		http.Error(w, "missing or bad "+KeyHeader, http.StatusBadRequest)
		return
	}
	a := &attempt{key: k, req: req, worker: -1, ready: make(chan struct{}, 1)}
	r.mu.Lock()
	s.arrive(a)
	r.mu.Unlock()
	if !s.await(a) || (!a.answered && !s.serve(a)) {
		panic(http.ErrAbortHandler) // the run stopped
	}
	s.write(w, a)
}

// await waits until a waiting attempt gets a worker or an answer; false if
// the run stopped or the attempt was dropped.
func (s *server) await(a *attempt) bool {
	select {
	case <-a.ready:
	case <-s.r.ctx.Done():
		return false
	}
	if a.dropped {
		panic(http.ErrAbortHandler) // nobody is waiting for an answer
	}
	return true
}

// serve sleeps the attempt's service, then answers it; false if the run
// stopped.
func (s *server) serve(a *attempt) bool {
	r := s.r
	end := a.startedAt.Add(a.service)
	var gone <-chan struct{}
	if s.stopGone {
		gone = a.req.Context().Done()
	}
	timer := time.NewTimer(time.Until(r.clk.Wall(end)))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-gone:
		r.mu.Lock()
		s.drop(a)
		r.mu.Unlock()
		panic(http.ErrAbortHandler)
	case <-r.ctx.Done():
		return false
	}
	r.mu.Lock()
	s.late = append(s.late, int64(r.clk.Now().Sub(end)))
	s.done(a)
	r.mu.Unlock()
	if a.delay > 0 { // a spike in the response: the worker is free already
		timer.Reset(r.clk.Span(a.delay))
		select {
		case <-timer.C:
		case <-r.ctx.Done():
			return false
		}
		r.mu.Lock()
		s.answer(a, a.worker, a.outcome)
		r.mu.Unlock()
	}
	return true
}

// write sends the attempt's answer.
func (s *server) write(w http.ResponseWriter, a *attempt) {
	h := w.Header()
	status := http.StatusOK
	switch a.outcome {
	case model.FaultError:
		status = http.StatusInternalServerError
	case model.QueueOverflow, model.Shed:
		status = http.StatusServiceUnavailable
		if s.retryAfter != "" {
			h.Set("Retry-After", s.retryAfter)
		}
	case model.TimedOut:
		status = http.StatusGatewayTimeout
	}
	if a.outcome != model.NoFailure {
		h.Set(failureHeader, a.outcome.String())
	}
	if a.worker >= 0 {
		modelled := a.startedAt.Sub(a.arrived) + a.service + a.delay
		h.Set(modelledHeader, strconv.FormatInt(int64(modelled), 10))
	}
	h.Set("Content-Length", "3")
	w.WriteHeader(status)
	w.Write([]byte("ok\n"))
}

// The queue, the workers and the fault injector, as the simulation's stages
// (model/queue.go, workers.go, faults.go) run them. s.r.mu must be held.

// event returns the attempt's lifecycle event of type t.
func (s *server) event(t model.EventType, a *attempt) model.Event {
	return model.Event{Type: t, Workload: a.key.workload, Attempt: uint8(min(a.key.attempt, 255)),
		Agent: a.key.agent, Seq: a.key.seq, Worker: -1}
}

// arrive: an attempt reaches the server: an idle worker, a place in the
// waiting room, or a 503 at once.
func (s *server) arrive(a *attempt) {
	r := s.r
	a.arrived = r.now()
	if s.limiter != nil && !s.limiter.Admit(s.inSystem) {
		s.shedLimit++
		s.reject(a, model.Shed)
		return
	}
	a.inflight = s.inSystem + 1
	if w, ok := s.take(); ok {
		s.inSystem++
		r.emit(s.event(model.Enqueued, a))
		s.start(w, a)
		return
	}
	if s.waiting >= s.buffer {
		s.reject(a, model.QueueOverflow)
		return
	}
	a.slot = s.alloc(a)
	a.ticket, _ = s.room.Put(a.slot)
	a.waiting = true
	s.waiting++
	s.inSystem++
	r.emit(s.event(model.Enqueued, a))
	if s.timeout > 0 {
		a.timer = time.AfterFunc(r.clk.Span(s.timeout), func() { s.expire(a) })
	}
}

// reject turns an arriving attempt away with a 503.
func (s *server) reject(a *attempt, why model.FailureKind) {
	e := s.event(model.Rejected, a)
	e.Failure = why
	s.r.emit(e)
	a.answered, a.outcome = true, why
	a.ready <- struct{}{}
}

// expire: a waiting attempt's queue timeout fired: 504.
func (s *server) expire(a *attempt) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if !a.waiting {
		return
	}
	s.room.Abandon(a.ticket)
	s.left(a)
	s.answer(a, -1, model.TimedOut)
	a.ready <- struct{}{}
}

// left: a waiting attempt has left the waiting room.
func (s *server) left(a *attempt) {
	a.waiting = false
	s.waiting--
	if a.timer != nil {
		a.timer.Stop()
	}
	s.free(a.slot)
}

// answer: the server's answer to a leaves it.
func (s *server) answer(a *attempt, worker int32, outcome model.FailureKind) {
	r := s.r
	s.inSystem--
	e := s.event(model.Responded, a)
	e.Worker, e.Failure = worker, outcome
	e.Latency = r.now().Sub(a.arrived)
	r.emit(e)
	if s.limiter != nil {
		s.limiter.Update(e.Latency, outcome != model.NoFailure, a.inflight)
	}
	a.answered, a.outcome = true, outcome
}

// take returns an idle worker (a new one in an unbounded pool).
func (s *server) take() (int32, bool) {
	if w, ok := s.idle.Take(); ok {
		return w, true
	}
	if !s.unbounded {
		return 0, false
	}
	s.workers++
	return s.workers - 1, true
}

// start puts worker on a: its service time (the service law at the
// queue's pressure now) and its fault decisions.
func (s *server) start(worker int32, a *attempt) {
	r := s.r
	now := r.now()
	e := s.event(model.Started, a)
	e.Worker = worker
	r.emit(e)
	s.busy.Add(r.now(), 1)
	k := a.key
	p := model.Pressure(s.waiting, s.buffer)
	svc := s.law.Time(k.workload, r.draws.Service(k.agent, k.seq, k.attempt), p, s.busy.N, r.sched.SlowdownAt(now))
	errP, spikeP := r.cfg.Faults.ErrorProbability, r.cfg.Faults.SpikeProbability
	if x, ok := r.sched.ErrorProbability(now); ok {
		errP = x
	}
	if x, ok := r.sched.SpikeProbability(now); ok {
		spikeP = x
	}
	a.fail = s.inj.Fails(k.agent, k.seq, k.attempt, p, errP)
	spike := s.inj.Spike(k.agent, k.seq, k.attempt, spikeP)
	if r.cfg.Faults.SpikeInResponse {
		a.delay = spike
	} else {
		svc += spike
	}
	a.worker, a.startedAt, a.service = worker, now, svc
	a.ready <- struct{}{}
}

// done: a's worker finished its service. The answer leaves now (or after
// a spike in the response) and the worker takes the next waiting attempt.
func (s *server) done(a *attempt) {
	r := s.r
	s.busy.Add(r.now(), -1)
	if a.req.Context().Err() != nil { // its client gave up: zombie work
		s.zombies++
		s.zombieWork += r.now().Sub(a.startedAt)
	}
	outcome := model.NoFailure
	if a.fail {
		outcome = model.FaultError
	}
	a.outcome = outcome
	if a.delay == 0 {
		s.answer(a, a.worker, outcome)
	}
	s.next(a.worker)
}

// drop stops the service of a, whose client is gone (deadline propagation
// into service): the worker is free at once.
func (s *server) drop(a *attempt) {
	r := s.r
	s.busy.Add(r.now(), -1)
	s.zombieWork += r.now().Sub(a.startedAt)
	s.inSystem--
	e := s.event(model.Dropped, a)
	e.Worker = a.worker
	e.Latency = r.now().Sub(a.arrived)
	r.emit(e)
	s.next(a.worker)
}

// next gives worker the next waiting attempt, after CoDel has shed what it
// sheds from the head, or makes it idle.
func (s *server) next(worker int32) {
	r := s.r
	now := r.now()
	for {
		if s.codel == nil && s.discipline != model.DisciplineAdaptiveLIFO && s.room.Len() == 0 {
			break
		}
		head, ok := s.room.Peek()
		if s.codel != nil {
			var sojourn kernel.Duration
			if ok {
				sojourn = now.Sub(s.slots[head].arrived)
			}
			if s.codel.ShouldDrop(now, sojourn, !ok) {
				s.room.Take()
				a := s.slots[head]
				s.left(a)
				s.shedCoDel++
				s.answer(a, -1, model.Shed)
				a.ready <- struct{}{}
				continue
			}
		}
		if !ok {
			break
		}
		var slot int32
		if s.discipline == model.DisciplineLIFO ||
			(s.discipline == model.DisciplineAdaptiveLIFO && now.Sub(s.slots[head].arrived) > s.lifoAfter) {
			slot, _ = s.room.TakeNewest()
		} else {
			slot, _ = s.room.Take()
		}
		a := s.slots[slot]
		s.left(a)
		if s.dropGone && a.req.Context().Err() != nil {
			s.inSystem--
			e := s.event(model.Dropped, a)
			e.Latency = now.Sub(a.arrived)
			r.emit(e)
			a.dropped = true
			a.ready <- struct{}{}
			continue
		}
		s.start(worker, a)
		return
	}
	s.idle.Put(worker)
}

func (s *server) alloc(a *attempt) int32 {
	if n := len(s.spare); n > 0 {
		slot := s.spare[n-1]
		s.spare = s.spare[:n-1]
		s.slots[slot] = a
		return slot
	}
	s.slots = append(s.slots, a)
	return int32(len(s.slots) - 1)
}

func (s *server) free(slot int32) {
	s.slots[slot] = nil
	s.spare = append(s.spare, slot)
}

// sample records the defences' state in a period's sample.
func (s *server) sample(smp *model.Sample) {
	if s.limiter != nil {
		smp.Limit = float64(s.limiter.Limit())
	}
	if s.codel != nil {
		smp.CoDelDropping = s.codel.Dropping()
	}
}

// stages adds the server's figures to a report's stages.
func (s *server) stages(st *model.Stages) {
	st.ShedByLimit, st.ShedByCoDel, st.Limiter, st.Classes = s.shedLimit, s.shedCoDel, s.limiter, 1
	st.Zombies, st.ZombieWork = s.zombies, s.zombieWork
}
