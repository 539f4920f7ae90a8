package sigma

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// baseRules checks a correlation's references and returns the rules whose
// detections it correlates.
func baseRules(r *Rule, d Dialect) ([]*Rule, error) {
	c := r.Correlation
	for i, b := range c.bases {
		if b == nil {
			return nil, fmt.Errorf("sigma: correlation %s: rule %q is not linked (parse it with the rules it refers to, or call Link)", r.label(), c.Rules[i])
		}
		if b.Detection == nil || (b.Correlation != nil && b != r) {
			return nil, &UnsupportedError{Rule: r.label(), Dialect: d, Construct: fmt.Sprintf("correlation over correlation rule %s", b.label())}
		}
	}
	return c.bases, nil
}

// compileCorrelation writes a correlation as one query returning a row per
// qualifying window (unordered): the group-by values, window_start,
// window_end, match_count and event_ids (sorted).
func compileCorrelation(r *Rule, d dialect, opts CompileOptions) (string, error) {
	c := r.Correlation
	bases, err := baseRules(r, d.name())
	if err != nil {
		return "", err
	}
	var selects []string
	for i, b := range bases {
		q, err := newQuery(b, d, opts)
		if err != nil {
			return "", relabel(err, r)
		}
		w, err := q.where()
		if err != nil {
			return "", relabel(err, r)
		}
		cols := []string{alias(d.eventID(), "event_id"), alias(d.timeExpr(), "event_time"), strconv.Itoa(i) + " AS rule_idx"}
		for gi, g := range c.GroupBy {
			e, err := q.scalar(c.groupField(g, i))
			if err != nil {
				return "", relabel(err, r)
			}
			cols = append(cols, e+" AS g"+strconv.Itoa(gi+1))
		}
		if c.Type == ValueCount {
			e, err := q.scalar(c.Field)
			if err != nil {
				return "", relabel(err, r)
			}
			cols = append(cols, e+" AS val")
		}
		selects = append(selects, "    SELECT "+strings.Join(cols, ", ")+"\n    FROM "+
			strings.ReplaceAll(q.source(), "\n", "\n    ")+"\n    WHERE "+strings.ReplaceAll(w, "\n", "\n    ")+
			"\n      AND "+d.timeExpr()+" IS NOT NULL")
	}
	var sb strings.Builder
	sb.WriteString("WITH base AS (\n" + strings.Join(selects, "\n    UNION ALL\n") + "\n)")

	var gcols []string
	for gi := range c.GroupBy {
		gcols = append(gcols, "g"+strconv.Itoa(gi+1))
	}
	var conds []string
	ops := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "="}
	for _, t := range c.Condition {
		conds = append(conds, "match_count "+ops[t.Op]+" "+strconv.Itoa(t.N))
	}
	var out []string
	for gi, g := range c.GroupBy {
		out = append(out, "g"+strconv.Itoa(gi+1)+" AS "+d.quoteIdent(g))
	}
	if c.Timespan > 0 && opts.EventsOnly {
		if d.name() != DuckDB {
			return "", &UnsupportedError{Rule: r.label(), Dialect: d.name(), Construct: "EventsOnly correlation output"}
		}
		sb.WriteString(windowedCorrelation(c, d, gcols, strings.Join(conds, " AND "), true))
		sb.WriteString(correlationEvents(gcols))
		return sb.String(), nil
	}
	if c.Timespan > 0 {
		sb.WriteString(windowedCorrelation(c, d, gcols, strings.Join(conds, " AND "), false))
		out = append(out, "window_start", "window_start + "+d.interval(c.Timespan)+" AS window_end", "match_count",
			d.pickIDs("ids_sorted", "ranks", "lo", "hi", "reused")+" AS event_ids")
		from := d.explode("grouped AS w\n    JOIN ids AS i ON "+onGroups(gcols, "w", "i"),
			append(prefixAll(gcols, "w."), "i.ranks", "i.ids_sorted", "i.reused"),
			[]string{"w.starts", "w.los", "w.his", "w.counts"}, []string{"window_start", "lo", "hi", "match_count"})
		fmt.Fprintf(&sb, "\nSELECT %s\nFROM %s\n", strings.Join(out, ", "), from)
		return sb.String(), nil
	}
	// A legacy aggregation without a timeframe: one window per group.
	agg := map[CorrelationType]string{
		EventCount: "count(DISTINCT b.event_id)", ValueCount: "count(DISTINCT b.val)",
		Temporal: "count(DISTINCT b.rule_idx)", TemporalOrdered: "count(DISTINCT b.rule_idx)",
	}[c.Type]
	fmt.Fprintf(&sb, ",\nwindows AS (\n    SELECT %smin(b.event_time) AS window_start, max(b.event_time) AS window_end, %s AS match_count, %s AS event_ids\n    FROM base AS b%s\n    HAVING count(*) > 0\n)",
		trailing(prefixAll(gcols, "b."), ", "), agg, d.sortedIDs("b.event_id"), groupBy(gcols))
	out = append(out, "window_start", "window_end", "match_count", "event_ids")
	fmt.Fprintf(&sb, "\nSELECT %s\nFROM windows\nWHERE %s\n", strings.Join(out, ", "), strings.Join(conds, " AND "))
	return sb.String(), nil
}

// windowedCorrelation writes the CTEs after base of a correlation with a
// timespan, ending with "grouped" (per group: its qualifying windows'
// starts, lo, hi and counts as parallel arrays ordered by start) and "ids"
// (per group with a qualifying window: its events' id ranks in time order,
// its distinct ids sorted, and whether an id occurs in several rows).
//
// Groups that cannot reach the condition's lower bound over all their
// events are left out first (keptGroups). Every step is a sort, a hash
// aggregate or an equi-join, so the query takes O(n log n) for n
// correlated events plus the size of its output.
// (It used to join every distinct event time t of a group with the group's
// events between t and t+timespan: quadratic in the events of a busy group.)
//
//   - ev holds each group's distinct (event id, time) rows (in DuckDB's
//     value_count, distinct (event id, time, value)), numbered by time (rn).
//     The window opening at t holds exactly the rows numbered lo..hi: lo is
//     the rank of t (the first rn at t, so that events at the same time open
//     one window) and hi the number of rows at or before t+timespan. The
//     rows with rn = lo are the windows, one per distinct time. id_rank
//     numbers the group's distinct ids in sort order; an id can be in
//     several rows (ids reused at other times, several values), which the
//     final list removes. (id_rank only without eventsOnly: the windows'
//     id lists need it, the union of their events does not.)
//   - event_count and value_count count distinct keys (event ids, values)
//     in a window. DuckDB has count(DISTINCT k) OVER a RANGE frame; Trino
//     has no DISTINCT window aggregates, and as a join it is quadratic, so
//     there: take each distinct (key, time) occurrence s and the key's
//     previous occurrence p. The key is in the window opening at t iff some
//     occurrence s has t <= s <= t+timespan; the first such s has p < t. So
//     occurrence s accounts for its key in exactly the windows opening at t
//     in [s-timespan, s] with t > p, intervals that are disjoint for one
//     key. A window's count is then the number of intervals containing its
//     start: a running sum of +1 where an interval opens and -1 after it
//     closes, read at each start, in the order (time, ord) where ord 0 opens
//     at s-timespan (inclusive: before the starts at that time), ord 1 is a
//     start, ord 2 opens after p or closes after s (exclusive: after them).
//   - temporal takes, for each rule, the first time at or after t of an
//     event of that rule (a running min over the following rows); the rule
//     is in the window when that time is at most t+timespan.
//   - temporal_ordered follows the same running mins: from a time t of rule
//     0, the first event of rule 1 at or after t (n1), then the first of
//     rule 2 at or after that (n2 of the row at time n1, an equi-join on the
//     group and time), and so on; the window qualifies when the last one is
//     at most t+timespan. Every rule then has an event in the window, so its
//     count is the number of rules.
//   - Event ids are gathered for qualifying windows only: each group's ids
//     are aggregated once, as id ranks in time order; the group's windows
//     are unnested beside that list and each takes its slice lo..hi, sorts
//     the ranks (integers, cheaper than ids) and maps them to ids. Joining
//     windows to their events row by row would hash-aggregate the whole
//     output at once (not memory-bounded: the windows of a busy group
//     overlap, so the output is much larger than the events), and joining
//     each window to its group's list would copy that list per window.
//
// The rows are not sorted: sorting lists of ids that outgrow the memory
// limit fails in DuckDB rather than spilling.
//
// With eventsOnly it stops after "windows" (see correlationEvents).
func windowedCorrelation(c *Correlation, d dialect, gcols []string, cond string, eventsOnly bool) string {
	w := newWindowed(c, d, gcols)
	var sb strings.Builder
	if lo := c.minCount(); lo >= 2 {
		sb.WriteString(keptGroups(c, gcols, lo))
		w.src = "kept"
	}
	sb.WriteString(w.evCTE(eventsOnly))
	sb.WriteString(w.windowsCTE(cond))
	if !eventsOnly {
		sb.WriteString(w.groupedIDsCTEs())
	}
	return sb.String()
}

// windowed holds what the CTEs of windowedCorrelation share: the correlation,
// its dialect and group columns, and SQL fragments derived from them.
type windowed struct {
	c      *Correlation
	d      dialect
	gcols  []string
	src    string // the CTE the rows come from: "base", or "kept" after keptGroups
	span   string // the timespan as an interval
	g      string // "g1, g2, " or ""
	part   string // "PARTITION BY g1, g2 " or ""
	byTime string // the window order: part + "ORDER BY event_time"
	// counted: event_count and value_count (distinct keys in a window);
	// native: counted with a DISTINCT window aggregate in the dialect.
	counted, native bool
}

func newWindowed(c *Correlation, d dialect, gcols []string) *windowed {
	part := partitionBy(gcols)
	counted := c.Type == EventCount || c.Type == ValueCount
	return &windowed{
		c: c, d: d, gcols: gcols,
		src:     "base",
		span:    d.interval(c.Timespan),
		g:       trailing(gcols, ", "),
		part:    part,
		byTime:  part + "ORDER BY event_time",
		counted: counted,
		native:  counted && d.windowDistinct(),
	}
}

// evCTE is the CTE "ev": each group's distinct rows numbered by time, with
// the columns each correlation type needs beyond rn, lo and hi.
func (w *windowed) evCTE(eventsOnly bool) string {
	rowKey := "event_id, event_time"
	var inner, extra []string
	switch {
	case w.native:
		key := "event_id"
		if w.c.Type == ValueCount {
			key = "val"
			rowKey += ", val" // keep every distinct value of an id and time
		}
		extra = append(extra, fmt.Sprintf("count(DISTINCT %s) OVER (%s RANGE BETWEEN CURRENT ROW AND %s FOLLOWING) AS match_count", key, w.byTime, w.span))
	case !w.counted:
		for i := range w.c.bases {
			inner = append(inner, fmt.Sprintf("bool_or(rule_idx = %d) AS r%d", i, i))
			extra = append(extra, fmt.Sprintf("min(CASE WHEN r%d THEN event_time END) OVER (%s RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS n%d", i, w.byTime, i))
		}
	}
	if !eventsOnly { // only the id lists of the windows need it
		extra = append([]string{fmt.Sprintf("dense_rank() OVER (%sORDER BY event_id) AS id_rank", w.part)}, extra...)
	}
	return fmt.Sprintf(`,
ev AS (
    SELECT %[1]sevent_id, event_time,
        row_number() OVER (%[2]s) AS rn,
        rank() OVER (%[2]s) AS lo,
        count(*) OVER (%[2]s RANGE BETWEEN UNBOUNDED PRECEDING AND %[3]s FOLLOWING) AS hi%[4]s
    FROM (SELECT %[1]s%[5]s%[6]s FROM %[7]s GROUP BY %[1]s%[5]s) AS b
)`, w.g, w.byTime, w.span, leading(extra, ",\n        "), rowKey, leading(inner, ", "), w.src)
}

// windowsCTE is the CTE "windows" (and those it is built from): each
// qualifying window's start, lo, hi and match_count, by correlation type.
func (w *windowed) windowsCTE(cond string) string {
	switch {
	case w.native:
		return w.nativeWindows(cond)
	case w.counted:
		return w.countedWindows(cond)
	case w.c.Type == Temporal:
		return w.temporalWindows(cond)
	default:
		return w.orderedWindows(cond)
	}
}

// nativeWindows reads the DISTINCT window count computed in ev.
func (w *windowed) nativeWindows(cond string) string {
	return fmt.Sprintf(`,
windows AS (
    SELECT %sevent_time AS window_start, lo, hi, CAST(match_count AS BIGINT) AS match_count
    FROM ev
    WHERE rn = lo AND %s
)`, w.g, cond)
}

// countedWindows counts distinct keys without DISTINCT window aggregates:
// a running sum over the intervals of windows each key occurrence counts in.
func (w *windowed) countedWindows(cond string) string {
	keys := "SELECT " + w.g + "event_id AS k, event_time FROM ev"
	if w.c.Type == ValueCount {
		keys = "SELECT DISTINCT " + w.g + "val AS k, event_time FROM " + w.src + " WHERE val IS NOT NULL"
	}
	return fmt.Sprintf(`,
occ AS (
    SELECT %[1]sevent_time, lag(event_time) OVER (PARTITION BY %[1]sk ORDER BY event_time) AS prev
    FROM (%[2]s) AS b
),
steps AS (
    SELECT %[1]sCASE WHEN %[3]s THEN prev ELSE event_time - %[4]s END AS ts, CASE WHEN %[3]s THEN 2 ELSE 0 END AS ord, 1 AS d, CAST(NULL AS BIGINT) AS lo, CAST(NULL AS BIGINT) AS hi
    FROM occ
    UNION ALL
    SELECT %[1]sevent_time, 2, -1, NULL, NULL
    FROM occ
    UNION ALL
    SELECT %[1]sevent_time, 1, 0, lo, hi
    FROM ev
    WHERE rn = lo
),
windows AS (
    SELECT %[1]sts AS window_start, lo, hi, match_count
    FROM (
        SELECT %[1]sts, ord, lo, hi, CAST(sum(d) OVER (%[5]sORDER BY ts, ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS match_count
        FROM steps
    ) AS s
    WHERE ord = 1 AND %[6]s
)`, w.g, keys, "prev >= event_time - "+w.span, w.span, w.part, cond)
}

// temporalWindows counts the rules whose next event falls in the window.
func (w *windowed) temporalWindows(cond string) string {
	var present []string
	for i := range w.c.bases {
		present = append(present, fmt.Sprintf("CASE WHEN n%d <= event_time + %s THEN 1 ELSE 0 END", i, w.span))
	}
	return fmt.Sprintf(`,
windows AS (
    SELECT %[1]swindow_start, lo, hi, match_count
    FROM (
        SELECT %[1]sevent_time AS window_start, lo, hi, CAST(%[2]s AS BIGINT) AS match_count
        FROM ev
        WHERE rn = lo
    ) AS s
    WHERE %[3]s
)`, w.g, strings.Join(present, " + "), cond)
}

// orderedWindows (temporal_ordered) chains each rule's next event after the
// previous rule's by equi-joins on the group and time.
func (w *windowed) orderedWindows(cond string) string {
	n := len(w.c.bases)
	var joins strings.Builder
	for j := 1; j <= n-2; j++ {
		x, prev := "x"+strconv.Itoa(j), "x"+strconv.Itoa(j-1)
		fmt.Fprintf(&joins, "\n        JOIN ev AS %s ON %s AND %s.event_time = %s.n%d AND %s.rn = %s.lo", x, onGroups(w.gcols, x, prev), x, prev, j, x, x)
	}
	where := "x0.rn = x0.lo AND x0.n0 = x0.event_time"
	if n > 1 {
		where += fmt.Sprintf(" AND x%d.n%d <= x0.event_time + %s", n-2, n-1, w.span)
	}
	return fmt.Sprintf(`,
windows AS (
    SELECT %[1]swindow_start, lo, hi, match_count
    FROM (
        SELECT %[2]sx0.event_time AS window_start, x0.lo, x0.hi, CAST(%[3]d AS BIGINT) AS match_count
        FROM ev AS x0%[4]s
        WHERE %[5]s
    ) AS s
    WHERE %[6]s
)`, w.g, trailing(prefixAll(w.gcols, "x0."), ", "), n, joins.String(), where, cond)
}

// groupedIDsCTEs are the CTEs "grouped" (each group's windows as parallel
// arrays) and "ids" (each such group's id ranks and sorted ids).
func (w *windowed) groupedIDsCTEs() string {
	var arrays []string
	for _, a := range [][2]string{{"window_start", "starts"}, {"lo", "los"}, {"hi", "his"}, {"match_count", "counts"}} {
		arrays = append(arrays, w.d.listAgg(a[0], "window_start")+" AS "+a[1])
	}
	gcols := w.gcols
	return fmt.Sprintf(`,
grouped AS (
    SELECT %[1]s%[2]s
    FROM windows%[3]s
),
ids AS (
    SELECT %[4]s%[5]s AS ranks, %[6]s AS ids_sorted, max(e.id_rank) < count(*) AS reused
    FROM ev AS e
    JOIN (SELECT DISTINCT %[7]s FROM windows) AS q ON %[8]s%[9]s
)`, w.g, strings.Join(arrays, ", "), groupBy(gcols),
		trailing(prefixAll(gcols, "e."), ", "), w.d.listAgg("e.id_rank", "e.rn"), w.d.sortedIDs("e.event_id"),
		groupKeys(gcols), onGroups(gcols, "e", "q"), groupBy(prefixAll(gcols, "e.")))
}

// minCount is the least count a window must reach to meet the condition
// (0 when it sets no lower bound): a temporal_ordered window needs every
// rule.
func (c *Correlation) minCount() int {
	lo := 0
	for _, t := range c.Condition {
		switch t.Op {
		case "gte", "eq":
			lo = max(lo, t.N)
		case "gt":
			lo = max(lo, t.N+1)
		}
	}
	if c.Type == TemporalOrdered {
		lo = max(lo, len(c.bases))
	}
	return lo
}

// keptGroups is the CTE "kept": the rows of base in groups that reach lo
// over all their events. A window counts some of its group's events
// (distinct events, values or rules), never more than the whole group has,
// so a group below lo has no window to find; on a busy case most groups
// are such (an application calls a few APIs), and the window functions
// then sort only the others.
func keptGroups(c *Correlation, gcols []string, lo int) string {
	key := map[CorrelationType]string{EventCount: "event_id", ValueCount: "val", Temporal: "rule_idx", TemporalOrdered: "rule_idx"}[c.Type]
	if len(gcols) == 0 {
		return fmt.Sprintf(`,
kept AS (
    SELECT * FROM base WHERE (SELECT count(DISTINCT %s) FROM base) >= %d
)`, key, lo)
	}
	return fmt.Sprintf(`,
kept AS (
    SELECT b.*
    FROM base AS b
    JOIN (SELECT %[1]s FROM base GROUP BY %[1]s HAVING count(DISTINCT %[2]s) >= %[3]d) AS k ON %[4]s
)`, strings.Join(gcols, ", "), key, lo, onGroups(gcols, "b", "k"))
}

// correlationEvents ends an EventsOnly correlation: the events of ev that
// fall in a qualifying window. Within a group, window w holds the rows rn in
// [lo, hi]; a row is covered when, among the windows opening at or before
// it, the furthest reach (max hi) is at least its rn. One running max over
// windows and rows merged in rn order (a window before a row at the same
// position) decides it: O(n log n), no per-window lists.
func correlationEvents(gcols []string) string {
	return fmt.Sprintf(`,
marks AS (
    SELECT %[1]slo AS pos, 0 AS kind, hi, NULL AS event_id, NULL AS event_time
    FROM windows
    UNION ALL
    SELECT %[2]se.rn, 1, NULL, e.event_id, e.event_time
    FROM ev AS e
    JOIN (SELECT DISTINCT %[3]s FROM windows) AS q ON %[4]s
),
reach AS (
    SELECT event_id, event_time, pos, kind, max(hi) OVER (%[5]sORDER BY pos, kind ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS reach
    FROM marks
)
SELECT DISTINCT event_id, event_time, (SELECT count(*) FROM windows) AS n_windows, (SELECT max(match_count) FROM windows) AS max_count
FROM reach
WHERE kind = 1 AND reach >= pos
`, trailing(gcols, ", "), trailing(prefixAll(gcols, "e."), ", "), groupKeys(gcols), onGroups(gcols, "e", "q"), partitionBy(gcols))
}

// scalar is a field as one value: a column, or the first value of a list.
func (q *query) scalar(name string) (string, error) {
	fe, err := q.field(name)
	if err != nil {
		return "", err
	}
	if fe.list {
		return q.d.first(fe.expr), nil
	}
	return fe.expr, nil
}

func alias(expr, name string) string {
	if expr == name {
		return expr
	}
	return expr + " AS " + name
}

func relabel(err error, r *Rule) error {
	var ue *UnsupportedError
	if errors.As(err, &ue) && ue.Rule != r.label() {
		ue.Construct += " (in rule " + ue.Rule + ")"
		ue.Rule = r.label()
	}
	return err
}

func prefixAll(xs []string, p string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

// trailing joins xs with sep and ends with sep ("" for no xs).
func trailing(xs []string, sep string) string {
	if len(xs) == 0 {
		return ""
	}
	return strings.Join(xs, sep) + sep
}

// leading joins xs with sep and starts with sep ("" for no xs).
func leading(xs []string, sep string) string {
	if len(xs) == 0 {
		return ""
	}
	return sep + strings.Join(xs, sep)
}

// partitionBy is the window clause partitioning by the group columns
// ("" for none), ending with a space.
func partitionBy(gcols []string) string {
	if len(gcols) == 0 {
		return ""
	}
	return "PARTITION BY " + strings.Join(gcols, ", ") + " "
}

// groupKeys selects the group columns, or a constant when there are none
// (SELECT DISTINCT needs a column).
func groupKeys(gcols []string) string {
	if len(gcols) == 0 {
		return "1 AS one"
	}
	return strings.Join(gcols, ", ")
}

func groupBy(cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	return "\n    GROUP BY " + strings.Join(cols, ", ")
}

// onGroups is the join condition equating the group-by columns of a and b,
// absent (NULL) values included.
func onGroups(gcols []string, a, b string) string {
	if len(gcols) == 0 {
		return "TRUE"
	}
	var parts []string
	for _, g := range gcols {
		parts = append(parts, a+"."+g+" IS NOT DISTINCT FROM "+b+"."+g)
	}
	return strings.Join(parts, " AND ")
}
