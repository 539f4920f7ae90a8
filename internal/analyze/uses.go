package analyze

import (
	"cmp"
	"database/sql"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// useKey names a use: an identity, a source address and a tool — one
// actor's activity (an insider's rclone session from home is not their
// everyday CLI from the same address).
type useKey struct{ identity, ip, tool string }

func (inv *investigation) keyOf(r row) useKey {
	return useKey{r.Identity, r.IP, toolOf(inv.uaClass(r.UserAgent))}
}

// humanCond leaves out AWS services acting for the account: they hold no
// stolen credential and make a fifth of a busy trail.
const humanCond = "coalesce(identity_type, '') <> 'AWSService'"

// loadUses reads and judges the uses of the events in scope that cond
// selects ("true" for all): what they did, then the history of their
// identities, addresses and tools over the whole place scope.
func (inv *investigation) loadUses(cond string, args ...any) (map[useKey]*use, *history, error) {
	t := time.Now()
	lap := func(step string) {
		inv.log.Debug("attribution step", "step", step, "seconds", time.Since(t).Seconds())
		t = time.Now()
	}
	uses, err := inv.useAggregates(cond, args)
	if err != nil {
		return nil, nil, err
	}
	lap("uses")
	if len(uses) == 0 {
		return uses, &history{}, nil
	}
	h, err := inv.history(uses, cond == "true")
	if err != nil {
		return nil, nil, err
	}
	lap("history")
	if err := inv.useLogging(uses, cond, args); err != nil {
		return nil, nil, err
	}
	lap("logging")
	if err := inv.useHits(uses, cond, args); err != nil {
		return nil, nil, err
	}
	if err := inv.useLogHits(uses); err != nil {
		return nil, nil, err
	}
	lap("detections")
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		u.signIns = nil
		for _, s := range h.signIns[u.identity] {
			if u.tool == "console" && s.ip == u.ip && !s.t.Before(u.first) && !s.t.After(u.last) {
				u.signIns = append(u.signIns, s)
			}
		}
		u.addTooling()
		u.addHits()
		h.judge(u)
	}
	if err := inv.useRoaming(uses, h); err != nil {
		return nil, nil, err
	}
	lap("roaming")
	hops(uses)
	afterSign(uses, h)
	sharedTool(uses, h)
	return uses, h, nil
}

func sortedUseKeys(m map[useKey]*use) []useKey {
	out := make([]useKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b useKey) int {
		return cmp.Or(strings.Compare(a.identity, b.identity), strings.Compare(a.ip, b.ip), strings.Compare(a.tool, b.tool))
	})
	return out
}

// useRows reads the events of one use among those cond selects.
func (inv *investigation) useRows(k useKey, cond string, args ...any) ([]row, error) {
	rows, err := query(inv.ctx, inv.db, inv.f, "("+cond+") AND "+humanCond+" AND "+identitySQL+" = ? AND coalesce(source_ip, '') = ?",
		append(slices.Clone(args), k.identity, k.ip)...)
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if inv.keyOf(r) == k {
			out = append(out, r)
		}
	}
	return out, nil
}

// scoped is the window and place filter plus cond, with their arguments.
func (inv *investigation) scoped(cond string, args []any) (string, []any) {
	return "(" + inv.f.where + ") AND (" + cond + ") AND " + humanCond, append(slices.Clone(inv.f.args), args...)
}

// useAggregates counts each use's events, denials and keys. Rows come by
// user agent and are folded into tools here: one classifier, in Go.
func (inv *investigation) useAggregates(cond string, args []any) (map[useKey]*use, error) {
	where, wargs := inv.scoped(cond, args)
	denied := cloudtrail.DeniedSQL("error_code")
	q := `SELECT identity, ip, ua, arg_min(recipient_account_id, event_time), min(event_time), max(event_time), count(*),
			count(*) FILTER (WHERE ` + denied + `),
			coalesce(list(DISTINCT event_name) FILTER (WHERE ` + denied + `), []),
			coalesce(list(DISTINCT access_key_id) FILTER (WHERE regexp_matches(access_key_id, '` + cloudtrail.AccessKeyIDPattern + `')), [])
		FROM (SELECT ` + identitySQL + ` AS identity, coalesce(source_ip, '') AS ip, coalesce(user_agent, '') AS ua, * FROM events WHERE ` + where + `)
		GROUP BY identity, ip, ua`
	rows, err := inv.db.QueryContext(inv.ctx, q, wargs...)
	if err != nil {
		return nil, fmt.Errorf("attribution: reading uses: %w", err)
	}
	defer rows.Close()
	uses := map[useKey]*use{}
	deniedAPIs := map[useKey]map[string]bool{}
	for rows.Next() {
		var a uaAggregate
		if err := rows.Scan(&a.id, &a.ip, &a.ua, &a.acct, &a.first, &a.last, &a.n, &a.nDenied, &a.names, &a.keys); err != nil {
			return nil, fmt.Errorf("attribution: reading uses: %w", err)
		}
		inv.foldUserAgent(uses, deniedAPIs, a)
	}
	for k, u := range uses {
		u.deniedAPIs = len(deniedAPIs[k])
		slices.Sort(u.keys)
	}
	return uses, rows.Err()
}

// uaAggregate is one row of useAggregates: the calls of an identity from
// an address with one user agent.
type uaAggregate struct {
	id, ip, ua  string
	acct        *string // the account of the first call
	first, last sql.NullTime
	n, nDenied  int
	names, keys []any // denied APIs; valid access key ids
}

// foldUserAgent adds a user agent's calls to their use (made on first
// sight), and their denied APIs to the use's set in deniedAPIs.
func (inv *investigation) foldUserAgent(uses map[useKey]*use, deniedAPIs map[useKey]map[string]bool, a uaAggregate) {
	c := inv.uaClass(a.ua)
	k := useKey{a.id, a.ip, toolOf(c)}
	u := uses[k]
	if u == nil {
		u = &use{identity: a.id, ip: a.ip, tool: k.tool, families: map[string]string{}, hits: map[string]*ruleHit{}, benign: map[string]int{}}
		uses[k] = u
		deniedAPIs[k] = map[string]bool{}
	}
	if k.tool != "" {
		if _, ok := u.families[k.tool]; !ok {
			u.families[k.tool] = a.ua
		}
	}
	// Events without a time (old or damaged records) are counted; no
	// statement about time covers them.
	if a.first.Valid && (u.first.IsZero() || a.first.Time.Before(u.first)) {
		u.first = a.first.Time.UTC()
		if a.acct != nil {
			u.account = *a.acct
		}
	}
	if a.last.Valid && a.last.Time.After(u.last) {
		u.last = a.last.Time.UTC()
	}
	if u.account == "" && a.acct != nil {
		u.account = *a.acct
	}
	u.events += a.n
	u.denied += a.nDenied
	for _, x := range a.names {
		if s, ok := x.(string); ok {
			deniedAPIs[k][s] = true
		}
	}
	for _, x := range a.keys {
		if s, ok := x.(string); ok && !slices.Contains(u.keys, s) {
			u.keys = append(u.keys, s)
		}
	}
	switch {
	case c.Auditing():
		u.auditing += a.n
		u.auditTool = c.Name
	case c.Kind == useragent.Offensive:
		u.offensive += a.n
		if u.offensiveTool == "" || c.Name < u.offensiveTool {
			u.offensiveTool = c.Name
		}
	}
}

// history reads, over the place scope and all time, when each identity of
// uses first acted, from which addresses and with which tools, when each
// address was first seen per account, and the identities' console
// sign-ins. With all set (triage), every identity is read at once. What is
// read per identity is kept for the investigation (idHistory): the steps
// judge uses of mostly the same identities, and each read scans the case.
func (inv *investigation) history(uses map[useKey]*use, all bool) (*history, error) {
	c := inv.idHist
	if c == nil || (all && !c.all) {
		// Everything read again from scratch: the maps are filled by
		// appending, so no identity may be read twice into them.
		c = newIDHistory()
		inv.idHist = c
	}
	ids := useIdentities(uses)
	var missing []string
	for _, id := range ids {
		if !c.all && !c.read[id] {
			missing = append(missing, id)
		}
	}
	if all && !c.all || len(missing) > 0 {
		where, wargs := inv.historyScope(missing, all)
		if err := inv.readHistory(c, where, wargs); err != nil {
			return nil, err
		}
		c.all = all
		for _, id := range missing {
			c.read[id] = true
		}
	}
	h := c.view(ids, all)
	for k, u := range uses {
		u.histFirst = c.useFirst[k]
		if u.histFirst.IsZero() {
			u.histFirst = u.first
		}
	}
	if err := inv.addAccountHistory(h); err != nil {
		return nil, err
	}
	indexIdentities(h, inv.network)
	return h, nil
}

// idHistory is what history read per identity: when each first acted, from
// which addresses and tools, its console sign-ins and its events by hour.
type idHistory struct {
	all      bool            // every identity in scope is read
	read     map[string]bool // the identities read
	h        *history        // identityFirst, ipFirst, famFirst, signIns, idHours
	useFirst map[useKey]time.Time
}

func newIDHistory() *idHistory {
	return &idHistory{read: map[string]bool{}, useFirst: map[useKey]time.Time{},
		h: &history{identityFirst: map[string]time.Time{}, ipFirst: map[[2]string]time.Time{}, famFirst: map[[2]string]time.Time{},
			signIns: map[string][]signIn{}, idHours: map[string]*hourly{}}}
}

// view is a history of ids alone (all: of every identity read), as a read
// of just them would give: what is judged must not depend on what earlier
// steps read (sharedTool counts the identities that used a tool).
func (c *idHistory) view(ids []string, all bool) *history {
	if all {
		return &history{identityFirst: c.h.identityFirst, ipFirst: c.h.ipFirst, famFirst: c.h.famFirst,
			signIns: c.h.signIns, idHours: c.h.idHours}
	}
	keep := map[string]bool{}
	for _, id := range ids {
		keep[id] = true
	}
	h := &history{identityFirst: map[string]time.Time{}, ipFirst: map[[2]string]time.Time{}, famFirst: map[[2]string]time.Time{},
		signIns: map[string][]signIn{}, idHours: map[string]*hourly{}}
	for id, t := range c.h.identityFirst {
		if keep[id] {
			h.identityFirst[id] = t
		}
	}
	for k, t := range c.h.ipFirst {
		if keep[k[0]] {
			h.ipFirst[k] = t
		}
	}
	for k, t := range c.h.famFirst {
		if keep[k[0]] {
			h.famFirst[k] = t
		}
	}
	for id := range keep {
		if s, ok := c.h.signIns[id]; ok {
			h.signIns[id] = s
		}
		if x, ok := c.h.idHours[id]; ok {
			h.idHours[id] = x
		}
	}
	return h
}

// readHistory reads the history of the identities where selects into c.
func (inv *investigation) readHistory(c *idHistory, where string, wargs []any) error {
	if err := inv.readFirsts(c.h, c.useFirst, where, wargs); err != nil {
		return err
	}
	inv.log.Debug("attribution history", "part", "identities")
	// How much history lay before each moment, per identity.
	q := `SELECT ` + identitySQL + `, ` + hourSQL + ` AS hr, count(*) FROM events
			WHERE ` + where + ` AND event_time IS NOT NULL GROUP BY ALL ORDER BY 1, 2`
	if err := scanHourly(inv, q, wargs, c.h.idHours); err != nil {
		return fmt.Errorf("attribution: counting history: %w", err)
	}
	return inv.readSignIns(c.h, where, wargs)
}

// useIdentities lists the identities of uses, sorted.
func useIdentities(uses map[useKey]*use) []string {
	idSet := map[string]bool{}
	for k := range uses {
		idSet[k.identity] = true
	}
	return slices.Sorted(maps.Keys(idSet))
}

// historyScope is the filter of history's queries: the place scope, no
// AWS service, and (unless all) the identities ids.
func (inv *investigation) historyScope(ids []string, all bool) (string, []any) {
	pf := inv.opts.placeFilter()
	idCond, idArgs := "true", []any(nil)
	if !all {
		// The identity is one of these columns (or, for keyless callers,
		// built from the type): test them first, the CASE only on matches.
		idCond = "(list_contains(?, user_arn) OR list_contains(?, session_issuer_arn) OR user_arn IS NULL) AND list_contains(?, " + identitySQL + ")"
		idArgs = []any{ids, ids, ids}
	}
	return "(" + pf.where + ") AND " + humanCond + " AND " + idCond, append(slices.Clone(pf.args), idArgs...)
}

// readFirsts fills when each identity, each of its addresses and each of
// its tools was first seen, and when each use was (useFirst).
func (inv *investigation) readFirsts(h *history, useFirst map[useKey]time.Time, where string, wargs []any) error {
	q := `SELECT identity, ip, ua, min(event_time) FROM (SELECT ` + identitySQL + ` AS identity, coalesce(source_ip, '') AS ip,
			coalesce(user_agent, '') AS ua, event_time FROM events WHERE ` + where + `)
		GROUP BY identity, ip, ua`
	rows, err := inv.db.QueryContext(inv.ctx, q, wargs...)
	if err != nil {
		return fmt.Errorf("attribution: reading history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, ip, ua string
		var nt sql.NullTime
		if err := rows.Scan(&id, &ip, &ua, &nt); err != nil {
			return fmt.Errorf("attribution: reading history: %w", err)
		}
		if !nt.Valid {
			continue
		}
		t := nt.Time.UTC()
		h.identityFirst[id] = minTime(h.identityFirst[id], t)
		ik := [2]string{id, ip}
		h.ipFirst[ik] = minTime(h.ipFirst[ik], t)
		tool := toolOf(inv.uaClass(ua))
		if tool != "" {
			k := [2]string{id, tool}
			h.famFirst[k] = minTime(h.famFirst[k], t)
		}
		uk := useKey{id, ip, tool}
		useFirst[uk] = minTime(useFirst[uk], t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("attribution: reading history: %w", err)
	}
	return nil
}

// addAccountHistory copies the accounts' history (read once per
// investigation) into h, with when each network was first seen anywhere.
func (inv *investigation) addAccountHistory(h *history) error {
	acct, err := inv.accountHistory()
	if err != nil {
		return err
	}
	h.acctFirst, h.orgFirst, h.acctHours = acct.first, acct.orgFirst, acct.hours
	h.acctIPFirst, h.orgIPFirst, h.acctNetFirst = acct.ipFirst, acct.orgIPFirst, acct.netFirst
	h.orgNetFirst = map[string]time.Time{}
	for k, t := range acct.netFirst {
		h.orgNetFirst[k[1]] = minTime(h.orgNetFirst[k[1]], t)
	}
	h.network = inv.network
	return nil
}

// indexIdentities lists, per identity, the addresses, networks and tools
// it ever used, and when it first used each network.
func indexIdentities(h *history, network func(ip string) string) {
	h.idNetFirst, h.byID = map[[2]string]time.Time{}, map[string]*idIndex{}
	index := func(id string) *idIndex {
		x := h.byID[id]
		if x == nil {
			x = &idIndex{}
			h.byID[id] = x
		}
		return x
	}
	for k, t := range h.ipFirst {
		if cloudtrail.Address(k[1]) {
			index(k[0]).ips = append(index(k[0]).ips, k[1])
			nk := [2]string{k[0], network(k[1])}
			if _, ok := h.idNetFirst[nk]; !ok {
				index(k[0]).nets = append(index(k[0]).nets, nk[1])
			}
			h.idNetFirst[nk] = minTime(h.idNetFirst[nk], t)
		}
	}
	for k := range h.famFirst {
		index(k[0]).tools = append(index(k[0]).tools, k[1])
	}
}

// readSignIns reads the console sign-ins of the identities where selects,
// in time order. Their JSON fields come from a second query, of just those
// rows (by file): DuckDB reads a JSON column a vector at a time, so with
// the first query it read the responses of nearly every vector that held
// a ConsoleLogin, whoever made it — 0.3–0.5 s a time at 5 M events.
func (inv *investigation) readSignIns(h *history, where string, wargs []any) error {
	q := `SELECT ` + identitySQL + `, event_time, coalesce(source_ip, ''), error_code IS NULL, source_id, source_position
		FROM events WHERE ` + where + ` AND event_name = 'ConsoleLogin' AND event_time IS NOT NULL ORDER BY event_time`
	rows, err := inv.db.QueryContext(inv.ctx, q, wargs...)
	if err != nil {
		return fmt.Errorf("attribution: reading sign-ins: %w", err)
	}
	var ids []string
	var ins []signIn
	var where2 []srcPos
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			var id string
			var s signIn
			var a srcPos
			if err := rows.Scan(&id, &s.t, &s.ip, &s.success, &a.source, &a.pos); err != nil {
				return err
			}
			s.t = s.t.UTC()
			ids, ins, where2 = append(ids, id), append(ins, s), append(where2, a)
		}
		return rows.Err()
	}()
	if err != nil {
		return fmt.Errorf("attribution: reading sign-ins: %w", err)
	}
	type detail struct {
		mfa string
		ok  bool
	}
	details := map[srcPos]detail{}
	err = inv.byFiles(where2, `SELECT source_id, source_position, coalesce(json_extract_string(additional_event_data, '$.MFAUsed'), ''),
			coalesce(json_extract_string(response_elements, '$.ConsoleLogin'), 'Success') = 'Success'
		FROM events WHERE list_contains(?, source_id) AND event_name = 'ConsoleLogin'`, func(rows *sql.Rows) error {
		var a srcPos
		var d detail
		if err := rows.Scan(&a.source, &a.pos, &d.mfa, &d.ok); err != nil {
			return err
		}
		details[a] = d
		return nil
	})
	if err != nil {
		return fmt.Errorf("attribution: reading sign-ins: %w", err)
	}
	for i, s := range ins {
		d := details[where2[i]]
		s.mfa, s.success = d.mfa, s.success && d.ok
		h.signIns[ids[i]] = append(h.signIns[ids[i]], s)
	}
	return nil
}

// sharedTool links uses through a rare tool: when an attacker's use has a
// tool that at most rareTool identities of the account ever used (not an
// SDK or the CLI everyone uses, but rclone, a custom script, a scanner),
// another identity's use of that same tool, new to it and within a week,
// is the same hands (an insider pulling data at home with the tool they
// later use through a VPN).
func sharedTool(uses map[useKey]*use, h *history) {
	users := map[string]map[string]bool{} // tool → identities that ever used it
	for k := range h.famFirst {
		if users[k[1]] == nil {
			users[k[1]] = map[string]bool{}
		}
		users[k[1]][k[0]] = true
	}
	type mark struct {
		at time.Time
		ip string
	}
	attackerTool := map[string]mark{}
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		if u.verdict == verdictAttacker && commonTool(u.tool) == false && len(users[u.tool]) <= rareTool {
			if m, ok := attackerTool[u.tool]; !ok || u.histFirst.Before(m.at) {
				attackerTool[u.tool] = mark{u.histFirst, u.ip}
			}
		}
	}
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		m, ok := attackerTool[u.tool]
		if !ok || u.verdict == verdictAttacker || u.routine || absDuration(u.histFirst.Sub(m.at)) > hopWindow {
			continue
		}
		if f := h.famFirst[[2]string{u.identity, u.tool}]; f.Before(u.histFirst) {
			continue // the identity's own tool
		}
		u.add(clue{kind: "tool", points: weight.newTool, strong: true, at: u.histFirst,
			text: fmt.Sprintf("uses %s, the attacker's tool from %s, which no more than %d identities of the account ever used", u.tool, m.ip, rareTool)})
		u.decide()
	}
}

// rareTool is how many identities may share a tool for it to link uses.
const rareTool = 2

// commonTool reports whether a tool is one everybody uses (the AWS CLI, an
// SDK, the console, an IaC tool): sharing it links nothing.
func commonTool(tool string) bool {
	kind, _, _ := strings.Cut(tool, "/")
	switch kind {
	case "aws-cli", "sdk", "console", "iac", "empty", "":
		return true
	}
	return false
}

// hopWindow is how close in time two networks new to the account must
// first appear for one identity to count as hopping between them.
const hopWindow = 7 * 24 * time.Hour

// hops marks the uses of an identity that appeared from two or more
// networks the account had never used within hopWindow: people change
// addresses inside their provider's network, attackers change VPN exits.
func hops(uses map[useKey]*use) {
	byID := map[string][]*use{}
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		for _, c := range u.clues {
			if c.kind == "where" && c.newPlace && c.points >= weight.newNetwork {
				byID[u.identity] = append(byID[u.identity], u)
				break
			}
		}
	}
	for _, us := range byID {
		for _, u := range us {
			var others []string
			for _, o := range us {
				if o != u && o.ip != u.ip && absDuration(o.histFirst.Sub(u.histFirst)) <= hopWindow {
					others = append(others, o.ip)
				}
			}
			if len(others) == 0 {
				continue
			}
			slices.Sort(others)
			u.hopWith = slices.Compact(others)
			u.add(clue{kind: "hop", points: weight.hop, at: u.histFirst,
				text: fmt.Sprintf("this identity also appeared from %s, another network new to the account, within %d days", strings.Join(slices.Compact(others), ", "), int(hopWindow.Hours()/24))})
			u.decide()
		}
	}
}

// hopPartner is an attacker address among the hop partners of u, or "".
func hopPartner(u *use, attackerIPs map[[2]string]bool) string {
	for _, ip := range u.hopWith {
		if attackerIPs[[2]string{u.identity, ip}] {
			return ip
		}
	}
	return ""
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// afterSign looks again at an identity's other uses once one is the
// attacker's: an address it first used after that moment is the attacker's
// too when it is in a network the attacker used for this identity and the
// identity had not (Tor exits and VPS addresses rotate), or when it uses
// only tools the identity had never used before that moment (the attacker
// switching to a clean tool) — even where the identity's history is too
// short to call anything new on its own. A new address with the identity's
// usual tools in a network of its own stays its owner's (laptops and
// pipelines change addresses).
func afterSign(uses map[useKey]*use, h *history) {
	sign := map[string]time.Time{}
	attackerNets := map[[2]string]string{} // identity, network → an attacker address there
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		if u.verdict != verdictAttacker || hasKind(u.clues, "lineage") {
			continue
		}
		sign[u.identity] = minTime(sign[u.identity], u.histFirst)
		if cloudtrail.Address(u.ip) && !cloudtrail.PrivateAddress(u.ip) {
			nk := [2]string{u.identity, h.network(u.ip)}
			if _, ok := attackerNets[nk]; !ok {
				attackerNets[nk] = u.ip
			}
		}
	}
	attackerIPs := map[[2]string]bool{}   // identity, ip of its attacker uses
	attackerTools := map[[2]string]bool{} // identity, tool of its attacker uses
	for _, k := range sortedUseKeys(uses) {
		if u := uses[k]; u.verdict == verdictAttacker {
			attackerIPs[[2]string{u.identity, u.ip}] = true
			attackerTools[[2]string{u.identity, u.tool}] = true
		}
	}
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		t0, ok := sign[u.identity]
		if !ok || u.verdict == verdictAttacker || !cloudtrail.Address(u.ip) {
			continue
		}
		// A hop partner of the attacker's, before or after: the same hands
		// switching VPN exits.
		if partner := hopPartner(u, attackerIPs); partner != "" && (u.drawsAttention() || attackerTools[[2]string{u.identity, u.tool}]) {
			u.add(clue{kind: "where", points: weight.newNetwork, strong: true, newPlace: true, at: u.histFirst,
				text: fmt.Sprintf("%s and the attacker's %s are networks new to the account, used by this identity within days of each other", u.ip, partner)})
			u.decide()
			continue
		}
		if !u.histFirst.After(t0) {
			continue
		}
		net := h.network(u.ip)
		if other, ok := attackerNets[[2]string{u.identity, net}]; ok && !cloudtrail.PrivateAddress(u.ip) {
			// The identity's own first use of this network was the
			// attacker's, so the network is the attacker's.
			if first := h.idNetFirst[[2]string{u.identity, net}]; !first.Before(t0) {
				u.add(clue{kind: "where", points: weight.newNetwork, strong: true, newPlace: true, at: u.histFirst,
					text: fmt.Sprintf("%s is in %s, the network of the attacker's address %s for this identity, first used after the attacker's first use (%s)",
						u.ip, net, other, stampOf(t0))})
				u.decide()
				continue
			}
		}
		if len(u.families) == 0 || !h.identityFirst[u.identity].Before(t0) {
			continue // no tool, or no habit before the sign to compare with
		}
		fresh := true
		for fam := range u.families {
			if f := h.famFirst[[2]string{u.identity, fam}]; f.Before(t0) {
				fresh = false
			}
		}
		if !fresh {
			continue
		}
		var tools []string
		for _, ex := range u.families {
			tools = append(tools, uaLabel(ex))
		}
		slices.Sort(tools)
		u.add(clue{kind: "tool", points: weight.newTool, strong: true, at: u.histFirst,
			text: fmt.Sprintf("%s first appeared at %s, after the attacker's first use of this identity (%s), using only tools it had not used before it (%s)",
				u.ip, stampOf(u.histFirst), stampOf(t0), strings.Join(slices.Compact(tools), ", "))})
		u.decide()
	}
}

// accountHistory is when each account in the place scope was first seen
// and how many events it had by each hour: the same for every set of uses,
// so read once per investigation.
type accountHistory struct {
	first    map[string]time.Time
	orgFirst time.Time
	hours    map[string]*hourly
	// ipFirst and netFirst: when each address, and each network, was
	// first seen per account (any identity).
	ipFirst, netFirst map[[2]string]time.Time
	orgIPFirst        map[string]time.Time
}

func (inv *investigation) accountHistory() (*accountHistory, error) {
	if inv.acctHist != nil {
		return inv.acctHist, nil
	}
	pf := inv.opts.placeFilter()
	a := &accountHistory{first: map[string]time.Time{}, hours: map[string]*hourly{}}
	q := `SELECT coalesce(recipient_account_id, ''), ` + hourSQL + ` AS hr, count(*) FROM events
		WHERE (` + pf.where + `) AND event_time IS NOT NULL GROUP BY ALL ORDER BY 1, 2`
	if err := scanHourly(inv, q, pf.args, a.hours); err != nil {
		return nil, fmt.Errorf("attribution: counting account history: %w", err)
	}
	for acct, h := range a.hours {
		a.first[acct] = h.hours[0]
		a.orgFirst = minTime(a.orgFirst, h.hours[0])
	}
	a.ipFirst, a.netFirst, a.orgIPFirst = map[[2]string]time.Time{}, map[[2]string]time.Time{}, map[string]time.Time{}
	// The addresses an account used are its own principals' (AWSAccount
	// callers are another account's or anonymous: the visitors of a public
	// bucket are not the account's network). Whether source_ip is an
	// address is tested on the distinct pairs, not on every event: 0.28 s
	// against 0.68 s over 5 M events, the same pairs.
	q = `SELECT acct, source_ip, first FROM (
			SELECT coalesce(recipient_account_id, '') AS acct, source_ip, min(event_time) AS first FROM events
			WHERE (` + pf.where + `) AND event_time IS NOT NULL AND coalesce(identity_type, '') NOT IN ('AWSAccount', 'AWSService')
			GROUP BY ALL)
		WHERE ` + cloudtrail.AddressSQL("source_ip")
	rows, err := inv.db.QueryContext(inv.ctx, q, pf.args...)
	if err != nil {
		return nil, fmt.Errorf("attribution: reading the accounts' addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var acct, ip string
		var t time.Time
		if err := rows.Scan(&acct, &ip, &t); err != nil {
			return nil, fmt.Errorf("attribution: reading the accounts' addresses: %w", err)
		}
		t = t.UTC()
		a.ipFirst[[2]string{acct, ip}] = t
		a.orgIPFirst[ip] = minTime(a.orgIPFirst[ip], t)
		k := [2]string{acct, inv.network(ip)}
		a.netFirst[k] = minTime(a.netFirst[k], t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attribution: reading the accounts' addresses: %w", err)
	}
	inv.acctHist = a
	return a, nil
}

// network names the network of an address, for novelty: its AWS range
// (with --aws-ip-ranges), its autonomous system (with --asn), or else its
// /16 (IPv4) or /32 (IPv6) prefix, a rough stand-in for a provider.
func (inv *investigation) network(ip string) string {
	if n, ok := inv.nets[ip]; ok {
		return n
	}
	in := inv.opts.IPInfo.Lookup(ip)
	var n string
	switch addr, err := netip.ParseAddr(ip); {
	case in.AWS != "":
		n = in.AWS
	case in.ASN != 0:
		n = fmt.Sprintf("AS%d", in.ASN)
		if in.ASOrg != "" {
			n += " " + in.ASOrg
		}
	case err != nil:
		n = ip
	case addr.Unmap().Is4():
		p, _ := addr.Unmap().Prefix(16)
		n = p.String()
	default:
		p, _ := addr.Prefix(32)
		n = p.String()
	}
	inv.nets[ip] = n
	return n
}

// scanHourly reads (id, hour, count) rows, ordered by id and hour, into
// running counts.
func scanHourly(inv *investigation, q string, args []any, into map[string]*hourly) error {
	rows, err := inv.db.QueryContext(inv.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var hr time.Time
		var n int
		if err := rows.Scan(&id, &hr, &n); err != nil {
			return err
		}
		x := into[id]
		if x == nil {
			x = &hourly{}
			into[id] = x
		}
		prev := 0
		if len(x.total) > 0 {
			prev = x.total[len(x.total)-1]
		}
		x.hours = append(x.hours, hr.UTC())
		x.total = append(x.total, prev+n)
	}
	return rows.Err()
}

// useLogging marks the uses that weakened logging or monitoring (or tried
// to) and returns nothing else: calls that strengthen it are benign context
// for the detections on them (see useHits).
func (inv *investigation) useLogging(uses map[useKey]*use, cond string, args []any) error {
	where, wargs := inv.scoped(cond, args)
	names, nargs := inList("event_name", cloudtrail.MonitoringCalls())
	rs, err := query(inv.ctx, inv.db, filter{where: where, args: wargs}, names, nargs...)
	if err != nil {
		return fmt.Errorf("attribution: reading logging changes: %w", err)
	}
	for _, r := range rs {
		effect, detail := cloudtrail.LoggingEffect(r.Source, r.Name, r.Request)
		switch effect {
		case cloudtrail.Weakens:
			u := uses[inv.keyOf(r)]
			if u == nil {
				continue
			}
			what := r.Name
			if detail != "" {
				what += " (" + detail + ")"
			}
			if r.ErrorCode != "" {
				what += " — " + r.ErrorCode
			}
			what += " at " + stampOf(r.Time)
			u.weakens = append(u.weakens, what)
			u.weakensAt = minTime(u.weakensAt, r.Time)
		case cloudtrail.Strengthens:
			inv.strengthening = append(inv.strengthening, r.ID)
		}
	}
	return nil
}

// useRoaming looks, for the uses that are not their identity's routine,
// at whether their temporary keys were first used somewhere else. A session
// key is issued to one workload or person and used from there; the same key
// used later from an address and with a tool its identity had never used,
// when it was first used by a workload (an AWS runtime or agent) or by an
// identity with a routine, is how stolen instance, Lambda and task role
// credentials show: the metadata service or the environment was read and
// the keys used elsewhere. Pools of NAT addresses and several SDKs in one
// workload are the identity's routine, so they do not count.
func (inv *investigation) useRoaming(uses map[useKey]*use, h *history) error {
	cand, keys := roamingCandidates(uses)
	if len(keys) == 0 {
		return nil
	}
	origin, err := inv.keyOrigins(keys)
	if err != nil {
		return err
	}
	for _, key := range keys {
		o, ok := origin[key]
		if !ok {
			continue
		}
		for _, u := range cand[key] {
			inv.judgeRoaming(u, key, o, h)
		}
	}
	return nil
}

// roamingCandidates are the session keys (ASIA…) of the uses that could
// have roamed, in order of first sight, with their uses.
func roamingCandidates(uses map[useKey]*use) (map[string][]*use, []string) {
	cand := map[string][]*use{}
	var keys []string
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		if u.routine || u.verdict == verdictAttacker || !cloudtrail.Address(u.ip) {
			continue
		}
		for _, key := range u.keys {
			if strings.HasPrefix(key, "ASIA") {
				if _, ok := cand[key]; !ok {
					keys = append(keys, key)
				}
				cand[key] = append(cand[key], u)
			}
		}
	}
	return cand, keys
}

// keyOrigins reads where each session key was first used from an address,
// or which service it was issued to before that.
func (inv *investigation) keyOrigins(keys []string) (map[string]keyOrigin, error) {
	q := `SELECT access_key_id, coalesce(source_ip, ''), arg_min(coalesce(user_agent, ''), event_time), min(event_time) FROM events
		WHERE (` + inv.f.where + `) AND list_contains(?, access_key_id) AND event_time IS NOT NULL
			AND NOT coalesce(session_credential_from_console, false) AND ` + cloudtrail.AddressSQL("source_ip") + `
		GROUP BY 1, 2 ORDER BY 1, 4`
	rows, err := inv.db.QueryContext(inv.ctx, q, append(slices.Clone(inv.f.args), keys)...)
	if err != nil {
		return nil, fmt.Errorf("attribution: reading session keys: %w", err)
	}
	defer rows.Close()
	origin := map[string]keyOrigin{}
	for rows.Next() {
		var key, ip, ua string
		var t time.Time
		if err := rows.Scan(&key, &ip, &ua, &t); err != nil {
			return nil, fmt.Errorf("attribution: reading session keys: %w", err)
		}
		if _, ok := origin[key]; !ok {
			origin[key] = keyOrigin{ip, ua, t.UTC()}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attribution: reading session keys: %w", err)
	}
	rows.Close() // before the next query
	// A key AWS issued to a service's workload (an ECS task, a Lambda
	// function, an instance) has that service as its origin, even when the
	// workload's own calls are not in the evidence.
	if err := inv.issuedToServices(keys, origin); err != nil {
		return nil, err
	}
	return origin, nil
}

// judgeRoaming adds the roaming clue to u when it used session key key
// after its origin o, from a network new to the account, with tools new to
// its identity.
func (inv *investigation) judgeRoaming(u *use, key string, o keyOrigin, h *history) {
	if o.ip == u.ip || !u.histFirst.After(o.t) {
		return // first used here: this is the origin
	}
	// Workloads reach AWS from several of the account's own
	// addresses (a VPC endpoint and a NAT gateway): only a network
	// the account had not used before is elsewhere.
	if f := h.acctNetFirst[[2]string{u.account, h.network(u.ip)}]; !f.IsZero() && f.Before(u.histFirst) {
		return
	}
	oc := inv.uaClass(o.ua)
	fresh, interactive := inv.freshTools(u, toolOf(oc), h)
	// Without a routine to compare with, only the clearest case
	// counts: a workload's key (an AWS runtime or agent first used
	// it) in an interactive tool: the CLI, a console, curl.
	if len(fresh) == 0 || !(h.identityKnown(u.identity, u.histFirst) || (oc.Kind == useragent.AWSService && interactive)) {
		return
	}
	slices.Sort(fresh)
	u.add(clue{kind: "roaming", points: weight.roaming, strong: true, at: u.histFirst,
		text: fmt.Sprintf("session key %s, first used from %s by %s at %s, used from %s with %s at %s", key, orDash(o.ip), oc.Label(), stampOf(o.t),
			u.ip, strings.Join(slices.Compact(fresh), ", "), stampOf(u.histFirst))})
	u.decide()
}

// freshTools labels u's tools that its identity had not used before it,
// other than AWS services and the origin's tool, and reports whether one
// of them is interactive.
func (inv *investigation) freshTools(u *use, originTool string, h *history) ([]string, bool) {
	var fresh []string
	interactive := false
	for fam, example := range u.families {
		c := inv.uaClass(example)
		if c.Kind == useragent.AWSService || fam == originTool {
			continue
		}
		if f := h.famFirst[[2]string{u.identity, fam}]; f.Before(u.histFirst) {
			continue // a tool the identity already used
		}
		fresh = append(fresh, c.Label())
		switch c.Kind {
		case useragent.CLI, useragent.Console, useragent.Offensive, useragent.Other, useragent.Empty:
			interactive = true
		}
	}
	return fresh, interactive
}

// keyOrigin is where a session key was first used (or who it was issued to).
type keyOrigin struct {
	ip, ua string
	t      time.Time
}

// issuedToServices sets, for the keys an AWS service was issued (the
// AssumeRole a service made whose response carries the key) before their
// first use from an address, that service as their origin.
func (inv *investigation) issuedToServices(keys []string, origin map[string]keyOrigin) error {
	if err := inv.readIssued(keys); err != nil {
		return err
	}
	for _, k := range keys {
		s, ok := inv.issued[k]
		if !ok {
			continue
		}
		// Issued to a service before any use from an address: the
		// service's workload is where the key belongs.
		if o, ok := origin[k]; !ok || !o.t.Before(s.t) {
			origin[k] = s
		}
	}
	return nil
}

// sessionMaxLife bounds how long before its first use a session key was
// issued: no STS session outlives 36 hours (GetSessionToken's and
// GetFederationToken's longest; AssumeRole's is 12).
const sessionMaxLife = 36 * time.Hour

// readIssued reads which AWS service each of keys (not read before) was
// issued to, with the time of issue. The issuing call's response must be
// parsed, and AWS services assume roles all day (878,126 of 5 M events in
// the bench's case: 1.7 s to read them all), so only the service
// AssumeRoles within sessionMaxLife before each key's first use are read.
func (inv *investigation) readIssued(keys []string) error {
	var fresh []string
	for _, k := range keys {
		if !inv.issuedRead[k] {
			inv.issuedRead[k] = true
			fresh = append(fresh, k)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	windows, wargs, err := inv.issueWindows(fresh)
	if err != nil || windows == "" {
		return err
	}
	q := `SELECT k, arg_min(coalesce(invoked_by, source_ip, user_agent, ''), event_time), min(event_time) FROM (
			SELECT ` + issuedKeySQL + ` AS k, invoked_by, source_ip, user_agent, event_time
			FROM events WHERE event_name = 'AssumeRole' AND identity_type = 'AWSService' AND (` + windows + `))
		WHERE list_contains(?, k) GROUP BY k`
	rows, err := inv.db.QueryContext(inv.ctx, q, append(wargs, fresh)...)
	if err != nil {
		return fmt.Errorf("attribution: reading who session keys were issued to: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, svc string
		var t time.Time
		if err := rows.Scan(&k, &svc, &t); err != nil {
			return fmt.Errorf("attribution: reading who session keys were issued to: %w", err)
		}
		inv.issued[k] = keyOrigin{ip: svc, ua: svc, t: t.UTC()}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("attribution: reading who session keys were issued to: %w", err)
	}
	return nil
}

// issueWindows is a condition on event_time holding every moment at which
// keys can have been issued: up to sessionMaxLife before each key's first
// use anywhere in the case (a minute after it, for clocks), overlapping
// windows merged. It is "" when none of the keys was used.
func (inv *investigation) issueWindows(keys []string) (string, []any, error) {
	rows, err := inv.db.QueryContext(inv.ctx, `SELECT min(event_time) FROM events
		WHERE list_contains(?, access_key_id) AND event_time IS NOT NULL GROUP BY access_key_id ORDER BY 1`, keys)
	if err != nil {
		return "", nil, fmt.Errorf("attribution: reading when session keys were first used: %w", err)
	}
	defer rows.Close()
	type window struct{ lo, hi time.Time }
	var ws []window
	for rows.Next() {
		var first time.Time
		if err := rows.Scan(&first); err != nil {
			return "", nil, fmt.Errorf("attribution: reading when session keys were first used: %w", err)
		}
		w := window{first.Add(-sessionMaxLife), first.Add(time.Minute)}
		if n := len(ws); n > 0 && !w.lo.After(ws[n-1].hi) {
			ws[n-1].hi = maxTime(ws[n-1].hi, w.hi)
			continue
		}
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("attribution: reading when session keys were first used: %w", err)
	}
	var conds []string
	var args []any
	for _, w := range ws {
		conds = append(conds, "event_time BETWEEN ? AND ?")
		args = append(args, w.lo, w.hi)
	}
	return strings.Join(conds, " OR "), args, nil
}

// Benign context: why a detection on an event says little about an
// attacker. Reads of CloudTrail's own log files are how owners and their
// SIEMs collect logs; calls an AWS service makes for the identity are the
// service's; console browsing fires every discovery rule; and turning
// logging on is the opposite of tampering with it.
const (
	benignService   = "made by an AWS service on the identity's behalf"
	benignTrailLogs = "reads of CloudTrail's own log files"
	benignConsole   = "console browsing"
	benignAudit     = "an auditing scanner's reads (its own clue counts it once)"
	benignIaC       = "an infrastructure-as-code refresh (Terraform, CloudFormation, Pulumi, CDK read everything they manage)"
	benignLogging   = "logging turned on or widened"
)

// useHits folds the detection hits on the events cond selects into their
// uses, leaving out the ones benign context explains.
func (inv *investigation) useHits(uses map[useKey]*use, cond string, args []any) error {
	fs := inv.opts.Findings
	if len(fs) == 0 {
		return nil
	}
	var ids []string
	var idx []int32
	for i, f := range fs {
		for _, id := range f.EventIDs {
			ids = append(ids, id)
			idx = append(idx, int32(i))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	groups, err := inv.hitGroups(ids, idx, cond, args)
	if err != nil {
		return err
	}
	for _, g := range groups {
		uc := inv.uaClass(g.ua)
		u := uses[useKey{g.identity, g.ip, toolOf(uc)}]
		if u == nil {
			continue
		}
		f, kind := fs[g.r], g.kind
		if uc.Auditing() {
			kind = "audit"
		}
		if why := benignHit(f, kind, cloudtrail.ConsoleCall(g.console, g.ip, uc.Kind == useragent.Console), uc.Kind == useragent.IaC); why != "" {
			u.benign[why] += g.n
			continue
		}
		actions := g.n
		if g.signin {
			actions = 0
		}
		u.addHit(f, g.n, actions, g.first)
	}
	return nil
}

// hitGroup is the hits of one finding (r, its index) on the events of one
// identity, address, kind of call, user agent and console flag.
type hitGroup struct {
	r                  int
	identity, ip, kind string
	ua                 string
	console, signin    bool
	n                  int
	first              time.Time // zero: no event with a time
}

// srcPos names an event by where it was read: its file and position.
type srcPos struct{ source, pos int64 }

// hitGroups reads the hits (ids, each of finding idx) on the events cond
// selects, grouped. Which are reads of CloudTrail's own log files is read
// afterwards from just those S3 calls' JSON (trailLogReads): a condition
// on identities leaves DuckDB nothing to filter its scan with, so the
// JSON in the first query was read for every event (0.45 s at 5 M).
func (inv *investigation) hitGroups(ids []string, idx []int32, cond string, args []any) ([]hitGroup, error) {
	where, wargs := inv.scoped(cond, args)
	q := `SELECT h.r, e.identity, e.ip, e.kind, e.ua, e.console, e.signin, e.s3, e.source_id, e.source_position, e.event_time
		FROM (SELECT event_id, event_time, ` + identitySQL + ` AS identity, coalesce(source_ip, '') AS ip, coalesce(user_agent, '') AS ua,
				coalesce(session_credential_from_console, false) AS console, coalesce(event_source = 'signin.amazonaws.com', false) AS signin,
				coalesce(event_source = 's3.amazonaws.com', false) AS s3, source_id, source_position,
				CASE WHEN coalesce(invoked_by, '') <> '' THEN 'service'
					WHEN list_contains(?, event_id) THEN 'logging'
					ELSE '' END AS kind
			FROM events WHERE ` + where + `) AS e
		JOIN (SELECT unnest(CAST(? AS VARCHAR[])) AS id, unnest(CAST(? AS INTEGER[])) AS r) AS h ON e.event_id = h.id`
	rows, err := inv.db.QueryContext(inv.ctx, q, append(append([]any{inv.strengthening}, wargs...), ids, idx)...)
	if err != nil {
		return nil, fmt.Errorf("attribution: reading detections: %w", err)
	}
	type hitRow struct {
		g  hitGroup
		s3 bool
		at srcPos
		t  sql.NullTime
	}
	var hs []hitRow
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			var h hitRow
			g := &h.g
			if err := rows.Scan(&g.r, &g.identity, &g.ip, &g.kind, &g.ua, &g.console, &g.signin, &h.s3, &h.at.source, &h.at.pos, &h.t); err != nil {
				return err
			}
			hs = append(hs, h)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("attribution: reading detections: %w", err)
	}
	var s3 []srcPos
	for _, h := range hs {
		if h.s3 && h.g.kind == "" {
			s3 = append(s3, h.at)
		}
	}
	trail, err := inv.trailLogReads(s3)
	if err != nil {
		return nil, err
	}
	var groups []hitGroup
	index := map[hitGroup]int{} // a group (n and first zero) → its place in groups
	for _, h := range hs {
		k := h.g
		if h.s3 && k.kind == "" && trail[h.at] {
			k.kind = "trail-logs"
		}
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, k)
		}
		groups[i].n++
		if h.t.Valid {
			groups[i].first = minTime(groups[i].first, h.t.Time.UTC())
		}
	}
	return groups, nil
}

// trailLogReads says which of the S3 calls at keys read CloudTrail's own
// log files (an object key or prefix under AWSLogs/…/CloudTrail).
func (inv *investigation) trailLogReads(keys []srcPos) (map[srcPos]bool, error) {
	out := map[srcPos]bool{}
	err := inv.byFiles(keys, `SELECT source_id, source_position FROM events
			WHERE list_contains(?, source_id) AND event_source = 's3.amazonaws.com'
				AND regexp_matches(coalesce(json_extract_string(request_parameters, '$.key'), json_extract_string(request_parameters, '$.prefix'), ''),
					'^/?AWSLogs/(o-[a-z0-9]+/)?[0-9]{12}/CloudTrail')`, func(rows *sql.Rows) error {
		var k srcPos
		if err := rows.Scan(&k.source, &k.pos); err != nil {
			return err
		}
		out[k] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attribution: reading detections: %w", err)
	}
	return out, nil
}

// byFiles runs q, whose one parameter is a list of file numbers
// (list_contains(?, source_id)), for the files of keys, a batch of files a
// query, and hands each row to scan. It is how a few events spread over
// the case get their JSON fields: DuckDB tests the list inside its scan
// and reads the JSON of those files' rows alone, where a condition on the
// events themselves would have it read nearly every vector.
func (inv *investigation) byFiles(keys []srcPos, q string, scan func(*sql.Rows) error) error {
	files := fileNumbers(keys)
	for len(files) > 0 {
		batch := files[:min(len(files), 1024)]
		files = files[len(batch):]
		rows, err := inv.db.QueryContext(inv.ctx, q, batch)
		if err != nil {
			return err
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// fileNumbers lists the distinct files of keys, in order.
func fileNumbers(keys []srcPos) []int64 {
	files := make([]int64, len(keys))
	for i, k := range keys {
		files[i] = k.source
	}
	slices.Sort(files)
	return slices.Compact(files)
}

// addHit counts n events of finding f on the use, actions of them not
// sign-ins, the first at first (zero: unknown).
func (u *use) addHit(f event.Finding, n, actions int, first time.Time) {
	h := u.hits[f.RuleID]
	if h == nil {
		lvl, _ := event.ParseSeverity(f.Level)
		h = &ruleHit{id: f.RuleID, title: f.Title, level: lvl, tactics: f.Tactics}
		u.hits[f.RuleID] = h
	}
	h.n += n
	h.actions += actions
	h.first = minTime(h.first, first)
}

// useLogHits folds the hits of the rules over S3 server access logs and VPC
// flow logs into the uses of the records' addresses near their time (an
// hour either side of the use): those logs name an address, rarely an
// identity CloudTrail knows, and hold what CloudTrail often does not (the
// object reads and deletes of a ransomware run).
func (inv *investigation) useLogHits(uses map[useKey]*use) error {
	byIP := map[string][]*use{}
	for _, k := range sortedUseKeys(uses) {
		byIP[k.ip] = append(byIP[k.ip], uses[k])
	}
	for _, src := range sigma.LogRecordSQL() {
		var ids []string
		var idx []int32
		for i, f := range inv.opts.Findings {
			for _, id := range f.EventIDs {
				if strings.HasPrefix(id, src.IDPrefix+":") {
					ids, idx = append(ids, id), append(idx, int32(i))
				}
			}
		}
		if len(ids) == 0 {
			continue
		}
		q := `SELECT h.r, l.ip, count(*), min(l.t), max(l.t)
			FROM (SELECT ` + src.ID + ` AS id, ` + src.Address + ` AS ip, ` + src.Time + ` AS t FROM ` + src.Table + `
				WHERE ` + src.Address + ` IS NOT NULL AND ` + src.Time + ` IS NOT NULL) AS l
			JOIN (SELECT unnest(CAST(? AS VARCHAR[])) AS id, unnest(CAST(? AS INTEGER[])) AS r) AS h ON l.id = h.id
			GROUP BY ALL`
		rows, err := inv.db.QueryContext(inv.ctx, q, ids, idx)
		if err != nil {
			return fmt.Errorf("attribution: reading detections on %s: %w", src.Table, err)
		}
		for rows.Next() {
			var r, n int
			var ip string
			var first, last time.Time
			if err := rows.Scan(&r, &ip, &n, &first, &last); err != nil {
				rows.Close()
				return fmt.Errorf("attribution: reading detections on %s: %w", src.Table, err)
			}
			f := inv.opts.Findings[r]
			for _, u := range byIP[ip] {
				if first.After(u.last.Add(time.Hour)) || last.Before(u.first.Add(-time.Hour)) {
					continue
				}
				u.addHit(f, n, n, first.UTC())
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("attribution: reading detections on %s: %w", src.Table, err)
		}
	}
	return nil
}

// benignHit says why a rule's hit on an event is explained by its context,
// or "".
func benignHit(f event.Finding, kind string, console, iac bool) string {
	onlyTactics := func(allowed ...string) bool {
		if len(f.Tactics) == 0 {
			return false
		}
		for _, t := range f.Tactics {
			if !slices.Contains(allowed, t) {
				return false
			}
		}
		return true
	}
	switch {
	case kind == "service":
		return benignService
	case kind == "logging":
		return benignLogging
	case kind == "trail-logs" && onlyTactics("collection", "exfiltration", "discovery"):
		return benignTrailLogs
	case kind == "audit" && onlyTactics("discovery"):
		return benignAudit
	case console && onlyTactics("discovery"):
		return benignConsole
	case iac && onlyTactics("discovery"):
		return benignIaC
	}
	return ""
}
