// Package timeline exports the case's events, filtered and in time order,
// as a timeline for the tools investigators already use: a flat CSV or
// JSON lines timeline, Timesketch's import format, Elastic Common Schema as
// Elastic's AWS CloudTrail integration writes it, and OCSF as Amazon
// Security Lake maps CloudTrail. Events stream from DuckDB one at a time,
// so a case of any size exports in bounded memory. docs/timeline.md
// describes every field.
package timeline

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// Formats are the export formats.
var Formats = []string{"csv", "jsonl", "timesketch", "timesketch-csv", "ecs", "ocsf", ParquetFormat}

// ParquetFormat is OCSF as Parquet in Amazon Security Lake's custom-source
// layout: a folder, written by ExportParquet rather than Export.
const ParquetFormat = "ocsf-parquet"

// Versions of the external formats written.
const (
	// ECSVersion is the ecs.version Elastic's CloudTrail ingest pipeline sets.
	ECSVersion = "8.11.0"
	// OCSFVersion is the schema of Security Lake's CloudTrail mapping
	// (source version 2) and of the OCSF project's CloudTrail examples.
	OCSFVersion = "1.1.0"
)

// progressEvery is how many events pass between Progress calls.
const progressEvery = 5000

// windowEvents bounds how many events one sorted query returns. DuckDB
// sorts a query's whole result in memory and, on a read-only case, cannot
// spill it to disk: 200,000 events with their JSON documents take about
// 300 MB, above the default 512 MB limit well before a million. Exporting
// window after window in time keeps each sort small.
const windowEvents = 20000

// Options say what to export and how.
type Options struct {
	Format string
	Filter Filter
	// Hits maps event ids to the titles of detection rules they matched
	// (HitsFrom builds it from a hunt's findings).
	Hits map[string][]string
	// Progress, if set, is called every few thousand events and at the end.
	Progress func(done, total int64)
	// window overrides windowEvents (tests).
	window int64
}

// Summary counts what an export did.
type Summary struct {
	Matched int64 // events the filter selected
	Written int64 // events written
	// NoTime are selected events without a usable eventTime: a timeline
	// cannot place them, so they are left out (and counted here).
	NoTime int64
}

// Export writes the selected events to w in opts.Format, oldest first.
func Export(ctx context.Context, db *sql.DB, w io.Writer, opts Options) (Summary, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	wr, err := newWriter(opts.Format, bw)
	if err != nil {
		return Summary{}, err
	}
	sum, err := run(ctx, db, wr, opts)
	if err != nil {
		return sum, err
	}
	return sum, bw.Flush()
}

// run streams the selected events to wr, window after window, and
// flushes it.
func run(ctx context.Context, db *sql.DB, wr writer, opts Options) (Summary, error) {
	var sum Summary
	cond, args, err := opts.Filter.where(ctx, db)
	if err != nil {
		return sum, err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE "+cond, args...).Scan(&sum.Matched); err != nil {
		return sum, fmt.Errorf("counting events: %w", err)
	}
	limit := int64(windowEvents)
	if opts.window > 0 {
		limit = opts.window
	}
	windows, timed, err := timeWindows(ctx, db, cond, args, limit)
	if err != nil {
		return sum, err
	}
	sum.NoTime = sum.Matched - timed
	ex := &exporter{db: db, wr: wr, sc: newScanner(opts.Hits), opts: &opts, sum: &sum, total: timed,
		query: "SELECT " + selectColumns + " FROM events WHERE (" + cond + ") AND event_time >= ? AND event_time < ? ORDER BY event_time, event_id"}
	for _, win := range windows {
		if err := ex.window(ctx, append(args[:len(args):len(args)], win.from, win.to)); err != nil {
			return sum, err
		}
	}
	if err := wr.flush(); err != nil {
		return sum, err
	}
	if opts.Progress != nil {
		opts.Progress(sum.Written, timed)
	}
	return sum, nil
}

// exporter writes the events of one window after another.
type exporter struct {
	db    *sql.DB
	wr    writer
	sc    *scanner
	opts  *Options
	sum   *Summary
	total int64
	query string
}

// window writes the events of one time window, in order.
func (e *exporter) window(ctx context.Context, args []any) error {
	rows, err := e.db.QueryContext(ctx, e.query, args...)
	if err != nil {
		return fmt.Errorf("querying events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := e.sc.scan(rows)
		if err != nil {
			return err
		}
		if err := e.wr.write(r); err != nil {
			return fmt.Errorf("writing event %s: %w", r.EventID, err)
		}
		e.sum.Written++
		if e.sum.Written%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if e.opts.Progress != nil {
				e.opts.Progress(e.sum.Written, e.total)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("querying events: %w", err)
	}
	return nil
}

// window is a time range [from, to) of the export.
type window struct{ from, to time.Time }

// timeWindows splits the selected, timed events into consecutive time
// windows of at most limit events each, from a per-minute histogram (a
// minute with more events than limit is a window of its own). It also
// returns how many timed events there are.
func timeWindows(ctx context.Context, db *sql.DB, cond string, args []any, limit int64) ([]window, int64, error) {
	rows, err := db.QueryContext(ctx, "SELECT time_bucket(INTERVAL 1 MINUTE, event_time) AS m, count(*) FROM events WHERE ("+cond+") AND event_time IS NOT NULL GROUP BY m ORDER BY m", args...)
	if err != nil {
		return nil, 0, fmt.Errorf("counting events per minute: %w", err)
	}
	defer rows.Close()
	var out []window
	var total, inWindow int64
	for rows.Next() {
		var m time.Time
		var n int64
		if err := rows.Scan(&m, &n); err != nil {
			return nil, 0, fmt.Errorf("counting events per minute: %w", err)
		}
		end := m.Add(time.Minute)
		if len(out) == 0 || inWindow+n > limit {
			out = append(out, window{from: m, to: end})
			inWindow = 0
		}
		out[len(out)-1].to = end
		inWindow += n
		total += n
	}
	return out, total, rows.Err()
}

// HitsFrom indexes a hunt's findings by event id: each event gets the
// titles of the rules that matched it, sorted and without repeats.
func HitsFrom(findings []event.Finding) map[string][]string {
	hits := map[string][]string{}
	for _, f := range findings {
		for _, id := range f.EventIDs {
			if !slices.Contains(hits[id], f.Title) {
				hits[id] = append(hits[id], f.Title)
			}
		}
	}
	for _, t := range hits {
		slices.Sort(t)
	}
	return hits
}

// writer renders records in one format.
type writer interface {
	write(r *Record) error
	flush() error
}

func newWriter(format string, w io.Writer) (writer, error) {
	switch format {
	case "csv":
		return newCSVWriter(w, flatHeader, flatCells), nil
	case "timesketch-csv":
		return newCSVWriter(w, timesketchHeader, timesketchCells), nil
	case "jsonl":
		return newJSONWriter(w, flatObject), nil
	case "timesketch":
		return newJSONWriter(w, timesketchObject), nil
	case "ecs":
		return newJSONWriter(w, ecsObject), nil
	case "ocsf":
		return newJSONWriter(w, ocsfObject), nil
	case ParquetFormat:
		return nil, fmt.Errorf("%s writes a folder, not a stream: use ExportParquet", ParquetFormat)
	}
	return nil, fmt.Errorf("unknown timeline format %q (want one of %s)", format, strings.Join(Formats, ", "))
}
