// Package sqlquote writes values into SQL text, the one way every package
// does: a string literal with its quotes doubled, an identifier in double
// quotes. Values that can be bound as parameters should be; these are for
// the places that cannot (DDL, statements shown to the user or sent to
// Athena and CloudTrail Lake, which take no parameters there).
package sqlquote

import "strings"

// String is s as a single-quoted SQL string literal.
func String(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Strings is a comma-separated list of string literals, for IN (...).
func Strings(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = String(v)
	}
	return strings.Join(q, ", ")
}

// Ident is s as a double-quoted SQL identifier.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
