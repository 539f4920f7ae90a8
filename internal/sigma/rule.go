package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Rule is one parsed Sigma rule: a detection rule, or a correlation rule
// (Correlation set, Detection nil unless it came from a legacy aggregation).
type Rule struct {
	Title          string
	ID             string
	Name           string // the rule's name, by which correlations refer to it
	Status         string
	Description    string
	References     []string
	Author         string
	Date           string // as written (2021-07-24 or 2021/07/24)
	Modified       string
	Tags           []string
	Level          string
	FalsePositives []string
	LogSource      LogSource
	Related        []Related
	Fields         []string
	// Detection is the parsed detection block; nil for correlation rules.
	Detection *Detection
	// Correlation is set for correlation rules, and for legacy rules whose
	// condition aggregates ("selection | count() by x > 5"), which are
	// turned into an event_count or value_count correlation over themselves.
	Correlation *Correlation
	// Custom holds top-level keys the Sigma specification does not define
	// (the built-in pack's remediation:, license:, …), decoded from YAML.
	Custom map[string]any
	// Warnings are things the parser accepted but that do not mean what the
	// author likely intended (a timeframe with no aggregation, …).
	Warnings []string
	// Source is where the rule was read from (file path and document index).
	Source string
}

// LogSource is the rule's logsource block.
type LogSource struct {
	Product    string
	Service    string
	Category   string
	Definition string
}

// Related is one entry of the rule's related list.
type Related struct {
	ID   string
	Type string
}

// ErrNotApplicable marks rules whose logsource is not AWS CloudTrail; callers
// skip them with the error text as the reason.
var ErrNotApplicable = errors.New("rule does not apply to AWS CloudTrail")

// Applicable reports, as an error wrapping ErrNotApplicable, whether the rule
// is for product aws, service cloudtrail. Correlation rules are applicable
// when every rule they refer to is.
func (r *Rule) Applicable() error { return r.applicable(map[*Rule]bool{}) }

func (r *Rule) applicable(seen map[*Rule]bool) error {
	seen[r] = true
	if r.Correlation != nil && r.Detection == nil {
		for _, b := range r.Correlation.bases {
			if b == nil || seen[b] { // unlinked (Compile says so) or a cycle
				continue
			}
			if err := b.applicable(seen); err != nil {
				return fmt.Errorf("correlation %s refers to %s: %w", r.label(), b.label(), err)
			}
		}
		return nil
	}
	ls := r.LogSource
	if strings.EqualFold(ls.Product, "aws") && strings.EqualFold(ls.Service, "cloudtrail") || r.logSource(map[*Rule]bool{}) != nil {
		return nil
	}
	return fmt.Errorf("%s: logsource product=%q service=%q category=%q: %w",
		r.label(), ls.Product, ls.Service, ls.Category, ErrNotApplicable)
}

// IsCorrelation reports whether the rule needs a correlation (several
// events) rather than a single-event match.
func (r *Rule) IsCorrelation() bool { return r.Correlation != nil }

func (r *Rule) label() string {
	switch {
	case r.Title != "" && r.ID != "":
		return fmt.Sprintf("%q (%s)", r.Title, r.ID)
	case r.Title != "":
		return fmt.Sprintf("%q", r.Title)
	case r.Name != "":
		return r.Name
	case r.ID != "":
		return r.ID
	}
	return r.Source
}

// knownKeys are the top-level keys the Sigma specification defines; the
// others go to Rule.Custom.
var knownKeys = map[string]bool{
	"title": true, "id": true, "name": true, "status": true, "description": true,
	"references": true, "author": true, "date": true, "modified": true, "tags": true,
	"level": true, "falsepositives": true, "logsource": true, "detection": true,
	"fields": true, "related": true, "correlation": true, "action": true,
}

// ParseFile reads every rule in a Sigma YAML file.
func ParseFile(path string) ([]*Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading Sigma rule file: %w", err)
	}
	return Parse(data, path)
}

// Parse reads every rule in a Sigma YAML text (one or several documents,
// including "action: global/reset/repeat" collections). source names the
// text in errors and in Rule.Source. Correlation rules are linked to the
// rules of the same text they refer to; use Link for references across files.
func Parse(data []byte, source string) ([]*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: invalid YAML: %w", source, i+1, err)
		}
		docs = append(docs, &doc)
	}
	var global, prev *yaml.Node
	var rules []*Rule
	for i, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		m := doc.Content[0]
		if m.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: document %d: a rule must be a YAML mapping", source, i+1)
		}
		switch action := scalarOf(mapGet(m, "action")); action {
		case "global":
			global = mapWithout(m, "action")
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			if prev == nil {
				return nil, fmt.Errorf("%s: document %d: action: repeat with no previous rule", source, i+1)
			}
			m = mergeNodes(prev, mapWithout(m, "action"))
		case "":
			if global != nil {
				m = mergeNodes(global, m)
			}
		default:
			return nil, fmt.Errorf("%s: document %d: unknown action %q", source, i+1, action)
		}
		prev = m
		src := source
		if len(docs) > 1 {
			src = fmt.Sprintf("%s#%d", source, i+1)
		}
		r, err := parseRule(m, src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		rules = append(rules, r)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("%s: no Sigma rule found", source)
	}
	if err := link(rules, false); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return rules, nil
}

// Link resolves the references of correlation rules against rules (by name
// or id), across files. Already linked references are kept.
func Link(rules []*Rule) error { return link(rules, true) }

func link(rules []*Rule, strict bool) error {
	byRef := map[string]*Rule{}
	for _, r := range rules {
		if r.Name != "" {
			byRef[r.Name] = r
		}
		if r.ID != "" {
			byRef[r.ID] = r
		}
	}
	for _, r := range rules {
		c := r.Correlation
		if c == nil || c.legacy {
			continue
		}
		var missing []string
		for i, ref := range c.Rules {
			if c.bases[i] != nil {
				continue
			}
			if b := byRef[ref]; b != nil {
				c.bases[i] = b
			} else {
				missing = append(missing, ref)
			}
		}
		if strict && len(missing) > 0 {
			return fmt.Errorf("correlation %s refers to unknown rule(s) %s", r.label(), strings.Join(missing, ", "))
		}
	}
	return nil
}

func parseRule(m *yaml.Node, source string) (*Rule, error) {
	r := &Rule{Source: source, Custom: map[string]any{}}
	steps := []func(*yaml.Node) error{r.parseMetadata, r.parseLogSource, r.parseRelated, r.parseCustom, r.parseLogic}
	for _, step := range steps {
		if err := step(m); err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Title, err)
		}
	}
	return r, nil
}

// parseMetadata reads the descriptive keys (title, id, tags, …), stopping
// at the first of them that is not a string or a list of strings.
func (r *Rule) parseMetadata(m *yaml.Node) error {
	strs := []struct {
		key string
		dst *string
	}{
		{"title", &r.Title}, {"id", &r.ID}, {"name", &r.Name}, {"status", &r.Status},
		{"description", &r.Description}, {"author", &r.Author}, {"date", &r.Date},
		{"modified", &r.Modified}, {"level", &r.Level},
	}
	for _, f := range strs {
		n := mapGet(m, f.key)
		if n == nil {
			continue
		}
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("%s must be a string", f.key)
		}
		*f.dst = n.Value
	}
	lists := []struct {
		key string
		dst *[]string
	}{
		{"references", &r.References}, {"tags", &r.Tags},
		{"falsepositives", &r.FalsePositives}, {"fields", &r.Fields},
	}
	for _, f := range lists {
		l, err := stringList(mapGet(m, f.key), f.key)
		if err != nil {
			return err
		}
		*f.dst = l
	}
	return nil
}

func (r *Rule) parseLogSource(m *yaml.Node) error {
	ls := mapGet(m, "logsource")
	if ls == nil {
		return nil
	}
	if ls.Kind != yaml.MappingNode {
		return fmt.Errorf("logsource must be a mapping")
	}
	r.LogSource = LogSource{
		Product:    scalarOf(mapGet(ls, "product")),
		Service:    scalarOf(mapGet(ls, "service")),
		Category:   scalarOf(mapGet(ls, "category")),
		Definition: scalarOf(mapGet(ls, "definition")),
	}
	return nil
}

func (r *Rule) parseRelated(m *yaml.Node) error {
	rel := mapGet(m, "related")
	if rel == nil {
		return nil
	}
	if rel.Kind != yaml.SequenceNode {
		return fmt.Errorf("related must be a list")
	}
	for _, e := range rel.Content {
		r.Related = append(r.Related, Related{ID: scalarOf(mapGet(e, "id")), Type: scalarOf(mapGet(e, "type"))})
	}
	return nil
}

// parseCustom keeps the top-level keys Sigma does not define, decoded.
func (r *Rule) parseCustom(m *yaml.Node) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i].Value
		if knownKeys[k] {
			continue
		}
		var v any
		if err := m.Content[i+1].Decode(&v); err != nil {
			return fmt.Errorf("custom key %s: %w", k, err)
		}
		r.Custom[k] = v
	}
	return nil
}

// parseLogic reads the rule's detection or its correlation (exactly one).
func (r *Rule) parseLogic(m *yaml.Node) error {
	det, corr := mapGet(m, "detection"), mapGet(m, "correlation")
	switch {
	case det != nil && corr != nil:
		return fmt.Errorf("has both detection and correlation")
	case det != nil:
		return r.parseDetectionBlock(det)
	case corr != nil:
		c, err := parseCorrelation(corr)
		if err != nil {
			return fmt.Errorf("correlation: %w", err)
		}
		r.Correlation = c
		return nil
	default:
		return fmt.Errorf("has neither detection nor correlation")
	}
}

// parseDetectionBlock reads a detection; a condition with an aggregation
// also makes the rule a correlation over itself.
func (r *Rule) parseDetectionBlock(det *yaml.Node) error {
	d, agg, warnings, err := parseDetection(det, r.label())
	if err != nil {
		return fmt.Errorf("detection: %w", err)
	}
	r.Detection = d
	r.Warnings = append(r.Warnings, warnings...)
	if r.Applicable() == nil {
		r.Warnings = append(r.Warnings, fieldWarnings(d)...)
	}
	if agg != nil {
		c, err := legacyCorrelation(r, agg, d.Timeframe)
		if err != nil {
			return fmt.Errorf("condition: %w", err)
		}
		r.Correlation = c
	}
	return nil
}

// techniqueTag matches ATT&CK technique tags (attack.t1562 / attack.t1562.008).
var techniqueTag = regexp.MustCompile(`^attack\.(t\d{4}(\.\d{3})?)$`)

// tacticAliases maps tactic tags to the names investigators use. ATT&CK v19
// split defense-evasion into stealth and defense-impairment; both are
// reported as defense-evasion.
var tacticAliases = map[string]string{
	"reconnaissance":       "reconnaissance",
	"resource-development": "resource-development",
	"initial-access":       "initial-access",
	"execution":            "execution",
	"persistence":          "persistence",
	"privilege-escalation": "privilege-escalation",
	"defense-evasion":      "defense-evasion",
	"stealth":              "defense-evasion",
	"defense-impairment":   "defense-evasion",
	"credential-access":    "credential-access",
	"discovery":            "discovery",
	"lateral-movement":     "lateral-movement",
	"collection":           "collection",
	"command-and-control":  "command-and-control",
	"exfiltration":         "exfiltration",
	"impact":               "impact",
}

// Tactics returns the ATT&CK tactics of the rule's tags, deduplicated, in
// tag order, with underscores read as hyphens (attack.defense_evasion) and
// the v19 names stealth and defense-impairment reported as defense-evasion.
func (r *Rule) Tactics() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range r.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		name, ok := strings.CutPrefix(t, "attack.")
		if !ok {
			continue
		}
		if tactic, ok := tacticAliases[strings.ReplaceAll(name, "_", "-")]; ok && !seen[tactic] {
			seen[tactic] = true
			out = append(out, tactic)
		}
	}
	return out
}

// Techniques returns the ATT&CK technique ids of the rule's tags, upper-cased
// (T1562.008, T1685.002), deduplicated, in tag order. Old and new (v19) ids
// are both accepted as written.
func (r *Rule) Techniques() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range r.Tags {
		m := techniqueTag.FindStringSubmatch(strings.ToLower(strings.TrimSpace(t)))
		if m == nil {
			continue
		}
		id := strings.ToUpper(m[1])
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// --- YAML helpers ---

func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarOf(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func stringList(n *yaml.Node, key string) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s must be a list of strings", key)
			}
			out = append(out, e.Value)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s must be a list of strings", key)
}

func mapWithout(m *yaml.Node, key string) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: m.Tag}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			out.Content = append(out.Content, m.Content[i], m.Content[i+1])
		}
	}
	return out
}

// mergeNodes deep-merges mapping b over mapping a (Sigma collections).
func mergeNodes(a, b *yaml.Node) *yaml.Node {
	if a == nil || a.Kind != yaml.MappingNode || b.Kind != yaml.MappingNode {
		return b
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: a.Tag}
	for i := 0; i+1 < len(a.Content); i += 2 {
		k := a.Content[i].Value
		v := a.Content[i+1]
		if bv := mapGet(b, k); bv != nil {
			v = mergeNodes(v, bv)
		}
		out.Content = append(out.Content, a.Content[i], v)
	}
	for i := 0; i+1 < len(b.Content); i += 2 {
		if mapGet(a, b.Content[i].Value) == nil {
			out.Content = append(out.Content, b.Content[i], b.Content[i+1])
		}
	}
	return out
}
