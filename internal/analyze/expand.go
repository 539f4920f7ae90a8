package analyze

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// expand follows the attacker's credentials to everything derived from
// them: temporary credentials they obtained, access keys they created, the
// users they created or whose console password they set (and those users'
// keys and console sessions), and sessions of roles whose trust policy they
// changed. It repeats until nothing new appears.
func (inv *investigation) expand() error {
	if err := inv.loadGrants(); err != nil {
		return err
	}
	if _, err := inv.loadFedGrants(); err != nil {
		return err
	}
	for round := 0; round < maxExpandRounds; round++ {
		added, err := inv.expandRound()
		if err != nil {
			return err
		}
		if len(added) == 0 {
			// Roles opened in this round may have federated sessions.
			more, err := inv.loadFedGrants()
			if err != nil {
				return err
			}
			if !more {
				return nil
			}
			continue
		}
		if err := inv.addDerivedEvents(added); err != nil {
			return err
		}
	}
	inv.notes = append(inv.notes, fmt.Sprintf("credential expansion stopped after %d rounds", maxExpandRounds))
	return nil
}

// usersRows reads the calls the IAM users names made from since on: by
// user name, then by ARN. Two queries, not one OR: DuckDB tests a condition
// on one column inside its scan, before it reads the other columns, but a
// condition over two after reading every column of every row. For a
// user's 7 calls among 5 M events, the OR took 1.56 s and either half
// 0.17-0.22 s.
func (inv *investigation) usersRows(since time.Time, names []string) ([]row, error) {
	var out []row
	seen := map[string]bool{}
	for _, cond := range []string{"list_contains(?, user_name)", "list_contains(?, regexp_extract(user_arn, '[^/]+$'))"} {
		rows, err := query(inv.ctx, inv.db, inv.f, "event_time >= ? AND identity_type = 'IAMUser' AND "+cond, since, names)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	sortRows(out)
	return out, nil
}

// maxExpandRounds bounds expand: each round follows one more step of the
// credential chain.
const maxExpandRounds = 20

// expandRound follows every grant once, then the credentials of the users
// and workloads the attacker opened; it returns the credentials new in
// this round.
func (inv *investigation) expandRound() ([]*cred, error) {
	var added []*cred
	for _, g := range inv.grant {
		var c *cred
		if _, ok := inv.attacker[g.ev.ID]; ok {
			c = inv.followGrant(g)
		} else {
			c = inv.openedRoleSession(g)
		}
		if c != nil {
			added = append(added, c)
		}
	}
	users, err := inv.userCredentials()
	if err != nil {
		return nil, err
	}
	added = append(added, users...)
	workloads, err := inv.workloadCredentials()
	if err != nil {
		return nil, err
	}
	return append(added, workloads...), nil
}

// followGrant records what one of the attacker's grants made: a
// credential (returned if new), or a user or role opened for later rounds.
func (inv *investigation) followGrant(g grant) *cred {
	switch g.kind {
	case "temporary", "access_key":
		reason := "temporary credentials obtained with an attacker credential"
		if g.kind == "access_key" {
			reason = fmt.Sprintf("access key created by the attacker for user %s", g.target)
		}
		c := &cred{key: g.newKey, arn: g.newARN, derivedFrom: g.ev.Key, how: g.ev.Name, reason: reason}
		if inv.addCred(c) {
			inv.edge(g, c)
			return c
		}
	case "user", "login_profile":
		if _, ok := inv.users[g.target]; !ok && g.target != "" {
			inv.users[g.target] = g
		}
	case "trust_policy":
		if _, ok := inv.roles[g.target]; !ok && g.target != "" {
			inv.roles[g.target] = g
		}
	}
	return nil
}

// openedRoleSession returns the session, if new, that someone else's grant
// g opened on a role whose trust policy the attacker had changed to let
// them in: grants by others still matter when they use such a role.
func (inv *investigation) openedRoleSession(g grant) *cred {
	if g.kind != "temporary" {
		return nil
	}
	tg, ok := inv.roles[roleOf(g.target)]
	if !ok || !g.ev.Time.After(tg.ev.Time) || g.newKey == "" || !inv.newAssumer(g, tg) {
		return nil
	}
	c := &cred{key: g.newKey, arn: g.newARN, derivedFrom: g.ev.Key, how: g.ev.Name,
		reason: fmt.Sprintf("session of role %s, whose trust policy the attacker changed at %s", roleOf(g.target), tg.ev.Time.Format("2006-01-02T15:04:05Z"))}
	if !inv.addCred(c) {
		return nil
	}
	inv.addEvents(g.ev)
	inv.edge(g, c)
	return c
}

// addDerivedEvents makes everything the derived credentials (with an
// access key) did the attacker's.
func (inv *investigation) addDerivedEvents(added []*cred) error {
	var keys []string
	for _, c := range added {
		if !isConsole(c.key) {
			keys = append(keys, c.key)
		}
	}
	cond, args := inList("access_key_id", keys)
	rows, err := query(inv.ctx, inv.db, inv.f, cond, args...)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if c := inv.creds[r.Key]; c != nil {
			c.events = append(c.events, r)
			if c.arn == "" {
				c.arn = r.ARN
			}
			inv.addEvents(r)
		}
	}
	return nil
}

// userCredentials finds the keys and console sessions of users the
// attacker created or set a console password for, from that moment on.
func (inv *investigation) userCredentials() ([]*cred, error) {
	var names []string
	for u := range inv.users {
		names = append(names, u)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, nil
	}
	// One pass over the events for the users not read yet (expansion runs
	// in rounds; a scan per user per round is seconds on a large case),
	// then each user's rows from its grant on.
	var fresh []string
	for _, u := range names {
		if _, ok := inv.userRows[u]; !ok {
			fresh = append(fresh, u)
		}
	}
	if len(fresh) > 0 {
		since := inv.users[fresh[0]].ev.Time
		for _, u := range fresh {
			since = minTime(since, inv.users[u].ev.Time)
		}
		all, err := inv.usersRows(since, fresh)
		if err != nil {
			return nil, err
		}
		for _, u := range fresh {
			inv.userRows[u] = nil
			for _, r := range all {
				if !r.Time.Before(inv.users[u].ev.Time) && (userOf(r.ARN) == u || r.UserName == u) {
					inv.userRows[u] = append(inv.userRows[u], r)
				}
			}
		}
	}
	var added []*cred
	for _, u := range names {
		g := inv.users[u]
		for _, r := range inv.userRows[u] {
			if r.Time.Before(g.ev.Time) || (userOf(r.ARN) != u && r.UserName != u) {
				continue
			}
			key := credKey(r)
			how := "used by user " + u
			if r.Name == "ConsoleLogin" {
				how = "ConsoleLogin"
			}
			c := inv.creds[key]
			if c == nil {
				reason := fmt.Sprintf("credential of user %s, created by the attacker", u)
				if g.kind == "login_profile" {
					reason = fmt.Sprintf("credential of user %s, whose console password the attacker set", u)
				}
				if isConsole(key) {
					reason = fmt.Sprintf("console sign-in of user %s (MFA used: %s)", u, orDash(jsonPath(r.Additional, "MFAUsed")))
				}
				c = &cred{key: key, arn: r.ARN, derivedFrom: g.ev.Key, how: how, reason: reason}
				if r.Name == "ConsoleLogin" {
					c.mfa = jsonPath(r.Additional, "MFAUsed")
				}
				inv.addCred(c)
				inv.edge(g, c)
				if !isConsole(key) {
					added = append(added, c)
				}
			}
			if _, seen := inv.attacker[r.ID]; !seen {
				c.events = append(c.events, r)
				inv.addEvents(r)
			}
		}
	}
	return added, nil
}

func orDash(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func (inv *investigation) edge(g grant, c *cred) {
	inv.chain = append(inv.chain, event.ChainEdge{
		From: g.ev.Key, To: c.key, How: g.ev.Name, EventID: g.ev.ID, EventTime: g.ev.Time,
		SourceIP: g.ev.IP, Account: g.ev.Account, PrincipalARN: c.arn,
	})
}

// isConsole reports whether a credential stands for activity that carries
// no access key: a console sign-in, an anonymous or service call.
func isConsole(key string) bool { return strings.Contains(key, ":") }

// credKey names the credential of an event: its access key, or for
// keyless events (console sign-ins, anonymous and cross-account calls)
// "console:<arn>@<ip>" or "<identity type>:<principal>@<ip>".
func credKey(r row) string {
	switch {
	case r.Key != "":
		return r.Key
	case r.Name == "ConsoleLogin":
		return "console:" + r.ARN + "@" + r.IP
	case r.ARN != "":
		return strings.ToLower(r.Type) + ":" + r.ARN + "@" + r.IP
	}
	t := r.Type
	if t == "" {
		t = "unknown"
	}
	return strings.ToLower(t) + ":anonymous@" + r.IP
}

// newAssumer reports whether g's caller had not assumed the role before its
// trust policy was changed (tg): the sessions the change made possible.
func (inv *investigation) newAssumer(g, tg grant) bool {
	caller := func(x grant) string {
		if x.ev.ARN != "" {
			return x.ev.ARN
		}
		return x.ev.Account + "|" + x.ev.IP
	}
	for _, o := range inv.grant {
		if o.kind == "temporary" && roleOf(o.target) == roleOf(g.target) && o.ev.Time.Before(tg.ev.Time) && caller(o) == caller(g) {
			return false
		}
	}
	return true
}

// creatorWindow is how long before an attacker first used a credential its
// creation still counts as part of the attack (see widen).
const creatorWindow = 72 * time.Hour

// widen looks, for every identity the attacker's events act as and every
// identity that produced one of the attacker's credentials, at its other
// uses: an identity the attacker used once is likely used again from the
// attacker's networks (rotated Tor exits, VPS addresses, a rotated instance
// credential); and an unusual use that created a credential shortly before
// the attacker used it, and that nobody else used, is part of the attack
// (an insider minting a key for a service user, then using it from a VPN).
func (inv *investigation) widen() error {
	ids := map[string]bool{}
	firstUse := map[string]time.Time{} // attacker key → first attacker use
	for _, r := range inv.attacker {
		if r.Identity != "" && r.Type != "AWSService" {
			ids[r.Identity] = true
		}
		if r.Key != "" && !r.Time.IsZero() {
			firstUse[r.Key] = minTime(firstUse[r.Key], r.Time)
		}
	}
	for _, g := range inv.grant {
		if _, ok := firstUse[g.newKey]; ok && g.newKey != "" && g.ev.Identity != "" {
			ids[g.ev.Identity] = true
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := inv.judgeMade(ids, firstUse); err != nil {
		return err
	}
	list := slices.Sorted(maps.Keys(ids))
	cond := "(list_contains(?, user_arn) OR list_contains(?, session_issuer_arn) OR user_arn IS NULL) AND list_contains(?, " + identitySQL + ")"
	args := []any{list, list, list}
	uses, _, err := inv.loadUses(cond, args...)
	if err != nil {
		return fmt.Errorf("widening to the attacker's identities: %w", err)
	}
	for _, g := range inv.grant {
		t, ok := firstUse[g.newKey]
		if !ok || g.newKey == "" || g.ev.Time.After(t) || t.Sub(g.ev.Time) > creatorWindow {
			continue
		}
		u := uses[inv.keyOf(g.ev)]
		if u == nil || u.verdict == verdictAttacker {
			continue
		}
		if u.verdict == verdictOwner || u.routine {
			// A routine use made it: the call itself is the attacker's
			// (it made their credential), the rest of the use is not.
			inv.addUseRows(fmt.Sprintf("made %s (%s at %s), which only the attacker used, from %s on", g.newKey, g.ev.Name, stampOf(g.ev.Time), stampOf(t)),
				"made the attacker's credential", []row{g.ev})
			continue
		}
		if slices.ContainsFunc(sortedUseKeys(uses), func(k useKey) bool {
			o := uses[k]
			return o != u && o.verdict != verdictAttacker && slices.Contains(o.keys, g.newKey)
		}) {
			continue // someone else used the credential too
		}
		u.add(clue{kind: "lineage", at: g.ev.Time, text: fmt.Sprintf("made %s (%s at %s), which only the attacker used, from %s on",
			g.newKey, g.ev.Name, stampOf(g.ev.Time), stampOf(t))})
		u.decide()
	}
	return inv.seedUses(uses, func(u *use) bool { return u.verdict == verdictAttacker }, "same identity", cond, args...)
}

// workloadCredentials finds the role sessions of compute the attacker
// created or changed: a Lambda function they created or whose code or role
// they changed runs as the attacker (its sessions are named after the
// function), and so does an instance they launched with a role (its
// sessions are named after the instance). Those sessions' keys, from that
// moment on, are the attacker's.
func (inv *investigation) workloadCredentials() ([]*cred, error) {
	found := inv.attackerWorkloads()
	var fresh []string
	for n := range found {
		if !inv.workloads[n] {
			inv.workloads[n] = true
			fresh = append(fresh, n)
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	sort.Strings(fresh)
	// The session name is the last part of an assumed-role ARN.
	rows, err := query(inv.ctx, inv.db, inv.f, "identity_type = 'AssumedRole' AND list_contains(?, regexp_extract(user_arn, '[^/]+$'))", fresh)
	if err != nil {
		return nil, err
	}
	var added []*cred
	for _, r := range rows {
		w, ok := found[lastSegment(r.ARN)]
		if !ok || r.Time.Before(w.since) || r.Key == "" {
			continue
		}
		c := inv.creds[r.Key]
		if c == nil {
			c = &cred{key: r.Key, arn: r.ARN, derivedFrom: w.ev.Key, how: "session of " + lastSegment(r.ARN),
				reason: fmt.Sprintf("session of %s, which the attacker made run their code (%s at %s)", lastSegment(r.ARN), w.how, stampOf(w.since))}
			inv.addCred(c)
			inv.edge(grant{ev: w.ev}, c)
			added = append(added, c)
		}
	}
	if err := inv.addIssuingCalls(added); err != nil {
		return nil, err
	}
	return added, nil
}

// workload is compute the attacker made run their code, since when and by
// which call.
type workload struct {
	since time.Time
	how   string
	ev    row
}

// attackerWorkloads are the Lambda functions the attacker created or
// changed and the instances they launched with a role, by the session
// name their role sessions carry, each from the attacker's first such call.
func (inv *investigation) attackerWorkloads() map[string]workload {
	found := map[string]workload{}
	for _, r := range inv.attacker {
		if r.ErrorCode != "" {
			continue
		}
		var names []string
		switch r.Name {
		case "CreateFunction20150331", "CreateFunction", "UpdateFunctionCode20150331v2", "UpdateFunctionCode",
			"UpdateFunctionConfiguration20150331v2", "UpdateFunctionConfiguration":
			if n := jsonPath(r.Request, "functionName"); n != "" {
				names = append(names, lastSegment(n))
			}
		case "RunInstances":
			if strings.Contains(r.Request, "iamInstanceProfile") {
				names = append(names, instanceIDs(r.Response)...)
			}
		}
		for _, n := range names {
			if w, ok := found[n]; !ok || r.Time.Before(w.since) {
				found[n] = workload{since: r.Time, how: r.Name, ev: r}
			}
		}
	}
	return found
}

// addIssuingCalls adds the AssumeRole calls by which a service issued the
// workloads' sessions (added): part of what the attacker's compute did.
func (inv *investigation) addIssuingCalls(added []*cred) error {
	var keys []string
	for _, c := range added {
		keys = append(keys, c.key)
	}
	if len(keys) == 0 {
		return nil
	}
	issued, err := query(inv.ctx, inv.db, inv.f, `event_name = 'AssumeRole' AND identity_type = 'AWSService'
			AND list_contains(?, `+issuedKeySQL+`)`, keys)
	if err != nil {
		return err
	}
	for _, r := range issued {
		if c := inv.creds[jsonPath(r.Response, "credentials", "accessKeyId")]; c != nil {
			if _, seen := inv.attacker[r.ID]; !seen {
				c.events = append(c.events, r)
				inv.addEvents(r)
			}
		}
	}
	return nil
}

// lastSegment is what follows the last ':' or '/' (a function's name in
// its ARN, a session name in an assumed-role ARN).
func lastSegment(s string) string {
	if i := strings.LastIndexAny(s, ":/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// instanceIDs reads the instance ids of a RunInstances response.
func instanceIDs(resp string) []string {
	var r struct {
		InstancesSet struct {
			Items []struct {
				InstanceID string `json:"instanceId"`
			} `json:"items"`
		} `json:"instancesSet"`
	}
	if jsonUnmarshal(resp, &r) != nil {
		return nil
	}
	var out []string
	for _, it := range r.InstancesSet.Items {
		if it.InstanceID != "" {
			out = append(out, it.InstanceID)
		}
	}
	return out
}

// judgeMade looks at the credentials the attacker's identities made for
// others, even from their routine uses (an insider minting a key for a
// service user from their everyday CLI): a credential whose own use shows
// an attacker is the attacker's, and so is the call that made it.
// firstUse gains those credentials.
func (inv *investigation) judgeMade(ids map[string]bool, firstUse map[string]time.Time) error {
	var keys []string
	made := map[string]grant{}
	for _, g := range inv.grant {
		if g.kind != "access_key" || g.newKey == "" || !ids[g.ev.Identity] {
			continue
		}
		if _, ok := firstUse[g.newKey]; ok {
			continue
		}
		if _, ok := made[g.newKey]; !ok {
			keys = append(keys, g.newKey)
			made[g.newKey] = g
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	cond, args := inList("access_key_id", keys)
	uses, _, err := inv.loadUses(cond, args...)
	if err != nil {
		return fmt.Errorf("judging the credentials the attacker's identities made: %w", err)
	}
	if err := inv.seedUses(uses, func(u *use) bool { return u.verdict == verdictAttacker }, "made by the attacker's identity", cond, args...); err != nil {
		return err
	}
	for _, r := range inv.attacker {
		if _, ok := made[r.Key]; ok && !r.Time.IsZero() {
			firstUse[r.Key] = minTime(firstUse[r.Key], r.Time)
		}
	}
	return nil
}
