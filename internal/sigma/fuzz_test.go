package sigma

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzEvents are the package's test events, for matching fuzzed rules.
func fuzzEvents(f *testing.F) []*Event {
	b, err := os.ReadFile(filepath.Join("testdata", "events.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	var evs []*Event
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		ev, err := NewEvent(line)
		if err != nil {
			f.Fatal(err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// outcome is everything a parsed rule set turns into, as text: what each
// rule compiles to in each dialect and which events it matches.
func outcome(rules []*Rule, events []*Event) string {
	var b strings.Builder
	for _, r := range rules {
		fmt.Fprintf(&b, "rule %q %q\n", r.ID, r.Title)
		for _, d := range Dialects {
			sql, err := Compile(r, d, CompileOptions{Table: "t"})
			fmt.Fprintf(&b, "%s: %s %v\n", d, sql, err)
		}
		m, err := NewMatcher(r, MatchOptions{})
		if err != nil {
			fmt.Fprintf(&b, "matcher: %v\n", err)
			continue
		}
		for _, ev := range events {
			fmt.Fprintf(&b, "%t", m.Match(ev))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// FuzzParse: any YAML given as a Sigma rule file is parsed, compiled to
// every dialect and matched against events without a panic, and the same
// input always gives the same SQL and the same matches (no map order leaks
// into rules or queries).
func FuzzParse(f *testing.F) {
	root := filepath.Join("..", "..", "rules")
	paths, _ := filepath.Glob(filepath.Join(root, "aws", "*", "*.yml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "rules", "*.yml"))
	for _, p := range append(paths, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel:\n    eventName|startswith: [Get, 'Li*st']\n  condition: sel | count() by userIdentity.arn > 3\n  timeframe: 5m\n"))
	events := fuzzEvents(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := Parse(data, "fuzz.yml")
		if err != nil {
			return
		}
		first := outcome(rules, events)
		again, err := Parse(data, "fuzz.yml")
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		if second := outcome(again, events); second != first {
			t.Fatalf("same input, different outcome:\n%s\n---\n%s", first, second)
		}
	})
}

const condRule = `title: condition fuzz
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: A}
  filter_a: {eventSource: b}
  filter_b: {awsRegion: c}
  condition: selection
`

// FuzzCondition: a condition that parses means the same boolean function
// of the selections as its canonical printed form (every "N of" expanded),
// which must parse too; nothing panics.
func FuzzCondition(f *testing.F) {
	rules, err := Parse([]byte(condRule), "cond.yml")
	if err != nil {
		f.Fatal(err)
	}
	det := rules[0].Detection
	for _, s := range []string{
		"selection", "selection and not filter_a", "1 of filter_*", "all of them", "2 of them",
		"selection and not (filter_a or filter_b)", "not not selection", "any of filter_* and selection",
		"selection | count(eventName) by awsRegion > 3", "((selection))", "selection or filter_a and filter_b",
		"NOT selection AND filter_a OR filter_b", "all of filter_* or 1 of sel*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cond string) {
		n, _, err := parseCondition(cond, det, "fuzz")
		if err != nil {
			return
		}
		names := det.Selections()
		printed := printNode(t, n, det)
		n2, _, err := parseCondition(printed, det, "fuzz")
		if err != nil {
			t.Fatalf("%q parsed, its printed form %q does not: %v", cond, printed, err)
		}
		for mask := 0; mask < 1<<len(names); mask++ {
			truth := map[*selection]bool{}
			for i, name := range names {
				truth[det.selections[name]] = mask&(1<<i) != 0
			}
			if a, b := evalNode(n, truth), evalNode(n2, truth); a != b {
				t.Fatalf("%q and its printed form %q differ for selections %b: %t vs %t", cond, printed, mask, a, b)
			}
		}
	})
}

func evalNode(n node, truth map[*selection]bool) bool {
	switch x := n.(type) {
	case *nSel:
		return truth[x.sel]
	case *nNot:
		return !evalNode(x.kid, truth)
	case *nAnd:
		for _, k := range x.kids {
			if !evalNode(k, truth) {
				return false
			}
		}
		return true
	case *nOr:
		for _, k := range x.kids {
			if evalNode(k, truth) {
				return true
			}
		}
		return false
	case *nAtLeast:
		c := 0
		for _, k := range x.kids {
			if evalNode(k, truth) {
				c++
			}
		}
		return c >= x.n
	}
	panic(fmt.Sprintf("unknown node %T", n))
}

// printNode writes n with explicit parentheses and "N of" expanded into
// the disjunction of every N-selection conjunction.
func printNode(t *testing.T, n node, det *Detection) string {
	switch x := n.(type) {
	case *nSel:
		for name, s := range det.selections {
			if s == x.sel {
				return name
			}
		}
		t.Fatalf("selection not in the detection")
	case *nNot:
		return "not (" + printNode(t, x.kid, det) + ")"
	case *nAnd, *nOr:
		kids, op := []node(nil), " and "
		if a, ok := x.(*nAnd); ok {
			kids = a.kids
		} else {
			kids, op = x.(*nOr).kids, " or "
		}
		parts := make([]string, len(kids))
		for i, k := range kids {
			parts[i] = printNode(t, k, det)
		}
		return "(" + strings.Join(parts, op) + ")"
	case *nAtLeast:
		var terms []string
		var pick func(start int, chosen []string)
		pick = func(start int, chosen []string) {
			if len(chosen) == x.n {
				terms = append(terms, "("+strings.Join(chosen, " and ")+")")
				return
			}
			for i := start; i < len(x.kids); i++ {
				pick(i+1, append(chosen[:len(chosen):len(chosen)], printNode(t, x.kids[i], det)))
			}
		}
		pick(0, nil)
		return "(" + strings.Join(terms, " or ") + ")"
	}
	t.Fatalf("unknown node %T", n)
	return ""
}
