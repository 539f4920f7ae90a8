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
// qualifying window: the group-by values, window_start, window_end,
// match_count and event_ids (sorted).
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

	var gcols, aG, sG, eqG []string
	for gi := range c.GroupBy {
		g := "g" + strconv.Itoa(gi+1)
		gcols = append(gcols, g)
		aG = append(aG, "a."+g)
		sG = append(sG, "s."+g)
		eqG = append(eqG, "b."+g+" IS NOT DISTINCT FROM %[1]s."+g)
	}
	join := func(alias string) string {
		var parts []string
		for _, e := range eqG {
			parts = append(parts, fmt.Sprintf(e, alias))
		}
		return strings.Join(parts, " AND ")
	}
	agg := map[CorrelationType]string{
		EventCount: "count(DISTINCT b.event_id)", ValueCount: "count(DISTINCT b.val)",
		Temporal: "count(DISTINCT b.rule_idx)", TemporalOrdered: "count(DISTINCT b.rule_idx)",
	}[c.Type]
	ids := d.sortedIDs("b.event_id")
	span := d.interval(c.Timespan)
	and := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, " AND ")
	}
	prefix := func(xs []string, sep string) string {
		if len(xs) == 0 {
			return ""
		}
		return strings.Join(xs, sep) + sep
	}
	switch {
	case c.Timespan == 0:
		groupBy := ""
		if len(gcols) > 0 {
			groupBy = "\n    GROUP BY " + strings.Join(gcols, ", ")
		}
		fmt.Fprintf(&sb, ",\nwindows AS (\n    SELECT %smin(b.event_time) AS window_start, max(b.event_time) AS window_end, %s AS match_count, %s AS event_ids\n    FROM base AS b%s\n    HAVING count(*) > 0\n)",
			prefix(prefixAll(gcols, "b."), ", "), agg, ids, groupBy)
	case c.Type == TemporalOrdered:
		fmt.Fprintf(&sb, ",\ns1 AS (\n    SELECT DISTINCT %sevent_time AS t1\n    FROM base\n    WHERE rule_idx = 0\n)", prefix(gcols, ", "))
		prev := []string{"t1"}
		for i := 1; i < len(c.bases); i++ {
			t := "t" + strconv.Itoa(i+1)
			sPrev := prefixAll(prev, "s.")
			fmt.Fprintf(&sb, ",\ns%d AS (\n    SELECT %s%s, min(b.event_time) AS %s\n    FROM s%d AS s\n    JOIN base AS b ON %s\n    GROUP BY %s%s\n)",
				i+1, prefix(sG, ", "), strings.Join(sPrev, ", "), t, i,
				and("b.rule_idx = "+strconv.Itoa(i), join("s"), "b.event_time BETWEEN s."+prev[len(prev)-1]+" AND s.t1 + "+span),
				prefix(sG, ", "), strings.Join(sPrev, ", "))
			prev = append(prev, t)
		}
		fmt.Fprintf(&sb, ",\nwindows AS (\n    SELECT %ss.t1 AS window_start, s.t1 + %s AS window_end, %s AS match_count, %s AS event_ids\n    FROM s%d AS s\n    JOIN base AS b ON %s\n    GROUP BY %ss.t1\n)",
			prefix(sG, ", "), span, agg, ids, len(c.bases),
			and(join("s"), "b.event_time BETWEEN s.t1 AND s.t1 + "+span), prefix(sG, ", "))
	default:
		fmt.Fprintf(&sb, ",\nwindows AS (\n    SELECT %sa.event_time AS window_start, a.event_time + %s AS window_end, %s AS match_count, %s AS event_ids\n    FROM (SELECT DISTINCT %sevent_time FROM base) AS a\n    JOIN base AS b ON %s\n    GROUP BY %sa.event_time\n)",
			prefix(aG, ", "), span, agg, ids, prefix(gcols, ", "),
			and(join("a"), "b.event_time BETWEEN a.event_time AND a.event_time + "+span), prefix(aG, ", "))
	}
	var out []string
	for gi, g := range c.GroupBy {
		out = append(out, "g"+strconv.Itoa(gi+1)+" AS "+d.quoteIdent(g))
	}
	out = append(out, "window_start", "window_end", "match_count", "event_ids")
	var conds []string
	ops := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "="}
	for _, t := range c.Condition {
		conds = append(conds, "match_count "+ops[t.Op]+" "+strconv.Itoa(t.N))
	}
	fmt.Fprintf(&sb, "\nSELECT %s\nFROM windows\nWHERE %s\nORDER BY window_start%s\n",
		strings.Join(out, ", "), strings.Join(conds, " AND "), suffixAll(gcols, ", "))
	return sb.String(), nil
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

func suffixAll(xs []string, sep string) string {
	var sb strings.Builder
	for _, x := range xs {
		sb.WriteString(sep + x)
	}
	return sb.String()
}
