package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// fixtures are the cases in testdata/<name>.json.
var fixtures = []string{"case", "empty"}

// goldenExt is the golden file extension of each format.
var goldenExt = map[string]string{"text": "txt", "markdown": "md", "json": "json"}

func loadCase(t *testing.T, name string) *event.Case {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt key in a fixture would otherwise vanish
	var c event.Case
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	return &c
}

func render(t *testing.T, format string, c *event.Case) []byte {
	t.Helper()
	w, err := New(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, c); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

// TestGolden renders every fixture in every format and compares the output
// byte for byte with testdata/golden/<fixture>.<ext>; -update rewrites them.
func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		for _, format := range Formats() {
			t.Run(name+"/"+format, func(t *testing.T) {
				if format == "html" {
					t.Skip("the html page is the JSON report inside fixed assets; internal/report/html tests it")
				}
				ext, ok := goldenExt[format]
				if !ok {
					t.Fatalf("no golden file extension for format %q: add it to goldenExt", format)
				}
				got := render(t, format, loadCase(t, name))
				path := filepath.Join("testdata", "golden", name+"."+ext)
				testenv.Golden(t, path, got)
			})
		}
	}
}

// firstDiff shows the first line where want and got differ.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs; lengths differ)"
}

func TestFormats(t *testing.T) {
	if got, want := Formats(), []string{"text", "markdown", "json", "html"}; !slices.Equal(got, want) {
		t.Errorf("Formats() = %v, want %v", got, want)
	}
	f := Formats()
	f[0] = "changed"
	if Formats()[0] != "text" {
		t.Error("Formats returns its own slice")
	}
	if len(writers) != len(formatOrder) {
		t.Errorf("%d writers but %d names in formatOrder", len(writers), len(formatOrder))
	}
	tests := []struct {
		format  string
		wantErr bool
	}{
		{"text", false}, {"markdown", false}, {"json", false}, {"html", false},
		{"", true}, {"JSON", true}, {"pdf", true}, {"md", true},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			w, err := New(tt.format)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%q) error %v, want error %v", tt.format, err, tt.wantErr)
			}
			if err == nil && w == nil {
				t.Fatal("nil Writer")
			}
			if err != nil && !strings.Contains(err.Error(), "text, markdown, json") {
				t.Errorf("error %q does not list the formats", err)
			}
		})
	}
}

func TestNilCase(t *testing.T) {
	for _, format := range Formats() {
		w, _ := New(format)
		if err := w.Write(&bytes.Buffer{}, nil); err == nil {
			t.Errorf("%s: no error for a nil case", format)
		}
	}
}

// TestJSONRoundTrip checks Case → JSON → Case → JSON gives the same bytes.
func TestJSONRoundTrip(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			first := render(t, "json", loadCase(t, name))
			var c event.Case
			if err := json.Unmarshal(first, &c); err != nil {
				t.Fatal(err)
			}
			if second := render(t, "json", &c); !bytes.Equal(first, second) {
				t.Errorf("second encoding differs:\n%s", firstDiff(first, second))
			}
			if !bytes.HasSuffix(first, []byte("}\n")) {
				t.Error("no trailing newline")
			}
		})
	}
}

// filled returns a value of type typ with every slice holding one filled
// element and every pointer set, recursively, so that encoding it reaches
// every field of Case.
func filled(typ reflect.Type) reflect.Value {
	v := reflect.New(typ).Elem()
	if typ == timeType {
		return v
	}
	switch typ.Kind() {
	case reflect.Struct:
		for i := range typ.NumField() {
			if typ.Field(i).IsExported() {
				v.Field(i).Set(filled(typ.Field(i).Type))
			}
		}
	case reflect.Slice:
		v = reflect.MakeSlice(typ, 1, 1)
		v.Index(0).Set(filled(typ.Elem()))
	case reflect.Pointer:
		v = reflect.New(typ.Elem())
		v.Elem().Set(filled(typ.Elem()))
	}
	return v
}

// emptied is filled with every slice nil instead: the worst case for null.
func emptied(typ reflect.Type) reflect.Value {
	v := filled(typ)
	var clear func(reflect.Value)
	clear = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == timeType {
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					clear(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				clear(v.Index(i))
			}
			if v.Type().Elem().Kind() != reflect.Struct {
				v.Set(reflect.Zero(v.Type()))
			}
		case reflect.Pointer:
			if !v.IsNil() {
				clear(v.Elem())
			}
		}
	}
	clear(v)
	return v
}

// TestJSONNoNull checks that no list encodes as null, at any depth, for a
// zero Case, a Case whose nested lists are all nil, and the fixtures.
func TestJSONNoNull(t *testing.T) {
	caseType := reflect.TypeFor[event.Case]()
	tests := []struct {
		name string
		c    *event.Case
	}{
		{"zero", &event.Case{}},
		{"nested nil lists", ptr(emptied(caseType).Interface().(event.Case))},
		{"every field set", ptr(filled(caseType).Interface().(event.Case))},
		{"empty fixture", loadCase(t, "empty")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, "json", tt.c)
			var doc any
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			for _, path := range nulls("", doc) {
				key := path[strings.LastIndexAny(path, ".]")+1:]
				if !nullable[key] {
					t.Errorf("null at %s, which the schema does not allow to be null:\n%s", path, out)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// nullable are the keys the schema lets be null: times nothing bounds.
var nullable = func() map[string]bool {
	b, err := os.ReadFile("schema.json")
	if err != nil {
		panic(err)
	}
	out := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if props, ok := x["properties"].(map[string]any); ok {
				for k, p := range props {
					if ts, ok := p.(map[string]any)["type"].([]any); ok && slices.Contains(ts, any("null")) {
						out[k] = true
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var schema any
	if err := json.Unmarshal(b, &schema); err != nil {
		panic(err)
	}
	walk(schema)
	return out
}()

// nulls lists the paths of the null values in a decoded JSON document.
func nulls(path string, v any) []string {
	var out []string
	switch x := v.(type) {
	case nil:
		return []string{path}
	case map[string]any:
		for k, e := range x {
			out = append(out, nulls(path+"."+k, e)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, nulls(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
	}
	return out
}

// TestJSONDoesNotMutate checks the writer leaves the caller's Case alone:
// nil lists stay nil and times keep their location.
func TestJSONDoesNotMutate(t *testing.T) {
	build := func() *event.Case {
		c := emptied(reflect.TypeFor[event.Case]()).Interface().(event.Case)
		paris := time.FixedZone("CET", 3600)
		c.GeneratedAt = time.Date(2025, 3, 12, 10, 30, 0, 0, paris)
		c.Actions[0].EventTime = time.Date(2025, 3, 11, 3, 13, 47, 0, paris)
		return &c
	}
	c := build()
	render(t, "json", c)
	if !reflect.DeepEqual(c, build()) {
		t.Error("Write changed the Case it was given")
	}
}

// TestJSONTimesUTC checks times in other zones are written in UTC.
func TestJSONTimesUTC(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	since := time.Date(2025, 3, 11, 11, 0, 0, 0, tokyo)
	c := &event.Case{
		GeneratedAt: time.Date(2025, 3, 12, 18, 30, 0, 0, tokyo),
		Timeframe:   event.Timeframe{Start: ptr(time.Date(2025, 3, 11, 11, 13, 47, 0, tokyo))},
		Scope:       event.Scope{Since: &since, Mode: "triage"},
		Actions:     []event.Action{{EventTime: time.Date(2025, 3, 11, 11, 44, 56, 0, tokyo)}},
	}
	out := string(render(t, "json", c))
	for _, want := range []string{`"generated_at": "2025-03-12T09:30:00Z"`, `"start": "2025-03-11T02:13:47Z"`,
		`"since": "2025-03-11T02:00:00Z"`, `"event_time": "2025-03-11T02:44:56Z"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	if strings.Contains(out, "+09:00") {
		t.Error("a time kept its zone")
	}
}

// TestTextWidth: every line of the text report fits the width asked for
// (by default 100): prose wraps, table cells are cut, commands break into
// continuation lines.
func TestTextWidth(t *testing.T) {
	for _, name := range fixtures {
		for _, width := range []int{0, 120, 80} {
			w, err := NewWithOptions("text", Options{Width: width, Terminal: true})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := w.Write(&buf, loadCase(t, name)); err != nil {
				t.Fatal(err)
			}
			limit := cmp.Or(width, lineWidth)
			for _, l := range strings.Split(buf.String(), "\n") {
				if n := len([]rune(l)); n > limit {
					t.Errorf("%s at %d: %d columns: %s", name, width, n, l)
				}
			}
		}
	}
}

// TestTextUnfitted: Width below 0 keeps table cells and commands whole.
func TestTextUnfitted(t *testing.T) {
	c := loadCase(t, "case")
	w, _ := NewWithOptions("text", Options{Width: -1})
	var buf bytes.Buffer
	if err := w.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{c.Remediation[1].Command, c.Evidence.Sources[0].Path} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("cut: %s", want)
		}
	}
}

// TestTextTerminal: on a terminal the summary is repeated at the end, and
// colour appears only when asked for.
func TestTextTerminal(t *testing.T) {
	c := loadCase(t, "case")
	for _, o := range []Options{{}, {Terminal: true}, {Terminal: true, Color: true}} {
		w, _ := NewWithOptions("text", o)
		var buf bytes.Buffer
		if err := w.Write(&buf, c); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if got, want := strings.Count(out, c.Summary[0][:40]), 1+boolInt(o.Terminal); got != want {
			t.Errorf("%+v: summary shown %d times, want %d", o, got, want)
		}
		if got := strings.Contains(out, "\x1b["); got != o.Color {
			t.Errorf("%+v: colour codes %v", o, got)
		}
		if o.Terminal && !strings.HasSuffix(strings.TrimSpace(out), strings.TrimSpace(c.Summary[len(c.Summary)-1][len(c.Summary[len(c.Summary)-1])-20:])) {
			t.Errorf("%+v: the report does not end with the summary:\n%s", o, out[len(out)-300:])
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestEmptySections checks that a case with nothing found says so in every
// section instead of dropping it.
func TestEmptySections(t *testing.T) {
	sections := []string{"Scope", "Credential Chain", "Source IPs", "Session Timeline", "Data Accessed", "Changes",
		"Persistence", "Defense Evasion", "Findings", "Related Identities", "Remediation", "Evidence", "Notes"}
	text := string(render(t, "text", &event.Case{}))
	mdown := string(render(t, "markdown", &event.Case{}))
	for _, s := range sections {
		if !strings.Contains(text, "\n"+s+"\n"+strings.Repeat("-", len(s))+"\n") {
			t.Errorf("text: no %s section", s)
		}
		if !strings.Contains(mdown, "\n## "+s+"\n") {
			t.Errorf("markdown: no %s section", s)
		}
	}
	if n := strings.Count(text, none); n < 10 {
		t.Errorf("text says %q %d times for an empty case", none, n)
	}
}
