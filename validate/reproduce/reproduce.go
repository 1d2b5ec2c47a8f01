package reproduce

import (
	"fmt"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/replicate"
	"github.com/agentchaos/agentchaos/validate/stats"
)

// Result is the published table beside one simulation of each
// experiment on its profile's own seed.
type Result struct {
	Rows    []Comparison    `json:"rows"`
	Matches int             `json:"matching_cells"`
	Cells   int             `json:"cells"`
	Reports []*model.Report `json:"-"`
}

// Run simulates each configuration (in table order) on its own seed,
// in parallel, and compares it with the table.
func Run(cfgs []*model.Config, table []Published, workers int) (*Result, error) {
	return RunEach(cfgs, table, workers, func(_ int, cfg *model.Config) (model.Report, error) {
		return model.Run(cfg, model.Options{})
	})
}

// RunEach is Run with the caller's run of configuration i (model.Run with
// sinks attached, say); with one worker the runs go one after another in
// table order.
func RunEach(cfgs []*model.Config, table []Published, workers int, run func(i int, cfg *model.Config) (model.Report, error)) (*Result, error) {
	if len(cfgs) != len(table) {
		return nil, fmt.Errorf("reproduce: %d configurations for %d table rows", len(cfgs), len(table))
	}
	reports := make([]*model.Report, len(cfgs))
	errs := make([]error, len(cfgs))
	replicate.Map(len(cfgs), max(workers, 1), func(i int) {
		r, err := run(i, cfgs[i])
		reports[i], errs[i] = &r, err
	})
	out := &Result{Reports: reports}
	for i := range cfgs {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", table[i].Scenario, errs[i])
		}
		c, err := Compare(table[i], reports[i])
		if err != nil {
			return nil, err
		}
		out.Rows = append(out.Rows, c)
		out.Matches += c.Matches()
		out.Cells += len(c.Cells)
	}
	return out, nil
}

// SeedStat is one numeric cell over further seeds.
type SeedStat struct {
	Name      string  `json:"name"`
	Published float64 `json:"published"`
	// PrintsAs is the interval of values that print as the published cell
	// (±half a unit in its last printed digit): the published figure is a
	// rounded number, so "inside" means the interval meets it.
	PrintsAs [2]float64 `json:"prints_as"`
	Mean     float64    `json:"mean"`
	CI       [2]float64 `json:"ci95"`
	PI       [2]float64 `json:"pi95"`
	InCI     bool       `json:"published_in_ci"`
	InPI     bool       `json:"published_in_pi"`
}

// SeedSpread is one experiment over further seeds.
type SeedSpread struct {
	Scenario  string         `json:"scenario"`
	Published string         `json:"published_state"`
	Seeds     int            `json:"seeds"`
	Cells     []SeedStat     `json:"cells"`
	States    map[string]int `json:"states"` // final state → number of seeds
}

// Spread runs each configuration on n further seeds, derived from its own
// seed as replicate.Seed(seed, i), and summarises each
// numeric cell: mean, 95% Student-t confidence interval of the mean, 95%
// prediction interval for one more seed, and whether the published value
// lies inside each (meets it, as the published value is rounded: 0.012s
// stands for [0.0115, 0.0125]). It shows how typical the published figures are under the
// model, not only that one seed lands on them.
func Spread(cfgs []*model.Config, table []Published, n, workers int) ([]SeedSpread, error) {
	type job struct{ scen, seed int }
	var jobs []job
	for i := range cfgs {
		for s := 0; s < n; s++ {
			jobs = append(jobs, job{i, s})
		}
	}
	reps := make([]model.Report, len(jobs))
	errs := make([]error, len(jobs))
	replicate.Map(len(jobs), max(workers, 1), func(k int) {
		j := jobs[k]
		c := *cfgs[j.scen]
		c.Seed = replicate.Seed(c.Seed, j.seed)
		reps[k], errs[k] = model.Run(&c, model.Options{})
	})
	var out []SeedSpread
	for i := range cfgs {
		sp := SeedSpread{Scenario: table[i].Scenario, Published: table[i].State.String(), Seeds: n, States: map[string]int{}}
		var avg, p95, er []float64
		for k, j := range jobs {
			if j.scen != i {
				continue
			}
			if errs[k] != nil {
				return nil, errs[k]
			}
			avg = append(avg, reps[k].Latency.Avg)
			p95 = append(p95, reps[k].Latency.P95)
			er = append(er, reps[k].ErrorRate)
			sp.States[reps[k].FinalState.String()]++
		}
		stat := func(name string, xs []float64, pub, half float64) SeedStat {
			ci := stats.MeanCI(xs, 0.95)
			lo, hi := stats.PredictionInterval(xs, 0.95)
			s := SeedStat{Name: name, Published: pub, PrintsAs: [2]float64{pub - half, pub + half}, Mean: ci.Mean,
				CI: [2]float64{ci.Mean - ci.HalfWidth, ci.Mean + ci.HalfWidth}, PI: [2]float64{lo, hi}}
			meets := func(a [2]float64) bool { return a[0] <= s.PrintsAs[1] && a[1] >= s.PrintsAs[0] }
			s.InCI, s.InPI = meets(s.CI), meets(s.PI)
			return s
		}
		p := table[i]
		sp.Cells = []SeedStat{
			stat("avg_latency", avg, Value(p.AvgLatency), 0.0005),
			stat("p95_latency", p95, Value(p.P95Latency), 0.0005),
			stat("error_rate", er, Value(p.ErrorRate), 0.00005),
		}
		out = append(out, sp)
	}
	return out, nil
}
