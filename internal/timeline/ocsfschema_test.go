package timeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// An OCSF schema compiled from its source files (testdata/ocsf-1.1.0, see
// its README) the way the OCSF server compiles it: a class is merged with
// its parents ("extends") and its "$include"d files, attributes take type,
// enum and sibling from the dictionary, a profile's attributes are marked
// with the profile (an explicit "profile": null removes the mark), the
// datetime profile adds a <name>_dt sibling to every timestamp_t
// attribute, and class_uid, category_uid, type_uid and the observable
// type_id get their enums from the classes, categories and types.
// ocsfvalidate_test.go validates records against it.

type ocsfAttr struct {
	typ         string // a dictionary type (string_t…) or "object_t"
	object      string // the object type when typ is object_t
	isArray     bool
	requirement string
	enum        map[string]string // value → caption
	sibling     string
	profile     string // "" when not profile-specific
	deprecated  bool
	undefined   bool // no dictionary entry: an error only if a record uses it
}

type ocsfItem struct {
	name, caption string
	uid           int
	attrs         map[string]*ocsfAttr
	constraints   map[string][]string
}

type ocsfType struct {
	Caption    string  `json:"caption"`
	Type       string  `json:"type"`
	MaxLen     int     `json:"max_len"`
	Regex      string  `json:"regex"`
	Range      []int64 `json:"range"`
	Values     []any   `json:"values"`
	Observable int     `json:"observable"`
}

type ocsfSchema struct {
	dir      string
	dict     map[string]map[string]any
	types    map[string]ocsfType
	classes  map[int]*ocsfItem
	objects  map[string]*ocsfItem
	profiles map[string]bool
	// files maps a class or object name to its source file.
	files   map[string]string
	regexes map[string]*regexp.Regexp
}

// rawDef is a class, object, include or profile file.
type rawDef struct {
	Name        string                     `json:"name"`
	Caption     string                     `json:"caption"`
	Extends     string                     `json:"extends"`
	Category    string                     `json:"category"`
	UID         int                        `json:"uid"`
	Observable  int                        `json:"observable"`
	Attributes  map[string]json.RawMessage `json:"attributes"`
	Constraints map[string][]string        `json:"constraints"`
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// loadOCSF compiles the schema under dir for the given classes (by their
// event file, relative to dir).
func loadOCSF(t testing.TB, dir string, classFiles ...string) *ocsfSchema {
	t.Helper()
	s := &ocsfSchema{dir: dir, classes: map[int]*ocsfItem{}, objects: map[string]*ocsfItem{},
		profiles: map[string]bool{}, files: map[string]string{}, regexes: map[string]*regexp.Regexp{}}
	var dict struct {
		Attributes map[string]map[string]any `json:"attributes"`
		Types      struct {
			Attributes map[string]ocsfType `json:"attributes"`
		} `json:"types"`
	}
	if err := readJSON(filepath.Join(dir, "dictionary.json"), &dict); err != nil {
		t.Fatal(err)
	}
	s.dict, s.types = dict.Attributes, dict.Types.Attributes
	var cats struct {
		Attributes map[string]struct {
			Caption string `json:"caption"`
			UID     int    `json:"uid"`
		} `json:"attributes"`
	}
	if err := readJSON(filepath.Join(dir, "categories.json"), &cats); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"events", "objects"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			var r rawDef
			if err := readJSON(p, &r); err != nil {
				return err
			}
			s.files[r.Name] = p
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		s.profiles[strings.TrimSuffix(e.Name(), ".json")] = true
	}
	for _, f := range classFiles {
		var r rawDef
		if err := readJSON(filepath.Join(dir, f), &r); err != nil {
			t.Fatal(err)
		}
		c, err := s.compile(r.Name)
		if err != nil {
			t.Fatal(err)
		}
		// The class's category comes from its nearest ancestor naming one.
		cat := s.categoryOf(r.Name)
		cu, ok := cats.Attributes[cat]
		if !ok {
			t.Fatalf("%s: unknown category %q", f, cat)
		}
		c.uid = cu.UID*1000 + r.UID
		c.attrs["class_uid"].enum = map[string]string{strconv.Itoa(c.uid): c.caption}
		c.attrs["category_uid"].enum = map[string]string{strconv.Itoa(cu.UID): cu.Caption}
		types := map[string]string{}
		for act, caption := range c.attrs["activity_id"].enum {
			n, _ := strconv.Atoi(act)
			types[strconv.Itoa(c.uid*100+n)] = c.caption + ": " + caption
		}
		c.attrs["type_uid"].enum = types
		s.classes[c.uid] = c
	}
	// Compile every object and type pattern now: validation then only
	// reads the schema, so tests can share it in parallel.
	for name, path := range s.files {
		if strings.Contains(path, string(filepath.Separator)+"objects"+string(filepath.Separator)) {
			if _, err := s.object(name); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, typ := range s.types {
		if typ.Regex != "" {
			s.regexes[typ.Regex] = regexp.MustCompile(typ.Regex)
		}
	}
	return s
}

func (s *ocsfSchema) categoryOf(name string) string {
	for name != "" {
		var r rawDef
		if readJSON(s.files[name], &r) != nil {
			return ""
		}
		if r.Category != "" {
			return r.Category
		}
		name = r.Extends
	}
	return ""
}

// object returns the compiled object, compiling it on first use.
func (s *ocsfSchema) object(name string) (*ocsfItem, error) {
	if o, ok := s.objects[name]; ok {
		return o, nil
	}
	o, err := s.compile(name)
	if err != nil {
		return nil, err
	}
	if name == "observable" {
		s.observableTypes(o)
	}
	s.objects[name] = o
	return o, nil
}

// rawAttrs is an item's attributes before the dictionary is applied: each
// attribute's own properties, parents' first and the item's last.
type rawAttrs map[string]map[string]any

// compile merges name's definition with its parents and includes, then
// applies the dictionary.
func (s *ocsfSchema) compile(name string) (*ocsfItem, error) {
	r, raw, err := s.merged(name)
	if err != nil {
		return nil, err
	}
	it := &ocsfItem{name: r.Name, caption: r.Caption, attrs: map[string]*ocsfAttr{}, constraints: r.Constraints}
	for n, props := range raw {
		it.attrs[n] = s.attribute(n, props)
	}
	// The datetime profile: a datetime_t sibling for each timestamp_t.
	for n, a := range it.attrs {
		if a.typ == "timestamp_t" {
			if _, ok := it.attrs[n+"_dt"]; !ok {
				it.attrs[n+"_dt"] = &ocsfAttr{typ: "datetime_t", isArray: a.isArray, requirement: "optional", profile: "datetime"}
			}
		}
	}
	return it, nil
}

// merged returns the definition of name with its parents' attributes and
// constraints merged in (the child's win) and its includes resolved.
func (s *ocsfSchema) merged(name string) (rawDef, rawAttrs, error) {
	path, ok := s.files[name]
	if !ok {
		return rawDef{}, nil, fmt.Errorf("no schema file defines %q (not vendored)", name)
	}
	var r rawDef
	if err := readJSON(path, &r); err != nil {
		return r, nil, err
	}
	attrs := rawAttrs{}
	if r.Extends != "" {
		parent, pattrs, err := s.merged(r.Extends)
		if err != nil {
			return r, nil, fmt.Errorf("%s extends %s: %w", name, r.Extends, err)
		}
		attrs = pattrs
		if r.Constraints == nil {
			r.Constraints = parent.Constraints
		}
	}
	own, err := s.ownAttrs(r)
	if err != nil {
		return r, nil, fmt.Errorf("%s: %w", name, err)
	}
	for n, props := range own {
		attrs.merge(n, props)
	}
	return r, attrs, nil
}

// ownAttrs are a file's attributes with its "$include"s: included
// attributes first, marked with the profile when the file is a profile,
// then the file's own.
func (s *ocsfSchema) ownAttrs(r rawDef) (rawAttrs, error) {
	out := rawAttrs{}
	if inc, ok := r.Attributes["$include"]; ok {
		var files []string
		if err := json.Unmarshal(inc, &files); err != nil {
			return nil, err
		}
		for _, f := range files {
			var ir rawDef
			if err := readJSON(filepath.Join(s.dir, f), &ir); err != nil {
				return nil, fmt.Errorf("include %s: %w", f, err)
			}
			iattrs, err := s.ownAttrs(ir)
			if err != nil {
				return nil, err
			}
			profile := ""
			if strings.HasPrefix(f, "profiles/") {
				profile = strings.TrimSuffix(filepath.Base(f), ".json")
			}
			for n, props := range iattrs {
				if _, set := props["profile"]; !set && profile != "" {
					props["profile"] = profile
				}
				out.merge(n, props)
			}
		}
	}
	for n, b := range r.Attributes {
		if n == "$include" {
			continue
		}
		var props map[string]any
		if err := json.Unmarshal(b, &props); err != nil {
			return nil, fmt.Errorf("attribute %s: %w", n, err)
		}
		out.merge(n, props)
	}
	return out, nil
}

// merge overlays props on the attribute n; enums are united.
func (ra rawAttrs) merge(n string, props map[string]any) {
	cur := ra[n]
	if cur == nil {
		cur = map[string]any{}
		ra[n] = cur
	}
	for k, v := range props {
		if k == "enum" {
			if old, ok := cur["enum"].(map[string]any); ok {
				merged := map[string]any{}
				for ek, ev := range old {
					merged[ek] = ev
				}
				for ek, ev := range v.(map[string]any) {
					merged[ek] = ev
				}
				v = merged
			}
		}
		cur[k] = v
	}
}

// attribute applies the dictionary entry of n under the item's own
// properties.
func (s *ocsfSchema) attribute(n string, props map[string]any) *ocsfAttr {
	d, ok := s.dict[n]
	a := &ocsfAttr{requirement: "optional", undefined: !ok}
	all := map[string]any{}
	for k, v := range d {
		all[k] = v
	}
	enum := map[string]any{}
	if e, ok := d["enum"].(map[string]any); ok {
		for k, v := range e {
			enum[k] = v
		}
	}
	for k, v := range props {
		all[k] = v
	}
	if e, ok := props["enum"].(map[string]any); ok {
		for k, v := range e {
			enum[k] = v
		}
	}
	typ, _ := all["type"].(string)
	switch {
	case typ == "":
	case strings.HasSuffix(typ, "_t"):
		a.typ = typ
	default:
		a.typ, a.object = "object_t", typ
	}
	a.isArray, _ = all["is_array"].(bool)
	if r, ok := all["requirement"].(string); ok {
		a.requirement = r
	}
	a.sibling, _ = all["sibling"].(string)
	a.profile, _ = all["profile"].(string) // null: not profile-specific
	_, a.deprecated = all["@deprecated"]
	if len(enum) > 0 {
		a.enum = map[string]string{}
		for k, v := range enum {
			caption, _ := v.(map[string]any)["caption"].(string)
			a.enum[k] = caption
		}
	}
	return a
}

// observableTypes gives observable.type_id its values: the observable ids
// of the dictionary's types, of objects and of object attributes.
func (s *ocsfSchema) observableTypes(o *ocsfItem) {
	add := func(id int, caption string) {
		if id > 0 {
			o.attrs["type_id"].enum[strconv.Itoa(id)] = caption
		}
	}
	for _, t := range s.types {
		add(t.Observable, t.Caption)
	}
	for _, path := range s.files {
		var r struct {
			rawDef
			Attributes map[string]map[string]any `json:"attributes"`
		}
		if readJSON(path, &r) != nil {
			continue
		}
		add(r.Observable, r.Caption)
		for an, props := range r.Attributes {
			if id, ok := props["observable"].(float64); ok {
				add(int(id), r.Caption+": "+an)
			}
		}
	}
}
