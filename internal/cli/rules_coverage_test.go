package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/iostreams"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

func coverageRules(t *testing.T) string {
	return filepath.Join(testenv.RepoRoot(t), "internal", "detect", "testdata", "coverage")
}

// TestRulesCoverageFormats runs rules coverage on a small rule folder in all
// three formats and checks that each says the same: what is covered, by how
// many rules, and what is not.
func TestRulesCoverageFormats(t *testing.T) {
	dir := coverageRules(t)
	r := run(t, "rules", "coverage", "--no-builtin", "--rules", dir, "--format", "json")
	if r.code != 0 {
		t.Fatalf("json: exit %d: %s", r.code, r.errOut)
	}
	var cov detect.AttackCoverage
	if err := json.Unmarshal([]byte(r.out), &cov); err != nil {
		t.Fatal(err)
	}
	if cov.Rules != 5 || cov.MatrixCovered == 0 || len(cov.Uncovered) == 0 || cov.MatrixCovered+len(cov.Uncovered) != cov.MatrixTechniques {
		t.Errorf("json: %d rules, %d of %d cells covered, %d uncovered", cov.Rules, cov.MatrixCovered, cov.MatrixTechniques, len(cov.Uncovered))
	}
	summary := "5 rules; " + itoa(cov.MatrixCovered) + " of " + itoa(cov.MatrixTechniques) + " cells"

	r = run(t, "rules", "coverage", "--no-builtin", "--rules", dir)
	if r.code != 0 {
		t.Fatalf("text: exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{summary, "Persistence (TA0003)", "T1098.001", "1 rule", "- T1190", "Exploit Public-Facing Application",
		"T1685.002", "not in trailsleuth's ATT&CK catalogue", "Not covered:", "1 rules name no ATT&CK technique"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("text lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "Sign-in failed (feeds") {
		t.Error("text counts the rule that only feeds a correlation")
	}

	r = run(t, "rules", "coverage", "--no-builtin", "--rules", dir, "--format", "markdown")
	if r.code != 0 {
		t.Fatalf("markdown: exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{summary, "| Tactic | Technique | Name | Rules |", "| **Persistence** (", "| T1098.001 | Account Manipulation: Additional Cloud Credentials | 1 |",
		"| T1190 | Exploit Public-Facing Application | **none** |"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, r.out)
		}
	}

	if r := run(t, "rules", "coverage", "--format", "csv"); r.code != ExitUsage {
		t.Errorf("--format csv: exit %d", r.code)
	}
	io, _, _ := iostreams.Test()
	var got *RulesCoverageOptions
	cmd := newRulesCoverageCmd(&Factory{IO: io}, &RuleSourceOptions{}, func(_ context.Context, o *RulesCoverageOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--format", "markdown"})
	if err := cmd.Execute(); err != nil || got == nil || got.Format != "markdown" {
		t.Errorf("flags: %v %+v", err, got)
	}
}

// TestRulesCalibrate ingests two rules' fixtures into two cases and checks
// the counts calibrate prints for them, feeder rules included, in each
// format.
func TestRulesCalibrate(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.duckdb"), filepath.Join(dir, "b.duckdb")
	fx := func(stem, kind string) string { return filepath.Join(root, "rules", "testdata", stem, kind+".jsonl") }
	if r := run(t, "--db", a, "-q", "ingest", fx("root_console_login_failed", "hit"), fx("iam_user_created", "hit")); r.code != 0 {
		t.Fatalf("ingest a: %+v", r)
	}
	if r := run(t, "--db", b, "-q", "ingest", fx("root_console_login_failed", "miss")); r.code != 0 {
		t.Fatalf("ingest b: %+v", r)
	}
	r := run(t, "-q", "rules", "calibrate", "--format", "json", a, b)
	if r.code != 0 {
		t.Fatalf("calibrate: %+v", r)
	}
	var runs []detect.CalibrationRun
	if err := json.Unmarshal([]byte(r.out), &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Case != "a" || runs[1].Case != "b" || runs[0].Events != 4 {
		t.Fatalf("runs: %d, cases %v", len(runs), runs)
	}
	count := func(run detect.CalibrationRun, label string) (detect.RuleCount, bool) {
		for _, c := range run.Rules {
			if ruleLabel(c.Source) == label {
				return c, true
			}
		}
		return detect.RuleCount{}, false
	}
	for _, c := range []struct {
		run   int
		label string
		n     int
		feeds bool
	}{
		{0, "credential-access/root_console_login_failed", 2, false},
		{1, "credential-access/root_console_login_failed", 0, false},
		{0, "credential-access/console_login_failures #1", 2, true}, // root failures feed the brute-force correlations
		{0, "persistence/iam_user_created #1", 1, false},
		{0, "persistence/iam_user_created #2", 2, false}, // the temporal correlation: CreateUser then AttachUserPolicy
	} {
		got, ok := count(runs[c.run], c.label)
		if !ok || got.Events != c.n || got.Feeds != c.feeds {
			t.Errorf("case %d %s: %+v (found %v), want %d events, feeds %v", c.run, c.label, got, ok, c.n, c.feeds)
		}
	}
	r = run(t, "-q", "rules", "calibrate", "--fired", "--format", "markdown", a, b)
	if r.code != 0 || !strings.Contains(r.out, "| `credential-access/root_console_login_failed` | medium | 2 | 0 |") ||
		strings.Contains(r.out, "root_console_login_without_mfa") || !strings.Contains(r.out, "| rule | level | a (4 events) | b (2 events) |") {
		t.Errorf("markdown --fired:\n%s", r.out)
	}
	r = run(t, "-q", "rules", "calibrate", a)
	if r.code != 0 || !strings.Contains(r.out, "root_console_login_without_mfa") || !strings.Contains(r.out, "a: ") {
		t.Errorf("text:\n%s", r.out)
	}
	if r := run(t, "rules", "calibrate", "--format", "csv", a); r.code != ExitUsage {
		t.Errorf("--format csv: exit %d", r.code)
	}
}
