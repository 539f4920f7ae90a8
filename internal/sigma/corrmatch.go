package sigma

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// CorrelationMatcher evaluates a correlation rule over a set of events, with
// the semantics of its SQL (see the package documentation).
type CorrelationMatcher struct {
	rule  *Rule
	c     *Correlation
	bases []*Matcher
}

// CorrelationResult is one qualifying window of a correlation.
type CorrelationResult struct {
	Group       []GroupValue
	WindowStart time.Time
	WindowEnd   time.Time
	// Count is the aggregate the condition tested: events (event_count),
	// distinct values (value_count) or distinct referenced rules (temporal).
	Count int
	// EventIDs are the distinct ids of the window's events, sorted.
	EventIDs []string
}

// GroupValue is one group-by field's value; Value is nil when the field is
// absent.
type GroupValue struct {
	Field string
	Value *string
}

// NewCorrelationMatcher prepares a correlation rule (or a legacy
// "| count()" rule) whose references are linked.
func NewCorrelationMatcher(r *Rule, opts MatchOptions) (*CorrelationMatcher, error) {
	if r.Correlation == nil {
		return nil, fmt.Errorf("sigma rule %s is not a correlation: use NewMatcher", r.label())
	}
	if err := r.Applicable(); err != nil {
		return nil, err
	}
	bases, err := baseRules(r, "")
	if err != nil {
		return nil, err
	}
	cm := &CorrelationMatcher{rule: r, c: r.Correlation}
	for _, b := range bases {
		m, err := newDetectionMatcher(b, opts)
		if err != nil {
			return nil, relabel(err, r)
		}
		cm.bases = append(cm.bases, m)
	}
	return cm, nil
}

type corrHit struct {
	ev   *Event
	rule int
	val  *string
}

// Run evaluates the correlation over events (in any order; events without
// a time are ignored) and returns the qualifying windows ordered by start.
func (cm *CorrelationMatcher) Run(events []*Event) []CorrelationResult {
	c := cm.c
	type group struct {
		key  []*string
		hits []corrHit
	}
	groups := map[string]*group{}
	var order []string
	for _, ev := range events {
		if ev.Time.IsZero() {
			continue
		}
		for i, m := range cm.bases {
			if !m.Match(ev) {
				continue
			}
			key := make([]*string, len(c.GroupBy))
			var sb strings.Builder
			for gi, g := range c.GroupBy {
				key[gi] = m.first(c.groupField(g, i), ev)
				if key[gi] == nil {
					sb.WriteString("\x00N")
				} else {
					sb.WriteString("\x00S" + *key[gi])
				}
			}
			h := corrHit{ev: ev, rule: i}
			if c.Type == ValueCount {
				h.val = m.first(c.Field, ev)
			}
			k := sb.String()
			gr := groups[k]
			if gr == nil {
				gr = &group{key: key}
				groups[k] = gr
				order = append(order, k)
			}
			gr.hits = append(gr.hits, h)
		}
	}
	var out []CorrelationResult
	for _, k := range order {
		gr := groups[k]
		sort.SliceStable(gr.hits, func(i, j int) bool { return gr.hits[i].ev.Time.Before(gr.hits[j].ev.Time) })
		for _, w := range cm.windows(gr.hits) {
			for gi, g := range c.GroupBy {
				w.Group = append(w.Group, GroupValue{Field: g, Value: gr.key[gi]})
			}
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].WindowStart.Before(out[j].WindowStart) })
	return out
}

// windows finds the qualifying windows of one group's hits (sorted by time).
func (cm *CorrelationMatcher) windows(hits []corrHit) []CorrelationResult {
	c := cm.c
	if len(hits) == 0 {
		return nil
	}
	if c.Timespan == 0 {
		w := cm.summarize(hits)
		w.WindowStart, w.WindowEnd = hits[0].ev.Time, hits[len(hits)-1].ev.Time
		if c.meets(w.Count) {
			return []CorrelationResult{w}
		}
		return nil
	}
	var out []CorrelationResult
	seen := map[time.Time]bool{}
	for _, a := range hits {
		t := a.ev.Time
		if seen[t] || (c.Type == TemporalOrdered && a.rule != 0) {
			continue
		}
		seen[t] = true
		end := t.Add(c.Timespan)
		var in []corrHit
		for _, h := range hits {
			if !h.ev.Time.Before(t) && !h.ev.Time.After(end) {
				in = append(in, h)
			}
		}
		if c.Type == TemporalOrdered && !ordered(in, t, len(cm.bases)) {
			continue
		}
		w := cm.summarize(in)
		w.WindowStart, w.WindowEnd = t, end
		if c.meets(w.Count) {
			out = append(out, w)
		}
	}
	return out
}

// ordered reports whether rule 0 at start is followed, within the window,
// by rules 1, 2, … in time order (each at or after the previous one).
func ordered(in []corrHit, start time.Time, n int) bool {
	prev := start
	for r := 1; r < n; r++ {
		var best time.Time
		found := false
		for _, h := range in {
			if h.rule == r && !h.ev.Time.Before(prev) && (!found || h.ev.Time.Before(best)) {
				best, found = h.ev.Time, true
			}
		}
		if !found {
			return false
		}
		prev = best
	}
	return true
}

func (cm *CorrelationMatcher) summarize(in []corrHit) CorrelationResult {
	ids := map[string]bool{}
	vals := map[string]bool{}
	rules := map[int]bool{}
	for _, h := range in {
		ids[h.ev.ID] = true
		rules[h.rule] = true
		if h.val != nil {
			vals[*h.val] = true
		}
	}
	w := CorrelationResult{EventIDs: slices.Sorted(maps.Keys(ids))}
	switch cm.c.Type {
	case EventCount:
		w.Count = len(ids)
	case ValueCount:
		w.Count = len(vals)
	default:
		w.Count = len(rules)
	}
	return w
}

// first is the field's first value in ev, nil when it has none.
func (m *Matcher) first(field string, ev *Event) *string {
	v := m.field(field).values(ev.root)
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}
