package reproduce

import (
	"context"
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
//
// Runs go in parallel on workers goroutines; each keeps only the figures
// the table needs, so memory does not grow with n. progress, if set, is
// called on the calling goroutine as each run is done. If ctx ends first,
// Spread returns its cause.
func Spread(ctx context.Context, cfgs []*model.Config, table []Published, n, workers int, progress func(done, total int)) ([]SeedSpread, error) {
	type figures struct {
		avg, p95, errRate float64
		state             model.State
	}
	runs := make([]figures, len(cfgs)*n) // run k: experiment k/n, further seed k%n
	err := replicate.Ordered(ctx, len(runs), max(workers, 1), nil, func(_ struct{}, k int) (figures, error) {
		c := *cfgs[k/n]
		c.Seed = replicate.Seed(c.Seed, k%n)
		r, err := model.Run(&c, model.Options{})
		if err != nil {
			return figures{}, fmt.Errorf("%s, further seed %d: %w", table[k/n].Scenario, k%n, err)
		}
		return figures{r.Latency.Avg, r.Latency.P95, r.ErrorRate, r.FinalState}, nil
	}, func(k int, f figures) error {
		runs[k] = f
		if progress != nil {
			progress(k+1, len(runs))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []SeedSpread
	for i := range cfgs {
		sp := SeedSpread{Scenario: table[i].Scenario, Published: table[i].State.String(), Seeds: n, States: map[string]int{}}
		var avg, p95, er []float64
		for _, f := range runs[i*n : (i+1)*n] {
			avg = append(avg, f.avg)
			p95 = append(p95, f.p95)
			er = append(er, f.errRate)
			sp.States[f.state.String()]++
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
