package accuracy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/scenario"
)

const (
	user     = "arn:aws:iam::111122223333:user/dev"
	leaked   = "AKIAAAAAAAAAAAAAAAAA"
	created  = "AKIABBBBBBBBBBBBBBBB"
	ownerKey = "AKIACCCCCCCCCCCCCCCC"
	torIP    = "185.220.101.7"
	homeIP   = "91.40.1.2"
)

func incident() *scenario.Truth {
	return &scenario.Truth{Scenario: "test", Kind: "incident", Compromised: true,
		Attack: &scenario.Attack{
			Principal:   user,
			Principals:  []string{user, "arn:aws:sts::111122223333:assumed-role/deploy/s1"},
			Credentials: []scenario.CredentialTruth{{AccessKeyID: leaked}, {AccessKeyID: created}},
			Addresses:   []scenario.AddressTruth{{IP: torIP}},
			Persistence: []scenario.PersistenceTruth{{Kind: "iam-user", Resource: "arn:aws:iam::111122223333:user/backdoor", Aliases: []string{"backdoor"}}},
			Data:        []string{"s3://customer-data"},
			EventIDs:    []string{"e1", "e2", "e3", "e4"},
		},
		Owner:   scenario.Party{Credentials: []string{ownerKey}, Addresses: []string{homeIP}},
		Neutral: scenario.Party{EventIDs: []string{"n1"}, Credentials: []string{"AKIANNNNNNNNNNNNNNNN"}, Addresses: []string{"10.8.8.10"}},
	}
}

func report(creds []string, ips []string, events []string) *event.Case {
	c := &event.Case{}
	for _, k := range creds {
		c.CompromisedCredentials = append(c.CompromisedCredentials, event.Credential{AccessKeyID: k})
	}
	for _, ip := range ips {
		c.SourceIPs = append(c.SourceIPs, event.SourceIP{IP: ip, Kind: "ipv4"})
	}
	for _, id := range events {
		c.Actions = append(c.Actions, event.Action{EventID: id})
	}
	return c
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name      string
		mode      string
		c         *event.Case
		pass      bool
		wantFails []string
		check     func(t *testing.T, s Score)
	}{
		{name: "perfect", mode: ModeIndicator, c: report([]string{leaked, created}, []string{torIP, "lambda.amazonaws.com"}, []string{"e1", "e2", "e3", "e4"}), pass: true},
		{name: "neutral items count for nobody", mode: ModeIndicator,
			c: report([]string{leaked, created, "AKIANNNNNNNNNNNNNNNN", "console:arn:aws:iam::111122223333:user/lab@10.8.8.10"}, []string{torIP, "10.8.8.10"}, []string{"e1", "e2", "e3", "e4", "n1"}), pass: true,
			check: func(t *testing.T, s Score) {
				if s.Creds.Named != 2 || s.Addrs.Named != 1 || s.Events.Named != 4 {
					t.Errorf("neutral counted: %+v %+v", s.Creds, s.Events)
				}
			}},
		{name: "owner blamed", mode: ModeIndicator, c: report([]string{leaked, created, ownerKey}, []string{torIP, homeIP}, []string{"e1", "e2", "e3", "e4", "o1"}),
			wantFails: []string{"owner credentials named", "owner addresses named", "event precision 0.80"},
			check: func(t *testing.T, s Score) {
				if s.Creds.Precision() != 2.0/3 || s.Addrs.Precision() != 0.5 || s.Events.Recall() != 1 {
					t.Errorf("ratios %+v %+v %+v", s.Creds, s.Addrs, s.Events)
				}
			}},
		{name: "attacker missed", mode: ModeIndicator, c: report([]string{leaked}, nil, []string{"e1", "e2"}),
			wantFails: []string{"attacker credentials missed: 1 of 2", "attacker addresses missed: 1 of 1", "event recall 0.50"},
			check: func(t *testing.T, s Score) {
				if strings.Join(s.Missed, ",") != torIP+","+created {
					t.Errorf("missed %v", s.Missed)
				}
			}},
		{name: "a keyless sign-in credential of the attacker's address", mode: ModeIndicator,
			c: report([]string{leaked, created, "console:" + user + "@" + torIP}, []string{torIP}, []string{"e1", "e2", "e3", "e4"}), pass: true},
		{name: "nothing reported", mode: ModeIndicator, c: report(nil, nil, nil),
			wantFails: []string{"attacker credentials missed", "no event reported", "event recall 0.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Evaluate(incident(), tt.mode, tt.c)
			if s.Pass() != tt.pass {
				t.Errorf("pass %v, want %v: %v", s.Pass(), tt.pass, s.Failures)
			}
			for _, want := range tt.wantFails {
				found := false
				for _, f := range s.Failures {
					found = found || strings.Contains(f, want)
				}
				if !found {
					t.Errorf("no failure %q in %v", want, s.Failures)
				}
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

func TestEvaluateTriageRank(t *testing.T) {
	c := report([]string{leaked, created}, []string{torIP}, []string{"e1", "e2", "e3", "e4"})
	c.Triage = []event.TriageEntry{{PrincipalARN: "arn:aws:iam::111122223333:user/owner"}, {PrincipalARN: "arn:aws:iam::111122223333:role/deploy"}}
	s := Evaluate(incident(), ModeTriage, c)
	if s.Rank != 2 || s.First != "arn:aws:iam::111122223333:user/owner" || s.Pass() {
		t.Errorf("rank %d first %s pass %v", s.Rank, s.First, s.Pass())
	}
	c.Triage = c.Triage[1:]
	if s := Evaluate(incident(), ModeTriage, c); s.Rank != 1 || !s.Pass() {
		t.Errorf("the attacker's role first: rank %d, %v", s.Rank, s.Failures)
	}
}

func TestEvaluatePersistenceAndData(t *testing.T) {
	c := report([]string{leaked, created}, []string{torIP}, []string{"e1", "e2", "e3", "e4"})
	c.Persistence = []event.Persistence{{Kind: "iam-user", Resource: "backdoor"}, {Kind: "iam-access-key", Resource: ownerKey}}
	c.DataAccessed = []event.DataAccess{{Resource: "s3://customer-data/a/b.json"}, {Resource: "s3://customer-data/c"}, {Resource: "s3://owner-logs"}}
	s := Evaluate(incident(), ModeIndicator, c)
	if s.Persistence != (Ratio{Found: 1, Truth: 1, Right: 1, Named: 2}) {
		t.Errorf("persistence %+v", s.Persistence)
	}
	if s.Data != (Ratio{Found: 1, Truth: 1, Right: 1, Named: 2}) {
		t.Errorf("data %+v", s.Data)
	}
}

func TestEvaluateControl(t *testing.T) {
	tr := &scenario.Truth{Scenario: "c", Kind: "control", Owner: scenario.Party{Credentials: []string{ownerKey}, Addresses: []string{homeIP}}}
	if s := Evaluate(tr, ModeTriage, report(nil, nil, nil)); !s.Pass() {
		t.Errorf("a silent report of a control fails: %v", s.Failures)
	}
	s := Evaluate(tr, ModeTriage, report([]string{ownerKey}, []string{homeIP}, []string{"x"}))
	if s.Pass() || s.Compromised != 1 || len(s.OwnerCreds) != 1 {
		t.Errorf("an owner key called compromised in a control: %+v", s)
	}
}

func TestTableAndDoc(t *testing.T) {
	scores := []Score{
		Evaluate(incident(), ModeTriage, report([]string{leaked}, []string{homeIP}, []string{"e1"})),
		Evaluate(incident(), ModeIndicator, report([]string{leaked, created}, []string{torIP}, []string{"e1", "e2", "e3", "e4"})),
	}
	table := Table(scores)
	for _, want := range []string{"| test | ", "| triage | 1.00/0.50 | 0.00/0.00 |", "absent", "**yes**: 0 keys, 1 addresses", "1 of 2 investigations meet the bar."} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	path := filepath.Join(t.TempDir(), "doc.md")
	os.WriteFile(path, []byte("intro\n"+beginMarker+"\nold\n"+endMarker+"\noutro\n"), 0o644)
	if err := WriteDoc(path, "new\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "intro\n"+beginMarker+"\nnew\n"+endMarker+"\noutro\n" {
		t.Errorf("doc:\n%s", b)
	}
	if err := WriteDoc(filepath.Join(t.TempDir(), "none.md"), "x"); err == nil {
		t.Error("a missing doc is not an error")
	}
}
