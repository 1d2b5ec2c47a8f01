package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/validate/textbook"
)

// TestValidateScenarios runs `validate` on the embedded textbook profiles
// with a small budget: JSON on stdout, exit 0.
func TestValidateScenarios(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"validate", "--json", "--budget", "4e5", "MM1-090", "mmc-016"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	var rep textbook.SuiteReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	require.True(t, rep.Pass)
	require.Len(t, rep.Configurations, 2)
	require.Equal(t, "MM1-090", rep.Configurations[0].Name)
	require.Equal(t, 7, rep.Checks)
	require.Empty(t, stderr.String(), "no progress when stderr is not a terminal")
}

// TestTextbookProfiles: every MM1-*/MMC-* profile is a textbook queue.
func TestTextbookProfiles(t *testing.T) {
	list, err := scenarios.List()
	require.NoError(t, err)
	n := 0
	for _, s := range list {
		if !strings.HasPrefix(s.Name, "MM1-") && !strings.HasPrefix(s.Name, "MMC-") {
			continue
		}
		n++
		cfg, err := scenarios.Load(s.Name)
		require.NoError(t, err)
		q, err := textbook.QueueFromConfig(cfg)
		require.NoError(t, err, s.Name)
		_, err = q.Theory()
		require.NoError(t, err, s.Name)
	}
	require.GreaterOrEqual(t, n, 2)
}

// lossyScenario is an M/M/1 at ρ = 0.5 behind a network that loses a
// quarter of the requests, with a client that retries them.
const lossyScenario = `{"name": "lossy",
	"agents": {"count": 1, "arrival": "poisson", "think": {"kind": "exponential", "mean": 2}, "horizon": 10,
		"mix": [{"name": "u", "weight": 1, "work": 1}]},
	"queue": {"buffer": 100000000}, "workers": {"count": 1, "service": {"kind": "exponential", "mean": 1}},
	"throttle": {"enabled": false},
	"client": {"timeouts": {"attempt": 60}, "retry": {"max_attempts": 4, "on": ["CLIENT_TIMEOUT"]}},
	"network": {"toxics": [{"type": "loss", "direction": "request", "p": 0.25}]}}`

// TestValidateLossyScenario: a scenario file with a lossy network and a
// retrying client is recognised and checked against the geometric law.
func TestValidateLossyScenario(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lossy.json")
	require.NoError(t, os.WriteFile(file, []byte(lossyScenario), 0o644))
	var stdout, stderr bytes.Buffer
	code := run([]string{"validate", "--json", "--budget", "3e5", file}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	var rep textbook.SuiteReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	require.True(t, rep.Pass)
	c := rep.Configurations[0]
	require.Equal(t, "request loss 0.25, timeout 60 s, 4 attempts", c.Model)
	require.Equal(t, textbook.MeasureAttempts, c.Measures[0].Measure)
	require.InDelta(t, 1+0.25+0.0625+0.015625, c.Measures[0].Analytic, 1e-12)
}

func TestValidateBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "closed.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"name": "closed", "agents": {"count": 2, "requests_per_agent": 5},
		"queue": {"buffer": 4}, "workers": {"count": 1}}`), 0o644))
	breaker := filepath.Join(t.TempDir(), "breaker.json")
	require.NoError(t, os.WriteFile(breaker, []byte(strings.Replace(lossyScenario, `"retry": {"max_attempts": 4, "on": ["CLIENT_TIMEOUT"]}`,
		`"breaker": {"consecutive_failures": 3, "open_for": 1}`, 1)), 0o644))
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"validate", "--workers", "-1"}, "--workers"},
		{[]string{"validate", "--rel-err", "2"}, "--rel-err"},
		{[]string{"validate", "--nope"}, "nope"},
		{[]string{"validate", "no-such-profile"}, "no such scenario"},
		{[]string{"validate", "EXP-001"}, "agents.arrival"},
		{[]string{"validate", bad}, "agents.arrival"},
		{[]string{"validate", breaker}, "client.breaker"},
		{[]string{"validate", "MM1-090", "mm1-090"}, "two configurations named"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr.String())
		require.Contains(t, stderr.String(), tc.msg, tc.args)
		require.Empty(t, stdout.String(), tc.args)
	}
}
