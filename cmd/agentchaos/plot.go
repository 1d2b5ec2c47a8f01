package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentchaos/agentchaos/scenarios/phase"
)

func init() {
	register(command{"plot", "<results> --out PREFIX", "draw the phase diagram (state, mean p95, and SLO verdict if any) of a two-axis sweep as SVG and PNG", cmdPlot})
}

func cmdPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("plot", stderr)
	out := fs.String("out", "", "write PREFIX-state.{svg,png}, PREFIX-p95.{svg,png} and, when the scenario has an SLO, PREFIX-slo.{svg,png} (default: the results file's name without extension; a folder: that name inside it)")
	asJSON := fs.Bool("json", false, "print the files written as JSON")
	force := fs.Bool("force", false, "replace the files if they exist")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want exactly one results file (of a complete, merged two-axis grid sweep)")}
	}
	// The prefix: --out, or the results file without its extension; --out
	// naming a folder (dir/, or one that exists) puts that name inside it.
	name := strings.TrimSuffix(strings.TrimSuffix(pos[0], ".csv"), ".jsonl")
	prefix := *out
	if fi, err := os.Stat(prefix); prefix != "" && (strings.HasSuffix(prefix, "/") || strings.HasSuffix(prefix, string(filepath.Separator)) || (err == nil && fi.IsDir())) {
		prefix = filepath.Join(prefix, filepath.Base(name))
	} else if prefix == "" {
		prefix = name
	}
	g, err := phase.ReadFile(pos[0])
	if err != nil {
		return err
	}
	files, err := phase.Render(g, prefix, *force)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, struct {
			Files []string `json:"files"`
		}{files})
	}
	fmt.Fprintf(stdout, "phase diagram of %s × %s (%d × %d points):\n", g.X, g.Y, len(g.XValues), len(g.YValues))
	for _, f := range files {
		fmt.Fprintln(stdout, "  "+f)
	}
	return nil
}
