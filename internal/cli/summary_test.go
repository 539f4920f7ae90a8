package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestSummary: the summary command on the bundled example agrees with the
// generator's ground truth (examples/incident-truth.json) and with the
// example's story (the leaked key's 79 + 44 events, 7 of them denied), in
// JSON and in text; a window narrows it; an empty window is an empty
// summary, not an error.
func TestSummary(t *testing.T) {
	root := testenv.RepoRoot(t)
	var truth struct {
		Account    string `json:"account"`
		FirstEvent string `json:"first_event"`
		LastEvent  string `json:"last_event"`
		Totals     struct {
			Events   int64            `json:"events"`
			LogFiles int64            `json:"log_files"`
			ByRegion map[string]int64 `json:"events_by_region"`
			ByDay    map[string]int64 `json:"events_by_day"`
		} `json:"totals"`
	}
	b, err := os.ReadFile(filepath.Join(root, "examples", "incident-truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", filepath.Join(root, "examples", "incident")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}

	r := run(t, "--db", db, "summary", "--format", "json", "--top", "0")
	if r.code != 0 {
		t.Fatalf("summary: %+v", r)
	}
	var s event.CaseSummary
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Events != truth.Totals.Events || s.Files != truth.Totals.LogFiles ||
		s.FirstEvent.Format("2006-01-02T15:04:05Z") != truth.FirstEvent || s.LastEvent.Format("2006-01-02T15:04:05Z") != truth.LastEvent {
		t.Errorf("case: %d events, %d files, %v to %v", s.Events, s.Files, s.FirstEvent, s.LastEvent)
	}
	if s.Accounts.Total != 1 || s.Accounts.Rows[0].Name != truth.Account || s.Accounts.Rows[0].Events != truth.Totals.Events {
		t.Errorf("accounts: %+v", s.Accounts)
	}
	if s.Regions.Total != len(truth.Totals.ByRegion) {
		t.Errorf("regions: %+v", s.Regions)
	}
	for _, row := range s.Regions.Rows {
		if row.Events != truth.Totals.ByRegion[row.Name] {
			t.Errorf("region %s: %d events, want %d", row.Name, row.Events, truth.Totals.ByRegion[row.Name])
		}
	}
	var sum int64
	for _, p := range s.Principals.Rows {
		sum += p.Events
	}
	if sum != truth.Totals.Events || len(s.Principals.Rows) != s.Principals.Total {
		t.Errorf("principals cover %d events in %d rows (total %d)", sum, len(s.Principals.Rows), s.Principals.Total)
	}
	var leaked *event.SummaryRow
	for i, k := range s.AccessKeys.Rows {
		if k.Name == "AKIAHF6L6KQVHSPLEFOS" {
			leaked = &s.AccessKeys.Rows[i]
		}
	}
	if leaked == nil || leaked.Events != 79+44 || leaked.Denied != 7 || leaked.SourceIPs != 2 ||
		leaked.Principal != "arn:aws:iam::"+truth.Account+":user/ci-deploy" {
		t.Errorf("the leaked key: %+v", leaked)
	}

	// A window: the second day only.
	r = run(t, "--db", db, "summary", "--format", "json", "--since", "2025-03-11", "--until", "2025-03-12")
	if err := json.Unmarshal([]byte(r.out), &s); err != nil || s.Events != truth.Totals.ByDay["2025-03-11"] || s.Window == nil {
		t.Errorf("the second day: %d events (%v), want %d", s.Events, err, truth.Totals.ByDay["2025-03-11"])
	}
	r = run(t, "--db", db, "summary", "--since", "2025-03-11", "--region", "eu-west-1")
	if !strings.Contains(r.out, "\nOnly --since 2025-03-11T00:00:00Z --region eu-west-1\n") || !strings.Contains(r.out, "Regions (1)") {
		t.Errorf("text with a scope:\n%s", r.out)
	}

	// Text: the header and a table per list, cut to --top with a count.
	r = run(t, "--db", db, "summary", "--top", "3")
	for _, want := range []string{"Case " + db + ": 3229 events from 739 files, 2025-03-10 00:00:39 to 2025-03-11 23:54:18",
		"Access keys (", "… and ", "(--top 0 lists all)", "AKIAHF6L6KQVHSPLEFOS  arn:aws:iam::" + truth.Account + ":user/ci-deploy"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("text lacks %q:\n%s", want, r.out)
		}
	}
	for _, line := range strings.Split(r.out, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space: %q", line)
		}
	}
	if r := run(t, "--db", db, "summary", "--top", "-1"); r.code != ExitUsage {
		t.Errorf("--top -1: exit %d", r.code)
	}
	if r := run(t, "--db", filepath.Join(t.TempDir(), "none.duckdb"), "summary"); r.code != ExitError {
		t.Errorf("no case: exit %d", r.code)
	}
}
