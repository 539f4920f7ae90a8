package faulttest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// trailsleuth builds the binary once for all the tests of the package.
func trailsleuth(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds trailsleuth and runs it as a subprocess")
	}
	root := testenv.RepoRoot(t)
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "trailsleuth-faulttest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "trailsleuth")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/trailsleuth")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// corpusEvents is the size of the ctgen corpus the tests share: large
// enough that an ingest takes a couple of seconds on a busy 2-core machine.
const corpusEvents = 40_000

var (
	corpusOnce sync.Once
	corpusDir  string
	corpusErr  error
)

// ctgenCorpus returns the folder of a ctgen corpus of corpusEvents events,
// generated once for the package (tests only read it).
func ctgenCorpus(t *testing.T) string {
	t.Helper()
	trailsleuth(t) // binDir exists
	bin := testenv.Ctgen(t)
	corpusOnce.Do(func() {
		dir := filepath.Join(binDir, "corpus")
		gen := exec.Command(bin, "-out", dir, "-events", fmt.Sprint(corpusEvents), "-accounts", "2", "-days", "1", "-seed", "11", "-workers", "1")
		if out, err := gen.CombinedOutput(); err != nil {
			corpusErr = fmt.Errorf("ctgen: %v\n%s", err, out)
		}
		corpusDir = dir
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusDir
}

// corpusIDs reads the eventIDs a ctgen corpus holds, independently of
// trailsleuth's reader (encoding/json on each gzip file).
func corpusIDs(t *testing.T, dir string) (ids []string, files int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json.gz") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		var doc struct {
			Records []struct {
				EventID string `json:"eventID"`
			}
		}
		if err := json.NewDecoder(zr).Decode(&doc); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, r := range doc.Records {
			ids = append(ids, r.EventID)
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	return ids, files
}

// result is one finished trailsleuth run.
type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(trailsleuth(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running trailsleuth %v: %v", args, err)
	}
	return r
}

// ingestSummary is the part of `ingest --json` the tests check.
type ingestSummary struct {
	Files      int64            `json:"files"`
	Events     int64            `json:"events"`
	EventsRead int64            `json:"events_read"`
	Duplicates int64            `json:"duplicates"`
	Errors     map[string]int64 `json:"errors"`
	RolledBack int64            `json:"interrupted_events_rolled_back"`
}

func parseSummary(t *testing.T, r result) ingestSummary {
	t.Helper()
	var s ingestSummary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("ingest --json output: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return s
}

// caseState is what a case database holds, read after the processes exit.
type caseState struct {
	ids           []string // every events.event_id, sorted (duplicates kept)
	sources       map[string]string
	mismatched    []string // sources whose events column disagrees with the events table
	orphanEvents  int64    // events whose source_id is in no sources row
	openRuns      int64
	sourceCounted int64
}

func readCase(t *testing.T, db string) caseState {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenReadOnly(ctx, db)
	if err != nil {
		t.Fatalf("opening the case after the runs: %v", err)
	}
	defer st.Close()
	q := func(query string, args ...any) [][]any {
		rows, err := st.DB().QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var cs caseState
	for _, r := range q(`SELECT event_id FROM events ORDER BY event_id`) {
		cs.ids = append(cs.ids, r[0].(string))
	}
	cs.sources = map[string]string{}
	for _, r := range q(`SELECT path, status FROM sources`) {
		p := r[0].(string)
		if prev, ok := cs.sources[p]; ok {
			cs.sources[p] = prev + "," + r[1].(string)
		} else {
			cs.sources[p] = r[1].(string)
		}
	}
	for _, r := range q(`SELECT s.path, s.events, count(e.event_id) FROM sources s LEFT JOIN events e USING (source_id)
		WHERE s.status IN ('ingested', 'partial') GROUP BY ALL HAVING s.events <> count(e.event_id)`) {
		cs.mismatched = append(cs.mismatched, fmt.Sprintf("%s: sources.events %v, events rows %v", r[0], r[1], r[2]))
	}
	cs.orphanEvents = q(`SELECT count(*) FROM events WHERE source_id NOT IN (SELECT source_id FROM sources)`)[0][0].(int64)
	cs.openRuns = q(`SELECT count(*) FROM ingest_runs WHERE finished_at IS NULL`)[0][0].(int64)
	cs.sourceCounted = q(`SELECT coalesce(sum(events), 0)::BIGINT FROM sources WHERE status IN ('ingested', 'partial')`)[0][0].(int64)
	return cs
}

// checkComplete asserts that the case holds exactly the corpus: the same
// event ids, once each, every file recorded once as ingested with as many
// events as it holds rows, nothing without a source and no run left open.
func checkComplete(t *testing.T, db string, want []string, files int) {
	t.Helper()
	cs := readCase(t, db)
	if len(cs.ids) != len(want) {
		t.Errorf("events table holds %d rows, the corpus %d events", len(cs.ids), len(want))
	}
	for i := 1; i < len(cs.ids); i++ {
		if cs.ids[i] == cs.ids[i-1] {
			t.Errorf("duplicate event id %s", cs.ids[i])
			break
		}
	}
	if strings.Join(cs.ids, "\n") != strings.Join(want, "\n") {
		t.Errorf("the set of event ids differs from the corpus's")
	}
	if len(cs.sources) != files {
		t.Errorf("%d sources recorded, the corpus has %d files", len(cs.sources), files)
	}
	for p, status := range cs.sources {
		if status != "ingested" {
			t.Errorf("source %s recorded as %q, want one row 'ingested'", p, status)
		}
	}
	for _, m := range cs.mismatched {
		t.Errorf("half-recorded source: %s", m)
	}
	if cs.orphanEvents != 0 {
		t.Errorf("%d events belong to no recorded source", cs.orphanEvents)
	}
	if cs.openRuns != 0 {
		t.Errorf("%d ingest runs left open", cs.openRuns)
	}
	if cs.sourceCounted != int64(len(want)) {
		t.Errorf("sources account for %d events, the corpus has %d", cs.sourceCounted, len(want))
	}
}
