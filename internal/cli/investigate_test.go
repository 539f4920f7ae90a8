package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInvestigateCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	example := filepath.Join(fixtures(t), "..", "..", "..", "examples", "incident")
	r := run(t, "--db", db, "-q", "investigate", example, "--format", "text")
	if r.code != 0 || !strings.HasPrefix(r.out, "Forensic Report: AWS-IR-") || !strings.Contains(r.out, "Suspicious Events: 266") {
		t.Fatalf("investigate text: exit %d %s\n%.600s", r.code, r.errOut, r.out)
	}
	out := filepath.Join(dir, "report.json")
	r = run(t, "--db", db, "-q", "investigate", "--key", "AKIAHF6L6KQVHSPLEFOS", "--format", "json", "--out", out)
	if r.code != 0 {
		t.Fatalf("investigate json: %+v", r)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		ReportID string `json:"report_id"`
		Count    int    `json:"suspicious_event_count"`
		Creds    []struct {
			AccessKeyID string `json:"access_key_id"`
		} `json:"compromised_credentials"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	// The second report of this case database takes the next number.
	if !strings.HasSuffix(c.ReportID, "-002") || c.Count != 266 || len(c.Creds) < 4 {
		t.Errorf("report %s, %d events, %d credentials", c.ReportID, c.Count, len(c.Creds))
	}
	if r := run(t, "--db", db, "investigate", "--since", "yesterday-ish"); r.code != ExitUsage {
		t.Errorf("bad --since: exit %d", r.code)
	}
	if r := run(t, "--db", db, "investigate", "--format", "pdf"); r.code != ExitUsage {
		t.Errorf("bad --format: exit %d", r.code)
	}
}
