package store

import (
	"context"
	"database/sql"
	"fmt"
)

// RenameSource gives the source read from path another name, such as the
// remote query that fetched it, so the evidence says where its events
// came from.
func (s *Store) RenameSource(ctx context.Context, path, name string) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE sources SET path = ? WHERE path = ?", name, path); err != nil {
		return fmt.Errorf("naming the source of %s: %w", path, err)
	}
	return nil
}

// SkipCheckpointOnClose leaves what was written since the last checkpoint
// in the write-ahead log (fsynced, replayed by every open) instead of
// checkpointing on close: a read command's audit entry is small, and
// checkpointing a 5 M-event case on close took 60 ms of a 0.2 s query.
// Failing to skip it only costs that time, so the error is dropped.
func (s *Store) SkipCheckpointOnClose(ctx context.Context) {
	_, _ = s.db.ExecContext(ctx, "PRAGMA disable_checkpoint_on_shutdown")
}

// Query runs a user's SQL over the case.
func (s *Store) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, query, args...)
}

// Queries an ingest summary points the user to, for the details it counts.
const (
	QueryConflicts    = "SELECT * FROM event_conflicts"
	QueryRecordErrors = "SELECT * FROM ingest_errors"
	QueryFileErrors   = "SELECT path, status, errors FROM sources WHERE errors IS NOT NULL"
	QuerySkippedFiles = "SELECT path, skip_reason FROM sources WHERE status = 'skipped'"
)
