package sigma

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"gopkg.in/yaml.v3"
)

// Detection is a rule's parsed detection block.
type Detection struct {
	// Condition is the condition as written (several are OR-ed).
	Condition []string
	// Timeframe is the legacy aggregation window ("30m"), if any.
	Timeframe string

	selections map[string]*selection
	order      []string // selection names as written
	cond       node
}

// Selections returns the names of the search identifiers, as written.
func (d *Detection) Selections() []string { return append([]string(nil), d.order...) }

// selection is a search identifier: an OR of alternatives, each an AND of
// field conditions (a map is one alternative, a list of maps several).
type selection struct {
	name string
	alts [][]*fieldCond
}

// opKind is what a field condition tests.
type opKind uint8

const (
	opMatch opKind = iota // equality, contains, startswith, endswith, wildcards: a glob
	opRe                  // regular expression
	opCIDR                // IP in network
	opLt                  // numeric comparisons
	opLte
	opGt
	opGte
	opExists
	opFieldRef // equal to another field's value
)

// fieldCond is one "field|modifiers: values" entry (field "" for keywords).
type fieldCond struct {
	key     string // as written
	field   string
	op      opKind
	all     bool
	cased   bool
	expand  bool
	wrap    string // contains, startswith, endswith or "" (applied to expanded placeholders)
	values  []*sval
	reFlags string
}

// sval is one value of a field condition, prepared for matching.
type sval struct {
	text        string // the value as written (after encoding modifiers)
	null        bool
	numeric     bool // the YAML value was a number: equality also compares numerically
	num         float64
	glob        []gtok
	re          *regexp.Regexp
	prefix      netip.Prefix
	exists      bool
	ref         string // fieldref: the other field
	placeholder string // expand: %name%

	plain  bool           // glob without wildcards: compare with lit
	lit    string         // the literal, lower-cased unless cased
	globRe *regexp.Regexp // glob with wildcards
}

// compileGlob prepares the matcher's form of the glob: a plain string, or a
// regular expression over the (lower-cased unless cased) value.
func (sv *sval) compileGlob(cased bool) {
	if lit, ok := plainGlob(sv.glob); ok {
		sv.plain, sv.lit = true, lit
		if !cased {
			sv.lit = strings.ToLower(lit)
		}
		return
	}
	var sb strings.Builder
	sb.WriteString("(?s)^")
	for _, t := range sv.glob {
		switch t.kind {
		case gAny:
			sb.WriteString(".*")
		case gOne:
			sb.WriteString(".")
		default:
			lit := t.lit
			if !cased {
				lit = strings.ToLower(lit)
			}
			sb.WriteString(regexp.QuoteMeta(lit))
		}
	}
	sb.WriteString("$")
	sv.globRe = regexp.MustCompile(sb.String())
}

type gkind uint8

const (
	gLit gkind = iota
	gAny       // *
	gOne       // ?
)

type gtok struct {
	kind gkind
	lit  string
}

// plain reports whether the glob is a literal (no wildcards).
func plainGlob(g []gtok) (string, bool) {
	var sb strings.Builder
	for _, t := range g {
		if t.kind != gLit {
			return "", false
		}
		sb.WriteString(t.lit)
	}
	return sb.String(), true
}

// parseWildcards splits a Sigma string into literals and wildcards: * and ?
// are wildcards, \* \? and \\ escape them, any other backslash is literal.
func parseWildcards(s string) []gtok {
	var out []gtok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, gtok{kind: gLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			if len(out) == 0 || out[len(out)-1].kind != gAny {
				out = append(out, gtok{kind: gAny})
			}
		case c == '?':
			flush()
			out = append(out, gtok{kind: gOne})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

func literalGlob(s string) []gtok {
	if s == "" {
		return nil
	}
	return []gtok{{kind: gLit, lit: s}}
}

func wrapGlob(g []gtok, wrap string) []gtok {
	anyTok := gtok{kind: gAny}
	out := g
	if wrap == "contains" || wrap == "endswith" {
		if len(out) == 0 || out[0].kind != gAny {
			out = append([]gtok{anyTok}, out...)
		}
	}
	if wrap == "contains" || wrap == "startswith" {
		if len(out) == 0 || out[len(out)-1].kind != gAny {
			out = append(append([]gtok(nil), out...), anyTok)
		}
	}
	return out
}

// knownModifiers are the Sigma value modifiers this package understands.
var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true,
	"base64": true, "base64offset": true, "utf16le": true, "utf16be": true,
	"utf16": true, "wide": true, "windash": true, "re": true, "i": true, "m": true,
	"s": true, "cidr": true, "lt": true, "lte": true, "gt": true, "gte": true,
	"exists": true, "cased": true, "fieldref": true, "expand": true,
}

func parseDetection(n *yaml.Node, rule string) (*Detection, *aggregation, []string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, nil, fmt.Errorf("must be a mapping")
	}
	d := &Detection{selections: map[string]*selection{}}
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, v := n.Content[i].Value, n.Content[i+1]
		switch name {
		case "condition":
			condNode = v
			continue
		case "timeframe":
			d.Timeframe = v.Value
			continue
		}
		sel, err := parseSelection(name, v)
		if err != nil {
			return nil, nil, nil, err
		}
		d.selections[name] = sel
		d.order = append(d.order, name)
	}
	if condNode == nil {
		return nil, nil, nil, fmt.Errorf("no condition")
	}
	conds, err := stringList(condNode, "condition")
	if err != nil || len(conds) == 0 {
		return nil, nil, nil, fmt.Errorf("condition must be a string or a list of strings")
	}
	d.Condition = conds
	var kids []node
	var agg *aggregation
	for _, c := range conds {
		expr, a, err := parseCondition(c, d, rule)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("condition %q: %w", c, err)
		}
		if a != nil {
			if len(conds) > 1 {
				return nil, nil, nil, fmt.Errorf("condition %q: an aggregation must be the only condition", c)
			}
			agg = a
		}
		kids = append(kids, expr)
	}
	if len(kids) == 1 {
		d.cond = kids[0]
	} else {
		d.cond = &nOr{kids: kids}
	}
	var warnings []string
	if d.Timeframe != "" && agg == nil {
		warnings = append(warnings, fmt.Sprintf("timeframe %s is ignored: the condition has no aggregation, so it matches single events", d.Timeframe))
	}
	return d, agg, warnings, nil
}

func parseSelection(name string, v *yaml.Node) (*selection, error) {
	sel := &selection{name: name}
	switch v.Kind {
	case yaml.MappingNode:
		alt, err := parseFieldMap(v)
		if err != nil {
			return nil, fmt.Errorf("selection %s: %w", name, err)
		}
		sel.alts = append(sel.alts, alt)
	case yaml.SequenceNode:
		var keywords []*yaml.Node
		for _, e := range v.Content {
			switch e.Kind {
			case yaml.MappingNode:
				alt, err := parseFieldMap(e)
				if err != nil {
					return nil, fmt.Errorf("selection %s: %w", name, err)
				}
				sel.alts = append(sel.alts, alt)
			case yaml.ScalarNode:
				keywords = append(keywords, e)
			default:
				return nil, fmt.Errorf("selection %s: a list must hold maps or keywords", name)
			}
		}
		if len(keywords) > 0 {
			fc, err := parseFieldCond("", &yaml.Node{Kind: yaml.SequenceNode, Content: keywords})
			if err != nil {
				return nil, fmt.Errorf("selection %s: %w", name, err)
			}
			sel.alts = append(sel.alts, []*fieldCond{fc})
		}
	case yaml.ScalarNode:
		fc, err := parseFieldCond("", v)
		if err != nil {
			return nil, fmt.Errorf("selection %s: %w", name, err)
		}
		sel.alts = append(sel.alts, []*fieldCond{fc})
	default:
		return nil, fmt.Errorf("selection %s: unsupported YAML node", name)
	}
	if len(sel.alts) == 0 {
		return nil, fmt.Errorf("selection %s is empty", name)
	}
	return sel, nil
}

func parseFieldMap(m *yaml.Node) ([]*fieldCond, error) {
	if len(m.Content) == 0 {
		return nil, fmt.Errorf("empty map")
	}
	var out []*fieldCond
	for i := 0; i+1 < len(m.Content); i += 2 {
		fc, err := parseFieldCond(m.Content[i].Value, m.Content[i+1])
		if err != nil {
			return nil, err
		}
		out = append(out, fc)
	}
	return out, nil
}

// parseFieldCond parses "field|mod|mod: value(s)".
func parseFieldCond(key string, v *yaml.Node) (*fieldCond, error) {
	parts := strings.Split(key, "|")
	fc := &fieldCond{key: key, field: parts[0]}
	mods := parts[1:]
	if err := checkModifiers(key, mods); err != nil {
		return nil, err
	}
	nodes, err := valueNodes(key, v)
	if err != nil {
		return nil, err
	}
	encoders, opSet, err := fc.applyModifiers(mods)
	if err != nil {
		return nil, err
	}
	if err := fc.checkModifierUse(opSet, encoders, len(nodes)); err != nil {
		return nil, err
	}
	if fc.field == "" && fc.op == opMatch && fc.wrap == "" {
		fc.wrap = "contains" // keywords are searched anywhere in the event
	}
	flags := []byte(fc.reFlags) // sorted, so that i|m and m|i compile alike
	sort.Slice(flags, func(i, j int) bool { return flags[i] < flags[j] })
	fc.reFlags = string(flags)
	for _, n := range nodes {
		vals, err := fc.parseValue(n, encoders)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
		fc.values = append(fc.values, vals...)
	}
	return fc, nil
}

// checkModifiers rejects the modifiers of key this package does not know,
// naming them all.
func checkModifiers(key string, mods []string) error {
	var unknown []string
	for _, m := range mods {
		if !knownModifiers[m] {
			unknown = append(unknown, strconv.Quote(m))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("unknown modifier(s) %s in %q", strings.Join(unknown, ", "), key)
	}
	return nil
}

// valueNodes is a field condition's values: a scalar, or a non-empty list of
// scalars.
func valueNodes(key string, v *yaml.Node) ([]*yaml.Node, error) {
	var nodes []*yaml.Node
	switch v.Kind {
	case yaml.ScalarNode:
		nodes = []*yaml.Node{v}
	case yaml.SequenceNode:
		nodes = v.Content
		if len(nodes) == 0 {
			return nil, fmt.Errorf("%q: empty value list", key)
		}
	default:
		return nil, fmt.Errorf("%q: a value must be a scalar or a list of scalars", key)
	}
	for _, n := range nodes {
		if n.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%q: a value must be a scalar or a list of scalars", key)
		}
	}
	return nodes, nil
}

// opModifiers are the modifiers that set what a condition tests (at most one
// of them per condition).
var opModifiers = map[string]opKind{
	"contains": opMatch, "startswith": opMatch, "endswith": opMatch,
	"re": opRe, "cidr": opCIDR,
	"lt": opLt, "lte": opLte, "gt": opGt, "gte": opGte,
	"exists": opExists, "fieldref": opFieldRef,
}

// applyModifiers sets fc's operation and flags from its modifiers, in order.
// It returns the value encoders (applied in order) and the modifier that
// set the operation ("" for none).
func (fc *fieldCond) applyModifiers(mods []string) (encoders []string, opSet string, err error) {
	for _, m := range mods {
		if op, ok := opModifiers[m]; ok {
			if opSet != "" {
				return nil, "", fmt.Errorf("%q: modifiers %s and %s cannot be combined", fc.key, opSet, m)
			}
			opSet, fc.op = m, op
			if op == opMatch {
				fc.wrap = m
			}
			continue
		}
		switch m {
		case "all":
			fc.all = true
		case "cased":
			fc.cased = true
		case "i", "m", "s":
			if !strings.Contains(fc.reFlags, m) {
				fc.reFlags += m
			}
		case "expand":
			fc.expand = true
		default: // value encoders, applied in order
			encoders = append(encoders, m)
		}
	}
	return encoders, opSet, nil
}

// checkModifierUse rejects modifiers that do not go with the operation (or
// with a keyword search), and an exists with several values.
func (fc *fieldCond) checkModifierUse(opSet string, encoders []string, nValues int) error {
	key := fc.key
	if fc.reFlags != "" && fc.op != opRe {
		return fmt.Errorf("%q: modifiers i, m and s need re", key)
	}
	if len(encoders) > 0 && fc.op != opMatch {
		return fmt.Errorf("%q: %s cannot be combined with %s", key, strings.Join(encoders, "|"), opSet)
	}
	if fc.field == "" && fc.op != opMatch && fc.op != opRe {
		return fmt.Errorf("%q: keyword searches take no %s", key, opSet)
	}
	if fc.op == opExists && nValues != 1 {
		return fmt.Errorf("%q: exists takes one boolean", key)
	}
	return nil
}

// parseValue prepares one YAML value of the condition: an operand of its
// operation, or (for matching) null, a placeholder or the globs of the
// encoded value.
func (fc *fieldCond) parseValue(n *yaml.Node, encoders []string) ([]*sval, error) {
	if fc.op != opMatch {
		sv, err := fc.operandValue(n)
		if err != nil {
			return nil, err
		}
		return []*sval{sv}, nil
	}
	text := n.Value
	if n.Tag == "!!null" {
		if fc.wrap != "" || len(encoders) > 0 || fc.field == "" {
			return nil, fmt.Errorf("null cannot take %s", strings.Join(append([]string{fc.wrap}, encoders...), "|"))
		}
		return []*sval{{null: true}}, nil
	}
	if fc.expand {
		if !strings.HasPrefix(text, "%") || !strings.HasSuffix(text, "%") || len(text) < 3 {
			return nil, fmt.Errorf("expand needs a %%placeholder%%, got %q", text)
		}
		return []*sval{{text: text, placeholder: text}}, nil
	}
	texts, literal, err := encodeAll(text, encoders)
	if err != nil {
		return nil, err
	}
	// A YAML number also equals the same number written otherwise, unless
	// the value is wrapped or encoded.
	numeric := (n.Tag == "!!int" || n.Tag == "!!float") && fc.wrap == "" && len(encoders) == 0
	var out []*sval
	for _, t := range texts {
		out = append(out, fc.globValue(t, literal, numeric))
	}
	return out, nil
}

// operandValue is the value of a condition whose operation is not matching:
// exists, fieldref, a numeric comparison, cidr or re.
func (fc *fieldCond) operandValue(n *yaml.Node) (*sval, error) {
	isNull := n.Tag == "!!null"
	text := n.Value
	switch fc.op {
	case opExists:
		b, err := strconv.ParseBool(text)
		if err != nil || n.Tag != "!!bool" {
			return nil, fmt.Errorf("exists needs true or false, got %q", text)
		}
		return &sval{text: text, exists: b}, nil
	case opFieldRef:
		if isNull || text == "" {
			return nil, fmt.Errorf("fieldref needs a field name")
		}
		return &sval{text: text, ref: text}, nil
	case opLt, opLte, opGt, opGte:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || isNull {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		return &sval{text: text, numeric: true, num: f}, nil
	case opCIDR:
		p, err := netip.ParsePrefix(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("invalid CIDR: %w", err)
		}
		return &sval{text: text, prefix: p.Masked()}, nil
	}
	// opRe
	if isNull {
		return nil, fmt.Errorf("re needs a pattern")
	}
	src := text
	if fc.reFlags != "" {
		src = "(?" + fc.reFlags + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", text, err)
	}
	return &sval{text: src, re: re}, nil
}

// encodeAll applies the encoders in order, each to every text the previous
// one gave. literal reports that some encoder made the texts plain
// characters rather than Sigma patterns.
func encodeAll(text string, encoders []string) (texts []string, literal bool, err error) {
	texts = []string{text}
	for _, e := range encoders {
		var next []string
		for _, t := range texts {
			vs, lit, err := encodeValue(e, t)
			if err != nil {
				return nil, false, err
			}
			literal = literal || lit
			next = append(next, vs...)
		}
		texts = next
	}
	return texts, literal, nil
}

// globValue is one matching value: t as a glob (wrapped as the condition
// says), and as a number when numeric and t parses as one.
func (fc *fieldCond) globValue(t string, literal, numeric bool) *sval {
	sv := &sval{text: t}
	if literal {
		sv.glob = literalGlob(t)
	} else {
		sv.glob = parseWildcards(t)
	}
	sv.glob = wrapGlob(sv.glob, fc.wrap)
	sv.compileGlob(fc.cased)
	if numeric {
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			sv.numeric, sv.num = true, f
		}
	}
	return sv
}

// encodeValue applies one encoding modifier. literal reports that the result
// is no longer a Sigma pattern (wildcards are plain characters).
func encodeValue(mod, s string) ([]string, bool, error) {
	switch mod {
	case "base64":
		return []string{base64.StdEncoding.EncodeToString([]byte(s))}, true, nil
	case "base64offset":
		return base64Offsets(s), true, nil
	case "utf16le", "wide":
		return []string{utf16Bytes(s, false, false)}, true, nil
	case "utf16be":
		return []string{utf16Bytes(s, true, false)}, true, nil
	case "utf16":
		return []string{utf16Bytes(s, false, true)}, true, nil
	case "windash":
		return windash(s), false, nil
	}
	return nil, false, fmt.Errorf("unknown modifier %q", mod)
}

// base64Offsets is the three base64 encodings of s at every byte offset
// modulo 3, trimmed to the characters that do not depend on the
// surrounding bytes (as pySigma does).
func base64Offsets(s string) []string {
	starts := []int{0, 2, 3}
	ends := []int{0, -3, -2}
	var out []string
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc)
		if e := ends[(len(s)+i)%3]; e != 0 {
			end += e
		}
		if starts[i] <= end {
			out = append(out, enc[starts[i]:end])
		}
	}
	return out
}

func utf16Bytes(s string, bigEndian, bom bool) string {
	var b []byte
	if bom {
		b = append(b, 0xff, 0xfe)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

// windash expands every "-" or "/" that starts a word into the dashes and
// slash Windows command lines accept.
func windash(s string) []string {
	dashes := []string{"-", "/", "\u2013", "\u2014", "\u2015"}
	isWord := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	var pos []int
	for i := 0; i < len(s); i++ {
		if (s[i] == '-' || s[i] == '/') && (i == 0 || !isWord(s[i-1])) && i+1 < len(s) && isWord(s[i+1]) {
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 || len(pos) > 4 {
		return []string{s}
	}
	out := []string{""}
	last := 0
	for _, p := range pos {
		var next []string
		for _, prefix := range out {
			for _, d := range dashes {
				next = append(next, prefix+s[last:p]+d)
			}
		}
		out = next
		last = p + 1
	}
	for i := range out {
		out[i] += s[last:]
	}
	return out
}
