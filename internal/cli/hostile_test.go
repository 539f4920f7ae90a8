package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/evidence/evidencetest"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// Tests of issue 16: evidence an attacker shaped must not be turned against
// the analyst. Each reproduces one of the cases end to end.

const hostileKey = "AKIAHOSTILEEXAMPLE01"

// hostileEvent is a CloudTrail event by the attacker's key, with extra
// members (JSON text after a comma).
func hostileEvent(id, at, source, name, extra string) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAHOSTILE","arn":"arn:aws:iam::111122223333:user/ci","accountId":"111122223333","accessKeyId":%q,"userName":"ci"},"eventTime":%q,"eventSource":%q,"eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"aws-cli/2.15.0","eventID":%q,"eventType":"AwsApiCall","recipientAccountId":"111122223333"%s}`,
		hostileKey, at, source, name, id, extra)
}

// writeLines writes events as JSON lines in a new folder and returns it.
func writeLines(t *testing.T, name string, events ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(events, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRemediationCommandsAreInert (issue 16, item 1): names the attacker
// logged (a denied StopLogging's trail, a created user, a read bucket) end
// up in the report's remediation commands; run in bash with aws and
// trailsleuth stubbed, they run nothing else and write no file.
func TestRemediationCommandsAreInert(t *testing.T) {
	evil := "x$(touch pwned)"
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	dir := writeLines(t, "hostile.jsonl",
		hostileEvent("e1", "2025-03-11T02:00:00Z", "cloudtrail.amazonaws.com", "StopLogging",
			`,"errorCode":"AccessDenied","requestParameters":{"name":`+q(evil)+`}`),
		hostileEvent("e2", "2025-03-11T02:01:00Z", "iam.amazonaws.com", "CreateUser",
			`,"requestParameters":{"userName":`+q("u';touch pwned;'")+`},"responseElements":{"user":{"userName":"u"}}`),
		hostileEvent("e3", "2025-03-11T02:02:00Z", "s3.amazonaws.com", "GetObject",
			`,"requestParameters":{"bucketName":`+q("b`echo >pwned`")+`,"key":"k"},"readOnly":true`),
	)
	db := filepath.Join(t.TempDir(), "case.duckdb")
	r := run(t, "--db", db, "-q", "investigate", "--no-hunt", "--key", hostileKey, "--format", "json", dir)
	if r.code != 0 {
		t.Fatalf("investigate: %+v", r)
	}
	var rep struct {
		Remediation []struct{ Action, Command string }
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	var script []string
	sawTrail := false
	for _, s := range rep.Remediation {
		script = append(script, s.Command)
		sawTrail = sawTrail || strings.Contains(s.Command, "start-logging")
	}
	if !sawTrail || len(script) < 3 {
		t.Fatalf("the hostile names did not reach the remediation: %+v", rep.Remediation)
	}
	res := testenv.RunStubbed(t, strings.Join(script, "\n"), "aws", "trailsleuth", "touch")
	for _, c := range res.Calls {
		if c[0] == "touch" {
			t.Errorf("pasting the remediation commands ran %q", c)
		}
	}
	if len(res.Created) > 0 {
		t.Errorf("pasting the remediation commands created %v:\n%s", res.Created, strings.Join(script, "\n"))
	}
	found := false
	for _, c := range res.Calls {
		for _, a := range c {
			found = found || a == evil
		}
	}
	if !found {
		t.Errorf("the trail name did not reach aws as one argument: %q", res.Calls)
	}
}

// escapeSeq is what an attacker writes into a user agent or a file name:
// a terminal title change, a screen clear, an unterminated OSC that would
// swallow what follows, a forged summary line and a bidirectional override.
const escapeSeq = "ua\x1b]0;owned\x07\x1b[2J\nevents: 0 read, 0 new, 0 duplicates, 0 records lost\u202e\x1b]0;"

// checkTerminalSafe fails when output holds a control character other than
// newline, a bidirectional override, or a line the attacker forged.
func checkTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' {
			t.Errorf("%s: output holds %U:\n%q", what, r, out)
			return
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "events: 0 read") {
			t.Errorf("%s: a value forged the line %q", what, l)
		}
	}
}

// TestTerminalEscapes (issue 16, item 6): escape sequences and line breaks
// from a user agent and a file name reach no terminal: query's table,
// investigate's text and markdown, timeline's CSV, ingest's list of
// skipped files.
func TestTerminalEscapes(t *testing.T) {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	dir := writeLines(t, "events.jsonl",
		hostileEvent("e1", "2025-03-11T02:00:00Z", "sts.amazonaws.com", "GetCallerIdentity", `,"userAgent":`+q(escapeSeq)),
		hostileEvent("e2", "2025-03-11T02:01:00Z", "iam.amazonaws.com", "ListUsers", `,"userAgent":`+q(escapeSeq)))
	if err := os.WriteFile(filepath.Join(dir, "notes"+escapeSeq+".txt"), []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "case.duckdb")
	// Debug logging: the log lines name every file too.
	r := run(t, "--db", db, "--log-level", "debug", "ingest", dir)
	if r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	checkTerminalSafe(t, "ingest summary and log lines", r.out+r.errOut)
	if !strings.Contains(r.out, `\x1b]0;owned\x07`) {
		t.Errorf("the skipped file is not listed, escaped: %s", r.out)
	}
	for _, args := range [][]string{
		{"query", "--format", "table", "SELECT user_agent, event_name FROM events"},
		{"query", "--format", "csv", "SELECT user_agent, event_name FROM events"},
		{"investigate", "--no-hunt", "--key", hostileKey, "--format", "text"},
		{"investigate", "--no-hunt", "--key", hostileKey, "--format", "markdown"},
		{"timeline", "--format", "csv"},
	} {
		r := run(t, append([]string{"--db", db}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
		checkTerminalSafe(t, strings.Join(args[:2], " "), r.out+r.errOut)
	}
}

// TestOutputsAtomic (issue 16, item 4): an export or report that fails
// leaves the previous file under the name as it was, and no partial file.
func TestOutputsAtomic(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", fixtures(t, "formats", "records.json")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	out := t.TempDir()
	// A condition that fails while the rows are read, after the file would
	// have been created.
	bad := "CAST(event_name AS INTEGER) > 0"
	for _, tc := range []struct{ name, format string }{{"raw.jsonl", "jsonl"}, {"rows.jsonl", "jsonl"}, {"case.parquet", "parquet"}} {
		p := filepath.Join(out, tc.name)
		if err := os.WriteFile(p, []byte("previous good export"), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--db", db, "export", "--format", tc.format, "--out", p, "--where", bad}
		if tc.name == "raw.jsonl" {
			args = append(args, "--raw")
		}
		if r := run(t, args...); r.code == 0 {
			t.Fatalf("%s: the failing export succeeded", tc.name)
		}
		if b, _ := os.ReadFile(p); string(b) != "previous good export" {
			t.Errorf("%s: the previous file became %q", tc.name, b)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 3 {
		t.Errorf("left behind: %v", entries)
	}
	// A report written whole replaces the previous one.
	rep := filepath.Join(out, "report.json")
	if r := run(t, "--db", db, "-q", "investigate", "--no-hunt", "--format", "json", "--out", rep); r.code != 0 {
		t.Fatalf("investigate: %+v", r)
	}
	var c map[string]any
	if b, err := os.ReadFile(rep); err != nil || json.Unmarshal(b, &c) != nil {
		t.Errorf("report: %v", err)
	}
}

// interruptedCase ingests records.json (5 events) into a new case, then
// leaves a second ingest unfinished, as a kill -9 would: 3 events appended
// by a run that never finished and recorded no source.
func interruptedCase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", fixtures(t, "formats", "records.json")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runID, err := st.BeginRun(ctx, "test", "trailsleuth ingest more/")
	if err != nil {
		t.Fatal(err)
	}
	app, err := st.NewEventAppender(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ev := event.Event{EventID: fmt.Sprintf("half-%d", i), EventName: "DeleteTrail", EventSource: "cloudtrail.amazonaws.com",
			EventTime: time.Date(2025, 3, 12, 0, 0, i, 0, time.UTC), Raw: "{}"}
		if err := app.Append(&ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestUnfinishedIngestNotRead (issue 16, item 3): read commands leave out
// the events of an ingest that never finished and say so, the audit log
// records it, and investigate rolls the run back first (recorded too).
func TestUnfinishedIngestNotRead(t *testing.T) {
	db := interruptedCase(t)
	for _, args := range [][]string{
		{"query", "--format", "csv", "SELECT count(*) AS n FROM events"},
		{"timeline", "--format", "csv"},
		{"coverage", "--format", "json"},
		{"hunt", "--format", "json"},
	} {
		r := run(t, append([]string{"--db", db}, args...)...)
		if r.code != 0 && r.code != ExitFindings {
			t.Fatalf("%v: %+v", args, r)
		}
		if !strings.Contains(r.errOut, "ingest run 2") || !strings.Contains(r.errOut, "its 3 events are left out") {
			t.Errorf("%s: no warning about the unfinished ingest: %s", args[0], r.errOut)
		}
		if strings.Contains(r.out, "half-") || strings.Contains(r.out, "DeleteTrail") {
			t.Errorf("%s shows the unfinished run's events:\n%s", args[0], r.out)
		}
		if args[0] == "query" && !strings.Contains(r.out, "n\n5\n") {
			t.Errorf("query counted %q, want the 5 events of the finished run", r.out)
		}
	}
	r := run(t, "--db", db, "audit", "--format", "json")
	if strings.Count(r.out, "read ingest run 2") != 4 {
		t.Errorf("the audit log does not record the reads' view: %s", r.out)
	}
	r = run(t, "--db", db, "investigate", "--no-hunt", "--format", "json")
	if r.code != 0 || !strings.Contains(r.errOut, "rolled back before reading") || strings.Contains(r.out, "half-") {
		t.Errorf("investigate: %d %s", r.code, r.errOut)
	}
	r = run(t, "--db", db, "audit", "--format", "json")
	if !strings.Contains(r.out, "rolled back before reading: ingest run 2") {
		t.Errorf("the roll-back is not in the audit log: %s", r.out)
	}
	if q := run(t, "--db", db, "query", "--format", "csv", "SELECT count(*) AS n FROM events"); q.out != "n\n5\n" || strings.Contains(q.errOut, "left out") {
		t.Errorf("after the roll-back: %+v", q)
	}
}

// TestForeignDatabaseRefused (issue 16, item 8): --db naming another
// application's DuckDB file is refused, with a clear message, unchanged.
func TestForeignDatabaseRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "other.duckdb")
	st, err := store.Open(context.Background(), "") // in memory, to write a foreign file with
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec("ATTACH '" + db + "' AS other; CREATE TABLE other.events (id INTEGER, name VARCHAR); INSERT INTO other.events VALUES (1, 'x'); DETACH other"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	before, _ := store.FileSHA256(db)
	for _, args := range [][]string{{"ingest", fixtures(t, "formats", "records.json")}, {"query", "SELECT 1"}, {"investigate", "--no-hunt"}} {
		r := run(t, append([]string{"--db", db}, args...)...)
		if r.code != ExitError || !strings.Contains(r.errOut, "not a trailsleuth case database") {
			t.Errorf("%s: exit %d, %s", args[0], r.code, r.errOut)
		}
	}
	if after, _ := store.FileSHA256(db); after != before {
		t.Error("the foreign database was changed")
	}
}

// TestMissingInputPath (issue 16, item 12): a path named on the command
// line that does not exist is an error (exit 1), before anything is read.
func TestMissingInputPath(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.duckdb")
	missing := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{{"ingest", fixtures(t, "formats", "records.json"), missing}, {"investigate", missing}} {
		r := run(t, append([]string{"--db", db}, args...)...)
		if r.code != ExitError || !strings.Contains(r.errOut, "typo") {
			t.Errorf("%s with a missing path: exit %d, %s", args[0], r.code, r.errOut)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("the case was created for a mistyped path")
	}
}

// TestForgedCopyLoses (issue 16, item 2): a file planted in a
// digest-validated tree, named to sort first, holding the trail's events
// with another sourceIPAddress, does not replace them: the report names
// the validated events' address only, counts the conflict, and says which
// file's copy was set aside and why.
func TestForgedCopyLoses(t *testing.T) {
	dir := t.TempDir()
	tr := evidencetest.New(t, dir)
	c := tr.AddChain(evidencetest.ChainOptions{Digests: 3})
	var forged []string
	for _, logs := range c.Logs {
		for _, key := range logs {
			body := string(evidencetest.Gunzip(t, tr.Body(key)))
			recs := strings.TrimSuffix(strings.TrimPrefix(body, `{"Records":[`), `]}`)
			forged = append(forged, strings.ReplaceAll(recs, `"203.0.113.7"`, `"198.51.100.66"`))
		}
	}
	// Named to sort before every log file of the folder it sits in.
	plant := filepath.Join(dir, filepath.FromSlash(c.Logs[0][0]))
	plant = filepath.Join(filepath.Dir(plant), "000_"+filepath.Base(plant))
	if err := os.WriteFile(plant, evidencetest.Gzip([]byte(`{"Records":[`+strings.Join(forged, ",")+`]}`)), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "case.duckdb")
	r := run(t, "--db", db, "ingest", dir)
	if r.code != 0 || !strings.Contains(r.errOut, "6 of 6 log files validated") {
		t.Fatalf("ingest: %+v", r)
	}
	r = run(t, "--db", db, "-q", "investigate", "--no-hunt", "--principal", "alice", "--format", "json")
	if r.code != 0 {
		t.Fatalf("investigate: %+v", r)
	}
	var rep struct {
		SourceIPs []struct{ IP string } `json:"source_ips"`
		Evidence  struct {
			Conflicts []struct {
				Used struct {
					Path, Validation string
					SourceIP         string `json:"source_ip"`
				} `json:"used"`
				SetAside []struct {
					Path, Validation string
					SourceIP         string `json:"source_ip"`
					Differs          []string
				} `json:"set_aside"`
				Why string
			}
			ConflictTotal int `json:"conflict_total"`
		}
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, ip := range rep.SourceIPs {
		ips = append(ips, ip.IP)
	}
	if strings.Join(ips, ",") != "203.0.113.7" {
		t.Errorf("report's source IPs %v, want the validated events' 203.0.113.7 only", ips)
	}
	if rep.Evidence.ConflictTotal != 6 || len(rep.Evidence.Conflicts) != 6 {
		t.Fatalf("conflicts: total %d, listed %d; want 6", rep.Evidence.ConflictTotal, len(rep.Evidence.Conflicts))
	}
	for _, cf := range rep.Evidence.Conflicts {
		a := cf.SetAside
		if cf.Used.Validation != "valid" || cf.Used.SourceIP != "203.0.113.7" || len(a) != 1 || a[0].Path != plant ||
			a[0].Validation != "unlisted" || a[0].SourceIP != "198.51.100.66" || strings.Join(a[0].Differs, ",") != "source_ip" ||
			!strings.Contains(cf.Why, "validated against CloudTrail's signed digests") {
			t.Errorf("conflict %+v", cf)
		}
	}
	// The text report says it too.
	r = run(t, "--db", db, "-q", "investigate", "--no-hunt", "--principal", "alice", "--format", "text")
	r.out = strings.Join(strings.Fields(r.out), " ") // the report wraps prose at its width
	if !strings.Contains(r.out, "Conflicting copies: 6 events came in copies that disagree") || !strings.Contains(r.out, "set aside: 6 copies from") ||
		!strings.Contains(r.out, "(unlisted), differing in source_ip") || !strings.Contains(r.out, filepath.Base(plant)+" #5 (unlisted) 198.51.100.66") {
		t.Errorf("text report:\n%s", r.out[strings.Index(r.out, "Evidence"):])
	}
	q := run(t, "--db", db, "query", "--format", "csv", "SELECT count(*) AS n FROM ingest_errors i JOIN sources s USING (source_id) WHERE reason = 'conflicting_copy' AND s.path = '"+plant+"'")
	if q.out != "n\n6\n" {
		t.Errorf("conflicts counted on the planted file: %q", q.out)
	}
}

// TestRulesCompileHostile (issue 16, item 10): a rule title with a line
// break stays inside its SQL comment, and a rule that cannot be read (an
// invalid regular expression) is listed and fails the command instead of
// vanishing from the output.
func TestRulesCompileHostile(t *testing.T) {
	dir := t.TempDir()
	rule := func(name, id, title, selection string) {
		body := "title: " + title + "\nid: " + id + "\nstatus: test\nlogsource:\n  product: aws\n  service: cloudtrail\n" +
			"detection:\n  selection:\n    " + selection + "\n  condition: selection\nlevel: high\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rule("title.yml", "1b2bd1a4-2d1c-4d8b-9a1e-1c2d3e4f5a6b", `"Stop\nSELECT 1; DROP TABLE events; --"`, "eventName: StopLogging")
	rule("regex.yml", "0b2bd1a4-2d1c-4d8b-9a1e-1c2d3e4f5a6b", "Bad regex", "eventName|re: '('")
	r := run(t, "rules", "compile", "--no-builtin", "--rules", dir)
	if r.code != ExitError || !strings.Contains(r.out, "-- could not read "+filepath.Join(dir, "regex.yml")) {
		t.Errorf("exit %d; the unreadable rule is not reported:\n%s%s", r.code, r.out, r.errOut)
	}
	for _, l := range strings.Split(r.out, "\n") {
		if strings.Contains(l, "DROP TABLE") && !strings.HasPrefix(l, "--") {
			t.Errorf("a rule title became SQL: %q", l)
		}
	}
	if !strings.Contains(r.out, "WHERE lower(event_name) = 'stoplogging'") {
		t.Errorf("the readable rule is missing:\n%s", r.out)
	}
}
