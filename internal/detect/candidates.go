package detect

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// A rule's query scans the whole table for the few events it can match, so
// a hunt that ran each rule on the case cost one scan per rule. Nearly
// every rule names the API calls it is about (eventName), and most of those
// calls are rare. So a hunt first reads the table's distinct event names
// with their counts, works out which names each rule can match (the rule's
// own tests of eventName, sigma.Footprint.NameGuard, run on the names), and
// copies the events of the rarer names, with only the columns the rules
// read, into a temporary table in one scan. Each rule then reads only its
// own names' events: from that copy, or from the case when its names are
// too common to copy. Rules that can match any name run over the whole
// table as before. A rule's query is the same either way and what it reads
// holds every event it could match, so it finds the same events; the rules
// are still one query each (DuckDB's planning of a rule, about 2 ms, is
// now most of what a rule on the copy costs).

// candidateTable is the temporary table of candidate events.
const candidateTable = "temp.main.trailsleuth_hunt_candidates"

// The copy holds at most 1/candidateShare of the events in the hunt's
// scope, or candidateFloor events in a smaller case. Beyond that it would
// hold the JSON columns of many events in memory, and it is worth making
// only while it is much smaller than the table.
const (
	candidateShare = 16
	candidateFloor = 50_000
)

// candidates says where each rule of a hunt reads its events.
type candidates struct {
	base   string               // the hunt's table (RunOptions.Table)
	table  string               // the candidate table, "" when none was made
	routed map[*sigma.Rule]bool // rules that read the candidate table
	names  []nameCount
	// matches holds, for each rule with a name guard, the names it can
	// match (indexes into names).
	matches map[*sigma.Rule][]int
	log     *slog.Logger
}

// routes is the plan: which rules read the copy, and what to copy.
type routes struct {
	rules   []*sigma.Rule
	columns map[string]bool
	names   map[int]bool // indexes into the distinct names
}

// nameCount is one distinct event name of the hunt's scope.
type nameCount struct {
	name, lower sql.NullString
	n           int64
}

// prepareCandidates plans the hunt and makes the candidate table on conn.
// It never fails: when a step fails, the rules concerned (all, for the
// copy) run over the whole table, which is what the copy stands in for.
func prepareCandidates(ctx context.Context, conn *sql.Conn, rules []*sigma.Rule, opts RunOptions) *candidates {
	start := time.Now()
	c := &candidates{base: opts.Table, routed: map[*sigma.Rule]bool{}, log: opts.logger()}
	copts := sigma.CompileOptions{TimeFrom: opts.TimeFrom, TimeTo: opts.TimeTo}
	var guarded []*sigma.Rule
	fps := map[*sigma.Rule]sigma.Footprint{}
	for _, r := range rules {
		// A rule that does not compile runs alone, to report why.
		if fp, err := sigma.DuckDBFootprint(r, copts); err == nil && fp.NameGuard != "" {
			guarded = append(guarded, r)
			fps[r] = fp
		}
	}
	if len(guarded) == 0 {
		return c
	}
	table := cmp.Or(opts.Table, "events")
	window, err := sigma.TimeCondition(sigma.DuckDB, copts)
	if err != nil {
		return c
	}
	names, err := distinctNames(ctx, conn, table, window)
	if err != nil {
		c.log.Debug("hunt: reading event names", "err", err)
		return c
	}
	matches := guardMatches(ctx, conn, names, guarded, fps, c.log)
	c.names, c.matches = names, matches
	plan := route(names, guarded, matches, fps)
	if len(plan.rules) == 0 {
		return c
	}
	copied, err := copyCandidates(ctx, conn, table, window, names, plan)
	if err != nil {
		c.log.Debug("hunt: copying candidate events", "err", err)
		return c
	}
	c.table = candidateTable
	for _, r := range plan.rules {
		c.routed[r] = true
	}
	c.log.Debug("hunt: candidate events copied", "rules", len(plan.rules), "of", len(rules), "names", len(plan.names),
		"events", copied, "columns", strings.Join(sortedSet(plan.columns), ","), "seconds", time.Since(start).Seconds())
	return c
}

// source is what rule r reads: its names' events, from the candidate
// table when it was routed there, else from the hunt's table; the hunt's
// table itself when r has no name guard. (Restricting a rule to its names
// in the scan matters for a rule whose condition ORs several calls: DuckDB
// cannot push its tests into the scan, and would read the JSON fields of
// every event.)
func (c *candidates) source(r *sigma.Rule) string {
	idx, ok := c.matches[r]
	switch {
	case !ok:
		return c.base
	case c.routed[r]:
		return "(SELECT * FROM " + c.table + " WHERE " + nameCond(c.names, idx, true) + ") AS rule_events"
	}
	return "(SELECT * FROM " + cmp.Or(c.base, "events") + " WHERE " + nameCond(c.names, idx, false) + ") AS rule_events"
}

// reads says in a word what source(r) is, for the debug log.
func (c *candidates) reads(r *sigma.Rule) string {
	if _, ok := c.matches[r]; !ok {
		return "all events"
	}
	if c.routed[r] {
		return "the copy"
	}
	return "its names' events"
}

// drop removes the candidate table (it would outlive the hunt on the
// connection, which goes back to the pool).
func (c *candidates) drop(ctx context.Context, conn *sql.Conn) {
	if c.table == "" {
		return
	}
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+c.table); err != nil {
		c.log.Debug("hunt: dropping the candidate table", "err", err)
	}
}

func distinctNames(ctx context.Context, conn *sql.Conn, table, window string) ([]nameCount, error) {
	q := "SELECT event_name, lower(event_name), count(*) FROM " + table + where(window) + " GROUP BY event_name"
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []nameCount
	for rows.Next() {
		var nc nameCount
		if err := rows.Scan(&nc.name, &nc.lower, &nc.n); err != nil {
			return nil, err
		}
		out = append(out, nc)
	}
	return out, rows.Err()
}

// guardMatches runs each rule's name guard on the distinct names: for each
// rule, the indexes of the names it can match. A rule whose guard fails to
// run is left out (it runs over the whole table).
func guardMatches(ctx context.Context, conn *sql.Conn, names []nameCount, rules []*sigma.Rule, fps map[*sigma.Rule]sigma.Footprint, log *slog.Logger) map[*sigma.Rule][]int {
	out := map[*sigma.Rule][]int{}
	if len(names) == 0 {
		for _, r := range rules {
			out[r] = nil
		}
		return out
	}
	var vals []string
	for i, nc := range names {
		v := "NULL"
		if nc.name.Valid {
			v = sqlquote.String(nc.name.String)
		}
		vals = append(vals, "("+strconv.Itoa(i)+", "+v+")")
	}
	from := " FROM (VALUES " + strings.Join(vals, ", ") + ") AS t(i, event_name)"
	eval := func(rs []*sigma.Rule) error {
		var gs []string
		for _, r := range rs {
			gs = append(gs, "COALESCE("+fps[r].NameGuard+", FALSE)")
		}
		rows, err := conn.QueryContext(ctx, "SELECT i, ["+strings.Join(gs, ", ")+"]"+from)
		if err != nil {
			return err
		}
		defer rows.Close()
		got := map[*sigma.Rule][]int{}
		for rows.Next() {
			var i int
			var hits []any
			if err := rows.Scan(&i, &hits); err != nil {
				return err
			}
			if len(hits) != len(rs) || i < 0 || i >= len(names) {
				return fmt.Errorf("name guards: got %d values for name %d, want %d", len(hits), i, len(rs))
			}
			for k, h := range hits {
				if b, _ := h.(bool); b {
					got[rs[k]] = append(got[rs[k]], i)
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range rs {
			out[r] = got[r]
			slices.Sort(out[r])
		}
		return nil
	}
	if err := eval(rules); err != nil {
		// One guard spoiled the batch: try each alone.
		log.Debug("hunt: name guards", "err", err)
		for _, r := range rules {
			if err := eval([]*sigma.Rule{r}); err != nil {
				delete(out, r)
			}
		}
	}
	return out
}

// route picks the rules that read the copy: fewest candidate events first,
// while the copy stays within its share of the events. Rules that read the
// raw event are left out: copying raw for events spread over the table
// decompresses nearly all of it (ten times the cost of the copy without it
// on 5 M events), where such a rule alone reads raw only near its events.
func route(names []nameCount, rules []*sigma.Rule, matches map[*sigma.Rule][]int, fps map[*sigma.Rule]sigma.Footprint) routes {
	var total int64
	for _, nc := range names {
		total += nc.n
	}
	count := func(idx []int) int64 {
		var n int64
		for _, i := range idx {
			n += names[i].n
		}
		return n
	}
	var order []*sigma.Rule
	for _, r := range rules {
		if _, ok := matches[r]; ok && !slices.Contains(fps[r].Columns, "raw") {
			order = append(order, r)
		}
	}
	slices.SortStableFunc(order, func(a, b *sigma.Rule) int { return cmp.Compare(count(matches[a]), count(matches[b])) })
	p := routes{columns: map[string]bool{"event_name": true}, names: map[int]bool{}}
	var copied int64
	for _, r := range order {
		var added int64
		for _, i := range matches[r] {
			if !p.names[i] {
				added += names[i].n
			}
		}
		if copied+added > max(total/candidateShare, candidateFloor) {
			continue
		}
		copied += added
		for _, i := range matches[r] {
			p.names[i] = true
		}
		for _, col := range fps[r].Columns {
			p.columns[col] = true
		}
		p.rules = append(p.rules, r)
	}
	return p
}

// copyCandidates copies the events of the planned names, with the planned
// columns, into the candidate table.
func copyCandidates(ctx context.Context, conn *sql.Conn, table, window string, names []nameCount, p routes) (int64, error) {
	idx := make([]int, 0, len(p.names))
	for i := range p.names {
		idx = append(idx, i)
	}
	cond := nameCond(names, idx, false)
	if window != "" {
		cond += " AND " + window
	}
	var cols []string
	for _, col := range sortedSet(p.columns) {
		cols = append(cols, `"`+col+`"`)
	}
	q := "CREATE OR REPLACE TEMP TABLE " + candidateTable + " AS SELECT " + strings.Join(cols, ", ") + " FROM " + table + " WHERE " + cond + " ORDER BY event_name"
	var n int64 // DuckDB answers CREATE TABLE AS with the number of rows
	if err := conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// nameCond is a condition selecting the events whose name is one of
// names[idx]. On the case (compressed, large) it tests lower(event_name):
// DuckDB applies a function of a column inside its scan, reading the other
// columns only for the rows kept, while it applies an IN list on the bare
// column after reading them for every row (names equal but for case are
// selected too; the rules' own conditions sort them out). On the candidate
// table (in memory, sorted by name: exact) it tests the names themselves,
// which DuckDB checks against each segment's range of names first, so a
// rule reads only the stretch of the copy that holds its names.
func nameCond(names []nameCount, idx []int, exact bool) string {
	var vals []string
	null := false
	seen := map[string]bool{}
	for _, i := range idx {
		v := names[i].lower
		if exact {
			v = names[i].name
		}
		if !v.Valid {
			null = true
			continue
		}
		if !seen[v.String] {
			seen[v.String] = true
			vals = append(vals, sqlquote.String(v.String))
		}
	}
	slices.Sort(vals)
	col := "lower(event_name)"
	if exact {
		col = "event_name"
	}
	var conds []string
	if len(vals) > 0 {
		conds = append(conds, col+" IN ("+strings.Join(vals, ", ")+")")
	}
	if null {
		conds = append(conds, "event_name IS NULL")
	}
	switch len(conds) {
	case 0:
		return "FALSE"
	case 1:
		return conds[0]
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

func where(cond string) string {
	if cond == "" {
		return ""
	}
	return " WHERE " + cond
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// run runs rule r over its source. Should that fail, the hunt's table has
// the last word (and names the error as a hunt without the copy would).
func (c *candidates) run(ctx context.Context, conn *sql.Conn, r *sigma.Rule, opts RunOptions) (*event.Finding, error) {
	src := c.source(r)
	start := time.Now()
	f, err := runRuleOn(ctx, conn, r, opts, src)
	// Which rules a slow hunt spends its time on: --log-level debug.
	c.log.Debug("hunt: rule run", "rule", r.Source, "reads", c.reads(r), "seconds", time.Since(start).Seconds())
	if err != nil && src != c.base {
		c.log.Debug("hunt: rule failed on its names' events", "rule", r.Source, "err", err)
		return runRuleOn(ctx, conn, r, opts, c.base)
	}
	return f, err
}
