package cli

import (
	"os"

	"github.com/trailsleuth/trailsleuth/internal/store"
)

// storeOptions are the case database's options for this process: the
// command line its audit log starts with, and DuckDB's memory limit from
// the environment (store.MemoryLimitEnv).
func (f *Factory) storeOptions() store.Options {
	return store.Options{Command: os.Args, MemoryLimit: os.Getenv(store.MemoryLimitEnv)}
}
