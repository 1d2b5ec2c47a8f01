package textbook

import (
	"bytes"
	"encoding/json"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/agentchaos/agentchaos/kernel/goldentest"
	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/validate/stats"
	"github.com/stretchr/testify/require"
)

// reducedSuite is a handful of cheap configurations of every kind: M/M/1,
// M/M/c with superposed sources, Erlang B, an overloaded finite queue, M/D/1
// with its wait percentile and M/E4/1.
func reducedSuite() []Queue {
	return []Queue{
		mmQueue(1, Infinite, 0.5, 1, 0.95),
		mmQueue(2, Infinite, 0.6, 2, 0.95),
		mmQueue(8, 0, 0.75, 1, 0.95),
		mmQueue(4, 20, 1.2, 1, 0.95),
		mg1Queue("D", 0.5, model.Dist{Kind: model.Deterministic}, 0.9),
		mg1Queue("E4", 0.6, model.Dist{Kind: model.Erlang, K: 4}, 0),
	}
}

func suiteJSON(t *testing.T, r *SuiteReport) []byte {
	t.Helper()
	b, err := json.MarshalIndent(r, "", "  ")
	require.NoError(t, err)
	return b
}

// TestReducedSuite runs a real, reduced suite: every analytic value lies in
// its simultaneous 99% interval, and the report is the same byte for byte
// with one worker on one CPU and two workers on two.
func TestReducedSuite(t *testing.T) {
	opt := SuiteOptions{Seed: 1, Budget: 2e6}
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	opt.Workers = 2
	two, err := RunSuite(Cases(reducedSuite()), opt)
	require.NoError(t, err)

	runtime.GOMAXPROCS(1)
	opt.Workers = 1
	one, err := RunSuite(Cases(reducedSuite()), opt)
	require.NoError(t, err)
	require.Equal(t, string(suiteJSON(t, two)), string(suiteJSON(t, one)))

	require.Equal(t, 19, two.Checks)
	for _, c := range two.Configurations {
		require.Empty(t, c.Error)
		require.GreaterOrEqual(t, c.Reps, 20)
		for _, m := range c.Measures {
			require.True(t, m.Pass, "%s %s: analytic %g, simulated %g ± %g (simultaneous ± %g)",
				c.Name, m.Measure, m.Analytic, m.Mean, m.HalfWidth, m.SimultaneousHalfWidth)
			require.GreaterOrEqual(t, m.SimultaneousHalfWidth, m.HalfWidth)
			if !m.Capped {
				require.LessOrEqual(t, m.HalfWidth, 0.03*math.Abs(m.Mean))
			}
		}
	}
	require.True(t, two.Pass)
	t.Logf("%d checks, %d outside their own 99%% interval, %d capped", two.Checks, two.Outside, two.Capped)
}

// TestPerturbedServiceFails: simulating a service rate 5% off and judging it
// against the unperturbed theory must fail, at loads where 5% matters; the
// same check on the true rate passes.
func TestPerturbedServiceFails(t *testing.T) {
	truth := []Queue{mmQueue(1, Infinite, 0.8, 1, 0.95), mmQueue(4, 20, 1.2, 1, 0.95)}
	var sim, models []Queue
	for _, f := range []float64{1.05, 0.95} {
		for _, q := range truth {
			p := q
			p.Name += " μ×" + strings.TrimRight(strings.TrimRight(sig4(f), "0"), ".")
			p.Service.Mean = 1 / f
			sim = append(sim, p)
			models = append(models, q)
		}
	}
	opt := SuiteOptions{Seed: 1, Budget: 1e6}
	bad, err := runSuite(Cases(sim), Cases(models), opt)
	require.NoError(t, err)
	require.False(t, bad.Pass)
	for _, c := range bad.Configurations {
		require.Empty(t, c.Error)
		for _, m := range c.Measures {
			if m.Measure == MeasureSojourn || m.Measure == MeasureBlocking {
				require.False(t, m.Pass, "%s %s: analytic %g, simulated %g ± %g", c.Name, m.Measure, m.Analytic, m.Mean, m.HalfWidth)
			}
		}
	}
	good, err := RunSuite(Cases(truth), opt)
	require.NoError(t, err)
	require.True(t, good.Pass)

	_, err = runSuite(Cases(truth[:1]), Cases(truth[1:]), opt)
	require.ErrorContains(t, err, "other measures")
}

func TestRunSuiteRejectsBadInput(t *testing.T) {
	q := mmQueue(1, Infinite, 0.5, 1, 0)
	_, err := RunSuite([]Case{q, q}, SuiteOptions{})
	require.ErrorContains(t, err, "two configurations named")
	_, err = RunSuite([]Case{Queue{Name: "x", Lambda: 1}}, SuiteOptions{})
	require.Error(t, err)
	_, err = RunSuite([]Case{q}, SuiteOptions{Precision: stats.Precision{MinReps: 1}})
	require.ErrorContains(t, err, "MinReps")
	_, err = RunSuite([]Case{q}, SuiteOptions{Family: 1})
	require.ErrorContains(t, err, "family")
}

func TestDefaultSuiteSpan(t *testing.T) {
	qs := Suite()
	require.GreaterOrEqual(t, len(qs), 20)
	minRho, maxRho, maxStable := math.Inf(1), 0.0, 0.0
	minC, maxC, maxB := math.MaxInt, 0, 0
	kinds := map[string]bool{}
	var erlangB, overloaded, waitPct bool
	for _, q := range qs {
		require.NoError(t, q.check(), q.Name)
		rho := q.rho()
		minRho, maxRho = math.Min(minRho, rho), math.Max(maxRho, rho)
		if rho < 1 {
			maxStable = math.Max(maxStable, rho)
		}
		minC, maxC = min(minC, q.Servers), max(maxC, q.Servers)
		maxB = max(maxB, q.Buffer)
		kinds[q.Service.Kind] = true
		erlangB = erlangB || q.Buffer == 0
		overloaded = overloaded || (rho > 1 && !q.infinite())
		waitPct = waitPct || (q.waitPercentile() && q.Percentile > 0)
	}
	require.Equal(t, 0.3, minRho)
	require.Equal(t, 0.98, maxStable)
	require.Greater(t, maxRho, 1.0)
	require.Equal(t, [2]int{1, 64}, [2]int{minC, maxC})
	require.Equal(t, 500, maxB)
	require.True(t, erlangB && overloaded && waitPct)
	for _, k := range []string{model.Exponential, model.Deterministic, model.Erlang, model.Hyperexponential} {
		require.True(t, kinds[k], k)
	}
}

// TestJudge: the Bonferroni level follows the number of checks, and a value
// outside its own interval but inside the simultaneous one passes with a
// mark.
func TestJudge(t *testing.T) {
	r := &SuiteReport{Confidence: 0.99, Family: 0.99, Configurations: []CaseResult{
		{Name: "a", Reps: 20, Measures: []MeasureResult{
			{Measure: "in", Analytic: 1, Mean: 1.01, HalfWidth: 0.02},
			{Measure: "marginal", Analytic: 1, Mean: 1.021, HalfWidth: 0.02},
			{Measure: "out", Analytic: 1, Mean: 1.2, HalfWidth: 0.02},
			{Measure: "exact", Analytic: 0, Mean: 0, HalfWidth: 0},
		}},
	}}
	r.judge()
	require.Equal(t, 4, r.Checks)
	require.InDelta(t, 1-0.01/4, r.CheckConfidence, 1e-15)
	m := r.Configurations[0].Measures
	ratio := stats.TCritical(1-0.01/4, 19) / stats.TCritical(0.99, 19)
	require.InDelta(t, 0.02*ratio, m[0].SimultaneousHalfWidth, 1e-15)
	require.Equal(t, []bool{true, true, false, true}, []bool{m[0].Pass, m[1].Pass, m[2].Pass, m[3].Pass})
	require.Equal(t, []bool{true, false, false, true}, []bool{m[0].Inside, m[1].Inside, m[2].Inside, m[3].Inside})
	require.Equal(t, 3, r.Passed)
	require.Equal(t, 2, r.Outside)
	require.False(t, r.Pass)

	ok := &SuiteReport{Confidence: 0.99, Family: 0.99, Configurations: []CaseResult{{Name: "e", Error: "boom"}}}
	ok.judge()
	require.False(t, ok.Pass, "a configuration that could not run fails the suite")
}

func TestWriteText(t *testing.T) {
	r := &SuiteReport{Seed: 1, Confidence: 0.99, MaxRelErr: 0.03, Family: 0.99, Legends: []string{Queue{}.Legend()}, Configurations: []CaseResult{
		{Name: "M/M/1 ρ=0.50", Reps: 20, Measures: []MeasureResult{
			{Measure: MeasureWait, Analytic: 1, Mean: 1.012, HalfWidth: 0.0236},
			{Measure: MeasureSojourn, Analytic: 2, Mean: 2.026, HalfWidth: 0.0236},
			{Measure: "sojourn p95", Analytic: 5.991, Mean: 6.021, HalfWidth: 0.0808},
		}},
		{Name: "M/M/8/108 ρ=0.98", Reps: 50, Measures: []MeasureResult{
			{Measure: MeasureBlocking, Analytic: 0.002827, Mean: 0.002769, HalfWidth: 0.0004118, Capped: true},
			{Measure: "sojourn p95", Analytic: 11.89, Mean: 11.61, HalfWidth: 0.09},
		}},
		{Name: "broken", Error: "validate: broken: no request accepted after the warm-up; run longer"},
		{Name: "chain", Reps: 20, Measures: []MeasureResult{{Measure: "mean in system", Analytic: 1.5, Mean: 1.49, HalfWidth: 0.02}},
			Distribution: &Distribution{Of: "attempts at the server", Analytic: []float64{0.4, 0.1, 0.5}, Simulated: []float64{0.41, 0.1, 0.49}}},
	}}
	r.judge()
	var b bytes.Buffer
	require.NoError(t, r.WriteText(&b))
	goldentest.Check(t, "testdata/suite.golden", b.Bytes())
}

// TestClientNetworkSuite runs issue 12's checks with a small budget: every
// analytic value lies in its simultaneous interval and the exact checks
// are exactly 0.
func TestClientNetworkSuite(t *testing.T) {
	rep, err := RunSuite(Cases(ClientNetworkSuite()), SuiteOptions{Seed: 1, Budget: 4e5, RepArrivals: 5000})
	require.NoError(t, err)
	for _, c := range rep.Configurations {
		require.Empty(t, c.Error)
		require.NotEmpty(t, c.Model)
		for _, m := range c.Measures {
			require.True(t, m.Pass, "%s %s: analytic %g, simulated %g ± %g", c.Name, m.Measure, m.Analytic, m.Mean, m.HalfWidth)
			if m.Measure == MeasureServerWait || m.Measure == MeasureShift {
				require.Zero(t, m.Mean, "%s %s", c.Name, m.Measure)
				require.Zero(t, m.HalfWidth)
			}
		}
	}
	require.True(t, rep.Pass)
	require.Len(t, rep.Legends, 1)
}
