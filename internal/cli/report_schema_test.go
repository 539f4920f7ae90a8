package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestInvestigateJSONMatchesSchema: a real investigation of the bundled
// example, with every optional section on, validates against the published
// schema, and the compliance mapping names the controls of what was found.
func TestInvestigateJSONMatchesSchema(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.duckdb")
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	r := run(t, "--db", db, "-q", "investigate", "--compliance", "--format", "json", example)
	if r.code != 0 {
		t.Fatalf("investigate: %d %s", r.code, r.errOut)
	}
	probs, err := report.Validate([]byte(r.out))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Error(p)
	}
	var rep struct {
		Compliance []struct {
			FindingType string `json:"finding_type"`
			Count       int    `json:"count"`
		} `json:"compliance"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range rep.Compliance {
		got[c.FindingType] = c.Count
	}
	// The example's attacker: keys used, a console login without MFA, IAM
	// changes, persistence, an opened security group, data read, a refused
	// StopLogging, detections and denied calls.
	for _, typ := range []string{"compromised_credentials", "console_without_mfa", "privilege_changes", "persistence",
		"network_exposure", "data_accessed", "defense_evasion", "detections", "denied_calls"} {
		if got[typ] == 0 {
			t.Errorf("compliance lacks %s: %v", typ, got)
		}
	}
}
