package sigma

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, det, want string }{
		{"no condition", "sel: {eventName: x}", "no condition"},
		{"unknown selection", "sel: {eventName: x}\ncondition: sel and other", `unknown selection "other"`},
		{"unknown modifiers named", "sel: {eventName|contain|bogus: x}\ncondition: sel", `unknown modifier(s) "contain", "bogus" in "eventName|contain|bogus"`},
		{"conflicting modifiers", "sel: {eventName|contains|startswith: x}\ncondition: sel", "modifiers contains and startswith cannot be combined"},
		{"re flags need re", "sel: {eventName|i: x}\ncondition: sel", "modifiers i, m and s need re"},
		{"bad regex", "sel: {eventName|re: '(?<=a)b'}\ncondition: sel", "invalid regular expression"},
		{"bad cidr", "sel: {sourceIPAddress|cidr: 10.0.0.300/8}\ncondition: sel", "invalid CIDR"},
		{"lt needs a number", "sel: {x|lt: abc}\ncondition: sel", `"abc" is not a number`},
		{"exists needs a boolean", "sel: {x|exists: maybe}\ncondition: sel", "exists needs true or false"},
		{"no pattern match", "sel: {eventName: x}\ncondition: 1 of filter*", `no selection matches "filter*"`},
		{"dangling operator", "sel: {eventName: x}\ncondition: sel and", "unexpected end of condition"},
		{"unbalanced", "sel: {eventName: x}\ncondition: (sel", "missing )"},
		{"empty list", "sel: {eventName: []}\ncondition: sel", "empty value list"},
		{"nested map value", "sel: {eventName: {a: b}}\ncondition: sel", "a value must be a scalar"},
		{"near", "a: {eventName: x}\nb: {eventName: y}\ncondition: a | near b", `legacy aggregation "near"`},
		{"too many of", "a: {eventName: x}\ncondition: 2 of a", "only 1 selection(s) match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(header+"  "+strings.ReplaceAll(tc.det, "\n", "\n  ")+"\n"), "bad.yml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "bad.yml") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
	var ue *UnsupportedError
	_, err := Parse([]byte(header+"  a: {eventName: x}\n  condition: a | sum(x) > 3\n"), "agg.yml")
	if !errors.As(err, &ue) || ue.Rule == "" {
		t.Errorf("sum(): want an *UnsupportedError naming the rule, got %v", err)
	}
}

func TestRuleMetadata(t *testing.T) {
	y := `title: Trail stopped
id: 11111111-2222-3333-4444-555555555555
status: test
description: Someone stopped a trail.
references: [https://example.com/a]
author: someone
date: 2024-01-02
modified: 2024/02/03
tags:
  - attack.defense_evasion
  - attack.stealth
  - attack.defense-impairment
  - attack.t1562.008
  - attack.T1685.002
  - attack.t1562.008
  - attack.privilege-escalation
  - cve.2024-1234
level: high
falsepositives: [Admins]
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: StopLogging}
  condition: sel
fields: [userIdentity.arn]
remediation: |
  Restart logging.
x-score: 7
`
	r := parseOne(t, y)
	if r.Title != "Trail stopped" || r.Status != "test" || r.Date != "2024-01-02" || r.Modified != "2024/02/03" ||
		r.Level != "high" || len(r.References) != 1 || r.Author != "someone" || len(r.FalsePositives) != 1 || len(r.Fields) != 1 {
		t.Errorf("metadata: %+v", r)
	}
	if r.Custom["remediation"] != "Restart logging.\n" || r.Custom["x-score"] != 7 || len(r.Custom) != 2 {
		t.Errorf("custom: %#v", r.Custom)
	}
	if got := r.Tactics(); !equalStrings(got, []string{"defense-evasion", "privilege-escalation"}) {
		t.Errorf("tactics %v", got)
	}
	if got := r.Techniques(); !equalStrings(got, []string{"T1562.008", "T1685.002"}) {
		t.Errorf("techniques %v", got)
	}
	other := parseOne(t, strings.Replace(y, "service: cloudtrail", "service: guardduty", 1))
	for _, err := range []error{other.Applicable(), func() error { _, err := NewMatcher(other, MatchOptions{}); return err }(),
		func() error { _, err := Compile(other, DuckDB, CompileOptions{}); return err }()} {
		if !errors.Is(err, ErrNotApplicable) || !strings.Contains(err.Error(), "guardduty") {
			t.Errorf("want ErrNotApplicable naming the service, got %v", err)
		}
	}
}

func TestCollections(t *testing.T) {
	y := `action: global
title: Trail tampering
logsource: {product: aws, service: cloudtrail}
level: high
detection:
  condition: sel
---
id: 1
detection:
  sel: {eventName: StopLogging}
---
id: 2
title: Trail deleted
detection:
  sel: {eventName: DeleteTrail}
---
action: reset
---
title: Separate
id: 3
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: PutEventSelectors}
  condition: sel
`
	rules, err := Parse([]byte(y), "coll.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 3 {
		t.Fatalf("want 3 rules, got %d", len(rules))
	}
	if rules[0].Title != "Trail tampering" || rules[0].Level != "high" || rules[1].Title != "Trail deleted" || rules[2].Level != "" {
		t.Errorf("merge: %q %q %q %q", rules[0].Title, rules[0].Level, rules[1].Title, rules[2].Level)
	}
	for i, name := range []string{"StopLogging", "DeleteTrail", "PutEventSelectors"} {
		ok, err := mustMatcher(t, rules[i]).MatchJSON([]byte(`{"eventName":"` + name + `"}`))
		if err != nil || !ok {
			t.Errorf("rule %d does not match %s: %v", i, name, err)
		}
	}
	if !strings.HasSuffix(rules[1].Source, "coll.yml#3") {
		t.Errorf("source %q", rules[1].Source)
	}
}

func mustMatcher(t *testing.T, r *Rule) *Matcher {
	t.Helper()
	m, err := NewMatcher(r, MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMatcherOnly covers what the SQL cannot show: decoded maps, regex
// flags, IPv6 networks (reported unsupported in DuckDB SQL).
func TestMatcherOnly(t *testing.T) {
	m := mustMatcher(t, parseOne(t, header+"  sel:\n    requestParameters.items.name|endswith: '-prod'\n    readOnly: false\n  condition: sel\n"))
	ok, err := m.MatchMap(map[string]any{"readOnly": false, "requestParameters": map[string]any{"items": []any{map[string]any{"name": "a"}, map[string]any{"name": "db-PROD"}}}})
	if err != nil || !ok {
		t.Errorf("MatchMap: %v %v", ok, err)
	}
	for _, tc := range []struct {
		det, event string
		want       bool
	}{
		{"sel: {errorMessage|re: '^b'}", `{"errorMessage":"a\nb"}`, false},
		{"sel: {errorMessage|re|m: '^b'}", `{"errorMessage":"a\nb"}`, true},
		{"sel: {errorMessage|re: 'a.b'}", `{"errorMessage":"a\nb"}`, false},
		{"sel: {errorMessage|re|s: 'a.b'}", `{"errorMessage":"a\nb"}`, true},
		{"sel: {sourceIPAddress|cidr: '2001:db8::/32'}", `{"sourceIPAddress":"2001:db8::17"}`, true},
		{"sel: {sourceIPAddress|cidr: '2001:db8::/32'}", `{"sourceIPAddress":"2001:db9::17"}`, false},
		{"sel: {sourceIPAddress|cidr: '10.0.0.0/8'}", `{"sourceIPAddress":"010.1.1.1"}`, false},
		{"sel: {x|utf16le|base64offset|contains: 'cmd'}", `{"x":"` + "AAYwBtAGQA" + `"}`, true},
		{"sel: {x: 1}", `{"x":1.0}`, true},
		{"sel: {x|windash: '-a'}", `{"x":"/a"}`, true},
		{"sel: {x|windash: '-a'}", `{"x":"\u2013a"}`, true},
	} {
		r := parseOne(t, header+"  "+tc.det+"\n  condition: sel\n")
		got, err := mustMatcher(t, r).MatchJSON([]byte(tc.event))
		if err != nil || got != tc.want {
			t.Errorf("%s on %s: got %v (%v), want %v", tc.det, tc.event, got, err, tc.want)
		}
	}
	r := parseOne(t, header+"  sel: {sourceIPAddress|cidr: '2001:db8::/32'}\n  condition: sel\n")
	_, err = Compile(r, DuckDB, CompileOptions{})
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Dialect != DuckDB || !strings.Contains(ue.Construct, "IPv6") || !strings.Contains(ue.Rule, "00000000") {
		t.Errorf("IPv6 cidr in duckdb: %v", err)
	}
	if _, err := Compile(r, Athena, CompileOptions{}); err != nil {
		t.Errorf("IPv6 cidr in athena: %v", err)
	}
	kw := parseOne(t, header+"  keywords: [evil]\n  condition: keywords\n")
	for _, d := range []Dialect{Athena, Lake} {
		if _, err := Compile(kw, d, CompileOptions{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "keyword") {
			t.Errorf("keywords in %s: %v", d, err)
		}
	}
	if _, err := m.MatchJSON([]byte(`[1]`)); err == nil {
		t.Error("MatchJSON accepted an array")
	}
}

func TestTimeWindow(t *testing.T) {
	db := fixtureDB(t)
	r := parseOne(t, header+"  sel: {eventSource|endswith: amazonaws.com}\n  condition: sel\n")
	from := time.Date(2024, 5, 1, 10, 2, 0, 0, time.UTC)
	to := from.Add(3 * time.Minute)
	q, err := Compile(r, DuckDB, CompileOptions{TimeFrom: &from, TimeTo: &to})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.sqlIDs(t, q); !equalStrings(got, []string{"e03", "e04", "e05"}) {
		t.Errorf("time window: %v\n%s", got, q)
	}
	for _, d := range []Dialect{Athena, Lake} {
		q, err := Compile(r, d, CompileOptions{TimeFrom: &from, TimeTo: &to})
		if err != nil || !strings.Contains(q, "2024-05-01") {
			t.Errorf("%s: %v\n%s", d, err, q)
		}
	}
}
