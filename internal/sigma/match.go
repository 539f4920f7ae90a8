package sigma

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Event is one CloudTrail event prepared for matching: parsed once, then
// matched against any number of rules.
type Event struct {
	// ID and Time identify the event in correlation results. NewEvent sets
	// them from eventID and eventTime; callers may override them (for
	// instance with the case database's event_id).
	ID   string
	Time time.Time
	// Raw is the event's JSON text, searched by keyword (field-less) rules.
	Raw  []byte
	root *jv
}

// NewEvent parses one event's raw JSON.
func NewEvent(raw []byte) (*Event, error) {
	root, err := parseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("parsing event: %w", err)
	}
	if root.kind != jObj {
		return nil, fmt.Errorf("parsing event: %w", errNotObject)
	}
	return newEvent(root, raw), nil
}

// NewEventFromMap prepares a decoded event (encoding/json's model). Keyword
// searches run over its JSON encoding, with members sorted by name.
func NewEventFromMap(m map[string]any) (*Event, error) {
	root, err := fromGo(m)
	if err != nil {
		return nil, fmt.Errorf("converting event: %w", err)
	}
	var sb strings.Builder
	writeDuck(&sb, root)
	return newEvent(root, []byte(sb.String())), nil
}

func newEvent(root *jv, raw []byte) *Event {
	ev := &Event{Raw: raw, root: root}
	if s, ok := columnText(root.get("eventID")); ok {
		ev.ID = s
	}
	if t := root.get("eventTime"); t != nil && t.kind == jStr {
		if tm, err := time.Parse(time.RFC3339Nano, t.s); err == nil {
			ev.Time = tm.UTC()
		}
	}
	return ev
}

// MatchOptions tune a Matcher.
type MatchOptions struct {
	// Placeholders gives the values of %placeholders% used with the expand
	// modifier (name without the % signs → values, which may hold wildcards).
	Placeholders map[string][]string
}

// Matcher evaluates one detection rule against single events, with the same
// semantics as the SQL the rule compiles to.
type Matcher struct {
	rule     *Rule
	det      *Detection
	expanded map[*fieldCond][]*sval
	fields   map[string]*fieldInfo
}

// NewMatcher prepares a detection rule. Correlation rules (including legacy
// "| count()" rules) need a CorrelationMatcher; rules for other log sources
// return an error wrapping ErrNotApplicable.
func NewMatcher(r *Rule, opts MatchOptions) (*Matcher, error) {
	if err := r.Applicable(); err != nil {
		return nil, err
	}
	if r.Correlation != nil {
		return nil, fmt.Errorf("sigma rule %s is a correlation: use NewCorrelationMatcher", r.label())
	}
	return newDetectionMatcher(r, opts)
}

func newDetectionMatcher(r *Rule, opts MatchOptions) (*Matcher, error) {
	if r.Detection == nil {
		return nil, fmt.Errorf("sigma rule %s has no detection", r.label())
	}
	exp, err := expandPlaceholders(r, opts.Placeholders, "")
	if err != nil {
		return nil, err
	}
	return &Matcher{rule: r, det: r.Detection, expanded: exp, fields: map[string]*fieldInfo{}}, nil
}

// Rule returns the matcher's rule.
func (m *Matcher) Rule() *Rule { return m.rule }

// Match reports whether the event matches the rule.
func (m *Matcher) Match(ev *Event) bool { return m.eval(m.det.cond, ev) }

// MatchJSON parses raw and matches it.
func (m *Matcher) MatchJSON(raw []byte) (bool, error) {
	ev, err := NewEvent(raw)
	if err != nil {
		return false, err
	}
	return m.Match(ev), nil
}

// MatchMap matches a decoded event.
func (m *Matcher) MatchMap(event map[string]any) (bool, error) {
	ev, err := NewEventFromMap(event)
	if err != nil {
		return false, err
	}
	return m.Match(ev), nil
}

func (m *Matcher) eval(n node, ev *Event) bool {
	switch t := n.(type) {
	case *nAnd:
		for _, k := range t.kids {
			if !m.eval(k, ev) {
				return false
			}
		}
		return true
	case *nOr:
		for _, k := range t.kids {
			if m.eval(k, ev) {
				return true
			}
		}
		return false
	case *nNot:
		return !m.eval(t.kid, ev)
	case *nAtLeast:
		c := 0
		for _, k := range t.kids {
			if m.eval(k, ev) {
				c++
			}
		}
		return c >= t.n
	case *nSel:
		for _, alt := range t.sel.alts {
			ok := true
			for _, fc := range alt {
				if !m.evalCond(fc, ev) {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
		return false
	}
	panic(fmt.Sprintf("sigma: unknown condition node %T", n))
}

func (m *Matcher) field(name string) *fieldInfo {
	fi := m.fields[name]
	if fi == nil {
		c := classify(name)
		fi = &c
		m.fields[name] = fi
	}
	return fi
}

func (m *Matcher) evalCond(fc *fieldCond, ev *Event) bool {
	vals := fc.values
	if fc.expand {
		vals = m.expanded[fc]
	}
	var have []string
	if fc.field == "" {
		have = []string{string(ev.Raw)}
	} else {
		have = m.field(fc.field).values(ev.root)
	}
	switch fc.op {
	case opExists:
		return (len(have) > 0) == vals[0].exists
	case opFieldRef:
		other := m.field(vals[0].ref).values(ev.root)
		for _, a := range have {
			for _, b := range other {
				if a == b || (!fc.cased && strings.ToLower(a) == strings.ToLower(b)) {
					return true
				}
			}
		}
		return false
	}
	for _, sv := range vals {
		ok := valueMatches(fc, sv, have)
		if fc.all && !ok {
			return false
		}
		if !fc.all && ok {
			return true
		}
	}
	return fc.all
}

func valueMatches(fc *fieldCond, sv *sval, have []string) bool {
	if sv.null {
		return len(have) == 0
	}
	for _, v := range have {
		if predicate(fc, sv, v) {
			return true
		}
	}
	return false
}

func predicate(fc *fieldCond, sv *sval, v string) bool {
	switch fc.op {
	case opMatch:
		if sv.numeric && sv.plain {
			if f, ok := parseNumber(v); ok && f == sv.num {
				return true
			}
		}
		s := v
		if !fc.cased {
			s = strings.ToLower(v)
		}
		if sv.plain {
			return s == sv.lit
		}
		return sv.globRe.MatchString(s)
	case opRe:
		return sv.re.MatchString(v)
	case opCIDR:
		a, err := netip.ParseAddr(v)
		return err == nil && a.Zone() == "" && sv.prefix.Contains(a)
	case opLt, opLte, opGt, opGte:
		f, ok := parseNumber(v)
		if !ok {
			return false
		}
		switch fc.op {
		case opLt:
			return f < sv.num
		case opLte:
			return f <= sv.num
		case opGt:
			return f > sv.num
		default:
			return f >= sv.num
		}
	}
	return false
}

// parseNumber reads a value as SQL's TRY_CAST(v AS DOUBLE) would.
func parseNumber(v string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return f, err == nil
}

// expandPlaceholders resolves the %placeholders% of expand modifiers.
func expandPlaceholders(r *Rule, ph map[string][]string, d Dialect) (map[*fieldCond][]*sval, error) {
	out := map[*fieldCond][]*sval{}
	var missing []string
	for _, name := range r.Detection.order {
		for _, alt := range r.Detection.selections[name].alts {
			for _, fc := range alt {
				if !fc.expand {
					continue
				}
				var vals []*sval
				for _, sv := range fc.values {
					key := strings.Trim(sv.placeholder, "%")
					repl, ok := ph[key]
					if !ok {
						missing = append(missing, sv.placeholder)
						continue
					}
					for _, text := range repl {
						nv := &sval{text: text, glob: wrapGlob(parseWildcards(text), fc.wrap)}
						nv.compileGlob(fc.cased)
						vals = append(vals, nv)
					}
				}
				out[fc] = vals
			}
		}
	}
	if len(missing) > 0 {
		return nil, &UnsupportedError{Rule: r.label(), Dialect: d,
			Construct: fmt.Sprintf("expand modifier with no value for placeholder(s) %s (set Placeholders)", strings.Join(missing, ", "))}
	}
	return out, nil
}
