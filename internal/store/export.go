package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ExportFormats are the formats Export writes.
var ExportFormats = []string{"parquet", "jsonl"}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func eventsSelect(where string) string {
	q := "SELECT * FROM events"
	if where != "" {
		q += " WHERE " + where
	}
	return q + " ORDER BY event_time, event_id"
}

// Export writes the events (optionally filtered by a SQL WHERE clause) to
// path. Parquet uses DuckDB's writer with zstd, which Athena, Spark and
// DuckDB read back; jsonl writes one typed row per line.
func (s *Store) Export(ctx context.Context, format, path, where string) (int64, error) {
	var opts string
	switch format {
	case "parquet":
		opts = "FORMAT parquet, COMPRESSION zstd"
	case "jsonl":
		opts = "FORMAT json"
	default:
		return 0, fmt.Errorf("unknown export format %q (want %s)", format, strings.Join(ExportFormats, " or "))
	}
	q := fmt.Sprintf("COPY (%s) TO %s (%s)", eventsSelect(where), quoteLiteral(path), opts)
	res, err := s.db.ExecContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("exporting to %s: %w", path, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ExportRaw writes each event's original JSON, compacted to one line each:
// a file that
// trailsleuth (or any tool reading CloudTrail JSON lines) ingests again.
func (s *Store) ExportRaw(ctx context.Context, w io.Writer, where string) (int64, error) {
	q := strings.Replace(eventsSelect(where), "SELECT *", "SELECT raw::VARCHAR", 1)
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("exporting raw events: %w", err)
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	var raw string
	var line bytes.Buffer
	for rows.Next() {
		if err := rows.Scan(&raw); err != nil {
			return n, err
		}
		// A pretty-printed source event spans lines; JSON lines needs one.
		line.Reset()
		if err := json.Compact(&line, []byte(raw)); err != nil {
			return n, fmt.Errorf("event %d: stored raw JSON is invalid: %w", n, err)
		}
		line.WriteByte('\n')
		bw.Write(line.Bytes())
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}
