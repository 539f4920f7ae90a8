// Package remote runs trailsleuth's queries where the logs already are —
// Athena over a trail bucket or a CloudTrail Lake event data store — and
// turns the answers into what the local engine produces: detection findings
// (Hunt) or a case database holding the events in scope (Collect).
//
// It speaks to the services through Runner, implemented by internal/athena
// and internal/lake, so the SQL it writes and the rows it reads are tested
// without AWS.
package remote

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// Result is one finished query: its rows as text, NULL as nil, in the
// order of Columns (Athena's header row already removed).
type Result struct {
	QueryID string
	Columns []string
	Rows    [][]*string
	Stats   Stats
}

// index maps lower-cased column names to positions: Athena lower-cases
// every name, and CloudTrail Lake leaves NULL values out of a row, so
// columns are found by name, never by position alone.
func (r *Result) index() map[string]int {
	m := make(map[string]int, len(r.Columns))
	for i, c := range r.Columns {
		m[strings.ToLower(c)] = i
	}
	return m
}

// cell is row's value at column i (nil when absent or NULL).
func (r *Result) cell(row []*string, i int) *string {
	if i < 0 || i >= len(row) {
		return nil
	}
	return row[i]
}

// Stats are what a query cost.
type Stats struct {
	BytesScanned int64
	// BytesBilled is what the price applies to (Athena bills at least 10 MB
	// per query).
	BytesBilled int64
	CostUSD     float64
}

// PricePerTB is the on-demand price of Athena and of CloudTrail Lake
// queries: USD 5 per TB scanned (Lake: USD 0.005 per GB).
const PricePerTB = 5.0

// CostOf prices bytes billed at PricePerTB (1 TB = 2^40 bytes).
func CostOf(billed int64) float64 { return float64(billed) / (1 << 40) * PricePerTB }

// Runner runs one SQL statement to completion and returns every row.
type Runner interface {
	Run(ctx context.Context, sql string) (*Result, error)
}

// Style names how a table is partitioned, so queries can carry predicates
// that let Athena read only the window's folders.
type Style string

// The partition styles.
const (
	// PartitionsNone: no partition columns are used (a manual-partition
	// table, or CloudTrail Lake).
	PartitionsNone Style = "none"
	// PartitionsTimestamp: AWS's documented partition-projection table, one
	// account and region, partition column "timestamp" (yyyy/MM/dd).
	PartitionsTimestamp Style = "timestamp"
	// PartitionsProjection: the table "trailsleuth athena ddl --projection"
	// prints: partition columns account, region and "timestamp".
	PartitionsProjection Style = "projection"
)

// Styles lists the partition styles.
var Styles = []Style{PartitionsNone, PartitionsTimestamp, PartitionsProjection}

// ParseStyle checks a --athena-partitions value.
func ParseStyle(s string) (Style, error) {
	for _, st := range Styles {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("partition style %q: want none, timestamp or projection", s)
}

// Target is what the queries read.
type Target struct {
	// Dialect is sigma.Athena or sigma.Lake.
	Dialect sigma.Dialect
	// Table is "database.table" (Athena) or the event data store id (Lake).
	Table      string
	Partitions Style
}

func (t Target) lake() bool { return t.Dialect == sigma.Lake }

// Query records one query that ran, for the user and the report.
type Query struct {
	Purpose string `json:"purpose"`
	ID      string `json:"query_id"`
	Rows    int    `json:"rows"`
	Stats
}

// Ledger adds up the queries of a run; safe for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	queries []Query
}

func (l *Ledger) add(purpose string, r *Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries = append(l.queries, Query{Purpose: purpose, ID: r.QueryID, Rows: len(r.Rows), Stats: r.Stats})
}

// Queries returns the queries run so far.
func (l *Ledger) Queries() []Query {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Query(nil), l.queries...)
}

// Total sums the queries' statistics.
func (l *Ledger) Total() (n int, st Stats) {
	for _, q := range l.Queries() {
		n++
		st.BytesScanned += q.BytesScanned
		st.BytesBilled += q.BytesBilled
		st.CostUSD += q.CostUSD
	}
	return n, st
}

// Summary is the line printed after a remote run.
func (l *Ledger) Summary(engine string) string {
	n, st := l.Total()
	return fmt.Sprintf("%s: %d queries, %s scanned, estimated cost $%.6f (at $%.0f per TB", engine, n, HumanBytes(st.BytesScanned), st.CostUSD, PricePerTB) +
		map[bool]string{true: ")", false: ", 10 MB minimum per query)"}[engine == "lake"]
}

// HumanBytes formats a byte count with a binary unit.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Poll calls check until it reports done or fails, waiting first, then
// twice as long each time up to limit (defaults 1s and 5s). When ctx ends
// first, abandon is called (to stop the query, which would go on scanning
// and billing) and ctx's error returned.
func Poll(ctx context.Context, first, limit time.Duration, check func() (bool, error), abandon func()) error {
	if first <= 0 {
		first = time.Second
	}
	if limit <= 0 {
		limit = 5 * time.Second
	}
	delay := first
	for {
		done, err := check()
		if err != nil || done {
			if ctx.Err() != nil {
				abandon()
			}
			return err
		}
		select {
		case <-ctx.Done():
			abandon()
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, limit)
	}
}
