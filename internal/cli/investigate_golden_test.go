package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestInvestigateExampleGolden: the whole text report of the bundled
// example, compared line by line with testdata/investigate/example.txt (run
// with -update to rewrite it, and review the diff). What varies between runs
// — today's date in the report id and remediation, the generation time, the
// temporary paths — is masked; everything else must not move.
func TestInvestigateExampleGolden(t *testing.T) {
	dir := t.TempDir()
	root := testenv.RepoRoot(t)
	// The evidence and the case are named relative to the working
	// directory: the report fits its tables and commands to 100 columns,
	// and absolute paths of varying length would move its cuts and line
	// breaks.
	t.Chdir(root)
	if r := run(t, "--db", filepath.Join(dir, "case.duckdb"), "-q", "ingest", filepath.Join("examples", "incident")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	t.Chdir(dir)
	r := run(t, "--db", "case.duckdb", "investigate", "--format", "text")
	if r.code != 0 {
		t.Fatalf("investigate: %d %s", r.code, r.errOut)
	}
	got := r.out
	today := time.Now().UTC()
	for _, d := range []time.Time{today, today.Add(-24 * time.Hour)} { // a run across midnight
		got = strings.ReplaceAll(got, d.Format("20060102"), "YYYYMMDD")
	}
	got = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z( UTC)?( by [^\n]*)?\n`).ReplaceAllStringFunc(got, func(s string) string {
		if strings.HasPrefix(s, today.Format("2006-01-02")) || strings.HasPrefix(s, today.Add(-24*time.Hour).Format("2006-01-02")) {
			return "<now>\n"
		}
		return s
	})
	got = regexp.MustCompile(`aws:TokenIssueTime\\?"?:\\?"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z`).ReplaceAllString(got, "aws:TokenIssueTime <now>")
	got = strings.ReplaceAll(got, dir, "$TMP")
	got = strings.ReplaceAll(got, root, "$REPO")
	// Table columns are as wide as their longest cell, and the evidence
	// table holds absolute paths: runs of spaces are compared as two.
	got = regexp.MustCompile(` {2,}`).ReplaceAllString(got, "  ")
	path := filepath.Join(root, "internal", "cli", "testdata", "investigate", "example.txt")
	testenv.Golden(t, path, []byte(got))
}
