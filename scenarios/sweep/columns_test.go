package sweep

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentchaos/agentchaos/model"
)

func loadClientGrid(t testing.TB) *Spec {
	t.Helper()
	s, err := LoadSpec("testdata/sweep-client-grid.json")
	require.NoError(t, err)
	return s
}

// TestSweepClientColumnsGolden: a small retrying system with a load spike,
// a lossy network, a pool, CoDel and an SLO fills the client, network,
// defence and SLO columns; its verdicts include held, recovered and
// metastable.
func TestSweepClientColumnsGolden(t *testing.T) {
	checkGoldens(t, loadClientGrid(t), "testdata/sweep-client-grid")
}

// TestRowsAreTheReports: every figure of a row is the report's, read back
// from both formats, and the points aggregate them.
func TestRowsAreTheReports(t *testing.T) {
	s := loadClientGrid(t)
	dir := t.TempDir()
	seen := [numVerdicts]int{}
	for _, format := range []string{"csv", "jsonl"} {
		data := sweepFile(t, s, dir, "r."+format, Options{Workers: 2})
		rr, err := newRowReader("r."+format, bytes.NewReader(data))
		require.NoError(t, err)
		for i := 0; i < s.Runs(); i++ {
			_, row, err := rr.next()
			require.NoError(t, err)
			cfg, _, err := s.config(i)
			require.NoError(t, err)
			rep, err := model.Run(cfg, model.Options{})
			require.NoError(t, err)
			c := rep.Client
			require.NotNil(t, c)
			require.Equal(t, c.Attempts, row.Attempts)
			require.Equal(t, c.Amplification, row.Amplification)
			require.Equal(t, c.Goodput, row.Goodput)
			require.Equal(t, c.Throughput, row.Throughput)
			retries := uint64(0)
			for _, n := range c.RetriedBy {
				retries += n
			}
			require.Equal(t, retries, row.Retries)
			require.Equal(t, c.Zombies, row.Zombies)
			require.Equal(t, c.ZombieWork, row.ZombieWork)
			require.Equal(t, c.PoolExhausted, row.PoolExhausted)
			require.Equal(t, rep.Defences.ShedByCoDel, row.ShedCoDel)
			lost := rep.Network.Toxics[0].Request.Lost + rep.Network.Toxics[0].Response.Lost
			require.Equal(t, lost, row.NetLost)
			require.Equal(t, verdictOf(rep.SLO), row.SLO)
			require.Equal(t, some(rep.SLO.Violated), row.SLOViolated)
			require.Equal(t, maybeOf(rep.SLO.RecoveryTime), row.RecoveryTime)
			require.Equal(t, row.SLO == Recovered, row.RecoveryTime.ok)
			seen[row.SLO]++
		}
	}
	require.Positive(t, seen[Held])
	require.Positive(t, seen[Recovered])
	require.Positive(t, seen[Metastable])

	var pts []PointSummary
	_, err := Aggregate("r.csv", bytes.NewReader(readFile(t, filepath.Join(dir, "r.csv"))),
		func(_ Header, p PointSummary) error { pts = append(pts, p); return nil })
	require.NoError(t, err)
	for _, p := range pts {
		require.Equal(t, p.Runs, p.Verdicts[Held]+p.Verdicts[Recovered]+p.Verdicts[Unjudged]+p.Verdicts[Violated]+p.Verdicts[Metastable])
		require.Zero(t, p.Verdicts[NoSLO])
		require.Positive(t, p.Verdicts[p.MajorityVerdict])
		require.Greater(t, p.Amplification.Mean, 1.0) // the clients retry
	}
	// A tie goes to the worse verdict: point 3 has one recovered and one
	// metastable replication.
	require.Equal(t, 1, pts[3].Verdicts[Recovered])
	require.Equal(t, 1, pts[3].Verdicts[Metastable])
	require.Equal(t, Metastable, pts[3].MajorityVerdict)
	require.Equal(t, 0.5, pts[3].Share(Metastable))
}

// Without a client every request is one attempt and the server's work is
// what its workers finished: the columns agree with the timeline's counts.
func TestRowsWithoutAClient(t *testing.T) {
	s := loadGrid(t)
	for _, i := range []int{0, 20, 35} {
		cfg, _, err := s.config(i)
		require.NoError(t, err)
		var tl model.Timeline
		rep, err := model.Run(cfg, model.Options{Sinks: []model.Sink{&tl}})
		require.NoError(t, err)
		require.Nil(t, rep.Client)
		row := newRow(i, 0, 0, cfg.Seed, &rep)
		require.Equal(t, rep.Created, row.Attempts)
		require.Equal(t, 1.0, row.Amplification)
		var answered, goodput uint64
		for _, smp := range tl {
			answered += smp.Answered
			goodput += smp.Goodput
		}
		require.Equal(t, float64(answered)/rep.Duration, row.Throughput)
		require.Equal(t, float64(goodput)/rep.Duration, row.Goodput)
		require.Equal(t, NoSLO, row.SLO)
		require.False(t, row.SLOViolated.ok)
	}
}

// A results file of format 1 (before the client columns) is refused with
// a message saying so.
func TestOldFormatIsRefused(t *testing.T) {
	s := loadGrid(t)
	out := filepath.Join(t.TempDir(), "old.csv")
	old := "# agentchaos-sweep/1 spec=" + s.Fingerprint() + " runs=36 points=12 replications=3 shard=0/1\n"
	require.NoError(t, os.WriteFile(out, []byte(old), 0o644))
	_, err := Run(t.Context(), s, Options{Out: out, Resume: true})
	require.ErrorContains(t, err, "older agentchaos (sweep format 1")
}
