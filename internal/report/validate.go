package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// This file holds a JSON Schema validator for the subset schema.json uses
// (type, required, properties, items, enum, format date-time,
// additionalProperties, $ref into $defs): enough to check every JSON report
// against the published schema without a dependency.

// schemaKeywords are the keywords the validator understands; any other
// keyword in schema.json fails TestSchemaKeywords, so the schema cannot
// promise a constraint nobody checks.
var schemaKeywords = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "$ref": true, "title": true, "description": true,
	"type": true, "required": true, "properties": true, "items": true, "enum": true, "format": true,
	"additionalProperties": true,
}

type validator struct{ root map[string]any }

// resolve follows a $ref ("#/$defs/name").
func (v *validator) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name, found := strings.CutPrefix(ref, "#/$defs/")
		def, _ := v.root["$defs"].(map[string]any)[name].(map[string]any)
		if !found || def == nil {
			panic("unresolvable $ref " + ref)
		}
		s = def
	}
}

// validate checks doc (decoded with UseNumber) against schema s and returns
// one message per violation, each with its JSON path.
func (v *validator) validate(path string, s map[string]any, doc any) []string {
	s = v.resolve(s)
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	if typ, ok := s["type"]; ok && !typeMatches(typ, doc) {
		fail("%s is not of type %v", jsonType(doc), typ)
		return errs
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(e, doc) }) {
		fail("%v is not one of %v", doc, enum)
	}
	if s["format"] == "date-time" {
		if str, ok := doc.(string); ok {
			// RFC 3339, and in UTC: the report promises both.
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil || !strings.HasSuffix(str, "Z") {
				fail("%q is not an RFC 3339 UTC date-time", str)
			}
		}
	}
	switch d := doc.(type) {
	case map[string]any:
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := d[r.(string)]; !ok {
				fail("missing required %q", r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, v.validate(path+"."+k, ps, d[k])...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("unexpected property %q", k)
				}
			case map[string]any:
				errs = append(errs, v.validate(path+"."+k, ap, d[k])...)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range d {
				errs = append(errs, v.validate(fmt.Sprintf("%s[%d]", path, i), items, e)...)
			}
		}
	}
	return errs
}

func jsonType(doc any) string {
	switch d := doc.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := d.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", doc)
}

func typeMatches(typ, doc any) bool {
	types := []any{typ}
	if list, ok := typ.([]any); ok {
		types = list
	}
	got := jsonType(doc)
	for _, t := range types {
		if t == got || (t == "number" && got == "integer") {
			return true
		}
	}
	return false
}

// Validate checks a JSON report against schema.json and returns one message
// per violation, each with its JSON path; none means valid.
func Validate(report []byte) ([]string, error) {
	var root map[string]any
	if err := json.Unmarshal(Schema(), &root); err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(report))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decoding the report: %w", err)
	}
	v := &validator{root: root}
	return v.validate("$", root, doc), nil
}
