package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/attack"
	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// cred is a credential in the investigation's scope.
type cred struct {
	mfa         string // a console sign-in's MFAUsed
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
	// strengthening are the ids of calls that turned logging or monitoring
	// on or widened it: benign context for detections (uses.go).
	strengthening []string
	log           *slog.Logger
	acctHist      *accountHistory      // read once, see accountHistory
	idHist        *idHistory           // read per identity once, see history
	issued        map[string]keyOrigin // session key → the service it was issued to, see issuedToServices
	issuedRead    map[string]bool      // session keys issued has been read for
	nets          map[string]string    // address → network, see network
	workloads     map[string]bool      // session names already followed, see workloadCredentials
	// judged says, per indicator followed, which uses counted (summary.go):
	// the attacker's, the unusual ones, all of them, or an address's by the
	// investigator's word.
	judged []judgement
}

func newInvestigation(ctx context.Context, db *sql.DB, opts *Options) *investigation {
	inv := &investigation{
		ctx: ctx, db: db, opts: opts, f: opts.filter(), cat: attack.Default(),
		hits: map[string]event.Severity{}, creds: map[string]*cred{}, attacker: map[string]row{},
		users: map[string]grant{}, roles: map[string]grant{}, userRows: map[string][]row{}, uaClasses: map[string]useragent.Class{}, fedDone: map[string]bool{},
		log: opts.Logger, nets: map[string]string{}, workloads: map[string]bool{},
		issued: map[string]keyOrigin{}, issuedRead: map[string]bool{},
	}
	if inv.log == nil {
		inv.log = slog.New(slog.DiscardHandler)
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

// seed resolves the given indicators to the attacker's credentials and
// events. A key or a principal is split by its uses (attribute.go): the
// uses with evidence of an attacker count; when none has, the unusual ones
// do; when none is unusual either, every event counts and the notes say
// that nothing told the owner's use from an attacker's. An address is the
// attacker's by the investigator's word: everything from it counts.
func (inv *investigation) seed() error {
	for _, k := range inv.opts.Keys {
		if err := inv.seedSplit("access key "+k, "access_key_id = ?", k); err != nil {
			return err
		}
	}
	for _, p := range inv.opts.Principals {
		cond := PrincipalWhere
		if err := inv.seedSplit("principal "+p, cond, p, p, p, p); err != nil {
			return err
		}
	}
	if len(inv.opts.IPs) > 0 {
		inv.judged = append(inv.judged, judgement{label: "address " + strings.Join(inv.opts.IPs, ", "), given: true})
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
				c = &cred{key: k, arn: r.ARN, how: "given", reason: "used from a given source address (" + r.IP + ")"}
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

// seedSplit seeds from the uses of the events cond selects (an indicator
// named label).
func (inv *investigation) seedSplit(label, cond string, args ...any) error {
	uses, _, err := inv.loadUses(cond, args...)
	if err != nil {
		return err
	}
	if len(uses) == 0 {
		inv.notes = append(inv.notes, fmt.Sprintf("%s: no event in scope.", label))
		inv.judged = append(inv.judged, judgement{label: label, none: true})
		return nil
	}
	has := func(v verdict) bool {
		return slices.ContainsFunc(sortedUseKeys(uses), func(k useKey) bool { return uses[k].verdict == v })
	}
	pick := verdictAttacker
	switch {
	case has(verdictAttacker):
	case has(verdictUnsure):
		pick = verdictUnsure
		inv.notes = append(inv.notes, fmt.Sprintf("%s: no use shows clear evidence of an attacker; the unusual ones are listed, the routine ones are not.", label))
	default:
		pick = verdictOwner
		inv.notes = append(inv.notes, fmt.Sprintf("%s: nothing in its use tells an attacker from its owner (no offensive tooling, detection, weakened logging, or new address with a new tool); all its events in scope are listed, as given.", label))
	}
	inv.judged = append(inv.judged, judgement{label: label, pick: pick})
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		if u.verdict < pick {
			inv.notes = append(inv.notes, fmt.Sprintf("%s: %d events not counted — %s.", label, u.events, u.why))
		}
	}
	return inv.seedUses(uses, func(u *use) bool { return u.verdict >= pick }, "given", cond, args...)
}

// seedUses adds the events of the picked uses (restricted to cond) as the
// attacker's, with their credentials. A temporary credential used only by
// picked uses is the attacker's whole: its calls without an address (made
// through the console or by AWS services on its behalf) count too.
func (inv *investigation) seedUses(uses map[useKey]*use, picked func(*use) bool, how, cond string, args ...any) error {
	tempOwner := map[string]bool{} // temporary keys also in uses not picked
	var tempPicked []string
	consoleKey := map[string]bool{} // console session keys of picked uses
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		for _, key := range u.keys {
			if cloudtrail.LongTermKey(key) {
				continue
			}
			if picked(u) {
				tempPicked = append(tempPicked, key)
				if u.tool == "console" {
					consoleKey[key] = true
				}
			} else if u.tool != "console" {
				tempOwner[key] = true
			}
		}
	}
	// A console session belongs to whoever signed in: the attacker's is
	// theirs from every address (Tor circuits change exits mid-session).
	for _, key := range slices.Sorted(maps.Keys(consoleKey)) {
		if tempOwner[key] {
			continue
		}
		rows, err := query(inv.ctx, inv.db, inv.f, "access_key_id = ?", key)
		if err != nil {
			return err
		}
		inv.addUseRows("the attacker's console session", how, rows)
	}
	for _, k := range sortedUseKeys(uses) {
		u := uses[k]
		if !picked(u) {
			continue
		}
		rows, err := inv.useRows(k, cond, args...)
		if err != nil {
			return err
		}
		inv.addUseRows(u.why, how, rows)
	}
	slices.Sort(tempPicked)
	for _, key := range slices.Compact(tempPicked) {
		if tempOwner[key] {
			continue
		}
		rows, err := query(inv.ctx, inv.db, inv.f, "access_key_id = ? AND NOT "+cloudtrail.AddressSQL("source_ip"), key)
		if err != nil {
			return err
		}
		why := "the attacker's temporary credential"
		if c := inv.creds[key]; c != nil {
			why = c.reason
		}
		inv.addUseRows(why, how, rows)
	}
	return nil
}

// addUseRows records rows as the attacker's, under their credentials.
func (inv *investigation) addUseRows(why, how string, rows []row) {
	for _, r := range rows {
		k := credKey(r)
		c := inv.creds[k]
		if c == nil {
			c = &cred{key: k, arn: r.ARN, how: how, reason: why}
			inv.addCred(c)
		} else if !strings.Contains(c.reason, why) {
			// One credential, several uses (a leaked key from two
			// addresses): each use's reason.
			c.reason += "; also " + why
		}
		if r.Name == "ConsoleLogin" && isConsole(k) {
			c.how, c.mfa = "ConsoleLogin", jsonPath(r.Additional, "MFAUsed")
		}
		if _, seen := inv.attacker[r.ID]; !seen {
			c.events = append(c.events, r)
			inv.addEvents(r)
		}
	}
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
