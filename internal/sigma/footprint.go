package sigma

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

// Footprint is what a rule's DuckDB query reads from the events table. It
// lets a caller run many rules over a copy of the few events they can match
// (with only the columns they read) instead of scanning the whole case once
// per rule.
type Footprint struct {
	// Columns are the events table columns the query reads, sorted.
	Columns []string
	// NameGuard is a condition on the event_name column alone that every
	// event the rule matches satisfies: the rule's own tests of eventName,
	// combined as its condition combines them. It is empty when the
	// condition implies none (a selection or alternative that does not test
	// eventName, a test below a NOT, keyword searches, fieldref).
	NameGuard string
}

// DuckDBFootprint returns the footprint of the rule's DuckDB query (as
// Compile writes it with opts; the table does not matter). It fails when
// Compile fails.
func DuckDBFootprint(r *Rule, opts CompileOptions) (Footprint, error) {
	rec := &recordingDialect{duckDialect: &duckDialect{table: "events"}, cols: map[string]bool{"event_id": true, "event_time": true}}
	if _, err := compileWith(r, rec, opts); err != nil {
		return Footprint{}, err
	}
	fp := Footprint{Columns: slices.Sorted(maps.Keys(rec.cols))}
	bases := []*Rule{r}
	if r.Correlation != nil {
		bases = r.Correlation.bases // checked by compileWith
	}
	var guards []string
	for _, b := range bases {
		q, err := newQuery(b, &duckDialect{table: "events"}, opts)
		if err != nil {
			return Footprint{}, err
		}
		g, err := q.nameGuard(b.Detection.cond)
		if err != nil {
			return Footprint{}, err
		}
		if g == "" {
			return fp, nil
		}
		guards = append(guards, g)
	}
	fp.NameGuard = joinGuards(guards, " OR ")
	return fp, nil
}

// recordingDialect is the DuckDB dialect noting the columns a query reads.
// Every field goes through field or keywordTarget; the dialect itself
// names only event_id and event_time.
type recordingDialect struct {
	*duckDialect
	cols map[string]bool
}

func (d *recordingDialect) field(fi fieldInfo) (fieldExpr, error) {
	d.cols[fi.column] = true
	if fi.class == fcEventID {
		d.cols["event_id_synthetic"] = true
	}
	return d.duckDialect.field(fi)
}

func (d *recordingDialect) keywordTarget() (string, error) {
	t, err := d.duckDialect.keywordTarget()
	d.cols[t] = true
	return t, err
}

// nameGuard is a condition on event_name implied by n ("" when none is).
// An AND holds only if each of its terms does, an OR only if one of its
// terms does, N of (N ≥ 1) only if one of them does; so the guards of the
// parts combine the same way (an AND keeps the parts that have one). Under
// a NOT nothing about the name follows.
func (q *query) nameGuard(n node) (string, error) {
	switch t := n.(type) {
	case *nAnd:
		var gs []string
		for _, k := range t.kids {
			g, err := q.nameGuard(k)
			if err != nil {
				return "", err
			}
			if g != "" {
				gs = append(gs, g)
			}
		}
		return joinGuards(gs, " AND "), nil
	case *nOr:
		return q.anyGuard(t.kids)
	case *nAtLeast:
		if t.n < 1 {
			return "", nil
		}
		return q.anyGuard(t.kids)
	case *nSel:
		var alts []string
		for _, alt := range t.sel.alts {
			var conds []string
			for _, fc := range alt {
				if !testsName(fc) {
					continue
				}
				s, err := q.cond(fc, false)
				if err != nil {
					return "", err
				}
				conds = append(conds, s)
			}
			if len(conds) == 0 {
				return "", nil
			}
			alts = append(alts, joinGuards(conds, " AND "))
		}
		return joinGuards(alts, " OR "), nil
	}
	return "", nil // nNot
}

// anyGuard is the OR of the kids' guards, "" if one of them has none.
func (q *query) anyGuard(kids []node) (string, error) {
	var gs []string
	for _, k := range kids {
		g, err := q.nameGuard(k)
		if err != nil || g == "" {
			return "", err
		}
		gs = append(gs, g)
	}
	return joinGuards(gs, " OR "), nil
}

// testsName reports whether fc is a test of the event_name column alone.
func testsName(fc *fieldCond) bool {
	if fc.field == "" || fc.op == opFieldRef {
		return false
	}
	fi := classify(fc.field)
	return fi.class == fcColumn && fi.column == "event_name"
}

// joinGuards joins conditions with sep, parenthesised, deduplicated.
func joinGuards(gs []string, sep string) string {
	seen := map[string]bool{}
	var out []string
	for _, g := range gs {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sort.Strings(out)
	switch len(out) {
	case 0:
		return ""
	case 1:
		return out[0]
	}
	return "(" + strings.Join(out, sep) + ")"
}
