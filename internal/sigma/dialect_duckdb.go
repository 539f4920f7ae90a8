package sigma

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// duckDialect writes SQL for the case database (docs/schema.md).
type duckDialect struct {
	table string
	// portable makes correlations count distinct keys without DISTINCT
	// window aggregates, as in Trino (for tests of that SQL on DuckDB).
	portable bool
}

func (d *duckDialect) name() Dialect    { return DuckDB }
func (d *duckDialect) from() string     { return d.table }
func (d *duckDialect) idTime() string   { return "event_id, event_time" }
func (d *duckDialect) eventID() string  { return "event_id" }
func (d *duckDialect) timeExpr() string { return "event_time" }

func (d *duckDialect) timeLiteral(t time.Time) string {
	return "TIMESTAMPTZ " + sqlquote.String(t.UTC().Format("2006-01-02 15:04:05.999999999")+"+00")
}

func (d *duckDialect) quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// field maps a CloudTrail field onto the events table. Typed columns are
// used as they are; other fields become a list of their values, walked from
// the raw event (or a JSON-text column) through objects and arrays.
func (d *duckDialect) field(fi fieldInfo) (fieldExpr, error) {
	switch fi.class {
	case fcColumn, fcJSONColumn:
		return fieldExpr{expr: fi.column}, nil
	case fcBoolColumn:
		return fieldExpr{expr: "CAST(" + fi.column + " AS VARCHAR)"}, nil
	case fcEventID:
		return fieldExpr{expr: "CASE WHEN event_id_synthetic THEN NULL ELSE event_id END"}, nil
	}
	keys := fi.keys
	var l string
	if fi.root == "" { // the raw event is an object
		// Parsing raw is the costly part of a rule on a large case; a member
		// whose quoted name is nowhere in the text is absent, and contains()
		// finds that without parsing (CloudTrail never escapes its keys).
		l = "[CASE WHEN contains(raw, " + sqlquote.String(`"`+keys[0]+`"`) + ") THEN json_extract(raw, " + sqlquote.String("$"+jsonPathKey(keys[0])) + ") END]"
	} else { // a JSON column holds an object or an array
		l = duckStep(fi.column, keys[0])
	}
	for _, k := range keys[1:] {
		l = "flatten(list_transform(" + l + ", x -> " + duckStep("x", k) + "))"
	}
	l = "flatten(list_transform(" + l + ", x -> CASE WHEN json_type(x) = 'ARRAY' THEN json_extract_string(x, '$[*]') ELSE [json_extract_string(x, '$')] END))"
	return fieldExpr{expr: l, list: true}, nil
}

// duckStep is the values one key below the JSON value v: its member, or
// the member of each element when v is an array.
func duckStep(v, k string) string {
	return "CASE WHEN json_type(" + v + ") = 'ARRAY' THEN json_extract(" + v + ", " + sqlquote.String("$[*]"+jsonPathKey(k)) +
		") ELSE [json_extract(" + v + ", " + sqlquote.String("$"+jsonPathKey(k)) + ")] END"
}

func (d *duckDialect) keywordTarget() (string, error) { return "raw", nil }

// ilike tests v against a glob. The common shapes — contains,
// startswith, endswith: one literal with * at either end — become
// contains/starts_with/ends_with of the lower-cased text. That is what
// DuckDB's ILIKE does (it lower-cases both sides, then matches), but its
// ILIKE (with ESCAPE above all) is slow enough to be applied to every row
// of a scan: on 5 M events `request_parameters ILIKE '%…%' ESCAPE '\'`
// took 1.87 s and `contains(lower(request_parameters), '…')` 0.70 s.
func (d *duckDialect) ilike(v string, g []gtok, cased bool) string {
	if fn, lit, ok := globShape(g); ok {
		if cased {
			return fn + "(" + v + ", " + sqlquote.String(lit) + ")"
		}
		return fn + "(lower(" + v + "), " + lowerLiteral(lit) + ")"
	}
	op := " ILIKE "
	if cased {
		op = " LIKE "
	}
	return v + op + sqlquote.String(likePattern(g)) + ` ESCAPE '\'`
}

// globShape names the DuckDB function that tests a glob made of one
// literal with * before it, after it or both (the literal not empty).
func globShape(g []gtok) (fn, lit string, ok bool) {
	lead := len(g) > 0 && g[0].kind == gAny
	if lead {
		g = g[1:]
	}
	trail := len(g) > 0 && g[len(g)-1].kind == gAny
	if trail {
		g = g[:len(g)-1]
	}
	lit, plain := plainGlob(g)
	switch {
	case !plain || lit == "":
		return "", "", false
	case lead && trail:
		return "contains", lit, true
	case trail:
		return "starts_with", lit, true
	case lead:
		return "ends_with", lit, true
	}
	return "", "", false // no wildcard at all: an equality, written elsewhere
}

func (d *duckDialect) regex(v, pattern string) string {
	return "regexp_matches(" + v + ", " + sqlquote.String(pattern) + ")"
}

// cidr tests IPv4 networks numerically (the inet extension may not be
// installed); IPv6 networks are not supported.
func (d *duckDialect) cidr(v string, sv *sval) (string, error) {
	lo, hi, ok := ipv4Range(sv)
	if !ok {
		return "", errors.New("cidr with an IPv6 network (" + sv.text + ")")
	}
	num := fmt.Sprintf("TRY_CAST(split_part(%[1]s, '.', 1) AS BIGINT) * 16777216 + TRY_CAST(split_part(%[1]s, '.', 2) AS BIGINT) * 65536 + TRY_CAST(split_part(%[1]s, '.', 3) AS BIGINT) * 256 + TRY_CAST(split_part(%[1]s, '.', 4) AS BIGINT)", v)
	return fmt.Sprintf("(regexp_full_match(%s, %s) AND %s BETWEEN %d AND %d)", v, sqlquote.String(ipv4Re), num, lo, hi), nil
}

func (d *duckDialect) toDouble(v string) string { return "TRY_CAST(" + v + " AS DOUBLE)" }

func (d *duckDialect) anyOf(list, v, pred string) string {
	return "len(list_filter(" + list + ", " + v + " -> " + pred + ")) > 0"
}

func (d *duckDialect) isEmpty(list string) string {
	return "len(list_filter(" + list + ", v -> v IS NOT NULL)) = 0"
}

func (d *duckDialect) asList(scalar string) string { return "[" + scalar + "]" }

func (d *duckDialect) overlap(a, b string, cased bool) string {
	if cased {
		return "list_has_any(" + a + ", " + b + ")"
	}
	return "list_has_any(list_transform(" + a + ", x -> lower(x)), list_transform(" + b + ", x -> lower(x)))"
}

func (d *duckDialect) first(list string) string {
	return "list_filter(" + list + ", v -> v IS NOT NULL)[1]"
}

// Correlation pieces.
func (d *duckDialect) interval(span time.Duration) string {
	return fmt.Sprintf("INTERVAL '%d' SECOND", int64(span/time.Second))
}
func (d *duckDialect) sortedIDs(col string) string { return "list_sort(list(DISTINCT " + col + "))" }

func (d *duckDialect) windowDistinct() bool { return !d.portable }

func (d *duckDialect) listAgg(col, orderBy string) string {
	return "list(" + col + " ORDER BY " + orderBy + ")"
}

func (d *duckDialect) pickIDs(ids, ranks, lo, hi, reused string) string {
	slice := "list_slice(" + ranks + ", " + lo + ", " + hi + ")"
	return "list_select(" + ids + ", list_sort(CASE WHEN " + reused + " THEN list_distinct(" + slice + ") ELSE " + slice + " END))"
}

func (d *duckDialect) explode(from string, keep, arrays, names []string) string {
	cols := append([]string(nil), keep...)
	for i, a := range arrays {
		cols = append(cols, "unnest("+a+") AS "+names[i])
	}
	return "(\n    SELECT " + strings.Join(cols, ", ") + "\n    FROM " + from + "\n) AS u"
}
