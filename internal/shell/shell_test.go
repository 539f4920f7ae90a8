package shell

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// hostile are values an attacker can put in a CloudTrail field (a trail,
// user, role, bucket or function name, an event id) to run code in the
// shell of an analyst who pastes a printed command.
var hostile = []string{
	"x$(touch pwned)", "x`touch pwned`", "x; touch pwned", "x && touch pwned", "x | touch pwned",
	"x\ntouch pwned", "x\rtouch pwned", "'; touch pwned; '", `"; touch pwned; "`, `'"$(touch pwned)"'`,
	"x'$(touch pwned)'", `x\'$(touch pwned)`, "> pwned", "x >pwned", "<(touch pwned)", "$((1+1))",
	"${PWD}", "*", "~", "~root", "=ls", "!!", "it's !ls", "{a,b}", "#comment", "a b", "\t", "",
	"\x1b]0;title\x07", "\x1b[2J", "\u202etxt.exe", "a\u2028b", "\x85", "\xff\xfe", "\x7f", "é", "x\\", `\x41`,
	"'", `"`, "$", "`", "\\", "x'\\''y",
}

func TestQuoteForms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ci-deploy", "ci-deploy"},
		{"arn:aws:iam::123456789012:user/a.b@c", "arn:aws:iam::123456789012:user/a.b@c"},
		{"", "''"},
		{"a b", "'a b'"},
		{"x$(touch pwned)", "'x$(touch pwned)'"},
		{"SELECT raw FROM events WHERE event_id = 'abc'", `"SELECT raw FROM events WHERE event_id = 'abc'"`},
		{"it's $HOME", `'it'\''s $HOME'`},
		{"it's !ls", `'it'\''s !ls'`},
		{"=ls", "'=ls'"},
		{"x\ny", `$'x\x0ay'`},
		{"\x1b]0;t\x07", `$'\x1b]0;t\x07'`},
		{"\u202eabc", `$'\u202eabc'`},
		{"\xffx'", `$'\xffx\''`},
	}
	for _, tt := range tests {
		got, err := Quote(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Quote(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := Quote("a\x00b"); !errors.Is(err, ErrNUL) {
		t.Errorf("a NUL byte: %v, want ErrNUL", err)
	}
}

// TestQuoteInBash runs every hostile value through a real bash: the stub
// program receives exactly the value, and nothing else runs or is written.
func TestQuoteInBash(t *testing.T) {
	var lines []string
	for _, h := range hostile {
		cmd, err := Join("aws", "iam", "delete-user", "--user-name", h)
		if err != nil {
			t.Fatal(err)
		}
		checkPrintable(t, cmd)
		lines = append(lines, cmd)
	}
	res := testenv.RunStubbed(t, strings.Join(lines, "\n"), "aws")
	if len(res.Created) > 0 {
		t.Errorf("the commands created %v\n%s", res.Created, res.Output)
	}
	if len(res.Calls) != len(hostile) {
		t.Fatalf("%d calls, want %d: %v (err %v)\n%s", len(res.Calls), len(hostile), res.Calls, res.Err, res.Output)
	}
	for i, h := range hostile {
		if want := []string{"aws", "iam", "delete-user", "--user-name", h}; !reflect.DeepEqual(res.Calls[i], want) {
			t.Errorf("value %q arrived as %q", h, res.Calls[i])
		}
	}
}

// checkPrintable fails when a printed command holds anything a terminal
// acts on or a line break.
func checkPrintable(t testing.TB, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("not UTF-8: %q", s)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			t.Errorf("unprintable %U in %q", r, s)
		}
	}
}

// FuzzQuote: any value without NUL is quoted into printable text that bash
// reads back as exactly the value.
func FuzzQuote(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Quote(s)
		if strings.IndexByte(s, 0) >= 0 {
			if !errors.Is(err, ErrNUL) {
				t.Fatalf("NUL accepted: %q", q)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkPrintable(t, q)
		res := testenv.RunStubbed(t, "echo-args "+q, "echo-args")
		if len(res.Created) > 0 || len(res.Calls) != 1 || !reflect.DeepEqual(res.Calls[0], []string{"echo-args", s}) {
			t.Fatalf("Quote(%q) = %s: bash ran %q, created %v\n%s", s, q, res.Calls, res.Created, res.Output)
		}
	})
}
