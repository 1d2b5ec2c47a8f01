// Command agentchaos runs deterministic discrete-event simulations of
// asynchronous queue-based systems and reports whether they collapse.
//
// default.pgo, beside this file, is a CPU profile of the scenarios
// package's run benchmarks, which go build and go run use for
// profile-guided optimisation (hotter inlining: a run about 10% faster, a
// sweep about 1.5× with the rest of the speed work). Remake it, from the
// repository's root, when the hot path changes:
//
//	go test -run '^$' -bench . -benchtime 20x -cpuprofile cmd/agentchaos/default.pgo ./scenarios
//
// It changes no result: TestRunMatchesProfileGoldens checks the optimised
// command against the library's golden reports, on arm64 and GOAMD64=v3 too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"syscall"
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
	register(command{"version", "", "print agentchaos's version", cmdVersion})
}

func usage() string {
	var b strings.Builder
	b.WriteString("agentchaos: congestion and fault propagation in async queue-based systems\n\n")
	b.WriteString("usage: agentchaos <command> [flags] [args]\n       agentchaos help <command>\n\ncommands:\n")
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
	b.WriteString("\nRun 'agentchaos help <command>' (or 'agentchaos <command> -h') for a command's arguments and flags.\n")
	b.WriteString("Exit status: 0 ok, 1 failure, 2 bad usage or input.\n")
	return b.String()
}

// exit codes
const (
	exitOK          = 0
	exitFail        = 1
	exitUsage       = 2
	exitInterrupted = 130 // after Ctrl-C or SIGTERM (128 + SIGINT), with what was done
)

// interruptible returns a context that Ctrl-C (or SIGTERM) cancels; a
// second Ctrl-C kills the process at once. Tests replace it.
var interruptible = func() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

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
	if len(args) == 0 {
		fmt.Fprintf(stderr, "agentchaos: no command given\n\n%s", usage())
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 2 {
			fmt.Fprintf(stderr, "agentchaos help: want at most one command, got %q\n", args[1:])
			return exitUsage
		}
		if len(args) == 2 { // a command's help: what its -h prints, on stdout
			if _, ok := commands[args[1]]; !ok {
				fmt.Fprintf(stderr, "agentchaos help: unknown command %q\n\n%s", args[1], usage())
				return exitUsage
			}
			args = []string{args[1], "-h"}
			stderr = out
			break
		}
		fmt.Fprint(out, usage())
		if out.err != nil {
			fmt.Fprintf(stderr, "agentchaos: writing output: %v\n", out.err)
			return exitFail
		}
		return exitOK
	case "-version", "--version":
		args[0] = "version"
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
	if errors.Is(err, flag.ErrHelp) {
		err = out.err
	}
	if err == nil {
		return exitOK
	}
	// Packages name themselves in their errors ("validate: ..."); the
	// command's name is already there.
	fmt.Fprintf(stderr, "agentchaos %s: %s\n", args[0], strings.TrimPrefix(err.Error(), args[0]+": "))
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

// newFlags returns a flag set that reports errors instead of exiting, and
// whose -h shows the command's synopsis, summary and flags.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		c := commands[name]
		synopsis := "agentchaos " + name
		if c.args != "" {
			synopsis += " " + c.args
		}
		fmt.Fprintf(stderr, "usage: %s [flags]\n\n%s.\n", synopsis, c.summary)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(stderr, "\nflags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseNoArgs parses the flags of a command that takes no arguments, and
// fails if it got some.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{fmt.Errorf("takes no arguments, got %q", pos)}
	}
	return nil
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

// loadScenario loads a scenario argument (scenarios.Load) and says on
// stderr when a bare name took the embedded profile over a file of that
// name in the current folder.
func loadScenario(arg string, stderr io.Writer) (*model.Config, error) {
	if scenarios.Shadowed(arg) {
		fmt.Fprintf(stderr, "agentchaos: %s is the embedded profile; for the file of that name, give its path: ./%s\n", arg, arg)
	}
	return scenarios.Load(arg)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdScenarios(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("scenarios", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNoArgs(fs, args); err != nil {
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

func cmdVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	v := struct {
		Version string `json:"version"`
		Go      string `json:"go"`
		OS      string `json:"os"`
		Arch    string `json:"arch"`
	}{model.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH}
	if *asJSON {
		return writeJSON(stdout, v)
	}
	_, err := fmt.Fprintf(stdout, "agentchaos %s (%s %s/%s)\n", v.Version, v.Go, v.OS, v.Arch)
	return err
}
