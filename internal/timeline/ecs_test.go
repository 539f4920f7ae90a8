package timeline

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// ecsCategorization is the vendored ECS categorization (testdata/ecs-8.11):
// each field's allowed values and each category's expected event types.
type ecsCategorization struct {
	allowed  map[string][]string // field → allowed values
	expected map[string][]string // category → expected event types
}

func loadECSCategorization(t *testing.T) ecsCategorization {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ecs-8.11", "ecs_flat_categorization.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]struct {
		AllowedValues []struct {
			Name               string   `yaml:"name"`
			ExpectedEventTypes []string `yaml:"expected_event_types"`
		} `yaml:"allowed_values"`
	}
	if err := yaml.Unmarshal(b, &flat); err != nil {
		t.Fatal(err)
	}
	c := ecsCategorization{allowed: map[string][]string{}, expected: map[string][]string{}}
	for field, f := range flat {
		for _, v := range f.AllowedValues {
			c.allowed[field] = append(c.allowed[field], v.Name)
			if field == "event.category" {
				c.expected[v.Name] = v.ExpectedEventTypes
			}
		}
	}
	if len(c.allowed) != 4 || len(c.expected["api"]) == 0 {
		t.Fatalf("categorization file: %v", c.allowed)
	}
	return c
}

// ecsProblems lists what is wrong with one ECS record: a categorization
// value ECS does not allow, event.type without event.category, a type no
// category of the event expects, management_event not a keyword, and empty
// values in the flattened copies of the documents.
func (c ecsCategorization) problems(rec map[string]any) []string {
	var out []string
	strs := func(path string) ([]string, bool) {
		v, ok := get(rec, path)
		if !ok {
			return nil, false
		}
		switch x := v.(type) {
		case string:
			return []string{x}, true
		case []any:
			var l []string
			for _, e := range x {
				s, _ := e.(string)
				l = append(l, s)
			}
			return l, true
		}
		return []string{"<not a keyword>"}, true
	}
	for _, field := range []string{"event.kind", "event.outcome", "event.category", "event.type"} {
		vals, _ := strs(field)
		for _, v := range vals {
			if !slices.Contains(c.allowed[field], v) {
				out = append(out, field+" "+v+" is not an allowed value")
			}
		}
	}
	cats, hasCat := strs("event.category")
	types, hasType := strs("event.type")
	if hasType && !hasCat {
		out = append(out, "event.type without event.category")
	}
	for _, typ := range types {
		expected := false
		for _, cat := range cats {
			expected = expected || slices.Contains(c.expected[cat], typ)
		}
		if hasCat && !expected {
			out = append(out, "event.type "+typ+" is expected by none of the categories")
		}
	}
	if v, ok := get(rec, "aws.cloudtrail.management_event"); ok && !oneOf("true", "false")(v) {
		out = append(out, "management_event is not a keyword")
	}
	if v, ok := get(rec, "aws.cloudtrail.flattened"); ok && hasEmpty(v) {
		out = append(out, "an empty value in aws.cloudtrail.flattened")
	}
	return out
}

// hasEmpty tells whether v holds "", {} or [] at any depth.
func hasEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case map[string]any:
		if len(x) == 0 {
			return true
		}
		for _, e := range x {
			if hasEmpty(e) {
				return true
			}
		}
	case []any:
		if len(x) == 0 {
			return true
		}
		for _, e := range x {
			if hasEmpty(e) {
				return true
			}
		}
	}
	return false
}

func requireECS(t *testing.T, what, out string) {
	t.Helper()
	c := loadECSCategorization(t)
	recs := decodeLines(t, out)
	bad := map[string]int{}
	for _, rec := range recs {
		for _, p := range c.problems(rec) {
			bad[p]++
		}
	}
	for p, n := range bad {
		t.Errorf("%s: %d of %d records: %s", what, n, len(recs), p)
	}
}

func TestECSCategorizationFixture(t *testing.T) {
	out, _ := export(t, caseDB(t), Options{Format: "ecs", Hits: fixtureHits})
	requireECS(t, "fixture", out)
}

// TestECSCategorizationCatches: the checks find each fault.
func TestECSCategorizationCatches(t *testing.T) {
	c := loadECSCategorization(t)
	tests := []struct {
		name string
		rec  map[string]any
	}{
		{"type without category", map[string]any{"event": map[string]any{"kind": "event", "type": []any{"info"}}}},
		{"unknown category", map[string]any{"event": map[string]any{"category": []any{"cloudtrail"}, "type": []any{"info"}}}},
		{"type not expected", map[string]any{"event": map[string]any{"category": []any{"authentication"}, "type": []any{"creation"}}}},
		{"unknown kind", map[string]any{"event": map[string]any{"kind": "log"}}},
		{"boolean management_event", map[string]any{"aws": map[string]any{"cloudtrail": map[string]any{"management_event": true}}}},
		{"empty object", map[string]any{"aws": map[string]any{"cloudtrail": map[string]any{"flattened": map[string]any{"request_parameters": map[string]any{"filter": map[string]any{}}}}}}},
		{"empty string", map[string]any{"aws": map[string]any{"cloudtrail": map[string]any{"flattened": map[string]any{"request_parameters": map[string]any{"a": ""}}}}}},
	}
	for _, tt := range tests {
		if len(c.problems(tt.rec)) == 0 {
			t.Errorf("%s: not caught", tt.name)
		}
	}
	ok := map[string]any{"event": map[string]any{"kind": "event", "outcome": "success", "category": []any{"api"}, "type": []any{"info"}}}
	if p := c.problems(ok); len(p) != 0 {
		t.Errorf("a valid record: %v", p)
	}
}
