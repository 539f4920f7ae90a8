package faulttest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// tmpfs mounts a tmpfs of size (mount's syntax, e.g. "4m") on a new folder
// and unmounts it at the end; the test is skipped where mounting is not
// allowed (not root, or no CAP_SYS_ADMIN in a container).
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s): the read-only and disk-full cases need one", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func remount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, opts, err, out)
	}
}

// TestReadOnlyCase: a case database in a read-only folder, or an existing
// one that cannot be written, gives a clear error (exit 1) and no panic; an
// existing case stays readable and unchanged. Read-only file systems are
// used because root ignores file modes.
func TestReadOnlyCase(t *testing.T) {
	trailsleuth(t)
	small := filepath.Join(testenv.RepoRoot(t), "internal", "ingest", "testdata", "formats")

	t.Run("new database in a read-only folder", func(t *testing.T) {
		dir := tmpfs(t, "16m")
		remount(t, dir, "ro")
		r := run(t, "--db", filepath.Join(dir, "case.duckdb"), "ingest", small)
		t.Logf("error: %s", strings.TrimSpace(r.stderr))
		if r.code != 1 || !strings.Contains(r.stderr, "case.duckdb") || !strings.Contains(strings.ToLower(r.stderr), "read-only") {
			t.Errorf("exit %d, stderr %q: want exit 1 naming the database and saying read-only", r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "panic") {
			t.Errorf("panic: %s", r.stderr)
		}
	})

	t.Run("existing database that cannot be written", func(t *testing.T) {
		dir := tmpfs(t, "64m")
		db := filepath.Join(dir, "case.duckdb")
		if r := run(t, "--db", db, "--quiet", "ingest", small); r.code != 0 {
			t.Fatalf("first ingest: exit %d\n%s", r.code, r.stderr)
		}
		remount(t, dir, "ro")
		r := run(t, "--db", db, "ingest", ctgenCorpus(t))
		t.Logf("error: %s", strings.TrimSpace(r.stderr))
		if r.code != 1 || !strings.Contains(r.stderr, "case.duckdb") || !strings.Contains(strings.ToLower(r.stderr), "read-only") {
			t.Errorf("exit %d, stderr %q: want exit 1 naming the database and saying read-only", r.code, r.stderr)
		}
		q := run(t, "--db", db, "query", "--format", "csv", "SELECT count(*) FROM events")
		if q.code != 0 || strings.TrimSpace(q.stdout) != "count_star()\n68" {
			t.Errorf("query on the read-only case: exit %d, %q %s", q.code, q.stdout, q.stderr)
		}
		// Issue 16, item 9: investigate reads a case it cannot write, says
		// so, and reserves no report number; the rules run over the
		// investigated events in a scratch table beside the case.
		inv := run(t, "--db", db, "investigate", "--key", "AKIAXEXAMPLE4CIDEPLY", "--format", "json")
		if inv.code != 0 || !strings.Contains(inv.stderr, "investigating it read-only") || !strings.Contains(inv.stdout, `-000"`) {
			t.Errorf("investigate on the read-only case: exit %d, stderr %q, report %.200s", inv.code, inv.stderr, inv.stdout)
		}
	})

	t.Run("case of an older schema on read-only storage", func(t *testing.T) {
		dir := tmpfs(t, "64m")
		db := filepath.Join(dir, "case.duckdb")
		if r := run(t, "--db", db, "--quiet", "ingest", small); r.code != 0 {
			t.Fatalf("first ingest: exit %d\n%s", r.code, r.stderr)
		}
		// Make it a version-4 case, as an older build wrote it: raw back
		// in the events table, no event_conflicts, no case marker.
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`CREATE TABLE events_v4 AS SELECT * FROM events; DROP VIEW events; DROP VIEW event_conflicts;
			DROP TABLE event_rows; DROP TABLE event_conflict_rows; DROP TABLE raw_blocks; ALTER TABLE events_v4 RENAME TO events;
			DROP TABLE trailsleuth_case; DELETE FROM schema_version WHERE version > 4; CHECKPOINT`); err != nil {
			st.Close()
			t.Fatal(err)
		}
		st.Close()
		before, err := store.FileSHA256(db)
		if err != nil {
			t.Fatal(err)
		}
		remount(t, dir, "ro")
		for _, args := range [][]string{
			{"query", "--format", "csv", "SELECT count(*) FROM events"},
			{"investigate", "--no-hunt", "--format", "json"},
			{"coverage", "--format", "json"},
		} {
			r := run(t, append([]string{"--db", db}, args...)...)
			if r.code != 0 || !strings.Contains(r.stderr, "schema version 4") {
				t.Errorf("%s on an old read-only case: exit %d, stderr %q", args[0], r.code, r.stderr)
			}
		}
		if after, _ := store.FileSHA256(db); after != before {
			t.Errorf("the case file changed")
		}
	})
}

// TestDiskFull: an ingest that fills the disk under the case database fails
// with a clear error; the database still opens, holds what the last
// complete ingest reported, and once there is room a re-run stores exactly
// the corpus.
func TestDiskFull(t *testing.T) {
	corpus := ctgenCorpus(t)
	want, files := corpusIDs(t, corpus)
	dir := tmpfs(t, "6m")
	db := filepath.Join(dir, "case.duckdb")

	r := run(t, "--db", db, "ingest", "--json", corpus)
	if r.code != 1 || !strings.Contains(strings.ToLower(r.stderr), "no space left") {
		t.Fatalf("ingest onto a full disk: exit %d, stderr %q: want exit 1 saying no space is left", r.code, r.stderr)
	}
	t.Logf("error: %s", strings.TrimSpace(r.stderr))
	if strings.Contains(r.stderr, "panic") {
		t.Errorf("panic: %s", r.stderr)
	}
	if _, err := os.Stat(db); err == nil {
		// It was created: it must open, and hold no finished ingest.
		st, err := store.OpenReadOnly(context.Background(), db)
		if err != nil {
			t.Errorf("case database after the failed ingest does not open: %v", err)
		} else {
			var finished int64
			if err := st.DB().QueryRow(`SELECT count(*) FROM ingest_runs WHERE finished_at IS NOT NULL`).Scan(&finished); err != nil {
				t.Errorf("reading the case after the failed ingest: %v", err)
			} else if finished != 0 {
				t.Errorf("%d ingests recorded as finished, the only one failed", finished)
			}
			st.Close()
		}
	}

	remount(t, dir, "size=512m")
	r = run(t, "--db", db, "--quiet", "ingest", "--json", corpus)
	if r.code != 0 {
		t.Fatalf("re-run with room: exit %d\n%s", r.code, r.stderr)
	}
	if s := parseSummary(t, r); s.Events != corpusEvents {
		t.Errorf("re-run stored %d events, want %d", s.Events, corpusEvents)
	}
	checkComplete(t, db, want, files)
}
