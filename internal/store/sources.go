package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Source is one input file as recorded in the sources table.
type Source struct {
	ID          int64
	Run         int64
	Path        string
	Size        int64
	SHA256      string
	ModifiedAt  time.Time
	Compression string
	Format      string
	Status      string // ingested, partial, skipped, failed, digest
	SkipReason  string
	Events      int64
	Errors      map[string]int64
	ErrorDetail string
	AccountID   string
	Region      string
	IsDigest    bool
}

// RecordError is one record-level problem kept for the investigator.
type RecordError struct {
	SourceID int64
	Position int64
	Offset   int64
	Reason   string
	Detail   string
}

// Run is the bookkeeping of one ingest.
type Run struct {
	ID           int64
	StartedAt    time.Time
	FinishedAt   time.Time
	ToolVersion  string
	CommandLine  string
	Files        int64
	FilesSkipped int64
	Events       int64
	Duplicates   int64
	Errors       map[string]int64
}

// BeginRun records the start of an ingest and returns its id.
func (s *Store) BeginRun(ctx context.Context, version, cmdline string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO ingest_runs (run_id, started_at, tool_version, command_line)
		 VALUES (nextval('ingest_run_seq'), ?, ?, ?) RETURNING run_id`,
		time.Now().UTC(), version, cmdline).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("recording ingest run: %w", err)
	}
	return id, nil
}

// FinishRun copies the run's credential-granting calls into grant_json
// and stores its totals, in one transaction: a run is finished only with
// its copies made.
func (s *Store) FinishRun(ctx context.Context, r Run) error {
	errs, _ := json.Marshal(r.Errors)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording ingest totals: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := copyGrantJSON(ctx, tx, "run_id = ?", r.ID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx,
		`UPDATE ingest_runs SET finished_at = ?, files = ?, files_skipped = ?, events = ?, duplicates = ?, errors = ?
		 WHERE run_id = ?`,
		time.Now().UTC(), r.Files, r.FilesSkipped, r.Events, r.Duplicates, string(errs), r.ID)
	if err != nil {
		return fmt.Errorf("recording ingest totals: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording ingest totals: %w", err)
	}
	return nil
}

// NextSourceID returns the first free source id.
func (s *Store) NextSourceID(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(source_id) FROM sources`).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading sources: %w", err)
	}
	return n.Int64 + 1, nil
}

// StoredSource identifies an input already in the case.
type StoredSource struct {
	ID     int64
	Path   string
	Events int64 // events, or log records for an access or flow log (Format)
	Format string
}

// StoredSources returns the completely ingested sources keyed by SHA-256,
// so a file already in the case (here or at another path) is not read twice.
func (s *Store) StoredSources(ctx context.Context) (map[string]StoredSource, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT path, sha256, source_id, events, coalesce(format, '') FROM sources WHERE status IN ('ingested', 'digest') AND sha256 IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("reading sources: %w", err)
	}
	defer rows.Close()
	out := map[string]StoredSource{}
	for rows.Next() {
		var h string
		var st StoredSource
		if err := rows.Scan(&st.Path, &h, &st.ID, &st.Events, &st.Format); err != nil {
			return nil, err
		}
		out[h] = st
	}
	return out, rows.Err()
}

// AddSources records input files.
func (s *Store) AddSources(ctx context.Context, srcs []Source) error {
	now := time.Now().UTC()
	err := s.appendRows(ctx, "sources", len(srcs), func(i int) []driver.Value {
		src := srcs[i]
		var errs driver.Value
		if len(src.Errors) > 0 {
			b, _ := json.Marshal(src.Errors)
			errs = string(b)
		}
		var mod driver.Value
		if !src.ModifiedAt.IsZero() {
			mod = src.ModifiedAt.UTC()
		}
		return []driver.Value{src.ID, int32(src.Run), src.Path, src.Size, ns(src.SHA256), mod,
			ns(src.Compression), ns(src.Format), src.Status, ns(src.SkipReason), src.Events,
			errs, ns(src.ErrorDetail), ns(src.AccountID), ns(src.Region), src.IsDigest, nil, now,
			nil} // validation (schema v3), set by SetValidation
	})
	if err != nil {
		return fmt.Errorf("recording sources: %w", err)
	}
	return nil
}

// AddRecordErrors keeps the details of record-level problems.
func (s *Store) AddRecordErrors(ctx context.Context, errs []RecordError) error {
	err := s.appendRows(ctx, "ingest_errors", len(errs), func(i int) []driver.Value {
		e := errs[i]
		return []driver.Value{e.SourceID, e.Position, e.Offset, e.Reason, ns(e.Detail)}
	})
	if err != nil {
		return fmt.Errorf("recording ingest errors: %w", err)
	}
	return nil
}

// appendRows appends n rows built by row to table. Row-at-a-time INSERTs
// each take a storage block of their own in a transaction; the appender
// packs them.
func (s *Store) appendRows(ctx context.Context, table string, n int, row func(int) []driver.Value) error {
	if n == 0 {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return rawConn(ctx, conn, func(dc driver.Conn) error {
		app, err := duckdb.NewAppenderFromConn(dc, "", table)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := app.AppendRow(row(i)...); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
}

// NextReport reserves the next report number of this case database and
// returns it with the report id AWS-IR-<YYYYMMDD of now>-<seq, 3 digits>
// and the time the id was created. A report with the same fingerprint (the
// same question asked of the same case state by the same version) keeps
// the id and time it was first given, so re-running it reproduces it.
func (s *Store) NextReport(ctx context.Context, now time.Time, cmdline, fingerprint string) (int, time.Time, string, error) {
	if seq, created, id, err := s.FindReport(ctx, fingerprint); err != nil || seq > 0 {
		return seq, created, id, err
	}
	var seq int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM reports`).Scan(&seq); err != nil {
		return 0, time.Time{}, "", fmt.Errorf("reading the report counter: %w", err)
	}
	now = now.UTC().Truncate(time.Microsecond)
	id := fmt.Sprintf("AWS-IR-%s-%03d", now.Format("20060102"), seq)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO reports (seq, report_id, created_at, command_line, fingerprint) VALUES (?, ?, ?, ?, ?)`, seq, id, now, cmdline, fingerprint); err != nil {
		return 0, time.Time{}, "", fmt.Errorf("recording report %s: %w", id, err)
	}
	return seq, now, id, nil
}

// FindReport returns the number, creation time and id of the report first
// made with fingerprint, or seq 0 when there is none. A case that cannot be
// written (read-only storage) reserves no number: a report it made before
// keeps its id, a new one is numbered 000.
func (s *Store) FindReport(ctx context.Context, fingerprint string) (int, time.Time, string, error) {
	if fingerprint == "" {
		return 0, time.Time{}, "", nil
	}
	var seq int
	var id string
	var created time.Time
	err := s.db.QueryRowContext(ctx, `SELECT seq, report_id, created_at FROM reports WHERE fingerprint = ? ORDER BY seq LIMIT 1`, fingerprint).Scan(&seq, &id, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, "", nil
	}
	if err != nil {
		return 0, time.Time{}, "", fmt.Errorf("reading the report counter: %w", err)
	}
	return seq, created.UTC(), id, nil
}

// UnfinishedIngests describes the ingests that never finished (none on a
// consistent case): what RollBackInterrupted would remove.
func (s *Store) UnfinishedIngests(ctx context.Context) ([]string, error) {
	runs, err := unfinishedRuns(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = fmt.Sprintf("%s, leaving %d events", r, r.Events)
	}
	return out, nil
}

// SourceValidation is what integrity validation said of one input file.
type SourceValidation struct {
	Path, SHA256, Status string
}

// SetValidation records validation results on the matching sources (same
// path and SHA-256: a file changed since ingest is not marked) and returns
// how many sources it marked. Conflicting copies of events are then
// settled again (conflicts.go): a validated copy is preferred.
func (s *Store) SetValidation(ctx context.Context, results []SourceValidation) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("recording validation: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	stmt, err := tx.PrepareContext(ctx, `UPDATE sources SET validated = ?, validation = ? WHERE path = ? AND sha256 = ?`)
	if err != nil {
		return 0, fmt.Errorf("recording validation: %w", err)
	}
	defer stmt.Close()
	var n int64
	for _, r := range results {
		res, err := stmt.ExecContext(ctx, r.Status == "valid", r.Status, r.Path, r.SHA256)
		if err != nil {
			return 0, fmt.Errorf("recording validation of %s: %w", r.Path, err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if err := tx.Commit(); err != nil {
		return n, err
	}
	// Which copy of a conflicting event is used depends on validation.
	if _, err := s.Resettle(ctx); err != nil {
		return n, err
	}
	return n, nil
}
