package store

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// ExportFormats are the formats Export writes.
var ExportFormats = []string{"parquet", "jsonl"}

// whereCond is the user's WHERE clause as one condition, TRUE when empty.
func whereCond(where string) string {
	if where == "" {
		return "TRUE"
	}
	return "(" + where + ")"
}

// sliceRows bounds the events one sort holds. DuckDB sorts whole rows,
// and with raw (about 1.6 KB an event) one ORDER BY over 600,000 events ran
// out of its 512 MB at 5 M events; slices of this size, sorted one after the
// other, export any number of events in bounded memory.
const sliceRows = 50_000

// timeSlices cuts the events matching where into conditions on event_time,
// in time order, each holding about sliceRows events (ties stay in one
// slice); the last also holds events without a time, which ORDER BY puts
// last.
func timeSlices(ctx context.Context, conn *sql.Conn, where string, per int64) ([]string, error) {
	cond := whereCond(where)
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE "+cond).Scan(&n); err != nil {
		return nil, fmt.Errorf("counting the events to export: %w", err)
	}
	k := (n + per - 1) / per
	if k <= 1 {
		return []string{cond}, nil
	}
	qs := make([]string, 0, k-1)
	for i := int64(1); i < k; i++ {
		qs = append(qs, fmt.Sprintf("%g", float64(i)/float64(k)))
	}
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(
		"SELECT DISTINCT unnest(quantile_disc(event_time, [%s]))::VARCHAR AS t FROM events WHERE %s ORDER BY t",
		strings.Join(qs, ", "), cond))
	if err != nil {
		return nil, fmt.Errorf("cutting the export into time slices: %w", err)
	}
	defer rows.Close()
	var cuts []string
	for rows.Next() {
		var t sql.NullString
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		if t.Valid {
			cuts = append(cuts, "TIMESTAMPTZ "+sqlquote.String(t.String))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	conds := make([]string, 0, len(cuts)+1)
	for i, cut := range cuts {
		c := cond + " AND event_time < " + cut
		if i > 0 {
			c += " AND event_time >= " + cuts[i-1]
		}
		conds = append(conds, c)
	}
	last := cond
	if len(cuts) > 0 {
		last += " AND (event_time IS NULL OR event_time >= " + cuts[len(cuts)-1] + ")"
	}
	return append(conds, last), nil
}

// streamOrdered writes one line per event matching where, in time order:
// expr is an SQL expression over the events row e, and toLine turns its
// value into the line.
func (s *Store) streamOrdered(ctx context.Context, w io.Writer, expr, where string, toLine func([]byte) ([]byte, error)) (int64, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	per := int64(sliceRows)
	if s.exportSlice > 0 {
		per = s.exportSlice
	}
	conds, err := timeSlices(ctx, conn, where, per)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	for _, c := range conds {
		rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM events e WHERE %s ORDER BY event_time, event_id", expr, c))
		if err != nil {
			return n, fmt.Errorf("exporting events: %w", err)
		}
		var v []byte
		for rows.Next() {
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return n, err
			}
			out, err := toLine(v)
			if err != nil {
				rows.Close()
				return n, fmt.Errorf("event %d: %w", n, err)
			}
			bw.Write(out)
			bw.WriteByte('\n')
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// Export writes the events (optionally filtered by a SQL WHERE clause) to
// path. Parquet uses DuckDB's writer with zstd, which Athena, Spark and
// DuckDB read back; its rows are in storage order, because an ordered
// Parquet write holds the whole sort in memory (readers sort anyway).
// jsonl writes one typed row per line, in time order.
func (s *Store) Export(ctx context.Context, format, path, where string) (int64, error) {
	switch format {
	case "parquet":
		// Row groups of 16,384 events (about 13 MB compressed) keep the
		// writer's buffers small; DuckDB's default of 122,880 wide rows
		// held hundreds of MB per thread.
		// DuckDB writes a temporary file beside path, renamed into place
		// once complete (atomicfile), so a failure never leaves half a
		// Parquet file under the name.
		tmp, finish, err := atomicfile.Reserve(path, 0o644)
		if err != nil {
			return 0, err
		}
		q := fmt.Sprintf("COPY (SELECT * FROM events WHERE %s) TO %s (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384)", whereCond(where), sqlquote.String(tmp))
		res, err := s.db.ExecContext(ctx, q)
		if ferr := finish(err == nil); err == nil {
			err = ferr
		}
		if err != nil {
			return 0, fmt.Errorf("exporting to %s: %w", path, err)
		}
		n, _ := res.RowsAffected()
		return n, nil
	case "jsonl":
		var n int64
		err := atomicfile.Write(path, 0o644, func(w io.Writer) (err error) {
			n, err = s.streamOrdered(ctx, w, "to_json(e)::VARCHAR", where, func(b []byte) ([]byte, error) { return b, nil })
			return err
		})
		if err != nil {
			return n, fmt.Errorf("exporting to %s: %w", path, err)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("unknown export format %q (want %s)", format, strings.Join(ExportFormats, " or "))
	}
}

// ExportRaw writes each event's original JSON, compacted to one line each,
// in time order: a file that trailsleuth (or any tool reading CloudTrail
// JSON lines) ingests again.
func (s *Store) ExportRaw(ctx context.Context, w io.Writer, where string) (int64, error) {
	var line bytes.Buffer
	return s.streamOrdered(ctx, w, "raw::VARCHAR", where, func(raw []byte) ([]byte, error) {
		// A pretty-printed source event spans lines; JSON lines needs one.
		line.Reset()
		if err := json.Compact(&line, raw); err != nil {
			return nil, fmt.Errorf("stored raw JSON is invalid: %w", err)
		}
		return line.Bytes(), nil
	})
}
