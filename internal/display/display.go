// Package display makes values read from evidence safe to show to a person:
// on a terminal, in a text or markdown report, a table, a CSV cell or a log
// line. CloudTrail values (user agents, resource names, request
// parameters) and file names are chosen by whoever made the call or wrote
// the file, attacker included; shown raw, an escape sequence retitles or
// clears the terminal or hides what follows, a carriage return or newline
// forges a line of output, a bidirectional override reverses text. Every
// human-facing renderer passes values through Inline; JSON outputs keep the
// exact values.
package display

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Inline returns s with everything a renderer must not print as it is
// written as a visible escape, so the value stays on one line and the
// terminal interprets nothing in it:
//   - C0 controls and DEL as \xHH (\n, \r and \t as \n, \r, \t), so a value
//     never breaks or rewrites a line;
//   - every other rune that is not printable — C1 controls, the line and
//     paragraph separators, bidirectional and other format characters
//     (U+202E, U+2066…), unassigned code points — as \uHHHH or \UHHHHHHHH;
//   - bytes that are not UTF-8 as \xHH.
//
// Printable text, including the space and non-ASCII letters, is unchanged;
// a value of printable ASCII is returned as it is, without allocating.
// Backslashes are not doubled: the escape is for reading, and the JSON
// output holds the exact value.
func Inline(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || (r != utf8.RuneError || size > 1) && unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			WriteEscape(&b, s[i:i+size])
		}
		i += size
	}
	return b.String()
}

// WriteEscape writes one rune's bytes c (one UTF-8 sequence, or one byte
// that is not UTF-8) as a fixed-width escape that both a reader and bash's
// $'…' understand: \xHH for an ASCII or invalid byte, \uHHHH or
// \UHHHHHHHH for any other rune. Fixed width, so no following character
// can extend it.
func WriteEscape(b *strings.Builder, c string) {
	r, size := utf8.DecodeRuneInString(c)
	switch {
	case r == utf8.RuneError && size <= 1, r < utf8.RuneSelf:
		fmt.Fprintf(b, `\x%02x`, c[0])
	case r < 0x10000:
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		fmt.Fprintf(b, `\U%08x`, r)
	}
}

// Lines escapes each line of a multi-line text (an error message) with
// Inline and joins them with a newline and indent, so a line break in a
// value shows as a continuation, never as a line of its own.
func Lines(s, indent string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Inline(l)
	}
	return strings.Join(lines, "\n"+indent)
}

// Inlines applies Inline to each item, in a new slice.
func Inlines(items []string) []string {
	if items == nil {
		return nil
	}
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = Inline(s)
	}
	return out
}

// Copy returns a deep copy of v in which every string (in exported struct
// fields, slices, arrays, maps and through pointers) went through Inline.
// A renderer takes one at its entry, so no field — including ones added
// later — reaches the output raw, and the caller's value is not changed.
func Copy[T any](v T) T {
	out := copyValue(reflect.ValueOf(&v).Elem())
	return out.Interface().(T)
}

func copyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(v.Type()).Elem()
		out.SetString(Inline(v.String()))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // unexported fields (a time.Time's) as they are
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(copyValue(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(copyValue(v.Index(i)))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			out.Index(i).Set(copyValue(v.Index(i)))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(copyValue(v.Elem()))
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		it := v.MapRange()
		for it.Next() {
			out.SetMapIndex(copyValue(it.Key()), copyValue(it.Value()))
		}
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(copyValue(v.Elem()))
		return out
	}
	return v
}
