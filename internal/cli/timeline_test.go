package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

func timelineCase(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "case.duckdb")
	src := filepath.Join(testenv.RepoRoot(t), "internal", "timeline", "testdata", "case")
	if r := run(t, "--db", db, "-q", "ingest", src); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	return db
}

func TestTimelineFlags(t *testing.T) {
	io, _, _ := iostreams.Test()
	f := &Factory{IO: io}
	var got *TimelineOptions
	cmd := newTimelineCmd(f, func(_ context.Context, o *TimelineOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--format", "ocsf", "--key", "AKIA1", "--key", "AKIA2", "--ip", "10.0.0.0/8", "--rules", "x", "--since", "2025-03-11"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Format != "ocsf" || len(got.Keys) != 2 || got.IPs[0] != "10.0.0.0/8" || !got.Hunt || got.from == nil {
		t.Errorf("options: %+v (--rules must imply --hunt)", got)
	}
}

func TestTimeline(t *testing.T) {
	db := timelineCase(t)
	r := run(t, "--db", db, "timeline", "--format", "jsonl")
	if r.code != 0 {
		t.Fatalf("timeline: %+v", r)
	}
	if n := strings.Count(r.out, "\n"); n != 11 {
		t.Errorf("%d lines, want 11", n)
	}
	if !strings.Contains(r.errOut, "wrote 11 events to standard output (jsonl)") || !strings.Contains(r.errOut, "left out 1 matching events without a usable eventTime") {
		t.Errorf("stderr: %s", r.errOut)
	}
	if r := run(t, "--db", db, "-q", "timeline", "--format", "csv"); r.code != 0 || r.errOut != "" || !strings.HasPrefix(r.out, "time,event_name,") {
		t.Errorf("--quiet csv: %+v", r)
	}

	// Filters from the command line.
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--key", "AKIAEXAMPLEBACKDOOR1"}, 1},
		{[]string{"--ip", "203.0.113.0/24", "--event-name", "CreateUser"}, 1},
		{[]string{"--principal", "ci-deploy", "--principal", "alice"}, 6},
		{[]string{"--since", "2025-03-11T02:30:00Z", "--until", "2025-03-11T02:50:00Z"}, 3},
		{[]string{"--account", "444455556666", "--region", "eu-west-1"}, 1},
		{[]string{"--ip", "192.0.2.0/24", "--allow-empty"}, 0},
	} {
		r := run(t, append([]string{"--db", db, "timeline", "--format", "jsonl"}, tc.args...)...)
		if n := strings.Count(r.out, "\n"); r.code != 0 || n != tc.want {
			t.Errorf("%v: %d events (exit %d, %s), want %d", tc.args, n, r.code, r.errOut, tc.want)
		}
		if tc.want == 0 && !strings.Contains(r.errOut, "no event matched") {
			t.Errorf("%v: no warning for an empty timeline: %s", tc.args, r.errOut)
		}
	}

	// An indicator that matches nothing is exit 4 with the case's span, not
	// an empty timeline (issue 20).
	if r := run(t, "--db", db, "timeline", "--format", "jsonl", "--ip", "192.0.2.0/24"); r.code != ExitNoEvents || r.out != "" ||
		!strings.Contains(r.errOut, "--ip 192.0.2.0/24 matches no event in the case") || !strings.Contains(r.errOut, "12 events from 2025-03-11T02:00:00Z") {
		t.Errorf("an indicator matching nothing: %+v", r)
	}

	// Every format to a file; no temporary file is left behind.
	dir := t.TempDir()
	for format, name := range map[string]string{"csv": "t.csv", "jsonl": "t.jsonl", "timesketch": "ts.jsonl",
		"timesketch-csv": "ts.csv", "ecs": "ecs.ndjson", "ocsf": "ocsf.ndjson"} {
		out := filepath.Join(dir, name)
		r := run(t, "--db", db, "timeline", "--format", format, "--out", out)
		if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, "wrote 11 events to "+out) {
			t.Errorf("%s: %+v", format, r)
		}
		if fi, err := os.Stat(out); err != nil || fi.Size() == 0 || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v", format, fi, err)
		}
	}
	// ocsf-parquet writes a folder of Parquet files, one folder per class.
	lake := filepath.Join(dir, "lake")
	r = run(t, "--db", db, "timeline", "--format", "ocsf-parquet", "--out", lake)
	if r.code != 0 || !strings.Contains(r.errOut, "wrote 11 events to "+lake+" (ocsf-parquet)") {
		t.Errorf("ocsf-parquet: %+v", r)
	}
	for _, class := range []string{"api_activity", "authentication", "account_change"} {
		if m, _ := filepath.Glob(filepath.Join(lake, class, "region=*", "accountId=*", "eventDay=*", "*.parquet")); len(m) == 0 {
			t.Errorf("ocsf-parquet: no Parquet file for %s", class)
		}
	}
	if r := run(t, "--db", db, "timeline", "--format", "ocsf-parquet", "--out", lake); r.code != ExitError || !strings.Contains(r.errOut, "not empty") {
		t.Errorf("ocsf-parquet over a full folder: %+v", r)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 7 {
		t.Errorf("files in the output folder: %v", entries)
	}
	r = run(t, "--db", db, "timeline", "--format", "timesketch", "--out", filepath.Join(dir, "ts.json"))
	if r.code != 0 || !strings.Contains(r.errOut, "Timesketch imports timesketch only from a file named *.jsonl") {
		t.Errorf("timesketch to .json: %+v", r)
	}

	// Bad usage and failures.
	for _, args := range [][]string{
		{"--format", "xml"},
		{"--format", "ocsf-parquet"},
		{"--ip", "10.0.0.0/33"},
		{"--since", "yesterday-ish"},
		{"--since", "2025-03-12", "--until", "2025-03-11"},
		{"extra-argument"},
	} {
		if r := run(t, append([]string{"--db", db, "timeline"}, args...)...); r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, r.code, ExitUsage, r.errOut)
		}
	}
	if r := run(t, "--db", filepath.Join(dir, "missing.duckdb"), "timeline"); r.code != ExitError || !strings.Contains(r.errOut, "ingest") {
		t.Errorf("missing case: %+v", r)
	}
	if r := run(t, "--db", db, "timeline", "--out", filepath.Join(dir, "no", "such", "t.csv")); r.code != ExitError {
		t.Errorf("unwritable --out: %+v", r)
	}
}

// TestTimelineHunt: with --hunt, events are tagged with the rules that
// matched them, on the bundled example incident.
func TestTimelineHunt(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", filepath.Join(testenv.RepoRoot(t), "examples", "incident")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := run(t, "--db", db, "timeline", "--format", "timesketch", "--hunt", "--principal", "ci-deploy")
	if r.code != 0 || !strings.Contains(r.errOut, "hunt: ") {
		t.Fatalf("timeline --hunt: %+v", r.errOut)
	}
	var tagged, total int
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var rec struct {
			Rules []string `json:"rules"`
			Tag   []string `json:"tag"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		total++
		if len(rec.Rules) > 0 {
			tagged++
			for _, rule := range rec.Rules {
				if !strings.Contains(strings.Join(rec.Tag, "\n"), rule) {
					t.Errorf("rule %q not among tags %v", rule, rec.Tag)
				}
			}
		}
	}
	if tagged == 0 || tagged == total {
		t.Errorf("%d of %d events tagged with rule hits; want some, not all", tagged, total)
	}
	// Without --hunt no event carries a rule.
	r = run(t, "--db", db, "-q", "timeline", "--format", "jsonl", "--principal", "ci-deploy")
	if strings.Contains(r.out, `"rules":["`) {
		t.Error("rules without --hunt")
	}
}
