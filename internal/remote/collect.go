package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/atomicfile"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
	"github.com/trailsleuth/trailsleuth/internal/useragent"
)

// Indicators start an investigation: access key ids, principals (ARN or IAM
// user name) and source IPs or CIDRs.
type Indicators struct {
	Keys, Principals, IPs []string
}

func (in Indicators) empty() bool { return len(in.Keys)+len(in.Principals)+len(in.IPs) == 0 }

// CollectOptions say which events to bring home.
type CollectOptions struct {
	Scope      Scope
	Indicators Indicators
	// MaxRounds bounds the credential expansion (default 10).
	MaxRounds int
	// Dir receives one JSON-lines file per query that returned events.
	Dir    string
	Ledger *Ledger
	// Engine names the files and labels ("athena", "lake").
	Engine string
}

// Collection is what Collect fetched.
type Collection struct {
	// Files are the JSON-lines files written, with the label each should
	// carry as a source of the case (engine, query id, purpose, bytes scanned).
	Files  []string
	Labels map[string]string
	Events int
	Rounds int
	// Keys and Principals are every indicator followed, given or derived.
	Keys, Principals []string
	Notes            []string
}

// grantEvents are the calls that produce credentials or open a way to
// them; internal/analyze expands credentials through the same calls.
var grantEvents = []string{
	"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetSessionToken", "GetFederationToken",
	"CreateAccessKey", "CreateUser", "CreateLoginProfile", "UpdateLoginProfile", "UpdateAssumeRolePolicy",
}

// GrantsSQL reads every successful credential-granting call in scope (the
// analysis links credentials through them), AWS services' own left out.
func GrantsSQL(t Target, s Scope) string {
	preds := append(t.wherePreds(s),
		t.col("eventname", "eventName")+" IN ("+sqlquote.Strings(grantEvents)+")",
		t.col("errorcode", "errorCode")+" IS NULL",
		"coalesce("+t.col("useridentity.type", "userIdentity.type")+", '') <> 'AWSService'")
	return t.fetchSelect() + "\nFROM " + t.Table + "\nWHERE " + strings.Join(preds, "\n  AND ") + "\n"
}

// EventsSQL reads every event in scope made with one of the indicators.
func EventsSQL(t Target, s Scope, in Indicators) string {
	var or []string
	if len(in.Keys) > 0 {
		or = append(or, t.col("useridentity.accesskeyid", "userIdentity.accessKeyId")+" IN ("+sqlquote.Strings(in.Keys)+")")
	}
	if p := in.Principals; len(p) > 0 {
		l := sqlquote.Strings(p)
		or = append(or,
			t.col("useridentity.arn", "userIdentity.arn")+" IN ("+l+")",
			t.col("useridentity.username", "userIdentity.userName")+" IN ("+l+")",
			t.col("useridentity.sessioncontext.sessionissuer.arn", "userIdentity.sessionContext.sessionIssuer.arn")+" IN ("+l+")",
			t.col("useridentity.sessioncontext.sessionissuer.username", "userIdentity.sessionContext.sessionIssuer.userName")+" IN ("+l+")")
	}
	var plain []string
	ip := t.col("sourceipaddress", "sourceIPAddress")
	for _, v := range in.IPs {
		if strings.Contains(v, "/") {
			or = append(or, "contains("+sqlquote.String(v)+", TRY_CAST("+ip+" AS IPADDRESS))")
		} else {
			plain = append(plain, v)
		}
	}
	if len(plain) > 0 {
		or = append(or, ip+" IN ("+sqlquote.Strings(plain)+")")
	}
	preds := append(t.wherePreds(s), "(\n       "+strings.Join(or, "\n    OR ")+"\n  )")
	return t.fetchSelect() + "\nFROM " + t.Table + "\nWHERE " + strings.Join(preds, "\n  AND ") + "\n"
}

// lite is what Collect reads back from an event to follow credentials.
type lite struct {
	EventID      string
	EventName    string
	EventTime    string
	SourceIP     string `json:"sourceIPAddress"`
	UserIdentity struct {
		Type, Arn, AccessKeyID, UserName string
		SessionContext                   struct {
			SessionIssuer struct{ Arn, UserName string }
		}
	}
	RequestParameters map[string]any
	ResponseElements  map[string]any
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}

// follower tracks the indicators known and the events already fetched.
type follower struct {
	keys, principals map[string]bool
	prefixes         []netip.Prefix
	addrs            map[string]bool
	roles            map[string]string // role name → time its trust policy changed
}

func (f *follower) matches(e *lite) bool {
	u := e.UserIdentity
	if f.keys[u.AccessKeyID] || f.principals[u.Arn] || (u.UserName != "" && f.principals[u.UserName]) ||
		f.principals[u.SessionContext.SessionIssuer.Arn] {
		return true
	}
	if f.addrs[e.SourceIP] {
		return true
	}
	if a, err := netip.ParseAddr(e.SourceIP); err == nil {
		for _, p := range f.prefixes {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// derive returns the credentials and users a grant gives, when the
// attacker made it (or it opens a role whose trust the attacker changed).
func (f *follower) derive(g *lite) (keys, users []string) {
	mine := f.matches(g)
	switch g.EventName {
	case "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetSessionToken", "GetFederationToken":
		k := str(g.ResponseElements, "credentials", "accessKeyId")
		role := str(g.RequestParameters, "roleArn")
		if i := strings.LastIndexByte(role, '/'); i >= 0 {
			role = role[i+1:]
		}
		if changed, ok := f.roles[role]; ok && g.EventTime > changed {
			mine = true
		}
		if mine && k != "" {
			keys = append(keys, k)
		}
	case "CreateAccessKey":
		if k := str(g.ResponseElements, "accessKey", "accessKeyId"); mine && k != "" {
			keys = append(keys, k)
		}
	case "CreateUser", "CreateLoginProfile", "UpdateLoginProfile":
		if u := str(g.RequestParameters, "userName"); mine && u != "" {
			users = append(users, u)
		}
	case "UpdateAssumeRolePolicy":
		if r := str(g.RequestParameters, "roleName"); mine && r != "" {
			if _, ok := f.roles[r]; !ok {
				f.roles[r] = g.EventTime
			}
		}
	}
	return keys, users
}

// Collect selects the events of an investigation remotely and writes them
// as JSON lines under o.Dir: every credential-granting call in scope, and
// every event of the indicators and of the credentials derived from them
// (sessions they assumed, keys they created, users they created or gave a
// console password, roles whose trust they changed), round after round
// until nothing new appears or o.MaxRounds is reached.
func Collect(ctx context.Context, run Runner, t Target, o CollectOptions) (*Collection, error) {
	if o.Indicators.empty() {
		return nil, fmt.Errorf("collect: no indicators (key, principal or IP)")
	}
	rounds := o.MaxRounds
	if rounds <= 0 {
		rounds = 10
	}
	cr := &collector{run: run, t: t, o: o, c: &Collection{Labels: map[string]string{}}}
	grants, err := cr.fetch(ctx, "credential grants in scope", GrantsSQL(t, o.Scope))
	if err != nil {
		return nil, err
	}
	f := newFollower(o.Indicators.IPs)
	for next := o.Indicators; !next.empty(); {
		if cr.c.Rounds == rounds {
			cr.c.Notes = append(cr.c.Notes, fmt.Sprintf("credential expansion stopped after %d rounds; not followed: %s", rounds,
				strings.Join(append(append([]string{}, next.Keys...), next.Principals...), ", ")))
			break
		}
		if next, err = cr.round(ctx, f, next, grants); err != nil {
			return nil, err
		}
	}
	return cr.c, nil
}

// collector runs Collect's queries and keeps what they brought.
type collector struct {
	run Runner
	t   Target
	o   CollectOptions
	c   *Collection
}

// round fetches the events of the indicators next (one round of Collect)
// and returns the indicators derived from them through the grants.
func (cr *collector) round(ctx context.Context, f *follower, next Indicators, grants []*lite) (Indicators, error) {
	c := cr.c
	c.Rounds++
	f.know(next)
	c.Keys = append(c.Keys, next.Keys...)
	c.Principals = append(c.Principals, next.Principals...)
	if _, err := cr.fetch(ctx, fmt.Sprintf("events of indicators, round %d", c.Rounds), EventsSQL(cr.t, cr.o.Scope, next)); err != nil {
		return Indicators{}, err
	}
	return f.expand(grants), nil
}

// fetch runs one query, records it in the ledger, saves the events it
// returned as a file of the collection and returns them as lites.
func (cr *collector) fetch(ctx context.Context, purpose, sql string) ([]*lite, error) {
	rs, err := cr.run.Run(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", purpose, err)
	}
	cr.o.Ledger.add(purpose, rs)
	evs, err := cr.t.EventsFromRows(rs)
	if err != nil {
		return nil, err
	}
	out := make([]*lite, 0, len(evs))
	for _, b := range evs {
		var l lite
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("%s: %w", purpose, err)
		}
		out = append(out, &l)
	}
	if len(evs) == 0 {
		return out, nil
	}
	return out, cr.save(purpose, rs, evs)
}

// save writes a query's events as the collection's next file, labelled
// with the engine, query id, purpose and bytes scanned.
func (cr *collector) save(purpose string, rs *Result, evs [][]byte) error {
	c, o := cr.c, cr.o
	name := filepath.Join(o.Dir, fmt.Sprintf("%s-%03d-%s.jsonl", o.Engine, len(c.Files)+1, safeName(rs.QueryID)))
	data := append(bytesJoin(evs), '\n')
	if err := atomicfile.Write(name, 0o600, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	c.Files = append(c.Files, name)
	c.Labels[name] = fmt.Sprintf("%s:query/%s (%s; %s scanned)", o.Engine, rs.QueryID, purpose, HumanBytes(rs.Stats.BytesScanned))
	c.Events += len(evs)
	return nil
}

// newFollower starts following the given source IPs and CIDRs.
func newFollower(ips []string) *follower {
	f := &follower{keys: map[string]bool{}, principals: map[string]bool{}, addrs: map[string]bool{}, roles: map[string]string{}}
	for _, ip := range ips {
		if p, err := netip.ParsePrefix(ip); err == nil {
			f.prefixes = append(f.prefixes, p)
		} else {
			f.addrs[ip] = true
		}
	}
	return f
}

// know marks indicators as followed.
func (f *follower) know(in Indicators) {
	for _, k := range in.Keys {
		f.keys[k] = true
	}
	for _, p := range in.Principals {
		f.principals[p] = true
	}
}

// expand returns the keys and users the grants give that are not followed
// yet, sorted.
func (f *follower) expand(grants []*lite) Indicators {
	var next Indicators
	// Derivations chain (a role's trust changed, then assumed), so run over
	// the grants until they give nothing new.
	for changed := true; changed; {
		changed = false
		for _, g := range grants {
			keys, users := f.derive(g)
			for _, k := range keys {
				if !f.keys[k] && !contains(next.Keys, k) {
					next.Keys = append(next.Keys, k)
					f.keys[k] = true
					changed = true
				}
			}
			for _, u := range users {
				if !f.principals[u] && !contains(next.Principals, u) {
					next.Principals = append(next.Principals, u)
					f.principals[u] = true
					changed = true
				}
			}
		}
	}
	sort.Strings(next.Keys)
	sort.Strings(next.Principals)
	// Not yet fetched: mark them unknown again so the next round's
	// bookkeeping adds them to the lists once.
	for _, k := range next.Keys {
		delete(f.keys, k)
	}
	for _, p := range next.Principals {
		delete(f.principals, p)
	}
	return next
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func bytesJoin(lines [][]byte) []byte {
	var n int
	for _, l := range lines {
		n += len(l) + 1
	}
	out := make([]byte, 0, n)
	for i, l := range lines {
		if i > 0 {
			out = append(out, '\n')
		}
		out = append(out, l...)
	}
	return out
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

// TriageIndicators picks indicators when none were given: the credentials
// behind high and critical hits of a remote hunt, and those used with
// offensive-tool user agents (one GROUP BY query).
func TriageIndicators(ctx context.Context, run Runner, t Target, s Scope, hits []event.Finding, l *Ledger) (Indicators, error) {
	var ids []string
	for _, h := range hits {
		if lv, _ := event.ParseSeverity(h.Level); lv >= event.SeverityHigh {
			ids = append(ids, h.EventIDs...)
		}
	}
	keyCol := t.col("useridentity.accesskeyid", "userIdentity.accessKeyId")
	arnCol := t.col("useridentity.arn", "userIdentity.arn")
	var in Indicators
	add := func(purpose, sql string) error {
		rs, err := run.Run(ctx, sql)
		if err != nil {
			return fmt.Errorf("%s: %w", purpose, err)
		}
		l.add(purpose, rs)
		idx := rs.index()
		kp, ap := -1, -1
		if i, ok := idx["access_key_id"]; ok {
			kp = i
		}
		if i, ok := idx["arn"]; ok {
			ap = i
		}
		for _, row := range rs.Rows {
			key, arn := rs.cell(row, kp), rs.cell(row, ap)
			switch {
			case key != nil && *key != "":
				if !contains(in.Keys, *key) {
					in.Keys = append(in.Keys, *key)
				}
			case arn != nil && *arn != "":
				if !contains(in.Principals, *arn) {
					in.Principals = append(in.Principals, *arn)
				}
			}
		}
		return nil
	}
	sel := "SELECT " + keyCol + " AS access_key_id, " + arnCol + " AS arn, count(*) AS events\nFROM " + t.Table + "\nWHERE "
	group := "\nGROUP BY 1, 2\n"
	const chunk = 500 // keeps each statement far below the services' length limits
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		preds := append(t.wherePreds(s), t.col("eventid", "eventID")+" IN ("+sqlquote.Strings(part)+")")
		if err := add("principals of high and critical hits", sel+strings.Join(preds, "\n  AND ")+group); err != nil {
			return in, err
		}
	}
	preds := append(t.wherePreds(s), "regexp_like("+t.col("useragent", "userAgent")+", "+sqlquote.String(useragent.New().OffensivePattern())+")")
	if err := add("principals with offensive-tool user agents", sel+strings.Join(preds, "\n  AND ")+group); err != nil {
		return in, err
	}
	sort.Strings(in.Keys)
	sort.Strings(in.Principals)
	return in, nil
}
