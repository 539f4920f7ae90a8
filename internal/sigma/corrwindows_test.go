package sigma

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// windowEvents writes n generated events crowded into few distinct seconds
// (30 s steps over 20 minutes), so that many events share a time, windows
// end exactly on other events and groups have several qualifying windows.
// Some events reuse an earlier event's id at another time, some have no
// userName (the NULL group) and some no bucketName (a value_count field
// that is absent).
func windowEvents(t *testing.T, seed uint64, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	users := []string{"alice", "bob", "carol", ""}
	names := []string{"ListUsers", "ListRoles", "GetObject", "DescribeInstances", "PutBucketPolicy", "CreateUser"}
	sources := []string{"iam.amazonaws.com", "s3.amazonaws.com"}
	var sb strings.Builder
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("ev-%04d", i)
		if i > 10 && rng.IntN(10) == 0 {
			id = fmt.Sprintf("ev-%04d", rng.IntN(i))
		}
		ui := map[string]any{"type": "IAMUser", "accountId": "111122223333", "accessKeyId": "AKIA1"}
		if u := users[rng.IntN(len(users))]; u != "" {
			ui["userName"] = u
			ui["arn"] = "arn:aws:iam::111122223333:user/" + u
		}
		rp := map[string]any{}
		if rng.IntN(3) > 0 {
			rp["bucketName"] = fmt.Sprintf("bucket-%d", rng.IntN(4))
		}
		ev := map[string]any{
			"eventVersion": "1.08", "eventID": id, "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
			"eventTime":   t0.Add(time.Duration(rng.IntN(40)) * 30 * time.Second).Format(time.RFC3339),
			"eventType":   "AwsApiCall",
			"eventSource": sources[rng.IntN(len(sources))], "eventName": names[rng.IntN(len(names))],
			"userIdentity": ui, "sourceIPAddress": "10.1.2.3", "requestParameters": rp,
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(append(b, '\n'))
	}
	p := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const windowBases = `title: Read
name: read
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName|startswith: [List, Get, Describe]}
  condition: sel
---
title: IAM
name: iam
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: iam.amazonaws.com}
  condition: sel
---
title: S3
name: s3
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: s3.amazonaws.com}
  condition: sel
---
title: Write
name: write
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName|startswith: [Put, Create]}
  condition: sel
`

// TestCorrelationWindows runs correlations of every type over generated
// events full of ties (see windowEvents) and requires the DuckDB SQL to give
// exactly the CorrelationMatcher's windows.
func TestCorrelationWindows(t *testing.T) {
	corrs := []string{
		"type: event_count\n  rules: [read]\n  group-by: [userIdentity.userName]\n  timespan: %s\n  condition: {gte: 3}",
		"type: event_count\n  rules: [read, iam]\n  group-by: [userIdentity.userName]\n  timespan: %s\n  condition: {gte: 4}",
		"type: event_count\n  rules: [s3]\n  timespan: %s\n  condition: {lt: 4}",
		"type: event_count\n  rules: [iam]\n  group-by: [userIdentity.userName, eventName]\n  timespan: %s\n  condition: {eq: 2}",
		"type: value_count\n  rules: [read]\n  group-by: [userIdentity.userName]\n  timespan: %s\n  condition: {field: eventName, gte: 2}",
		"type: value_count\n  rules: [iam, s3]\n  group-by: [userIdentity.userName]\n  timespan: %s\n  condition: {field: requestParameters.bucketName, gte: 2, lte: 3}",
		"type: value_count\n  rules: [write]\n  timespan: %s\n  condition: {field: userIdentity.userName, lt: 2}",
		"type: temporal\n  rules: [iam, s3]\n  group-by: [userIdentity.userName]\n  timespan: %s",
		"type: temporal\n  rules: [read, write, iam]\n  timespan: %s\n  condition: {gte: 2}",
		"type: temporal_ordered\n  rules: [write, read]\n  group-by: [userIdentity.userName]\n  timespan: %s",
		"type: temporal_ordered\n  rules: [s3, iam, write]\n  group-by: [userIdentity.userName]\n  timespan: %s",
		"type: temporal_ordered\n  rules: [read, read]\n  group-by: [eventSource]\n  timespan: %s",
	}
	var windows, multi, tied int
	for seed := uint64(1); seed <= 3; seed++ {
		db := loadCase(t, windowEvents(t, seed, 150))
		starts := map[time.Time]int{}
		for _, ev := range db.events {
			starts[ev.Time]++
		}
		for _, span := range []string{"30s", "1m", "3m", "10m"} {
			for ci, corr := range corrs {
				y := windowBases + "---\ntitle: corr\ncorrelation:\n  " + fmt.Sprintf(corr, span) + "\n"
				rules, err := Parse([]byte(y), "corr.yml")
				if err != nil {
					t.Fatal(err)
				}
				r := rules[len(rules)-1]
				cm, err := NewCorrelationMatcher(r, MatchOptions{})
				if err != nil {
					t.Fatal(err)
				}
				memW := matcherWindows(cm, db.events)
				// DuckDB's SQL, and the SQL Athena and Lake get (no DISTINCT
				// window aggregates) run on DuckDB.
				for _, d := range []*duckDialect{{table: "events"}, {table: "events", portable: true}} {
					q, err := compileCorrelation(r, d, CompileOptions{})
					if err != nil {
						t.Fatal(err)
					}
					if sqlW := db.sqlWindows(t, q, len(r.Correlation.GroupBy)); !equalStrings(sqlW, memW) {
						t.Errorf("seed %d, correlation %d, timespan %s, portable %v: SQL and matcher differ\nsql:     %v\nmatcher: %v\n%s",
							seed, ci, span, d.portable, sqlW, memW, q)
					}
				}
				// EventsOnly: the union of the windows' events, and their number.
				q, err := compileCorrelation(r, &duckDialect{table: "events"}, CompileOptions{EventsOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				wantIDs := map[string]bool{}
				results := cm.Run(db.events)
				for _, res := range results {
					for _, id := range res.EventIDs {
						wantIDs[id] = true
					}
				}
				gotIDs, n := db.sqlEvents(t, q)
				if n != len(results) || len(gotIDs) != len(wantIDs) {
					t.Errorf("seed %d, correlation %d, timespan %s, EventsOnly: %d windows and %d events, matcher %d and %d\n%s",
						seed, ci, span, n, len(gotIDs), len(results), len(wantIDs), q)
				}
				for id := range gotIDs {
					if !wantIDs[id] {
						t.Errorf("seed %d, correlation %d, timespan %s, EventsOnly: event %s in no matcher window", seed, ci, span, id)
						break
					}
				}
				perGroup := map[string]int{}
				for _, res := range results {
					windows++
					perGroup[fmt.Sprint(windowKey(CorrelationResult{Group: res.Group}))]++
					if starts[res.WindowStart] > 1 {
						tied++
					}
				}
				for _, n := range perGroup {
					if n > 1 {
						multi++
					}
				}
			}
		}
	}
	// The generated events must exercise what they are for.
	if windows < 500 || multi < 50 || tied < 200 {
		t.Errorf("weak coverage: %d windows, %d groups with several windows, %d windows opened by tied events", windows, multi, tied)
	}
	t.Logf("%d windows, %d groups with several windows, %d windows opened by tied events", windows, multi, tied)
}

// TestCorrelationKeptGroups: groups are left out before the window
// functions only when they cannot reach the condition's lower bound; here
// groups and the whole case sit exactly at the bound, and one below it.
func TestCorrelationKeptGroups(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var sb strings.Builder
	add := func(id, user, name string, sec int) {
		fmt.Fprintf(&sb, `{"eventVersion":"1.08","eventID":%q,"eventTime":%q,"eventSource":"iam.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","eventType":"AwsApiCall","userIdentity":{"type":"IAMUser","userName":%q},"recipientAccountId":"111122223333"}`+"\n",
			id, t0.Add(time.Duration(sec)*time.Second).Format(time.RFC3339), name, user)
	}
	// alice: 3 distinct names, 4 events; bob: 2 names, 2 events; 4 names and
	// 6 events in all, within a minute.
	add("a1", "alice", "ListUsers", 0)
	add("a2", "alice", "ListRoles", 10)
	add("a3", "alice", "GetUser", 20)
	add("a4", "alice", "GetUser", 30)
	add("b1", "bob", "ListUsers", 5)
	add("b2", "bob", "DescribeRegions", 15)
	p := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := loadCase(t, p)
	corrs := []struct {
		corr    string
		windows bool // the boundary group qualifies
	}{
		{"type: value_count\n  rules: [read]\n  group-by: [userIdentity.userName]\n  timespan: 1m\n  condition: {field: eventName, gte: 3}", true},
		{"type: value_count\n  rules: [read]\n  group-by: [userIdentity.userName]\n  timespan: 1m\n  condition: {field: eventName, gt: 2}", true},
		{"type: value_count\n  rules: [read]\n  group-by: [userIdentity.userName]\n  timespan: 1m\n  condition: {field: eventName, eq: 3}", true},
		{"type: value_count\n  rules: [read]\n  timespan: 1m\n  condition: {field: eventName, gte: 4}", true},
		{"type: value_count\n  rules: [read]\n  timespan: 1m\n  condition: {field: eventName, gte: 5}", false},
		{"type: event_count\n  rules: [read]\n  group-by: [userIdentity.userName]\n  timespan: 1m\n  condition: {gte: 4}", true},
		{"type: event_count\n  rules: [read]\n  timespan: 1m\n  condition: {gte: 6}", true},
		{"type: event_count\n  rules: [read]\n  timespan: 1m\n  condition: {gte: 2, lte: 6}", true},
		{"type: temporal\n  rules: [read, iam]\n  group-by: [userIdentity.userName]\n  timespan: 1m\n  condition: {gte: 2}", true},
		{"type: temporal_ordered\n  rules: [read, iam]\n  timespan: 1m", true},
	}
	for _, c := range corrs {
		y := windowBases + "---\ntitle: corr\ncorrelation:\n  " + c.corr + "\n"
		rules, err := Parse([]byte(y), "corr.yml")
		if err != nil {
			t.Fatal(err)
		}
		r := rules[len(rules)-1]
		cm, err := NewCorrelationMatcher(r, MatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		memW := matcherWindows(cm, db.events)
		if (len(memW) > 0) != c.windows {
			t.Fatalf("%s: the matcher finds %d windows", c.corr, len(memW))
		}
		for _, d := range []*duckDialect{{table: "events"}, {table: "events", portable: true}} {
			q, err := compileCorrelation(r, d, CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sqlW := db.sqlWindows(t, q, len(r.Correlation.GroupBy)); !equalStrings(sqlW, memW) {
				t.Errorf("%s, portable %v: SQL and matcher differ\nsql:     %v\nmatcher: %v\n%s", c.corr, d.portable, sqlW, memW, q)
			}
		}
		q, err := compileCorrelation(r, &duckDialect{table: "events"}, CompileOptions{EventsOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, n := db.sqlEvents(t, q); n != len(memW) {
			t.Errorf("%s, EventsOnly: %d windows, matcher %d\n%s", c.corr, n, len(memW), q)
		}
	}
}
