// Command trailsleuth investigates AWS accounts from their CloudTrail logs.
package main

import (
	"os"

	"github.com/trailsleuth/trailsleuth/internal/cli"
)

// version is set with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(cli.Run(version, os.Args[1:]))
}
