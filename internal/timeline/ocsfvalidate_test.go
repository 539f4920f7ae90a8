package timeline

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// The OCSF server's event validator (ocsf-server lib/schema/validator2.ex),
// applied to the compiled schema of ocsfschema_test.go: the class from
// class_uid; the profiles of metadata.profiles (unknown ones are errors)
// deciding which profile attributes exist; for the event and every object
// in it, required attributes (recommended ones are warnings), unknown
// attributes, types from the dictionary (max_len, range, values; regex
// mismatches are warnings), enum values (a sibling that disagrees with the
// caption is a warning), at_least_one and just_one constraints; then
// metadata.version, type_uid = class_uid*100 + activity_id, and that every
// observable's name refers to an attribute of the class.

type ocsfIssue struct {
	kind, path, msg string
}

func (i ocsfIssue) String() string { return i.kind + " at " + i.path + ": " + i.msg }

type ocsfResult struct {
	errors, warnings []ocsfIssue
}

func (r *ocsfResult) err(kind, path, format string, a ...any) {
	r.errors = append(r.errors, ocsfIssue{kind, path, fmt.Sprintf(format, a...)})
}

func (r *ocsfResult) warn(kind, path, format string, a ...any) {
	r.warnings = append(r.warnings, ocsfIssue{kind, path, fmt.Sprintf(format, a...)})
}

// ocsfVersion is the schema version the vendored files describe.
const ocsfVersion = "1.1.0"

// validate checks one decoded record (numbers as json.Number).
func (s *ocsfSchema) validate(ev map[string]any) ocsfResult {
	var r ocsfResult
	cu, ok := ev["class_uid"]
	if !ok {
		r.err("attribute_required_missing", "class_uid", "required attribute missing")
		return r
	}
	n, ok := jsonInt(cu)
	if !ok {
		r.err("attribute_wrong_type", "class_uid", "expected integer_t, got %T", cu)
		return r
	}
	class := s.classes[int(n.Int64())]
	if class == nil {
		r.err("class_uid_unknown", "class_uid", "no class %s in the schema", n)
		return r
	}
	var profiles []string
	if md, ok := ev["metadata"].(map[string]any); ok {
		if ps, ok := md["profiles"].([]any); ok {
			for i, p := range ps {
				name, _ := p.(string)
				if name != "" && !s.profiles[name] {
					r.err("profile_unknown", fmt.Sprintf("metadata.profiles[%d]", i), "no profile %q", name)
				}
				profiles = append(profiles, name)
			}
		}
		if v, ok := md["version"].(string); ok && v != ocsfVersion {
			r.err("version_incompatible", "metadata.version", "%q, schema is %s", v, ocsfVersion)
		}
	}
	s.validateItem(&r, ev, "", class, profiles)
	if a, ok1 := jsonInt(ev["activity_id"]); ok1 {
		if tu, ok2 := jsonInt(ev["type_uid"]); ok2 {
			want := new(big.Int).Add(new(big.Int).Mul(n, big.NewInt(100)), a)
			if tu.Cmp(want) != 0 {
				r.err("type_uid_incorrect", "type_uid", "%s, want %s", tu, want)
			}
		}
	}
	if obs, ok := ev["observables"].([]any); ok {
		for i, o := range obs {
			name, _ := o.(map[string]any)["name"].(string)
			if name != "" && !s.refers(strings.Split(name, "."), class, profiles) {
				r.err("observable_name_invalid_reference", fmt.Sprintf("observables[%d].name", i), "%q is not an attribute of %s", name, class.name)
			}
		}
	}
	return r
}

// visible are the item's attributes for the event's profiles.
func visible(it *ocsfItem, profiles []string) map[string]*ocsfAttr {
	out := map[string]*ocsfAttr{}
	for n, a := range it.attrs {
		if a.profile == "" || slices.Contains(profiles, a.profile) {
			out[n] = a
		}
	}
	return out
}

// validateItem checks an event or object against its class or object.
func (s *ocsfSchema) validateItem(r *ocsfResult, v map[string]any, path string, it *ocsfItem, profiles []string) {
	attrs := visible(it, profiles)
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := attrs[n]
		p := join(path, n)
		val, present := v[n]
		if !present || val == nil {
			switch a.requirement {
			case "required":
				r.err("attribute_required_missing", p, "required attribute missing")
			case "recommended":
				r.warn("attribute_recommended_missing", p, "recommended attribute missing")
			}
			continue
		}
		if a.undefined {
			r.err("schema_attribute_undefined", p, "%s has no dictionary entry in the vendored schema", n)
			continue
		}
		if a.deprecated {
			r.warn("attribute_deprecated", p, "deprecated attribute")
		}
		if a.isArray {
			list, ok := val.([]any)
			if !ok {
				r.err("attribute_wrong_type", p, "expected an array of %s, got %T", a.typ, val)
				continue
			}
			for i, e := range list {
				s.validateValue(r, e, fmt.Sprintf("%s[%d]", p, i), a, profiles)
			}
		} else {
			s.validateValue(r, val, p, a, profiles)
		}
		if a.enum != nil {
			s.validateEnum(r, v, path, n, a)
		}
	}
	// An item without attributes (the object "object", used by unmapped)
	// takes any keys.
	if len(attrs) > 0 {
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := attrs[k]; !ok {
				r.err("attribute_unknown", join(path, k), "not an attribute of %s", it.name)
			}
		}
	}
	for kind, keys := range it.constraints {
		count := 0
		for _, k := range keys {
			if _, ok := v[k]; ok {
				count++
			}
		}
		where := it.name
		if path != "" {
			where = path + " (" + it.name + ")"
		}
		switch kind {
		case "at_least_one":
			if count == 0 {
				r.err("constraint_failed", path, "at_least_one of %v in %s: none present", keys, where)
			}
		case "just_one":
			if count != 1 {
				r.err("constraint_failed", path, "just_one of %v in %s: %d present", keys, where, count)
			}
		default:
			r.err("constraint_unknown", path, "unknown constraint %q in %s", kind, where)
		}
	}
}

func join(path, n string) string {
	if path == "" {
		return n
	}
	return path + "." + n
}

func (s *ocsfSchema) validateValue(r *ocsfResult, val any, p string, a *ocsfAttr, profiles []string) {
	if a.typ == "object_t" {
		m, ok := val.(map[string]any)
		if !ok {
			r.err("attribute_wrong_type", p, "expected %s (object), got %T", a.object, val)
			return
		}
		o, ok := s.objects[a.object]
		if !ok {
			r.err("schema_object_missing", p, "object %q is not in the vendored schema", a.object)
			return
		}
		s.validateItem(r, m, p, o, profiles)
		return
	}
	t, ok := s.types[a.typ]
	if !ok {
		r.err("schema_type_missing", p, "type %q is not in the dictionary", a.typ)
		return
	}
	prim := a.typ
	if t.Type != "" {
		prim = t.Type
	}
	switch prim {
	case "boolean_t":
		if _, ok := val.(bool); !ok {
			r.err("attribute_wrong_type", p, "expected %s, got %T", a.typ, val)
		}
	case "integer_t", "long_t":
		n, ok := jsonInt(val)
		if !ok || (prim == "integer_t" && !n.IsInt64()) || n.BitLen() > 127 {
			r.err("attribute_wrong_type", p, "expected %s, got %v", a.typ, val)
			return
		}
		if rng := rangeOf(s.types, a.typ); rng != nil && (n.Cmp(big.NewInt(rng[0])) < 0 || n.Cmp(big.NewInt(rng[1])) > 0) {
			r.err("attribute_value_exceeds_range", p, "%s outside %v", n, rng)
		}
	case "float_t":
		if _, ok := val.(json.Number); !ok {
			r.err("attribute_wrong_type", p, "expected %s, got %T", a.typ, val)
		}
	case "string_t":
		str, ok := val.(string)
		if !ok {
			r.err("attribute_wrong_type", p, "expected %s, got %T", a.typ, val)
			return
		}
		if ml := maxLenOf(s.types, a.typ); ml > 0 && utf8.RuneCountInString(str) > ml {
			r.err("attribute_value_exceeds_max_len", p, "length %d over %d", utf8.RuneCountInString(str), ml)
		}
		if t.Regex != "" && !s.regex(t.Regex).MatchString(str) {
			r.warn("attribute_value_regex_not_matched", p, "%q does not match %s", str, a.typ)
		}
	case "json_t":
	default:
		r.err("schema_type_missing", p, "unknown primitive type %q", prim)
	}
	if len(t.Values) > 0 && !slices.Contains(t.Values, val) {
		r.err("attribute_value_not_in_type_values", p, "%v not in %v", val, t.Values)
	}
}

// regex is a type's pattern, compiled by loadOCSF.
func (s *ocsfSchema) regex(pattern string) *regexp.Regexp { return s.regexes[pattern] }

// rangeOf and maxLenOf read a type's bound, or its super type's.
func rangeOf(types map[string]ocsfType, typ string) []int64 {
	if t := types[typ]; t.Range != nil {
		return t.Range
	} else if t.Type != "" {
		return types[t.Type].Range
	}
	return nil
}

func maxLenOf(types map[string]ocsfType, typ string) int {
	if t := types[typ]; t.MaxLen > 0 {
		return t.MaxLen
	} else if t.Type != "" {
		return types[t.Type].MaxLen
	}
	return 0
}

// validateEnum checks an enum attribute's values and its sibling.
func (s *ocsfSchema) validateEnum(r *ocsfResult, v map[string]any, path, n string, a *ocsfAttr) {
	vals := []any{v[n]}
	if a.isArray {
		vals, _ = v[n].([]any)
	}
	for i, val := range vals {
		key := fmt.Sprint(val)
		p := join(path, n)
		if a.isArray {
			p = fmt.Sprintf("%s[%d]", p, i)
		}
		caption, ok := a.enum[key]
		if !ok {
			r.err("attribute_enum_value_unknown", p, "%s is not in the enum", key)
			continue
		}
		sib, ok := v[a.sibling]
		if a.isArray || a.sibling == "" || !ok {
			continue
		}
		switch {
		case key == "99" && sib == caption:
			r.warn("attribute_enum_sibling_suspicious_other", join(path, a.sibling),
				"%q repeats the caption of 99; use the source's own value", sib)
		case key != "99" && sib != caption:
			r.warn("attribute_enum_sibling_incorrect", join(path, a.sibling), "%q, want %q", sib, caption)
		}
	}
}

// refers tells whether the dotted name is an attribute path of the class.
func (s *ocsfSchema) refers(keys []string, it *ocsfItem, profiles []string) bool {
	a, ok := visible(it, profiles)[keys[0]]
	if !ok {
		return false
	}
	if len(keys) == 1 {
		return true
	}
	if a.typ != "object_t" {
		return false
	}
	o, ok := s.objects[a.object]
	return ok && s.refers(keys[1:], o, profiles)
}

// jsonInt reads an integral JSON number.
func jsonInt(v any) (*big.Int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	b, ok := new(big.Int).SetString(n.String(), 10)
	return b, ok
}
