package analyze

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/attack"
	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// related looks at the other identities that acted from the attacker's
// addresses. Sharing an address is a clue, never enough on its own: an
// identity's use there is counted as the attacker's only when its own
// activity shows unusual signs too (a NAT, a VPN exit or a CI range is
// shared by many honest callers); the others are listed, not counted.
func (inv *investigation) related() ([]event.RelatedIdentity, error) {
	ips := inv.attackerIPs()
	if len(ips) == 0 {
		return nil, nil
	}
	cond, args := inList("source_ip", ips)
	uses, _, err := inv.loadUses(cond, args...)
	if err != nil {
		return nil, err
	}
	var out []event.RelatedIdentity
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		rows, err := inv.useRows(k, cond, args...)
		if err != nil {
			return nil, err
		}
		var rest []row
		for _, r := range rows {
			if _, ok := inv.attacker[r.ID]; !ok {
				rest = append(rest, r)
			}
		}
		if len(rest) == 0 {
			continue
		}
		if u.verdict != verdictAttacker && inv.signInChain(k.ip, rest) {
			u.add(clue{kind: "lineage", at: u.first,
				text: "the sign-in steps (Identity Center portal, federation) that opened the attacker's session from " + k.ip})
			u.decide()
		}
		if u.verdict != verdictAttacker && u.score >= unsureAt {
			u.add(clue{kind: "shared", points: weight.sharedAddress, at: u.first, text: "acted from an address the attacker used"})
			u.decide()
		}
		ri := event.RelatedIdentity{PrincipalARN: rest[0].ARN, SourceIPs: []string{k.ip}, EventCount: len(rest)}
		keys := map[string]bool{}
		for _, r := range rest {
			keys[credKey(r)] = true
		}
		ri.AccessKeyIDs = slices.Sorted(maps.Keys(keys))
		if u.verdict == verdictAttacker {
			ri.Counted = true
			ri.Reason = "acted from the attacker's address with signs of its own; its events there are counted as the attacker's: " + u.why
			inv.addUseRows(u.why, "same source IP", rest)
		} else {
			ri.Reason = "acted from the attacker's address, but its own activity there shows no sign of an attacker (" + u.why + "); not counted"
		}
		out = append(out, ri)
	}
	return out, nil
}

// signInEvents are the steps of signing in through Identity Center, SAML
// or OIDC federation, before any session key exists.
var signInEvents = map[string]bool{
	"ConsoleLogin": true, "CredentialChallenge": true, "CredentialVerification": true, "UserAuthentication": true,
	"Authenticate": true, "ListAccounts": true, "ListAccountRoles": true, "Federate": true, "GetRoleCredentials": true,
	"CreateToken": true, "AssumeRoleWithSAML": true, "AssumeRoleWithWebIdentity": true,
}

// signInChain reports whether rows, from an address the attacker used, are
// only sign-in steps made in the hour before the attacker's first call from
// there (or during its activity): the sign-in that gave the attacker their
// session, recorded under the directory's or the federated user's identity
// rather than the session's.
func (inv *investigation) signInChain(ip string, rows []row) bool {
	var first, last time.Time
	for _, r := range inv.attacker {
		if r.IP == ip && !r.Time.IsZero() {
			first, last = minTime(first, r.Time), maxTime(last, r.Time)
		}
	}
	if first.IsZero() || len(rows) == 0 {
		return false
	}
	for _, r := range rows {
		if !signInEvents[r.Name] || r.Time.Before(first.Add(-time.Hour)) || r.Time.After(last) {
			return false
		}
	}
	return true
}

// attackerIPs are the network addresses of the attacker's events.
func (inv *investigation) attackerIPs() []string {
	set := map[string]bool{}
	for _, r := range inv.attacker {
		if cloudtrail.Address(r.IP) {
			set[r.IP] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// sortedEvents returns the attacker's events in time order.
func (inv *investigation) sortedEvents() []row {
	out := make([]row, 0, len(inv.attacker))
	for _, r := range inv.attacker {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// fill builds the case's lists from the attacker's events, in time order:
// one pass that cuts sessions at gaps and feeds each event to every list.
func (inv *investigation) fill(c *event.Case, evs []row) {
	b := newCaseBuilder(inv, c)
	for i, r := range evs {
		if i == 0 || r.Time.Sub(evs[i-1].Time) > b.gap {
			b.openSession(r.Time)
		}
		b.add(r)
	}
	b.closeSession()
	b.finish(evs)
}

// caseBuilder holds what fill gathers while it walks the events. Sources,
// data access and changes keep the order their keys first appeared in.
type caseBuilder struct {
	inv *investigation
	c   *event.Case
	gap time.Duration // a pause longer than this starts a new session

	accounts, regions map[string]bool
	ips               map[string]*ipAgg
	ipOrder           []string
	data              map[dataKey]*event.DataAccess
	dataOrder         []dataKey
	changes           map[changeKey]*event.Change
	changeOrder       []changeKey

	sess                           *event.Session // the open session; nil before the first event
	sessKeys, sessIPs, sessTactics map[string]bool
}

// ipAgg is one source address's activity.
type ipAgg struct {
	n           int
	uas         map[string]bool
	first, last time.Time
}

// dataKey is one entry of the data accessed: log marks object access seen
// in a bucket's access log.
type dataKey struct {
	resource, kind, name string
	log                  bool
}

// changeKey is one entry of the changes: a service's resource.
type changeKey struct{ service, resource string }

func newCaseBuilder(inv *investigation, c *event.Case) *caseBuilder {
	gap := inv.opts.SessionGap
	if gap <= 0 {
		gap = 30 * time.Minute
	}
	return &caseBuilder{inv: inv, c: c, gap: gap,
		accounts: map[string]bool{}, regions: map[string]bool{}, ips: map[string]*ipAgg{},
		data: map[dataKey]*event.DataAccess{}, changes: map[changeKey]*event.Change{}}
}

// openSession closes the current session and starts the next at t.
func (b *caseBuilder) openSession(t time.Time) {
	b.closeSession()
	b.sess = &event.Session{Number: len(b.c.Sessions) + 1, Start: t}
	b.sessKeys, b.sessIPs, b.sessTactics = map[string]bool{}, map[string]bool{}, map[string]bool{}
}

func (b *caseBuilder) closeSession() {
	if b.sess != nil {
		b.sess.AccessKeys, b.sess.SourceIPs, b.sess.Tactics = slices.Sorted(maps.Keys(b.sessKeys)), slices.Sorted(maps.Keys(b.sessIPs)), slices.Sorted(maps.Keys(b.sessTactics))
		b.c.Sessions = append(b.c.Sessions, *b.sess)
	}
}

// add feeds one event to every list it belongs in.
func (b *caseBuilder) add(r row) {
	if r.Account != "" {
		b.accounts[r.Account] = true
	}
	if r.Region != "" {
		b.regions[r.Region] = true
	}
	var res string
	if r.obj != nil {
		res = r.obj.resource()
	} else {
		res = resourceOf(r)
	}
	a := b.action(r, res)
	b.countInSession(r, a.Tactic)
	b.c.Actions = append(b.c.Actions, a)
	b.countSourceIP(r)
	b.countDataAccess(r, res)
	b.countChange(r, res)
	if _, ok := b.inv.cat.DefenseEvasion(r.Source, r.Name); ok {
		b.c.DefenseEvasion = append(b.c.DefenseEvasion, a)
	}
	b.addPersistence(r, res)
}

// action is the timeline entry of an event, classified by ATT&CK.
func (b *caseBuilder) action(r row, res string) event.Action {
	tech := b.inv.cat.Classify(r.Source, r.Name)
	a := event.Action{
		EventTime: r.Time, EventID: r.ID, EventName: r.Name, EventSource: r.Source, PrincipalARN: r.ARN,
		AccessKeyID: r.Key, SourceIP: r.IP, AWSRegion: r.Region, ErrorCode: r.ErrorCode, UserAgent: r.UserAgent,
		Tactic: tacticName(tech.Tactic), Technique: strings.TrimSpace(tech.TechniqueID + " " + strings.TrimPrefix(tech.Technique, tech.TechniqueID)),
		Resource: res, Session: b.sess.Number,
	}
	if r.obj != nil {
		a.Log = event.LogS3Access
	}
	return a
}

// countInSession adds the event to the open session.
func (b *caseBuilder) countInSession(r row, tactic string) {
	b.sess.End = r.Time
	b.sess.EventCount++
	if r.Key != "" {
		b.sessKeys[r.Key] = true
	}
	if cloudtrail.Address(r.IP) {
		b.sessIPs[r.IP] = true
	}
	if cloudtrail.Denied(r.ErrorCode) {
		b.sess.Denied++
	}
	if tactic != "" {
		b.sessTactics[tactic] = true
	}
}

// countSourceIP adds the event to its address's activity.
func (b *caseBuilder) countSourceIP(r row) {
	if r.IP == "" {
		return
	}
	ia := b.ips[r.IP]
	if ia == nil {
		ia = &ipAgg{uas: map[string]bool{}, first: r.Time}
		b.ips[r.IP] = ia
		b.ipOrder = append(b.ipOrder, r.IP)
	}
	ia.n++
	ia.last = r.Time
	if r.UserAgent != "" {
		ia.uas[r.UserAgent] = true
	}
}

// countDataAccess adds an object access from a bucket's access log, or a
// CloudTrail call that reads data, to the data accessed.
func (b *caseBuilder) countDataAccess(r row, res string) {
	if r.obj != nil && r.obj.action != "" {
		// An object read, written or deleted, seen in the bucket's
		// access log: one entry per object and call.
		d := b.dataEntry(dataKey{res, "S3 object", r.Name, true}, event.DataAccess{Resource: res, EventName: r.Name, FirstSeen: r.Time})
		d.LastSeen = r.Time
		addObjectAccess(d, r)
		return
	}
	kind, ok := b.inv.cat.DataAccess(r.Source, r.Name)
	if !ok || r.obj != nil {
		return
	}
	d := b.dataEntry(dataKey{res, kind, r.Name, false}, event.DataAccess{Resource: res, Kind: kind, EventName: r.Name, FirstSeen: r.Time})
	d.LastSeen = r.Time
	if r.ErrorCode != "" {
		d.Denied++
	} else {
		d.Count++
		d.Bytes += int64(jsonNumber(r.Additional, "bytesTransferredOut"))
	}
}

// dataEntry is the data accessed under k, started as fresh if new.
func (b *caseBuilder) dataEntry(k dataKey, fresh event.DataAccess) *event.DataAccess {
	d := b.data[k]
	if d == nil {
		d = &fresh
		b.data[k] = d
		b.dataOrder = append(b.dataOrder, k)
	}
	return d
}

// countChange adds a write call to the changes of its resource.
func (b *caseBuilder) countChange(r row, res string) {
	if !b.inv.cat.IsWrite(r.Name, r.ReadOnly) {
		return
	}
	svc := strings.TrimSuffix(r.Source, ".amazonaws.com")
	k := changeKey{svc, res}
	ch := b.changes[k]
	if ch == nil {
		ch = &event.Change{Service: svc, Resource: res}
		b.changes[k] = ch
		b.changeOrder = append(b.changeOrder, k)
	}
	ch.Count++
	if r.ErrorCode != "" {
		ch.Denied++
	}
	if !slices.Contains(ch.EventNames, r.Name) {
		ch.EventNames = append(ch.EventNames, r.Name)
	}
}

// addPersistence lists a successful call that leaves persistence.
func (b *caseBuilder) addPersistence(r row, res string) {
	kind, ok := b.inv.cat.Persistence(r.Source, r.Name)
	if !ok || r.ErrorCode != "" {
		return
	}
	pres := res
	if k := jsonPath(r.Response, "accessKey", "accessKeyId"); k != "" {
		pres = "access key " + k + " of " + res
	}
	b.c.Persistence = append(b.c.Persistence, event.Persistence{
		Kind: kind, Resource: pres, EventID: r.ID, EventName: r.Name, EventTime: r.Time, CreatedBy: orLabel(r.ARN, r.Key),
	})
}

// finish writes the gathered lists into the case, with the timeframe and
// the count of CloudTrail events.
func (b *caseBuilder) finish(evs []row) {
	c := b.c
	c.ConsoleActions = groupConsole(c.Actions, b.inv.uaClass)
	c.Accounts, c.Regions = slices.Sorted(maps.Keys(b.accounts)), slices.Sorted(maps.Keys(b.regions))
	for _, ip := range b.ipOrder {
		ia := b.ips[ip]
		c.SourceIPs = append(c.SourceIPs, event.SourceIP{IP: ip, EventCount: ia.n, UserAgents: slices.Sorted(maps.Keys(ia.uas)), FirstSeen: ia.first, LastSeen: ia.last})
	}
	sort.SliceStable(c.SourceIPs, func(i, j int) bool { return c.SourceIPs[i].EventCount > c.SourceIPs[j].EventCount })
	for _, k := range b.dataOrder {
		c.DataAccessed = append(c.DataAccessed, *b.data[k])
	}
	for _, k := range b.changeOrder {
		c.Changes = append(c.Changes, *b.changes[k])
	}
	var start, end time.Time
	for _, r := range evs {
		if !r.Time.IsZero() {
			start, end = minTime(start, r.Time), maxTime(end, r.Time)
		}
	}
	if !start.IsZero() {
		c.Timeframe = event.Timeframe{Start: &start, End: &end, Of: "attacker activity"}
	}
	c.SuspiciousEventCount = 0
	for _, r := range evs {
		if r.obj == nil { // CloudTrail events, not access log records
			c.SuspiciousEventCount++
		}
	}
}

// mergeRows merges access log rows into the attacker's events, in time
// order (both are sorted).
func mergeRows(evs, logs []row) []row {
	if len(logs) == 0 {
		return evs
	}
	out := make([]row, 0, len(evs)+len(logs))
	i, j := 0, 0
	for i < len(evs) || j < len(logs) {
		if j == len(logs) || (i < len(evs) && !logs[j].Time.Before(evs[i].Time)) {
			out = append(out, evs[i])
			i++
		} else {
			out = append(out, logs[j])
			j++
		}
	}
	return out
}

func orLabel(arn, key string) string {
	if arn != "" {
		return arn
	}
	return key
}

// jsonNumber reads a number at the top level of a JSON document.
func jsonNumber(doc, key string) float64 {
	if doc == "" || !strings.Contains(doc, key) {
		return 0
	}
	var m map[string]any
	if err := jsonUnmarshal(doc, &m); err != nil {
		return 0
	}
	switch v := m[key].(type) {
	case float64:
		return v
	case string:
		var f float64
		fmt.Sscan(v, &f)
		return f
	}
	return 0
}

// resourceOf names an event's target.
func resourceOf(r row) string { return attack.Resource(r.Source, r.Name, r.Request, r.Resources) }

// tacticName is the report's form of an ATT&CK tactic: ATT&CK's short name,
// lower case with hyphens ("Defense Evasion" → "defense-evasion"), the form
// Sigma tags use, so detections and actions can be compared.
func tacticName(t string) string { return strings.ToLower(strings.ReplaceAll(t, " ", "-")) }
