package display

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestInline(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"aws-cli/2.15.0 Python/3.11", "aws-cli/2.15.0 Python/3.11"},
		{"Zürich 東京", "Zürich 東京"},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"\x1b]0;owned\x07", `\x1b]0;owned\x07`},
		{"\x1b[2J\x08\x7f", `\x1b[2J\x08\x7f`},
		{"\u009b31m\u0085", `\u009b31m\u0085`},
		{"abc\u202eexe.txt", `abc\u202eexe.txt`},
		{"\u2066x\u2069\u200f\u061c", `\u2066x\u2069\u200f\u061c`},
		{"a\u2028b\u2029", `a\u2028b\u2029`},
		{"\xff\xfeok", `\xff\xfeok`},
		{"\x00", `\x00`},
		{`C:\path`, `C:\path`},
	}
	for _, tt := range tests {
		if got := Inline(tt.in); got != tt.want {
			t.Errorf("Inline(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLines(t *testing.T) {
	if got := Lines("open x\nFORGED\x1b[2J", "  "); got != "open x\n  FORGED\\x1b[2J" {
		t.Errorf("got %q", got)
	}
}

// TestCopy: every string in nested values is escaped in the copy, times
// and other values are kept, and the original is not changed.
func TestCopy(t *testing.T) {
	type inner struct {
		S  string
		At time.Time
	}
	type outer struct {
		Name  string
		List  []inner
		Ptr   *inner
		Map   map[string]string
		Arr   [1]string
		N     int
		Any   any
		Empty []string
	}
	at := time.Date(2025, 3, 11, 2, 0, 0, 0, time.UTC)
	in := &outer{Name: "a\nb", List: []inner{{"\x1b", at}}, Ptr: &inner{"\u202e", at}, Map: map[string]string{"k\n": "v\r"},
		Arr: [1]string{"\t"}, N: 7, Any: "\x07"}
	out := Copy(in)
	if out == in || out.Name != `a\nb` || out.List[0].S != `\x1b` || !out.List[0].At.Equal(at) || out.Ptr.S != `\u202e` ||
		out.Map[`k\n`] != `v\r` || out.Arr[0] != `\t` || out.N != 7 || out.Any != `\x07` || out.Empty != nil {
		t.Errorf("copy %+v", out)
	}
	if in.Name != "a\nb" || in.List[0].S != "\x1b" || in.Ptr.S != "\u202e" || in.Map["k\n"] != "v\r" {
		t.Errorf("original changed: %+v", in)
	}
}

// FuzzInline: the result is valid UTF-8 of printable runes and spaces only
// (no line break, control, bidirectional or format character), and
// printable text is left as it is.
func FuzzInline(f *testing.F) {
	for _, s := range []string{"", "plain", "a\nb", "\x1b]0;t\x07", "\u202e", "\xff", "é\u2028", "\x9b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Inline(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Inline(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if r != ' ' && !unicode.IsPrint(r) {
				t.Fatalf("Inline(%q) = %q holds %U", s, got, r)
			}
		}
		printable := utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }) < 0
		if printable && got != s {
			t.Fatalf("printable %q changed to %q", s, got)
		}
		if !printable && got == s {
			t.Fatalf("%q left as it is", s)
		}
	})
}
