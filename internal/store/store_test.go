package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

func TestOpenMigratesOnceAndReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.duckdb")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = Open(ctx, path) // again: no second migration
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	st.DB().QueryRow("SELECT count(*) FROM schema_version").Scan(&rows)
	if rows != SchemaVersion {
		t.Errorf("schema_version rows = %d, want %d", rows, SchemaVersion)
	}
	st.DB().Exec("INSERT INTO schema_version VALUES (99, now())")
	st.Close()
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("a newer schema must be refused, got %v", err)
	}
	if _, err := OpenReadOnly(ctx, filepath.Join(t.TempDir(), "none.duckdb")); err == nil {
		t.Error("read-only open of a missing case must fail")
	}
}

// openTemp opens a new case database in a test's temporary folder, closed
// when the test ends.
func openTemp(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "case.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// appendEvents appends evs to st as run's events, through the appender
// ingest uses.
func appendEvents(t testing.TB, st *Store, run int64, evs ...event.Event) {
	t.Helper()
	app, err := st.NewEventAppender(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := app.Append(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAppendDedup(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	t0 := time.Date(2025, 3, 11, 2, 0, 0, 0, time.UTC)
	add := func(run int64, evs ...event.Event) { appendEvents(t, st, run, evs...) }
	ev := func(id, name string, at time.Time, src int64) event.Event {
		return event.Event{EventID: id, EventName: name, EventTime: at, Raw: `{"eventID":"` + id + `"}`, Provenance: event.Provenance{SourceID: src}}
	}
	add(1, ev("a", "GetObject", t0, 1), ev("b", "ListBuckets", t0, 1))
	add(2, ev("a", "GetObject", t0, 2), ev("b", "DeleteBucket", t0.Add(time.Hour), 2), ev("c", "x", t0, 2))
	res, err := st.Dedup(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 1 || res.Reused != 1 || res.SetAside != 0 {
		t.Errorf("removed %d reused %d set aside %d, want 1, 1 and 0", res.Removed, res.Reused, res.SetAside)
	}
	var n, firstSource int64
	st.DB().QueryRow("SELECT count(*) FROM events").Scan(&n)
	st.DB().QueryRow("SELECT source_id FROM events WHERE event_id = 'a'").Scan(&firstSource)
	if n != 4 || firstSource != 1 {
		t.Errorf("rows %d, copy kept from source %d; want 4 rows and the first copy (source 1)", n, firstSource)
	}
}

func TestBulkLoadRestoresThreads(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	threads := func() int64 {
		var n int64
		if err := st.DB().QueryRowContext(ctx, `SELECT current_setting('threads')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := st.DB().ExecContext(ctx, `SET threads = 3`); err != nil {
		t.Fatal(err)
	}
	restore, err := st.BulkLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := threads(); got != 1 {
		t.Errorf("threads during bulk load = %d, want 1", got)
	}
	if err := restore(ctx); err != nil {
		t.Fatal(err)
	}
	if got := threads(); got != 3 {
		t.Errorf("threads after restore = %d, want 3", got)
	}
}

// TestStorageVersion: a new case is written in DuckDB's v1.4 storage format,
// with its JSON columns compressed by zstd, and keeps it when reopened; a
// case created in DuckDB's default format, as every case before it was,
// keeps that one (no zstd: it would leave the columns uncompressed there)
// and still takes events.
func TestStorageVersion(t *testing.T) {
	ctx := context.Background()
	oldDefault := func(path string) {
		s, v, err := openCase(ctx, path, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.migrate(ctx, v, false); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	for _, tc := range []struct {
		name   string
		create func(path string)
		want   string
		// methods: how request_parameters is compressed, in both ingests
		methods string
	}{
		{"new case", func(string) {}, "v1.4.0+", "ZSTD"},
		{"case in the default format", oldDefault, "v1.0.0+", "FSST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "case.duckdb")
			tc.create(path)
			evs := rawEvents(3000)
			for i := range evs {
				evs[i].RequestParameters = fmt.Sprintf(`{"bucketName":"bucket-%d","key":"logs/%d/%s"}`, i%7, i, strings.Repeat("k", i%50))
			}
			for i, part := range [][]event.Event{evs[:1500], evs[1500:]} {
				st, err := Open(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				appendEvents(t, st, int64(i+1), part...)
				if _, err := st.DB().ExecContext(ctx, "CHECKPOINT"); err != nil {
					t.Fatal(err)
				}
				st.Close()
			}
			st, err := OpenReadOnly(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var tags string
			if err := st.DB().QueryRowContext(ctx, `SELECT tags::VARCHAR FROM duckdb_databases() WHERE path = ?`, path).Scan(&tags); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tags, "storage_version="+tc.want) {
				t.Errorf("storage tags %s, want storage_version %s", tags, tc.want)
			}
			var methods string
			if err := st.DB().QueryRowContext(ctx, `SELECT string_agg(DISTINCT compression, ',' ORDER BY compression) FROM pragma_storage_info('event_rows')
				WHERE column_name = 'request_parameters' AND segment_type = 'VARCHAR'`).Scan(&methods); err != nil {
				t.Fatal(err)
			}
			if methods != tc.methods {
				t.Errorf("request_parameters compressed with %s, want %s", methods, tc.methods)
			}
			checkRaw(t, st, evs)
		})
	}
}

// TestOpenRefusesURLPaths: a case path DuckDB's driver would read as a URL
// is refused before any file is made, by every way of opening a case; a
// "%" with two hex digits after it is an ordinary character.
func TestOpenRefusesURLPaths(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"a?b.duckdb", false},
		{"a#b.duckdb", false},
		{"a%zz.duckdb", false},
		{"a%20b.duckdb", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.name)
			st, err := Open(ctx, path)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				appendEvents(t, st, 1, rawEvents(3)...)
				st.Close()
				ro, err := OpenReadOnly(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				var mode string
				if err := ro.DB().QueryRow(`SELECT current_setting('access_mode')`).Scan(&mode); err != nil || mode != "read_only" {
					t.Errorf("read-only open: access_mode %q, %v", mode, err)
				}
				ro.Close()
				return
			}
			if !errors.Is(err, ErrPathUnusable) || !strings.Contains(err.Error(), "rename the file") {
				t.Errorf("Open: %v", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("files made: %v", entries)
			}
			for name, open := range map[string]func(context.Context, string) (*Store, error){
				"OpenReadOnly": OpenReadOnly, "OpenCurrent": Options{}.OpenCurrent, "OpenReadThrough": Options{}.OpenReadThrough,
			} {
				if _, err := open(ctx, path); !errors.Is(err, ErrPathUnusable) {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}
