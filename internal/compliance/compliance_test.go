package compliance

import (
	"regexp"
	"slices"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// TestTable: every line parses and every control id has its framework's shape.
func TestTable(t *testing.T) {
	rows, order, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 10 {
		t.Errorf("%d finding types, want 10", len(order))
	}
	shapes := []struct {
		name string
		re   *regexp.Regexp
		get  func(event.Controls) []string
	}{
		{"soc2", regexp.MustCompile(`^(CC[1-9]\.[1-9]|C1\.[12]|A1\.[1-3]|PI1\.[1-5]|P[1-8]\.[1-6])$`), func(c event.Controls) []string { return c.SOC2 }},
		{"iso27001", regexp.MustCompile(`^A\.[5-8]\.[1-9][0-9]?$`), func(c event.Controls) []string { return c.ISO27001 }},
		{"nist80053", regexp.MustCompile(`^[A-Z]{2}-[1-9][0-9]?(\([1-9][0-9]?\))?$`), func(c event.Controls) []string { return c.NIST80053 }},
		{"nistcsf", regexp.MustCompile(`^(ID|PR|DE|RS|RC)\.[A-Z]{2}-[1-9]$`), func(c event.Controls) []string { return c.NISTCSF }},
	}
	for _, typ := range order {
		r := rows[typ]
		if r.title == "" || r.why == "" {
			t.Errorf("%s: empty title or why", typ)
		}
		for _, s := range shapes {
			ids := s.get(r.controls)
			if len(ids) == 0 {
				t.Errorf("%s: no %s control", typ, s.name)
			}
			for _, id := range ids {
				if !s.re.MatchString(id) {
					t.Errorf("%s: %s control %q is not shaped like one", typ, s.name, id)
				}
			}
		}
	}
}

func TestMap(t *testing.T) {
	c := &event.Case{
		CompromisedCredentials: []event.Credential{{AccessKeyID: "AKIA1"}, {AccessKeyID: "console:x", How: "ConsoleLogin", Reason: "console sign-in of user x (MFA used: No)", SignInMFA: "No"}},
		Persistence:            []event.Persistence{{Kind: "IAM user"}, {Kind: "Security group rule"}},
		Changes:                []event.Change{{Service: "iam"}, {Service: "ec2"}},
		Actions:                []event.Action{{ErrorCode: "AccessDenied"}, {ErrorCode: ""}},
		Coverage:               event.Coverage{DataEvents: []event.DataEventStatus{{Service: "s3", Recorded: false}}},
	}
	got, err := Map(c)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	var types []string
	for _, g := range got {
		counts[g.FindingType] = g.Count
		types = append(types, g.FindingType)
	}
	want := map[string]int{"compromised_credentials": 2, "console_without_mfa": 1, "privilege_changes": 1, "persistence": 2,
		"network_exposure": 1, "denied_calls": 1, "coverage_gaps": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: count %d, want %d", k, counts[k], n)
		}
	}
	for _, absent := range []string{"data_accessed", "defense_evasion", "detections"} {
		if slices.Contains(types, absent) {
			t.Errorf("%s listed with nothing behind it", absent)
		}
	}
	if i := slices.Index(types, "network_exposure"); i < 0 || !slices.Contains(got[i].Controls.NIST80053, "SC-7") {
		t.Errorf("network exposure lacks SC-7: %+v", got)
	}
}
