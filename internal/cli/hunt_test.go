package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestHuntAndRules(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", filepath.Join(fixtures(t), "..", "..", "..", "examples", "incident")); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	r := run(t, "--db", db, "-q", "hunt", "--format", "json")
	if r.code != 0 {
		t.Fatalf("hunt: %+v", r)
	}
	var res struct {
		RulesRun int `json:"rules_run"`
		Hits     []struct {
			RuleID   string   `json:"rule_id"`
			Title    string   `json:"title"`
			Level    string   `json:"level"`
			Tags     []string `json:"tags"`
			EventIDs []string `json:"event_ids"`
		} `json:"hits"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.out), &res); err != nil {
		t.Fatalf("hunt json: %v\n%s", err, r.out)
	}
	if res.RulesRun < 80 || len(res.Hits) == 0 || res.Errors == nil || len(res.Errors) != 0 {
		t.Errorf("hunt: %d rules, %d hits, errors %v", res.RulesRun, len(res.Hits), res.Errors)
	}
	for _, h := range res.Hits {
		if h.RuleID == "" || h.Level == "" || len(h.Tags) == 0 || len(h.EventIDs) == 0 {
			t.Errorf("incomplete hit: %+v", h)
		}
	}
	if r := run(t, "--db", db, "-q", "hunt", "--fail-on", "high"); r.code != ExitFindings {
		t.Errorf("--fail-on high with high hits: exit %d", r.code)
	}
	if r := run(t, "--db", db, "-q", "hunt", "--level", "critical", "--fail-on", "critical"); r.code != 0 {
		t.Errorf("--fail-on critical without critical hits: exit %d %s", r.code, r.errOut)
	}
	if r := run(t, "--db", db, "hunt", "--level", "loud"); r.code != ExitUsage {
		t.Errorf("bad level: exit %d", r.code)
	}
	r = run(t, "--db", db, "-q", "hunt", "--format", "sarif", "--level", "high")
	if r.code != 0 || !strings.Contains(r.out, `"version": "2.1.0"`) || !strings.Contains(r.out, `"level": "error"`) {
		t.Errorf("sarif: %+v", r)
	}

	r = run(t, "rules", "compile", "--dialect", "athena", "--format", "json")
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if r.code != 0 || len(lines) < 80 {
		t.Fatalf("rules compile: exit %d, %d lines", r.code, len(lines))
	}
	for _, l := range lines {
		var o struct{ ID, File, SQL, Error string }
		if err := json.Unmarshal([]byte(l), &o); err != nil || o.ID == "" || (o.SQL == "") == (o.Error == "") {
			t.Errorf("rules compile line: %s", l)
		}
	}
	if r := run(t, "rules", "show", "Console sign-in without MFA"); r.code != 0 || !strings.Contains(r.out, "SELECT event_id") || !strings.Contains(r.out, "Remediation") {
		t.Errorf("rules show: %+v", r)
	}
	if r := run(t, "rules", "test", filepath.Join(fixtures(t), "..", "..", "..", "rules", "testdata")); r.code != 0 || !strings.Contains(r.out, " 0 failed") {
		t.Errorf("rules test: exit %d %s", r.code, r.errOut)
	}
	if r := run(t, "rules", "list", "--no-builtin"); r.code != ExitUsage {
		t.Errorf("--no-builtin alone: exit %d", r.code)
	}
}
