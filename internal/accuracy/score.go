package accuracy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/scenario"
)

// Ratio counts one dimension: of the truth's items, how many the report
// named (recall); of the items the report named, how many are the
// attacker's (precision). Neutral items (a real dataset's own) count for
// neither.
type Ratio struct {
	Found, Truth int
	Right, Named int
}

// Recall is Found/Truth; 1 when the truth has nothing.
func (r Ratio) Recall() float64 {
	if r.Truth == 0 {
		return 1
	}
	return float64(r.Found) / float64(r.Truth)
}

// Precision is Right/Named; 1 when the report named nothing.
func (r Ratio) Precision() float64 {
	if r.Named == 0 {
		return 1
	}
	return float64(r.Right) / float64(r.Named)
}

// Score is one investigation of one scenario, measured.
type Score struct {
	Scenario, Kind, Background, Mode        string
	Creds, Addrs, Persistence, Data, Events Ratio
	// Rank is the 1-based place of the first attacker principal in
	// triage; 0 when absent or not a triage run. First is who was first.
	Rank  int
	First string
	// OwnerCreds and OwnerAddrs are the owner's credentials and addresses
	// the report named as the attacker's.
	OwnerCreds, OwnerAddrs []string
	// Compromised is how many credentials the report called compromised
	// (for a control, every one is a false alarm).
	Compromised int
	// Missed are attacker credentials and addresses the report did not name.
	Missed []string
	// Failures say in words where the run misses the bar.
	Failures []string
}

// Bar is issue 14's: every attacker credential and address found, the
// attacker first in triage, no owner credential or address named, event
// precision at least 0.95 and recall at least 0.99; for a control,
// nothing compromised.
const (
	minEventPrecision = 0.95
	minEventRecall    = 0.99
)

// Evaluate scores report c of mode against truth t.
func Evaluate(t *scenario.Truth, mode string, c *event.Case) Score {
	s := Score{Scenario: t.Scenario, Kind: t.Kind, Background: t.Background, Mode: mode, Compromised: len(c.CompromisedCredentials)}
	k := newSides(t)
	s.scoreCreds(c, k)
	s.scoreAddrs(c, k)
	s.Persistence = matchItems(reportedPersistence(c, k.neutral), persistenceNames(k.persistence))
	s.Data = scoreData(c, t.Neutral.Data, k.data)
	s.Events = scoreEvents(c, k)
	if mode == ModeTriage && len(c.Triage) > 0 {
		s.First, s.Rank = c.Triage[0].PrincipalARN, triageRank(c, k.principals)
	}
	slices.Sort(s.Missed)
	slices.Sort(s.OwnerCreds)
	slices.Sort(s.OwnerAddrs)
	s.Failures = s.failures(t)
	return s
}

// sides is the truth as sets: what is neutral, the owner's and the
// attacker's (nil maps and lists for a control).
type sides struct {
	neutral                       map[string]bool
	ownerCreds, ownerAddrs        map[string]bool
	atkCreds, atkAddrs, atkEvents map[string]bool
	principals                    []string
	persistence                   []scenario.PersistenceTruth
	data                          []string
}

func newSides(t *scenario.Truth) sides {
	k := sides{
		neutral:    set(t.Neutral.Credentials, t.Neutral.Addresses, t.Neutral.EventIDs),
		ownerCreds: set(t.Owner.Credentials),
		ownerAddrs: set(t.Owner.Addresses),
	}
	if a := t.Attack; a != nil {
		k.atkCreds, k.atkAddrs, k.atkEvents = map[string]bool{}, map[string]bool{}, set(a.EventIDs)
		for _, cr := range a.Credentials {
			k.atkCreds[cr.AccessKeyID] = true
		}
		for _, ad := range a.Addresses {
			k.atkAddrs[ad.IP] = true
		}
		k.principals, k.persistence, k.data = a.Principals, a.Persistence, a.Data
	}
	return k
}

// scoreCreds scores the compromised credentials. One without a key is
// named principal@address: it is the attacker's (or the owner's, or
// neutral) when its address is.
func (s *Score) scoreCreds(c *event.Case, k sides) {
	named := map[string]bool{}
	for _, cr := range c.CompromisedCredentials {
		id := cr.AccessKeyID
		ip := ""
		if at := strings.LastIndex(id, "@"); at > 0 && !k.atkCreds[id] {
			ip = id[at+1:]
		}
		if k.neutral[id] || (ip != "" && k.neutral[ip]) || named[id] {
			continue
		}
		named[id] = true
		s.Creds.Named++
		switch {
		case k.atkCreds[id] || (ip != "" && k.atkAddrs[ip]):
			s.Creds.Right++
		case k.ownerCreds[id] || (ip != "" && k.ownerAddrs[ip]):
			s.OwnerCreds = append(s.OwnerCreds, id)
		}
	}
	s.Creds.Truth = len(k.atkCreds)
	for id := range k.atkCreds {
		if named[id] {
			s.Creds.Found++
		} else {
			s.Missed = append(s.Missed, id)
		}
	}
}

// scoreAddrs scores the source addresses the report lists.
func (s *Score) scoreAddrs(c *event.Case, k sides) {
	namedIP := map[string]bool{}
	for _, ip := range c.SourceIPs {
		if _, err := netip.ParseAddr(ip.IP); err != nil || k.neutral[ip.IP] || namedIP[ip.IP] {
			continue
		}
		namedIP[ip.IP] = true
		s.Addrs.Named++
		switch {
		case k.atkAddrs[ip.IP]:
			s.Addrs.Right++
		case k.ownerAddrs[ip.IP]:
			s.OwnerAddrs = append(s.OwnerAddrs, ip.IP)
		}
	}
	s.Addrs.Truth = len(k.atkAddrs)
	for ip := range k.atkAddrs {
		if namedIP[ip] {
			s.Addrs.Found++
		} else {
			s.Missed = append(s.Missed, ip)
		}
	}
}

// reportedPersistence is the resources of the report's persistence items
// not made by neutral events; a truth item is found when one names it.
func reportedPersistence(c *event.Case, neutral map[string]bool) []string {
	var reported []string
	for _, p := range c.Persistence {
		if !neutral[p.EventID] {
			reported = append(reported, p.Resource)
		}
	}
	return reported
}

// scoreData scores the data the report says was accessed, S3 by bucket,
// against the attacker's data; neutral data counts for neither.
func scoreData(c *event.Case, neutralData, data []string) Ratio {
	var touched []string
	for _, d := range c.DataAccessed {
		if r := bucketOf(d.Resource); !anySame(r, neutralData) {
			touched = append(touched, r)
		}
	}
	var dataNames [][]string
	for _, d := range data {
		dataNames = append(dataNames, []string{d})
	}
	return matchItems(dedupe(touched), dataNames)
}

// scoreEvents scores the report's actions against the attacker's events.
func scoreEvents(c *event.Case, k sides) Ratio {
	var r Ratio
	seen := map[string]bool{}
	for _, a := range c.Actions {
		if k.neutral[a.EventID] || seen[a.EventID] {
			continue
		}
		seen[a.EventID] = true
		r.Named++
		if k.atkEvents[a.EventID] {
			r.Right++
		}
	}
	r.Truth = len(k.atkEvents)
	for id := range k.atkEvents {
		if seen[id] {
			r.Found++
		}
	}
	return r
}

// triageRank is the 1-based place of the first attacker principal in
// triage, 0 when none is there.
func triageRank(c *event.Case, principals []string) int {
	for i, e := range c.Triage {
		if samePrincipal(e.PrincipalARN, principals) {
			return i + 1
		}
	}
	return 0
}

func (s Score) failures(t *scenario.Truth) []string {
	var f []string
	if !t.Compromised {
		if s.Compromised > 0 {
			f = append(f, fmt.Sprintf("control: %d credentials called compromised", s.Compromised))
		}
		if len(s.OwnerAddrs) > 0 {
			f = append(f, fmt.Sprintf("control: %d owner addresses named as the attacker's", len(s.OwnerAddrs)))
		}
		return f
	}
	if s.Creds.Recall() < 1 {
		f = append(f, fmt.Sprintf("attacker credentials missed: %d of %d", s.Creds.Truth-s.Creds.Found, s.Creds.Truth))
	}
	if s.Addrs.Recall() < 1 {
		f = append(f, fmt.Sprintf("attacker addresses missed: %d of %d", s.Addrs.Truth-s.Addrs.Found, s.Addrs.Truth))
	}
	if len(s.OwnerCreds) > 0 {
		f = append(f, fmt.Sprintf("owner credentials named as the attacker's: %d (%s)", len(s.OwnerCreds), abbreviate(s.OwnerCreds)))
	}
	if len(s.OwnerAddrs) > 0 {
		f = append(f, fmt.Sprintf("owner addresses named as the attacker's: %d (%s)", len(s.OwnerAddrs), abbreviate(s.OwnerAddrs)))
	}
	if s.Mode == ModeTriage && s.Rank != 1 {
		if s.Rank == 0 {
			f = append(f, "attacker not in triage; first: "+s.First)
		} else {
			f = append(f, fmt.Sprintf("attacker ranked %d in triage; first: %s", s.Rank, s.First))
		}
	}
	switch {
	case s.Events.Named == 0:
		f = append(f, "no event reported")
	case s.Events.Precision() < minEventPrecision:
		f = append(f, fmt.Sprintf("event precision %.2f < %.2f (%d of %d reported events are the attacker's)", s.Events.Precision(), minEventPrecision, s.Events.Right, s.Events.Named))
	}
	if s.Events.Recall() < minEventRecall {
		f = append(f, fmt.Sprintf("event recall %.2f < %.2f (%d of %d attacker events)", s.Events.Recall(), minEventRecall, s.Events.Found, s.Events.Truth))
	}
	return f
}

// Pass says whether the run meets the bar.
func (s Score) Pass() bool { return len(s.Failures) == 0 }

func abbreviate(s []string) string {
	if len(s) <= 3 {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:3], ", ") + ", …"
}

func set(lists ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, v := range l {
			m[v] = true
		}
	}
	return m
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func persistenceNames(ps []scenario.PersistenceTruth) [][]string {
	var out [][]string
	for _, p := range ps {
		out = append(out, append([]string{p.Resource}, p.Aliases...))
	}
	return out
}

// matchItems: each truth item has several acceptable names; a reported
// item is right when it names one of them.
func matchItems(reported []string, truth [][]string) Ratio {
	r := Ratio{Truth: len(truth), Named: len(reported)}
	for _, names := range truth {
		for _, rep := range reported {
			if anySame(rep, names) {
				r.Found++
				break
			}
		}
	}
	for _, rep := range reported {
		for _, names := range truth {
			if anySame(rep, names) {
				r.Right++
				break
			}
		}
	}
	return r
}

func anySame(rep string, names []string) bool {
	for _, n := range names {
		if sameThing(rep, n) {
			return true
		}
	}
	return false
}

// sameThing: equal, or one is the other's last path or ARN segment, or a
// long identifier (a key id, an ARN) inside the other.
func sameThing(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	for _, sep := range []string{"/", ":", " "} {
		if strings.HasSuffix(a, sep+b) || strings.HasSuffix(b, sep+a) {
			return true
		}
	}
	return len(b) >= 16 && strings.Contains(a, b) || len(a) >= 16 && strings.Contains(b, a)
}

// bucketOf reduces s3://bucket/key to s3://bucket.
func bucketOf(r string) string {
	if rest, ok := strings.CutPrefix(r, "s3://"); ok {
		if i := strings.Index(rest, "/"); i >= 0 {
			return "s3://" + rest[:i]
		}
	}
	return r
}

// samePrincipal: the ARN is one of the attacker's, or the role whose
// session the attacker used.
func samePrincipal(arn string, principals []string) bool {
	for _, p := range principals {
		if arn == p {
			return true
		}
		// arn:aws:sts::A:assumed-role/R/S  ~  arn:aws:iam::A:role[/path]/R
		if strings.Contains(p, ":assumed-role/") && strings.Contains(arn, ":role/") {
			acctRole := strings.SplitN(strings.TrimPrefix(p, "arn:aws:sts::"), ":assumed-role/", 2)
			if len(acctRole) == 2 {
				role := strings.SplitN(acctRole[1], "/", 2)[0]
				if strings.HasPrefix(arn, "arn:aws:iam::"+acctRole[0]+":role/") && strings.HasSuffix(arn, "/"+role) {
					return true
				}
			}
		}
	}
	return false
}
