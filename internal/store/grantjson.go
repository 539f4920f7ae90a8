package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/trailsleuth/trailsleuth/internal/eventsql"
)

// grant_json keeps the JSON fields of the credential-granting calls
// (eventsql.GrantCond) apart from event_rows, keyed by where each event was
// read. Investigations read every such call's request and response, and
// the calls are spread over the whole case: DuckDB decompresses a JSON
// column a vector at a time, so reading them from event_rows read nearly
// all of request_parameters and response_elements (1.3–1.5 s for 14,964
// calls among 5 M events; docs/performance.md). It is a copy, never the
// evidence: readers join it to event_rows and read any call it lacks from
// event_rows itself.
const createGrantJSON = `CREATE TABLE IF NOT EXISTS grant_json (
    source_id             BIGINT NOT NULL,
    source_position       BIGINT NOT NULL,
    run_id                INTEGER NOT NULL,
    request_parameters    VARCHAR,
    response_elements     VARCHAR,
    additional_event_data VARCHAR,
    resources             VARCHAR
)`

// copyGrantJSON copies into grant_json the grant calls of event_rows that
// cond (and its args) selects.
func copyGrantJSON(ctx context.Context, tx *sql.Tx, cond string, args ...any) error {
	g := eventsql.GrantCond()
	_, err := tx.ExecContext(ctx, `INSERT INTO grant_json SELECT source_id, source_position, run_id,
			request_parameters, response_elements, additional_event_data, resources
		FROM event_rows WHERE `+g.Where+` AND `+cond, append(g.Args, args...)...)
	if err != nil {
		return fmt.Errorf("copying the JSON of credential-granting calls: %w", err)
	}
	return nil
}

// migrateV8 rebuilds audit_log without its key (schema_v8.sql) and makes
// grant_json from every grant call of the case.
func migrateV8(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{schemaV8, createGrantJSON} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return copyGrantJSON(ctx, tx, "true")
}

// RefreshGrantJSON makes grant_json again from event_rows: after a
// command the case cannot vouch for (query --write) may have changed the
// events. It is emptied first, on its own: if the copy then fails, readers
// find nothing stale in it and read the events.
func (s *Store) RefreshGrantJSON(ctx context.Context) error {
	for _, q := range []string{createGrantJSON, `DELETE FROM grant_json`} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("emptying grant_json: %w", err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := copyGrantJSON(ctx, tx, "true"); err != nil {
		return err
	}
	return tx.Commit()
}
