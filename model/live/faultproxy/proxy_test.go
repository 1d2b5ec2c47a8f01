package faultproxy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/kernel"
	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live/faultproxy"
)

// server is an HTTP server on 127.0.0.1 that answers every request at once
// and counts them.
type server struct {
	*http.Server
	addr string
	seen atomic.Int64
}

func startServer(t *testing.T) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &server{addr: ln.Addr().String()}
	s.Server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.seen.Add(1)
		w.Header().Set("Content-Length", "2")
		w.Write([]byte("ok"))
	})}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return s
}

// netFaults passes messages through a model.Network, keyed "agent/seq", and
// remembers each message's passage.
type netFaults struct {
	mu   sync.Mutex
	net  *model.Network
	seen map[string][2]model.Passage
}

func newNetFaults(t *testing.T, toxics ...model.Toxic) *netFaults {
	cfg := model.Config{Seed: 3, Agents: model.AgentConfig{Count: 1, Arrival: model.Closed, RequestsPerAgent: 1,
		Think: model.Dist{Kind: model.Deterministic}, Mix: []model.WorkloadType{{Name: "A", Weight: 1, Work: 1}}},
		Workers:  model.WorkerConfig{Count: 1, Service: model.Dist{Kind: model.Deterministic, Mean: 0.001}},
		Detector: model.DetectorConfig{Period: 1, Window: 1, GrowthSamples: 1, MinWindowSamples: 1, FinalFraction: 0.05},
		Client:   model.ClientConfig{Timeouts: model.TimeoutConfig{Attempt: 1}},
		Network:  model.NetworkConfig{Toxics: toxics}}
	require.NoError(t, cfg.Validate())
	return &netFaults{net: model.NewNetwork(&cfg, model.NewSchedule(&cfg)), seen: map[string][2]model.Passage{}}
}

func (f *netFaults) Pass(dir int, key string) model.Passage {
	agent, seq, _ := strings.Cut(key, "/")
	a, _ := strconv.Atoi(agent)
	s, _ := strconv.Atoi(seq)
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.net.Pass(dir, int32(a), int32(s), 0, 0, 0)
	got := f.seen[key]
	got[dir] = p
	f.seen[key] = got
	return p
}

func (f *netFaults) passages(key string) [2]model.Passage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[key]
}

// fixed gives every message the same passage in each direction.
type fixed [2]model.Passage

func (f fixed) Pass(dir int, _ string) model.Passage { return f[dir] }

func startProxy(t *testing.T, upstream string, f faultproxy.Faults) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start("127.0.0.1:0", upstream, f, faultproxy.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func post(ctx context.Context, c *http.Client, url, key string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.GetBody = nil // never replayed by the transport
	req.Header.Set("X-Agentchaos-Attempt", key)
	resp, err := c.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

// TestLatencyAndJitter: the delay each request and response met, measured
// by the client against a direct round trip, is never less than the one its
// toxics drew, and is that one within a millisecond or two of scheduling;
// over the requests the median and spread are the configured ones. Load
// only ever adds delay, and a busy machine (the whole suite runs on two
// cores at once) adds a lot now and then: the timing checks are on medians
// and quartiles, and a round of them that a burst of load spoilt is tried
// again, up to three rounds.
func TestLatencyAndJitter(t *testing.T) {
	srv := startServer(t)
	const latency, jitter = 0.020, 0.010 // uniform ±10 ms
	f := newNetFaults(t, model.Toxic{Type: model.ToxicLatency, Latency: &model.Dist{Kind: model.Deterministic, Mean: latency}, Jitter: jitter})
	p := startProxy(t, srv.addr, f)
	c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer c.CloseIdleConnections()
	_, err := post(context.Background(), c, "http://"+p.Addr()+"/", "1/0", nil) // warm the proxy's connection up
	require.NoError(t, err)

	var problems []string
	for round := range 3 {
		problem := measureLatency(t, c, srv.addr, p.Addr(), f, round, latency, jitter)
		if problem == "" {
			return
		}
		problems = append(problems, problem)
	}
	t.Fatalf("in three rounds: %v", problems)
}

// measureLatency runs one round of TestLatencyAndJitter: what is wrong, or "".
func measureLatency(t *testing.T, c *http.Client, direct, proxy string, f *netFaults, round int, latency, jitter float64) string {
	// The direct round trip on a warm connection, the baseline.
	var base []float64
	for i := range 20 {
		start := time.Now()
		_, err := post(context.Background(), c, "http://"+direct+"/", fmt.Sprintf("9/%d", i), nil)
		require.NoError(t, err)
		base = append(base, time.Since(start).Seconds())
	}
	baseline := median(base)
	const n = 30
	var extra, drawn, diffs []float64
	for i := range n {
		key := fmt.Sprintf("%d/%d", 2+round, i)
		start := time.Now()
		_, err := post(context.Background(), c, "http://"+proxy+"/", key, nil)
		require.NoError(t, err)
		rtt := time.Since(start).Seconds()
		ps := f.passages(key)
		d := (ps[0].Delay + ps[1].Delay).Seconds()
		extra, drawn, diffs = append(extra, rtt-baseline), append(drawn, d), append(diffs, rtt-baseline-d)
		// Whatever the load: never before the toxics' delay.
		require.GreaterOrEqual(t, rtt-baseline, d-0.0005, "request %d came through faster than its toxics allow", i)
	}
	// Two messages of 20 ms ± U(10 ms): sd √2·10/√3 = 8.2 ms.
	_, sd := meanSD(drawn)
	require.InDelta(t, math.Sqrt2*jitter/math.Sqrt(3), sd, 0.0025, "spread of the drawn latency")

	// What the proxy adds beyond the drawn delays: two hops and two timers'
	// lateness, a millisecond or two, more on a busy machine. Against the
	// jitter's spread (8 ms) each message's delay must be its own draw's.
	overhead := median(diffs)
	close := 0
	for _, d := range diffs {
		if math.Abs(d-overhead) < 0.0025 {
			close++
		}
	}
	t.Logf("round %d: added latency median %.2f ms, IQR %.2f ms (drawn: %.2f ms, %.2f ms); proxy overhead %.2f ms, %d of %d within 2.5 ms of it; baseline %.3f ms",
		round, 1e3*(median(extra)-overhead), 1e3*iqr(extra), 1e3*median(drawn), 1e3*iqr(drawn), 1e3*overhead, close, n, 1e3*baseline)
	switch {
	case overhead > 0.015:
		return fmt.Sprintf("proxy overhead %.1f ms", 1e3*overhead)
	case close < n/2:
		return fmt.Sprintf("only %d of %d delays match the drawn ones within 2.5 ms", close, n)
	case math.Abs(median(extra)-overhead-median(drawn)) > 0.003:
		return fmt.Sprintf("median added latency %.2f ms, drawn %.2f ms", 1e3*(median(extra)-overhead), 1e3*median(drawn))
	case math.Abs(median(drawn)-2*latency) > 0.006:
		return fmt.Sprintf("median drawn latency %.2f ms, configured %.0f ms", 1e3*median(drawn), 2e3*latency)
	}
	return ""
}

func iqr(xs []float64) float64 {
	s := sorted(xs)
	return s[3*len(s)/4] - s[len(s)/4]
}

func sorted(xs []float64) []float64 {
	s := append([]float64(nil), xs...)
	slices.Sort(s)
	return s
}

func median(xs []float64) float64 { return sorted(xs)[len(xs)/2] }

func meanSD(xs []float64) (float64, float64) {
	var sum, sq float64
	for _, x := range xs {
		sum += x
	}
	m := sum / float64(len(xs))
	for _, x := range xs {
		sq += (x - m) * (x - m)
	}
	return m, math.Sqrt(sq / float64(len(xs)-1))
}

// TestResetAndBlackHole: what net/http sees of each fate, in each
// direction, and what reaches the server.
func TestResetAndBlackHole(t *testing.T) {
	ms := func(x float64) kernel.Duration { return kernel.Seconds(x / 1000) }
	cases := []struct {
		name       string
		faults     fixed
		reachesSrv bool
		want       func(t *testing.T, err error, took time.Duration)
	}{
		{"reset request", fixed{{Fate: model.Reset, Delay: ms(20)}}, false, wantReset(20)},
		{"reset response", fixed{{}, {Fate: model.Reset, Delay: ms(20)}}, true, wantReset(20)},
		{"stall request 60 ms", fixed{{Fate: model.Stalled, Delay: ms(60)}}, false, wantReset(60)},
		{"black hole request", fixed{{Fate: model.Lost}}, false, wantTimeout},
		{"black hole response", fixed{{}, {Fate: model.Lost}}, true, wantTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t)
			p := startProxy(t, srv.addr, tc.faults)
			c := &http.Client{Transport: &http.Transport{}}
			defer c.CloseIdleConnections()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := post(ctx, c, "http://"+p.Addr()+"/", "0/0", []byte("payload"))
			took := time.Since(start)
			require.Error(t, err)
			tc.want(t, err, took)
			time.Sleep(10 * time.Millisecond) // the server may still be reading
			if tc.reachesSrv {
				require.EqualValues(t, 1, srv.seen.Load(), "the request reached the server")
			} else {
				require.Zero(t, srv.seen.Load(), "the request never reached the server")
			}
		})
	}
}

func wantReset(ms float64) func(t *testing.T, err error, took time.Duration) {
	return func(t *testing.T, err error, took time.Duration) {
		require.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF),
			"a reset, not %v", err)
		require.False(t, errors.Is(err, context.DeadlineExceeded))
		require.GreaterOrEqual(t, took.Seconds(), ms/1000, "not before its delay")
		require.Less(t, took.Seconds(), ms/1000+0.05)
	}
}

func wantTimeout(t *testing.T, err error, took time.Duration) {
	require.ErrorIs(t, err, context.DeadlineExceeded, "nothing comes back: the client times out")
	require.GreaterOrEqual(t, took, 200*time.Millisecond)
}

// TestBandwidth: a 40 KB body at 200 KB/s takes 0.2 s more.
func TestBandwidth(t *testing.T) {
	srv := startServer(t)
	p := startProxy(t, srv.addr, fixed{{Rate: 200_000}})
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	body := make([]byte, 40_000)
	start := time.Now()
	_, err := post(context.Background(), c, "http://"+p.Addr()+"/", "0/0", body)
	require.NoError(t, err)
	took := time.Since(start).Seconds()
	// Never faster than the rate allows; later only by timers waking late.
	require.GreaterOrEqual(t, took, 0.2-0.005, "paced at 200 KB/s")
	require.Less(t, took, 0.2+0.1)
}

// TestCloseLeavesNothing: closing the proxy with connections open, idle
// and mid-delay, ends every goroutine and closes every socket.
func TestCloseLeavesNothing(t *testing.T) {
	srv := startServer(t)
	c := &http.Client{Transport: &http.Transport{}}
	time.Sleep(10 * time.Millisecond)
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	p, err := faultproxy.Start("127.0.0.1:0", srv.addr, fixed{{Delay: kernel.Second}}, faultproxy.Options{})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			post(ctx, c, "http://"+p.Addr()+"/", fmt.Sprintf("0/%d", i), nil)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	require.NoError(t, p.Close())
	require.Less(t, time.Since(start), 200*time.Millisecond, "Close does not wait for the delays")
	wg.Wait()
	c.CloseIdleConnections()
	srv.Close()
	g, f := runtime.NumGoroutine(), openFDs(t)
	for i := 0; i < 200 && (g > goroutines || f > fds); i++ {
		time.Sleep(10 * time.Millisecond)
		g, f = runtime.NumGoroutine(), openFDs(t)
	}
	require.LessOrEqual(t, g, goroutines, "goroutines left behind")
	require.LessOrEqual(t, f, fds, "sockets left open")
}

func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}
