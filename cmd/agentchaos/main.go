// Command agentchaos runs deterministic discrete-event simulations of
// asynchronous queue-based systems and reports whether they collapse.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/agentchaos/agentchaos/model"
	"github.com/agentchaos/agentchaos/model/outfile"
	"github.com/agentchaos/agentchaos/scenarios"
)

// command is one subcommand. Each lives in its own file and registers
// itself in commands from an init function.
type command struct {
	name    string
	args    string // usage synopsis of the arguments
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func init() {
	register(command{"run", "<name|file>", "simulate one scenario and print its report", cmdRun})
	register(command{"scenarios", "", "list the embedded scenario profiles", cmdScenarios})
}

func usage() string {
	var b strings.Builder
	b.WriteString("agentchaos: congestion and fault propagation in async queue-based systems\n\n")
	b.WriteString("usage: agentchaos <command> [flags] [args]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(tw, "  %s %s\t%s\n", c.name, c.args, c.summary)
	}
	tw.Flush()
	b.WriteString("\nRun 'agentchaos <command> -h' for a command's flags.\n")
	b.WriteString("Exit status: 0 ok, 1 failure, 2 bad usage or input.\n")
	return b.String()
}

// exit codes
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError marks bad usage or bad input: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// exitError carries an exit status of its own, such as 130 after Ctrl-C.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }
func (e exitError) ExitCode() int { return e.code }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// checkedWriter remembers the first error of writing to standard output,
// so that a full disk or a closed pipe fails the command (exit 1) even where
// a printer does not look at every write's error.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.err = err
	return n, err
}

func run(args []string, stdout, stderr io.Writer) int {
	out := &checkedWriter{w: stdout}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(out, usage())
		if out.err != nil {
			fmt.Fprintf(stderr, "agentchaos: writing output: %v\n", out.err)
			return exitFail
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "agentchaos: unknown command %q\n\n%s", args[0], usage())
		return exitUsage
	}
	err := c.run(args[1:], out, stderr)
	if err == nil && out.err != nil {
		err = fmt.Errorf("writing output: %w", out.err)
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "agentchaos %s: %v\n", args[0], err)
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	var ue usageError
	var se *scenarios.Error
	var fe *model.FieldError
	if errors.As(err, &ue) || errors.As(err, &se) || errors.As(err, &fe) || errors.Is(err, outfile.ErrExists) {
		return exitUsage
	}
	return exitFail
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags allowing them before and after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdScenarios(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("scenarios", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	list, err := scenarios.List()
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, list)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAGENTS\tWORKERS\tBUFFER\tDESCRIPTION")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.Name, s.Agents, s.Workers, s.Buffer, s.Description)
	}
	return tw.Flush()
}
