package analyze

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// Triage ranks identities by what the evidence against their uses means,
// not by how many events match: each use (an identity acting from one
// address) is judged (attribute.go), credentials derived from an
// attacker's use are followed to their origin, and the uses that are not
// the identity's routine add their clues to its score, plus the shape of a
// kill chain (recon, then a privilege change, a new credential, then
// collection, persistence or impact). Every identity with an attacker use is
// investigated; the rest are listed with their verdict and why.

// lineage is a use reached from an attacker's use through a credential it
// produced (an assumed role's session, a created key or user).
type lineage struct {
	from useKey
	how  string
	at   time.Time
}

// triage judges every use in scope and ranks identities. It returns the
// ranked entries and the uses, so that the investigation seeds from the
// attacker's.
func (inv *investigation) triage() ([]event.TriageEntry, map[useKey]*use, error) {
	uses, _, err := inv.loadUses("true")
	if err != nil {
		return nil, nil, fmt.Errorf("triage: %w", err)
	}
	derived, err := inv.followLineage(uses)
	if err != nil {
		return nil, nil, fmt.Errorf("triage: %w", err)
	}
	root := func(k useKey) useKey {
		seen := map[useKey]bool{}
		for {
			l, ok := derived[k]
			if !ok || seen[k] {
				return k
			}
			seen[k] = true
			k = l.from
		}
	}
	byOrigin := map[string][]useKey{}
	for _, k := range sortedUseKeys(uses) {
		r := root(k)
		byOrigin[r.identity] = append(byOrigin[r.identity], k)
	}
	var out []event.TriageEntry
	for _, id := range slices.Sorted(maps.Keys(byOrigin)) {
		e := inv.triageEntry(id, byOrigin[id], uses, derived)
		if e.Score > 0 || e.Verdict != verdictOwner.String() {
			out = append(out, e)
		}
	}
	// Attackers first, then by score; ties keep their order by identity and
	// are shown as ties (same score), never cut.
	rank := map[string]int{"attacker": 0, "unsure": 1, "owner": 2}
	slices.SortStableFunc(out, func(a, b event.TriageEntry) int {
		if c := cmp.Compare(rank[a.Verdict], rank[b.Verdict]); c != 0 {
			return c
		}
		return cmp.Compare(b.Score, a.Score)
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out, uses, nil
}

// followLineage marks the uses reached from an attacker's use through the
// credentials it produced, until nothing new is reached.
func (inv *investigation) followLineage(uses map[useKey]*use) (map[useKey]lineage, error) {
	if err := inv.loadGrants(); err != nil {
		return nil, err
	}
	byKey := map[string][]useKey{}
	byIdentity := map[string][]useKey{}
	for _, k := range sortedUseKeys(uses) {
		for _, key := range uses[k].keys {
			byKey[key] = append(byKey[key], k)
		}
		byIdentity[k.identity] = append(byIdentity[k.identity], k)
	}
	derived := map[useKey]lineage{}
	mark := func(k, from useKey, how string, at time.Time) bool {
		if _, ok := derived[k]; ok || k == from {
			return false
		}
		u := uses[k]
		derived[k] = lineage{from: from, how: how, at: at}
		u.add(clue{kind: "lineage", at: at, text: how})
		u.verdict = verdictAttacker
		u.why = u.sentence()
		return true
	}
	for changed := true; changed; {
		changed = false
		for _, g := range inv.grant {
			src := uses[inv.keyOf(g.ev)]
			if src == nil || src.verdict != verdictAttacker {
				continue
			}
			from := inv.keyOf(g.ev)
			switch g.kind {
			case "temporary", "access_key":
				how := fmt.Sprintf("uses %s, obtained by %s from the attacker's use at %s", g.newKey, g.ev.Name, stampOf(g.ev.Time))
				for _, k := range byKey[g.newKey] {
					changed = mark(k, from, how, g.ev.Time) || changed
				}
			case "user", "login_profile":
				for _, k := range byIdentity[g.newARN] {
					if uses[k].first.After(g.ev.Time) {
						changed = mark(k, from, fmt.Sprintf("user %s, made usable by %s from the attacker's use at %s", g.target, g.ev.Name, stampOf(g.ev.Time)), g.ev.Time) || changed
					}
				}
				if g.newARN == "" {
					for id, ks := range byIdentity {
						if userOf(id) == g.target && g.target != "" {
							for _, k := range ks {
								if uses[k].first.After(g.ev.Time) {
									changed = mark(k, from, fmt.Sprintf("user %s, made usable by %s from the attacker's use at %s", g.target, g.ev.Name, stampOf(g.ev.Time)), g.ev.Time) || changed
								}
							}
						}
					}
				}
			}
		}
	}
	return derived, nil
}

// triageEntry sums up one identity's uses (with those derived from them).
func (inv *investigation) triageEntry(id string, keys []useKey, uses map[useKey]*use, derived map[useKey]lineage) event.TriageEntry {
	e := event.TriageEntry{PrincipalARN: id, AccessKeyIDs: []string{}, Parts: []event.ScorePart{}, Addresses: []string{},
		Reasons: []string{}, Benign: []string{}, Verdict: verdictOwner.String()}
	partIdx := map[string]int{}
	addPart := func(kind string, points float64, detail string) {
		if i, ok := partIdx[kind]; ok {
			e.Parts[i].Points += points
			e.Parts[i].Detail += "; " + detail
			return
		}
		partIdx[kind] = len(e.Parts)
		e.Parts = append(e.Parts, event.ScorePart{Kind: kind, Points: points, Detail: detail})
	}
	keySet, addrSet := map[string]bool{}, map[string]bool{}
	benign := map[string]int{}
	var chainUses []*use
	var topUnsure *use
	best := verdictOwner
	for _, k := range keys {
		u := uses[k]
		for why, n := range u.benign {
			benign[why] += n
		}
		if u.verdict == verdictOwner {
			continue
		}
		best = max(best, u.verdict)
		for _, key := range u.keys {
			keySet[key] = true
		}
		if cloudtrail.Address(u.ip) {
			addrSet[u.ip] = true
		}
		label := ""
		if k.identity != id {
			label = cloudtrail.PrincipalLabel(k.identity) + ": "
		}
		e.Reasons = append(e.Reasons, label+u.why)
		// Attacker uses add up: each is its own evidence. Unsure uses count
		// once, the strongest: a role's pool of NAT addresses is one oddity,
		// not twenty.
		if u.verdict == verdictUnsure {
			if topUnsure == nil || u.score > topUnsure.score {
				topUnsure = u
			}
			continue
		}
		for _, c := range u.clues {
			if c.points > 0 {
				addPart(partKind(c.kind), c.points, c.text)
			}
		}
		chainUses = append(chainUses, u)
	}
	if topUnsure != nil && best == verdictUnsure {
		for _, c := range topUnsure.clues {
			if c.points > 0 {
				addPart(partKind(c.kind), c.points, c.text)
			}
		}
		chainUses = append(chainUses, topUnsure)
	}
	e.Verdict = best.String()
	if pts, detail := inv.killChain(chainUses, inv.grant); pts > 0 {
		addPart("kill-chain", pts, detail)
	}
	for _, p := range e.Parts {
		e.Score += p.Points
	}
	e.Score = math.Round(e.Score*10) / 10 // one decimal, without the noise of adding floats
	e.AccessKeyIDs = slices.Sorted(maps.Keys(keySet))
	e.Addresses = slices.Sorted(maps.Keys(addrSet))
	for _, why := range slices.Sorted(maps.Keys(benign)) {
		e.Benign = append(e.Benign, fmt.Sprintf("%s: %d detection hits left out", why, benign[why]))
	}
	return e
}

// partKind groups clue kinds into score parts.
func partKind(kind string) string {
	switch kind {
	case "detection":
		return "detections"
	case "tool", "place+tool":
		return "tools"
	case "where", "shared", "hop":
		return "where"
	}
	return kind
}

// Kill-chain stages, in the order an intrusion runs them.
var chainStages = []struct {
	name    string
	tactics []string
}{
	{"reconnaissance", []string{"discovery", "reconnaissance"}},
	{"privilege change", []string{"privilege-escalation"}},
	{"new credential", []string{"credential-access"}},
	{"objective (collection, persistence, evasion or impact)", []string{"collection", "exfiltration", "impact", "persistence", "defense-evasion"}},
}

// Stages of chainStages reached by more than detections: a burst of
// denials is reconnaissance, a key or user the uses created a new
// credential.
const (
	stageRecon      = 0
	stageCredential = 2
)

// killChain scores the order of what the uses did: each stage of
// chainStages seen at or after the previous one adds weight.chainStage.
func (inv *investigation) killChain(us []*use, grants []grant) (float64, string) {
	first := make([]time.Time, len(chainStages))
	in := map[useKey]bool{}
	for _, u := range us {
		in[useKey{u.identity, u.ip, u.tool}] = true
		for _, h := range u.hits {
			for i, st := range chainStages {
				if slices.ContainsFunc(h.tactics, func(t string) bool { return slices.Contains(st.tactics, t) }) {
					first[i] = minTime(first[i], h.first)
				}
			}
		}
		if hasKind(u.clues, "denials") {
			first[stageRecon] = minTime(first[stageRecon], u.first)
		}
	}
	// A credential the uses produced is the "new credential" stage.
	for _, g := range grants {
		if (g.kind == "access_key" || g.kind == "login_profile" || g.kind == "user") && in[inv.keyOf(g.ev)] {
			first[stageCredential] = minTime(first[stageCredential], g.ev.Time)
		}
	}
	var reached []string
	var last time.Time
	for i, t := range first {
		if t.IsZero() || t.Before(last) {
			continue
		}
		reached = append(reached, chainStages[i].name)
		last = t
	}
	if len(reached) < 2 {
		return 0, ""
	}
	return weight.chainStage * float64(len(reached)-1), strings.Join(reached, " → ")
}
