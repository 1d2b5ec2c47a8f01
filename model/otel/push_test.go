package otel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/live"
	"github.com/agentchaos/agentchaos/model/otel"
)

// receiver is an OTLP/HTTP receiver: it decodes what arrives with pdata's
// protobuf unmarshalers.
type receiver struct {
	mu      sync.Mutex
	spans   map[pcommon.SpanID]ptrace.Span
	metrics int // data points
	posts   int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.posts++
	var resp []byte
	switch r.URL.Path {
	case "/otlp/v1/traces":
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rs := range req.Traces().ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					rc.spans[s.SpanID()] = s
				}
			}
		}
		resp, _ = ptraceotlp.NewExportResponse().MarshalProto()
	case "/otlp/v1/metrics":
		req := pmetricotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.metrics += req.Metrics().DataPointCount()
		resp, _ = pmetricotlp.NewExportResponse().MarshalProto()
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(resp)
}

// startReceiver starts a receiver on 127.0.0.1 for the test, with the
// environment's OTLP settings cleared, and returns it and its endpoint.
func startReceiver(t *testing.T) (*receiver, string) {
	t.Helper()
	for _, v := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_HEADERS"} {
		t.Setenv(v, "")
	}
	rc := &receiver{spans: map[pcommon.SpanID]ptrace.Span{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL + "/otlp"
}

// TestPushOTLPHTTP pushes a run to a receiver started here on 127.0.0.1
// and finds in it exactly what the files hold.
func TestPushOTLPHTTP(t *testing.T) {
	rc, url := startReceiver(t)

	dir := t.TempDir()
	cfg := small()
	dest, err := otel.Open(dir, url, false)
	require.NoError(t, err)
	rec, err := otel.NewRecorder(cfg, dest, otel.Options{Ratio: 1})
	require.NoError(t, err)
	_, err = model.Run(cfg, model.Options{Sinks: []model.Sink{rec}})
	require.NoError(t, err)
	require.NoError(t, rec.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, dest.Close(ctx))

	spans := readTraces(t, filepath.Join(dir, otel.TracesFile))
	require.Len(t, rc.spans, len(spans), "every span arrived, once")
	for _, s := range spans {
		got, ok := rc.spans[s.SpanID()]
		require.True(t, ok)
		require.Equal(t, s.TraceID(), got.TraceID())
		require.Equal(t, s.ParentSpanID(), got.ParentSpanID())
		require.Equal(t, s.Name(), got.Name())
		require.Equal(t, s.StartTimestamp(), got.StartTimestamp())
		require.Equal(t, s.EndTimestamp(), got.EndTimestamp())
		require.Equal(t, s.Attributes().AsRaw(), got.Attributes().AsRaw())
		require.Equal(t, s.Status().Code(), got.Status().Code())
	}
	var points int
	for _, line := range lines(t, filepath.Join(dir, otel.MetricsFile)) {
		req := pmetricotlp.NewExportRequest()
		require.NoError(t, req.UnmarshalJSON(line))
		points += req.Metrics().DataPointCount()
	}
	require.Positive(t, points)
	require.Equal(t, points, rc.metrics, "every metric point arrived")
}

// TestLiveThroughSDK runs the system live under synctest, whose clock is
// exact and starts when the bubble does: the SDK's spans then carry the
// simulation's IDs, names, parents and instants, epoch the bubble's start.
func TestLiveThroughSDK(t *testing.T) {
	cfg := small()
	cfg.Agents.RequestsPerAgent = 8
	simDir := t.TempDir()
	liveDir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		dest, err := otel.Open(liveDir, "", false)
		require.NoError(t, err)
		rec, err := otel.NewRecorder(cfg, dest, otel.Options{Ratio: 1, Clock: time.Now, ExportInterval: time.Second})
		require.NoError(t, err)
		rep, _, err := live.Run(context.Background(), cfg, live.Options{Sinks: []model.Sink{rec}})
		require.NoError(t, err)
		require.NoError(t, rec.Close())
		require.NoError(t, dest.Close(context.Background()))
		require.Positive(t, rep.Created)
		run(t, cfg, simDir, otel.Options{Ratio: 1, Epoch: start})
	})
	sim := readTraces(t, filepath.Join(simDir, otel.TracesFile))
	lv := readTraces(t, filepath.Join(liveDir, otel.TracesFile))
	require.Len(t, lv, len(sim))
	byID := map[pcommon.SpanID]ptrace.Span{}
	for _, s := range lv {
		byID[s.SpanID()] = s
	}
	for _, s := range sim {
		got, ok := byID[s.SpanID()]
		require.True(t, ok, "live has span %s", s.Name())
		require.Equal(t, s.TraceID(), got.TraceID())
		require.Equal(t, s.ParentSpanID(), got.ParentSpanID())
		require.Equal(t, s.Name(), got.Name())
		require.Equal(t, s.StartTimestamp(), got.StartTimestamp(), s.Name())
		require.Equal(t, s.EndTimestamp(), got.EndTimestamp(), s.Name())
		require.Equal(t, s.Status(), got.Status())
	}
	var states int
	for _, line := range lines(t, filepath.Join(liveDir, otel.MetricsFile)) {
		req := pmetricotlp.NewExportRequest()
		require.NoError(t, req.UnmarshalJSON(line))
		for _, rm := range req.Metrics().ResourceMetrics().All() {
			mode, _ := rm.Resource().Attributes().Get("agentchaos.mode")
			require.Equal(t, "live", mode.Str())
			for _, sm := range rm.ScopeMetrics().All() {
				for _, m := range sm.Metrics().All() {
					if m.Name() == "agentchaos.detector.state" {
						states++
					}
				}
			}
		}
	}
	require.Positive(t, states, "the live mode's metrics went through the SDK's reader")
}

// TestLivePushOTLPHTTP: a live run on the wall clock pushes through the
// SDK's batch processor and periodic reader to a receiver on 127.0.0.1.
func TestLivePushOTLPHTTP(t *testing.T) {
	rc, url := startReceiver(t)
	cfg := small()
	cfg.Agents.Count, cfg.Agents.RequestsPerAgent = 3, 3
	dest, err := otel.Open("", url, false)
	require.NoError(t, err)
	before := time.Now()
	rec, err := otel.NewRecorder(cfg, dest, otel.Options{Ratio: 1, Clock: time.Now, ExportInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, _, err := live.Run(ctx, cfg, live.Options{Sinks: []model.Sink{rec}})
	require.NoError(t, err)
	require.NoError(t, rec.Close())
	require.NoError(t, dest.Close(ctx))
	after := time.Now()

	rc.mu.Lock()
	defer rc.mu.Unlock()
	var roots uint64
	for _, s := range rc.spans {
		if s.ParentSpanID().IsEmpty() {
			roots++
		}
		require.True(t, !s.StartTimestamp().AsTime().Before(before) && !s.EndTimestamp().AsTime().After(after),
			"%s: real timestamps, within the run", s.Name())
	}
	require.Equal(t, rep.Created, roots, "every request's trace arrived")
	require.Positive(t, rc.metrics, "metric points arrived")
}
