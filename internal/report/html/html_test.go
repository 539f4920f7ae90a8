package html_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/analyze"
	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/ingest/ingesttest"
	"github.com/trailsleuth/trailsleuth/internal/report"
	"github.com/trailsleuth/trailsleuth/internal/report/html"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

const (
	dataOpen  = `<script type="application/json" id="case-data">`
	leakedKey = "AKIAHF6L6KQVHSPLEFOS" // the bundled example's leaked key (examples/incident-truth.json)
)

// exampleCase investigates the bundled example from its leaked key as
// `trailsleuth investigate --key` does: ingest, hunt with the built-in
// rules, analyze.
func exampleCase(t *testing.T) *event.Case {
	t.Helper()
	return investigate(t, filepath.Join(testenv.RepoRoot(t), "examples", "incident"), leakedKey)
}

// investigate builds the Case for the CloudTrail logs under dir, starting
// from one leaked key.
func investigate(t *testing.T, dir, key string) *event.Case {
	t.Helper()
	ctx := context.Background()
	st, _ := ingesttest.Case(t, ingest.Options{}, dir)
	pack, err := detect.Load(detect.LoadOptions{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := detect.Run(ctx, st.DB(), pack, detect.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := analyze.Investigate(ctx, st.DB(), analyze.Options{
		Keys: []string{key}, Findings: hits.Hits, Now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), ReportSeq: 1,
		Tool: event.ToolInfo{Name: "trailsleuth", Version: "test", CommandLine: "trailsleuth investigate " + dir + " --key " + key + " --format html"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.SuspiciousEventCount == 0 || len(c.CredentialChain) == 0 {
		t.Fatalf("%s: the investigation found nothing: %d events, %d chain edges", dir, c.SuspiciousEventCount, len(c.CredentialChain))
	}
	return c
}

// render writes c in a report format ("html", "json").
func render(t *testing.T, format string, c *event.Case) []byte {
	t.Helper()
	w, err := report.New(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderHTML(t *testing.T, c *event.Case) []byte { return render(t, "html", c) }
func renderJSON(t *testing.T, c *event.Case) []byte { return render(t, "json", c) }

// embedded returns the content of the page's one case-data element.
func embedded(t *testing.T, page []byte) []byte {
	t.Helper()
	if n := bytes.Count(page, []byte(dataOpen)); n != 1 {
		t.Fatalf("%d case-data elements, want 1", n)
	}
	_, rest, _ := bytes.Cut(page, []byte(dataOpen))
	data, _, ok := bytes.Cut(rest, []byte("</script>"))
	if !ok {
		t.Fatal("case-data element not closed")
	}
	return data
}

// escaped is what the page must embed for a JSON report: compact, with <, >
// and & escaped inside strings.
func escaped(t *testing.T, jsonReport []byte) []byte {
	t.Helper()
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, jsonReport); err != nil {
		t.Fatal(err)
	}
	json.HTMLEscape(&out, compact.Bytes())
	return out.Bytes()
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return reflect.DeepEqual(va, vb)
}

// TestExampleEmbedsJSONReport: the page for the bundled example embeds
// exactly the JSON report of the same Case, once.
func TestExampleEmbedsJSONReport(t *testing.T) {
	c := exampleCase(t)
	jsonReport := renderJSON(t, c)
	data := embedded(t, renderHTML(t, c))
	if !bytes.Equal(data, escaped(t, jsonReport)) {
		t.Errorf("embedded JSON (%d bytes) differs from the JSON report (%d bytes compacted)", len(data), len(escaped(t, jsonReport)))
	}
	if !sameJSON(t, data, jsonReport) {
		t.Error("embedded JSON decodes to a different value than the JSON report")
	}
}

// hostile is a Case whose values try to break out of the page.
func hostile() *event.Case {
	const img = `<img src=x onerror="window.pwned=1">`
	const script = `</script><script>window.pwned=2</script>`
	at := time.Date(2025, 3, 11, 2, 13, 47, 0, time.UTC)
	return &event.Case{
		ReportID:    "AWS-IR-20250311-001" + script,
		GeneratedAt: at,
		Tool:        event.ToolInfo{Name: "trailsleuth", Version: "test", CommandLine: "trailsleuth investigate --key '" + script + "'"},
		Accounts:    []string{"123456789012<!--"},
		Timeframe:   event.Timeframe{Start: &at, End: ptr(at.Add(time.Hour))},
		Scope:       event.Scope{Keys: []string{"AKIA" + img}, Mode: "indicators"},
		CompromisedCredentials: []event.Credential{
			{AccessKeyID: "AKIA" + img, PrincipalARN: "arn:aws:iam::123456789012:user/" + script, How: "given", Reason: img, FirstSeen: &at, LastSeen: &at, EventCount: 2},
			{AccessKeyID: "ASIA" + script, PrincipalARN: "arn:aws:sts::123456789012:assumed-role/r/" + img, DerivedFrom: "AKIA" + img, How: "AssumeRole" + img, FirstSeen: &at, LastSeen: &at, EventCount: 1},
		},
		CredentialChain:      []event.ChainEdge{{From: "AKIA" + img, To: "ASIA" + script, How: "AssumeRole" + img, EventID: "e2", EventTime: at, SourceIP: "198.51.100.7" + script}},
		SuspiciousEventCount: 2,
		SourceIPs:            []event.SourceIP{{IP: "198.51.100.7" + script, EventCount: 2, UserAgents: []string{img}, FirstSeen: at, LastSeen: at}},
		Actions: []event.Action{
			{EventTime: at, EventID: "e1", EventName: img, EventSource: "iam.amazonaws.com" + script, PrincipalARN: "arn:aws:iam::123456789012:user/" + script, AccessKeyID: "AKIA" + img, SourceIP: "198.51.100.7" + script, AWSRegion: "us-east-1<!--", ErrorCode: "AccessDenied" + img, UserAgent: script, Tactic: "Discovery" + img, Technique: img, Resource: script, Session: 1},
			{EventTime: at.Add(time.Minute), EventID: "e2", EventName: "AssumeRole", EventSource: "sts.amazonaws.com", PrincipalARN: "arn:aws:iam::123456789012:user/x", AccessKeyID: "AKIA" + img, SourceIP: "198.51.100.7" + script, Tactic: "Privilege Escalation", Session: 1},
		},
		Sessions:     []event.Session{{Number: 1, Start: at, End: at.Add(time.Minute), EventCount: 2, AccessKeys: []string{"AKIA" + img}, SourceIPs: []string{script}, Tactics: []string{img}, Denied: 1}},
		DataAccessed: []event.DataAccess{{Resource: "s3://" + script, Kind: img, EventName: img, Count: 1, FirstSeen: at, LastSeen: at}},
		Changes:      []event.Change{{Service: img, Resource: script, EventNames: []string{img}, Count: 1}},
		Persistence:  []event.Persistence{{Kind: img, Resource: script, EventID: "e1", EventName: img, EventTime: at, CreatedBy: script}},
		Findings:     []event.Finding{{RuleID: "r1", Title: img, Level: "high" + script, Tags: []string{img}, Tactics: []string{img}, Description: script, Source: img, EventIDs: []string{"e1"}, Count: 1, FirstSeen: at, LastSeen: at}},
		Remediation:  []event.Remediation{{Action: img, Command: "aws iam delete-user --user-name '" + script + "'"}},
		Evidence: event.Evidence{Sources: []event.EvidenceSource{{Path: "/tmp/" + script, SHA256: img, Events: 2, Status: "ingested"}}, TotalEvents: 2, Database: img,
			Conflicts: []event.CopyConflict{{EventID: "e1" + img, EventName: img, EventTime: &at,
				Used:     event.EventCopy{Path: "/tmp/" + script, Validation: "valid", SourceIP: "203.0.113.7"},
				SetAside: []event.EventCopy{{Path: "/tmp/forged" + img, Validation: "unlisted", Position: 3, SourceIP: "198.51.100.66" + script, Differs: []string{"source_ip"}}},
				Why:      script}},
			ConflictTotal: 1},
		Notes: []string{script, img},
	}
}

// TestHostileValuesStayData: no value can end the data element or start a
// comment, and the embedded JSON still decodes to the same report.
func TestHostileValuesStayData(t *testing.T) {
	c := hostile()
	page := renderHTML(t, c)
	data := embedded(t, page)
	for _, bad := range []string{"<", ">", "&"} {
		if bytes.Contains(data, []byte(bad)) {
			t.Errorf("embedded JSON contains %q unescaped", bad)
		}
	}
	if !sameJSON(t, data, renderJSON(t, c)) {
		t.Error("embedded JSON decodes to a different value than the JSON report")
	}
	// Exactly the page's own elements: the data block and two scripts.
	if n := bytes.Count(bytes.ToLower(page), []byte("<script")); n != 3 {
		t.Errorf("%d <script tags, want 3", n)
	}
	for _, bad := range []string{"<img", "<script>window.pwned"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("a hostile value appears unescaped in the page: %q", bad)
		}
	}
}

// TestContentSecurityPolicy: the page's policy allows exactly its two
// scripts, by hash, and no network source.
func TestContentSecurityPolicy(t *testing.T) {
	page := renderHTML(t, hostile())
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no Content-Security-Policy meta element")
	}
	csp := string(m[1])
	for _, want := range []string{"default-src 'none'", "base-uri 'none'", "form-action 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("policy %q lacks %q", csp, want)
		}
	}
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllSubmatch(page, -1)
	if len(scripts) != 2 {
		t.Fatalf("%d inline scripts, want 2", len(scripts))
	}
	for i, s := range scripts {
		sum := sha256.Sum256(s[1])
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, h) {
			t.Errorf("script %d: hash %s not in the policy", i, h)
		}
	}
	if strings.Contains(csp, "script-src 'unsafe-inline'") {
		t.Error("the policy lets any inline script run")
	}
}

func TestWriteRejects(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"array", "[1,2]"},
		{"null", "null"},
		{"truncated", `{"report_id": "x"`},
		{"garbage", `{"a": nope}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := html.Write(&buf, []byte(tt.in)); err == nil {
				t.Errorf("Write(%q) = nil error", tt.in)
			}
		})
	}
}

func TestNilCase(t *testing.T) {
	w, err := report.New("html")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("no error for a nil case")
	}
}

// TestAssetsFitThePage: nothing embedded can end the element it sits in,
// and the chart library's licence travels with it.
func TestAssetsFitThePage(t *testing.T) {
	page := string(renderHTML(t, hostile()))
	lower := strings.ToLower(page)
	if n := strings.Count(lower, "</script"); n != 3 {
		t.Errorf("%d </script in the page, want 3 (an asset contains one?)", n)
	}
	if n := strings.Count(lower, "</style"); n != 1 {
		t.Errorf("%d </style in the page, want 1", n)
	}
	if !strings.Contains(page, "Copyright (c) 2022 Leon Sorokin") {
		t.Error("the page lacks uPlot's licence")
	}
	if n := strings.Count(page, "<!--"); n != 1 || strings.Count(page, "-->") != 1 {
		t.Errorf("%d comments opened, %d closed, want 1 (the licence)", n, strings.Count(page, "-->"))
	}
}

func ptr(t time.Time) *time.Time { return &t }
