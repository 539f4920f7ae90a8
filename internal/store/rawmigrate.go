package store

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
)

//go:embed schema_v7.sql
var schemaV7 string

// The views that put raw back. `*` is expanded when a query binds the
// view, so a column a later version adds to event_rows shows up in events.
const (
	rawExpr        = rawFunction + `(raw_block, raw_offset, raw_length) AS raw`
	provenanceCols = `source_id, source_position, source_offset, run_id, session_credential_from_console`
	eventsView     = `CREATE VIEW events AS SELECT * EXCLUDE (raw_block, raw_offset, raw_length, ` + provenanceCols + `), ` +
		rawExpr + `, ` + provenanceCols + ` FROM event_rows`
	conflictsView = `CREATE VIEW event_conflicts AS SELECT * EXCLUDE (raw_block, raw_offset, raw_length, ` + provenanceCols +
		`, kept_source_id, conflict_reason), ` + rawExpr + `, ` + provenanceCols + `, kept_source_id, conflict_reason FROM event_conflict_rows`
)

// migrateV7 moves the original events of a version 6 case into raw_blocks
// (tx holds the migrations so far; db reads the case as committed, which
// for events and event_conflicts is the same rows: no earlier migration
// moves or rewrites raw). A block is the events of 1,024 consecutive
// rowids: Go packs the blocks and SQL computes each row's place with the
// same rule, and the two are checked against each other before the old
// tables go.
func migrateV7(ctx context.Context, db *sql.DB, seg *segment, tx *sql.Tx, zstd bool) error {
	ddl := schemaV7
	if zstd {
		var err error
		if ddl, err = zstdJSONColumns(ddl); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return err
	}
	base := int64(1)
	for _, t := range []struct{ from, to string }{{"events", "event_rows"}, {"event_conflicts", "event_conflict_rows"}} {
		next, err := packTable(ctx, db, seg, tx, t.from, base)
		if err != nil {
			return fmt.Errorf("moving %s.raw into raw_blocks: %w", t.from, err)
		}
		if err := moveRows(ctx, tx, t.from, t.to, base); err != nil {
			return fmt.Errorf("moving %s into %s: %w", t.from, t.to, err)
		}
		base = next
	}
	if err := checkPlaces(ctx, tx); err != nil {
		return err
	}
	for _, q := range []string{`DROP TABLE events`, `DROP TABLE event_conflicts`, eventsView, conflictsView} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// migratedRun is raw_blocks.run_id for blocks a migration packed: they mix
// runs, so no roll-back of an unfinished run removes them.
const migratedRun = 0

// packTable writes table's raw, by rowid, into blocks base + rowid/1024 and
// returns the id after the last.
func packTable(ctx context.Context, db *sql.DB, seg *segment, tx *sql.Tx, table string, base int64) (int64, error) {
	// Asked in tx: a table this migration created is not in db yet.
	var maxRow sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(rowid) FROM `+table).Scan(&maxRow); err != nil {
		return 0, err
	}
	if !maxRow.Valid {
		return base, nil
	}
	w, err := newBlockWriter()
	if err != nil {
		return 0, err
	}
	store := func(id int64, events, rawBytes int, data []byte) error {
		off, err := seg.append(data)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO raw_blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, migratedRun, events, rawBytes, codecZstd, off, len(data), blockSum(data))
		return err
	}
	// A slice of blocks at a time keeps the sort small.
	const per = 64 * blockEvents
	for lo := int64(0); lo <= maxRow.Int64; lo += per {
		rows, err := db.QueryContext(ctx, `SELECT rowid, raw FROM `+table+` WHERE rowid >= ? AND rowid < ? ORDER BY rowid`, lo, lo+per)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var rid int64
			var raw string
			if err := rows.Scan(&rid, &raw); err != nil {
				rows.Close()
				return 0, err
			}
			if id := base + rid/blockEvents; id != w.id {
				if err := w.seal(store); err != nil {
					rows.Close()
					return 0, err
				}
				w.id = id
			}
			w.add(raw)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	if err := w.seal(store); err != nil {
		return 0, err
	}
	if err := seg.sync(); err != nil {
		return 0, err
	}
	return base + maxRow.Int64/blockEvents + 1, nil
}

// moveRows copies table into rows, each row pointing at its bytes by the
// rule packTable used.
func moveRows(ctx context.Context, tx *sql.Tx, table, rows string, base int64) error {
	q := fmt.Sprintf(`INSERT INTO %[2]s BY NAME
		WITH place AS (
			SELECT rid, %[3]d + rid // %[4]d AS raw_block,
				(sum(len) OVER (PARTITION BY rid // %[4]d ORDER BY rid ROWS UNBOUNDED PRECEDING) - len)::INTEGER AS raw_offset,
				len::INTEGER AS raw_length
			FROM (SELECT rowid AS rid, strlen(raw) AS len FROM %[1]s))
		SELECT t.* EXCLUDE (raw), p.raw_block, p.raw_offset, p.raw_length FROM %[1]s t JOIN place p ON t.rowid = p.rid`,
		table, rows, base, blockEvents)
	_, err := tx.ExecContext(ctx, q)
	return err
}

// checkPlaces compares every block's event count and size with the rows
// pointing into it: the two sides of the packing rule must agree.
func checkPlaces(ctx context.Context, tx *sql.Tx) error {
	var bad int64
	err := tx.QueryRowContext(ctx, `
		WITH r AS (SELECT raw_block, raw_offset, raw_length FROM event_rows UNION ALL SELECT raw_block, raw_offset, raw_length FROM event_conflict_rows),
		used AS (SELECT raw_block, count(*) AS n, sum(raw_length) AS bytes, max(raw_offset + raw_length) AS top FROM r GROUP BY raw_block)
		SELECT count(*) FROM used u FULL JOIN raw_blocks b ON b.block_id = u.raw_block
		WHERE u.n IS DISTINCT FROM b.events OR u.bytes IS DISTINCT FROM b.raw_bytes OR u.top IS DISTINCT FROM b.raw_bytes`).Scan(&bad)
	if err != nil {
		return fmt.Errorf("checking the moved events against their blocks: %w", err)
	}
	if bad > 0 {
		return fmt.Errorf("checking the moved events against their blocks: %d blocks disagree with the rows pointing into them", bad)
	}
	return nil
}

// zstdJSONColumns has DuckDB compress the JSON columns, most of
// event_rows' bytes, with zstd rather than DICT_FSST: the DuckDB file of
// 1 M events went from 341 to 273 MB, with no measurable cost to ingest or
// to scans (docs/performance.md). Only a case in storageVersion's format
// gets it: in DuckDB's older format the clause leaves a column
// uncompressed.
func zstdJSONColumns(ddl string) (string, error) {
	for _, col := range slices.Sorted(maps.Keys(jsonColumns)) {
		plain := "\n    " + col + " VARCHAR,"
		if strings.Count(ddl, plain) != 1 {
			return "", fmt.Errorf("schema_v7.sql: column %s is not declared as %q", col, strings.TrimSpace(plain))
		}
		ddl = strings.Replace(ddl, plain, "\n    "+col+" VARCHAR USING COMPRESSION zstd,", 1)
	}
	return ddl, nil
}
