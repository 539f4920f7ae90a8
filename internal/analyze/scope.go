package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/attack"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// cred is a credential in the investigation's scope.
type cred struct {
	key         string
	arn         string
	derivedFrom string
	how         string
	reason      string
	// events are the attacker's events with this credential.
	events []row
}

// investigation holds the state of one scoping run.
type investigation struct {
	ctx   context.Context
	db    *sql.DB
	opts  *Options
	f     filter
	cat   *attack.Catalog
	hits  map[string]event.Severity // event id → highest detection level
	grant []grant

	creds    map[string]*cred
	order    []string
	attacker map[string]row // event id → event
	chain    []event.ChainEdge
	notes    []string
	// users and roles the attacker opened: name → the granting event
	users map[string]grant
	roles map[string]grant
	// userRows caches each such user's events (from its grant on).
	userRows  map[string][]row
	uaClasses map[string]useragent.Class // see uaClass
	// fedDone: roles and event ids whose federated grants are loaded.
	fedDone map[string]bool
}

func newInvestigation(ctx context.Context, db *sql.DB, opts *Options) *investigation {
	inv := &investigation{
		ctx: ctx, db: db, opts: opts, f: opts.filter(), cat: attack.Default(),
		hits: map[string]event.Severity{}, creds: map[string]*cred{}, attacker: map[string]row{},
		users: map[string]grant{}, roles: map[string]grant{}, userRows: map[string][]row{}, uaClasses: map[string]useragent.Class{}, fedDone: map[string]bool{},
	}
	for _, fd := range opts.Findings {
		lvl, _ := event.ParseSeverity(fd.Level)
		for _, id := range fd.EventIDs {
			if lvl > inv.hits[id] {
				inv.hits[id] = lvl
			}
		}
	}
	return inv
}

func (inv *investigation) addEvents(rs ...row) {
	for _, r := range rs {
		inv.attacker[r.ID] = r
	}
}

// addCred records a credential; it reports false if it was already known.
func (inv *investigation) addCred(c *cred) bool {
	if c.key == "" {
		return false
	}
	if _, ok := inv.creds[c.key]; ok {
		return false
	}
	inv.creds[c.key] = c
	inv.order = append(inv.order, c.key)
	return true
}

// strong reports a sign of an attacker on an event: offensive tooling, a
// high or critical detection, or defence evasion. Persistence-like writes
// and medium detections are left out: deployment pipelines make them daily.
func (inv *investigation) strong(r row) bool {
	if inv.uaClass(r.UserAgent).Kind == useragent.Offensive || inv.hits[r.ID] >= event.SeverityHigh {
		return true
	}
	_, ok := inv.cat.DefenseEvasion(r.Source, r.Name)
	return ok
}

// separate keeps the attacker's part of a given credential's events.
func (inv *investigation) separate(c *cred, rows []row) {
	attacker := inv.split(c.key, rows)
	for _, r := range rows {
		if attacker(r) {
			c.events = append(c.events, r)
		}
	}
}

// split tells the attacker's events from the owner's among the events of a
// given credential or principal (label names it in the notes): the
// attacker's are those from addresses showing a sign of an attacker
// (offensive tooling, a high detection, tampering, repeated denials), or
// breaking the owner's habits after that sign (see below); when no address
// shows a sign, every event is counted. A principal is split over all its
// credentials at once, so its console sessions and keys share one verdict
// per address.
func (inv *investigation) split(label string, rows []row) func(row) bool {
	type ipStat struct {
		first          time.Time
		strong, denied int
	}
	stats := map[string]*ipStat{}
	for _, r := range rows {
		s := stats[r.IP]
		if s == nil {
			s = &ipStat{first: r.Time}
			stats[r.IP] = s
		}
		if inv.strong(r) {
			s.strong++
		}
		if isDenied(r.ErrorCode) {
			s.denied++
		}
	}
	var t0 time.Time
	suspect := map[string]bool{}
	for ip, s := range stats {
		if s.strong > 0 || s.denied >= 3 {
			suspect[ip] = true
			t0 = minTime(t0, s.first)
		}
	}
	if len(suspect) == 0 {
		if len(rows) > 0 {
			inv.notes = append(inv.notes, fmt.Sprintf("%s: no sign (offensive tooling, detections, persistence, repeated denials) separates an attacker's use from the owner's; all %d events are counted.", label, len(rows)))
		}
		return func(row) bool { return true }
	}
	// The owner's habits before the first sign: the addresses and tools
	// (user-agent families) they used. An address first seen after the sign
	// that only uses tools the owner never used is the attacker's too (an
	// attacker switching to a clean tool); new addresses with the owner's
	// usual tools stay the owner's (pipelines and laptops change addresses).
	habitUA, habitIP := map[string]bool{}, map[string]bool{}
	mfaYes, mfaNo := 0, 0 // the owner's console sign-ins before the sign
	for _, r := range rows {
		if r.Time.Before(t0) && !suspect[r.IP] {
			habitUA[inv.uaClass(r.UserAgent).Family()] = true
			habitIP[r.IP] = true
			if r.Name == "ConsoleLogin" {
				if jsonPath(r.Additional, "MFAUsed") == "Yes" {
					mfaYes++
				} else {
					mfaNo++
				}
			}
		}
	}
	// An owner who always signed in with MFA: a sign-in without it from a
	// new address after the sign is not theirs.
	if mfaYes > 0 && mfaNo == 0 {
		for _, r := range rows {
			if r.Name == "ConsoleLogin" && !suspect[r.IP] && !habitIP[r.IP] && r.Time.After(t0) && jsonPath(r.Additional, "MFAUsed") == "No" {
				suspect[r.IP] = true
				inv.notes = append(inv.notes, fmt.Sprintf("%s: a console sign-in without MFA from %s at %s, after the first sign of an attacker, while the owner always used MFA before; counted as the attacker's.",
					label, r.IP, r.Time.Format(time.RFC3339)))
			}
		}
	}
	var byHabit []string
	if len(habitUA) > 0 {
		newTools := map[string]bool{}
		for _, r := range rows {
			if !suspect[r.IP] && !habitIP[r.IP] && stats[r.IP].first.After(t0) {
				if _, seen := newTools[r.IP]; !seen {
					newTools[r.IP] = true
				}
				if habitUA[inv.uaClass(r.UserAgent).Family()] {
					newTools[r.IP] = false
				}
			}
		}
		for ip, onlyNew := range newTools {
			if onlyNew {
				suspect[ip] = true
				byHabit = append(byHabit, ip)
			}
		}
		sort.Strings(byHabit)
	}
	if len(byHabit) > 0 {
		inv.notes = append(inv.notes, fmt.Sprintf("%s: %s first appeared after the first sign of an attacker (%s) using only tools the owner had not used before it; counted as the attacker's.",
			label, strings.Join(byHabit, ", "), t0.Format(time.RFC3339)))
	}
	owner := map[string]bool{}
	for ip := range stats {
		if !suspect[ip] {
			owner[ip] = true
		}
	}
	var ownerN int
	var ownerIPs []string
	for _, r := range rows {
		if owner[r.IP] {
			ownerN++
		}
	}
	for ip := range owner {
		ownerIPs = append(ownerIPs, ip)
	}
	sort.Strings(ownerIPs)
	if ownerN > 0 {
		inv.notes = append(inv.notes, fmt.Sprintf("%s: %d events from %s are taken as the owner's normal activity (no sign of an attacker from those addresses; first sign elsewhere at %s) and are not counted; %d events are.",
			label, ownerN, strings.Join(ownerIPs, ", "), t0.Format(time.RFC3339), len(rows)-ownerN))
	}
	return func(r row) bool { return !owner[r.IP] }
}

// seed resolves the given indicators to credentials.
func (inv *investigation) seed() error {
	for _, k := range inv.opts.Keys {
		rows, err := query(inv.ctx, inv.db, inv.f, "access_key_id = ?", k)
		if err != nil {
			return err
		}
		c := &cred{key: k, how: "given", reason: "access key given to investigate"}
		if len(rows) > 0 {
			c.arn = rows[0].ARN
		} else {
			inv.notes = append(inv.notes, fmt.Sprintf("%s: no event with this access key in scope.", k))
		}
		inv.separate(c, rows)
		if inv.addCred(c) {
			inv.addEvents(c.events...)
		}
	}
	for _, p := range inv.opts.Principals {
		cond := "user_arn = ? OR user_name = ? OR session_issuer_arn = ? OR session_issuer_user_name = ?"
		rows, err := query(inv.ctx, inv.db, inv.f, cond, p, p, p, p)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			inv.notes = append(inv.notes, fmt.Sprintf("%s: no event of this principal in scope.", p))
		}
		byKey := map[string][]row{}
		var keys []string
		for _, r := range rows {
			k := credKey(r)
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], r)
		}
		attacker := inv.split(p, rows)
		for _, k := range keys {
			c := &cred{key: k, arn: byKey[k][0].ARN, how: "given", reason: "credential of principal " + p}
			for _, r := range byKey[k] {
				if attacker(r) {
					c.events = append(c.events, r)
				}
			}
			if len(c.events) == 0 {
				continue // only the owner's use
			}
			if inv.addCred(c) {
				inv.addEvents(c.events...)
			}
		}
	}
	if len(inv.opts.IPs) > 0 {
		ips, err := inv.matchIPs(inv.opts.IPs)
		if err != nil {
			return err
		}
		cond, args := inList("source_ip", ips)
		rows, err := query(inv.ctx, inv.db, inv.f, cond, args...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			k := credKey(r)
			c := inv.creds[k]
			if c == nil {
				c = &cred{key: k, arn: r.ARN, how: "given", reason: "used from a given source IP"}
				inv.addCred(c)
			}
			if _, seen := inv.attacker[r.ID]; !seen {
				c.events = append(c.events, r)
				inv.addEvents(r)
			}
		}
	}
	return nil
}

// matchIPs expands IPs and CIDRs to the source addresses present in scope.
func (inv *investigation) matchIPs(specs []string) ([]string, error) {
	return ExpandIPs(inv.ctx, inv.db, specs, inv.f.where, inv.f.args)
}

// ExpandIPs turns CIDR blocks into the source addresses of the events
// matching where (with args) that fall in them; other values are kept as
// exact matches. CloudTrail stores addresses as text, so a CIDR cannot be a
// SQL predicate on its own.
func ExpandIPs(ctx context.Context, db *sql.DB, specs []string, where string, args []any) ([]string, error) {
	exact := []string{}
	var nets []*net.IPNet
	for _, s := range specs {
		if _, n, err := net.ParseCIDR(s); err == nil {
			nets = append(nets, n)
		} else {
			exact = append(exact, s)
		}
	}
	if len(nets) == 0 {
		return exact, nil
	}
	rows, err := db.QueryContext(ctx, "SELECT DISTINCT source_ip FROM events WHERE ("+where+") AND source_ip IS NOT NULL", args...)
	if err != nil {
		return nil, fmt.Errorf("listing source addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		ip := net.ParseIP(s)
		for _, n := range nets {
			if ip != nil && n.Contains(ip) {
				exact = append(exact, s)
				break
			}
		}
	}
	return exact, rows.Err()
}
