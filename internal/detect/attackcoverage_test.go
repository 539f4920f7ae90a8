package detect

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/attack"
	"github.com/trailsleuth/trailsleuth/rules"
)

func findTechnique(cov *AttackCoverage, tactic, id string) (TechniqueCoverage, bool) {
	for _, tc := range cov.Tactics {
		if tc.Tactic != tactic {
			continue
		}
		for _, te := range tc.Techniques {
			if te.ID == id {
				return te, true
			}
		}
	}
	return TechniqueCoverage{}, false
}

// TestComputeCoverage checks how tags land in the matrix: sub-techniques
// cover their parent cell, a tactic ATT&CK does not list for the technique is
// replaced by ATT&CK's, rules that only feed a correlation do not count,
// unknown techniques stay under the rule's tactic, untagged rules are listed.
func TestComputeCoverage(t *testing.T) {
	p, err := Load(LoadOptions{Dirs: []string{filepath.Join("testdata", "coverage")}})
	if err != nil || len(p.Errors) > 0 {
		t.Fatalf("load: %v %v", err, p.Errors)
	}
	cov := ComputeAttackCoverage(p, attack.Default())
	if cov.Rules != 5 {
		t.Errorf("%d rules counted, want 5 (the correlation's input rule is not one)", cov.Rules)
	}
	for _, c := range []struct {
		tactic, id string
		rules      int
		inMatrix   bool
	}{
		{"persistence", "T1098.001", 1, true},
		{"persistence", "T1098", 1, true},         // through T1098.001
		{"defense-evasion", "T1562.008", 1, true}, // ATT&CK's tactic, not the tag's persistence
		{"credential-access", "T1110.003", 1, true},
		{"credential-access", "T1110.001", 0, true}, // only the feeder rule names it
		{"defense-evasion", "T1685.002", 1, false},  // unknown to the catalogue
		{"initial-access", "T1190", 0, true},
	} {
		te, ok := findTechnique(cov, c.tactic, c.id)
		if !ok || len(te.Rules) != c.rules || te.InMatrix != c.inMatrix {
			t.Errorf("%s %s: found %v, %d rules, in matrix %v; want %d rules, in matrix %v", c.tactic, c.id, ok, len(te.Rules), te.InMatrix, c.rules, c.inMatrix)
		}
	}
	if _, ok := findTechnique(cov, "persistence", "T1562.008"); ok {
		t.Error("T1562.008 placed under persistence, which ATT&CK does not list for it")
	}
	if len(cov.Untagged) != 1 || cov.Untagged[0].Title != "Rule without a technique" {
		t.Errorf("untagged: %+v", cov.Untagged)
	}
	uncovered := 0
	for _, tc := range cov.Tactics {
		for _, te := range tc.Techniques {
			if te.InMatrix && len(te.Rules) == 0 {
				uncovered++
			}
		}
	}
	if uncovered != len(cov.Uncovered) || cov.MatrixCovered+len(cov.Uncovered) != cov.MatrixTechniques ||
		cov.MatrixTechniques != len(attack.Default().CloudMatrix()) {
		t.Errorf("counts: %d covered + %d uncovered of %d cells (%d listed uncovered)", cov.MatrixCovered, len(cov.Uncovered), cov.MatrixTechniques, uncovered)
	}
	if !slices.ContainsFunc(cov.Uncovered, func(c CoverageCell) bool { return c.Technique == "T1190" && c.Tactic == "initial-access" }) {
		t.Error("T1190 not listed as uncovered")
	}
}

// TestBuiltinCoverage: every technique the built-in pack names is known to
// the catalogue, so coverage can name it.
func TestBuiltinCoverage(t *testing.T) {
	p, err := Load(LoadOptions{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	cov := ComputeAttackCoverage(p, attack.Default())
	for _, tc := range cov.Tactics {
		for _, te := range tc.Techniques {
			if te.Name == "" {
				t.Errorf("%s under %s: not in internal/attack/techniques.tsv (rules %v)", te.ID, tc.Tactic, te.Rules)
			}
		}
	}
	if len(cov.Untagged) > 0 {
		t.Errorf("built-in rules without a technique: %v", cov.Untagged)
	}
}
