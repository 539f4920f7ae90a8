package timeline

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/ingest/ingesttest"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// fixtureHits stands in for a hunt's findings on the fixture case.
var fixtureHits = HitsFrom([]event.Finding{
	{Title: "IAM user created by an access key", EventIDs: []string{id(5)}},
	{Title: "Administrator policy attached", EventIDs: []string{id(7)}},
	{Title: "Offensive tool user agent", EventIDs: []string{id(3), id(5), id(7)}},
	{Title: "CloudTrail logging stopped", EventIDs: []string{id(11)}},
})

func id(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// caseDB builds a case database in a temporary folder from the fixture
// events, through the ingest API as `trailsleuth ingest` does.
func caseDB(t *testing.T) *sql.DB {
	t.Helper()
	st, sum := ingesttest.Case(t, ingest.Options{}, filepath.Join("testdata", "case"))
	if sum.Events != 12 || sum.Lost != 0 {
		t.Fatalf("fixture case: %d events, %d lost; want 12 and 0", sum.Events, sum.Lost)
	}
	return st.DB()
}

func export(t *testing.T, db *sql.DB, opts Options) (string, Summary) {
	t.Helper()
	var b bytes.Buffer
	sum, err := Export(context.Background(), db, &b, opts)
	if err != nil {
		t.Fatalf("export %s: %v", opts.Format, err)
	}
	return b.String(), sum
}

var goldenName = map[string]string{"csv": "timeline.csv", "jsonl": "timeline.jsonl", "timesketch": "timesketch.jsonl",
	"timesketch-csv": "timesketch.csv", "ecs": "ecs.ndjson", "ocsf": "ocsf.ndjson"}

func TestGolden(t *testing.T) {
	db := caseDB(t)
	for _, format := range Formats {
		if format == ParquetFormat {
			continue // a folder of Parquet files: TestParquet
		}
		t.Run(format, func(t *testing.T) {
			got, sum := export(t, db, Options{Format: format, Hits: fixtureHits})
			// 12 events, one without eventTime: left out and counted.
			if sum.Matched != 12 || sum.Written != 11 || sum.NoTime != 1 {
				t.Errorf("summary %+v, want 12 matched, 11 written, 1 without time", sum)
			}
			path := filepath.Join("testdata", "golden", goldenName[format])
			testenv.Golden(t, path, []byte(got))
		})
	}
}

// TestWindows: exporting in small time windows (as large cases are, to
// bound DuckDB's sort) gives the same timeline as one window.
func TestWindows(t *testing.T) {
	db := caseDB(t)
	whole, _ := export(t, db, Options{Format: "jsonl"})
	for _, limit := range []int64{1, 2, 3, 5} {
		cond, args, err := Filter{}.where(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		wins, n, err := timeWindows(context.Background(), db, cond, args, limit)
		if err != nil {
			t.Fatal(err)
		}
		// 11 timed events in 11 distinct minutes.
		if n != 11 || len(wins) != int((11+limit-1)/limit) {
			t.Errorf("limit %d: %d windows for %d events", limit, len(wins), n)
		}
		for i := 1; i < len(wins); i++ {
			if wins[i].from.Before(wins[i-1].to) {
				t.Errorf("limit %d: windows %d and %d overlap", limit, i-1, i)
			}
		}
		got, sum := export(t, db, Options{Format: "jsonl", window: limit})
		if got != whole || sum.Written != 11 {
			t.Errorf("limit %d: windowed export differs (%d written)", limit, sum.Written)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	db := caseDB(t)
	if _, err := Export(context.Background(), db, &bytes.Buffer{}, Options{Format: "xml"}); err == nil || !strings.Contains(err.Error(), "unknown timeline format") {
		t.Errorf("format xml: %v", err)
	}
}

// eventIDs reads the event ids of a jsonl timeline.
func eventIDs(t *testing.T, out string) []string {
	t.Helper()
	ids := []string{}
	for _, line := range lines(out) {
		var r struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		ids = append(ids, r.EventID)
	}
	return ids
}

func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func ids(ns ...int) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, id(n))
	}
	return out
}

func tm(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestFilters(t *testing.T) {
	db := caseDB(t)
	tests := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"none: all timed events, in time order", Filter{}, ids(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)},
		{"since inclusive", Filter{Since: tm("2025-03-11T02:30:00Z")}, ids(8, 9, 10, 11)},
		{"until exclusive", Filter{Until: tm("2025-03-11T02:10:00Z")}, ids(1, 2)},
		{"window", Filter{Since: tm("2025-03-11T02:11:00Z"), Until: tm("2025-03-11T02:14:00Z")}, ids(4, 5, 6)},
		{"key", Filter{Keys: []string{"AKIAEXAMPLEBACKDOOR1"}}, ids(8)},
		{"two keys", Filter{Keys: []string{"AKIAEXAMPLEBACKDOOR1", "ASIAEXAMPLESESSION01"}}, ids(8, 9, 11)},
		{"principal by user name", Filter{Principals: []string{"alice"}}, ids(1)},
		{"principal by ARN", Filter{Principals: []string{"arn:aws:iam::111122223333:user/ci-deploy"}}, ids(3, 4, 5, 6, 7)},
		{"principal by the role behind sessions", Filter{Principals: []string{"infra-admin"}}, ids(9, 11)},
		{"exact IP", Filter{IPs: []string{"203.0.113.10"}}, ids(8, 9, 11)},
		{"CIDR", Filter{IPs: []string{"203.0.113.0/24"}}, ids(3, 4, 5, 6, 7, 8, 9, 11)},
		{"IPv6 CIDR", Filter{IPs: []string{"2001:db8::/32"}}, ids(2)},
		{"CIDR matching nothing", Filter{IPs: []string{"192.0.2.0/24"}}, ids()},
		{"service name as source", Filter{IPs: []string{"autoscaling.amazonaws.com"}}, ids(10)},
		{"indicators are a union", Filter{Keys: []string{"AKIAEXAMPLEBACKDOOR1"}, Principals: []string{"alice"}}, ids(1, 8)},
		{"scope limits the union", Filter{Keys: []string{"ASIAEXAMPLESESSION01"}, Regions: []string{"eu-west-1"}}, ids(11)},
		{"account", Filter{Accounts: []string{"444455556666"}}, ids(11)},
		{"event names", Filter{EventNames: []string{"ConsoleLogin", "StopLogging"}}, ids(1, 2, 11)},
		{"event name is exact", Filter{EventNames: []string{"consolelogin"}}, ids()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, sum := export(t, db, Options{Format: "jsonl", Filter: tt.filter})
			if got := eventIDs(t, out); !slices.Equal(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
			if sum.Written != int64(len(tt.want)) {
				t.Errorf("summary written %d, want %d", sum.Written, len(tt.want))
			}
		})
	}
	// The event without a time matches the key filter but cannot be placed.
	_, sum := export(t, db, Options{Format: "jsonl", Filter: Filter{Keys: []string{"ASIAEXAMPLESESSION01"}}})
	if sum.Matched != 3 || sum.NoTime != 1 || sum.Written != 2 {
		t.Errorf("untimed event: %+v", sum)
	}
}

func TestValidateIPs(t *testing.T) {
	for _, s := range []string{"203.0.113.7", "203.0.113.0/24", "2001:db8::/32", "ec2.amazonaws.com", "AWS Internal"} {
		if err := ValidateIPs([]string{s}); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"10.0.0.0/33", "10.0.0/8", "/24"} {
		if err := ValidateIPs([]string{s}); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}

// TestCSVInjection: attacker-chosen values (user agents, error messages)
// reach every CSV output defused, and every other output unchanged.
func TestCSVInjection(t *testing.T) {
	db := caseDB(t)
	hostile := map[string]string{ // raw value → what a CSV cell must hold
		`=HYPERLINK("http://evil.example/","click")`: `'=HYPERLINK("http://evil.example/","click")`,
		`+cmd|' /C calc'!A0`:                         `'+cmd|' /C calc'!A0`,
		`@SUM(1+1)*cmd|' /C calc'!A0`:                `'@SUM(1+1)*cmd|' /C calc'!A0`,
		`-2+3`:                                       `'-2+3`,
	}
	for _, format := range []string{"csv", "timesketch-csv"} {
		out, _ := export(t, db, Options{Format: format})
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		cells := map[string]bool{}
		for _, rec := range recs {
			for _, c := range rec {
				cells[c] = true
				if c != "" && strings.ContainsAny(c[:1], "=+-@\t\r") && !isPlainNumber(c) {
					t.Errorf("%s: cell %q starts a formula", format, c)
				}
			}
		}
		for raw, want := range hostile {
			if !cells[want] {
				t.Errorf("%s: no cell %q (for %q)", format, want, raw)
			}
		}
	}
	for _, format := range []string{"jsonl", "timesketch", "ecs", "ocsf"} {
		out, _ := export(t, db, Options{Format: format})
		for raw := range hostile {
			b, _ := json.Marshal(raw)
			// JSON keeps the value as it is; escaping is a spreadsheet concern.
			if !strings.Contains(out, string(b[1:len(b)-1])) {
				t.Errorf("%s: %q altered or missing", format, raw)
			}
		}
	}
}

// plainNumber is tabular.SafeCell's exception: a number is not a formula.
var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

func isPlainNumber(s string) bool { return plainNumber.MatchString(s) }
