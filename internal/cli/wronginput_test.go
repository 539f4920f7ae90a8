package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// ciDeployEvents are CloudTrail events (JSON lines) of two IAM users named
// ci-deploy in two accounts, in March 2025.
func ciDeployEvents(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for i, acct := range []string{"111122223333", "444455556666", "444455556666"} {
		fmt.Fprintf(&b, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE%d","arn":"arn:aws:iam::%s:user/ci-deploy","accountId":"%s","accessKeyId":"AKIAEXAMPLECIDEPLOY%d","userName":"ci-deploy"},"eventTime":"2025-03-1%dT10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","userAgent":"aws-cli/2.15.0","requestParameters":null,"responseElements":null,"requestID":"req%d","eventID":"00000000-0000-0000-0000-00000000000%d","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%s","eventCategory":"Management"}`+"\n",
			i, acct, acct, i, i+1, i+10, i, i, acct)
	}
	p := filepath.Join(dir, "ci-deploy.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWrongInputFailsLoudly: the everyday mistakes of issue 20 — a path
// typo, a case database given as the logs, a --db typo, a window or an
// indicator that matches nothing — each exit non-zero with a message that
// names the problem and the fix, and none leaves a new empty case behind.
func TestWrongInputFailsLoudly(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	if r := run(t, "--db", db, "-q", "ingest", example); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	cidb := filepath.Join(dir, "ci.duckdb")
	if r := run(t, "--db", cidb, "-q", "ingest", ciDeployEvents(t, dir)); r.code != 0 {
		t.Fatalf("ingest ci-deploy: %+v", r)
	}
	junk := filepath.Join(dir, "junk")
	if err := os.Mkdir(junk, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(junk, "notes.txt"), []byte("not a log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "fresh.duckdb") // must never be created
	span := "3229 events from 2025-03-10T00:00:39Z to 2025-03-11T23:54:18Z"

	tests := []struct {
		name string
		args []string
		code int
		// want are parts of stderr: the problem and the fix.
		want []string
		// wantOut: a report is written (with --allow-empty).
		wantOut bool
	}{
		{"path typo", []string{"--db", fresh, "investigate", filepath.Join(dir, "no-such-folder")},
			ExitError, []string{"cannot read", "no-such-folder", "no such file or directory", "check the path"}, false},
		{"path typo ingest", []string{"--db", fresh, "ingest", filepath.Join(dir, "no-such-folder")},
			ExitError, []string{"cannot read", "no such file or directory"}, false},
		{"case given as path", []string{"investigate", db},
			ExitUsage, []string{"case.duckdb is a case database, not logs", "did you mean --db " + db}, false},
		{"case given as ingest path", []string{"--db", fresh, "ingest", db},
			ExitUsage, []string{"is a case database, not logs", "did you mean --db"}, false},
		{"db typo investigate", []string{"--db", fresh, "investigate"},
			ExitError, []string{"no case database at " + fresh, "ingest the logs first", "trailsleuth --db " + fresh + " ingest PATH"}, false},
		{"db typo query --write", []string{"--db", fresh, "query", "--write", "SELECT 1"},
			ExitError, []string{"no case database at " + fresh, "point --db at an existing case"}, false},
		{"db typo query", []string{"--db", fresh, "query", "SELECT 1"},
			ExitError, []string{fresh, "run 'trailsleuth --db " + fresh + " ingest PATH' first"}, false},
		{"nothing ingestible", []string{"--db", fresh, "investigate", junk},
			ExitError, []string{"no events could be ingested from " + junk, "1 not_json", "give the folder that holds the CloudTrail logs",
				"no case database was created at " + fresh}, false},
		{"nothing ingestible ingest", []string{"--db", fresh, "ingest", junk},
			ExitError, []string{"no events could be ingested", "no case database was created at " + fresh}, true}, // the summary lists the skipped file
		{"window before the evidence", []string{"--db", db, "investigate", "--since", "2026-01-01"},
			ExitNoEvents, []string{"no event matches --since 2026-01-01T00:00:00Z", span, "widen or drop", "--allow-empty"}, false},
		{"2w on evidence from 2025", []string{"--db", db, "investigate", "--since", "2w"},
			ExitNoEvents, []string{"no event matches --since ", span, "widen or drop"}, false},
		{"window after the evidence", []string{"--db", db, "investigate", "--until", "2024-01-01", "--key", "AKIAHF6L6KQVHSPLEFOS"},
			ExitNoEvents, []string{"no event matches --until 2024-01-01T00:00:00Z", span}, false},
		{"account not in the case", []string{"--db", db, "investigate", "--account", "999999999999"},
			ExitNoEvents, []string{"no event matches --account 999999999999", "accounts 493812077610", "regions us-east-1, eu-west-1"}, false},
		{"key matches nothing", []string{"--db", db, "investigate", "--key", "AKIAEXAMPLE"},
			ExitNoEvents, []string{"--key AKIAEXAMPLE matches no event in the case", "check the value", span, "--allow-empty"}, false},
		{"key outside the window", []string{"--db", db, "investigate", "--key", "AKIAHF6L6KQVHSPLEFOS", "--since", "2025-03-11T23:00"},
			ExitNoEvents, []string{"--key AKIAHF6L6KQVHSPLEFOS: all its", "lie outside --since 2025-03-11T23:00:00Z"}, false},
		{"ip matches nothing", []string{"--db", db, "investigate", "--ip", "100.64.0.0/10", "--principal", "nobody-by-this-name"},
			ExitNoEvents, []string{"--ip 100.64.0.0/10 matches no event", "--principal nobody-by-this-name matches no event"}, false},
		{"allow empty", []string{"--db", db, "investigate", "--key", "AKIAEXAMPLE", "--allow-empty", "--no-hunt", "--format", "json"},
			ExitOK, []string{"warning: --key AKIAEXAMPLE matches no event"}, true},
		{"one of two keys matches", []string{"--db", db, "investigate", "--key", "AKIAEXAMPLE", "--key", "AKIAHF6L6KQVHSPLEFOS", "--no-hunt", "--format", "json"},
			ExitOK, []string{"warning: --key AKIAEXAMPLE matches no event"}, true},
		{"ambiguous principal", []string{"--db", cidb, "investigate", "--principal", "ci-deploy", "--no-hunt", "--format", "json"},
			ExitOK, []string{"--principal ci-deploy matches 2 identities", "arn:aws:iam::444455556666:user/ci-deploy (2 events)",
				"arn:aws:iam::111122223333:user/ci-deploy (1 events)", "give an ARN"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
				}
			}
			if tt.wantOut != (r.out != "") {
				t.Errorf("report written: %v, want %v", r.out != "", tt.wantOut)
			}
			if _, err := os.Stat(fresh); err == nil {
				t.Fatalf("%s was created", fresh)
			}
		})
	}
}

// TestSuggestedCommandsRun (issue 20, item 2): the commands the ingest
// summary suggests name the case, quoted for the shell, and run as printed
// — split into words by a real bash — on a case whose path has a space and
// a quote in it.
func TestSuggestedCommandsRun(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to split the printed commands")
	}
	db := filepath.Join(t.TempDir(), "my case's.duckdb")
	r := run(t, "--db", db, "ingest", fixtures(t, "bad"))
	if r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	var cmds []string
	for _, line := range strings.Split(r.out, "\n") {
		if i := strings.Index(line, "trailsleuth --db "); i >= 0 {
			cmds = append(cmds, strings.TrimSuffix(strings.TrimSuffix(line[i:], " lists them all)"), ")"))
		}
	}
	if len(cmds) < 2 {
		t.Fatalf("the summary suggests %d commands, want the details and per-file queries:\n%s", len(cmds), r.out)
	}
	for _, c := range cmds {
		words := shellWords(t, bash, c)
		if words[0] != "trailsleuth" || words[1] != "--db" || words[2] != db {
			t.Errorf("%s: does not name the case %s: %q", c, db, words)
			continue
		}
		if r := run(t, words[1:]...); r.code != 0 || r.out == "" {
			t.Errorf("%s: exit %d, %s", c, r.code, r.errOut)
		}
	}
}

// TestTypoSuggestions (issue 20, item 7): a mistyped command or flag is a
// usage error that names the closest one, on one line.
func TestTypoSuggestions(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"investgate"}, `unknown command "investgate" for "trailsleuth"; did you mean investigate?`},
		{[]string{"investigate", "--sinse", "2d"}, "unknown flag: --sinse; did you mean --since?"},
		{[]string{"hunt", "--levl", "high"}, "unknown flag: --levl; did you mean --level?"},
		{[]string{"query", "--formt", "csv", "SELECT 1"}, "unknown flag: --formt; did you mean --format?"},
		{[]string{"investigate", "--allow"}, "unknown flag: --allow; did you mean --allow-empty?"},
		{[]string{"ingest", "--dbb", "x"}, "unknown flag: --dbb; did you mean --db?"},
		{[]string{"investigate", "--zzzzzzz"}, "unknown flag: --zzzzzzz\n"},
	}
	for _, tt := range tests {
		r := run(t, tt.args...)
		if r.code != ExitUsage || !strings.Contains(r.errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want %q", tt.args, r.code, r.errOut, tt.want)
		}
	}
}

// TestHuntEmptyWindow: a hunt over a window without events is exit 4 with
// the case's span, not "0 hits"; --allow-empty hunts anyway.
func TestHuntEmptyWindow(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", ciDeployEvents(t, t.TempDir())); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := run(t, "--db", db, "hunt", "--since", "2026-01-01")
	if r.code != ExitNoEvents || !strings.Contains(r.errOut, "no event matches --since 2026-01-01T00:00:00Z: the case holds 3 events from 2025-03-11T10:00:00Z to 2025-03-13T10:00:00Z") {
		t.Errorf("empty window: %+v", r)
	}
	if r := run(t, "--db", db, "hunt", "--since", "2026-01-01", "--allow-empty"); r.code != 0 || !strings.Contains(r.errOut, "warning: no event matches") {
		t.Errorf("--allow-empty: %+v", r)
	}
}

// shellWords splits a printed command into its words as bash reads them.
func shellWords(t *testing.T, bash, command string) []string {
	t.Helper()
	out, err := exec.Command(bash, "-c", `printf '%s\0' `+command).Output()
	if err != nil {
		t.Fatalf("bash cannot read %s: %v", command, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// TestCollectEmptyLeavesNoCase: collect --ingest of a collection with
// nothing ingestible in it creates no case, as ingest does not.
func TestCollectEmptyLeavesNoCase(t *testing.T) {
	srv := testenv.S3Server(t, nil)
	// The trail's layout, holding one file that is not CloudTrail.
	srv.Put(t, "empty-trail", "AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/11/111122223333_CloudTrail_us-east-1_20250311T0000Z_x.json", []byte("not a log\n"), nil)
	db := filepath.Join(t.TempDir(), "case.duckdb")
	r := run(t, "--db", db, "collect", "s3", "s3://empty-trail", "--endpoint-url", srv.URL, "--out", filepath.Join(t.TempDir(), "ev"), "--ingest")
	if !strings.Contains(r.errOut, "no case database was created at "+db) {
		t.Errorf("exit %d, stderr %s", r.code, r.errOut)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("%s was created", db)
	}
}

// TestNoHintsAtAGoneCase: when an ingest into a new case finds nothing and
// the case is not kept, its summary suggests no query on it.
func TestNoHintsAtAGoneCase(t *testing.T) {
	dir := t.TempDir()
	for i := range 25 { // more skipped files than the summary lists
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("notes-%02d.txt", i)), []byte("not a log\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(t.TempDir(), "case.duckdb")
	r := run(t, "--db", db, "ingest", dir)
	if r.code != ExitError || strings.Contains(r.out, "trailsleuth --db") || !strings.Contains(r.out, "… and 5 more (the case was not kept") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
}
