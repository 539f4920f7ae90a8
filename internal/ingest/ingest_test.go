package ingest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "case.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func ingestPaths(t *testing.T, st *store.Store, paths ...string) *Summary {
	t.Helper()
	ctx := context.Background()
	files, walkErrs, err := acquire.Walk(ctx, paths)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(ctx, st, files, walkErrs, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func count(t *testing.T, st *store.Store, q string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestRunFormatsIdempotent(t *testing.T) {
	st := openStore(t)
	sum := ingestPaths(t, st, filepath.Join("testdata", "formats"))
	const want = 68
	if sum.Events != want || sum.EventsRead != want || sum.Duplicates != 0 || len(sum.Errors) != 0 {
		t.Fatalf("first ingest: %+v", sum)
	}
	if sum.Files != 15 || sum.DigestFiles != 1 || sum.FilesSkipped != 0 {
		t.Errorf("files %d digests %d skipped %d", sum.Files, sum.DigestFiles, sum.FilesSkipped)
	}
	if n := count(t, st, "SELECT count(*) FROM events"); n != want {
		t.Errorf("events table holds %d, want %d", n, want)
	}
	if n := count(t, st, "SELECT count(*) FROM sources WHERE sha256 IS NOT NULL AND length(sha256) = 64"); n != 16 {
		t.Errorf("sources with sha256: %d, want 16", n)
	}
	if n := count(t, st, "SELECT count(*) FROM events e JOIN sources s USING (source_id) WHERE s.status = 'ingested'"); n != want {
		t.Errorf("events traced to a source: %d", n)
	}
	if n := count(t, st, "SELECT count(*) FROM events WHERE is_insight"); n != 1 {
		t.Errorf("insight events: %d", n)
	}

	again := ingestPaths(t, st, filepath.Join("testdata", "formats"))
	if again.Events != 0 || again.Duplicates != want || again.Unchanged != 16 {
		t.Errorf("second ingest: events %d duplicates %d unchanged %d", again.Events, again.Duplicates, again.Unchanged)
	}
	if n := count(t, st, "SELECT count(*) FROM events"); n != want {
		t.Errorf("after re-ingest the table holds %d, want %d", n, want)
	}
}

// TestRunOverlappingInputs: the same events in another file (as when an
// organization trail and lookup-events overlap) are stored once.
func TestRunOverlappingInputs(t *testing.T) {
	st := openStore(t)
	first := ingestPaths(t, st, filepath.Join("testdata", "formats", "records.json"))
	if first.Events != 5 {
		t.Fatalf("first: %+v", first)
	}
	// Re-serialise the same events as JSON lines: other bytes, same events.
	dir := t.TempDir()
	var lines []string
	rows, err := st.DB().Query("SELECT raw FROM events ORDER BY source_position")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var raw string
		rows.Scan(&raw)
		lines = append(lines, raw)
	}
	rows.Close()
	os.WriteFile(filepath.Join(dir, "copy.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "copy2.jsonl"), []byte(strings.Join(lines[:2], "\n  \n")), 0o644)
	sum := ingestPaths(t, st, dir)
	if sum.Events != 0 || sum.Duplicates != 7 || sum.EventsRead != 7 {
		t.Errorf("overlap: events %d duplicates %d read %d, want 0/7/7", sum.Events, sum.Duplicates, sum.EventsRead)
	}
	if n := count(t, st, "SELECT count(*) FROM events"); n != 5 {
		t.Errorf("table holds %d, want 5", n)
	}
}

func TestRunBadInputs(t *testing.T) {
	st := openStore(t)
	sum := ingestPaths(t, st, filepath.Join("testdata", "bad"))
	stored := count(t, st, "SELECT count(*) FROM events")
	if stored != sum.Events || sum.Events == 0 {
		t.Errorf("summary says %d events, table holds %d", sum.Events, stored)
	}
	for _, r := range []Reason{ReasonTruncatedGzip, ReasonCorruptCompression, ReasonMalformedJSON, ReasonTruncatedJSON,
		ReasonMissingEventID, ReasonMissingEventTime, ReasonBadEventTime, ReasonBadLookupEntry} {
		if sum.Errors[r] == 0 {
			t.Errorf("no %s counted: %v", r, sum.Errors)
		}
	}
	skipped := map[string]Reason{}
	for _, s := range sum.Skipped {
		skipped[filepath.Base(s.Path)] = s.Reason
	}
	want := map[string]Reason{"empty.json": SkipEmpty, "whitespace.json": SkipEmpty, "empty.json.gz": SkipEmpty,
		"random.bin": SkipNotJSON, "notes.csv": SkipNotJSON, "config.json": SkipNoEvents}
	if !reflect.DeepEqual(skipped, want) {
		t.Errorf("skipped = %v, want %v", skipped, want)
	}
	if sum.FilesSkipped != int64(len(want)) {
		t.Errorf("files_skipped = %d", sum.FilesSkipped)
	}
	if n := count(t, st, "SELECT count(*) FROM sources"); n != 15 {
		t.Errorf("sources rows: %d, want every one of the 15 inputs", n)
	}
	if n := count(t, st, "SELECT count(*) FROM ingest_errors"); n == 0 {
		t.Error("no ingest_errors rows")
	}
	// Events stored with a NULL time are there, not dropped.
	if n := count(t, st, "SELECT count(*) FROM events WHERE event_time IS NULL"); n != 2 {
		t.Errorf("events without a time: %d, want 2", n)
	}
}

func TestRunVanishedFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.json", "b.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", "formats", "records.json"))
		if name == "b.json" {
			b, _ = os.ReadFile(filepath.Join("testdata", "formats", "array.json"))
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	ctx := context.Background()
	files, walkErrs, err := acquire.Walk(ctx, []string{dir, filepath.Join(dir, "never-there.json")})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "a.json")) // vanishes between listing and reading
	st := openStore(t)
	sum, err := Run(ctx, st, files, walkErrs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 5 || sum.Errors[ReasonReadError] != 2 || sum.FilesSkipped != 2 {
		t.Errorf("events %d read errors %d skipped %d, want 5/2/2", sum.Events, sum.Errors[ReasonReadError], sum.FilesSkipped)
	}
}

func TestSharedDatasets(t *testing.T) {
	tests := []struct {
		dir        string
		read       int64
		stored     int64
		errors     map[Reason]int64
		skippedNot []string // skipped files, by base name
	}{
		{"invictus-aws-dataset", 2900, 2900, nil, []string{"LICENSE"}},
		{"flaws2-defender-logs", 37, 37, nil, nil},
		{"stratus-red-team-detonation-logs", 310, 310, nil, []string{"LICENSE"}},
		// AWS's documentation reuses example eventIDs: three examples with
		// one id, name and time but other content (conflicting copies: one
		// used, two set aside), and one id shared by two different events
		// (both recorded as reused).
		{"awsdocs-cloudtrail-examples", 21, 19, map[Reason]int64{ReasonMissingEventID: 6, ReasonMissingEventTime: 1, ReasonEventIDReused: 2,
			ReasonConflictingCopy: 2}, nil},
		// Logstash-shipped: no eventTime, @timestamp instead. The CSV is not CloudTrail JSON.
		{"security-datasets-aws", 103, 103, map[Reason]int64{ReasonTimeFromLogstash: 103},
			[]string{"AWS_S3_HoneyBucketLogs.csv", "LICENSE", "SDAWS-200914011940.metadata.yaml", "SDAWS-2202181000.metadata.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := testenv.Shared(t, "datasets", tt.dir)
			st := openStore(t)
			sum := ingestPaths(t, st, dir)
			if sum.EventsRead != tt.read || sum.Events != tt.stored {
				t.Errorf("read %d stored %d, want %d/%d", sum.EventsRead, sum.Events, tt.read, tt.stored)
			}
			if !reflect.DeepEqual(nonEmpty(sum.Errors), nonEmpty(tt.errors)) {
				t.Errorf("errors = %v, want %v", sum.Errors, tt.errors)
			}
			var skipped []string
			for _, s := range sum.Skipped {
				skipped = append(skipped, filepath.Base(s.Path))
			}
			if !reflect.DeepEqual(skipped, tt.skippedNot) {
				t.Errorf("skipped = %v, want %v", skipped, tt.skippedNot)
			}
			if n := count(t, st, "SELECT count(*) FROM events"); n != tt.stored {
				t.Errorf("table holds %d", n)
			}
		})
	}
}

// TestCtgenCorpus: a generated corpus ingests to exactly the number of
// events the generator wrote, twice over.
func TestCtgenCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ctgen")
	}
	bin := testenv.Ctgen(t)
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	const n = 30000
	gen := exec.Command(bin, "-out", corpus, "-events", "30000", "-accounts", "3", "-days", "1", "-seed", "5", "-attack")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ctgen: %v\n%s", err, out)
	}
	st := openStore(t)
	sum := ingestPaths(t, st, corpus)
	if sum.Events != n || sum.EventsRead != n || len(sum.Errors) != 0 || sum.FilesSkipped != 0 {
		t.Fatalf("first ingest: %+v", sum)
	}
	again := ingestPaths(t, st, corpus)
	if again.Events != 0 || again.Duplicates != n {
		t.Errorf("second ingest: %+v", again)
	}
	if got := count(t, st, "SELECT count(*) FROM events"); got != n {
		t.Errorf("table holds %d, want %d", got, n)
	}
}

// TestExampleIncident: the bundled example ingests to the totals its
// generator recorded in examples/incident-truth.json.
func TestExampleIncident(t *testing.T) {
	root := testenv.RepoRoot(t)
	var truth struct {
		Totals struct {
			Events   int64 `json:"events"`
			LogFiles int64 `json:"log_files"`
		} `json:"totals"`
	}
	b, err := os.ReadFile(filepath.Join(root, "examples", "incident-truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	sum := ingestPaths(t, st, filepath.Join(root, "examples", "incident"))
	if sum.Events != truth.Totals.Events || sum.Files != truth.Totals.LogFiles || sum.DigestFiles != 1 ||
		len(sum.Errors) != 0 || sum.FilesSkipped != 0 {
		t.Errorf("example: %+v, want %d events in %d files and 1 digest", sum, truth.Totals.Events, truth.Totals.LogFiles)
	}
	if n := count(t, st, "SELECT count(DISTINCT recipient_account_id) FROM events"); n != 1 {
		t.Errorf("accounts: %d", n)
	}
}
