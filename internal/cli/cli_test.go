package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

type result struct {
	code        int
	out, errOut string
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	io, out, errOut := iostreams.Test()
	code := Main(context.Background(), io, "test", args)
	return result{code, out.String(), errOut.String()}
}

func fixtures(t *testing.T, elem ...string) string {
	return filepath.Join(append([]string{testenv.RepoRoot(t), "internal", "ingest", "testdata"}, elem...)...)
}

func TestVersionAndHelp(t *testing.T) {
	r := run(t, "version")
	if r.code != 0 || !strings.HasPrefix(r.out, "trailsleuth test\n") {
		t.Errorf("version: %+v", r)
	}
	if r := run(t, "--version"); r.code != 0 || r.out != "trailsleuth test\n" {
		t.Errorf("--version: %+v", r)
	}
	r = run(t, "--help")
	for _, cmd := range []string{"ingest", "query", "export", "version", "--db", "--quiet", "--log-level"} {
		if !strings.Contains(r.out, cmd) {
			t.Errorf("--help lacks %q", cmd)
		}
	}
	if r := run(t, "--log-level", "loud", "version"); r.code != ExitUsage {
		t.Errorf("bad log level: exit %d", r.code)
	}
	if r := run(t, "ingest"); r.code != ExitUsage {
		t.Errorf("ingest without paths: exit %d", r.code)
	}
	if r := run(t, "frobnicate"); r.code != ExitUsage {
		t.Errorf("unknown command: exit %d", r.code)
	}
}

func TestIngestFlags(t *testing.T) {
	io, _, _ := iostreams.Test()
	f := &Factory{IO: io}
	var got *IngestOptions
	cmd := newIngestCmd(f, func(_ context.Context, o *IngestOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--workers", "3", "--json", "a", "b"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Workers != 3 || !got.JSON || strings.Join(got.Paths, ",") != "a,b" {
		t.Errorf("options: %+v", got)
	}
}

func TestIngestQueryExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	r := run(t, "--db", db, "--quiet", "ingest", "--json", fixtures(t, "formats"))
	if r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	var sum map[string]any
	if err := json.Unmarshal([]byte(r.out), &sum); err != nil {
		t.Fatalf("ingest --json: %v\n%s", err, r.out)
	}
	for _, k := range []string{"files", "files_skipped", "events", "duplicates", "errors"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	if sum["events"].(float64) != 68 {
		t.Errorf("events = %v", sum["events"])
	}

	q := "SELECT event_name, count(*) AS n FROM events WHERE access_key_id = 'ASIAXEXAMPLEATTACK01' GROUP BY 1 ORDER BY 1"
	want := map[string]string{
		"csv":   "event_name,n\nGetObject,21\n",
		"jsonl": `{"event_name":"GetObject","n":21}` + "\n",
		"json":  "[\n" + `{"event_name":"GetObject","n":21}` + "\n]\n",
		"table": "event_name  n\nGetObject   21\n(1 rows)\n",
	}
	for format, w := range want {
		r := run(t, "--db", db, "query", "--format", format, q)
		if r.code != 0 || r.out != w {
			t.Errorf("query --format %s = %q (exit %d, %s), want %q", format, r.out, r.code, r.errOut, w)
		}
	}
	if r := run(t, "--db", db, "query", "--format", "xml", q); r.code != ExitUsage {
		t.Errorf("bad format: exit %d", r.code)
	}
	if r := run(t, "--db", db, "query", "DELETE FROM event_rows"); r.code != ExitError || !strings.Contains(r.errOut, "read-only") {
		t.Errorf("query must not modify the case: %+v", r)
	}
	if r := run(t, "--db", db, "query", "SELEC 1"); r.code != ExitError {
		t.Errorf("bad SQL: exit %d", r.code)
	}

	pq := filepath.Join(dir, "events.parquet")
	if r := run(t, "--db", db, "export", "--format", "parquet", "--out", pq); r.code != 0 {
		t.Fatalf("export parquet: %+v", r)
	}
	r = run(t, "--db", db, "query", "--format", "csv",
		"SELECT count(*), count(DISTINCT event_id), min(event_time)::VARCHAR FROM read_parquet('"+pq+"')")
	if r.out != "count_star(),count(DISTINCT event_id),CAST(min(event_time) AS VARCHAR)\n68,68,2025-03-11 02:10:00+00\n" {
		t.Errorf("parquet read back: %q %s", r.out, r.errOut)
	}

	raw := filepath.Join(dir, "raw.jsonl")
	if r := run(t, "--db", db, "export", "--format", "jsonl", "--raw", "--out", raw); r.code != 0 {
		t.Fatalf("export raw: %+v", r)
	}
	db2 := filepath.Join(dir, "again.duckdb")
	r = run(t, "--db", db2, "ingest", "--json", raw)
	if err := json.Unmarshal([]byte(r.out), &sum); err != nil || sum["events"].(float64) != 68 {
		t.Errorf("re-ingest of the raw export: %s %s", r.out, r.errOut)
	}
	typed := filepath.Join(dir, "typed.jsonl")
	if r := run(t, "--db", db, "export", "--format", "jsonl", "--where", "event_name = 'GetObject'", "--out", typed); r.code != 0 {
		t.Fatalf("export jsonl: %+v", r)
	}
	b, _ := os.ReadFile(typed)
	if n := strings.Count(string(b), "\n"); n != 21 {
		t.Errorf("typed jsonl has %d lines, want 21", n)
	}
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	// Nothing ingestible: exit 1, with the summary still printed.
	junk := filepath.Join(dir, "junk")
	os.Mkdir(junk, 0o755)
	os.WriteFile(filepath.Join(junk, "a.bin"), []byte{0, 1, 2, 3, 0xff}, 0o644)
	os.WriteFile(filepath.Join(junk, "b.bin"), []byte("\x89PNG\r\n"), 0o644)
	r := run(t, "--db", db, "ingest", junk)
	if r.code != ExitError || !strings.Contains(r.out, "2 skipped") || !strings.Contains(r.errOut, "no events") {
		t.Errorf("junk only: %+v", r)
	}
	// Some good, some bad: exit 0.
	if r := run(t, "--db", db, "-q", "ingest", junk, fixtures(t, "bad")); r.code != 0 {
		t.Errorf("mixed: exit %d %s", r.code, r.errOut)
	}
	// A database that cannot be written: exit 1 with the reason.
	for _, bad := range []string{"/proc/trailsleuth-test.duckdb", filepath.Join(dir, "no", "such", "dir", "x.duckdb")} {
		r := run(t, "--db", bad, "ingest", fixtures(t, "formats", "records.json"))
		if r.code != ExitError || !strings.Contains(r.errOut, "case database") {
			t.Errorf("db %s: %+v", bad, r)
		}
	}
	if r := run(t, "--db", filepath.Join(dir, "missing.duckdb"), "query", "SELECT 1"); r.code != ExitError || !strings.Contains(r.errOut, "ingest") {
		t.Errorf("query without a case: %+v", r)
	}
}

// TestQueryWriteRefreshesGrantCopy: after query --write, the case's copy
// of the credential-granting calls (grant_json) is the events' again, so
// that an investigation never reads a grant the events no longer say.
func TestQueryWriteRefreshesGrantCopy(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", filepath.Join(testenv.RepoRoot(t), "examples", "incident")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	const differ = `SELECT count(*) FILTER (g.source_id IS NULL OR g.response_elements IS DISTINCT FROM e.response_elements), count(*)
		FROM event_rows e LEFT JOIN grant_json g USING (source_id, source_position)
		WHERE e.event_name IN ('AssumeRole', 'CreateAccessKey') AND e.error_code IS NULL AND e.identity_type <> 'AWSService'`
	for _, change := range []string{
		"",
		`UPDATE event_rows SET response_elements = '{"credentials":{"accessKeyId":"ASIAEXAMPLECHANGED01"}}' WHERE event_name = 'AssumeRole'`,
		`DELETE FROM grant_json`,
	} {
		if change != "" {
			if r := run(t, "--db", db, "-q", "query", "--write", change); r.code != 0 {
				t.Fatalf("%s: %+v", change, r)
			}
		}
		r := run(t, "--db", db, "-q", "query", "--format", "csv", differ)
		if r.code != 0 || !regexp.MustCompile(`\n0,[1-9]\d*\n$`).MatchString(r.out) {
			t.Errorf("after %q: the copy differs from the events: %q %s", change, r.out, r.errOut)
		}
	}
}
