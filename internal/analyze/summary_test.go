package analyze

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestSummaryGolden: the summary of the bundled example, compared with
// testdata/summary/<case>.txt (-update rewrites them; review the diff).
// Besides the attack told from triage and from the leaked key, an
// indicator that matches nothing and a routine principal given as an
// indicator must say that nothing names an attacker.
func TestSummaryGolden(t *testing.T) {
	dir, tr := exampleTruth(t)
	st, hits := caseDB(t, dir)
	tests := []struct {
		name string
		opts Options
		// attacker: whether the summary may call anything the attacker's.
		attacker bool
	}{
		{"triage", Options{}, true},
		{"leaked-key", Options{Keys: []string{tr.leakedKey}}, true},
		{"no-match", Options{Keys: []string{"AKIAEXAMPLE"}}, false},
		{"routine-principal", Options{Principals: []string{"arn:aws:sts::493812077610:assumed-role/DatadogIntegrationRole/DatadogAWSIntegration"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Database = "case.duckdb"
			c := investigate(t, st, hits, tt.opts)
			if len(c.Summary) == 0 {
				t.Fatal("no summary")
			}
			got := strings.Join(c.Summary, "\n") + "\n"
			if !tt.attacker && strings.Contains(got, "the attacker used") {
				t.Errorf("names an attacker where attribution did not:\n%s", got)
			}
			if tt.attacker {
				for _, k := range tr.attackerKeys {
					if !strings.Contains(got, k) && !strings.Contains(strings.Join(c.Summary[:1], ""), "and ") {
						t.Errorf("who names neither %s nor counts more credentials:\n%s", k, got)
					}
				}
			}
			checkTextWidth(t, c)
			path := filepath.Join("testdata", "summary", tt.name+".txt")
			testenv.Golden(t, path, []byte(got))
		})
	}
}

// checkTextWidth: the text report of the case, rendered for a terminal of
// 120 and of 80 columns, has no line wider than the terminal.
func checkTextWidth(t *testing.T, c *event.Case) {
	t.Helper()
	for _, width := range []int{120, 80} {
		w, err := report.NewWithOptions("text", report.Options{Width: width, Terminal: true})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := w.Write(&buf, c); err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(buf.String(), "\n") {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("at %d columns, line %d has %d: %s", width, i+1, n, l)
			}
		}
	}
}

// TestSummaryHonest: what the summary says follows the attribution — the
// attacker is named only when the counted uses were judged the attacker's.
func TestSummaryHonest(t *testing.T) {
	end := time.Date(2025, 3, 11, 23, 0, 0, 0, time.UTC)
	last := end.Add(-30 * time.Minute)
	cred := []event.Credential{{AccessKeyID: "AKIAEXAMPLEEXAMPLE01", PrincipalARN: "arn:aws:iam::111122223333:user/alice", LastSeen: &last}}
	tests := []struct {
		name    string
		judged  []judgement
		c       event.Case
		want    []string
		notWant []string
	}{
		{"triage, nothing", nil, event.Case{Scope: event.Scope{Mode: "triage"},
			Triage: []event.TriageEntry{{PrincipalARN: "arn:aws:iam::111122223333:user/bob", Verdict: "unsure"}, {PrincipalARN: "arn:aws:iam::111122223333:user/carol", Verdict: "owner"}}},
			[]string{"No credential shows signs of an attacker", "Unusual but not enough to name an attacker: user/bob.", "none is named the attacker's"},
			[]string{"carol", "the attacker used"}},
		{"triage, attacker", nil, event.Case{Scope: event.Scope{Mode: "triage"}, CompromisedCredentials: cred, Coverage: event.Coverage{End: &end}},
			[]string{"Who: the attacker used access key AKIAEXAMPLEEXAMPLE01 of user alice", "still going on"}, nil},
		{"indicator, unusual only", []judgement{{label: "access key AKIAEXAMPLEEXAMPLE01", pick: verdictUnsure}},
			event.Case{Scope: event.Scope{Mode: "indicators"}, CompromisedCredentials: cred, Coverage: event.Coverage{End: &end}},
			[]string{"unconfirmed", "Credentials followed: access key AKIAEXAMPLEEXAMPLE01", "the last event of the activity listed"},
			[]string{"the attacker used", "the last event of the attacker"}},
		{"indicator, routine", []judgement{{label: "principal alice", pick: verdictOwner}},
			event.Case{Scope: event.Scope{Mode: "indicators"}, CompromisedCredentials: cred},
			[]string{"tells an attacker from its owner", "none confirmed"}, []string{"the attacker used"}},
		{"address", []judgement{{label: "address 203.0.113.5", given: true}},
			event.Case{Scope: event.Scope{Mode: "indicators"}, CompromisedCredentials: cred},
			[]string{"on the investigator's word"}, []string{"the attacker used"}},
		{"no match", []judgement{{label: "access key AKIAEXAMPLE", none: true}},
			event.Case{Scope: event.Scope{Mode: "indicators"}},
			[]string{"The access key AKIAEXAMPLE matched no event in scope.", "No credential was followed"}, []string{"attacker used"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &investigation{judged: tt.judged}
			got := strings.Join(inv.summary(&tt.c), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("says %q in\n%s", w, got)
				}
			}
		})
	}
}
