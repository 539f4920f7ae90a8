package analyze

import (
	"fmt"
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
		ri.AccessKeyIDs = sortedKeys(keys)
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

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// attackerIPs are the network addresses of the attacker's events.
func (inv *investigation) attackerIPs() []string {
	set := map[string]bool{}
	for _, r := range inv.attacker {
		if cloudtrail.Address(r.IP) {
			set[r.IP] = true
		}
	}
	return sortedKeys(set)
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

func (inv *investigation) fill(c *event.Case, evs []row) {
	gap := inv.opts.SessionGap
	if gap <= 0 {
		gap = 30 * time.Minute
	}
	accounts, regions := map[string]bool{}, map[string]bool{}
	type ipAgg struct {
		n           int
		uas         map[string]bool
		first, last time.Time
	}
	ips := map[string]*ipAgg{}
	var ipOrder []string
	type daKey struct {
		resource, kind, name string
		log                  bool
	}
	data := map[daKey]*event.DataAccess{}
	var dataOrder []daKey
	type chKey struct{ service, resource string }
	changes := map[chKey]*event.Change{}
	var chOrder []chKey
	var sess *event.Session
	sessKeys, sessIPs, sessTactics := map[string]bool{}, map[string]bool{}, map[string]bool{}
	closeSession := func() {
		if sess != nil {
			sess.AccessKeys, sess.SourceIPs, sess.Tactics = sortedKeys(sessKeys), sortedKeys(sessIPs), sortedKeys(sessTactics)
			c.Sessions = append(c.Sessions, *sess)
		}
	}
	for i, r := range evs {
		if r.Account != "" {
			accounts[r.Account] = true
		}
		if r.Region != "" {
			regions[r.Region] = true
		}
		if i == 0 || r.Time.Sub(evs[i-1].Time) > gap {
			closeSession()
			sess = &event.Session{Number: len(c.Sessions) + 1, Start: r.Time}
			sessKeys, sessIPs, sessTactics = map[string]bool{}, map[string]bool{}, map[string]bool{}
		}
		sess.End = r.Time
		sess.EventCount++
		if r.Key != "" {
			sessKeys[r.Key] = true
		}
		if cloudtrail.Address(r.IP) {
			sessIPs[r.IP] = true
		}
		if cloudtrail.Denied(r.ErrorCode) {
			sess.Denied++
		}
		tech := inv.cat.Classify(r.Source, r.Name)
		tactic := tacticName(tech.Tactic)
		if tactic != "" {
			sessTactics[tactic] = true
		}
		res := ""
		if r.obj != nil {
			res = r.obj.resource()
		} else {
			res = resourceOf(r)
		}
		a := event.Action{
			EventTime: r.Time, EventID: r.ID, EventName: r.Name, EventSource: r.Source, PrincipalARN: r.ARN,
			AccessKeyID: r.Key, SourceIP: r.IP, AWSRegion: r.Region, ErrorCode: r.ErrorCode, UserAgent: r.UserAgent,
			Tactic: tactic, Technique: strings.TrimSpace(tech.TechniqueID + " " + strings.TrimPrefix(tech.Technique, tech.TechniqueID)),
			Resource: res, Session: sess.Number,
		}
		if r.obj != nil {
			a.Log = LogS3Access
		}
		c.Actions = append(c.Actions, a)

		if r.IP != "" {
			ia := ips[r.IP]
			if ia == nil {
				ia = &ipAgg{uas: map[string]bool{}, first: r.Time}
				ips[r.IP] = ia
				ipOrder = append(ipOrder, r.IP)
			}
			ia.n++
			ia.last = r.Time
			if r.UserAgent != "" {
				ia.uas[r.UserAgent] = true
			}
		}
		if r.obj != nil && r.obj.action != "" {
			// An object read, written or deleted, seen in the bucket's
			// access log: one entry per object and call.
			k := daKey{res, "S3 object", r.Name, true}
			d := data[k]
			if d == nil {
				d = &event.DataAccess{Resource: res, EventName: r.Name, FirstSeen: r.Time}
				data[k] = d
				dataOrder = append(dataOrder, k)
			}
			d.LastSeen = r.Time
			addObjectAccess(d, r)
		} else if kind, ok := inv.cat.DataAccess(r.Source, r.Name); ok && r.obj == nil {
			k := daKey{res, kind, r.Name, false}
			d := data[k]
			if d == nil {
				d = &event.DataAccess{Resource: res, Kind: kind, EventName: r.Name, FirstSeen: r.Time}
				data[k] = d
				dataOrder = append(dataOrder, k)
			}
			d.LastSeen = r.Time
			if r.ErrorCode != "" {
				d.Denied++
			} else {
				d.Count++
				d.Bytes += int64(jsonNumber(r.Additional, "bytesTransferredOut"))
			}
		}
		if inv.cat.IsWrite(r.Name, r.ReadOnly) {
			svc := strings.TrimSuffix(r.Source, ".amazonaws.com")
			k := chKey{svc, res}
			ch := changes[k]
			if ch == nil {
				ch = &event.Change{Service: svc, Resource: res}
				changes[k] = ch
				chOrder = append(chOrder, k)
			}
			ch.Count++
			if r.ErrorCode != "" {
				ch.Denied++
			}
			if !slices.Contains(ch.EventNames, r.Name) {
				ch.EventNames = append(ch.EventNames, r.Name)
			}
		}
		if _, ok := inv.cat.DefenseEvasion(r.Source, r.Name); ok {
			c.DefenseEvasion = append(c.DefenseEvasion, a)
		}
		if kind, ok := inv.cat.Persistence(r.Source, r.Name); ok && r.ErrorCode == "" {
			pres := res
			if k := jsonPath(r.Response, "accessKey", "accessKeyId"); k != "" {
				pres = "access key " + k + " of " + res
			}
			c.Persistence = append(c.Persistence, event.Persistence{
				Kind: kind, Resource: pres, EventID: r.ID, EventName: r.Name, EventTime: r.Time, CreatedBy: orLabel(r.ARN, r.Key),
			})
		}
	}
	closeSession()
	c.ConsoleActions = groupConsole(c.Actions, inv.uaClass)
	c.Accounts, c.Regions = sortedKeys(accounts), sortedKeys(regions)
	for _, ip := range ipOrder {
		ia := ips[ip]
		c.SourceIPs = append(c.SourceIPs, event.SourceIP{IP: ip, EventCount: ia.n, UserAgents: sortedKeys(ia.uas), FirstSeen: ia.first, LastSeen: ia.last})
	}
	sort.SliceStable(c.SourceIPs, func(i, j int) bool { return c.SourceIPs[i].EventCount > c.SourceIPs[j].EventCount })
	for _, k := range dataOrder {
		c.DataAccessed = append(c.DataAccessed, *data[k])
	}
	for _, k := range chOrder {
		c.Changes = append(c.Changes, *changes[k])
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
