package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

func newValidator(t *testing.T) *validator {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(Schema(), &root); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	return &validator{root: root}
}

func decodeDoc(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestSchemaValidatesReports validates the JSON report of every fixture.
func TestSchemaValidatesReports(t *testing.T) {
	v := newValidator(t)
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			doc := decodeDoc(t, render(t, "json", loadCase(t, name)))
			for _, e := range v.validate("$", v.root, doc) {
				t.Error(e)
			}
		})
	}
}

// TestSchemaRejects proves the validator is not vacuous: each broken copy
// of the empty fixture's report must fail.
func TestSchemaRejects(t *testing.T) {
	v := newValidator(t)
	base := render(t, "json", loadCase(t, "empty"))
	tests := []struct {
		name   string
		break_ func(doc map[string]any)
		want   string
	}{
		{"missing required", func(d map[string]any) { delete(d, "report_id") }, `missing required "report_id"`},
		{"null list", func(d map[string]any) { d["actions"] = nil }, "$.actions: null is not of type array"},
		{"wrong type", func(d map[string]any) { d["suspicious_event_count"] = "0" }, "string is not of type integer"},
		{"not an integer", func(d map[string]any) { d["suspicious_event_count"] = json.Number("1.5") }, "number is not of type integer"},
		{"unknown property", func(d map[string]any) { d["severity"] = "high" }, `unexpected property "severity"`},
		{"bad enum", func(d map[string]any) { d["scope"].(map[string]any)["mode"] = "hunt" }, "$.scope.mode: hunt is not one of"},
		{"bad date-time", func(d map[string]any) { d["generated_at"] = "14/03/2025" }, "not an RFC 3339 UTC date-time"},
		{"not UTC", func(d map[string]any) { d["generated_at"] = "2025-03-14T17:05:12+01:00" }, "not an RFC 3339 UTC date-time"},
		{"nested required", func(d map[string]any) {
			delete(d["evidence"].(map[string]any)["sources"].([]any)[0].(map[string]any), "sha256")
		}, `$.evidence.sources[0]: missing required "sha256"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := decodeDoc(t, base).(map[string]any)
			tt.break_(doc)
			errs := v.validate("$", v.root, doc)
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tt.want) }) {
				t.Errorf("errors %q, want one containing %q", errs, tt.want)
			}
		})
	}
}

// TestSchemaKeywords checks schema.json uses only keywords the validator
// checks, and declares draft 2020-12.
func TestSchemaKeywords(t *testing.T) {
	v := newValidator(t)
	if v.root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", v.root["$schema"])
	}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		for k, val := range s {
			if !schemaKeywords[k] {
				t.Errorf("%s: keyword %q is not checked by the test validator", path, k)
			}
			switch k {
			case "properties", "$defs":
				for name, sub := range val.(map[string]any) {
					walk(path+"/"+k+"/"+name, sub.(map[string]any))
				}
			case "items":
				walk(path+"/items", val.(map[string]any))
			case "additionalProperties":
				if sub, ok := val.(map[string]any); ok {
					walk(path+"/additionalProperties", sub)
				}
			}
		}
	}
	walk("#", v.root)
}

// TestSchemaCoversCase walks the Go types of event.Case next to the schema:
// every JSON field has a property of the matching type, every object
// forbids other properties, and the fields always encoded (no omitempty)
// are exactly the required ones.
func TestSchemaCoversCase(t *testing.T) {
	v := newValidator(t)
	var check func(path string, typ reflect.Type, s map[string]any)
	check = func(path string, typ reflect.Type, s map[string]any) {
		s = v.resolve(s)
		want := ""
		switch {
		case typ.Kind() == reflect.Pointer && typ.Elem() == timeType && reflect.DeepEqual(s["type"], []any{"string", "null"}):
			// An optional time always written is null when nothing bounds
			// it (TestSchemaCoversCase's struct case requires this type for
			// pointer times without omitempty).
			if s["format"] != "date-time" {
				t.Errorf("%s: time without format date-time", path)
			}
			return
		case typ == timeType:
			want = "string"
			if s["format"] != "date-time" {
				t.Errorf("%s: time without format date-time", path)
			}
		case typ.Kind() == reflect.Pointer:
			check(path, typ.Elem(), s)
			return
		case typ.Kind() == reflect.Struct:
			want = "object"
			if s["additionalProperties"] != false {
				t.Errorf("%s: additionalProperties is not false", path)
			}
			props, _ := s["properties"].(map[string]any)
			var names, required []string
			for i := range typ.NumField() {
				f := typ.Field(i)
				name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
				if !f.IsExported() || name == "-" {
					continue
				}
				names = append(names, name)
				if !strings.Contains(opts, "omitempty") {
					required = append(required, name)
				}
				ps, ok := props[name].(map[string]any)
				if !ok {
					t.Errorf("%s: no property %q (%s.%s)", path, name, typ.Name(), f.Name)
					continue
				}
				if nullable := reflect.DeepEqual(ps["type"], []any{"string", "null"}); f.Type.Kind() == reflect.Pointer && !strings.Contains(opts, "omitempty") && !nullable {
					t.Errorf("%s.%s: always written and may be nil, but the schema does not allow null", path, name)
				} else if nullable && (f.Type.Kind() != reflect.Pointer || strings.Contains(opts, "omitempty")) {
					t.Errorf("%s.%s: the schema allows null, the Go field never writes it", path, name)
				}
				check(path+"."+name, f.Type, ps)
			}
			var schemaNames, schemaRequired []string
			for k := range props {
				schemaNames = append(schemaNames, k)
			}
			req, _ := s["required"].([]any)
			for _, r := range req {
				schemaRequired = append(schemaRequired, r.(string))
			}
			for _, l := range [][]string{names, required, schemaNames, schemaRequired} {
				sort.Strings(l)
			}
			if !slices.Equal(names, schemaNames) {
				t.Errorf("%s: properties %v, Go fields %v", path, schemaNames, names)
			}
			if !slices.Equal(required, schemaRequired) {
				t.Errorf("%s: required %v, fields without omitempty %v", path, schemaRequired, required)
			}
		case typ.Kind() == reflect.Slice:
			want = "array"
			items, ok := s["items"].(map[string]any)
			if !ok {
				t.Errorf("%s: array without items", path)
				return
			}
			check(path+"[]", typ.Elem(), items)
		case typ.Kind() == reflect.String:
			want = "string"
		case typ.Kind() == reflect.Bool:
			want = "boolean"
		case typ.Kind() == reflect.Int || typ.Kind() == reflect.Int64:
			want = "integer"
		case typ.Kind() == reflect.Float64:
			want = "number"
		default:
			t.Errorf("%s: Go type %s has no JSON Schema mapping in this test", path, typ)
			return
		}
		if s["type"] != want {
			t.Errorf("%s: type %v, want %s", path, s["type"], want)
		}
	}
	check("$", reflect.TypeFor[event.Case](), v.root)
}

// TestSchemaDocsCopy checks docs/report-schema.json is the embedded schema.
func TestSchemaDocsCopy(t *testing.T) {
	docs, err := os.ReadFile(filepath.Join("..", "..", "docs", "report-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs, Schema()) {
		t.Error("docs/report-schema.json differs from internal/report/schema.json: cp internal/report/schema.json docs/report-schema.json")
	}
}
