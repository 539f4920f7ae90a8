package tabular

import "github.com/trailsleuth/trailsleuth/internal/display"

// SafeCell makes a value safe for a CSV cell, which a person reads in a
// terminal or a spreadsheet. First it escapes control characters, line
// breaks and bidirectional overrides (display.Inline: a CSV printed to a
// terminal must not drive it, and a cell stays on one line). Then it
// defuses spreadsheet formula injection, following
// OWASP's CSV injection guidance: a value that starts with '=', '+', '-',
// '@' gets a leading single quote, so Excel,
// LibreOffice and Google Sheets show it as text instead of evaluating it.
// CloudTrail values such as user agents and request parameters are chosen
// by whoever made the call, attacker included.
//
// A plain number ("-2", "+3.5", "-1e-3") is left as it is: a spreadsheet
// reads it as a number, not a formula, and quoting it would turn numeric
// columns into text. Anything more ("-2+3", "-Inf", "+cmd") is quoted.
func SafeCell(s string) string {
	s = display.Inline(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@':
		if isPlainNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isPlainNumber reports whether s is [+-]digits[.digits][e[+-]digits] and
// nothing else.
func isPlainNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
