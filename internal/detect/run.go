package detect

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// RunOptions restrict a hunt.
type RunOptions struct {
	// MinLevel skips rules below it (SeverityUnknown runs all).
	MinLevel         event.Severity
	TimeFrom, TimeTo *time.Time
	// Table is the table the rules read (default: events); it must have
	// the events table's columns.
	Table string
	// LogTables replaces the S3 access and flow log tables for rules over
	// them (sigma.CompileOptions.LogTables).
	LogTables map[string]string
	// Progress, if set, is called after each rule.
	Progress func(done, total int, rule *sigma.Rule)
	// Logger gets, at debug level, how the rules were run (candidate
	// events copied, fallbacks); nil discards it.
	Logger *slog.Logger
}

func (o RunOptions) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// Result is what a hunt found.
type Result struct {
	RulesRun int             `json:"rules_run"`
	Hits     []event.Finding `json:"hits"`
	Errors   []RuleError     `json:"errors"`
	Skipped  []RuleError     `json:"skipped,omitempty"`
	Seconds  float64         `json:"seconds"`
}

// Run compiles every rule of the pack for DuckDB and runs it on db. A rule
// that fails to compile or run is reported in Result.Errors; the others go on.
// Rules that can match only a few event names read a copy of those events
// (candidates.go); each rule is still its own query.
func Run(ctx context.Context, db *sql.DB, p *Pack, opts RunOptions) (*Result, error) {
	start := time.Now()
	res := &Result{Hits: []event.Finding{}, Errors: append([]RuleError{}, p.Errors...), Skipped: p.Skipped}
	rules := p.Runnable(opts.MinLevel)
	// One connection: the candidate table is a TEMP table, seen by the
	// connection that made it only.
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("hunt: %w", err)
	}
	defer conn.Close()
	cands := prepareCandidates(ctx, conn, rules, opts)
	defer cands.drop(ctx, conn)
	for i, r := range rules {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := cands.run(ctx, conn, r, opts)
		if err != nil {
			res.Errors = append(res.Errors, RuleError{RuleID: r.ID, Title: r.Title, Source: r.Source, Error: err.Error()})
		} else {
			res.RulesRun++
			if f != nil {
				res.Hits = append(res.Hits, *f)
			}
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(rules), r)
		}
	}
	SortHits(res.Hits)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// SortHits orders hits by level, highest first, then by first event.
func SortHits(hits []event.Finding) {
	sort.SliceStable(hits, func(i, j int) bool {
		a, _ := event.ParseSeverity(hits[i].Level)
		b, _ := event.ParseSeverity(hits[j].Level)
		if a != b {
			return a > b
		}
		if !hits[i].FirstSeen.Equal(hits[j].FirstSeen) {
			return hits[i].FirstSeen.Before(hits[j].FirstSeen)
		}
		if hits[i].Title != hits[j].Title {
			return hits[i].Title < hits[j].Title
		}
		return hits[i].RuleID < hits[j].RuleID
	})
}

// Runnable returns the rules a hunt runs: those at or above min
// (SeverityUnknown: all), leaving out rules that only feed correlations.
// Sigma v2: such a rule reports nothing itself unless a correlation asks
// for it with generate: true.
func (p *Pack) Runnable(min event.Severity) []*sigma.Rule {
	feeds := p.feeders()
	var rules []*sigma.Rule
	for _, r := range p.Rules {
		if feeds[r] {
			continue
		}
		if min != event.SeverityUnknown {
			lvl, _ := event.ParseSeverity(r.Level)
			if lvl < min {
				continue
			}
		}
		rules = append(rules, r)
	}
	return rules
}

// feeders are the rules that only feed correlations: referenced by a
// correlation without generate: true, and by none with it.
func (p *Pack) feeders() map[*sigma.Rule]bool {
	feeds := map[*sigma.Rule]bool{}
	for _, r := range p.Rules {
		if c := r.Correlation; c != nil && !c.Generate {
			for _, b := range c.Bases() {
				if b != r { // a legacy "| count()" rule correlates itself
					feeds[b] = true
				}
			}
		}
	}
	for _, r := range p.Rules {
		if c := r.Correlation; c != nil && c.Generate {
			for _, b := range c.Bases() {
				delete(feeds, b)
			}
		}
	}
	return feeds
}

// RunRule runs one rule on its own over table (the events table when
// empty), without a hunt's candidate copy: Calibrate, rule fixtures.
func RunRule(ctx context.Context, db *sql.DB, r *sigma.Rule, opts RunOptions, table string) (*event.Finding, error) {
	return runRuleOn(ctx, db, r, opts, table)
}

// NewFinding is a finding of rule r with its metadata and no events yet.
func NewFinding(r *sigma.Rule) *event.Finding {
	f := &event.Finding{
		RuleID: r.ID, Title: r.Title, Level: r.Level, Tags: r.Tags, Tactics: r.Tactics(),
		Techniques: r.Techniques(), Description: strings.TrimSpace(r.Description), Source: r.Source,
		Correlation: r.IsCorrelation(), EventIDs: []string{},
	}
	if rem, ok := r.Custom["remediation"].(string); ok {
		f.Remediation = strings.TrimSpace(rem)
	}
	return f
}

// Compile returns a rule's DuckDB query for the case database.
func Compile(r *sigma.Rule, opts RunOptions) (string, error) {
	return sigma.Compile(r, sigma.DuckDB, sigma.CompileOptions{TimeFrom: opts.TimeFrom, TimeTo: opts.TimeTo})
}

// querier is a database or one of its connections.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// runRuleOn runs r over table (the events table when empty).
func runRuleOn(ctx context.Context, db querier, r *sigma.Rule, opts RunOptions, table string) (*event.Finding, error) {
	// EventsOnly: a hunt keeps the union of a correlation's windows, not
	// each window's list (on a large case, per-window lists repeat an event
	// once per overlapping window: tens of millions of ids).
	q, err := sigma.Compile(r, sigma.DuckDB, sigma.CompileOptions{TimeFrom: opts.TimeFrom, TimeTo: opts.TimeTo, Table: table, EventsOnly: true, LogTables: opts.LogTables})
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("running: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	hc, err := findHitColumns(cols)
	if err != nil {
		return nil, err
	}
	fc := &findingCollector{f: NewFinding(r), seen: map[string]bool{}}
	if err := fc.scan(rows, hc, len(cols)); err != nil {
		return nil, err
	}
	return fc.finish(), nil
}

// hitColumns are the positions of the columns a rule's query may return
// (-1 when absent): event rows (event_id, event_time, n_windows) or, for
// a correlation with per-window lists, window rows (event_ids,
// window_start, window_end).
type hitColumns struct {
	id, time, list, start, end, windows int
}

// findHitColumns locates the hit columns among cols; a query must return
// event_id or event_ids.
func findHitColumns(cols []string) (hitColumns, error) {
	hc := hitColumns{-1, -1, -1, -1, -1, -1}
	byName := map[string]*int{
		"event_id": &hc.id, "event_time": &hc.time, "event_ids": &hc.list,
		"window_start": &hc.start, "window_end": &hc.end, "n_windows": &hc.windows,
	}
	for i, c := range cols {
		if p, ok := byName[c]; ok {
			*p = i
		}
	}
	if hc.id < 0 && hc.list < 0 {
		return hc, fmt.Errorf("query returns neither event_id nor event_ids (columns %s)", strings.Join(cols, ", "))
	}
	return hc, nil
}

// findingCollector gathers a rule's rows into its finding: distinct event
// ids in the order met, the time range, the number of windows.
type findingCollector struct {
	f    *event.Finding
	seen map[string]bool
}

// scan reads every row of rows (n columns, placed as hc says).
func (fc *findingCollector) scan(rows *sql.Rows, hc hitColumns, n int) error {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if hc.list >= 0 {
			fc.addWindow(vals, hc)
		} else {
			fc.addEvent(vals, hc)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("running: %w", err)
	}
	return nil
}

// addWindow takes a window row: its list of ids and its start and end.
func (fc *findingCollector) addWindow(vals []any, hc hitColumns) {
	fc.f.Windows++
	ids, _ := vals[hc.list].([]any)
	for _, id := range ids {
		if s, ok := id.(string); ok {
			fc.addID(s)
		}
	}
	if hc.start >= 0 {
		t, _ := vals[hc.start].(time.Time)
		fc.see(t)
	}
	if hc.end >= 0 {
		t, _ := vals[hc.end].(time.Time)
		fc.see(t)
	}
}

// addEvent takes an event row: its id and time, and the number of windows
// a correlation's event rows carry.
func (fc *findingCollector) addEvent(vals []any, hc hitColumns) {
	if hc.windows >= 0 {
		if n, ok := vals[hc.windows].(int64); ok {
			fc.f.Windows = int(n)
		}
	}
	id, _ := vals[hc.id].(string)
	if id != "" {
		fc.addID(id)
	}
	if hc.time >= 0 {
		t, _ := vals[hc.time].(time.Time)
		fc.see(t)
	}
}

func (fc *findingCollector) addID(id string) {
	if !fc.seen[id] {
		fc.seen[id] = true
		fc.f.EventIDs = append(fc.f.EventIDs, id)
	}
}

// see widens the finding's time range to t (a zero t is no time).
func (fc *findingCollector) see(t time.Time) {
	if t.IsZero() {
		return
	}
	f := fc.f
	if f.FirstSeen.IsZero() || t.Before(f.FirstSeen) {
		f.FirstSeen = t
	}
	if t.After(f.LastSeen) {
		f.LastSeen = t
	}
}

// finish returns the finding, or nil when no event matched.
func (fc *findingCollector) finish() *event.Finding {
	f := fc.f
	if len(f.EventIDs) == 0 {
		return nil
	}
	f.Count = len(f.EventIDs)
	// Engines return rows in no fixed order; reports must not vary.
	slices.Sort(f.EventIDs)
	f.FirstSeen, f.LastSeen = f.FirstSeen.UTC(), f.LastSeen.UTC()
	return f
}
