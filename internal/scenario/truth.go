package scenario

import (
	"net/netip"
	"sort"
	"time"
)

// Truth is what happened in a scenario, written as truth.json beside its
// logs. docs/accuracy.md describes every field.
type Truth struct {
	Scenario   string `json:"scenario"`
	Kind       string `json:"kind"` // "incident" or "control"
	Title      string `json:"title"`
	Story      string `json:"story"`
	Background string `json:"background"` // "model", "ctgen", "dataset:<folder>"
	Seed       uint64 `json:"seed"`
	// Accounts are the accounts with logs; Start and End the span of the logs.
	Accounts []string  `json:"accounts"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Events   int       `json:"events"`
	// Compromised is false for a control: nothing in the logs is an attacker's.
	Compromised bool       `json:"compromised"`
	Indicator   *Indicator `json:"indicator,omitempty"`
	Attack      *Attack    `json:"attack,omitempty"`
	// Owner: every credential and address the organisation's own people,
	// machines and services used that the attacker did not. None of them
	// may be named as the attacker's.
	Owner Party `json:"owner"`
	// Neutral: a real dataset's own events, credentials and addresses.
	// Nobody here knows their story, so they count neither for nor
	// against the tool.
	Neutral Party `json:"neutral"`
}

// Indicator is what a responder would start from: one investigate flag.
type Indicator struct {
	Flag  string `json:"flag"` // --key, --ip or --principal
	Value string `json:"value"`
	Why   string `json:"why"`
}

// Attack is the attacker's footprint.
type Attack struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Principal is the first foothold: the identity triage should rank first.
	Principal string `json:"principal"`
	// Principals are every identity the attacker acted as (ARNs as
	// CloudTrail writes userIdentity.arn); ranking any of them first counts.
	Principals  []string           `json:"principals"`
	Credentials []CredentialTruth  `json:"credentials"`
	Addresses   []AddressTruth     `json:"addresses"`
	UserAgents  []string           `json:"user_agents"`
	Persistence []PersistenceTruth `json:"persistence"`
	// Data are the data resources the attacker read, copied, encrypted or
	// deleted: s3://bucket, secret ARNs, parameter names.
	Data     []string `json:"data"`
	EventIDs []string `json:"event_ids"`
}

// CredentialTruth is a key the attacker used.
type CredentialTruth struct {
	AccessKeyID  string `json:"access_key_id"`
	PrincipalARN string `json:"principal_arn"`
	How          string `json:"how"`
	// SharedWithOwner: the owner used the same key too (a leaked or stolen
	// key): revoke it, but its owner's events are not the attacker's.
	SharedWithOwner bool `json:"shared_with_owner,omitempty"`
}

// AddressTruth is an address the attacker used, with its network.
type AddressTruth struct {
	IP      string `json:"ip"`
	Kind    string `json:"kind"` // residential, hosting, vpn, tor, aws, …
	ASN     int    `json:"asn,omitempty"`
	Org     string `json:"org,omitempty"`
	Country string `json:"country,omitempty"`
	// SharedWithOwner: the owner used it too (an insider at home).
	SharedWithOwner bool `json:"shared_with_owner,omitempty"`
}

// PersistenceTruth is something the attacker left behind. Resource is the
// name a report should give; Aliases are other spellings of the same thing
// (an ARN and a bare name).
type PersistenceTruth struct {
	Kind     string   `json:"kind"`
	Resource string   `json:"resource"`
	Aliases  []string `json:"aliases,omitempty"`
}

// Party is one side's credentials and addresses; for neutral also its
// events and the data resources they touched.
type Party struct {
	Credentials []string `json:"credentials"`
	Addresses   []string `json:"addresses"`
	EventIDs    []string `json:"event_ids,omitempty"`
	Data        []string `json:"data,omitempty"`
}

// buildTruth reads the sides off the records.
func buildTruth(recs []*Record, p *Plan) (atk *Attack, owner, neutral Party) {
	sets := map[string]*struct{ creds, addrs, ids map[string]bool }{}
	for _, side := range []string{sideOwner, sideAttacker, sideNeutral} {
		sets[side] = &struct{ creds, addrs, ids map[string]bool }{map[string]bool{}, map[string]bool{}, map[string]bool{}}
	}
	credPrincipal := map[string]string{}
	principals := map[string]bool{}
	uas := map[string]bool{}
	var first, last time.Time
	for _, r := range recs {
		s := sets[r.side]
		s.ids[r.EventID] = true
		if k := r.UserIdentity.AccessKeyID; k != "" {
			s.creds[k] = true
			if _, ok := credPrincipal[k]; !ok {
				credPrincipal[k] = r.UserIdentity.ARN
			}
		}
		// A key handed out belongs to the side that had it handed out,
		// used or not (a key the attacker made and never used must still
		// be revoked); the attacker's use of an owner's key makes it the
		// attacker's below.
		if k := r.issued; k != "" {
			s.creds[k] = true
		}
		if isAddr(r.SourceIPAddress) {
			s.addrs[r.SourceIPAddress] = true
		}
		if r.side == sideAttacker {
			if r.UserIdentity.ARN != "" {
				principals[r.UserIdentity.ARN] = true
			}
			uas[r.UserAgent] = true
			if first.IsZero() || r.time.Before(first) {
				first = r.time
			}
			if r.time.After(last) {
				last = r.time
			}
		}
	}
	a, o, n := sets[sideAttacker], sets[sideOwner], sets[sideNeutral]
	owner = Party{Credentials: minus(o.creds, a.creds), Addresses: minus(o.addrs, a.addrs)}
	neutral = Party{Credentials: minus(minusSet(n.creds, a.creds), o.creds), Addresses: minus(minusSet(n.addrs, a.addrs), o.addrs), EventIDs: keys(n.ids)}
	if len(a.ids) == 0 {
		return nil, owner, neutral
	}
	atk = &Attack{Start: first, End: last, Principal: p.Principal, Principals: keys(principals), UserAgents: keys(uas), EventIDs: keys(a.ids),
		Persistence: p.persistence, Data: seenData(recs, p.data)}
	if atk.Persistence == nil {
		atk.Persistence = []PersistenceTruth{}
	}
	if atk.Data == nil {
		atk.Data = []string{}
	}
	for _, k := range keys(a.creds) {
		how := p.how[k]
		if how == "" {
			how = "used by the attacker"
		}
		atk.Credentials = append(atk.Credentials, CredentialTruth{AccessKeyID: k, PrincipalARN: credPrincipal[k], How: how, SharedWithOwner: o.creds[k] || n.creds[k]})
	}
	for _, ip := range keys(a.addrs) {
		at := AddressTruth{IP: ip, Kind: "unknown", SharedWithOwner: o.addrs[ip]}
		if nw := NetworkOf(ip); nw != nil {
			at.Kind, at.ASN, at.Org, at.Country = nw.Kind, nw.ASN, nw.Org, nw.Country
		}
		atk.Addresses = append(atk.Addresses, at)
	}
	return atk, owner, neutral
}

func isAddr(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && !a.IsUnspecified()
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func minus(a, b map[string]bool) []string { return keys(minusSet(a, b)) }

func minusSet(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		if !b[k] {
			out[k] = true
		}
	}
	return out
}

// seenData keeps the data the attacker touched that the logs show: a
// bucket counts only when one of the attacker's object-level events on it
// was recorded (without data events, reads of it cannot be seen).
func seenData(recs []*Record, data []string) []string {
	logged := map[string]bool{}
	for _, r := range recs {
		if r.side != sideAttacker || !r.data {
			continue
		}
		if m, ok := r.RequestParameters.(M); ok {
			if b, ok := m["bucketName"].(string); ok {
				logged["s3://"+b] = true
			}
		}
	}
	var out []string
	for _, d := range data {
		if len(d) > 5 && d[:5] == "s3://" && !logged[d] {
			continue
		}
		out = append(out, d)
	}
	return out
}
