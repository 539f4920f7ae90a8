package attack

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// TechniqueInfo is an ATT&CK technique as techniques.tsv lists it.
type TechniqueInfo struct {
	ID   string // T1098 or T1098.001
	Name string // "Account Manipulation: Additional Cloud Credentials"
	// Tactics are the short names of the tactics ATT&CK lists it under, in
	// ATT&CK's tactic order.
	Tactics []string
}

// MatrixEntry is one cell of the cloud matrix: a technique under a tactic.
type MatrixEntry struct {
	Tactic     string // short name: privilege-escalation
	TacticName string // Privilege Escalation
	TacticID   string // TA0004
	Technique  TechniqueInfo
}

// Technique looks up a technique id (T1098.001, case-insensitive).
func (c *Catalog) Technique(id string) (TechniqueInfo, bool) {
	id = strings.ToUpper(id)
	ti, ok := c.techs[id]
	if !ok {
		return TechniqueInfo{}, false
	}
	out := TechniqueInfo{ID: id, Name: ti.name}
	for _, t := range tactics {
		if ti.tactics[t.short] {
			out.Tactics = append(out.Tactics, t.short)
		}
	}
	return out, true
}

// CloudMatrix returns the AWS-relevant cells of ATT&CK's cloud matrix
// (matrix.tsv), in ATT&CK's tactic order, techniques by id within a tactic.
func (c *Catalog) CloudMatrix() []MatrixEntry { return append([]MatrixEntry(nil), c.matrix...) }

// Tactic returns a tactic's name and id from its short name
// (privilege-escalation → Privilege Escalation, TA0004).
func Tactic(short string) (name, id string, ok bool) {
	i := tacticByShort(short)
	if i < 0 {
		return "", "", false
	}
	return tactics[i].name, tactics[i].id, true
}

// TacticShortNames returns the tactics' short names in ATT&CK's order.
func TacticShortNames() []string {
	out := make([]string, len(tactics))
	for i, t := range tactics {
		out[i] = t.short
	}
	return out
}

// parseMatrix reads matrix.tsv: tactic and technique per row, each a
// technique of techniques.tsv that ATT&CK lists under that tactic.
func (c *Catalog) parseMatrix(fsys fs.FS, file string) error {
	seen := map[[2]string]bool{}
	err := eachRow(fsys, file, func(where string, cols []string) error {
		if len(cols) != 2 {
			return fmt.Errorf("%s: want 2 columns (tactic, technique), have %d", where, len(cols))
		}
		tactic, id := cols[0], cols[1]
		ti := tacticByShort(tactic)
		if ti < 0 {
			return fmt.Errorf("%s: unknown tactic %q", where, tactic)
		}
		info, ok := c.Technique(id)
		if !ok {
			return fmt.Errorf("%s: technique %s is not in techniques.tsv", where, id)
		}
		if !c.techs[id].tactics[tactic] {
			return fmt.Errorf("%s: ATT&CK does not list %s under %s", where, id, tactic)
		}
		if seen[[2]string{tactic, id}] {
			return fmt.Errorf("%s: %s under %s twice", where, id, tactic)
		}
		seen[[2]string{tactic, id}] = true
		c.matrix = append(c.matrix, MatrixEntry{Tactic: tactic, TacticName: tactics[ti].name, TacticID: tactics[ti].id, Technique: info})
		return nil
	})
	if err != nil {
		return err
	}
	sort.SliceStable(c.matrix, func(i, j int) bool {
		a, b := tacticByShort(c.matrix[i].Tactic), tacticByShort(c.matrix[j].Tactic)
		if a != b {
			return a < b
		}
		return techLess(c.matrix[i].Technique.ID, c.matrix[j].Technique.ID)
	})
	return nil
}

// techLess orders technique ids numerically: T1098 < T1098.001 < T1110.
func techLess(a, b string) bool {
	am, as, _ := strings.Cut(a, ".")
	bm, bs, _ := strings.Cut(b, ".")
	if am != bm {
		return am < bm // same length: T + four digits
	}
	return as < bs
}
