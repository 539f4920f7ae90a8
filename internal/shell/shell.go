// Package shell quotes values for the shell commands trailsleuth prints for
// an analyst to run (remediation steps, hints). Values come from CloudTrail
// logs, which whoever made a call chooses — an attacker included — so a
// printed command must pass each value to the program as one literal
// argument, whatever it holds, and print no character that a terminal would
// act on.
package shell

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trailsleuth/trailsleuth/internal/display"
)

// ErrNUL is returned for a value holding a NUL byte: no shell can pass one
// in an argument, so no command can carry it.
var ErrNUL = errors.New("a NUL byte cannot be passed to a command")

// Quote returns s as one shell word that bash, zsh and ksh read back as
// exactly s, interactive or not:
//   - bare when every byte is in a small safe set (letters, digits, @%+=:,./_-;
//     no leading =), so ordinary commands stay readable;
//   - in double quotes when s holds single quotes but none of " $ ` \ ! (inside
//     double quotes those are the only characters a shell acts on; ! is
//     history expansion in interactive bash and zsh);
//   - else in single quotes, each ' closed, escaped and reopened (the four
//     characters ' \ ' ') — nothing is special inside single quotes;
//   - and when s holds a control character (C0, DEL, C1), a line or paragraph
//     separator, a bidirectional or other format character, or bytes that are
//     not UTF-8, in the ANSI-C form $'…' with those written as \xHH or \uHHHH:
//     the printed command then holds nothing a terminal interprets and no
//     line break, and still passes the exact bytes.
//
// It returns ErrNUL for a value holding a NUL byte.
func Quote(s string) (string, error) {
	if s == "" {
		return "''", nil
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", fmt.Errorf("%w (at byte %d)", ErrNUL, strings.IndexByte(s, 0))
	}
	switch {
	case allSafe(s):
		return s, nil
	case needsEscapes(s):
		return ansiC(s), nil
	case strings.ContainsRune(s, '\'') && !strings.ContainsAny(s, "\"$`\\!"):
		return `"` + s + `"`, nil
	default:
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'", nil
	}
}

// QuoteOr is Quote, with placeholder in place of a value no command can
// carry (one holding a NUL byte): for hints, where a placeholder the user
// fills in beats no hint.
func QuoteOr(s, placeholder string) string {
	if q, err := Quote(s); err == nil {
		return q
	}
	return placeholder
}

// Join quotes each word of argv and joins them with spaces: one command.
func Join(argv ...string) (string, error) {
	words := make([]string, len(argv))
	for i, a := range argv {
		q, err := Quote(a)
		if err != nil {
			return "", err
		}
		words[i] = q
	}
	return strings.Join(words, " "), nil
}

// allSafe reports whether s can be printed bare. A leading '=' is not
// (zsh expands =word to a command's path).
func allSafe(s string) bool {
	if s[0] == '=' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("@%+=:,./_-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// needsEscapes reports whether s holds something that must not be printed
// as it is: invalid UTF-8 or a rune that is not printable (unicode.IsPrint
// excludes controls, separators other than the space, and format
// characters such as the bidirectional overrides).
func needsEscapes(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// ansiC writes s in bash's $'…' quoting: \\ and \' escaped, printable runes
// as they are, every other byte or rune as a fixed-width escape.
func ansiC(s string) string {
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case (r != utf8.RuneError || size > 1) && unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			display.WriteEscape(&b, s[i:i+size])
		}
		i += size
	}
	b.WriteByte('\'')
	return b.String()
}
