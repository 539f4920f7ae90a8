package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// rawDB opens a DuckDB file without the store, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	c, err := duckdb.NewConnector(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// oldCase writes a case as a build with schema version v wrote it, with
// two events.
func oldCase(t *testing.T, path string, v int) {
	t.Helper()
	db := rawDB(t, path)
	for i := range v {
		exec(t, db, migrations[i], "INSERT INTO schema_version VALUES ("+itoa(int64(i+1))+", now())")
	}
	exec(t, db, `INSERT INTO ingest_runs (run_id, started_at, finished_at) VALUES (1, now(), now())`,
		`INSERT INTO sources (source_id, run_id, path, size, status, events, ingested_at) VALUES (1, 1, 'a.json', 10, 'ingested', 2, now())`,
		`INSERT INTO events (event_id, event_id_synthetic, is_insight, raw, source_id, source_position, source_offset, run_id)
		 VALUES ('a', false, false, '{"sessionCredentialFromConsole":"true"}', 1, 0, 0, 1), ('b', false, false, '{}', 1, 1, 10, 1)`)
	db.Close()
}

// snapshot is a folder's files and their SHA-256s.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		h, err := FileSHA256(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = h
	}
	return out
}

func sameSnapshot(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestReadOnlyOldCase (issue 16, item 9): a case written by an older build
// reads through an in-memory copy brought up to date: every current table
// and column is there, and the file (and its folder) stays byte for byte
// as it was. A write open then migrates it.
func TestReadOnlyOldCase(t *testing.T) {
	ctx := context.Background()
	for _, v := range []int{1, 3, 4, 5} {
		dir := t.TempDir()
		path := filepath.Join(dir, "old.duckdb")
		oldCase(t, path, v)
		before := snapshot(t, dir)
		ro, err := OpenReadOnly(ctx, path)
		if err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		var n, console int
		// Migration 4 filled the column from raw (a version-4 case was
		// ingested with it filled already).
		wantConsole := 1
		if v >= 4 {
			wantConsole = 0
		}
		if err := ro.DB().QueryRow(`SELECT count(*), count(*) FILTER (session_credential_from_console) FROM events`).Scan(&n, &console); err != nil || n != 2 || console != wantConsole {
			t.Errorf("version %d: events %d, console %d, %v", v, n, console, err)
		}
		for _, q := range []string{"SELECT count(*) FROM reports", "SELECT count(*) FROM audit_log", "SELECT count(*) FROM event_conflicts", "SELECT count(*) FROM trailsleuth_case",
			"SELECT count(*) FROM s3_access", "SELECT count(*) FROM flow_logs"} {
			if err := ro.DB().QueryRow(q).Scan(&n); err != nil {
				t.Errorf("version %d: %s: %v", v, q, err)
			}
		}
		if notes := strings.Join(ro.Notes(), "\n"); !strings.Contains(notes, "schema version") || !strings.Contains(notes, "not changed") {
			t.Errorf("version %d: notes %q", v, notes)
		} else if v >= 5 && !strings.Contains(notes, "read as it is") {
			// Later migrations only add tables: no copy of the case.
			t.Errorf("version %d: read through a copy: %q", v, notes)
		}
		ro.Close()
		if after := snapshot(t, dir); !sameSnapshot(before, after) {
			t.Errorf("version %d: reading changed the case folder:\n%v\n%v", v, before, after)
		}
		rw, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("version %d: write open: %v", v, err)
		}
		if got, _ := rw.versionIn(ctx, true); got != SchemaVersion {
			t.Errorf("version %d: write open left version %d", v, got)
		}
		rw.Close()
	}
}

// TestForeignDatabases (issue 16, item 8): a case is created only in a new
// or empty file; any other file is refused with ErrNotCase and left
// exactly as it was.
func TestForeignDatabases(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		ok    bool
	}{
		{"new file", func(*testing.T, string) {}, true},
		{"empty file", func(t *testing.T, p string) { os.WriteFile(p, nil, 0o644) }, true},
		{"DuckDB database with nothing in it", func(t *testing.T, p string) { rawDB(t, p).Close() }, true},
		{"another application's database", func(t *testing.T, p string) {
			db := rawDB(t, p)
			exec(t, db, "CREATE TABLE customers (id INTEGER, name VARCHAR)", "INSERT INTO customers VALUES (1, 'a')")
			db.Close()
		}, false},
		{"one with its own events table", func(t *testing.T, p string) {
			db := rawDB(t, p)
			exec(t, db, "CREATE TABLE events (id INTEGER, name VARCHAR)", "INSERT INTO events VALUES (1, 'login')")
			db.Close()
		}, false},
		{"one with a schema_version table", func(t *testing.T, p string) {
			db := rawDB(t, p)
			exec(t, db, "CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMPTZ)", "INSERT INTO schema_version VALUES (2, now())")
			db.Close()
		}, false},
		{"not a DuckDB file", func(t *testing.T, p string) { os.WriteFile(p, []byte("SQLite format 3\x00 and more"), 0o644) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "case.duckdb")
			tt.setup(t, path)
			before := snapshot(t, dir)
			for _, open := range []func(context.Context, string) (*Store, error){Open, OpenReadOnly} {
				st, err := open(ctx, path)
				if tt.ok {
					if open != nil && err == nil {
						st.Close()
					}
					continue
				}
				if err == nil {
					st.Close()
					t.Fatal("opened as a case")
				}
				if !errors.Is(err, ErrNotCase) || !strings.Contains(err.Error(), "case.duckdb") {
					t.Errorf("error %v: want ErrNotCase naming the file", err)
				}
				if after := snapshot(t, dir); !sameSnapshot(before, after) {
					t.Errorf("the file was changed:\n%v\n%v", before, after)
				}
			}
			if tt.ok {
				st, err := Open(ctx, path)
				if err != nil {
					t.Fatalf("a new case: %v", err)
				}
				st.Close()
			}
		})
	}
}

// TestMigrationAtomic (issue 16, item 8): a migration that fails part-way
// leaves the case as it was: no table of the later versions, its version
// unchanged.
func TestMigrationAtomic(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.duckdb")
	oldCase(t, path, 1)
	db := rawDB(t, path)
	// Version 2 creates the reports table; a view of that name makes the
	// migrations fail after some of them ran.
	exec(t, db, "CREATE VIEW reports AS SELECT 1 AS seq")
	db.Close()
	st, err := Open(ctx, path)
	if err == nil {
		st.Close()
		t.Fatal("the migration succeeded")
	}
	// Migration 2 (CREATE TABLE IF NOT EXISTS) passes over the view; 3
	// cannot alter it.
	if !strings.Contains(err.Error(), "migration to version 3") {
		t.Errorf("error %v, want migration 3 to fail", err)
	}
	db = rawDB(t, path)
	var v, tables int
	if err := db.QueryRow("SELECT max(version) FROM schema_version").Scan(&v); err != nil || v != 1 {
		t.Errorf("version %d (%v), want 1", v, err)
	}
	if err := db.QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('audit_log', 'trailsleuth_case', 'event_conflicts')").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("%d tables of later versions left (%v)", tables, err)
	}
}

// TestReadOnlyUnfinishedRun (issue 16, item 3): the events of an ingest
// that never finished are left out of what a read-only open sees, which
// says so; the file is not changed.
func TestReadOnlyUnfinishedRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "case.duckdb")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	appendRun := func(finish bool, ids ...string) {
		run, err := st.BeginRun(ctx, "test", "trailsleuth ingest x")
		if err != nil {
			t.Fatal(err)
		}
		app, err := st.NewEventAppender(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			ev := event.Event{EventID: id, EventName: "GetObject", EventTime: time.Now(), Raw: "{}"}
			if err := app.Append(&ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := app.Close(); err != nil {
			t.Fatal(err)
		}
		if finish {
			if err := st.FinishRun(ctx, Run{ID: run}); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendRun(true, "a", "b")
	appendRun(false, "c", "d", "e")
	st.Close()
	before := snapshot(t, dir)
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	rows, err := ro.DB().Query("SELECT event_id FROM events ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	if !slices.Equal(ids, []string{"a", "b"}) {
		t.Errorf("events seen %v, want those of the finished run", ids)
	}
	if notes := strings.Join(ro.Notes(), "\n"); !strings.Contains(notes, "ingest run 2") || !strings.Contains(notes, "3 events are left out") {
		t.Errorf("notes %q", notes)
	}
	ro.Close()
	if after := snapshot(t, dir); !sameSnapshot(before, after) {
		t.Errorf("reading changed the case folder")
	}
}
