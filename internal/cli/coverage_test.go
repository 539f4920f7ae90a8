package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestCoverageCommand ingests the analysis fixtures and compares the
// coverage output with testdata/coverage/<fixture>.<format>.golden.
func TestCoverageCommand(t *testing.T) {
	fixtures := filepath.Join(testenv.RepoRoot(t), "internal", "coverage", "testdata")
	tests := []struct {
		fixture, format string
		args            []string
	}{
		{"stop_start", "text", nil},
		{"buckets", "text", []string{"--bucket", "given-bucket"}},
		{"selectors", "json", nil},
		{"missing_hours", "text", []string{"--region", "us-east-1", "--since", "2025-06-02T09:00:00Z", "--until", "2025-06-02T14:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"."+tt.format, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "case.duckdb")
			if r := run(t, "--db", db, "-q", "ingest", filepath.Join(fixtures, tt.fixture+".jsonl")); r.code != 0 {
				t.Fatalf("ingest: %+v", r)
			}
			r := run(t, append([]string{"--db", db, "coverage", "--format", tt.format}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("coverage: exit %d: %s", r.code, r.errOut)
			}
			if tt.format == "json" {
				var c map[string]any
				if err := json.Unmarshal([]byte(r.out), &c); err != nil {
					t.Fatalf("coverage json: %v", err)
				}
				for _, k := range []string{"accounts", "regions", "days", "gaps", "logging_changes", "data_events", "statements"} {
					if _, ok := c[k]; !ok {
						t.Errorf("coverage json lacks %q", k)
					}
				}
			}
			golden := filepath.Join("testdata", "coverage", tt.fixture+"."+tt.format+".golden")
			testenv.Golden(t, golden, []byte(r.out))
		})
	}
}

func TestCoverageUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.duckdb")
	for _, args := range [][]string{
		{"coverage", "--format", "csv"},
		{"coverage", "--since", "soon"},
		{"coverage", "--since", "2025-06-03", "--until", "2025-06-02"},
		{"coverage", "extra-arg"},
	} {
		if r := run(t, append([]string{"--db", db}, args...)...); r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, r.code, ExitUsage, r.errOut)
		}
	}
	if r := run(t, "--db", db, "coverage"); r.code != ExitError || !strings.Contains(r.errOut, "ingest PATH' first") {
		t.Errorf("missing case database: %+v", r)
	}
	if r := run(t, "coverage", "--help"); r.code != 0 || !strings.Contains(r.out, "object reads") || !strings.Contains(r.out, "--bucket") {
		t.Errorf("help: %+v", r)
	}
}
