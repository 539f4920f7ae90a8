package sigma

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// CorrelationType is a Sigma v2 correlation type.
type CorrelationType string

// The correlation types of the Sigma specification.
const (
	EventCount      CorrelationType = "event_count"
	ValueCount      CorrelationType = "value_count"
	Temporal        CorrelationType = "temporal"
	TemporalOrdered CorrelationType = "temporal_ordered"
)

// Correlation is a correlation rule's correlation block.
type Correlation struct {
	Type CorrelationType
	// Rules are the referenced rules' names or ids, as written.
	Rules   []string
	GroupBy []string
	// Timespan is the window length; 0 means the whole case (a legacy
	// count() with no timeframe).
	Timespan time.Duration
	// Field is the field whose distinct values value_count counts.
	Field string
	// Condition is the threshold(s) the window's count must meet, all of them.
	Condition []Threshold
	// Generate asks for the referenced rules' own matches too (recorded;
	// callers run those rules themselves).
	Generate bool
	// Aliases maps an alias used in GroupBy to the field it stands for in
	// each referenced rule (rule name or id → field).
	Aliases map[string]map[string]string

	bases  []*Rule // resolved Rules, same order; nil until linked
	legacy bool    // made from a "| count()" condition; bases[0] is the rule itself
}

// Threshold is one comparison of a correlation condition, e.g. gte 10.
type Threshold struct {
	Op string // gt, gte, lt, lte, eq
	N  int
}

// Bases returns the referenced rules, nil for references not yet linked.
func (c *Correlation) Bases() []*Rule { return append([]*Rule(nil), c.bases...) }

func (c *Correlation) meets(n int) bool {
	for _, t := range c.Condition {
		ok := false
		switch t.Op {
		case "gt":
			ok = n > t.N
		case "gte":
			ok = n >= t.N
		case "lt":
			ok = n < t.N
		case "lte":
			ok = n <= t.N
		case "eq":
			ok = n == t.N
		}
		if !ok {
			return false
		}
	}
	return true
}

// groupField is the field group-by key g stands for in base rule i.
func (c *Correlation) groupField(g string, i int) string {
	if a, ok := c.Aliases[g]; ok {
		b := c.bases[i]
		for _, ref := range []string{c.Rules[i], b.Name, b.ID} {
			if f, ok := a[ref]; ok && ref != "" {
				return f
			}
		}
	}
	return g
}

// parseCorrelation reads a correlation block, checking what its type needs.
func parseCorrelation(n *yaml.Node) (*Correlation, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("must be a mapping")
	}
	c := &Correlation{Type: CorrelationType(scalarOf(mapGet(n, "type")))}
	switch c.Type {
	case EventCount, ValueCount, Temporal, TemporalOrdered:
	case "":
		return nil, fmt.Errorf("missing type")
	default:
		return nil, fmt.Errorf("unknown type %q (want event_count, value_count, temporal or temporal_ordered)", c.Type)
	}
	steps := []func(*yaml.Node) error{c.parseRules, c.parseTimespanAndField, c.parseAliases, c.parseCondition}
	for _, step := range steps {
		if err := step(n); err != nil {
			return nil, err
		}
	}
	if err := c.defaultCondition(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseRules reads the rules correlated (at least one) and the group-by
// fields.
func (c *Correlation) parseRules(n *yaml.Node) error {
	var err error
	if c.Rules, err = stringList(mapGet(n, "rules"), "rules"); err != nil {
		return err
	}
	if len(c.Rules) == 0 {
		return fmt.Errorf("no rules")
	}
	c.bases = make([]*Rule, len(c.Rules))
	if c.GroupBy, err = stringList(mapGet(n, "group-by"), "group-by"); err != nil {
		return err
	}
	return nil
}

// parseTimespanAndField reads the timespan (or its older name timeframe),
// then field and generate.
func (c *Correlation) parseTimespanAndField(n *yaml.Node) error {
	span := scalarOf(mapGet(n, "timespan"))
	if span == "" {
		span = scalarOf(mapGet(n, "timeframe"))
	}
	if span == "" {
		return fmt.Errorf("missing timespan")
	}
	var err error
	if c.Timespan, err = parseTimespan(span); err != nil {
		return err
	}
	c.Field = scalarOf(mapGet(n, "field"))
	if g := mapGet(n, "generate"); g != nil {
		c.Generate, _ = strconv.ParseBool(g.Value)
	}
	return nil
}

// parseAliases reads the aliases: per alias, a field name for each rule.
func (c *Correlation) parseAliases(n *yaml.Node) error {
	a := mapGet(n, "aliases")
	if a == nil {
		return nil
	}
	if a.Kind != yaml.MappingNode {
		return fmt.Errorf("aliases must be a mapping")
	}
	c.Aliases = map[string]map[string]string{}
	for i := 0; i+1 < len(a.Content); i += 2 {
		m := map[string]string{}
		if err := a.Content[i+1].Decode(&m); err != nil {
			return fmt.Errorf("alias %s: %w", a.Content[i].Value, err)
		}
		c.Aliases[a.Content[i].Value] = m
	}
	return nil
}

// parseCondition reads the thresholds of the condition mapping ({gte: 10}).
func (c *Correlation) parseCondition(n *yaml.Node) error {
	cond := mapGet(n, "condition")
	if cond == nil {
		return nil
	}
	if cond.Kind != yaml.MappingNode {
		return fmt.Errorf("condition must be a mapping such as {gte: 10}")
	}
	for i := 0; i+1 < len(cond.Content); i += 2 {
		op := cond.Content[i].Value
		if op == "field" { // Sigma 2.1 puts value_count's field here
			c.Field = cond.Content[i+1].Value
			continue
		}
		switch op {
		case "gt", "gte", "lt", "lte", "eq":
		default:
			return fmt.Errorf("condition: unknown operator %q", op)
		}
		v, err := strconv.Atoi(cond.Content[i+1].Value)
		if err != nil {
			return fmt.Errorf("condition %s: %q is not an integer", op, cond.Content[i+1].Value)
		}
		c.Condition = append(c.Condition, Threshold{Op: op, N: v})
	}
	return nil
}

// defaultCondition checks what the type needs: counts need a condition
// (value_count also a field); temporal types default to every rule.
func (c *Correlation) defaultCondition() error {
	switch c.Type {
	case EventCount, ValueCount:
		if len(c.Condition) == 0 {
			return fmt.Errorf("%s needs a condition", c.Type)
		}
	case Temporal, TemporalOrdered:
		if len(c.Condition) == 0 {
			c.Condition = []Threshold{{Op: "gte", N: len(c.Rules)}}
		}
	}
	if c.Type == ValueCount && c.Field == "" {
		return fmt.Errorf("value_count needs a field")
	}
	return nil
}

// parseTimespan reads 30s, 5m, 1h, 1d, 1w.
func parseTimespan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("invalid timespan %q", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid timespan %q", s)
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	u, ok := units[s[len(s)-1]]
	if !ok {
		return 0, fmt.Errorf("invalid timespan %q (units s, m, h, d, w)", s)
	}
	return time.Duration(n) * u, nil
}

// legacyCorrelation turns "selection | count(field) by group > N" with an
// optional timeframe into a correlation over the rule itself.
func legacyCorrelation(r *Rule, a *aggregation, timeframe string) (*Correlation, error) {
	c := &Correlation{Type: EventCount, Rules: []string{"(this rule)"}, bases: []*Rule{r}, legacy: true,
		Condition: []Threshold{{Op: a.op, N: a.n}}}
	if a.field != "" {
		c.Type, c.Field = ValueCount, a.field
	}
	if a.groupBy != "" {
		c.GroupBy = []string{a.groupBy}
	}
	if timeframe != "" {
		d, err := parseTimespan(timeframe)
		if err != nil {
			return nil, fmt.Errorf("timeframe: %w", err)
		}
		c.Timespan = d
	}
	return c, nil
}

// UnsupportedError reports a construct a rule uses that this package cannot
// evaluate, in one SQL dialect or (Dialect "") at all.
type UnsupportedError struct {
	Rule      string // the rule's title and id
	Dialect   Dialect
	Construct string
}

func (e *UnsupportedError) Error() string {
	where := ""
	if e.Dialect != "" {
		where = " in " + string(e.Dialect) + " SQL"
	}
	rule := e.Rule
	if rule == "" {
		rule = "(unnamed)"
	}
	return fmt.Sprintf("sigma rule %s: %s is not supported%s", rule, e.Construct, where)
}
