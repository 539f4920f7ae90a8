package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestOptions: the memory limit and the command line come from the
// options the caller opens with, not from the process.
func TestOptions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.duckdb")
	st, err := Options{Command: []string{"trailsleuth", "ingest", "logs/"}, MemoryLimit: "300MB"}.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var limit string
	if err := st.DB().QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	// DuckDB reports the limit in its own units (300MB is 286.1 MiB).
	if limit != "286.1 MiB" {
		t.Errorf("memory_limit = %q, want 286.1 MiB", limit)
	}
	entries, err := st.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].CommandLine != "trailsleuth ingest logs/" {
		t.Errorf("first audit entry = %+v, want the command line given", entries)
	}
}
