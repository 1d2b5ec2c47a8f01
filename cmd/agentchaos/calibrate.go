package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/agentchaos/agentchaos/model/outfile"
	"github.com/agentchaos/agentchaos/scenarios"
	"github.com/agentchaos/agentchaos/validate/calibrate"
	"github.com/agentchaos/agentchaos/validate/reproduce"
)

func init() {
	register(command{"calibrate", "", "fit the EXP profiles' free parameters to the published table and write them", cmdCalibrate})
}

func cmdCalibrate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate", stderr)
	dir := fs.String("dir", filepath.Join("scenarios", "profiles"), "write the fitted profiles into `DIR`")
	seeds := fs.Int("trend-seeds", 1, "seeds averaged per evaluation of the fit")
	evals := fs.Int("evals", 0, "evaluations of the optional fit before the recentering (0: start from the knobs' fixed values in validate/calibrate)")
	global := fs.Bool("global", false, "start the fit with a CMA-ES global search")
	restarts := fs.Int("restarts", 1, "Nelder–Mead polishes in the fit")
	trials := fs.Int("land-trials", 8000, "landing trials")
	spread := fs.Float64("spread", 0.003, "relative size of the landing's perturbations of the first experiments' knobs")
	lastTrials := fs.Int("last-trials", 200, "landing trials of the last experiment on one landing of the first ones")
	spreadLast := fs.Float64("spread-last", 0.03, "relative size of the landing's perturbations of the last experiment's own knobs")
	fitBudget := fs.Float64("fit-budget", 0.25, "fraction of the request budget the fit's runs use")
	recenter := fs.Int("recenter", 8, "rounds moving the fitted centre onto the published latencies before landing")
	force := fs.Bool("force", false, "replace the profiles in DIR (they exist in scenarios/profiles: calibrating rewrites them)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *seeds < 1 || *evals < 0 || *restarts < 0 || *trials < 1 || *recenter < 0 || !(*spread > 0 && *spread < 0.5) || !(*spreadLast > 0 && *spreadLast < 0.5) || *lastTrials < 1 || !(*fitBudget > 0 && *fitBudget <= 1) {
		return usageError{errors.New("--trend-seeds and --land-trials must be at least 1, --evals, --restarts and --recenter at least 0, --spread and --spread-last in (0, 0.5), --last-trials at least 1, --fit-budget in (0, 1]")}
	}
	var paths []string
	for _, p := range reproduce.Table {
		paths = append(paths, filepath.Join(*dir, p.Scenario+".json"))
	}
	for _, path := range paths { // before ten minutes of work, not after
		if err := outfile.Check(path, *force); err != nil {
			return usageError{fmt.Errorf("--dir %s: %w", *dir, err)}
		}
	}
	cfgs, err := loadPublished()
	if err != nil {
		return err
	}
	cal, err := calibrate.Run(cfgs, reproduce.Table, calibrate.Options{
		TrendSeeds: *seeds, MaxEvals: *evals, Restarts: *restarts, LandTrials: *trials, Spread: *spread, SpreadLast: *spreadLast, LastTrials: *lastTrials, Recenter: *recenter, FitBudget: *fitBudget, Global: *global, Log: stderr})
	if err != nil {
		return err
	}
	for i, c := range cal.Configs {
		data, err := scenarios.Marshal(c)
		if err != nil {
			return err
		}
		path := paths[i]
		if err := outfile.Write(path, *force, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: wrote %s\n", reproduce.Table[i].Scenario, path)
	}
	if cal.Evals > 0 {
		fmt.Fprintf(stdout, "fit: %d evaluations, trend loss %.4g\n", cal.Evals, cal.Loss)
	}
	fmt.Fprintf(stdout, "landing: %d trials, landed: %v\n", cal.Trials, cal.Landed)
	if !cal.Landed {
		return errors.New("no landing matched every cell; profiles written with the fitted centre")
	}
	return nil
}
