package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// smallHTTP is a scenario of 4 agents × 5 requests, a pool of 2
// connections and a latency toxic: a fraction of a second over HTTP.
const smallHTTP = `{"name": "small-http", "seed": 3,
 "agents": {"count": 4, "arrival": "closed", "think": {"kind": "exponential", "mean": 0.005},
            "requests_per_agent": 5, "mix": [{"name": "A", "weight": 1, "work": 1}]},
 "queue": {"buffer": 10},
 "workers": {"count": 2, "service": {"kind": "deterministic", "mean": 0.002}},
 "faults": {"spike_probability": 0, "error_probability": 0.1},
 "detector": {"period": 0.05, "window": 0.5, "degraded_saturation": 0.5, "collapse_saturation": 0.85,
              "growth_samples": 3, "p95_growth": 1, "min_window_samples": 5, "final_fraction": 0.05},
 "throttle": {"enabled": false},
 "client": {"timeouts": {"attempt": 1}, "pool": {"max_connections": 2}},
 "network": {"toxics": [{"type": "latency", "latency": {"kind": "deterministic", "mean": 0.002}}]}
}`

func TestLiveHTTP(t *testing.T) {
	file := filepath.Join(t.TempDir(), "small.json")
	require.NoError(t, os.WriteFile(file, []byte(smallHTTP), 0o644))

	code, out, errOut := cli("live", file, "--http")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "small-http (http, seed 3)")
	require.Contains(t, out, "20 created")
	require.Contains(t, out, "at most 2 connections open at the server")

	code, out, errOut = cli("live", file, "--http", "--json", "--seed", "4")
	require.Equal(t, exitOK, code, errOut)
	var rep struct {
		Mode, Scenario string
		Seed           uint64
		Created        uint64
		HTTP           struct {
			MaxConnections int `json:"max_connections"`
		} `json:"http"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, "http", rep.Mode)
	require.Equal(t, uint64(4), rep.Seed)
	require.Equal(t, uint64(20), rep.Created)
	require.Equal(t, 2, rep.HTTP.MaxConnections)
}

func TestLiveTarget(t *testing.T) {
	file := filepath.Join(t.TempDir(), "small.json")
	require.NoError(t, os.WriteFile(file, []byte(smallHTTP), 0o644))
	var seen, gets atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		seen.Add(1)
		if r.Method == http.MethodGet && r.Header.Get("Authorization") == "Bearer t" {
			gets.Add(1)
		}
	}))
	defer srv.Close()
	code, out, errOut := cli("live", file, "--target", srv.URL+"/x", "--method", "GET", "--header", "Authorization: Bearer t")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "small-http (target, seed 3)")
	require.Contains(t, out, "20 created, 20 served")
	require.EqualValues(t, 20, seen.Load())
	require.EqualValues(t, 20, gets.Load())
}

func TestLiveHTTPBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "small.json")
	require.NoError(t, os.WriteFile(file, []byte(smallHTTP), 0o644))
	lifo := filepath.Join(dir, "lifo.json")
	var cfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(smallHTTP), &cfg))
	cfg["client"].(map[string]any)["pool"].(map[string]any)["waiters"] = "lifo"
	b, _ := json.Marshal(cfg)
	require.NoError(t, os.WriteFile(lifo, b, 0o644))
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"live", file, "--target", "ftp://x/"}, "must be an http or https URL"},
		{[]string{"live", file, "--http", "--header", "nocolon"}, `want "Name: value"`},
		{[]string{"live", file, "--http", "--body", "-1"}, "body size"},
		{[]string{"live", lifo, "--http"}, "client.pool.waiters: net/http hands freed connections to waiters in FIFO order"},
		{[]string{"crossval", lifo, "--http"}, "client.pool.waiters"},
	} {
		code, _, errOut := cli(c.args...)
		require.Equal(t, exitUsage, code, "%v: %s", c.args, errOut)
		require.Contains(t, errOut, c.msg, "%v", c.args)
	}
}
