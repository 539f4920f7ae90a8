package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// ErrNotCase is wrapped by the error of opening a file that is not a
// trailsleuth case database: not DuckDB, or DuckDB holding another
// application's tables. Such a file is never adopted or changed.
var ErrNotCase = errors.New("not a trailsleuth case database")

// checkHeader refuses a file that is not a DuckDB database before DuckDB
// opens it: DuckDB recognises other formats (a SQLite file) and would try
// to load, even download, an extension to read them. A DuckDB file has
// "DUCK" at offset 8.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("case database %s: %w", path, err)
	}
	defer f.Close()
	if !isDuckDB(f) {
		return fmt.Errorf("%s: %w: it is not a DuckDB file; give --db a new file", path, ErrNotCase)
	}
	return nil
}

// IsDuckDB reports whether the file at path is a DuckDB database (by its
// header): the CLI tells a case given where logs are expected.
func IsDuckDB(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return isDuckDB(f)
}

func isDuckDB(r io.Reader) bool {
	head := make([]byte, 12)
	_, err := io.ReadFull(r, head)
	return err == nil && string(head[8:12]) == "DUCK"
}

// caseTables are the tables every case has had since schema version 1,
// with a column each that another application's table of the same name is
// unlikely to have: a case from before the marker (version 5) is
// recognised by them.
var caseTables = map[string]string{
	"schema_version": "version", "ingest_runs": "run_id", "sources": "sha256",
	"ingest_errors": "reason", "events": "event_id_synthetic",
}

// checkCase returns the schema version of the open database, 0 for an
// empty database (a new case), or ErrNotCase when it holds anything but a
// case: a database with the marker table trailsleuth_case (version 5 on),
// or, before it, all of caseTables with their columns.
func (s *Store) checkCase(ctx context.Context) (int, error) {
	// A case of version 5 on is known by its marker, read straight from its
	// tables: DuckDB's catalog functions cost 3 to 15 ms on a fresh
	// connection, and every command opens the case once or twice.
	if v, ok := s.markedVersion(ctx); ok {
		return v, nil
	}
	// Anything else, from one read of the catalog: an empty database, an
	// older case, or another application's (ErrNotCase, saying why).
	rows, err := s.db.QueryContext(ctx, `SELECT t.name, coalesce(list(c.column_name ORDER BY c.column_name) FILTER (c.column_name IS NOT NULL), [])
		FROM (SELECT table_name AS name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
			UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal) t
		LEFT JOIN duckdb_columns() c ON c.database_name = current_database() AND c.schema_name = 'main' AND c.table_name = t.name
		GROUP BY t.name ORDER BY t.name`)
	if err != nil {
		return 0, fmt.Errorf("reading case database %s: %w", s.path, err)
	}
	var tables []string
	columns := map[string][]string{}
	for rows.Next() {
		var t string
		var cols duckdb.Composite[[]string]
		if err := rows.Scan(&t, &cols); err != nil {
			rows.Close()
			return 0, err
		}
		tables = append(tables, t)
		columns[t] = cols.Get()
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(tables) == 0 {
		return 0, nil
	}
	notCase := func(why string) error {
		shown := tables
		if len(shown) > 6 {
			shown = append(shown[:6:6], "…")
		}
		return fmt.Errorf("%s: %w: %s (it holds the tables %s); give --db a new file", s.path, ErrNotCase, why, strings.Join(shown, ", "))
	}
	has := func(table, col string) bool { return slices.Contains(columns[table], col) }
	if has("trailsleuth_case", "application") {
		var app int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM trailsleuth_case WHERE application = 'trailsleuth'`).Scan(&app); err != nil || app == 0 {
			return 0, notCase("its case marker is empty")
		}
		v, err := s.versionIn(ctx, has("schema_version", "version"))
		if err != nil || v < 5 {
			return 0, notCase("its schema version is missing")
		}
		return v, nil
	}
	for table, col := range caseTables {
		if !has(table, col) {
			return 0, notCase("no case marker and no table " + table + "(" + col + ")")
		}
	}
	v, err := s.versionIn(ctx, true)
	if err != nil || v < 1 || v >= 5 {
		return 0, notCase(fmt.Sprintf("no case marker, schema version %d", v))
	}
	return v, nil
}

// markedVersion is the schema version of a case with its marker, read
// without the catalog; ok is false for any other database (or an error).
func (s *Store) markedVersion(ctx context.Context) (v int, ok bool) {
	var app int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM main.trailsleuth_case WHERE application = 'trailsleuth'`).Scan(&app); err != nil || app == 0 {
		return 0, false
	}
	var ver sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM main.schema_version`).Scan(&ver); err != nil || ver.Int64 < 5 {
		return 0, false
	}
	return int(ver.Int64), true
}

// unfinishedRun is an ingest that started and never finished.
type unfinishedRun struct {
	ID      int64
	Started time.Time
	Command string
	Events  int64
}

// unfinishedRuns lists the ingests that never finished, with the events
// they left.
func unfinishedRuns(ctx context.Context, db *sql.DB) ([]unfinishedRun, error) {
	rows, err := db.QueryContext(ctx, `SELECT run_id, started_at, coalesce(command_line, '')
		FROM ingest_runs WHERE finished_at IS NULL ORDER BY run_id`)
	if err != nil {
		return nil, fmt.Errorf("looking for unfinished ingests: %w", err)
	}
	defer rows.Close()
	var out []unfinishedRun
	for rows.Next() {
		var r unfinishedRun
		if err := rows.Scan(&r.ID, &r.Started, &r.Command); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Counted only when there is one: the count reads every event's run.
	for i := range out {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE run_id = ?`, out[i].ID).Scan(&out[i].Events); err != nil {
			return nil, fmt.Errorf("counting the events of unfinished ingest %d: %w", out[i].ID, err)
		}
	}
	return out, nil
}

func (r unfinishedRun) String() string {
	return fmt.Sprintf("ingest run %d (started %s, %q) never finished", r.ID, r.Started.UTC().Format(time.RFC3339), r.Command)
}

// readThrough opens an in-memory database over the case file attached
// read-only, for a case that cannot be read as it is:
//   - an older schema (version < SchemaVersion): the case is copied into
//     memory and migrated there (the file is never migrated by a read);
//   - ingests that never finished: their events and sources are left out
//     (views over the file, no copy), as the next ingest would roll them
//     back, so no reader trusts a half-written run.
func readThrough(ctx context.Context, path string, version int, open []unfinishedRun, o Options) (*Store, error) {
	s, err := open1(ctx, o)
	if err != nil {
		return nil, err
	}
	s.path, s.readOnly = path, true
	fail := func(err error) (*Store, error) {
		s.Close()
		return nil, fmt.Errorf("reading case database %s: %w", path, err)
	}
	if _, err := s.db.ExecContext(ctx, "ATTACH "+sqlquote.String(path)+" AS casefile (READ_ONLY)"); err != nil {
		return fail(err)
	}
	if version < SchemaVersion && additiveFrom(version) {
		// The newer versions only add tables: the file's tables are read
		// in place (views, as below) and the new ones exist, empty, in
		// memory — no copy, whatever the size of the case. Its blocks are
		// read from its own segment file (version 7 on).
		s.seg.path, s.seg.temp = SegmentPath(path), false
		if err := s.viewsWithout(ctx, open); err != nil {
			return fail(err)
		}
		for v := version; v < SchemaVersion; v++ {
			if q := additiveMigrations[v]; q != "" {
				if _, err := s.db.ExecContext(ctx, q); err != nil {
					return fail(fmt.Errorf("migration to version %d in memory: %w", v+1, err))
				}
			}
		}
		s.notes = append(s.notes, fmt.Sprintf("%s has schema version %d: read as it is, with the tables of version %d empty in memory; the file is not changed (the next ingest migrates it)",
			path, version, SchemaVersion))
	} else if version < SchemaVersion {
		// A temporary folder lets a large copy spill out of memory.
		if _, err := s.db.ExecContext(ctx, "SET temp_directory = "+sqlquote.String(os.TempDir())); err != nil {
			return fail(err)
		}
		if _, err := s.db.ExecContext(ctx, "COPY FROM DATABASE casefile TO memory"); err != nil {
			return fail(err)
		}
		if _, err := s.db.ExecContext(ctx, "DETACH casefile"); err != nil {
			return fail(err)
		}
		if err := s.migrate(ctx, version, false); err != nil { // in memory: no storage format
			return fail(err)
		}
		s.notes = append(s.notes, fmt.Sprintf("%s has schema version %d: read through a copy in memory brought to version %d; the file is not changed (the next ingest migrates it)",
			path, version, SchemaVersion))
		if len(open) > 0 {
			if _, err := rollBack(ctx, s.db); err != nil {
				return fail(err)
			}
		}
	} else {
		s.seg.path, s.seg.temp = SegmentPath(path), false
		if err := s.viewsWithout(ctx, open); err != nil {
			return fail(err)
		}
	}
	for _, r := range open {
		s.notes = append(s.notes, fmt.Sprintf("%s: its %d events are left out (their files' sources were never recorded); re-run that ingest to read its files again",
			r, r.Events))
	}
	return s, nil
}

// additiveMigrations are the versions whose migration to the next one
// leaves a case readable as it is, with the SQL that makes in memory what
// the migration adds: version 5's only creates tables (schema_v6.sql: the
// access and flow log tables); version 6's moves raw out of events, and
// version 7's drops audit_log's key, but what a query sees is the same;
// version 7's grant_json is a copy, empty in memory (readers fall back to
// the events); version 8's source_blocks is empty in an older case.
var additiveMigrations = map[int]string{5: schemaV6, 6: "", 7: createGrantJSON, 8: schemaV9}

// additiveFrom reports whether every migration from version on leaves the
// case readable as it is, so that an older case can be read in place.
func additiveFrom(version int) bool {
	for v := version; v < SchemaVersion; v++ {
		if _, ok := additiveMigrations[v]; !ok {
			return false
		}
	}
	return true
}

// open1 opens an in-memory database configured like a case.
func open1(ctx context.Context, o Options) (*Store, error) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("opening an in-memory database: %w", err)
	}
	// A case copied here and migrated writes its blocks to a temporary
	// file; readThrough points a current case's reads at its own.
	s := &Store{db: sql.OpenDB(connector), opts: o, seg: &segment{temp: true}}
	if err := s.configure(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// viewsWithout makes each table of the attached case file a view in
// memory, leaving out the rows of the unfinished runs.
func (s *Store) viewsWithout(ctx context.Context, open []unfinishedRun) error {
	ids := make([]string, len(open))
	for i, r := range open {
		ids[i] = fmt.Sprint(r.ID)
	}
	without := "run_id NOT IN (" + strings.Join(ids, ", ") + ")"
	rows, err := s.db.QueryContext(ctx, `SELECT table_name, bool_or(column_name = 'run_id') FROM information_schema.columns
		WHERE table_catalog = 'casefile' AND table_schema = 'main' GROUP BY table_name ORDER BY table_name`)
	if err != nil {
		return err
	}
	type table struct {
		name   string
		hasRun bool
	}
	var tables []table
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.name, &t.hasRun); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM casefile.main.%s", sqlquote.Ident(t.name), sqlquote.Ident(t.name))
		if len(open) > 0 && t.hasRun && t.name != "ingest_runs" {
			q += " WHERE " + without
		}
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// RollBackInterrupted undoes what earlier ingests that never finished left
// in the case and returns how many events it removed. Their events were
// appended as they were decoded (DuckDB commits each appender flush), but
// their sources rows are written only at the end, so after a crash or a
// kill the events have no source, and the next ingest would hand out the
// same source ids to other files. Removing the unfinished runs' events,
// sources and error rows, then reading their files again, is what makes an
// interrupted ingest safe to re-run. The run rows stay (chain of custody),
// closed with what was rolled back.
//
// A case database is opened by one process at a time (DuckDB locks the
// file), and one process runs one ingest at a time, so any run still open
// here was interrupted.
func (s *Store) RollBackInterrupted(ctx context.Context) (int64, error) {
	n, err := rollBack(ctx, s.db)
	if err == nil && n > 0 {
		// A copy the rolled-back run displaced is the event again.
		_, err = s.Resettle(ctx)
	}
	return n, err
}

func rollBack(ctx context.Context, db *sql.DB) (int64, error) {
	var open int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM ingest_runs WHERE finished_at IS NULL`).Scan(&open); err != nil {
		return 0, fmt.Errorf("looking for interrupted ingests: %w", err)
	}
	if open == 0 {
		return 0, nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("rolling back interrupted ingests: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	const unfinished = `(SELECT run_id FROM ingest_runs WHERE finished_at IS NULL)`
	res, err := tx.ExecContext(ctx, `DELETE FROM event_rows WHERE run_id IN `+unfinished)
	if err != nil {
		return 0, fmt.Errorf("removing events of interrupted ingests: %w", err)
	}
	removed, _ := res.RowsAffected()
	for _, q := range []string{
		`DELETE FROM event_conflict_rows WHERE run_id IN ` + unfinished,
		`DELETE FROM source_blocks WHERE block_id IN (SELECT block_id FROM raw_blocks WHERE run_id IN ` + unfinished + `)`,
		`DELETE FROM raw_blocks WHERE run_id IN ` + unfinished,
		`DELETE FROM grant_json WHERE run_id IN ` + unfinished,
		`DELETE FROM s3_access WHERE run_id IN ` + unfinished,
		`DELETE FROM flow_logs WHERE run_id IN ` + unfinished,
		`DELETE FROM ingest_errors WHERE source_id IN (SELECT source_id FROM sources WHERE run_id IN ` + unfinished + `)`,
		`DELETE FROM sources WHERE run_id IN ` + unfinished,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("removing sources of interrupted ingests: %w", err)
		}
	}
	note := fmt.Sprintf(`{"interrupted_rolled_back": %d}`, removed)
	if _, err := tx.ExecContext(ctx, `UPDATE ingest_runs SET finished_at = ?, events = 0, errors = ? WHERE finished_at IS NULL`,
		time.Now().UTC(), note); err != nil {
		return 0, fmt.Errorf("closing interrupted ingests: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("rolling back interrupted ingests: %w", err)
	}
	return removed, nil
}
