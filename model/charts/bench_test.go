package charts

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/agentchaos/agentchaos/model"
)

// The yardstick is the simulation the report is drawn from: BenchmarkRun
// runs the small saturated system, BenchmarkWriteRun writes its report.
// The million-request pair does the same for 1000 agents × 1000 requests.

func BenchmarkRunSmall(b *testing.B) {
	cfg := smallConfig()
	var rep model.Report
	for b.Loop() {
		rep, _ = model.Run(cfg, model.Options{})
	}
	b.ReportMetric(float64(rep.Created)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

func BenchmarkWriteRunSmall(b *testing.B) {
	cfg := smallConfig()
	rep := mustRun(b, cfg)
	benchWrite(b, cfg, rep)
}

var million struct {
	once sync.Once
	cfg  *model.Config
	rep  [2]*model.Report // exact, sketch
}

func millionRun(b *testing.B, sketch bool) (*model.Config, *model.Report) {
	million.once.Do(func() {
		cfg := smallConfig()
		cfg.Agents.Count, cfg.Agents.RequestsPerAgent = 1000, 1000
		million.cfg = cfg
		million.rep[0] = mustRun(b, cfg)
		sk := *cfg
		sk.Telemetry.Percentiles = model.SketchPercentiles
		million.rep[1] = mustRun(b, &sk)
	})
	i := 0
	if sketch {
		i = 1
	}
	return million.cfg, million.rep[i]
}

func BenchmarkRunMillion(b *testing.B) {
	cfg, _ := millionRun(b, false)
	var rep model.Report
	for b.Loop() {
		rep, _ = model.Run(cfg, model.Options{})
	}
	b.ReportMetric(float64(rep.Created)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

func BenchmarkWriteRunMillionExact(b *testing.B) {
	cfg, rep := millionRun(b, false)
	benchWrite(b, cfg, rep)
}

func BenchmarkWriteRunMillionSketch(b *testing.B) {
	cfg, rep := millionRun(b, true)
	benchWrite(b, cfg, rep)
}

func benchWrite(b *testing.B, cfg *model.Config, rep *model.Report) {
	dir := filepath.Join(b.TempDir(), "r")
	for b.Loop() {
		if err := WriteRun(dir, cfg, rep, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rep.Created)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	b.ReportMetric(float64(rep.Series.Periods())*float64(b.N)/b.Elapsed().Seconds(), "periods/s")
}
