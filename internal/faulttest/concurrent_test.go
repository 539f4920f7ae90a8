package faulttest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestTwoIngestsOneCase: while one ingest holds the case database (frozen
// with SIGSTOP right after it opened it, so the overlap is certain), a
// second ingest fails at once with a message naming the other process and
// changes nothing; the first then completes, and a re-run of the second
// ingests its files.
func TestTwoIngestsOneCase(t *testing.T) {
	corpus := ctgenCorpus(t)
	want, files := corpusIDs(t, corpus)
	other := filepath.Join(testenv.RepoRoot(t), "internal", "ingest", "testdata", "formats")
	db := filepath.Join(t.TempDir(), "case.duckdb")

	first := exec.Command(trailsleuth(t), "--db", db, "--quiet", "ingest", "--json", "--workers", "2", corpus)
	var firstOut, firstErr bytes.Buffer
	first.Stdout, first.Stderr = &firstOut, &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	// The file is written (header) only after DuckDB has locked it.
	for {
		if fi, err := os.Stat(db); err == nil && fi.Size() > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("first ingest ended before opening the case: %v\n%s", err, firstErr.String())
		case <-time.After(time.Millisecond):
		}
	}
	if err := first.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	second := run(t, "--db", db, "ingest", "--json", other)
	if err := first.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if second.code != 1 || !strings.Contains(second.stderr, "open in another trailsleuth process") ||
		!strings.Contains(second.stderr, "PID ") {
		t.Errorf("second ingest: exit %d, stderr %q; want exit 1 and a message naming the other process", second.code, second.stderr)
	}
	if err := <-done; err != nil {
		t.Fatalf("first ingest: %v\n%s", err, firstErr.String())
	}
	if s := parseSummary(t, result{stdout: firstOut.String()}); s.Events != corpusEvents {
		t.Errorf("first ingest stored %d events, want %d", s.Events, corpusEvents)
	}
	checkComplete(t, db, want, files)

	again := run(t, "--db", db, "--quiet", "ingest", "--json", other)
	if again.code != 0 {
		t.Fatalf("re-run of the second ingest: exit %d\n%s", again.code, again.stderr)
	}
	const otherEvents = 68 // as TestRunFormatsIdempotent in internal/ingest
	if s := parseSummary(t, again); s.Events != otherEvents {
		t.Errorf("re-run of the second ingest stored %d events, want %d", s.Events, otherEvents)
	}
	cs := readCase(t, db)
	if len(cs.ids) != corpusEvents+otherEvents || cs.orphanEvents != 0 || len(cs.mismatched) != 0 || cs.openRuns != 0 {
		t.Errorf("after both: %d events (want %d), %d orphans, mismatched %v, %d open runs",
			len(cs.ids), corpusEvents+otherEvents, cs.orphanEvents, cs.mismatched, cs.openRuns)
	}
}
