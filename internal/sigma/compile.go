package sigma

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
)

// Dialect is a SQL target.
type Dialect string

// The SQL dialects Compile writes.
const (
	// DuckDB is trailsleuth's case database (the events table).
	DuckDB Dialect = "duckdb"
	// Athena is the CloudTrail table AWS documents for Athena (Trino engine).
	Athena Dialect = "athena"
	// Lake is CloudTrail Lake SQL (Trino) over an event data store.
	Lake Dialect = "lake"
)

// Dialects lists every dialect.
var Dialects = []Dialect{DuckDB, Athena, Lake}

// CompileOptions tune Compile.
type CompileOptions struct {
	// Table is the table to read: default "events" (duckdb),
	// "cloudtrail_logs" (athena), the event data store id (lake, required;
	// "<event-data-store-id>" if empty). It is written where a FROM item
	// goes, so a parenthesised subquery with an alias works too.
	Table string
	// TimeFrom (inclusive) and TimeTo (exclusive) restrict the events.
	TimeFrom, TimeTo *time.Time
	// Placeholders gives the values of %placeholders% (expand modifier).
	Placeholders map[string][]string
	// EventsOnly makes a correlation with a timespan return the events of
	// its qualifying windows, once each (event_id, event_time), with
	// n_windows (how many windows qualified) and max_count on every row,
	// instead of one row per window with its id list. Windows of a busy
	// group overlap, so per-window lists repeat each event many times; a
	// hunt needs only the union. DuckDB dialect only.
	EventsOnly bool
	// LogTables replaces the tables of access and flow log rules
	// ("s3_access", "flow_logs"; logsource.go): rule fixtures are checked
	// over a copy holding their own records only.
	LogTables map[string]string
}

// Compile writes the rule as one SQL query in dialect d. A detection rule
// gives the matching events' id and time (columns event_id, event_time); a
// correlation rule gives one row per qualifying window (see the package
// documentation). Constructs the dialect cannot express are reported as an
// *UnsupportedError; rules for other log sources as ErrNotApplicable.
func Compile(r *Rule, d Dialect, opts CompileOptions) (string, error) {
	dl, err := dialectFor(d, opts)
	if err != nil {
		return "", err
	}
	return compileWith(r, dl, opts)
}

func compileWith(r *Rule, dl dialect, opts CompileOptions) (string, error) {
	if err := r.Applicable(); err != nil {
		return "", err
	}
	dl, err := forLogs(r, dl, opts)
	if err != nil {
		return "", err
	}
	if r.Correlation != nil {
		return compileCorrelation(r, dl, opts)
	}
	q, err := newQuery(r, dl, opts)
	if err != nil {
		return "", err
	}
	return q.detectionSQL()
}

func dialectFor(d Dialect, opts CompileOptions) (dialect, error) {
	switch d {
	case DuckDB:
		t := opts.Table
		if t == "" {
			t = "events"
		}
		return &duckDialect{table: t}, nil
	case Athena:
		t := opts.Table
		if t == "" {
			t = "cloudtrail_logs"
		}
		return &trinoDialect{kind: Athena, table: t}, nil
	case Lake:
		t := opts.Table
		if t == "" {
			t = "<event-data-store-id>"
		}
		return &trinoDialect{kind: Lake, table: t}, nil
	}
	return nil, fmt.Errorf("sigma: unknown SQL dialect %q (want duckdb, athena or lake)", d)
}

// fieldExpr is a field as SQL: a scalar expression, or a list of values
// (computed once per row in an inner SELECT and referred to by name).
type fieldExpr struct {
	expr string
	list bool
}

// dialect is what differs between the SQL targets.
type dialect interface {
	name() Dialect
	from() string
	idTime() string   // the SELECT list of a detection query
	eventID() string  // the event id expression
	timeExpr() string // the event time expression
	timeLiteral(t time.Time) string
	field(fi fieldInfo) (fieldExpr, error)
	keywordTarget() (string, error)
	ilike(v string, g []gtok, cased bool) string // v matches the glob g
	regex(v, pattern string) string
	cidr(v string, sv *sval) (string, error)
	toDouble(v string) string
	anyOf(list, v, pred string) string // some element v of list satisfies pred
	isEmpty(list string) string
	asList(scalar string) string
	overlap(a, b string, cased bool) string
	first(list string) string // the first non-null element
	quoteIdent(s string) string
	interval(span time.Duration) string
	sortedIDs(col string) string // aggregate: the distinct ids, sorted
	listAgg(col, orderBy string) string
	// windowDistinct tells whether count(DISTINCT x) OVER (… RANGE …) works.
	windowDistinct() bool
	// pickIDs is the sorted ids at rank positions lo..hi (1-based) of the
	// list ranks (dense ranks into the sorted list ids; reused tells whether
	// ranks may repeat).
	pickIDs(ids, ranks, lo, hi, reused string) string
	// explode is a FROM item with the columns keep of from and one row per
	// position of the equally long lists arrays, their elements named names.
	explode(from string, keep, arrays, names []string) string
}

// query is one detection rule being compiled.
type query struct {
	rule     *Rule
	d        dialect
	opts     CompileOptions
	expanded map[*fieldCond][]*sval
	lists    []string          // inner SELECT items
	listName map[string]string // field → its list column name
	fields   map[string]fieldExpr
}

func newQuery(r *Rule, d dialect, opts CompileOptions) (*query, error) {
	exp, err := expandPlaceholders(r, opts.Placeholders, d.name())
	if err != nil {
		return nil, err
	}
	return &query{rule: r, d: d, opts: opts, expanded: exp, listName: map[string]string{}, fields: map[string]fieldExpr{}}, nil
}

func (q *query) unsupported(construct string) error {
	return &UnsupportedError{Rule: q.rule.label(), Dialect: q.d.name(), Construct: construct}
}

// field returns a field's SQL, registering list fields in the inner SELECT.
func (q *query) field(name string) (fieldExpr, error) {
	if fe, ok := q.fields[name]; ok {
		return fe, nil
	}
	fe, err := q.d.field(classify(name))
	if err != nil {
		var ue *UnsupportedError
		if errors.As(err, &ue) {
			ue.Rule = q.rule.label()
		}
		return fieldExpr{}, err
	}
	if fe.list {
		col := name
		for n := 2; q.nameTaken(col); n++ {
			col = fmt.Sprintf("%s#%d", name, n)
		}
		q.listName[name] = col
		q.lists = append(q.lists, fe.expr+" AS "+q.d.quoteIdent(col))
		fe.expr = q.d.quoteIdent(col)
	}
	q.fields[name] = fe
	return fe, nil
}

func (q *query) nameTaken(col string) bool {
	for _, c := range q.listName {
		if strings.EqualFold(c, col) {
			return true
		}
	}
	return false
}

// source is the FROM clause: the table, or the table with the list columns.
func (q *query) source() string {
	if len(q.lists) == 0 {
		return q.d.from()
	}
	return "(\n    SELECT *,\n        " + strings.Join(q.lists, ",\n        ") + "\n    FROM " + q.d.from() + "\n) AS e"
}

func (q *query) timeWindow() []string { return timeWindow(q.d, q.opts) }

func timeWindow(d dialect, opts CompileOptions) []string {
	var out []string
	if opts.TimeFrom != nil {
		out = append(out, d.timeExpr()+" >= "+d.timeLiteral(*opts.TimeFrom))
	}
	if opts.TimeTo != nil {
		out = append(out, d.timeExpr()+" < "+d.timeLiteral(*opts.TimeTo))
	}
	return out
}

// TimeCondition is the condition by which Compile keeps opts' time window
// in dialect d ("" when opts sets none).
func TimeCondition(d Dialect, opts CompileOptions) (string, error) {
	dl, err := dialectFor(d, opts)
	if err != nil {
		return "", err
	}
	return strings.Join(timeWindow(dl, opts), " AND "), nil
}

// where compiles the detection condition plus the time window.
func (q *query) where() (string, error) {
	c, err := q.node(q.rule.Detection.cond, false)
	if err != nil {
		return "", err
	}
	terms := append(splitAnd(c), q.timeWindow()...)
	return strings.Join(terms, "\n  AND "), nil
}

func (q *query) detectionSQL() (string, error) {
	w, err := q.where()
	if err != nil {
		return "", err
	}
	return "SELECT " + q.d.idTime() + "\nFROM " + q.source() + "\nWHERE " + w + "\n", nil
}

// splitAnd breaks a top-level conjunction into its terms, for layout.
func splitAnd(c string) []string {
	if strings.HasPrefix(c, "(") && strings.HasSuffix(c, ")") && balanced(c[1:len(c)-1]) {
		inner := c[1 : len(c)-1]
		parts := splitTop(inner, " AND ")
		if len(parts) > 1 && len(splitTop(inner, " OR ")) == 1 {
			return parts
		}
	}
	return []string{c}
}

// splitTop splits s on sep outside parentheses and quotes.
func splitTop(s, sep string) []string {
	var parts []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inQuote = !inQuote
		case inQuote:
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			parts = append(parts, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(parts, s[start:])
}

func balanced(s string) bool {
	depth := 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// node compiles a condition; negated is set below a NOT, where every
// predicate is made two-valued (NULL → false) so NOT keeps Sigma's meaning.
func (q *query) node(n node, negated bool) (string, error) {
	switch t := n.(type) {
	case *nAnd, *nOr:
		var kids []node
		sep := " AND "
		if a, ok := t.(*nAnd); ok {
			kids = a.kids
		} else {
			kids, sep = t.(*nOr).kids, " OR "
		}
		parts := make([]string, 0, len(kids))
		for _, k := range kids {
			s, err := q.node(k, negated)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return "(" + strings.Join(parts, sep) + ")", nil
	case *nNot:
		s, err := q.node(t.kid, true)
		if err != nil {
			return "", err
		}
		return "NOT " + s, nil
	case *nAtLeast:
		parts := make([]string, 0, len(t.kids))
		for _, k := range t.kids {
			s, err := q.node(k, true)
			if err != nil {
				return "", err
			}
			parts = append(parts, "CASE WHEN "+s+" THEN 1 ELSE 0 END")
		}
		return "((" + strings.Join(parts, " + ") + ") >= " + strconv.Itoa(t.n) + ")", nil
	case *nSel:
		var alts []string
		for _, alt := range t.sel.alts {
			var conds []string
			for _, fc := range alt {
				s, err := q.cond(fc, negated)
				if err != nil {
					return "", err
				}
				conds = append(conds, s)
			}
			if len(conds) == 1 {
				alts = append(alts, conds[0])
			} else {
				alts = append(alts, "("+strings.Join(conds, " AND ")+")")
			}
		}
		if len(alts) == 1 {
			return alts[0], nil
		}
		return "(" + strings.Join(alts, " OR ") + ")", nil
	}
	return "", fmt.Errorf("sigma: unknown condition node %T", n)
}

// cond compiles one field condition.
func (q *query) cond(fc *fieldCond, negated bool) (string, error) {
	s, err := q.condRaw(fc)
	if err != nil {
		return "", err
	}
	if negated && s != "TRUE" && s != "FALSE" {
		s = "COALESCE(" + s + ", FALSE)"
	}
	return s, nil
}

// condRaw compiles one field condition; the result may be NULL where the
// field is absent (cond makes that FALSE under NOT).
func (q *query) condRaw(fc *fieldCond) (string, error) {
	vals := fc.values
	if fc.expand {
		vals = q.expanded[fc]
		if len(vals) == 0 { // a placeholder with no values: all of none holds, any of none does not
			if fc.all {
				return "TRUE", nil
			}
			return "FALSE", nil
		}
	}
	fe, err := q.condTarget(fc)
	if err != nil {
		return "", err
	}
	switch fc.op {
	case opExists:
		s := q.nullCheck(fe)
		if vals[0].exists {
			return "NOT " + s, nil
		}
		return s, nil
	case opFieldRef:
		return q.fieldRefCond(fc, fe, vals[0])
	}
	return q.valuesCond(fc, fe, vals)
}

// condTarget is what a condition tests: its field, or for a keyword search
// the dialect's keyword target.
func (q *query) condTarget(fc *fieldCond) (fieldExpr, error) {
	if fc.field != "" {
		return q.field(fc.field)
	}
	target, err := q.d.keywordTarget()
	if err != nil {
		return fieldExpr{}, q.unsupported("keyword (field-less) search: " + err.Error())
	}
	return fieldExpr{expr: target}, nil
}

// fieldRefCond compares field fe with the field sv refers to: equal
// scalars, or lists (a scalar as a one-element list) that overlap.
func (q *query) fieldRefCond(fc *fieldCond, fe fieldExpr, sv *sval) (string, error) {
	other, err := q.field(sv.ref)
	if err != nil {
		return "", err
	}
	if !fe.list && !other.list {
		if fc.cased {
			return fe.expr + " = " + other.expr, nil
		}
		return "lower(" + fe.expr + ") = lower(" + other.expr + ")", nil
	}
	a, b := fe.expr, other.expr
	if !fe.list {
		a = q.d.asList(a)
	}
	if !other.list {
		b = q.d.asList(b)
	}
	return q.d.overlap(a, b, fc.cased), nil
}

// valuesCond tests field fe against the condition's values: the null values
// as one null check, the others as predicates over v (the field, or each
// element of a list field) joined by OR, or by AND under all.
func (q *query) valuesCond(fc *fieldCond, fe fieldExpr, vals []*sval) (string, error) {
	v := fe.expr
	if fe.list {
		v = "v"
	}
	var preds []string
	var nulls int
	for _, sv := range vals {
		if sv.null {
			nulls++
			continue
		}
		p, err := q.predicate(fc, sv, v)
		if err != nil {
			return "", err
		}
		preds = append(preds, p)
	}
	if !fc.all && len(preds) > 1 {
		preds = q.mergeEquals(fc, vals, v, preds)
	}
	wrap := func(p string) string {
		if fe.list {
			return q.d.anyOf(fe.expr, "v", p)
		}
		return p
	}
	var terms []string
	if fc.all {
		for _, p := range preds {
			terms = append(terms, wrap(p))
		}
	} else if len(preds) > 0 {
		alt := strings.Join(preds, " OR ")
		if len(preds) > 1 {
			// Parenthesised: the alternatives sit inside an AND of fields.
			alt = "(" + alt + ")"
		}
		terms = append(terms, wrap(alt))
	}
	if nulls > 0 {
		terms = append(terms, q.nullCheck(fe))
	}
	sep := " OR "
	if fc.all {
		sep = " AND "
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return "(" + strings.Join(terms, sep) + ")", nil
}

func (q *query) nullCheck(fe fieldExpr) string {
	if fe.list {
		return q.d.isEmpty(fe.expr)
	}
	return fe.expr + " IS NULL"
}

// mergeEquals turns several case-insensitive equalities into one IN list.
func (q *query) mergeEquals(fc *fieldCond, vals []*sval, v string, preds []string) []string {
	if fc.op != opMatch || fc.cased {
		return preds
	}
	var lits []string
	for _, sv := range vals {
		if sv.null {
			continue
		}
		if !sv.plain || sv.numeric {
			return preds
		}
		lits = append(lits, lowerLiteral(sv.lit))
	}
	return []string{"lower(" + v + ") IN (" + strings.Join(lits, ", ") + ")"}
}

// predicate is one value's test of the scalar v.
func (q *query) predicate(fc *fieldCond, sv *sval, v string) (string, error) {
	switch fc.op {
	case opMatch:
		var p string
		switch {
		case sv.plain && fc.cased:
			p = v + " = " + sqlquote.String(sv.lit)
		case sv.plain:
			p = "lower(" + v + ") = " + lowerLiteral(sv.lit)
		default:
			p = q.d.ilike(v, sv.glob, fc.cased)
		}
		if sv.numeric && sv.plain {
			p = "(" + p + " OR " + q.d.toDouble(v) + " = " + formatNum(sv.num) + ")"
		}
		return p, nil
	case opRe:
		return q.d.regex(v, sv.text), nil
	case opCIDR:
		p, err := q.d.cidr(v, sv)
		if err != nil {
			return "", q.unsupported(err.Error())
		}
		return p, nil
	case opLt, opLte, opGt, opGte:
		ops := map[opKind]string{opLt: " < ", opLte: " <= ", opGt: " > ", opGte: " >= "}
		return q.d.toDouble(v) + ops[fc.op] + formatNum(sv.num), nil
	}
	return "", fmt.Errorf("sigma: unexpected operator %d", fc.op)
}

// likePattern writes a glob as a LIKE pattern with \ as the escape.
func likePattern(g []gtok) string {
	var sb strings.Builder
	for _, t := range g {
		switch t.kind {
		case gAny:
			sb.WriteByte('%')
		case gOne:
			sb.WriteByte('_')
		default:
			for _, c := range t.lit {
				if c == '%' || c == '_' || c == '\\' {
					sb.WriteByte('\\')
				}
				sb.WriteRune(c)
			}
		}
	}
	return sb.String()
}

// lowerLiteral is the lower-cased literal: folded here when ASCII, else by
// the database's lower() so both sides fold alike.
func lowerLiteral(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "lower(" + sqlquote.String(s) + ")"
		}
	}
	return sqlquote.String(strings.ToLower(s))
}

func formatNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jsonPathKey writes one member step of a JSONPath.
func jsonPathKey(k string) string {
	if identRe.MatchString(k) {
		return "." + k
	}
	return `."` + strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), `"`, `\"`) + `"`
}

// ipv4Re matches a dotted-quad IPv4 address as net/netip accepts it.
const ipv4Octet = `(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`

var ipv4Re = ipv4Octet + `(\.` + ipv4Octet + `){3}`

// ipv4Range is the numeric range of an IPv4 prefix.
func ipv4Range(sv *sval) (lo, hi uint32, ok bool) {
	p := sv.prefix
	if !p.Addr().Is4() {
		return 0, 0, false
	}
	b := p.Addr().As4()
	lo = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	hi = lo | (1<<(32-p.Bits()) - 1)
	if p.Bits() == 0 {
		hi = 1<<32 - 1
	}
	return lo, hi, true
}
