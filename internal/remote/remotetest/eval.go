package remotetest

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/remote"
)

var literal = regexp.MustCompile(`'((?:[^']|'')*)'`)

func literals(s string) []string {
	var out []string
	for _, m := range literal.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.ReplaceAll(m[1], "''", "'"))
	}
	return out
}

// EventQueries answers the statements remote.Collect and
// remote.TriageIndicators send, from real events, by recognising each kind
// of statement and the literals in it (it parses no SQL; the statements
// themselves are checked by golden files):
//   - the credential grants (… eventname IN ('AssumeRole', …)): successful
//     grant events of non-AWSService identities;
//   - events of indicators: events whose access key, ARN, user name,
//     session issuer or source IP is one of the literals of the OR block;
//   - the triage queries (GROUP BY 1, 2): access key and ARN of the events
//     whose id is listed, or whose user agent matches the regexp.
//
// The window, accounts and regions are not applied: tests run unscoped.
func EventQueries(evs []Event, t remote.Target) Handler {
	cols := t.FetchColumns()
	lake := t.Dialect == "lake"
	rows := func(pick func(Event) bool) ([]string, [][]*string, error) {
		var out [][]*string
		for _, e := range evs {
			if pick(e) {
				out = append(out, Row(e, cols, lake))
			}
		}
		return cols, out, nil
	}
	return func(sql string) ([]string, [][]*string, error) {
		switch {
		case strings.Contains(sql, "GROUP BY 1, 2"):
			return triage(evs, sql)
		case strings.Contains(sql, " IN ('AssumeRole', "):
			grants := []string{"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetSessionToken", "GetFederationToken",
				"CreateAccessKey", "CreateUser", "CreateLoginProfile", "UpdateLoginProfile", "UpdateAssumeRolePolicy"}
			return rows(func(e Event) bool {
				return slices.Contains(grants, e.Str("eventName")) && e.Get("errorCode") == nil && e.Str("userIdentity.type") != "AWSService"
			})
		case strings.Contains(sql, "(\n       "):
			i := strings.LastIndex(sql, "(\n       ")
			if i < 0 {
				return nil, nil, fmt.Errorf("remotetest: no indicator block in %q", sql)
			}
			vals := map[string]bool{}
			var nets []netip.Prefix
			for _, l := range literals(sql[i:]) {
				if p, err := netip.ParsePrefix(l); err == nil {
					nets = append(nets, p)
				}
				vals[l] = true
			}
			return rows(func(e Event) bool {
				for _, f := range []string{"userIdentity.accessKeyId", "userIdentity.arn", "userIdentity.userName",
					"userIdentity.sessionContext.sessionIssuer.arn", "userIdentity.sessionContext.sessionIssuer.userName", "sourceIPAddress"} {
					if v := e.Str(f); v != "" && vals[v] {
						return true
					}
				}
				if a, err := netip.ParseAddr(e.Str("sourceIPAddress")); err == nil {
					for _, p := range nets {
						if p.Contains(a) {
							return true
						}
					}
				}
				return false
			})
		}
		return nil, nil, fmt.Errorf("remotetest: no canned answer for %q", sql)
	}
}

func triage(evs []Event, sql string) ([]string, [][]*string, error) {
	var pick func(Event) bool
	if i := strings.Index(sql, "regexp_like("); i >= 0 {
		ls := literals(sql[i:])
		if len(ls) == 0 {
			return nil, nil, fmt.Errorf("remotetest: no pattern in %q", sql)
		}
		re, err := regexp.Compile(ls[0])
		if err != nil {
			return nil, nil, err
		}
		pick = func(e Event) bool { return re.MatchString(e.Str("userAgent")) }
	} else {
		i := strings.LastIndex(sql, " IN (")
		ids := map[string]bool{}
		for _, l := range literals(sql[i:]) {
			ids[l] = true
		}
		pick = func(e Event) bool { return ids[e.Str("eventID")] }
	}
	count := map[[2]string]int{}
	var order [][2]string
	for _, e := range evs {
		if !pick(e) {
			continue
		}
		k := [2]string{e.Str("userIdentity.accessKeyId"), e.Str("userIdentity.arn")}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	var out [][]*string
	for _, k := range order {
		out = append(out, []*string{nonEmpty(k[0]), nonEmpty(k[1]), S(fmt.Sprint(count[k]))})
	}
	return []string{"access_key_id", "arn", "events"}, out, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
