package coverage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/ingest/ingesttest"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// gapWant is the part of a gap a test pins down.
type gapWant struct {
	kind, start, end, region, trail, actor string
	open                                   bool
}

func gapOf(g event.Gap) gapWant {
	return gapWant{kind: g.Kind, start: g.Start.Format("15:04"), end: g.End.Format("15:04"), region: g.Region,
		trail: g.Trail, actor: cloudtrail.PrincipalLabel(g.Actor), open: g.OpenEnded}
}

func TestCoverage(t *testing.T) {
	tests := []struct {
		file string
		opts Options
		gaps []gapWant
		// data maps a bucket or function to whether data events are recorded.
		data map[string]bool
		// statements must each appear in one statement.
		statements []string
		changes    int // logging changes listed
		denied     int
		check      func(t *testing.T, c event.Coverage)
	}{
		{
			file: "stop_start.jsonl",
			gaps: []gapWant{
				{kind: event.GapLoggingStopped, start: "03:15", end: "05:40", region: "us-east-1", trail: "main-trail", actor: "user/mallory"},
				{kind: event.GapNoDelivery, start: "04:00", end: "05:00", region: "us-east-1"},
			},
			statements: []string{
				"Logging for trail main-trail was stopped by arn:aws:iam::111122223333:user/mallory at 2025-06-02 03:15:00Z (StopLogging, account 111122223333) until 2025-06-02 05:40:00Z (2.42 h)",
				"; the account still has 1 event inside it (from another trail or region)",
				"user/intern tried StopLogging on main-trail at 2025-06-02 02:05:00Z and was refused (AccessDenied)",
				"No event from 2025-06-02 04:00:00Z to 2025-06-02 05:00:00Z in us-east-1 of account 111122223333 (1 h), where 11 of the 12 hours have events",
			},
			changes: 3, denied: 1,
			check: func(t *testing.T, c event.Coverage) {
				if len(c.AccountRegions) != 1 || c.AccountRegions[0].ActiveHours != 11 || c.AccountRegions[0].SpanHours != 12 || c.AccountRegions[0].Activity != "continuous" {
					t.Errorf("account regions: %+v", c.AccountRegions)
				}
				if strings.Join(c.Days, ",") != "2025-06-02" || strings.Join(c.Accounts, ",") != "111122223333" {
					t.Errorf("days %v, accounts %v", c.Days, c.Accounts)
				}
			},
		},
		{
			// The window runs to the end of the data; a scope starting after
			// the stop still shows it, since the trail stays stopped.
			file: "stop_no_start.jsonl",
			opts: Options{Since: at("2025-06-02T07:00:00Z")},
			gaps: []gapWant{
				{kind: event.GapLoggingStopped, start: "06:30", end: "07:45", region: "us-east-1", trail: "main-trail", actor: "user/mallory", open: true},
			},
			statements: []string{"and logging was not restarted before the end of the data (2025-06-02 07:45:00Z)"},
			changes:    0, // the StopLogging itself lies before --since
		},
		{
			// Two empty hours merge into one gap; eu-west-1 is active in 2
			// of 13 hours, so its 11 empty hours are not a gap.
			file: "missing_hours.jsonl",
			gaps: []gapWant{{kind: event.GapNoDelivery, start: "10:00", end: "12:00", region: "us-east-1"}},
			check: func(t *testing.T, c event.Coverage) {
				want := map[string]string{"us-east-1": "continuous/1", "eu-west-1": "intermittent/42"}
				for _, rc := range c.AccountRegions {
					if got := fmt.Sprintf("%s/%d", rc.Activity, rc.MinGapHours); got != want[rc.Region] {
						t.Errorf("%s: %s, want %s", rc.Region, got, want[rc.Region])
					}
				}
				if len(c.AccountRegions) != 2 || c.Gaps[0].Hours != 2 {
					t.Errorf("regions %d, gap %+v", len(c.AccountRegions), c.Gaps)
				}
			},
			statements: []string{"1 of 2 account/regions has events in fewer than 90% of their hours"},
		},
		{
			file: "missing_hours.jsonl",
			opts: Options{Regions: []string{"eu-west-1"}},
			gaps: nil,
		},
		{
			// A narrow window keeps the whole day's judgement of us-east-1:
			// the gap is still reported, though only 3 of the window's 5
			// hours are active.
			file: "missing_hours.jsonl",
			opts: Options{Since: at("2025-06-02T09:00:00Z"), Until: at("2025-06-02T14:00:00Z"), Regions: []string{"us-east-1"}},
			gaps: []gapWant{{kind: event.GapNoDelivery, start: "10:00", end: "12:00", region: "us-east-1"}},
			check: func(t *testing.T, c event.Coverage) {
				if rc := c.AccountRegions[0]; rc.Events != 3 || rc.ActiveHours != 22 || rc.SpanHours != 24 {
					t.Errorf("us-east-1: %+v", rc)
				}
			},
		},
		{
			// A window after the gap does not show it.
			file: "missing_hours.jsonl",
			opts: Options{Since: at("2025-06-02T13:00:00Z"), Regions: []string{"us-east-1"}},
			gaps: nil,
		},
		{
			// Five active hours over three days: no silly one-hour gaps.
			file: "sparse.jsonl",
			gaps: nil,
			check: func(t *testing.T, c event.Coverage) {
				if len(c.Days) != 3 || c.AccountRegions[0].Activity != "intermittent" || c.AccountRegions[0].MinGapHours < 60 {
					t.Errorf("days %v, %+v", c.Days, c.AccountRegions)
				}
			},
		},
		{
			file: "buckets.jsonl",
			opts: Options{Buckets: []string{"given-bucket"}},
			data: map[string]bool{"busy-bucket": true, "quiet-bucket": false, "old-bucket": true, "given-bucket": false, "worker": true, "idle": false},
			statements: []string{
				"No S3 data event is recorded for bucket quiet-bucket, though data events are recorded for 2 other buckets",
				"if it is not selected, object reads and writes cannot be seen",
				"No S3 data event is recorded for bucket given-bucket",
				"No Lambda data event (Invoke) is recorded for function idle, though data events are recorded for 1 other function",
			},
			check: func(t *testing.T, c event.Coverage) {
				for _, d := range c.DataEvents {
					if d.Bucket == "busy-bucket" && (d.DataEvents != 2 || d.ManagementEvents != 1 || d.FirstDataEvent.Format("15:04") != "00:30") {
						t.Errorf("busy-bucket: %+v", d)
					}
					if d.Bucket == "given-bucket" && !d.Given {
						t.Errorf("given-bucket not marked given")
					}
				}
			},
		},
		{
			file: "selectors.jsonl",
			gaps: []gapWant{
				{kind: event.GapSelectorsChanged, start: "02:00", end: "05:10", region: "us-east-1", trail: "trail-a", actor: "user/mallory", open: true},
				{kind: event.GapSelectorsChanged, start: "03:00", end: "05:10", region: "us-east-1", trail: "trail-b", actor: "user/mallory", open: true},
				{kind: event.GapSelectorsChanged, start: "04:00", end: "05:10", region: "us-east-1", trail: "trail-c", actor: "user/mallory", open: true},
				{kind: event.GapSelectorsChanged, start: "04:30", end: "05:10", region: "us-east-1", trail: "trail-d", actor: "user/mallory", open: true},
			},
			statements: []string{
				"What trail trail-a records was narrowed by arn:aws:iam::111122223333:user/mallory at 2025-06-02 02:00:00Z (PutEventSelectors) and not changed back before the end of the data (2025-06-02 05:10:00Z): AWS::S3::Object data events no longer selected.",
				"trail-b records was narrowed by arn:aws:iam::111122223333:user/mallory at 2025-06-02 03:00:00Z (PutEventSelectors) and not changed back before the end of the data (2025-06-02 05:10:00Z): no data events selected any more (the account recorded 1 data event before); only write-only management events recorded.",
				"trail-c records was narrowed",
				"trail no longer multi-region: other regions are not recorded",
				"trail-d records was narrowed by arn:aws:iam::111122223333:user/mallory at 2025-06-02 04:30:00Z (PutEventSelectors) and not changed back before the end of the data (2025-06-02 05:10:00Z): no data events selected any more (the account recorded 1 data event before); only read-only management events recorded.",
			},
			// trail-a's UpdateTrail at 04:45 narrows nothing and does not
			// undo its selectors.
			changes: 6,
			check: func(t *testing.T, c event.Coverage) {
				want := []string{
					"management events: all; data events: AWS::S3::Object (all)",
					"management events: all; data events: none (AWS::S3::Object data events no longer selected)",
					"management events: write-only; data events: none (no data events selected any more (the account recorded 1 data event before); only write-only management events recorded)",
					"trail no longer multi-region: other regions are not recorded; logs now delivered to bucket elsewhere-logs",
					"management events: read-only; data events: none (no data events selected any more (the account recorded 1 data event before); only read-only management events recorded)",
					"",
				}
				for i, lc := range c.LoggingChanges {
					if i < len(want) && lc.Detail != want[i] {
						t.Errorf("change %d (%s %s) detail %q, want %q", i, lc.EventName, lc.Trail, lc.Detail, want[i])
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file+scopeName(tt.opts), func(t *testing.T) {
			st := caseDB(t, filepath.Join("testdata", tt.file))
			c, err := Analyze(context.Background(), st.DB(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []gapWant
			for _, g := range c.Gaps {
				got = append(got, gapOf(g))
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.gaps) {
				t.Errorf("gaps:\n got %+v\nwant %+v", got, tt.gaps)
			}
			if tt.data != nil {
				gotData := map[string]bool{}
				for _, d := range c.DataEvents {
					gotData[d.Bucket+d.Function] = d.Recorded
				}
				if fmt.Sprint(gotData) != fmt.Sprint(tt.data) {
					t.Errorf("data events: got %v, want %v", gotData, tt.data)
				}
			}
			all := strings.Join(c.Statements, "\n")
			for _, s := range tt.statements {
				if !strings.Contains(all, s) {
					t.Errorf("no statement contains %q; statements:\n%s", s, all)
				}
			}
			denied := 0
			for _, lc := range c.LoggingChanges {
				if lc.Denied {
					denied++
				}
			}
			if len(c.LoggingChanges) != tt.changes || denied != tt.denied {
				t.Errorf("logging changes %d (denied %d), want %d (%d): %+v", len(c.LoggingChanges), denied, tt.changes, tt.denied, c.LoggingChanges)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func scopeName(o Options) string {
	var s []string
	if o.Since != nil {
		s = append(s, "since")
	}
	if o.Until != nil {
		s = append(s, "until")
	}
	s = append(s, o.Regions...)
	s = append(s, o.Buckets...)
	if len(s) == 0 {
		return ""
	}
	return "/" + strings.Join(s, ",")
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// TestCoverageExample runs on the bundled incident: a fully active case
// without gaps, whose refused StopLogging and unlogged buckets are called out.
func TestCoverageExample(t *testing.T) {
	st := caseDB(t, filepath.Join("..", "..", "examples", "incident"))
	c, err := Analyze(context.Background(), st.DB(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Gaps) != 0 || len(c.LoggingChanges) != 1 || !c.LoggingChanges[0].Denied || c.Events != 3229 || len(c.Days) != 2 {
		t.Errorf("gaps %v, changes %+v, events %d, days %v", c.Gaps, c.LoggingChanges, c.Events, c.Days)
	}
	var unrecorded []string
	for _, d := range c.DataEvents {
		if !d.Recorded {
			unrecorded = append(unrecorded, d.Bucket+d.Function)
		}
	}
	if strings.Join(unrecorded, ",") != "acme-cloudtrail-logs-493812077610,backup-sync-handler,eu-gdpr-export,order-processor" {
		t.Errorf("unrecorded: %v", unrecorded)
	}
}

// caseDB ingests paths into a new case; a path that yields no event is a
// mistake in the test.
func caseDB(t *testing.T, paths ...string) *store.Store {
	t.Helper()
	st, sum := ingesttest.Case(t, ingest.Options{}, paths...)
	if sum.Events == 0 {
		t.Fatalf("no event ingested from %v", paths)
	}
	return st
}
