package tabular

// SafeCell defuses spreadsheet formula injection in a CSV cell, following
// OWASP's CSV injection guidance: a value that starts with '=', '+', '-',
// '@', a tab or a carriage return gets a leading single quote, so Excel,
// LibreOffice and Google Sheets show it as text instead of evaluating it.
// CloudTrail values such as user agents and request parameters are chosen
// by whoever made the call, attacker included.
//
// A plain number ("-2", "+3.5", "-1e-3") is left as it is: a spreadsheet
// reads it as a number, not a formula, and quoting it would turn numeric
// columns into text. Anything more ("-2+3", "-Inf", "+cmd") is quoted.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
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
