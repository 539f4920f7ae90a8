package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/evidence/evidencetest"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// verifyJSON is the shape of verify --format json that scripts rely on.
type verifyJSON struct {
	Root   string `json:"root"`
	Valid  bool   `json:"valid"`
	Totals struct {
		Digests      int `json:"digests"`
		DigestsValid int `json:"digests_valid"`
		Logs         int `json:"logs"`
		LogsValid    int `json:"logs_valid"`
		Errors       int `json:"errors"`
		Warnings     int `json:"warnings"`
	} `json:"totals"`
	Chains []struct {
		ID, Account, Region, Trail string
		Digests                    int
	} `json:"chains"`
	Problems []struct {
		Kind, Severity, Chain, Path, Detail string
	} `json:"problems"`
	Files []struct {
		Path, SHA256, Status, Digest string
	} `json:"files"`
}

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	tr := evidencetest.New(t, dir)
	c := tr.AddChain(evidencetest.ChainOptions{Digests: 3})

	r := run(t, "-q", "verify", dir)
	if r.code != ExitOK || !strings.Contains(r.out, "VALID: 3/3 digests and 6/6 log files verified; 0 errors, 0 warnings") ||
		!strings.Contains(r.out, "111122223333  us-east-1") {
		t.Errorf("clean tree: %+v", r)
	}

	r = run(t, "-q", "verify", "--format", "json", dir)
	var v verifyJSON
	if err := json.Unmarshal([]byte(r.out), &v); err != nil {
		t.Fatalf("json: %v\n%s", err, r.out)
	}
	if r.code != ExitOK || !v.Valid || v.Root != dir || len(v.Chains) != 1 || v.Chains[0].Trail != "management-events" ||
		v.Totals.LogsValid != 6 || len(v.Files) != 6 || v.Problems == nil || len(v.Problems) != 0 {
		t.Errorf("clean tree json: exit %d %+v", r.code, v)
	}
	for _, f := range v.Files {
		if f.Status != "valid" || len(f.SHA256) != 64 || f.Digest == "" {
			t.Errorf("file %+v", f)
		}
	}

	tr.Remove(c.Logs[1][0])
	r = run(t, "-q", "verify", "--format", "json", dir)
	v = verifyJSON{}
	if err := json.Unmarshal([]byte(r.out), &v); err != nil {
		t.Fatalf("json: %v\n%s", err, r.out)
	}
	if r.code != ExitError || v.Valid || len(v.Problems) != 1 || v.Problems[0].Kind != "log_missing" ||
		v.Problems[0].Path != c.Logs[1][0] || !strings.Contains(r.errOut, "evidence failed integrity validation") {
		t.Errorf("deleted log: exit %d %+v\n%s", r.code, v.Problems, r.errOut)
	}
	r = run(t, "-q", "verify", dir)
	if r.code != ExitError || !strings.Contains(r.out, "ERROR   log_missing          "+c.Logs[1][0]) || !strings.Contains(r.out, "INVALID:") {
		t.Errorf("deleted log, table: %+v", r)
	}

	// Keys elsewhere: --public-keys; none at all is a usage error.
	keys := filepath.Join(t.TempDir(), "keys.json")
	if err := os.Rename(filepath.Join(dir, "public-keys.json"), keys); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "-q", "verify", dir); r.code != ExitUsage || !strings.Contains(r.errOut, "--public-keys") {
		t.Errorf("no keys: %+v", r)
	}
	if r := run(t, "-q", "verify", "--public-keys", keys, dir); r.code != ExitError || !strings.Contains(r.out, "log_missing") {
		t.Errorf("--public-keys: %+v", r)
	}
	if r := run(t, "verify", "--format", "yaml", dir); r.code != ExitUsage {
		t.Errorf("bad format: exit %d", r.code)
	}
	if r := run(t, "verify"); r.code != ExitUsage {
		t.Errorf("no target: exit %d", r.code)
	}
}

// TestVerifyCommandS3 verifies a bucket on a loopback S3 server, keys
// fetched online from a fake CloudTrail behind the same endpoint.
func TestVerifyCommandS3(t *testing.T) {
	tr := evidencetest.New(t, t.TempDir())
	tr.AddChain(evidencetest.ChainOptions{Digests: 2, Region: "eu-west-1", HomeRegion: "eu-west-1"})
	ct := &evidencetest.FakeCloudTrail{Key: &tr.Key.PublicKey, Fingerprint: tr.Fingerprint}
	srv := testenv.S3Server(t, ct.Wrap)
	for _, o := range tr.Objects() {
		srv.Put(t, o.Bucket, o.Key, o.Body, o.Meta)
	}
	r := run(t, "-q", "verify", "--endpoint-url", srv.URL, "--region", "us-east-1", "--format", "json", "s3://trail-bucket")
	var v verifyJSON
	if err := json.Unmarshal([]byte(r.out), &v); err != nil {
		t.Fatalf("json: %v\n%s\n%s", err, r.out, r.errOut)
	}
	if r.code != ExitOK || !v.Valid || v.Totals.DigestsValid != 2 || v.Totals.LogsValid != 4 || v.Root != "s3://trail-bucket/" {
		t.Errorf("s3: exit %d %+v\n%s", r.code, v, r.errOut)
	}
	if got := ct.Regions(); !slices.Equal(got, []string{"eu-west-1"}) {
		t.Errorf("ListPublicKeys regions %q", got)
	}
}
