package sigma

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fixtureDB is a case database of testdata/events.jsonl: twelve crafted
// events, one of them without an eventID.
func fixtureDB(t *testing.T) *caseDB {
	t.Helper()
	return loadCase(t, filepath.Join("testdata", "events.jsonl"))
}

const header = "title: t\nid: 00000000-0000-0000-0000-000000000001\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n"

// TestSemantics checks each construct with both the matcher and the DuckDB
// SQL on the same ingested events; both must give exactly want ("SYN" is the
// event without an eventID, stored under a synthetic id).
func TestSemantics(t *testing.T) {
	db := fixtureDB(t)
	syn := ""
	for _, ev := range db.events {
		if strings.HasPrefix(ev.ID, "synthetic-") {
			syn = ev.ID
		}
	}
	if syn == "" || len(db.events) != 12 {
		t.Fatalf("fixture: %d events, synthetic %q", len(db.events), syn)
	}
	all := func(except ...string) []string {
		var out []string
	next:
		for _, ev := range db.events {
			for _, e := range except {
				if ev.ID == e || (e == "SYN" && ev.ID == syn) {
					continue next
				}
			}
			out = append(out, ev.ID)
		}
		return out
	}
	cases := []struct {
		name string
		det  string
		ph   map[string][]string
		want []string
	}{
		{"equality is case-insensitive", "sel: {eventName: stoplogging}\ncondition: sel", nil, []string{"e01", "SYN"}},
		{"list of values is OR", "sel: {eventName: [StopLogging, DeleteTrail]}\ncondition: sel", nil, []string{"e01", "e11", "SYN"}},
		{"map is AND", "sel: {eventName: StopLogging, eventID: e01}\ncondition: sel", nil, []string{"e01"}},
		// Regression: the alternatives of a list must bind before the AND
		// around them (a bare "a OR b OR c AND NOT f" matched c-less a, b).
		{"list of values inside AND NOT", "sel: {eventName|startswith: [Stop, Delete, UpdateLogin]}\nfilter: {userIdentity.userName: alice}\ncondition: sel and not filter", nil, []string{"e07"}},
		{"list of maps is OR", "sel:\n  - eventName: DeleteTrail\n  - eventID: e03\ncondition: sel", nil, []string{"e03", "e11"}},
		{"contains all", "sel: {userAgent|contains|all: [aws-cli, PYTHON]}\ncondition: sel", nil, []string{"e01", "e11"}},
		{"startswith", "sel: {eventName|startswith: update}\ncondition: sel", nil, []string{"e07", "e08"}},
		{"endswith", "sel: {userAgent|endswith: '3.11'}\ncondition: sel", nil, []string{"e01", "e11"}},
		{"wildcard ?", "sel: {eventName: 'Stop?ogging'}\ncondition: sel", nil, []string{"e01", "SYN"}},
		{"wildcard *", "sel: {eventName: '*Login*'}\ncondition: sel", nil, []string{"e03", "e07", "e08"}},
		{"escaped wildcards", `sel: {userAgent: 'C:\tools\a\*b\?.exe 50%_off'}` + "\ncondition: sel", nil, []string{"e06"}},
		{"escaped star inside wildcard", `sel: {userAgent: '*a\*b*'}` + "\ncondition: sel", nil, []string{"e06"}},
		{"escaped backslash then wildcard", `sel: {userAgent: 'C:\\tools*'}` + "\ncondition: sel", nil, []string{"e06"}},
		{"LIKE metacharacters are literal", "sel: {userAgent|contains: '50%_off'}\ncondition: sel", nil, []string{"e06"}},
		{"contains cased", "sel: {userAgent|contains|cased: 'AWS-CLI'}\ncondition: sel", nil, nil},
		{"endswith LIKE metacharacters", "sel: {userAgent|endswith: '50%_OFF'}\ncondition: sel", nil, []string{"e06"}},
		{"startswith backslash", `sel: {userAgent|startswith: 'c:\tools\a'}` + "\ncondition: sel", nil, []string{"e06"}},
		{"percent is not a wildcard", "sel: {userAgent|contains: 'aws%python'}\ncondition: sel", nil, nil},
		{"null: absent or empty string", "sel: {userAgent: null}\ncondition: sel", nil, []string{"e09", "SYN"}},
		{"null or value", "sel: {userAgent: [null, TruffleHog]}\ncondition: sel", nil, []string{"e05", "e09", "SYN"}},
		{"exists true", "sel: {errorCode|exists: true}\ncondition: sel", nil, []string{"e05"}},
		{"exists false (JSON null counts as absent)", "sel: {requestParameters|exists: false}\ncondition: sel", nil, []string{"e03", "e05", "e09", "SYN"}},
		{"array of objects", "sel: {resources.ARN|endswith: 'trail/main'}\ncondition: sel", nil, []string{"e01"}},
		{"nested arrays", "sel: {requestParameters.ipPermissions.items.ipRanges.items.cidrIp: '0.0.0.0/0'}\ncondition: sel", nil, []string{"e02"}},
		{"array of strings", "sel: {requestParameters.tags: WEB}\ncondition: sel", nil, []string{"e04"}},
		{"array of strings under object", "sel: {requestParameters.parameters.commands|contains: ENC}\ncondition: sel", nil, []string{"e06"}},
		{"number equals numerically", "sel: {requestParameters.ratio: 1.50}\ncondition: sel", nil, []string{"e04"}},
		{"number as text", "sel: {requestParameters.maxResults: '1000'}\ncondition: sel", nil, []string{"e04"}},
		{"float normalised", "sel: {additionalEventData.bytesTransferredIn: '0.0'}\ncondition: sel", nil, []string{"e09"}},
		{"gte inside arrays", "sel: {requestParameters.instancesSet.items.maxCount|gte: 5}\ncondition: sel", nil, []string{"e04"}},
		{"lt", "sel: {requestParameters.instancesSet.items.maxCount|lt: 5}\ncondition: sel", nil, nil},
		{"lte and gt", "sel:\n  requestParameters.pendingWindowInDays|lte: 7\n  requestParameters.pendingWindowInDays|gt: 6.5\ncondition: sel", nil, []string{"e10"}},
		{"boolean column true", "sel: {readOnly: true}\ncondition: sel", nil, []string{"e05"}},
		{"boolean column from string", "sel: {readOnly: 'FALSE'}\ncondition: sel", nil, all("e05")},
		{"session mfa", "sel: {userIdentity.sessionContext.attributes.mfaAuthenticated: 'false'}\ncondition: sel", nil, []string{"e05"}},
		{"cidr v4", "sel: {sourceIPAddress|cidr: 10.1.2.0/24}\ncondition: sel", nil, []string{"e01", "e04", "e09", "e10", "e11", "SYN"}},
		{"cidr list", "sel: {sourceIPAddress|cidr: [10.1.2.3/32, 198.51.100.0/24]}\ncondition: sel", nil, []string{"e01", "e03", "e04", "e09", "e11", "SYN"}},
		{"not cidr keeps non-IP values", "sel: {sourceIPAddress|cidr: 10.0.0.0/8}\ncondition: not sel", nil, []string{"e02", "e03", "e05", "e06"}},
		{"base64 startswith", "sel: {requestParameters.userData|base64|startswith: '#!/bin/sh'}\ncondition: sel", nil, []string{"e04"}},
		{"base64offset contains", "sel: {requestParameters.userData|base64offset|contains: 'curl http'}\ncondition: sel", nil, []string{"e04"}},
		{"re", "sel: {userIdentity.arn|re: ':assumed-role/aws:.+'}\ncondition: sel", nil, []string{"e05"}},
		{"re is case-sensitive", "sel: {userAgent|re: '^trufflehog$'}\ncondition: sel", nil, nil},
		{"re|i", "sel: {userAgent|re|i: '^trufflehog$'}\ncondition: sel", nil, []string{"e05"}},
		{"fieldref", "sel: {userIdentity.arn|fieldref: requestParameters.userName}\ncondition: sel", nil, []string{"e07"}},
		{"fieldref cased", "sel: {userIdentity.arn|fieldref|cased: requestParameters.userName}\ncondition: sel", nil, nil},
		{"keyword", "keywords: [trufflehog]\ncondition: keywords", nil, []string{"e05"}},
		{"keyword wildcard", "keywords: ['*shell*script*']\ncondition: keywords", nil, []string{"e06"}},
		{"keyword and field", "keywords: ['aws-cli']\nsel: {eventName: DeleteTrail}\ncondition: keywords and not sel", nil, []string{"e01", "e10"}},
		{"cased", "sel: {eventName|cased: stoplogging}\ncondition: sel", nil, nil},
		{"cased exact", "sel: {eventName|cased: StopLogging}\ncondition: sel", nil, []string{"e01", "SYN"}},
		{"windash", "sel: {requestParameters.parameters.commands|windash|contains: '/enc '}\ncondition: sel", nil, []string{"e06"}},
		{"unicode lower", "sel: {userAgent|contains: 'İSTANBUL'}\ncondition: sel", nil, []string{"e10"}},
		{"synthetic id is no eventID", "sel: {eventID: null}\ncondition: sel", nil, []string{"SYN"}},
		{"eventID", "sel: {eventID|startswith: e1}\ncondition: sel", nil, []string{"e10", "e11"}},
		{"whole JSON document", "sel: {requestParameters|contains: 'trail/main'}\ncondition: sel", nil, []string{"e01"}},
		{"whole JSON document all", "sel: {requestParameters|contains|all: ['\"groupId\"', 'SG-1']}\ncondition: sel", nil, []string{"e02"}},
		{"object value as JSON text", "sel: {responseElements.securityGroupRuleSet|contains: '\"groupRuleId\":\"sgr-1\"'}\ncondition: sel", nil, []string{"e02"}},
		{"raw path prefix of typed columns", "sel: {userIdentity.sessionContext.attributes.creationDate|startswith: '2024-05-01T09'}\ncondition: sel", nil, []string{"e05"}},
		{"not binds tighter than and, and than or", "s1: {eventName: StopLogging}\ns2: {eventSource: iam.amazonaws.com}\ns3: {userIdentity.userName: bob}\ncondition: s1 or s2 and not s3", nil, []string{"e01", "e08", "SYN"}},
		{"parentheses", "s1: {eventName: StopLogging}\ns2: {eventSource: iam.amazonaws.com}\ns3: {userIdentity.userName: alice}\ncondition: (s1 or s2) and not s3", nil, []string{"e07"}},
		{"not of absent field", "sel: {errorCode: AccessDenied}\ncondition: not sel", nil, all("e05")},
		{"not over or", "s1: {eventName: StopLogging}\ns2: {userAgent|contains: aws-cli}\ncondition: not (s1 or s2)", nil, all("e01", "e10", "e11", "SYN")},
		{"1 of pattern", "sel_a: {eventName: DeleteTrail}\nsel_b: {eventName: ConsoleLogin}\nfilter: {eventID: e03}\ncondition: 1 of sel_* and not filter", nil, []string{"e11"}},
		{"all of pattern", "sel_a: {eventSource: iam.amazonaws.com}\nsel_b: {userIdentity.userName: alice}\ncondition: all of sel_*", nil, []string{"e08"}},
		{"any of them", "a: {eventID: e01}\nb: {eventID: e02}\n_c: {eventID: e03}\ncondition: any of them", nil, []string{"e01", "e02"}},
		{"all of them", "a: {eventName: StopLogging}\nb: {eventID: e01}\ncondition: all of them", nil, []string{"e01"}},
		{"2 of", "a: {eventName: StopLogging}\nb: {eventID: e01}\nc: {readOnly: false}\ncondition: 2 of them", nil, []string{"e01", "SYN"}},
		{"condition list is OR", "a: {eventID: e01}\nb: {eventID: e02}\ncondition: [a, b]", nil, []string{"e01", "e02"}},
		{"expand", "sel: {sourceIPAddress|expand: '%internal%'}\ncondition: sel", map[string][]string{"internal": {"10.1.2.*"}}, []string{"e01", "e04", "e09", "e10", "e11", "SYN"}},
		{"not a CloudTrail field", "sel: {status: success}\ncondition: not sel", nil, all()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := parseOne(t, header+"  "+strings.ReplaceAll(tc.det, "\n", "\n  ")+"\n")
			want := append([]string(nil), tc.want...)
			for i, w := range want {
				if w == "SYN" {
					want[i] = syn
				}
			}
			sort.Strings(want)
			m, err := NewMatcher(r, MatchOptions{Placeholders: tc.ph})
			if err != nil {
				t.Fatal(err)
			}
			if got := db.matchIDs(m); !equalStrings(got, want) {
				t.Errorf("matcher: got %v, want %v", got, want)
			}
			q, err := Compile(r, DuckDB, CompileOptions{Placeholders: tc.ph})
			if err != nil {
				t.Fatal(err)
			}
			if got := db.sqlIDs(t, q); !equalStrings(got, want) {
				t.Errorf("duckdb: got %v, want %v\n%s", got, want, q)
			}
			for _, d := range []Dialect{Athena, Lake} {
				if _, err := Compile(r, d, CompileOptions{Placeholders: tc.ph}); err != nil {
					var ue *UnsupportedError
					if !errors.As(err, &ue) {
						t.Errorf("%s: %v", d, err)
					}
				}
			}
		})
	}
}
