package analyze

import (
	"fmt"
	"slices"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// This file runs the detection rules over the investigated events only
// (Options.Detect), in indicator mode.

// indicatorConds select the events of the given keys, principals and
// addresses in scope: the seed, before it is split into owner and attacker.
func (inv *investigation) indicatorConds() ([]Cond, error) {
	scoped := func(cond string, args ...any) Cond {
		return Cond{"(" + inv.f.where + ") AND (" + cond + ")", append(slices.Clone(inv.f.args), args...)}
	}
	var out []Cond
	for _, k := range inv.opts.Keys {
		out = append(out, scoped("access_key_id = ?", k))
	}
	for _, p := range inv.opts.Principals {
		out = append(out, scoped(PrincipalWhere, p, p, p, p))
	}
	if len(inv.opts.IPs) > 0 {
		ips, err := inv.matchIPs(inv.opts.IPs)
		if err != nil {
			return nil, err
		}
		for _, ip := range ips {
			out = append(out, scoped("source_ip = ?", ip))
		}
	}
	return out, nil
}

// derivedCond selects the attacker's events the seed's run did not cover:
// those of derived credentials (by key; by event id for the few without).
func (inv *investigation) derivedCond() []Cond {
	var keys, ids, arns []string
	for _, r := range inv.attacker {
		switch {
		case r.Key != "" && !slices.Contains(inv.opts.Keys, r.Key):
			if !slices.Contains(keys, r.Key) {
				keys = append(keys, r.Key)
			}
		case r.Key == "":
			ids = append(ids, r.ID)
			if !slices.Contains(arns, r.ARN) {
				arns = append(arns, r.ARN)
			}
		}
	}
	slices.Sort(keys)
	slices.Sort(ids)
	// One condition per key or principal: DuckDB pushes an equality into
	// its scan, but reads every column of every event for an IN list or an
	// event_id filter (seconds on a large case).
	var out []Cond
	for _, k := range keys {
		out = append(out, Cond{"(" + inv.f.where + ") AND access_key_id = ?", append(slices.Clone(inv.f.args), k)})
	}
	slices.Sort(arns)
	for _, arn := range arns {
		c, a := inList("event_id", ids)
		out = append(out, Cond{"(" + inv.f.where + ") AND access_key_id IS NULL AND user_arn = ? AND " + c,
			append(append(slices.Clone(inv.f.args), arn), a...)})
	}
	return out
}

// detectOn runs Options.Detect over the events conds select and folds the
// findings into Options.Findings and the per-event levels.
func (inv *investigation) detectOn(conds ...Cond) error {
	if len(conds) == 0 {
		return nil
	}
	fs, err := inv.opts.Detect(inv.ctx, conds)
	if err != nil {
		return fmt.Errorf("running the detection rules on the investigated events: %w", err)
	}
	for _, f := range fs {
		lvl, _ := event.ParseSeverity(f.Level)
		for _, id := range f.EventIDs {
			if lvl > inv.hits[id] {
				inv.hits[id] = lvl
			}
		}
		inv.opts.Findings = mergeFinding(inv.opts.Findings, f)
	}
	return nil
}

// mergeFinding adds f to fs, joining it with an earlier hit of the same rule
// (a rule can hit both the seed's events and a derived credential's).
func mergeFinding(fs []event.Finding, f event.Finding) []event.Finding {
	i := slices.IndexFunc(fs, func(g event.Finding) bool { return g.RuleID == f.RuleID && g.Source == f.Source })
	if i < 0 {
		return append(fs, f)
	}
	g := &fs[i]
	// A set: a correlation's hit can list hundreds of thousands of events.
	have := make(map[string]bool, len(g.EventIDs))
	for _, id := range g.EventIDs {
		have[id] = true
	}
	for _, id := range f.EventIDs {
		if !have[id] {
			have[id] = true
			g.EventIDs = append(g.EventIDs, id)
		}
	}
	slices.Sort(g.EventIDs)
	g.Count = len(g.EventIDs)
	g.Windows += f.Windows
	if !f.FirstSeen.IsZero() && (g.FirstSeen.IsZero() || f.FirstSeen.Before(g.FirstSeen)) {
		g.FirstSeen = f.FirstSeen
	}
	if f.LastSeen.After(g.LastSeen) {
		g.LastSeen = f.LastSeen
	}
	return fs
}
