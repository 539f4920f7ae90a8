package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// This file builds the session timelines, with bursts of similar calls
// collapsed, and the credential chain tree, for text and markdown.

// byTime returns the actions sorted by time; ties keep their order.
func byTime(actions []event.Action) []event.Action {
	out := slices.Clone(actions)
	slices.SortStableFunc(out, func(a, b event.Action) int { return a.EventTime.Compare(b.EventTime) })
	return out
}

// timelineLine is one line of a session timeline: one action, or a burst of
// consecutive similar ones (same event name, access key and error code).
type timelineLine struct {
	first    event.Action
	last     time.Time
	n        int
	regions  []string
	resource string   // shortened; a common prefix and "…" for a burst of different resources
	names    []string // a console page load's distinct event names
}

func (l timelineLine) eventLabel() string {
	if l.first.ConsoleGroup != 0 && l.n > 1 {
		// one page load: its first call names it; the rest are counted
		label := fmt.Sprintf("Console page load ×%d (%s", l.n, l.names[0])
		if len(l.names) > 1 {
			label += fmt.Sprintf(" +%d", len(l.names)-1)
		}
		return label + ")"
	}
	if l.n > 1 {
		return fmt.Sprintf("%s ×%d", l.first.EventName, l.n)
	}
	return l.first.EventName
}

func (l timelineLine) resourceLabel() string {
	if l.n > 1 {
		until := "until " + fmtTime(l.last)
		if l.resource == "" {
			return "(" + until + ")"
		}
		return l.resource + " (" + until + ")"
	}
	return l.resource
}

// collapse turns time-ordered actions into timeline lines.
func collapse(actions []event.Action) []timelineLine {
	var out []timelineLine
	var resources []string
	flush := func() {
		if len(out) > 0 {
			out[len(out)-1].resource = commonResource(resources)
		}
	}
	for _, a := range actions {
		if n := len(out); n > 0 {
			l := &out[n-1]
			if a.ConsoleGroup != 0 && l.first.ConsoleGroup == a.ConsoleGroup {
				// one console page load: one line, the calls counted under it
				l.n++
				l.last = a.EventTime
				if !slices.Contains(l.names, a.EventName) {
					l.names = append(l.names, a.EventName)
				}
				if !slices.Contains(l.regions, a.AWSRegion) {
					l.regions = append(l.regions, a.AWSRegion)
				}
				resources = append(resources, shortResource(a.Resource))
				continue
			}
			if l.first.ConsoleGroup == a.ConsoleGroup && l.first.EventName == a.EventName && l.first.AccessKeyID == a.AccessKeyID && l.first.ErrorCode == a.ErrorCode {
				l.n++
				l.last = a.EventTime
				if !slices.Contains(l.regions, a.AWSRegion) {
					l.regions = append(l.regions, a.AWSRegion)
				}
				resources = append(resources, shortResource(a.Resource))
				continue
			}
		}
		flush()
		out = append(out, timelineLine{first: a, last: a.EventTime, n: 1, regions: []string{a.AWSRegion}, names: []string{a.EventName}})
		resources = append(resources[:0], shortResource(a.Resource))
	}
	flush()
	return out
}

// commonResource is the resource all share, or their common prefix up to a
// '/' or ':' followed by "…", or "" when they share nothing.
func commonResource(rs []string) string {
	if len(rs) == 0 {
		return ""
	}
	prefix := rs[0]
	for _, r := range rs[1:] {
		i := 0
		for i < len(prefix) && i < len(r) && prefix[i] == r[i] {
			i++
		}
		prefix = prefix[:i]
	}
	if !slices.ContainsFunc(rs, func(r string) bool { return r != prefix }) {
		return prefix // all equal
	}
	if i := strings.LastIndexAny(prefix, "/:"); i >= 0 {
		return prefix[:i+1] + "…"
	}
	return ""
}

// sessionView is a session with its timeline lines.
type sessionView struct {
	s      event.Session
	listed int
	lines  []timelineLine
}

// title is "Session 1: <start> to <end> (21m6s), 79 events, 7 denied".
func (v sessionView) title() string {
	if v.s.Number == 0 {
		return fmt.Sprintf("Actions outside any session: %d", v.listed)
	}
	s := fmt.Sprintf("Session %d: %s to %s (%s), %d events", v.s.Number, fmtTime(v.s.Start), fmtTime(v.s.End),
		v.s.End.Sub(v.s.Start), v.s.EventCount)
	if v.listed != v.s.EventCount {
		s += fmt.Sprintf(" (%d listed)", v.listed)
	}
	return s + fmt.Sprintf(", %d denied", v.s.Denied)
}

// sessionViews groups the actions by session, in session order; actions
// whose session number is not among the sessions come last, as session 0.
func sessionViews(c *event.Case) []sessionView {
	actions := byTime(c.Actions)
	var out []sessionView
	known := map[int]bool{}
	for _, s := range c.Sessions {
		known[s.Number] = true
		var mine []event.Action
		for _, a := range actions {
			if a.Session == s.Number {
				mine = append(mine, a)
			}
		}
		out = append(out, sessionView{s: s, listed: len(mine), lines: collapse(mine)})
	}
	var orphans []event.Action
	for _, a := range actions {
		if !known[a.Session] {
			orphans = append(orphans, a)
		}
	}
	if len(orphans) > 0 {
		out = append(out, sessionView{listed: len(orphans), lines: collapse(orphans)})
	}
	return out
}

// chainLines draws the credential chain as a tree from each seed:
//
//	AKIA… (user/ci-deploy)
//	├─CreateAccessKey <time> from <ip>→ AKIA… (user/svc-backup-sync)
//	│ └─AssumeRole <time> from <ip>→ ASIA… (assumed-role/infra-admin/backup-sync)
//	└─ConsoleLogin <time> from <ip>→ ASIA… (user/svc-backup-sync)
func chainLines(c *event.Case) []string {
	t := chainTree{principal: chainPrincipals(c), children: map[string][]event.ChainEdge{}, seen: map[string]bool{}}
	isChild := map[string]bool{}
	for _, e := range c.CredentialChain {
		t.children[e.From] = append(t.children[e.From], e)
		isChild[e.To] = true
	}
	for _, r := range chainRoots(c, isChild) {
		t.draw(r)
	}
	// Edges on a cycle with no root are drawn from their first source.
	for _, e := range c.CredentialChain {
		t.draw(e.From)
	}
	return t.out
}

// chainPrincipals maps each key of the chain to its principal: the
// compromised credentials' own first, then the edges'.
func chainPrincipals(c *event.Case) map[string]string {
	principal := map[string]string{}
	for _, cr := range c.CompromisedCredentials {
		principal[cr.AccessKeyID] = cr.PrincipalARN
	}
	for _, e := range c.CredentialChain {
		if _, ok := principal[e.To]; !ok && e.PrincipalARN != "" {
			principal[e.To] = e.PrincipalARN
		}
	}
	return principal
}

// chainRoots are the seeds, then any edge source nothing leads to.
func chainRoots(c *event.Case, isChild map[string]bool) []string {
	var roots []string
	addRoot := func(k string) {
		if !slices.Contains(roots, k) {
			roots = append(roots, k)
		}
	}
	for _, cr := range c.CompromisedCredentials {
		if cr.DerivedFrom == "" {
			addRoot(cr.AccessKeyID)
		}
	}
	for _, e := range c.CredentialChain {
		if !isChild[e.From] {
			addRoot(e.From)
		}
	}
	return roots
}

// chainTree draws the credential chain's edges as tree lines; a key met
// again is drawn once and then referred to.
type chainTree struct {
	principal map[string]string
	children  map[string][]event.ChainEdge
	seen      map[string]bool
	out       []string
}

// node is a key with the principal it belongs to.
func (t *chainTree) node(key string) string {
	if p := t.principal[key]; p != "" {
		return cmp.Or(key, "(no key)") + " (" + cloudtrail.PrincipalLabel(p) + ")"
	}
	return cmp.Or(key, "(no key)")
}

// draw draws the tree under root, unless root was drawn already.
func (t *chainTree) draw(root string) {
	if t.seen[root] {
		return
	}
	t.seen[root] = true
	t.out = append(t.out, t.node(root))
	t.walk(root, "")
}

// walk draws the edges from key, each child under its parent.
func (t *chainTree) walk(key, indent string) {
	kids := t.children[key]
	for i, e := range kids {
		branch, next := "├─", "│ "
		if i == len(kids)-1 {
			branch, next = "└─", "  "
		}
		line := indent + branch + edgeLabel(e) + "→ " + t.node(e.To)
		if t.seen[e.To] {
			t.out = append(t.out, line+" (see above)")
			continue
		}
		t.seen[e.To] = true
		t.out = append(t.out, line)
		t.walk(e.To, indent+next)
	}
}

// edgeLabel is how a key led to the next, when and from where.
func edgeLabel(e event.ChainEdge) string {
	label := e.How
	if !e.EventTime.IsZero() {
		label += " " + fmtTime(e.EventTime)
	}
	if e.SourceIP != "" {
		label += " from " + e.SourceIP
	}
	return label
}
