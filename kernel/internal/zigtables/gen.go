//go:build ignore

// gen writes kernel/ziggurat_tables.go. Run it from package kernel's
// directory with go generate (see the directive in kernel/ziggurat.go):
//
//	go run ./internal/zigtables/gen.go -o ziggurat_tables.go
package main

import (
	"flag"
	"log"
	"os"

	"github.com/agentchaos/agentchaos/kernel/internal/zigtables"
)

func main() {
	out := flag.String("o", "ziggurat_tables.go", "output file")
	flag.Parse()
	src, err := zigtables.Source()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}
