package model

import (
	"fmt"
	"math"

	"github.com/agentchaos/agentchaos/kernel"
)

// PoolConfig is a client's connection pool (one per agent group). Without
// it (MaxConnections 0) attempts need no connection.
type PoolConfig struct {
	// MaxConnections bounds the connections open at once: idle, in use, or
	// being dialled.
	MaxConnections int `json:"max_connections,omitempty"`
	// AcquireTimeout fails an attempt that waited this long for a
	// connection (POOL_EXHAUSTED); 0 waits as long as the attempt may.
	AcquireTimeout float64 `json:"acquire_timeout,omitempty"`
	// Waiters is the order in which waiting attempts get a freed
	// connection: "fifo" (the default), "lifo", or "random" (Go's
	// database/sql hands a freed connection to a random waiter).
	Waiters string `json:"waiters,omitempty"`
	// Dial is the time to set up a new connection (absent: none). A dial
	// longer than client.timeouts.connect fails the attempt (CONNECT_TIMEOUT).
	Dial *Dist `json:"dial,omitempty"`
	// IdleTimeout closes a connection idle this long (0: never); MaxIdle
	// closes connections given back while MaxIdle are idle already (0: no
	// limit; Go's net/http keeps 2 per host).
	IdleTimeout float64 `json:"idle_timeout,omitempty"`
	MaxIdle     int     `json:"max_idle,omitempty"`
}

// Waiter disciplines.
const (
	FIFO   = "fifo"
	LIFO   = "lifo"
	Random = "random"
)

func (p *PoolConfig) validate(v *validator, path string) {
	v.intIn(path+".max_connections", p.MaxConnections, 0, MaxWorkers)
	on := p.MaxConnections > 0
	need := func(field string, set bool) {
		v.unused(path+"."+field, set && !on, "needs a pool: set "+path+".max_connections")
	}
	v.wait(path+".acquire_timeout", p.AcquireTimeout)
	need("acquire_timeout", p.AcquireTimeout > 0)
	switch p.Waiters {
	case "", FIFO, LIFO, Random:
	default:
		v.fail(path+".waiters", fmt.Sprintf("must be %q, %q or %q, not %q", FIFO, LIFO, Random, p.Waiters))
	}
	need("waiters", p.Waiters != "")
	if p.Dial != nil {
		need("dial", true)
		v.timeDist(path+".dial", *p.Dial, true)
	}
	v.seconds(path+".idle_timeout", p.IdleTimeout)
	need("idle_timeout", p.IdleTimeout > 0)
	v.intIn(path+".max_idle", p.MaxIdle, 0, MaxWorkers)
	need("max_idle", p.MaxIdle > 0)
}

// Grant says how an acquire was served.
type Grant uint8

// Grants.
const (
	GrantIdle Grant = iota // an idle connection, reused
	GrantDial              // a new connection, to be dialled
	GrantWait              // none: the caller waits for one
)

// Pool is a connection pool as a clock-free value. At most Max connections
// are open (idle, in use or being dialled). Acquire takes the most recently
// idled connection (as net/http does), or opens a new one below the limit,
// or queues the caller; Release hands a connection given back to a waiter
// chosen by the discipline, or idles it, and a connection closed instead
// (after a timeout or a reset) frees its place for a waiter to dial anew.
// Connections idle longer than IdleTimeout are closed when next looked at.
type Pool struct {
	max, open, maxIdle int
	idleTimeout        kernel.Duration
	discipline         string
	idle               []idleConn // a stack: the most recently idled on top
	waiters            WaitingRoom
	nextID             int32

	// Dials counts connections opened; Closed those closed.
	Dials, Closed uint64
}

type idleConn struct {
	id    int32
	since kernel.Time
}

// NewPool returns an empty pool for a validated section with a limit.
func NewPool(c PoolConfig) *Pool {
	d := c.Waiters
	if d == "" {
		d = FIFO
	}
	return &Pool{max: c.MaxConnections, maxIdle: c.MaxIdle, idleTimeout: kernel.Seconds(c.IdleTimeout),
		discipline: d, waiters: NewWaitingRoom(math.MaxInt)}
}

// Open returns the number of connections open; Waiting the callers queued.
func (p *Pool) Open() int    { return p.open }
func (p *Pool) Waiting() int { return p.waiters.Len() }

// Acquire asks for a connection at now on behalf of caller. It returns the
// connection and GrantIdle or GrantDial, or GrantWait and the ticket under
// which caller waits (see Release and Abandon).
func (p *Pool) Acquire(now kernel.Time, caller int32) (conn int32, g Grant, ticket uint64) {
	for n := len(p.idle); n > 0; n = len(p.idle) {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		if p.idleTimeout > 0 && now.Sub(c.since) >= p.idleTimeout {
			p.close()
			continue
		}
		return c.id, GrantIdle, 0
	}
	if p.open < p.max {
		return p.dial(), GrantDial, 0
	}
	t, _ := p.waiters.Put(caller)
	return 0, GrantWait, t
}

func (p *Pool) dial() int32 {
	p.open++
	p.Dials++
	p.nextID++
	return p.nextID - 1
}

func (p *Pool) close() {
	p.open--
	p.Closed++
}

// Release gives connection conn back at now: reusable if it can carry
// another request, else it is closed. If a caller is waiting, it gets a
// connection at once — conn itself, or a place to dial a new one (dial) —
// and Release returns it; u, uniform in [0, 1), picks the waiter under the
// random discipline.
func (p *Pool) Release(now kernel.Time, conn int32, reusable bool, u float64) (caller, next int32, dial, ok bool) {
	if !reusable {
		p.close()
	}
	if p.waiters.Len() > 0 && (reusable || p.open < p.max) {
		switch p.discipline {
		case LIFO:
			caller, _ = p.waiters.TakeNewest()
		case Random:
			caller, _ = p.waiters.TakeRank(int(float64(u * float64(p.waiters.Len()))))
		default:
			caller, _ = p.waiters.Take()
		}
		if reusable {
			return caller, conn, false, true
		}
		return caller, p.dial(), true, true
	}
	if reusable {
		if p.maxIdle > 0 && len(p.idle) >= p.maxIdle {
			p.close()
		} else {
			p.idle = append(p.idle, idleConn{conn, now})
		}
	}
	return 0, 0, false, false
}

// Abandon removes the waiting caller with the given ticket (its acquire
// timed out, or its attempt was given up).
func (p *Pool) Abandon(ticket uint64) { p.waiters.Abandon(ticket) }
