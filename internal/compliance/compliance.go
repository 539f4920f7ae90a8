// Package compliance maps what an investigation found to the controls the
// findings are evidence about — SOC 2, ISO/IEC 27001:2022 Annex A, NIST SP
// 800-53 Rev. 5 and the NIST Cybersecurity Framework 1.1 — for the
// `investigate --compliance` section. The table is data (controls.tsv),
// reviewed as text; a mapping is not an audit opinion.
package compliance

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

//go:embed controls.tsv
var table string

// Frameworks names the frameworks and versions the table uses.
var Frameworks = map[string]string{
	"soc2":      "AICPA Trust Services Criteria (SOC 2), 2017 with 2022 points of focus",
	"iso27001":  "ISO/IEC 27001:2022 Annex A",
	"nist80053": "NIST SP 800-53 Rev. 5",
	"nistcsf":   "NIST Cybersecurity Framework 1.1",
}

type row struct {
	title, why string
	controls   event.Controls
}

// load parses the embedded table; it is fixed at build time, so a bad line
// is a programming error caught by the tests.
func load() (map[string]row, []string, error) {
	out := map[string]row{}
	var order []string
	for i, line := range strings.Split(table, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return nil, nil, fmt.Errorf("controls.tsv line %d: %d fields, want 7", i+1, len(f))
		}
		split := func(s string) []string { return strings.Split(s, ",") }
		out[f[0]] = row{title: f[1], why: f[6], controls: event.Controls{SOC2: split(f[2]), ISO27001: split(f[3]), NIST80053: split(f[4]), NISTCSF: split(f[5])}}
		order = append(order, f[0])
	}
	return out, order, nil
}

// Map returns one entry per finding type present in c, in the table's order,
// each with the number of items behind it.
func Map(c *event.Case) ([]event.ComplianceItem, error) {
	rows, order, err := load()
	if err != nil {
		return nil, err
	}
	counts := map[string]int{
		"compromised_credentials": len(c.CompromisedCredentials),
		"persistence":             len(c.Persistence),
		"data_accessed":           len(c.DataAccessed),
		"defense_evasion":         len(c.DefenseEvasion),
		"detections":              len(c.Findings),
		"coverage_gaps":           len(c.Coverage.Gaps),
	}
	for _, cr := range c.CompromisedCredentials {
		if cr.How == "ConsoleLogin" && cr.SignInMFA == "No" {
			counts["console_without_mfa"]++
		}
	}
	for _, ch := range c.Changes {
		if ch.Service == "iam" || ch.Service == "sts" || ch.Service == "organizations" {
			counts["privilege_changes"]++
		}
	}
	for _, p := range c.Persistence {
		if strings.Contains(strings.ToLower(p.Kind), "security group") || strings.Contains(strings.ToLower(p.Kind), "network") {
			counts["network_exposure"]++
		}
	}
	for _, a := range c.Actions {
		if a.ErrorCode != "" && (strings.Contains(a.ErrorCode, "AccessDenied") || strings.Contains(a.ErrorCode, "Unauthorized")) {
			counts["denied_calls"]++
		}
	}
	for _, d := range c.Coverage.DataEvents {
		if !d.Recorded {
			counts["coverage_gaps"]++
		}
	}
	out := []event.ComplianceItem{}
	for _, t := range order {
		n := counts[t]
		if n == 0 {
			continue
		}
		r := rows[t]
		out = append(out, event.ComplianceItem{FindingType: t, Title: r.title, Count: n, Controls: r.controls, Why: r.why})
	}
	return out, nil
}
