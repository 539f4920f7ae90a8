// Package ingesttest builds case databases from log files for other
// packages' tests, through the ingest API as `trailsleuth ingest` does.
package ingesttest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// Case ingests paths into a new case in the test's temporary folder, closed
// when the test ends, and returns it with the ingest's summary.
func Case(t testing.TB, opts ingest.Options, paths ...string) (*store.Store, *ingest.Summary) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "case.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	files, walkErrs, err := acquire.Walk(ctx, paths)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ingest.Run(ctx, st, files, walkErrs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st, sum
}
