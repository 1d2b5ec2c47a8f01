package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/scenarios/sweep"
)

func init() {
	register(command{"merge", "<files...> --out FILE", "merge the shards of a sweep into the canonical results file", cmdMerge})
}

func cmdMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", stderr)
	out := fs.String("out", "", "merged results `FILE` (required; same format as the shards)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	force := fs.Bool("force", false, "replace FILE and its points file if they exist")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError{errors.New("want the shard result files to merge")}
	}
	if *out == "" {
		return usageError{errors.New("--out FILE is required")}
	}
	for _, p := range pos {
		if p == *out {
			return usageError{fmt.Errorf("--out %s is also an input", p)}
		}
	}
	res, err := sweep.Merge(pos, *out, *force)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, struct {
			Out       string `json:"out"`
			PointsOut string `json:"points_out,omitempty"`
			Runs      int    `json:"runs"`
			Files     int    `json:"files"`
		}{res.Out, res.PointsOut, res.Runs, res.Files})
	}
	fmt.Fprintf(stdout, "merged %s from %s\nresults: %s\n", model.Plural(res.Runs, "run"), model.Plural(res.Files, "file"), res.Out)
	if res.PointsOut != "" {
		fmt.Fprintf(stdout, "points:  %s\n", res.PointsOut)
	}
	return nil
}
