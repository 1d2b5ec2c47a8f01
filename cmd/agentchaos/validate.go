package main

import (
	"fmt"
	"io"

	"github.com/agentchaos/agentchaos/validate/markov"
	"github.com/agentchaos/agentchaos/validate/stats"
	"github.com/agentchaos/agentchaos/validate/textbook"
)

func init() {
	register(command{"validate", "[name|file ...]",
		"check the simulator against queueing theory (M/M/c, M/M/c/B, Erlang B, M/G/1; pools, lossy and slow networks) and Markov chains of retries, with confidence intervals", cmdValidate})
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	seed := fs.Uint64("seed", 1, "root seed of the replications")
	workers := fs.Int("workers", 0, "goroutines (default: the number of CPUs); results do not depend on it")
	budget := fs.Float64("budget", 0, "cap on simulated requests per configuration (default 1e7)")
	relErr := fs.Float64("rel-err", 0, "target relative half-width of every 99% interval (default 0.03)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *workers < 0 {
		return usageError{fmt.Errorf("--workers must not be negative, got %d", *workers)}
	}
	if !(*budget >= 0 && *budget <= 1e15) {
		return usageError{fmt.Errorf("--budget: must be a number of requests in [0, 1e15] (0: the default), got %g", *budget)}
	}
	if !(*relErr >= 0 && *relErr < 1) {
		return usageError{fmt.Errorf("--rel-err: must be in [0, 1) (0: the default, 0.03), got %g", *relErr)}
	}
	cases := textbook.Cases(append(textbook.Suite(), textbook.ClientNetworkSuite()...))
	cases = append(cases, textbook.Cases(markov.Suite())...)
	if len(pos) > 0 {
		cases = nil
		for _, p := range pos {
			cfg, err := loadScenario(p, stderr)
			if err != nil {
				return err
			}
			q, err := textbook.QueueFromConfig(cfg)
			if err != nil {
				return usageError{err}
			}
			cases = append(cases, q)
		}
	}
	opt := textbook.SuiteOptions{Seed: *seed, Workers: *workers, Budget: *budget,
		Precision: stats.Precision{MaxRelErr: *relErr}}
	if p := newProgress(stderr, "validate"); p != nil {
		defer p.clear()
		opt.Progress = func(done, total int, name string) {
			p.update(float64(done), float64(total), 0, "configurations", name+" done")
		}
	}
	rep, err := textbook.RunSuite(cases, opt)
	if err != nil {
		return usageError{err}
	}
	if *asJSON {
		err = writeJSON(stdout, rep)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if !rep.Pass {
		return fmt.Errorf("%d of %d checks failed", rep.Checks-rep.Passed, rep.Checks)
	}
	return nil
}
