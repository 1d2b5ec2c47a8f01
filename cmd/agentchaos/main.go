// Command agentchaos runs deterministic discrete-event simulations of
// asynchronous queue-based systems and reports whether they collapse.
package main

import (
	"fmt"
	"os"
)

const usage = `agentchaos: congestion and fault propagation in async queue-based systems

usage: agentchaos <command> [flags]

commands:
  help        show this text
`

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Print(usage)
		return
	}
	fmt.Fprintf(os.Stderr, "agentchaos: unknown command %q\n\n%s", os.Args[1], usage)
	os.Exit(2)
}
