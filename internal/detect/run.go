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

// runRule runs one rule on the whole table, on its own (Calibrate).
func runRule(ctx context.Context, db *sql.DB, r *sigma.Rule, opts RunOptions) (*event.Finding, error) {
	return runRuleOn(ctx, db, r, opts, "")
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
	idCol, timeCol, listCol, startCol, endCol, windowsCol := -1, -1, -1, -1, -1, -1
	for i, c := range cols {
		switch c {
		case "event_id":
			idCol = i
		case "event_time":
			timeCol = i
		case "event_ids":
			listCol = i
		case "window_start":
			startCol = i
		case "window_end":
			endCol = i
		case "n_windows":
			windowsCol = i
		}
	}
	if idCol < 0 && listCol < 0 {
		return nil, fmt.Errorf("query returns neither event_id nor event_ids (columns %s)", strings.Join(cols, ", "))
	}
	f := NewFinding(r)
	seen := map[string]bool{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if f.FirstSeen.IsZero() || t.Before(f.FirstSeen) {
			f.FirstSeen = t
		}
		if t.After(f.LastSeen) {
			f.LastSeen = t
		}
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if listCol >= 0 {
			f.Windows++
			ids, _ := vals[listCol].([]any)
			for _, id := range ids {
				if s, ok := id.(string); ok && !seen[s] {
					seen[s] = true
					f.EventIDs = append(f.EventIDs, s)
				}
			}
			if startCol >= 0 {
				t, _ := vals[startCol].(time.Time)
				see(t)
			}
			if endCol >= 0 {
				t, _ := vals[endCol].(time.Time)
				see(t)
			}
			continue
		}
		if windowsCol >= 0 {
			if n, ok := vals[windowsCol].(int64); ok {
				f.Windows = int(n)
			}
		}
		id, _ := vals[idCol].(string)
		if id != "" && !seen[id] {
			seen[id] = true
			f.EventIDs = append(f.EventIDs, id)
		}
		if timeCol >= 0 {
			t, _ := vals[timeCol].(time.Time)
			see(t)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("running: %w", err)
	}
	if len(f.EventIDs) == 0 {
		return nil, nil
	}
	f.Count = len(f.EventIDs)
	// Engines return rows in no fixed order; reports must not vary.
	slices.Sort(f.EventIDs)
	f.FirstSeen, f.LastSeen = f.FirstSeen.UTC(), f.LastSeen.UTC()
	return f, nil
}
