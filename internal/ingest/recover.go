package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/store"
)

// rollBackInterrupted undoes what earlier ingests that never finished left
// in the case. Their events were appended as they were decoded (DuckDB
// commits each appender flush), but their sources rows are written only at
// the end, so after a crash or a kill the events have no source, and the
// next ingest would hand out the same source ids to other files. Removing
// the unfinished runs' events, sources and error rows, then reading their
// files again, is what makes an interrupted ingest safe to re-run. The run
// rows stay (chain of custody), closed with what was rolled back.
//
// A case database is opened by one process at a time (DuckDB locks the
// file), and one process runs one ingest at a time, so any run still open
// here was interrupted.
func rollBackInterrupted(ctx context.Context, st *store.Store) (int64, error) {
	db := st.DB()
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
	res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE run_id IN `+unfinished)
	if err != nil {
		return 0, fmt.Errorf("removing events of interrupted ingests: %w", err)
	}
	removed, _ := res.RowsAffected()
	for _, q := range []string{
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
