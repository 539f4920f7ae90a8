package detect

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/ingest/ingesttest"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

func caseDB(t *testing.T, paths ...string) *store.Store {
	t.Helper()
	st, _ := ingesttest.Case(t, ingest.Options{}, paths...)
	return st
}

// TestSigmaHQRules: SigmaHQ's AWS rules load as they are and run on real
// attack-simulation logs without an error.
func TestSigmaHQRules(t *testing.T) {
	dir := testenv.Shared(t, "datasets", "sigma-aws-rules")
	pack, err := Load(LoadOptions{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	// 57 rules + 1 placeholder rule + 7 of the 8 "unsupported" ones (legacy
	// count() aggregations become correlations); the "near" one is refused.
	if len(pack.Rules) != 65 || len(pack.Errors) != 1 {
		t.Errorf("loaded %d rules, %d errors %v", len(pack.Rules), len(pack.Errors), pack.Errors)
	}
	st := caseDB(t, testenv.Shared(t, "datasets", "stratus-red-team-detonation-logs"))
	res, err := Run(context.Background(), st.DB(), pack, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The placeholder rule cannot compile without values, and the refused
	// file stays an error: nothing else may fail.
	if res.RulesRun != 64 || len(res.Errors) != 2 {
		t.Errorf("rules run %d, errors %v", res.RulesRun, res.Errors)
	}
	titles := map[string]bool{}
	for _, h := range res.Hits {
		titles[h.Title] = true
	}
	for _, want := range []string{"AWS CloudTrail Important Change", "AWS IAM Backdoor Users Keys"} {
		if !titles[want] {
			t.Errorf("no hit for %q on the Stratus detonations; hits: %v", want, titles)
		}
	}
}

// TestHuntExample: the built-in pack finds the bundled incident's steps.
func TestHuntExample(t *testing.T) {
	root := testenv.RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "examples", "incident")); err != nil {
		t.Fatal(err)
	}
	st := caseDB(t, filepath.Join(root, "examples", "incident"))
	pack, err := Load(LoadOptions{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), st.DB(), pack, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Errorf("rule errors: %v", res.Errors)
	}
	tactics := map[string]int{}
	titles := map[string]bool{}
	for _, h := range res.Hits {
		titles[h.Title] = true
		for _, tc := range h.Tactics {
			tactics[tc] += h.Count
		}
	}
	for _, want := range []string{"persistence", "privilege-escalation", "discovery", "defense-evasion", "collection", "initial-access"} {
		if tactics[want] == 0 {
			t.Errorf("no hit in tactic %s; by tactic: %v", want, tactics)
		}
	}
	// The incident's steps, by the rule that must name each.
	for _, want := range []string{
		"API call from an offensive security tool",                         // enumeration with Pacu
		"New IAM user granted administrator access",                        // privilege escalation
		"IAM access key created for another user",                          // persistence
		"Bulk S3 download: 100+ objects read by one access key in an hour", // data access
		"Attempt to stop or delete CloudTrail logging was denied",          // logging tampering
		"Console sign-in without MFA",
	} {
		if !titles[want] {
			t.Errorf("no hit for %q", want)
		}
	}
	// Inputs of correlations report nothing themselves.
	if titles["Read-only API call (enumeration input)"] {
		t.Error("a correlation's base rule reported hits of its own")
	}
}

// TestHuntCtgen: on a generated corpus the injected attack's steps are
// found, and no high or critical hit falls on benign background traffic.
func TestHuntCtgen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ctgen")
	}
	bin := testenv.Ctgen(t)
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	tf := filepath.Join(dir, "truth.json")
	if out, err := exec.Command(bin, "-out", corpus, "-events", "60000", "-accounts", "3", "-days", "2", "-seed", "9", "-attack", "-truth", tf).CombinedOutput(); err != nil {
		t.Fatalf("ctgen: %v\n%s", err, out)
	}
	var truth struct {
		EventIDs []string `json:"eventIDs"`
	}
	b, err := os.ReadFile(tf)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	attack := map[string]bool{}
	for _, id := range truth.EventIDs {
		attack[id] = true
	}
	st := caseDB(t, filepath.Join(corpus, "AWSLogs"))
	pack, err := Load(LoadOptions{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), st.DB(), pack, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tactics := map[string]bool{}
	for _, h := range res.Hits {
		lvl, _ := event.ParseSeverity(h.Level)
		onAttack := 0
		for _, id := range h.EventIDs {
			if attack[id] {
				onAttack++
			}
		}
		if onAttack > 0 {
			for _, tc := range h.Tactics {
				tactics[tc] = true
			}
		}
		if lvl >= event.SeverityHigh && onAttack < len(h.EventIDs) {
			t.Errorf("%s hit on %d benign events", h.Title, len(h.EventIDs)-onAttack)
		}
	}
	for _, want := range []string{"privilege-escalation", "persistence", "defense-evasion", "collection", "discovery"} {
		if !tactics[want] {
			t.Errorf("no hit on the attack in tactic %s (have %v)", want, tactics)
		}
	}
}
