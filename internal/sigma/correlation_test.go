package sigma

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const corrBases = `title: Trail stopped or deleted
name: trail_tamper
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: [StopLogging, DeleteTrail]}
  condition: sel
---
title: IAM write
name: iam_write
id: 22222222-0000-0000-0000-000000000000
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: iam.amazonaws.com}
  condition: sel
---
title: Any call by alice
name: alice
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {userIdentity.userName: alice}
  condition: sel
`

// TestCorrelations compiles Sigma v2 correlation rules to DuckDB SQL and
// checks the rows against the CorrelationMatcher and the expected windows.
func TestCorrelations(t *testing.T) {
	db := fixtureDB(t)
	cases := []struct {
		name, corr string
		want       []string // windowKey renderings, event ids shortened to their count
	}{
		{"event_count by user", `type: event_count
  rules: [trail_tamper]
  group-by: [userIdentity.userName]
  timespan: 15m
  condition: {gte: 3}`, []string{"[alice] 2024-05-01T10:00:00Z..2024-05-01T10:15:00Z n=3"}},
		{"event_count without group, lt", `type: event_count
  rules: [iam_write]
  timespan: 1m
  condition: {lt: 2}`, []string{"[] 2024-05-01T10:07:00Z..2024-05-01T10:08:00Z n=1"}},
		{"event_count range", `type: event_count
  rules: [iam_write]
  timespan: 1m
  condition: {gte: 2, lte: 2}`, []string{"[] 2024-05-01T10:06:00Z..2024-05-01T10:07:00Z n=2"}},
		{"value_count", `type: value_count
  rules: [iam_write]
  group-by: [eventName]
  timespan: 5m
  condition: {field: userIdentity.userName, gte: 2}`, []string{"[UpdateLoginProfile] 2024-05-01T10:06:00Z..2024-05-01T10:11:00Z n=2"}},
		{"temporal", `type: temporal
  rules: [trail_tamper, iam_write]
  timespan: 7m
  aliases:
    actor:
      trail_tamper: userIdentity.userName
      22222222-0000-0000-0000-000000000000: userIdentity.userName
  group-by: [actor]`, []string{
			"[alice] 2024-05-01T10:00:00Z..2024-05-01T10:07:00Z n=2",
			"[alice] 2024-05-01T10:07:00Z..2024-05-01T10:14:00Z n=2",
		}},
		{"temporal_ordered", `type: temporal_ordered
  rules: [iam_write, trail_tamper]
  timespan: 10m
  group-by: [userIdentity.userName]`, []string{"[alice] 2024-05-01T10:07:00Z..2024-05-01T10:17:00Z n=2"}},
		{"temporal_ordered, wrong order in window", `type: temporal_ordered
  rules: [trail_tamper, iam_write]
  timespan: 5m
  group-by: [userIdentity.userName]`, nil},
		{"group by a list field", `type: event_count
  rules: [alice]
  group-by: [requestParameters.name]
  timespan: 1h
  condition: {gte: 1}`, []string{
			"[NULL] 2024-05-01T10:01:00Z..2024-05-01T11:01:00Z n=7",
			"[NULL] 2024-05-01T10:03:00Z..2024-05-01T11:03:00Z n=6",
			"[NULL] 2024-05-01T10:05:00Z..2024-05-01T11:05:00Z n=5",
			"[NULL] 2024-05-01T10:07:00Z..2024-05-01T11:07:00Z n=4",
			"[NULL] 2024-05-01T10:08:00Z..2024-05-01T11:08:00Z n=3",
			"[NULL] 2024-05-01T10:09:00Z..2024-05-01T11:09:00Z n=2",
			"[NULL] 2024-05-01T10:11:00Z..2024-05-01T11:11:00Z n=1",
			"[arn:aws:cloudtrail:us-east-1:111122223333:trail/main] 2024-05-01T10:00:00Z..2024-05-01T11:00:00Z n=1",
			"[main] 2024-05-01T10:10:00Z..2024-05-01T11:10:00Z n=1",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := corrBases + "---\ntitle: corr\nid: 33333333-0000-0000-0000-000000000000\ncorrelation:\n  " + tc.corr + "\n"
			rules, err := Parse([]byte(y), "corr.yml")
			if err != nil {
				t.Fatal(err)
			}
			r := rules[len(rules)-1]
			if !r.IsCorrelation() || r.Applicable() != nil {
				t.Fatalf("not an applicable correlation: %v", r.Applicable())
			}
			q, err := Compile(r, DuckDB, CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cm, err := NewCorrelationMatcher(r, MatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sqlW := db.sqlWindows(t, q, len(r.Correlation.GroupBy))
			memW := matcherWindows(cm, db.events)
			if !equalStrings(sqlW, memW) {
				t.Errorf("SQL and matcher differ\nsql:     %v\nmatcher: %v\n%s", sqlW, memW, q)
			}
			var short []string
			for _, w := range memW {
				short = append(short, w[:strings.Index(w, " [")])
			}
			if !equalStrings(short, tc.want) {
				t.Errorf("got %q\nwant %q", short, tc.want)
			}
			for _, d := range []Dialect{Athena, Lake} {
				if _, err := Compile(r, d, CompileOptions{}); err != nil {
					t.Errorf("%s: %v", d, err)
				}
			}
		})
	}
}

func TestCorrelationErrors(t *testing.T) {
	for _, tc := range []struct{ corr, want string }{
		{"type: event_count\n  rules: [a]\n  timespan: 5m", "event_count needs a condition"},
		{"type: value_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 2}", "value_count needs a field"},
		{"type: sequence\n  rules: [a]\n  timespan: 5m", `unknown type "sequence"`},
		{"type: temporal\n  rules: [a]\n  timespan: 5 minutes", `invalid timespan "5 minutes"`},
		{"type: temporal\n  rules: [a]\n  timespan: 5m\n  condition: {more: 1}", `unknown operator "more"`},
	} {
		_, err := Parse([]byte("title: c\ncorrelation:\n  "+tc.corr+"\n"), "c.yml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.corr, err, tc.want)
		}
	}
	// References resolve across files with Link; unresolved ones are errors.
	corr, err := Parse([]byte("title: c\ncorrelation:\n  type: temporal\n  rules: [trail_tamper, nope]\n  timespan: 5m\n"), "c.yml")
	if err != nil {
		t.Fatal(err)
	}
	bases, err := Parse([]byte(corrBases), "b.yml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(corr[0], DuckDB, CompileOptions{}); err == nil || !strings.Contains(err.Error(), "not linked") {
		t.Errorf("unlinked: %v", err)
	}
	if err := Link(append(bases, corr...)); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Link: %v", err)
	}
	// Chained correlations are reported, not dropped.
	chain, err := Parse([]byte(corrBases+"---\ntitle: c1\nname: c1\ncorrelation:\n  type: event_count\n  rules: [alice]\n  timespan: 5m\n  condition: {gte: 2}\n---\ntitle: c2\ncorrelation:\n  type: temporal\n  rules: [c1, iam_write]\n  timespan: 5m\n"), "chain.yml")
	if err != nil {
		t.Fatal(err)
	}
	var ue *UnsupportedError
	if _, err := Compile(chain[len(chain)-1], Lake, CompileOptions{}); !errors.As(err, &ue) || !strings.Contains(ue.Construct, "correlation over correlation") {
		t.Errorf("chained correlation: %v", err)
	}
	if _, err := NewMatcher(chain[len(chain)-1], MatchOptions{}); err == nil {
		t.Error("NewMatcher accepted a correlation")
	}
	if d, _ := parseTimespan("1d"); d != 24*time.Hour {
		t.Errorf("1d = %v", d)
	}
}
