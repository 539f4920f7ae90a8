package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
