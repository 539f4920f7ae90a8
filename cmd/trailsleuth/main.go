// Command trailsleuth investigates AWS accounts from their CloudTrail logs.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/trailsleuth/trailsleuth/internal/cli"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
)

// version is set with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, iostreams.System(), version, os.Args[1:])
	stop()
	os.Exit(code)
}
