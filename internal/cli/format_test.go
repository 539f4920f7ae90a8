package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestFormatNeverChangesBehindTheUsersBack (issue 20, item 3): --out's
// extension picks the format when --format is not given, output that is not
// a terminal (as in these tests) stays text, --format wins over the
// extension, "text" and "table" are one format, and --json is still
// --format json where it existed.
func TestFormatNeverChangesBehindTheUsersBack(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	// The issue's own case: a fresh case from the logs, stdout not a terminal.
	html := filepath.Join(dir, "report.html")
	if r := run(t, "--db", db, "-q", "investigate", example, "--out", html); r.code != 0 {
		t.Fatalf("investigate --out report.html: %+v", r)
	}
	if b, _ := os.ReadFile(html); !strings.HasPrefix(strings.ToLower(string(b)), "<!doctype html>") {
		t.Errorf("report.html is not HTML: %.80q", b)
	}

	tests := []struct {
		name string
		args []string
		file string // the output file, or "" for stdout
		// prefix is how the output starts; code the exit status.
		prefix string
		code   int
	}{
		{"piped report is text", []string{"investigate", "--no-hunt"}, "", "Forensic Report: AWS-IR-", 0},
		{"report.md is markdown", []string{"investigate", "--no-hunt", "--out", "report.md"}, "report.md", "# Forensic Report", 0},
		{"report.json is JSON", []string{"investigate", "--no-hunt", "--out", "report.json"}, "report.json", "{", 0},
		{"report.txt is text", []string{"investigate", "--no-hunt", "--out", "report.txt"}, "report.txt", "Forensic Report: AWS-IR-", 0},
		{"--format wins", []string{"investigate", "--no-hunt", "--format", "json", "--out", "report.txt"}, "report.txt", "{", 0},
		{"an extension it cannot write", []string{"investigate", "--no-hunt", "--out", "report.csv"}, "", "", ExitUsage},
		{"piped query is a table", []string{"query", "SELECT 1 AS one"}, "", "one\n1\n", 0},
		{"query --format text is a table", []string{"query", "--format", "text", "SELECT 1 AS one"}, "", "one\n1\n", 0},
		{"piped coverage is text", []string{"coverage"}, "", "Coverage", 0},
		{"timeline.jsonl is JSON lines", []string{"timeline", "--key", "AKIAHF6L6KQVH2BL6B2H", "--out", "t.jsonl"}, "t.jsonl", "{", 0},
		{"export to .jsonl", []string{"export", "--where", "access_key_id = 'AKIAHF6L6KQVH2BL6B2H'", "--out", "e.jsonl"}, "e.jsonl", "{", 0},
		{"ingest --json still works", []string{"ingest", "--json", example}, "", "{", 0},
		{"ingest --format json", []string{"ingest", "--format", "json", example}, "", "{", 0},
		{"piped ingest summary is text", []string{"ingest", example}, "", "Ingested 0 new events", 0},
		{"--json and --format disagree", []string{"ingest", "--json", "--format", "text", example}, "", "", ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--db", db, "-q"}, tt.args...)
			for i, a := range args {
				if i > 0 && args[i-1] == "--out" {
					args[i] = filepath.Join(dir, a)
				}
			}
			r := run(t, args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.errOut)
			}
			if tt.code != 0 {
				if !strings.Contains(r.errOut, "format") {
					t.Errorf("the usage error does not name the format: %s", r.errOut)
				}
				return
			}
			got := r.out
			if tt.file != "" {
				b, err := os.ReadFile(filepath.Join(dir, tt.file))
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if !strings.HasPrefix(got, tt.prefix) {
				t.Errorf("output starts %.60q, want %q", got, tt.prefix)
			}
		})
	}
}

// TestFormatChecked: every --format is checked against what the command
// writes (no silent fallback to a table), and text and table are one.
func TestFormatChecked(t *testing.T) {
	for _, args := range [][]string{
		{"rules", "list", "--format", "csv"},
		{"rules", "test", "rules/testdata", "--format", "csv"},
		{"rules", "compile", "--format", "yaml"},
		{"rules", "coverage", "--format", "csv"},
		{"audit", "--format", "csv"},
		{"audit", "verify", "--format", "csv"},
		{"verify", ".", "--format", "csv"},
	} {
		if r := run(t, args...); r.code != ExitUsage || !strings.Contains(r.errOut, "--format") {
			t.Errorf("%q: exit %d, %s", args, r.code, r.errOut)
		}
	}
	if r := run(t, "rules", "list", "--format", "text"); r.code != 0 || !strings.Contains(r.out, " rules\n") {
		t.Errorf("rules list --format text: exit %d, %s", r.code, r.errOut)
	}
}
