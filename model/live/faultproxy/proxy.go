package faultproxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentchaos/agentchaos/kernel"
	"github.com/agentchaos/agentchaos/model"
)

// Limits on what the proxy reads of one request.
const (
	MaxHead = 64 << 10 // bytes of a request's head
	MaxBody = 64 << 20 // bytes of a request's body
)

// Directions of a message, as model.Network.Pass numbers them.
const (
	Request  = 0
	Response = 1
)

// Faults decides what happens to one message: dir is Request or
// Response, key the value of the request's key header ("" if it had none).
// The proxy calls it from many goroutines at once.
type Faults interface {
	Pass(dir int, key string) model.Passage
}

// Options are a proxy's settings.
type Options struct {
	// KeyHeader names the request header whose value is passed to Faults;
	// default "X-Agentchaos-Attempt".
	KeyHeader string
	// Scale k stretches every delay k times (0 means 1).
	Scale float64
	// DialTimeout bounds the dial of the upstream connection; default 5 s.
	DialTimeout time.Duration
}

// Proxy is a running proxy.
type Proxy struct {
	ln       net.Listener
	upstream string
	faults   Faults
	key      string
	scale    float64
	dial     time.Duration

	mu     sync.Mutex
	conns  map[*link]struct{}
	closed bool
	wg     sync.WaitGroup

	resets atomic.Uint64
}

// Start listens on listen (such as "127.0.0.1:0") and forwards every
// connection to upstream (host:port) through faults.
func Start(listen, upstream string, faults Faults, opt Options) (*Proxy, error) {
	if opt.KeyHeader == "" {
		opt.KeyHeader = "X-Agentchaos-Attempt"
	}
	if opt.Scale == 0 {
		opt.Scale = 1
	}
	if !(opt.Scale > 0) {
		return nil, fmt.Errorf("faultproxy: scale must be above 0, got %g", opt.Scale)
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 5 * time.Second
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, upstream: upstream, faults: faults, key: opt.KeyHeader, scale: opt.Scale,
		dial: opt.DialTimeout, conns: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the proxy's listening address, host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Resets returns the number of connections the proxy has cut.
func (p *Proxy) Resets() uint64 { return p.resets.Load() }

// Close stops the proxy: the listener and every connection are closed, and
// Close returns once every goroutine of the proxy has ended.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	err := p.ln.Close()
	for l := range p.conns {
		l.close(false)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		l := &link{p: p, client: c, done: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.conns[l] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go l.run()
	}
}

// link is one client connection and its upstream connection.
type link struct {
	p              *Proxy
	client, server net.Conn
	done           chan struct{}
	once           sync.Once

	mu        sync.Mutex
	key       string // the last request forwarded
	forwarded uint64 // requests forwarded so far
}

// close ends the link: the client's side with a reset if cut, both
// connections closed.
func (l *link) close(cut bool) {
	l.once.Do(func() {
		if cut {
			if tc, ok := l.client.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			l.p.resets.Add(1)
		}
		close(l.done)
		l.client.Close()
		l.mu.Lock()
		if l.server != nil {
			l.server.Close()
		}
		l.mu.Unlock()
	})
}

func (l *link) run() {
	defer l.p.wg.Done()
	defer func() {
		l.close(false)
		l.p.mu.Lock()
		delete(l.p.conns, l)
		l.p.mu.Unlock()
	}()
	d := net.Dialer{Timeout: l.p.dial}
	server, err := d.Dial("tcp", l.p.upstream)
	if err != nil {
		return
	}
	l.mu.Lock()
	l.server = server
	l.mu.Unlock()
	select {
	case <-l.done: // closed while dialling
		server.Close()
		return
	default:
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.responses()
		l.close(false)
	}()
	l.requests()
	l.close(false)
	wg.Wait()
}

// sleepUntil waits until t or the link's end; false if the link ended.
func (l *link) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-l.done:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-l.done:
		return false
	}
}

// wall converts a simulated span to the wall clock's, stretched by the scale.
func (l *link) wall(d kernel.Duration) time.Duration {
	return time.Duration(float64(d) * l.p.scale)
}

// requests reads the client's requests one by one and passes each through
// the faults.
func (l *link) requests() {
	br := bufio.NewReaderSize(l.client, 32<<10)
	for {
		msg, key, err := readRequest(br, l.p.key)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				l.close(true) // a request the proxy cannot frame
			}
			return
		}
		start := time.Now()
		pass := l.p.faults.Pass(Request, key)
		l.mu.Lock()
		l.key = key
		l.forwarded++
		l.mu.Unlock()
		if !l.carry(l.server, msg, start, pass) {
			return
		}
	}
}

// carry carries out a message's passage: it forwards msg (read from
// start on) after its hold, paced at its rate, swallows it, or cuts the
// link after its delay. It reports whether the link goes on.
func (l *link) carry(to net.Conn, msg []byte, start time.Time, pass model.Passage) bool {
	switch pass.Fate {
	case model.Lost:
		return true
	case model.Reset, model.Stalled:
		if l.sleepUntil(start.Add(l.wall(pass.Delay))) {
			l.close(true)
		}
		return false
	}
	if !l.sleepUntil(start.Add(l.wall(pass.Delay - pass.Bandwidth))) {
		return false
	}
	return l.write(to, msg, pass.Rate) == nil
}

// write writes msg to, paced at rate bytes per second of simulated time
// (0: at once).
func (l *link) write(to net.Conn, msg []byte, rate float64) error {
	if rate <= 0 {
		_, err := to.Write(msg)
		return err
	}
	const piece = 1 << 10
	begin := time.Now()
	for off := 0; off < len(msg); {
		n := min(piece, len(msg)-off)
		if _, err := to.Write(msg[off : off+n]); err != nil {
			return err
		}
		off += n
		// The first off bytes may have gone by off/rate.
		if !l.sleepUntil(begin.Add(time.Duration(float64(off) / rate * 1e9 * l.p.scale))) {
			return net.ErrClosed
		}
	}
	return nil
}

// responses reads what the server sends and passes each response through
// the faults: a response starts with the first byte after a request was
// forwarded, and its passage holds until the next request is.
func (l *link) responses() {
	buf := make([]byte, 32<<10)
	var pass model.Passage
	var release time.Time // when the current response may go
	var start time.Time
	var at uint64 // the request count the current response answers; 0: none yet
	for {
		n, err := l.server.Read(buf)
		if n > 0 {
			l.mu.Lock()
			key, reqs := l.key, l.forwarded
			l.mu.Unlock()
			if reqs != at {
				at, start = reqs, time.Now()
				pass = l.p.faults.Pass(Response, key)
				release = start.Add(l.wall(pass.Delay - pass.Bandwidth))
				if pass.Fate == model.Reset || pass.Fate == model.Stalled {
					if l.sleepUntil(start.Add(l.wall(pass.Delay))) {
						l.close(true)
					}
					return
				}
			}
			if pass.Fate == model.Delivered {
				if !l.sleepUntil(release) {
					return
				}
				if l.write(l.client, buf[:n], pass.Rate) != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// readRequest reads one request, head and Content-Length body, and returns
// its bytes and the value of header key. io.EOF means the client closed
// between requests.
func readRequest(br *bufio.Reader, key string) (msg []byte, value string, err error) {
	var head bytes.Buffer
	length := int64(0)
	first := true
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return nil, "", errors.New("faultproxy: header line too long")
			}
			if first && head.Len() == 0 && len(line) == 0 {
				return nil, "", err
			}
			return nil, "", fmt.Errorf("faultproxy: request cut short: %w", err)
		}
		head.Write(line)
		if head.Len() > MaxHead {
			return nil, "", errors.New("faultproxy: request head too large")
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if first {
			first = false
			continue
		}
		if len(trimmed) == 0 {
			break
		}
		name, val, ok := bytes.Cut(trimmed, []byte(":"))
		if !ok {
			continue
		}
		val = bytes.TrimSpace(val)
		switch {
		case bytes.EqualFold(name, []byte(key)):
			value = string(val)
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.ParseInt(string(val), 10, 64)
			if err != nil || length < 0 || length > MaxBody {
				return nil, "", fmt.Errorf("faultproxy: bad Content-Length %q", val)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return nil, "", errors.New("faultproxy: chunked request bodies are not framed")
		}
	}
	msg = make([]byte, head.Len()+int(length))
	copy(msg, head.Bytes())
	if _, err := io.ReadFull(br, msg[head.Len():]); err != nil {
		return nil, "", fmt.Errorf("faultproxy: request body cut short: %w", err)
	}
	return msg, value, nil
}
