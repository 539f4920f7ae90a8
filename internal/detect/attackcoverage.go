package detect

import (
	"slices"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/attack"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
)

// AttackCoverage is what a pack's rules cover of ATT&CK: every technique a rule is
// tagged with, under its tactics, and the cells of the AWS-relevant cloud
// matrix (attack.Catalog.CloudMatrix) that no rule covers.
type AttackCoverage struct {
	// Rules counts the rules that report findings: correlations and
	// detection rules, not the rules that only feed correlations.
	Rules            int              `json:"rules"`
	MatrixTechniques int              `json:"matrix_cells"`
	MatrixCovered    int              `json:"matrix_cells_covered"`
	Tactics          []TacticCoverage `json:"tactics"`
	// Uncovered are the matrix cells without a rule, in matrix order.
	Uncovered []CoverageCell `json:"uncovered"`
	// Untagged are rules that name no ATT&CK technique.
	Untagged []RuleRef `json:"rules_without_technique,omitempty"`
}

// TacticCoverage is one tactic's column.
type TacticCoverage struct {
	Tactic     string              `json:"tactic"` // short name
	Name       string              `json:"name"`
	ID         string              `json:"id,omitempty"`
	Matrix     int                 `json:"matrix_cells"`
	Covered    int                 `json:"matrix_cells_covered"`
	Techniques []TechniqueCoverage `json:"techniques"`
}

// TechniqueCoverage is a technique under a tactic: in the cloud matrix or
// not, and the rules that cover it (none for an uncovered matrix cell).
type TechniqueCoverage struct {
	ID       string    `json:"id"`
	Name     string    `json:"name,omitempty"` // empty when the catalogue does not know the id
	InMatrix bool      `json:"in_matrix"`
	Rules    []RuleRef `json:"rules"`
}

// CoverageCell names a tactic and a technique.
type CoverageCell struct {
	Tactic    string `json:"tactic"`
	Technique string `json:"technique"`
	Name      string `json:"name"`
}

// RuleRef names a rule.
type RuleRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Level string `json:"level"`
}

// Covers tells whether a rule tagged with technique tag covers matrix
// technique cell: the same id, or a sub-technique of it (T1098.001 covers
// T1098).
func covers(tag, cell string) bool {
	return tag == cell || strings.HasPrefix(tag, cell+".")
}

// ComputeAttackCoverage maps the pack's rules onto ATT&CK. A rule's technique goes
// under the tactics the rule is tagged with that ATT&CK lists for the
// technique; when none are (a tag pairing ATT&CK does not make), under
// ATT&CK's tactics for it, or the rule's own when the catalogue does not
// know the technique.
func ComputeAttackCoverage(p *Pack, cat *attack.Catalog) *AttackCoverage {
	b := &coverageBuilder{cov: &AttackCoverage{}, cat: cat, rulesAt: map[cellKey][]RuleRef{}, extraTactics: []string{}}
	b.placeRules(p)
	order := append(attack.TacticShortNames(), b.extraTactics...)
	b.makeColumns(order)
	// Matrix cells first, in matrix order, then the other techniques rules name.
	b.addMatrixCells()
	b.addOtherTechniques()
	for _, t := range order {
		if tc := b.byTactic[t]; len(tc.Techniques) > 0 {
			b.cov.Tactics = append(b.cov.Tactics, *tc)
		}
	}
	return b.cov
}

// cellKey is a technique under a tactic.
type cellKey struct{ tactic, tech string }

// coverageBuilder holds ComputeCoverage's state between its steps.
type coverageBuilder struct {
	cov          *AttackCoverage
	cat          *attack.Catalog
	rulesAt      map[cellKey][]RuleRef // the rules tagged with each technique, under each tactic placed
	extraTactics []string              // tactics rules name that ATT&CK does not, in order met
	byTactic     map[string]*TacticCoverage
	inMatrix     map[cellKey]bool
}

// placeRules counts the reporting rules and places each one's techniques
// under tactics (untagged rules are listed apart).
func (b *coverageBuilder) placeRules(p *Pack) {
	feeds := p.feeders()
	known := map[string]bool{}
	for _, t := range attack.TacticShortNames() {
		known[t] = true
	}
	for _, r := range p.Rules {
		if feeds[r] {
			continue
		}
		b.cov.Rules++
		ref := RuleRef{ID: r.ID, Title: r.Title, Level: r.Level}
		techs := r.Techniques()
		if len(techs) == 0 {
			b.cov.Untagged = append(b.cov.Untagged, ref)
			continue
		}
		for _, id := range techs {
			for _, tac := range placeTechnique(r, id, b.cat) {
				if !known[tac] && !slices.Contains(b.extraTactics, tac) {
					b.extraTactics = append(b.extraTactics, tac)
				}
				k := cellKey{tac, id}
				b.rulesAt[k] = append(b.rulesAt[k], ref)
			}
		}
	}
}

// makeColumns makes an empty column for each tactic of order, named as
// ATT&CK names it (a tactic it does not know by its short name).
func (b *coverageBuilder) makeColumns(order []string) {
	b.byTactic = map[string]*TacticCoverage{}
	for _, t := range order {
		name, tid, _ := attack.Tactic(t)
		if name == "" {
			name = t
		}
		b.byTactic[t] = &TacticCoverage{Tactic: t, Name: name, ID: tid}
	}
}

// addMatrixCells adds every cloud matrix cell to its column with the rules
// covering it (its sub-techniques' too), counting the covered cells.
func (b *coverageBuilder) addMatrixCells() {
	b.inMatrix = map[cellKey]bool{}
	for _, m := range b.cat.CloudMatrix() {
		b.inMatrix[cellKey{m.Tactic, m.Technique.ID}] = true
		tc := b.byTactic[m.Tactic]
		te := TechniqueCoverage{ID: m.Technique.ID, Name: m.Technique.Name, InMatrix: true, Rules: []RuleRef{}}
		for rk, refs := range b.rulesAt {
			if rk.tactic == m.Tactic && covers(rk.tech, m.Technique.ID) {
				te.Rules = appendRefs(te.Rules, refs)
			}
		}
		sortRefs(te.Rules)
		tc.Matrix++
		b.cov.MatrixTechniques++
		if len(te.Rules) > 0 {
			tc.Covered++
			b.cov.MatrixCovered++
		} else {
			b.cov.Uncovered = append(b.cov.Uncovered, CoverageCell{Tactic: m.Tactic, Technique: m.Technique.ID, Name: m.Technique.Name})
		}
		tc.Techniques = append(tc.Techniques, te)
	}
}

// addOtherTechniques adds, by technique id, the techniques rules place
// outside the matrix.
func (b *coverageBuilder) addOtherTechniques() {
	var extra []cellKey
	for k := range b.rulesAt {
		if !b.inMatrix[k] {
			extra = append(extra, k)
		}
	}
	slices.SortFunc(extra, func(a, c cellKey) int { return strings.Compare(a.tech, c.tech) })
	for _, k := range extra {
		info, _ := b.cat.Technique(k.tech)
		refs := appendRefs(nil, b.rulesAt[k])
		sortRefs(refs)
		b.byTactic[k.tactic].Techniques = append(b.byTactic[k.tactic].Techniques, TechniqueCoverage{ID: k.tech, Name: info.Name, Rules: refs})
	}
}

func placeTechnique(r *sigma.Rule, id string, cat *attack.Catalog) []string {
	info, ok := cat.Technique(id)
	if !ok {
		return r.Tactics()
	}
	var both []string
	for _, t := range r.Tactics() {
		if slices.Contains(info.Tactics, t) {
			both = append(both, t)
		}
	}
	if len(both) > 0 {
		return both
	}
	return info.Tactics
}

// appendRefs adds refs not yet in list (a rule can reach a parent cell
// through several sub-techniques).
func appendRefs(list, refs []RuleRef) []RuleRef {
	for _, r := range refs {
		if !slices.ContainsFunc(list, func(x RuleRef) bool { return x.ID == r.ID && x.Title == r.Title }) {
			list = append(list, r)
		}
	}
	return list
}

func sortRefs(refs []RuleRef) {
	slices.SortFunc(refs, func(a, b RuleRef) int { return strings.Compare(a.Title, b.Title) })
}
