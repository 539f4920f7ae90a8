package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/accesslog/gen"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// A case with CloudTrail (management events only, no S3 data events) and
// the bucket's server access logs and the VPC's flow logs: investigating
// the attacker's address lists the objects it read, deleted and wrote,
// labelled with their source, the flows to and from it, and coverage says
// where object-level visibility came from.
func TestInvestigateWithAccessLogs(t *testing.T) {
	s := gen.Default()
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := s.All().Write(logs); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "case.duckdb")
	r := run(t, "--db", db, "ingest", logs)
	if r.code != 0 || !strings.Contains(r.out, "S3 server access log records: 109 (table s3_access)") || !strings.Contains(r.out, "VPC flow log records: 23") {
		t.Fatalf("ingest: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	out := filepath.Join(dir, "report.json")
	r = run(t, "--db", db, "-q", "investigate", "--ip", s.AttackerIP, "--format", "json", "--out", out)
	if r.code != 0 {
		t.Fatalf("investigate: %+v", r)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var c event.Case
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for _, d := range c.DataAccessed {
		if d.Source != "S3 server access log" {
			continue
		}
		if d.Bucket != s.Bucket || d.Key == "" || len(d.HTTPStatus) == 0 || !strings.HasPrefix(d.Resource, "s3://"+s.Bucket+"/") {
			t.Errorf("object access %+v", d)
		}
		byName[d.EventName] += d.Count + d.Denied
		if d.Key == s.RansomNote && (d.EventName != "PutObject" || d.ObjectSize != 1024 || d.HTTPStatus[0] != 200) {
			t.Errorf("ransom note %+v", d)
		}
		if d.Key == "logs/access.log" && (d.Denied != 1 || d.HTTPStatus[0] != 403) {
			t.Errorf("denied read %+v", d)
		}
	}
	if byName["GetObject"] != 36 || byName["DeleteObjects"] != 35 || byName["PutObject"] != 1 {
		t.Errorf("objects by call: %v", byName)
	}
	var fromLog, ct int
	for _, a := range c.Actions {
		if a.Log == "S3 server access log" {
			fromLog++
		} else {
			ct++
		}
	}
	// The timeline: 3 CloudTrail calls, 73 access log records (the
	// application's reads from its own address are not the attacker's).
	if ct != 3 || fromLog != 73 || c.SuspiciousEventCount != 3 {
		t.Errorf("timeline: %d CloudTrail, %d access log, suspicious %d", ct, fromLog, c.SuspiciousEventCount)
	}
	var cov *event.DataEventStatus
	for i, d := range c.Coverage.DataEvents {
		if d.Bucket == s.Bucket {
			cov = &c.Coverage.DataEvents[i]
		}
	}
	if cov == nil || cov.Recorded || cov.AccessLogRecords != 109 || strings.Join(cov.ObjectLevelFrom, ",") != "S3 server access log" {
		t.Errorf("coverage of the bucket: %+v", cov)
	}
	if !strings.Contains(strings.Join(c.Coverage.Statements, "\n"), "visible from S3 server access logs") {
		t.Errorf("statements: %q", c.Coverage.Statements)
	}
	// Evidence: the access and flow log files are named as such and left
	// out of the digest validation counts (only the CloudTrail file is).
	byLog := map[string]int{}
	for _, src := range c.Evidence.Sources {
		byLog[src.Log]++
	}
	if byLog["S3 server access log"] != 3 || byLog["VPC flow log"] != 3 || byLog[""] != 1 || c.Evidence.Integrity.Unchecked != 1 {
		t.Errorf("evidence sources by log %v, integrity %+v", byLog, c.Evidence.Integrity)
	}
	// Flows: the SSH session both ways and three rejected probes.
	var accepted, rejected int
	for _, f := range c.NetworkFlows {
		switch f.Action {
		case "ACCEPT":
			accepted++
		case "REJECT":
			rejected++
		}
	}
	if accepted != 2 || rejected != 3 || c.NetworkFlows[0].Bytes != 48_500_000 || c.NetworkFlows[0].Direction != "outbound" {
		t.Errorf("flows: %+v", c.NetworkFlows)
	}
	for _, n := range c.Notes {
		if strings.Contains(n, "burst from") {
			t.Errorf("a burst note for the address investigated: %s", n)
		}
	}
	// Investigating another address, the attacker's burst is pointed at.
	other := filepath.Join(dir, "other.json")
	if r := run(t, "--db", db, "-q", "investigate", "--ip", s.AppIP, "--format", "json", "--out", other); r.code != 0 {
		t.Fatalf("investigate the application: %+v", r)
	}
	var oc event.Case
	if b, err := os.ReadFile(other); err != nil || json.Unmarshal(b, &oc) != nil {
		t.Fatalf("reading %s: %v", other, err)
	}
	if notes := strings.Join(oc.Notes, "\n"); !strings.Contains(notes, "burst from "+s.AttackerIP+", outside this investigation: up to 35 object reads and 35 deletes") ||
		!strings.Contains(notes, "investigate --ip "+s.AttackerIP) || strings.Contains(notes, "burst from "+s.AppIP) {
		t.Errorf("notes: %s", notes)
	}
	// hunt fires the access log rules on the same case.
	r = run(t, "--db", db, "-q", "hunt", "--format", "json")
	var hunt struct {
		Hits []event.Finding `json:"hits"`
	}
	if err := json.Unmarshal([]byte(r.out), &hunt); err != nil {
		t.Fatalf("hunt: %v: %s %s", err, r.out, r.errOut)
	}
	fired := map[string]int{}
	for _, h := range hunt.Hits {
		fired[h.Title] = len(h.EventIDs)
	}
	for title, n := range map[string]int{
		"Mass S3 object reads from one address (server access log)":    35,
		"Mass S3 object deletion from one address (server access log)": 35,
		"Ransom-note-like object uploaded (server access log)":         1,
		"Port scan from one address (VPC flow log)":                    3,
	} {
		if fired[title] != n {
			t.Errorf("hunt: %q has %d events, want %d (hits: %v)", title, fired[title], n, fired)
		}
	}
	// Triage counts the access-log detections for the attacker's uses
	// from the same address: the mass reads and deletes are in no
	// CloudTrail event.
	tri := filepath.Join(dir, "triage.json")
	if r := run(t, "--db", db, "-q", "investigate", "--format", "json", "--out", tri); r.code != 0 {
		t.Fatalf("triage: %+v", r)
	}
	if b, err = os.ReadFile(tri); err != nil {
		t.Fatal(err)
	}
	var tc event.Case
	if err := json.Unmarshal(b, &tc); err != nil {
		t.Fatal(err)
	}
	if len(tc.Triage) == 0 || tc.Triage[0].Verdict != "attacker" || !slices.Contains(tc.Triage[0].Addresses, s.AttackerIP) {
		t.Fatalf("triage: %+v", tc.Triage)
	}
	var parts []string
	for _, p := range tc.Triage[0].Parts {
		parts = append(parts, p.Detail)
	}
	if all := strings.Join(append(parts, tc.Triage[0].Reasons...), "\n"); !strings.Contains(all, "(server access log)") {
		t.Errorf("triage does not count the access-log detections:\n%s", all)
	}
	r = run(t, "--db", db, "-q", "investigate", "--ip", s.AttackerIP, "--format", "text")
	for _, want := range []string{"S3 object (S3 server access log, HTTP 204)", "s3://" + s.Bucket + "/" + s.RansomNote, "Network Flows (VPC flow logs)"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("text report lacks %q:\n%s", want, r.out)
		}
	}
}
