package otel_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/otel"
)

// small is a system with every span shape: retries after client timeouts
// (zombie attempts the server finishes after their client gave up),
// overflow at a short queue, queue timeouts, injected errors, a detector
// that moves and a throttle.
func small() *model.Config {
	return &model.Config{
		Name: "otel-test", Seed: 11,
		Agents: model.AgentConfig{
			Count: 8, Arrival: model.Closed, RequestsPerAgent: 25, Stagger: 0.2,
			Think: model.Dist{Kind: model.Exponential, Mean: 0.02},
			Mix:   []model.WorkloadType{{Name: "LIGHT", Weight: 2, Work: 1}, {Name: "HEAVY", Weight: 1, Work: 3}},
		},
		Queue:   model.QueueConfig{Buffer: 3, Timeout: 0.05},
		Workers: model.WorkerConfig{Count: 2, Service: model.Dist{Kind: model.Exponential, Mean: 0.006}, Overhead: 0.001},
		Faults: model.FaultConfig{SpikeProbability: 0.05, SpikeDuration: model.Dist{Kind: model.Exponential, Mean: 0.04},
			ErrorProbability: 0.1},
		Detector: model.DetectorConfig{Period: 0.05, Window: 0.5, DegradedSaturation: 0.5, CollapseSaturation: 0.85,
			GrowthSamples: 2, P95Growth: 1, MinWindowSamples: 5, FinalFraction: 0.05},
		Throttle:  model.ThrottleConfig{Enabled: true, Degraded: 0.01, Collapsed: 0.03},
		Telemetry: model.TelemetryConfig{Percentiles: model.ExactPercentiles},
		Client: model.ClientConfig{
			Timeouts: model.TimeoutConfig{Attempt: 0.03},
			Retry: model.RetryConfig{MaxAttempts: 3, On: []string{"CLIENT_TIMEOUT", "QUEUE_OVERFLOW"},
				Backoff: model.BackoffConfig{Base: 0.005, Multiplier: 2, Max: 0.05, Jitter: 0.5}},
		},
	}
}

// counter is a sink that counts events by type, and injected errors.
type counter struct {
	n        map[model.EventType]int
	faults   int // attempts answered 500 by the fault injector
	timeline model.Timeline
}

func (c *counter) ObserveSample(s *model.Sample) { c.timeline.ObserveSample(s) }

func newCounter() *counter { return &counter{n: map[model.EventType]int{}} }

func (c *counter) Observe(e model.Event) {
	c.n[e.Type]++
	if e.Type == model.Responded && e.Failure == model.FaultError {
		c.faults++
	}
}

// run simulates cfg with a recorder writing into dir (ratio 1: every
// request kept) and, as the trace file, every event as JSON Lines.
func run(t *testing.T, cfg *model.Config, dir string, opt otel.Options) (model.Report, *counter, []byte) {
	t.Helper()
	dest, err := otel.Open(dir, "", false)
	require.NoError(t, err)
	rec, err := otel.NewRecorder(cfg, dest, opt)
	require.NoError(t, err)
	var trace bytes.Buffer
	tr := model.NewTrace(&trace, false)
	c := newCounter()
	rep, err := model.Run(cfg, model.Options{Sinks: []model.Sink{tr, c, rec}})
	require.NoError(t, err)
	require.NoError(t, tr.Flush())
	require.NoError(t, rec.Close())
	require.NoError(t, dest.Close(context.Background()))
	return rep, c, trace.Bytes()
}

// readTraces reads a traces file back with pdata's JSON unmarshaler.
func readTraces(t *testing.T, path string) []ptrace.Span {
	t.Helper()
	var spans []ptrace.Span
	for _, line := range lines(t, path) {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(line)
		require.NoError(t, err)
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					spans = append(spans, s)
				}
			}
		}
	}
	return spans
}

func lines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	require.NoError(t, sc.Err())
	return out
}

func attr(s ptrace.Span, key string) (pcommon.Value, bool) { return s.Attributes().Get(key) }

func TestTracesAgainstReport(t *testing.T) {
	dir := t.TempDir()
	rep, c, traceFile := run(t, small(), dir, otel.Options{Ratio: 1})
	require.Positive(t, rep.Failed)
	spans := readTraces(t, filepath.Join(dir, otel.TracesFile))

	byID := map[pcommon.SpanID]ptrace.Span{}
	kinds := map[string]int{}
	failedBy := map[string]uint64{}
	var roots, sent, unsent, zombies int
	for _, s := range spans {
		require.NotContains(t, byID, s.SpanID(), "span IDs are unique")
		byID[s.SpanID()] = s
		kinds[s.Name()]++
	}
	events := map[string]int{}
	for _, s := range spans {
		require.LessOrEqual(t, s.StartTimestamp(), s.EndTimestamp(), s.Name())
		for _, e := range s.Events().All() {
			events[s.Name()+"/"+e.Name()]++
			require.True(t, e.Timestamp() >= s.StartTimestamp() && e.Timestamp() <= s.EndTimestamp(), "event %s within its span", e.Name())
		}
		if s.ParentSpanID().IsEmpty() {
			roots++
			require.Equal(t, ptrace.SpanKindInternal, s.Kind())
			if et, ok := attr(s, "error.type"); ok {
				failedBy[et.Str()]++
				require.Equal(t, ptrace.StatusCodeError, s.Status().Code())
			}
			continue
		}
		p, ok := byID[s.ParentSpanID()]
		require.True(t, ok, "the parent of %s is in the file", s.Name())
		require.Equal(t, p.TraceID(), s.TraceID(), "a child is in its parent's trace")
		require.GreaterOrEqual(t, s.StartTimestamp(), p.StartTimestamp(), "a child starts within its parent")
		switch s.Name() {
		case "attempt":
			require.True(t, p.ParentSpanID().IsEmpty(), "an attempt's parent is the request")
			require.Equal(t, ptrace.SpanKindClient, s.Kind())
			if v, ok := attr(s, "agentchaos.attempt.sent"); ok && !v.Bool() {
				unsent++
			} else {
				sent++
			}
		case "queue wait", "service":
			require.Equal(t, "attempt", p.Name(), "server phases are under their attempt")
			if s.EndTimestamp() > p.EndTimestamp() {
				zombies++
			}
		default:
			t.Fatalf("unexpected span %q", s.Name())
		}
	}
	require.Equal(t, int(rep.Created), roots, "one root span per request")
	require.Equal(t, c.n[model.Sent], sent, "one attempt span per attempt sent")
	require.Equal(t, c.n[model.Enqueued]+c.n[model.Requeued], kinds["queue wait"], "one queue wait per arrival in the queue")
	require.Equal(t, c.n[model.Started], kinds["service"], "one service span per service")
	require.Positive(t, zombies, "the scenario has zombie attempts")
	require.Equal(t, c.n[model.Retried], events["LIGHT/retry"]+events["HEAVY/retry"], "a retry event per retry")
	require.Positive(t, events["LIGHT/detector"]+events["HEAVY/detector"], "detector transitions")
	require.Equal(t, c.faults, events["service/exception"], "an exception per injected error")
	for kind, n := range byKind(t, rep.FailedBy) {
		require.Equal(t, n, failedBy[kind], "failed requests of kind %s", kind)
	}
	var failed uint64
	for _, n := range failedBy {
		failed += n
	}
	require.Equal(t, rep.Failed, failed)

	// Timestamps against the trace file: each request's root span runs from
	// its creation to its outcome, at the epoch plus virtual time.
	epoch := otel.DefaultEpoch.UnixNano()
	created, ended := map[[2]int64]int64{}, map[[2]int64]int64{}
	for _, line := range bytes.Split(bytes.TrimSpace(traceFile), []byte("\n")) {
		var e struct {
			T     json.Number `json:"t"`
			Event string      `json:"event"`
			Agent int64       `json:"agent"`
			Seq   int64       `json:"seq"`
		}
		require.NoError(t, json.Unmarshal(line, &e))
		k := [2]int64{e.Agent, e.Seq}
		switch e.Event {
		case "created":
			created[k] = epoch + nanos(t, string(e.T))
		case "completed", "failed":
			ended[k] = epoch + nanos(t, string(e.T))
		}
	}
	for _, s := range spans {
		if !s.ParentSpanID().IsEmpty() {
			continue
		}
		a, _ := attr(s, "agentchaos.agent")
		q, _ := attr(s, "agentchaos.request.seq")
		k := [2]int64{a.Int(), q.Int()}
		require.Equal(t, created[k], int64(s.StartTimestamp()), "start of request %v", k)
		require.Equal(t, ended[k], int64(s.EndTimestamp()), "end of request %v", k)
	}
}

// byKind is the report's failure counts by kind name.
func byKind(t *testing.T, f model.Failures) map[string]uint64 {
	b, err := json.Marshal(f)
	require.NoError(t, err)
	m := map[string]uint64{}
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// nanos parses the trace file's seconds with nine decimals exactly.
func nanos(t *testing.T, s string) int64 {
	sec, frac, _ := strings.Cut(s, ".")
	a, err := strconv.ParseInt(sec, 10, 64)
	require.NoError(t, err)
	b, err := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
	require.NoError(t, err)
	return a*1e9 + b
}

func TestMetricsAgainstTimeline(t *testing.T) {
	dir := t.TempDir()
	cfg := small()
	rep, c, _ := run(t, cfg, dir, otel.Options{Ratio: 0})
	tl := c.timeline
	epoch := otel.DefaultEpoch.UnixNano()
	points := map[string][]pmetric.NumberDataPoint{}
	var lastHist []pmetric.HistogramDataPoint
	for _, line := range lines(t, filepath.Join(dir, otel.MetricsFile)) {
		md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(line)
		require.NoError(t, err)
		for _, rm := range md.ResourceMetrics().All() {
			v, _ := rm.Resource().Attributes().Get("agentchaos.scenario")
			require.Equal(t, cfg.Name, v.Str())
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					switch m.Type() {
					case pmetric.MetricTypeGauge:
						for _, p := range m.Gauge().DataPoints().All() {
							points[m.Name()] = append(points[m.Name()], p)
						}
					case pmetric.MetricTypeSum:
						require.Equal(t, pmetric.AggregationTemporalityCumulative, m.Sum().AggregationTemporality())
						for _, p := range m.Sum().DataPoints().All() {
							points[m.Name()] = append(points[m.Name()], p)
						}
					case pmetric.MetricTypeHistogram:
						dps := m.Histogram().DataPoints()
						lastHist = lastHist[:0]
						last := dps.At(dps.Len() - 1).Timestamp()
						for _, dp := range dps.All() {
							if dp.Timestamp() == last {
								lastHist = append(lastHist, dp)
							}
						}
					}
				}
			}
		}
	}
	// One gauge point per control period, at its end, reading the detector.
	states, depths := points["agentchaos.detector.state"], points["agentchaos.queue.depth"]
	require.Len(t, states, len(tl))
	require.Len(t, depths, len(tl))
	for i, s := range tl {
		require.Equal(t, epoch+int64(s.T), int64(states[i].Timestamp()), "period %d", i)
		require.Equal(t, int64(s.State), states[i].IntValue(), "state of period %d", i)
		require.Equal(t, int64(s.Depth), depths[i].IntValue(), "depth of period %d", i)
	}
	throttle := points["agentchaos.throttle.delay"]
	require.Len(t, throttle, len(tl))
	for i, s := range tl {
		require.Equal(t, s.Throttle.Seconds(), throttle[i].DoubleValue(), "throttle of period %d", i)
	}
	// The cumulative counters end at the report's counts.
	created := points["agentchaos.requests.created"]
	require.Equal(t, int64(rep.Created), created[len(created)-1].IntValue())
	final := map[string]int64{}
	lastT := points["agentchaos.requests.ended"][len(points["agentchaos.requests.ended"])-1].Timestamp()
	for _, p := range points["agentchaos.requests.ended"] {
		if p.Timestamp() == lastT {
			o, _ := p.Attributes().Get("agentchaos.outcome")
			final[o.Str()] = p.IntValue()
		}
	}
	for kind, n := range byKind(t, rep.FailedBy) {
		require.Equal(t, int64(n), final[kind], "requests failed by %s", kind)
	}
	require.Equal(t, int64(rep.Created-rep.Failed), final["OK"])
	var n uint64
	for _, h := range lastHist {
		n += h.Count()
		var inBuckets uint64
		for _, c := range h.BucketCounts().All() {
			inBuckets += c
		}
		require.Equal(t, h.Count(), inBuckets)
	}
	require.Equal(t, rep.Created, n, "every ended request is in the duration histogram")
}

// TestSampling: with ratio 0 only failed and slow requests are kept.
func TestSampling(t *testing.T) {
	dir := t.TempDir()
	rep, _, _ := run(t, small(), dir, otel.Options{Ratio: 0, Slow: 1 << 62})
	var roots uint64
	for _, s := range readTraces(t, filepath.Join(dir, otel.TracesFile)) {
		if s.ParentSpanID().IsEmpty() {
			roots++
			require.Equal(t, ptrace.StatusCodeError, s.Status().Code(), "only failed requests are kept")
		}
	}
	require.Equal(t, rep.Failed, roots)

	dir = t.TempDir()
	run(t, small(), dir, otel.Options{Ratio: 0, Slow: 1})
	var kept uint64
	for _, s := range readTraces(t, filepath.Join(dir, otel.TracesFile)) {
		if s.ParentSpanID().IsEmpty() {
			kept++
		}
	}
	require.Equal(t, rep.Created, kept, "every request is at least 1 ns slow")
}

// TestGolden: the same run gives the same files, bit for bit, on every
// architecture (the suite also runs for arm64 under qemu).
func TestGolden(t *testing.T) {
	cfg := small()
	cfg.Agents.Count, cfg.Agents.RequestsPerAgent = 3, 4
	var out [2][]byte
	for i := range out {
		dir := t.TempDir()
		run(t, cfg, dir, otel.Options{Ratio: 1, Version: "test"})
		for _, name := range []string{otel.TracesFile, otel.MetricsFile} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			out[i] = append(out[i], b...)
		}
	}
	require.Equal(t, string(out[0]), string(out[1]), "two runs, one export")
	goldentest.Check(t, "testdata/small.otel.jsonl.golden", out[0])
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestExportErrorFails(t *testing.T) {
	fe := otel.NewFileExporter(failingWriter{})
	dest := otel.NewDestination([]sdktrace.SpanExporter{fe}, []sdkmetric.Exporter{otel.NewFileExporter(failingWriter{})})
	rec, err := otel.NewRecorder(small(), dest, otel.Options{Ratio: 1})
	require.NoError(t, err)
	_, err = model.Run(small(), model.Options{Sinks: []model.Sink{rec}})
	require.NoError(t, err)
	require.ErrorContains(t, rec.Close(), "disk full")
	require.Error(t, dest.Close(context.Background()))
}

func TestOpenRefusesExistingFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, otel.MetricsFile), []byte("keep"), 0o666))
	require.ErrorContains(t, otel.CheckDir(dir, false), "--force")
	_, err := otel.Open(dir, "", false)
	require.Error(t, err)
	b, _ := os.ReadFile(filepath.Join(dir, otel.MetricsFile))
	require.Equal(t, "keep", string(b))
	require.NoError(t, otel.CheckDir(dir, true))
	_, err = otel.NewRecorder(small(), otel.NewDestination(nil, nil), otel.Options{Ratio: 1.5})
	require.Error(t, err)
	for _, bad := range []string{"localhost:4318", "ftp://x", "http://", "http://h/?q=1"} {
		_, err := otel.ParseEndpoint(bad)
		require.Error(t, err, bad)
	}
}
