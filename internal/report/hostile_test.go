package report

import (
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// forge is what an attacker puts in a logged value to forge report lines,
// retitle the analyst's terminal, hide text or reverse it.
const forge = "x\nFORGED 0 records lost\n# FORGED all clear\r\x1b]0;owned\x07\x1b[2J\u202e\u2028FORGED\x85\x9b31m\x7f\b"

// withStrings returns a copy of the case fixture with every string set to
// v (lengths of lists kept, so both renders take the same paths).
func withStrings(t testing.TB, v string) *event.Case {
	t.Helper()
	c := loadCase(t.(*testing.T), "case")
	var fill func(reflect.Value)
	fill = func(x reflect.Value) {
		switch x.Kind() {
		case reflect.String:
			x.SetString(v)
		case reflect.Struct:
			for i := range x.NumField() {
				if x.Type().Field(i).IsExported() {
					fill(x.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range x.Len() {
				fill(x.Index(i))
			}
		case reflect.Pointer:
			if !x.IsNil() {
				fill(x.Elem())
			}
		}
	}
	fill(reflect.ValueOf(c).Elem())
	// A command is lines of shell, every value in it quoted (no raw line
	// break: internal/shell); its lines are the one structure it brings.
	for i := range c.Remediation {
		c.Remediation[i].Command = "aws iam get-user\naws iam list-users"
	}
	return c
}

// checkShown fails on anything in a rendered report that a terminal would
// act on or that breaks a line, and on a line a value forged.
func checkShown(t *testing.T, format string, out []byte) {
	t.Helper()
	for _, r := range string(out) {
		if r != '\n' && r != ' ' && !unicode.IsPrint(r) {
			t.Errorf("%s: output holds %U", format, r)
			return
		}
	}
	// A value starts no line of its own: wrapped text continues indented,
	// so only a line break in a value could put one at the margin.
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "FORGED") || strings.HasPrefix(l, "# FORGED") {
			t.Errorf("%s: a value forged the line %q", format, l)
		}
	}
}

// markdownShape counts the block structure of a markdown document outside
// fenced code: headings, table rows, list items, fences.
func markdownShape(doc string) map[string]int {
	shape := map[string]int{}
	fence := ""
	for _, l := range strings.Split(doc, "\n") {
		t := strings.TrimLeft(l, " ")
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, "`") == "" {
				fence = ""
			}
			continue
		}
		switch {
		case strings.HasPrefix(t, "```"):
			fence = t[:len(t)-len(strings.TrimLeft(t, "`"))]
			shape["fence"]++
		case strings.HasPrefix(t, "#"):
			shape["heading"]++
		case strings.HasPrefix(t, "|"):
			shape["table row"]++
		case strings.HasPrefix(t, "- "), strings.HasPrefix(t, "* "), strings.HasPrefix(t, "+ "):
			shape["list item"]++
		case t == "":
			shape["blank"]++
		default:
			shape["paragraph line"]++
		}
	}
	return shape
}

// TestHostileValues (issue 16, items 6 and 7): a report whose every value
// holds line breaks, escape sequences, a bidirectional override and a
// fake heading renders, in text and markdown, with nothing a terminal acts
// on, no forged line, and the markdown structure of a harmless report.
func TestHostileValues(t *testing.T) {
	hostile, plain := withStrings(t, forge), withStrings(t, "x")
	for _, format := range []string{"text", "markdown"} {
		checkShown(t, format, render(t, format, hostile))
	}
	got, want := markdownShape(string(render(t, "markdown", hostile))), markdownShape(string(render(t, "markdown", plain)))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("markdown structure changed by values:\n got %v\nwant %v", got, want)
	}
	if c := withStrings(t, forge); render(t, "json", c) == nil || c.Notes[0] != forge {
		t.Errorf("rendering changed the case or JSON lost the exact value")
	}
}

// FuzzRenderers: whatever the values, text and markdown reports hold
// nothing a terminal acts on and keep the markdown structure.
func FuzzRenderers(f *testing.F) {
	for _, s := range []string{forge, "", "```", "\n```\n# x", "|a|b|\n|---|", "<script>", "\\", "\xff\xfe", "\u2066\u2069"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := withStrings(t, "x"+s)
		for _, format := range []string{"text", "markdown"} {
			checkShown(t, format, render(t, format, c))
		}
		got, want := markdownShape(string(render(t, "markdown", c))), markdownShape(string(render(t, "markdown", withStrings(t, "x"))))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("markdown structure changed by %q:\n got %v\nwant %v", s, got, want)
		}
	})
}
