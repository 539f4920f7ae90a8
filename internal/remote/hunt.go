package remote

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// HuntOptions restrict a remote hunt.
type HuntOptions struct {
	MinLevel event.Severity
	Scope    Scope
	// Parallel bounds the queries running at once (default 4; Athena's
	// default quota is 20-25 active DML queries per account and region).
	Parallel int
	// Ledger collects the queries' statistics (required).
	Ledger *Ledger
	// Progress, if set, is called after each rule; Query, after each query.
	Progress func(done, total int, r *sigma.Rule)
	Query    func(r *sigma.Rule, q Query)
}

// RuleSQL is the query Hunt sends for rule r: its compiled SQL for the
// target's dialect over the scope, wrapped so times and id lists come back
// as ISO 8601 text and comma-separated ids, which parse the same from both
// services.
func RuleSQL(r *sigma.Rule, t Target, s Scope) (string, error) {
	inner, err := sigma.Compile(r, t.Dialect, sigma.CompileOptions{Table: t.source(s), TimeFrom: s.Since, TimeTo: s.Until})
	if err != nil {
		return "", err
	}
	// Athena's event_time has a zone (to_iso8601 keeps it); Lake's
	// timestamps are UTC without one, and CAST to varchar is the most
	// basic way to print them.
	text := func(col string) string { return "to_iso8601(" + col + ")" }
	if t.lake() {
		text = func(col string) string { return "CAST(" + col + " AS varchar)" }
	}
	if r.IsCorrelation() {
		return "SELECT array_join(event_ids, ',') AS event_ids, " + text("window_start") + " AS window_start, " + text("window_end") + " AS window_end\nFROM (\n" + inner + ") AS hit\n", nil
	}
	return "SELECT event_id, " + text("event_time") + " AS event_time\nFROM (\n" + inner + ") AS hit\n", nil
}

// Hunt runs the pack's rules on the remote engine and returns the same
// result detect.Run gives on the case database. Rules the dialect cannot
// express, and queries that fail, are reported per rule in Result.Errors.
func Hunt(ctx context.Context, run Runner, t Target, p *detect.Pack, o HuntOptions) (*detect.Result, error) {
	start := time.Now()
	res := &detect.Result{Hits: []event.Finding{}, Errors: append([]detect.RuleError{}, p.Errors...), Skipped: p.Skipped}
	var rules []*sigma.Rule
	for _, r := range p.Runnable(o.MinLevel) {
		if r.LogTable() != "" {
			// S3 access and flow logs are read into the case only.
			res.Skipped = append(res.Skipped, detect.RuleError{RuleID: r.ID, Title: r.Title, Source: r.Source, Error: sigma.ErrCaseOnly.Error()})
			continue
		}
		rules = append(rules, r)
	}
	par := o.Parallel
	if par <= 0 {
		par = 4
	}
	type outcome struct {
		f   *event.Finding
		err error
	}
	outs := make([]outcome, len(rules))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	sem := make(chan struct{}, par)
	for i, r := range rules {
		q, err := RuleSQL(r, t, o.Scope)
		if err != nil {
			outs[i].err = err
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				outs[i].err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			f, err := huntRule(ctx, run, r, q, o)
			outs[i] = outcome{f, err}
			if o.Progress != nil {
				mu.Lock()
				done++
				o.Progress(done, len(rules), r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, r := range rules {
		switch out := outs[i]; {
		case out.err != nil:
			res.Errors = append(res.Errors, detect.RuleError{RuleID: r.ID, Title: r.Title, Source: r.Source, Error: out.err.Error()})
		default:
			res.RulesRun++
			if out.f != nil {
				res.Hits = append(res.Hits, *out.f)
			}
		}
	}
	detect.SortHits(res.Hits)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func huntRule(ctx context.Context, run Runner, r *sigma.Rule, q string, o HuntOptions) (*event.Finding, error) {
	rs, err := run.Run(ctx, q)
	if err != nil {
		return nil, err
	}
	purpose := "rule " + r.ID
	o.Ledger.add(purpose, rs)
	if o.Query != nil {
		o.Query(r, Query{Purpose: purpose, ID: rs.QueryID, Rows: len(rs.Rows), Stats: rs.Stats})
	}
	return findingOf(r, rs)
}

// findingOf reads the wrapped query's rows (see RuleSQL) into a finding,
// nil when nothing matched.
func findingOf(r *sigma.Rule, rs *Result) (*event.Finding, error) {
	want := []string{"event_id", "event_time"}
	if r.IsCorrelation() {
		want = []string{"event_ids", "window_start", "window_end"}
	}
	idx := rs.index()
	pos := make([]int, len(want))
	for i, w := range want {
		p, ok := idx[w]
		if !ok && len(rs.Rows) > 0 && i == 0 {
			return nil, fmt.Errorf("query %s returned columns %v, want %v", rs.QueryID, rs.Columns, want)
		}
		if !ok {
			p = -1
		}
		pos[i] = p
	}
	f := detect.NewFinding(r)
	seen := map[string]bool{}
	addID := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			f.EventIDs = append(f.EventIDs, id)
		}
	}
	see := func(s *string) error {
		if s == nil {
			return nil
		}
		t, err := ParseTime(*s)
		if err != nil {
			return fmt.Errorf("query %s: %w", rs.QueryID, err)
		}
		if f.FirstSeen.IsZero() || t.Before(f.FirstSeen) {
			f.FirstSeen = t
		}
		if t.After(f.LastSeen) {
			f.LastSeen = t
		}
		return nil
	}
	for _, row := range rs.Rows {
		if r.IsCorrelation() {
			f.Windows++
			if ids := rs.cell(row, pos[0]); ids != nil {
				for _, id := range strings.Split(*ids, ",") {
					addID(strings.TrimSpace(id))
				}
			}
			if err := see(rs.cell(row, pos[1])); err != nil {
				return nil, err
			}
			if err := see(rs.cell(row, pos[2])); err != nil {
				return nil, err
			}
			continue
		}
		if id := rs.cell(row, pos[0]); id != nil {
			addID(*id)
		}
		if err := see(rs.cell(row, pos[1])); err != nil {
			return nil, err
		}
	}
	if len(f.EventIDs) == 0 {
		return nil, nil
	}
	f.Count = len(f.EventIDs)
	f.FirstSeen, f.LastSeen = f.FirstSeen.UTC(), f.LastSeen.UTC()
	return f, nil
}

// ParseTime reads the times both services print: ISO 8601 with or without
// a zone (Trino's to_iso8601, CloudTrail's eventTime) and Trino's
// "2006-01-02 15:04:05.000" (CloudTrail Lake's timestamp columns, UTC).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), " UTC")
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}
