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
