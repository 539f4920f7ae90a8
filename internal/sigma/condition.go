package sigma

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// node is a parsed condition.
type node interface{ isNode() }

type (
	nAnd     struct{ kids []node }
	nOr      struct{ kids []node }
	nNot     struct{ kid node }
	nSel     struct{ sel *selection }
	nAtLeast struct {
		n    int
		kids []node
	}
)

func (*nAnd) isNode()     {}
func (*nOr) isNode()      {}
func (*nNot) isNode()     {}
func (*nSel) isNode()     {}
func (*nAtLeast) isNode() {}

// aggregation is a legacy "| count(...) by ... op N" suffix.
type aggregation struct {
	field   string // count(field): distinct values
	groupBy string
	op      string // gt, gte, lt, lte, eq
	n       int
}

type condParser struct {
	toks []string
	pos  int
	det  *Detection
	rule string // the rule's label, for errors
}

func lexCondition(s string) []string {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '|':
			toks = append(toks, string(c))
			i++
		case c == '<' || c == '>' || c == '=' || c == '!':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|<>=!", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

// parseCondition parses one condition string against the detection's
// selections: or < and < not in binding strength, "N of pattern",
// "all of them", parentheses, and a legacy aggregation after "|".
func parseCondition(s string, det *Detection, rule string) (node, *aggregation, error) {
	p := &condParser{toks: lexCondition(s), det: det, rule: rule}
	if len(p.toks) == 0 {
		return nil, nil, fmt.Errorf("empty condition")
	}
	n, err := p.or()
	if err != nil {
		return nil, nil, err
	}
	var agg *aggregation
	if p.peek() == "|" {
		p.pos++
		agg, err = p.aggregation()
		if err != nil {
			return nil, nil, err
		}
	}
	if p.pos < len(p.toks) {
		return nil, nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return n, agg, nil
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *condParser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *condParser) or() (node, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []node{n}
	for strings.EqualFold(p.peek(), "or") {
		p.pos++
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, m)
	}
	if len(kids) == 1 {
		return n, nil
	}
	return &nOr{kids: kids}, nil
}

func (p *condParser) and() (node, error) {
	n, err := p.not()
	if err != nil {
		return nil, err
	}
	kids := []node{n}
	for strings.EqualFold(p.peek(), "and") {
		p.pos++
		m, err := p.not()
		if err != nil {
			return nil, err
		}
		kids = append(kids, m)
	}
	if len(kids) == 1 {
		return n, nil
	}
	return &nAnd{kids: kids}, nil
}

func (p *condParser) not() (node, error) {
	if strings.EqualFold(p.peek(), "not") {
		p.pos++
		n, err := p.not()
		if err != nil {
			return nil, err
		}
		return &nNot{kid: n}, nil
	}
	return p.primary()
}

func (p *condParser) primary() (node, error) {
	t := p.next()
	switch {
	case t == "":
		return nil, fmt.Errorf("unexpected end of condition")
	case t == "(":
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		return n, nil
	case t == ")" || t == "|":
		return nil, fmt.Errorf("unexpected %q", t)
	}
	low := strings.ToLower(t)
	if strings.EqualFold(p.peek(), "of") {
		p.pos++
		target := p.next()
		if target == "" {
			return nil, fmt.Errorf("%s of: missing selection pattern", t)
		}
		names, err := p.match(target)
		if err != nil {
			return nil, err
		}
		var kids []node
		for _, name := range names {
			kids = append(kids, &nSel{sel: p.det.selections[name]})
		}
		switch low {
		case "1", "any":
			return orOf(kids), nil
		case "all":
			return andOf(kids), nil
		default:
			k, err := strconv.Atoi(low)
			if err != nil || k < 1 {
				return nil, fmt.Errorf("invalid quantifier %q (want 1, any, all or a count)", t)
			}
			if k > len(kids) {
				return nil, fmt.Errorf("%d of %s: only %d selection(s) match", k, target, len(kids))
			}
			return &nAtLeast{n: k, kids: kids}, nil
		}
	}
	switch low {
	case "and", "or", "not", "of", "them":
		return nil, fmt.Errorf("unexpected %q", t)
	}
	sel := p.det.selections[t]
	if sel == nil {
		return nil, fmt.Errorf("unknown selection %q", t)
	}
	return &nSel{sel: sel}, nil
}

func orOf(k []node) node {
	if len(k) == 1 {
		return k[0]
	}
	return &nOr{kids: k}
}

func andOf(k []node) node {
	if len(k) == 1 {
		return k[0]
	}
	return &nAnd{kids: k}
}

// match expands "them" or a selection name pattern (with * wildcards).
func (p *condParser) match(target string) ([]string, error) {
	var names []string
	for _, name := range p.det.order {
		if strings.EqualFold(target, "them") {
			if !strings.HasPrefix(name, "_") {
				names = append(names, name)
			}
			continue
		}
		if ok, err := path.Match(target, name); err != nil {
			return nil, fmt.Errorf("invalid selection pattern %q: %w", target, err)
		} else if ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no selection matches %q", target)
	}
	return names, nil
}

// aggregation parses "count([field]) [by group] op N".
func (p *condParser) aggregation() (*aggregation, error) {
	t := p.next()
	fn, arg, _ := strings.Cut(t, "(")
	fn = strings.ToLower(fn)
	if fn == "near" {
		return nil, &UnsupportedError{Rule: p.rule, Construct: "legacy aggregation \"near\" (use a temporal correlation rule)"}
	}
	if fn != "count" {
		switch fn {
		case "min", "max", "avg", "sum":
			return nil, &UnsupportedError{Rule: p.rule, Construct: fmt.Sprintf("legacy aggregation %s()", fn)}
		}
		return nil, fmt.Errorf("unknown aggregation %q", t)
	}
	a := &aggregation{}
	if arg == "" { // "count" "(" field ")" split by the lexer
		if p.next() != "(" {
			return nil, fmt.Errorf("count needs parentheses")
		}
		for p.peek() != ")" && p.peek() != "" {
			a.field += p.next()
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing ) after count(")
		}
	}
	if strings.EqualFold(p.peek(), "by") {
		p.pos++
		a.groupBy = p.next()
		if a.groupBy == "" {
			return nil, fmt.Errorf("count() by: missing field")
		}
	}
	ops := map[string]string{">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "=": "eq", "==": "eq"}
	op, ok := ops[p.next()]
	if !ok {
		return nil, fmt.Errorf("aggregation needs a comparison (>, >=, <, <=, ==)")
	}
	a.op = op
	n, err := strconv.Atoi(p.next())
	if err != nil {
		return nil, fmt.Errorf("aggregation needs an integer threshold")
	}
	a.n = n
	return a, nil
}
