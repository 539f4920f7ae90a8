package analyze

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ipinfo"
	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// baselineSpan is how long a credential's first activity counts as its
// normal when no --since says where the window starts.
const baselineSpan = 24 * time.Hour

// Dimensions a baseline tracks.
const (
	dimIP     = "ip"
	dimUA     = "ua"
	dimAPI    = "api"
	dimRegion = "region"
)

// novelty is one credential's (or principal's) baseline and what was new after it.
type novelty struct {
	first, until time.Time
	baseline     event.Baseline
	// new values per dimension, with the time each was first seen
	fresh map[string]map[string]time.Time
	// uaExample maps a new user-agent family to one raw string of it
	uaExample map[string]string
}

func (n *novelty) list(dim string) []string {
	out := make([]string, 0, len(n.fresh[dim]))
	for v := range n.fresh[dim] {
		if dim == dimUA {
			v = n.uaExample[v]
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// baselineEnd says when an id's baseline ends, given its first event ever;
// false means it has none (it was never used before what is investigated).
type baselineEnd func(id string, first time.Time) (time.Time, bool)

// firstDay is the triage rule: before --since, or else the id's first 24
// hours of use, is its normal.
func (inv *investigation) firstDay(_ string, first time.Time) (time.Time, bool) {
	if s := inv.opts.Since; s != nil && s.After(first) {
		return *s, true
	}
	return first.Add(baselineSpan), true
}

// beforeAttack is the investigation rule: an id's normal is everything it did
// before --since, or else before its first event in the attacker's timeline.
func beforeAttack(since *time.Time, attackFirst map[string]time.Time) baselineEnd {
	return func(id string, first time.Time) (time.Time, bool) {
		if since != nil && since.After(first) {
			return *since, true
		}
		t, ok := attackFirst[id]
		if !ok || !t.After(first) {
			return time.Time{}, false
		}
		return t, true
	}
}

// baselines computes, for each value of column idCol (access_key_id or
// user_arn) in ids — or for all when ids is nil — what was normal before its
// baseline ended and what first appeared after. The account and region
// scope applies; the time window does not, since the baseline lies before it.
//
// dims says which dimensions to compute (all when empty): triage needs only
// addresses and user agents, and on a large case each dimension is a pass.
// With countEvents the baseline's event count is read too (one query per
// id: for the few credentials of a report).
func (inv *investigation) baselines(idCol string, ids []string, end baselineEnd, countEvents bool, dims ...string) (map[string]*novelty, error) {
	if len(dims) == 0 {
		dims = []string{dimIP, dimUA, dimAPI, dimRegion}
	}
	if ids != nil && len(ids) == 0 {
		return map[string]*novelty{}, nil
	}
	all, err := inv.firstSightings(idCol, ids, dims)
	if err != nil {
		return nil, err
	}
	out := startNovelties(all, end)
	known := inv.splitSightings(out, all)
	if countEvents {
		if err := inv.countBaselineEvents(out, idCol); err != nil {
			return nil, err
		}
	}
	for id, n := range out {
		kn := known[id]
		n.baseline.SourceIPs = slices.Sorted(maps.Keys(kn[dimIP]))
		for fam := range kn[dimUA] {
			n.baseline.UserAgents = append(n.baseline.UserAgents, fam)
		}
		slices.Sort(n.baseline.UserAgents)
		n.baseline.Regions = slices.Sorted(maps.Keys(kn[dimRegion]))
		n.baseline.APIs = len(kn[dimAPI])
	}
	return out, nil
}

// sighting is the first time a value of a dimension was seen for an id.
type sighting struct {
	id, dim, val string
	t            time.Time
	n            int
}

// firstSightings reads, in one query with a pass per dimension, when each
// value was first seen for each id in ids (all ids when nil).
func (inv *investigation) firstSightings(idCol string, ids []string, dims []string) ([]sighting, error) {
	pf := inv.opts.placeFilter()
	where := "(" + pf.where + ") AND " + idCol + " IS NOT NULL"
	args := slices.Clone(pf.args)
	if ids != nil {
		where += " AND list_contains(?, " + idCol + ")"
		args = append(args, ids)
	}
	q := `WITH e AS (SELECT ` + idCol + ` AS id, event_time, source_ip, coalesce(user_agent, '') AS ua,
			coalesce(event_source, '') || ':' || coalesce(event_name, '') AS api, coalesce(aws_region, '') AS region
		FROM events WHERE ` + where + `)
	` + strings.Join(dimQueries(dims), "\n\tUNION ALL ")
	rows, err := inv.db.QueryContext(inv.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("computing baselines: %w", err)
	}
	defer rows.Close()
	var all []sighting
	for rows.Next() {
		var s sighting
		if err := rows.Scan(&s.id, &s.dim, &s.val, &s.t, &s.n); err != nil {
			return nil, fmt.Errorf("computing baselines: %w", err)
		}
		s.t = s.t.UTC()
		all = append(all, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("computing baselines: %w", err)
	}
	return all, nil
}

// startNovelties starts the novelty of each id with a baseline: its first
// sighting of anything, and where end says its baseline ends.
func startNovelties(all []sighting, end baselineEnd) map[string]*novelty {
	firsts := map[string]time.Time{}
	for _, s := range all {
		if f, ok := firsts[s.id]; !ok || s.t.Before(f) {
			firsts[s.id] = s.t
		}
	}
	out := map[string]*novelty{}
	for id, f := range firsts {
		until, ok := end(id, f)
		if !ok {
			continue // no baseline: nothing can be called new
		}
		u := until
		out[id] = &novelty{first: f, until: until, baseline: event.Baseline{Until: &u},
			fresh: map[string]map[string]time.Time{}, uaExample: map[string]string{}}
	}
	return out
}

// knownValues are the values seen in each id's baseline: id → dim → value.
type knownValues map[string]map[string]map[string]bool

// splitSightings sorts the sightings of the ids in out into their baseline
// (returned) or what was new after it (n.fresh). User agents are compared
// by family (tool, not version): they are folded first.
func (inv *investigation) splitSightings(out map[string]*novelty, all []sighting) knownValues {
	uaFirst := map[[2]string]sighting{}
	known := knownValues{}
	for _, s := range all {
		n := out[s.id]
		if n == nil {
			continue
		}
		if s.dim == dimUA {
			fam := inv.uaClass(s.val).Family()
			k := [2]string{s.id, fam}
			if prev, ok := uaFirst[k]; !ok || s.t.Before(prev.t) {
				uaFirst[k] = sighting{id: s.id, dim: dimUA, val: s.val, t: s.t}
			}
			continue
		}
		if s.dim == dimIP && !cloudtrail.Address(s.val) {
			continue
		}
		known.mark(n, s.id, s.dim, s.val, s.t, "")
	}
	for k, s := range uaFirst {
		known.mark(out[k[0]], k[0], dimUA, k[1], s.t, s.val)
	}
	return known
}

// mark puts a value first seen at t in id's baseline, or among n's new
// values (with an example user agent of a new family).
func (known knownValues) mark(n *novelty, id, dim, val string, t time.Time, example string) {
	if t.Before(n.until) {
		if known[id] == nil {
			known[id] = map[string]map[string]bool{}
		}
		if known[id][dim] == nil {
			known[id][dim] = map[string]bool{}
		}
		known[id][dim][val] = true
		return
	}
	if n.fresh[dim] == nil {
		n.fresh[dim] = map[string]time.Time{}
	}
	n.fresh[dim][val] = t
	if dim == dimUA {
		n.uaExample[val] = example
	}
}

// countBaselineEvents reads how many events each id had in its baseline.
func (inv *investigation) countBaselineEvents(out map[string]*novelty, idCol string) error {
	pf := inv.opts.placeFilter()
	for _, id := range slices.Sorted(maps.Keys(out)) {
		n := out[id]
		q := "SELECT count(*) FROM events WHERE (" + pf.where + ") AND " + idCol + " = ? AND event_time < ?"
		if err := inv.db.QueryRowContext(inv.ctx, q, append(slices.Clone(pf.args), id, n.until)...).Scan(&n.baseline.Events); err != nil {
			return fmt.Errorf("counting baseline events: %w", err)
		}
	}
	return nil
}

// enrichNovelty fills each compromised credential's new_* fields and each
// source address's new_for, country, ASN and AWS marks.
func (inv *investigation) enrichNovelty(c *event.Case, ipdb *ipinfo.Enricher) error {
	keys := make([]string, 0, len(c.CompromisedCredentials))
	for _, cr := range c.CompromisedCredentials {
		if cr.AccessKeyID != "" && !isConsole(cr.AccessKeyID) {
			keys = append(keys, cr.AccessKeyID)
		}
	}
	keyFirst, arnFirst := firstActions(c.Actions)
	byKey, err := inv.baselines("access_key_id", keys, beforeAttack(inv.opts.Since, keyFirst), true)
	if err != nil {
		return err
	}
	byARN, err := inv.baselines("user_arn", slices.Sorted(maps.Keys(arnFirst)), beforeAttack(inv.opts.Since, arnFirst), false, dimIP)
	if err != nil {
		return err
	}
	info := &ipCache{db: ipdb, info: map[string]ipinfo.Info{}}
	for i := range c.CompromisedCredentials {
		credentialNovelty(&c.CompromisedCredentials[i], byKey, info)
	}
	ctx := addressContexts(c.Actions, inv.uaClass)
	for i := range c.SourceIPs {
		s := &c.SourceIPs[i]
		in := info.lookup(s.IP)
		s.Kind, s.Country, s.ASN, s.ASOrg, s.AWS = in.Kind, in.Country, int(in.ASN), in.ASOrg, in.AWS
		s.Principals, s.UserAgentClasses, s.NewFor = []string{}, []string{}, []string{}
		if x := ctx[s.IP]; x != nil {
			s.Principals, s.UserAgentClasses = slices.Sorted(maps.Keys(x.principals)), slices.Sorted(maps.Keys(x.classes))
		}
		s.NewFor = newFor(s.IP, byKey, byARN)
	}
	if ipdb != nil {
		c.Evidence.Enrichment = ipdb.Sources()
	}
	return inv.addressNovelty(c, ipdb)
}

// firstActions are when each access key and each principal first acted
// (actions are in time order).
func firstActions(actions []event.Action) (keyFirst, arnFirst map[string]time.Time) {
	keyFirst, arnFirst = map[string]time.Time{}, map[string]time.Time{}
	for _, a := range actions {
		if _, ok := keyFirst[a.AccessKeyID]; !ok && a.AccessKeyID != "" {
			keyFirst[a.AccessKeyID] = a.EventTime
		}
		if _, ok := arnFirst[a.PrincipalARN]; !ok && a.PrincipalARN != "" {
			arnFirst[a.PrincipalARN] = a.EventTime
		}
	}
	return keyFirst, arnFirst
}

// ipCache looks each address up once.
type ipCache struct {
	db   *ipinfo.Enricher
	info map[string]ipinfo.Info
}

func (x *ipCache) lookup(ip string) ipinfo.Info {
	in, ok := x.info[ip]
	if !ok {
		in = x.db.Lookup(ip)
		x.info[ip] = in
	}
	return in
}

// credentialNovelty fills a credential's baseline and what was new after
// it: addresses, tools, APIs, regions, and the countries and ASNs no
// baseline address shared.
func credentialNovelty(cr *event.Credential, byKey map[string]*novelty, info *ipCache) {
	cr.NewSourceIPs, cr.NewUserAgents, cr.NewAPIs, cr.NewRegions = []string{}, []string{}, []string{}, []string{}
	n := byKey[cr.AccessKeyID]
	if n == nil {
		if !isConsole(cr.AccessKeyID) {
			cr.Baseline = &event.Baseline{SourceIPs: []string{}, UserAgents: []string{}, Regions: []string{},
				Note: "no use of this key before its first event in the attacker's activity: nothing can be called new"}
		}
		return
	}
	b := n.baseline
	cr.Baseline = &b
	cr.NewSourceIPs, cr.NewUserAgents = n.list(dimIP), n.list(dimUA)
	cr.NewAPIs, cr.NewRegions = n.list(dimAPI), n.list(dimRegion)
	oldC, oldA := map[string]bool{}, map[string]bool{}
	for _, ip := range b.SourceIPs {
		in := info.lookup(ip)
		oldC[in.Country], oldA[asnLabel(in)] = true, true
	}
	newC, newA := map[string]bool{}, map[string]bool{}
	for _, ip := range cr.NewSourceIPs {
		in := info.lookup(ip)
		if in.Country != "" && !oldC[in.Country] {
			newC[in.Country] = true
		}
		if l := asnLabel(in); l != "" && !oldA[l] {
			newA[l] = true
		}
	}
	cr.NewCountries, cr.NewASNs = slices.Sorted(maps.Keys(newC)), slices.Sorted(maps.Keys(newA))
}

// ipContext is who acted from an address and with which classes of tool.
type ipContext struct{ principals, classes map[string]bool }

func addressContexts(actions []event.Action, class func(string) useragent.Class) map[string]*ipContext {
	ctx := map[string]*ipContext{}
	for _, a := range actions {
		x := ctx[a.SourceIP]
		if x == nil {
			x = &ipContext{map[string]bool{}, map[string]bool{}}
			ctx[a.SourceIP] = x
		}
		if a.PrincipalARN != "" {
			x.principals[a.PrincipalARN] = true
		}
		x.classes[class(a.UserAgent).Label()] = true
	}
	return ctx
}

// newFor lists the keys and principals an address was new for.
func newFor(ip string, byKey, byARN map[string]*novelty) []string {
	ids := map[string]bool{}
	for _, by := range []map[string]*novelty{byKey, byARN} {
		for id, n := range by {
			if _, ok := n.fresh[dimIP][ip]; ok {
				ids[id] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(ids))
}

// addressNovelty says, for each of the attacker's addresses, when it was
// first seen in the account it acted on and in the whole case, how many
// events came from it before the attacker's first use, and (with an ASN
// database) whether its network had been seen in the account before:
// novelty that does not depend on which credential used it, so an address
// used only by credentials the attacker created is judged too.
func (inv *investigation) addressNovelty(c *event.Case, ipdb *ipinfo.Enricher) error {
	// The attacker's first use of each address, and the account it acted on.
	firsts := map[string]addrFirst{}
	for _, r := range inv.attacker {
		if !cloudtrail.Address(r.IP) {
			continue
		}
		if f, ok := firsts[r.IP]; !ok || r.Time.Before(f.t) {
			firsts[r.IP] = addrFirst{r.Time, r.Account}
		}
	}
	var ips, ts, accts []string
	for _, ip := range slices.Sorted(maps.Keys(firsts)) {
		ips = append(ips, ip)
		ts = append(ts, firsts[ip].t.Format(time.RFC3339Nano))
		accts = append(accts, firsts[ip].acct)
	}
	if len(ips) == 0 {
		return nil
	}
	q := `WITH a AS (SELECT unnest(CAST(? AS VARCHAR[])) AS ip, CAST(unnest(CAST(? AS VARCHAR[])) AS TIMESTAMPTZ) AS t, unnest(CAST(? AS VARCHAR[])) AS acct)
		SELECT a.ip, min(e.event_time) FILTER (WHERE e.recipient_account_id = a.acct), min(e.event_time),
			count(*) FILTER (WHERE e.recipient_account_id = a.acct AND e.event_time < a.t),
			count(*) FILTER (WHERE e.event_time < a.t)
		FROM a JOIN events AS e ON e.source_ip = a.ip GROUP BY a.ip`
	rows, err := inv.db.QueryContext(inv.ctx, q, ips, ts, accts)
	if err != nil {
		return fmt.Errorf("address novelty: %w", err)
	}
	type nov struct {
		acct, org   sql.NullTime
		prior, orgN int
	}
	got := map[string]nov{}
	for rows.Next() {
		var ip string
		var n nov
		if err := rows.Scan(&ip, &n.acct, &n.org, &n.prior, &n.orgN); err != nil {
			rows.Close()
			return fmt.Errorf("address novelty: %w", err)
		}
		got[ip] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("address novelty: %w", err)
	}
	newNets, err := inv.newNetworks(firsts, ipdb)
	if err != nil {
		return err
	}
	for i := range c.SourceIPs {
		s := &c.SourceIPs[i]
		n, ok := got[s.IP]
		if !ok {
			continue
		}
		if n.acct.Valid {
			t := n.acct.Time.UTC()
			s.AccountFirstSeen = &t
		}
		if n.org.Valid {
			t := n.org.Time.UTC()
			s.OrgFirstSeen = &t
		}
		s.PriorEvents = n.prior
		s.NewToAccount = n.prior == 0
		s.NewToOrganization = n.orgN == 0
		s.NewNetwork = newNets[s.IP]
	}
	return nil
}

// addrFirst is the attacker's first use of an address.
type addrFirst struct {
	t    time.Time
	acct string
}

// newNetworks reports, with an ASN database, which addresses belong to an
// autonomous system no address of their account had before the attacker's
// first use of them.
func (inv *investigation) newNetworks(firsts map[string]addrFirst, ipdb *ipinfo.Enricher) (map[string]bool, error) {
	out := map[string]bool{}
	if !ipdb.HasASN() {
		return out, nil
	}
	rows, err := inv.db.QueryContext(inv.ctx, `SELECT coalesce(recipient_account_id, ''), source_ip, min(event_time) FROM events
		WHERE source_ip IS NOT NULL AND event_time IS NOT NULL GROUP BY ALL`)
	if err != nil {
		return nil, fmt.Errorf("address novelty: networks: %w", err)
	}
	defer rows.Close()
	seen := map[[2]string]time.Time{} // account, ASN → first seen
	for rows.Next() {
		var acct, ip string
		var t time.Time
		if err := rows.Scan(&acct, &ip, &t); err != nil {
			return nil, fmt.Errorf("address novelty: networks: %w", err)
		}
		if in := ipdb.Lookup(ip); in.ASN != 0 {
			k := [2]string{acct, strconv.FormatUint(uint64(in.ASN), 10)}
			if f, ok := seen[k]; !ok || t.Before(f) {
				seen[k] = t
			}
		}
	}
	for ip, f := range firsts {
		if in := ipdb.Lookup(ip); in.ASN != 0 {
			first, ok := seen[[2]string{f.acct, strconv.FormatUint(uint64(in.ASN), 10)}]
			out[ip] = !ok || !first.Before(f.t)
		}
	}
	return out, rows.Err()
}

func asnLabel(in ipinfo.Info) string {
	if in.ASN == 0 {
		return ""
	}
	l := "AS" + strconv.FormatUint(uint64(in.ASN), 10)
	if in.ASOrg != "" {
		l += " " + in.ASOrg
	}
	return l
}

// dimQueries are the SELECTs of the baseline query, one per dimension:
// the first time each value was seen for an id.
func dimQueries(dims []string) []string {
	q := map[string]string{
		dimIP:     "SELECT id, 'ip', source_ip, min(event_time), count(*) FROM e WHERE source_ip IS NOT NULL GROUP BY ALL",
		dimUA:     "SELECT id, 'ua', ua, min(event_time), count(*) FROM e GROUP BY ALL",
		dimAPI:    "SELECT id, 'api', api, min(event_time), count(*) FROM e GROUP BY ALL",
		dimRegion: "SELECT id, 'region', region, min(event_time), count(*) FROM e WHERE region <> '' GROUP BY ALL",
	}
	out := make([]string, 0, len(dims))
	for _, d := range dims {
		out = append(out, q[d])
	}
	return out
}
