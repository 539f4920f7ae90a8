package report

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// This file fits the text report to a terminal's width: tables sized the
// way the duckdb CLI sizes them (the widest columns give way first, cut
// cells end in "…"), and commands broken into shell continuation lines,
// never cut: a command printed must run as it stands.

// minColumn is the narrowest a column is cut to when its cells are
// wider.
const minColumn = 8

// columnFloors are the widths columns are not cut below: a column's
// typical (median) cell, up to a quarter of width, or its header, whichever
// is wider — one long
// console key must not drag its column's ordinary keys into "AKIAHF6L6…".
func columnFloors(head []string, rows [][]string, width int) []int {
	floors := make([]int, len(head))
	for i, h := range head {
		lens := make([]int, 0, len(rows))
		natural := utf8.RuneCountInString(h)
		for _, r := range rows {
			if i < len(r) {
				n := utf8.RuneCountInString(r[i])
				lens = append(lens, n)
				natural = max(natural, n)
			}
		}
		slices.Sort(lens)
		median := 0
		if len(lens) > 0 {
			median = lens[len(lens)/2]
		}
		// No floor above a quarter of the line: a column of long paths
		// must leave room for the others.
		floors[i] = min(natural, max(minColumn, utf8.RuneCountInString(h), min(median, width/4)))
	}
	return floors
}

// fitColumns returns column widths whose table, with indent and two spaces
// between columns, fits in width: while too wide, the widest column above
// its floor loses a column. shown is how many leading columns fit at all
// (when every column is at its floor, the last ones are left out, and the
// caller marks it, as the duckdb CLI does).
func fitColumns(natural, floor []int, prose []bool, indent, width int) (widths []int, shown int) {
	widths, floor = slices.Clone(natural), slices.Clone(floor)
	total := func(n int) int {
		t := indent
		for i := range n {
			t += widths[i]
			if i > 0 {
				t += 2
			}
		}
		return t
	}
	shown = len(widths)
	for total(shown) > width {
		widest := -1
		for i := range shown {
			if widths[i] > floor[i] && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest >= 0 {
			widths[widest]--
			continue
		}
		// The last column shown, unpadded, may give way below its floor
		// before a column is left out — if it holds words: a cut key or
		// address is no use, a cut sentence still says something.
		if last := shown - 1; last > 0 && prose[last] && floor[last] > min(widths[last], minColumn) {
			floor[last] = min(widths[last], minColumn)
			continue
		}
		if shown == 1 {
			widths[0] = max(1, width-indent) // one column: cut to the line
			break
		}
		shown-- // every column at its floor: leave the last ones out
	}
	return widths, shown
}

// proseColumns tells which columns hold words (most cells have a space).
func proseColumns(head []string, rows [][]string) []bool {
	out := make([]bool, len(head))
	for i := range head {
		n := 0
		for _, r := range rows {
			if i < len(r) && strings.Contains(strings.TrimSpace(r[i]), " ") {
				n++
			}
		}
		out[i] = len(rows) > 0 && 2*n >= len(rows)
	}
	return out
}

// shellWords splits a printed command into its words, keeping each word's
// quoting as printed (shell.Quote's forms: bare, '…' with '\” inside,
// "…", and $'…' with backslash escapes).
func shellWords(cmd string) []string {
	var words []string
	var cur strings.Builder
	const (
		bare = iota
		single
		double
		ansi
	)
	state := bare
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch state {
		case bare:
			switch {
			case c == ' ':
				if cur.Len() > 0 {
					words = append(words, cur.String())
					cur.Reset()
				}
				continue
			case c == '\\' && i+1 < len(cmd):
				cur.WriteByte(c)
				i++
				c = cmd[i]
			case c == '\'':
				state = single
			case c == '"':
				state = double
			case c == '$' && i+1 < len(cmd) && cmd[i+1] == '\'':
				cur.WriteByte(c)
				i++
				c = cmd[i]
				state = ansi
			}
		case single:
			if c == '\'' {
				state = bare
			}
		case double:
			if c == '"' {
				state = bare
			}
		case ansi:
			if c == '\\' && i+1 < len(cmd) {
				cur.WriteByte(c)
				i++
				c = cmd[i]
			} else if c == '\'' {
				state = bare
			}
		}
		cur.WriteByte(c)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// fitCommand breaks a command into lines that fit in width after
// prefix: between words with " \" (continuation lines indented under the
// command), and a word too long for any line inside its quotes, the pieces
// joined by backslash-newline at the start of the next line (the shell
// removes backslash-newline outside quotes and joins the pieces into one
// word, so those continuation lines carry no indent). The command the
// shell reads is the one given, word for word.
func fitCommand(cmd, prefix string, width int) []string {
	if utf8.RuneCountInString(prefix)+utf8.RuneCountInString(cmd) <= width {
		return []string{prefix + cmd}
	}
	cont := prefix + "  "
	var out []string
	cur := prefix
	empty := true
	flush := func() {
		out = append(out, cur+" \\")
		cur, empty = cont, true
	}
	for _, w := range shellWords(cmd) {
		n := utf8.RuneCountInString(w)
		if !empty && utf8.RuneCountInString(cur)+1+n+2 > width {
			flush()
		}
		if utf8.RuneCountInString(cur)+1+n+2 <= width || !empty && n+2 <= width {
			if !empty {
				cur += " "
			}
			cur += w
			empty = false
			continue
		}
		// One word longer than a line: split it within its quoting.
		if !empty {
			cur += " "
		}
		pieces := splitWord(w, width-utf8.RuneCountInString(cur)-2, width-2)
		for i, p := range pieces {
			if i == 0 {
				cur += p
				continue
			}
			out = append(out, cur+"\\")
			cur = p
		}
		empty = false
	}
	return append(out, cur)
}

// splitWord cuts one printed shell word into pieces — the first at most
// first runes, the others at most rest — each closing and reopening the
// quoting it is cut inside, so that the pieces, joined with no space, are
// the same word. It never cuts inside an escape.
func splitWord(w string, first, rest int) []string {
	first, rest = max(first, 8), max(rest, 8)
	var pieces []string
	var cur strings.Builder
	curLen, limit := 0, first
	quote := "" // the quoting open: "" (bare), "'", "\"" or "$'"
	rs := []rune(w)
	for i := 0; i < len(rs); i++ {
		before := quote
		r := rs[i]
		unit := string(r) // an escape stays with what it escapes
		switch {
		case quote == "" && r == '\\' && i+1 < len(rs):
			unit += string(rs[i+1])
			i++
		case quote == "$'" && r == '\\' && i+1 < len(rs):
			j := i + 2
			switch rs[i+1] {
			case 'x':
				j = i + 4
			case 'u':
				j = i + 6
			case 'U':
				j = i + 10
			}
			j = min(j, len(rs))
			unit = string(rs[i:j])
			i = j - 1
		case quote == "" && r == '$' && i+1 < len(rs) && rs[i+1] == '\'':
			unit = "$'"
			i++
			quote = "$'"
		case quote == "" && (r == '\'' || r == '"'):
			quote = string(r)
		case (quote == "'" || quote == "$'") && r == '\'', quote == "\"" && r == '"':
			quote = ""
		}
		n := utf8.RuneCountInString(unit)
		if curLen > 0 && curLen+n+1 > limit {
			closing, opening := before, before
			if before == "$'" {
				closing = "'"
			}
			pieces = append(pieces, cur.String()+closing)
			cur.Reset()
			cur.WriteString(opening)
			curLen, limit = utf8.RuneCountInString(opening), rest
		}
		cur.WriteString(unit)
		curLen += n
	}
	return append(pieces, cur.String())
}

// maxListed is how many rows a long text table shows (data accessed:
// 150 objects read one by one) before counting the rest.
const maxListed = 10

// ANSI colours of the text report on a terminal.
const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

// paint wraps s in an ANSI colour; no colour leaves it as it is.
func paint(color, s string) string {
	if color == "" || s == "" {
		return s
	}
	return color + s + ansiReset
}

// levelColor colours a finding level: critical and high red, medium
// yellow, low and informational dim.
func levelColor(level string) string {
	switch strings.ToLower(level) {
	case "critical", "high":
		return ansiRed
	case "medium":
		return ansiYellow
	case "low", "informational":
		return ansiDim
	}
	return ""
}

// verdictColor colours a triage verdict like a severity.
func verdictColor(v string) string {
	switch v {
	case "attacker":
		return ansiRed
	case "unsure":
		return ansiYellow
	}
	return ""
}
