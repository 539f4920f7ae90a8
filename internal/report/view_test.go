package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/cloudtrail"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCollapse(t *testing.T) {
	get := func(ts, key, err, res string) event.Action {
		return event.Action{EventTime: at(ts), EventName: "GetObject", AccessKeyID: key, ErrorCode: err,
			AWSRegion: "us-east-1", Resource: res}
	}
	obj := func(k string) string { return "arn:aws:s3:::acme-prod-customer-data/exports/" + k }
	tests := []struct {
		name    string
		actions []event.Action
		want    []string // eventLabel | resourceLabel
	}{
		{"burst of different objects", []event.Action{
			get("2025-03-11T02:44:56Z", "ASIA1", "", obj("a.csv")),
			get("2025-03-11T02:44:58Z", "ASIA1", "", obj("b.csv")),
			get("2025-03-11T02:45:02Z", "ASIA1", "", obj("c.csv")),
		}, []string{"GetObject ×3|s3://acme-prod-customer-data/exports/… (until 2025-03-11T02:45:02Z)"}},
		{"same resource", []event.Action{
			get("2025-03-11T02:44:56Z", "ASIA1", "", obj("a.csv")),
			get("2025-03-11T02:44:58Z", "ASIA1", "", obj("a.csv")),
		}, []string{"GetObject ×2|s3://acme-prod-customer-data/exports/a.csv (until 2025-03-11T02:44:58Z)"}},
		{"no resource", []event.Action{
			get("2025-03-11T02:44:56Z", "ASIA1", "", ""),
			get("2025-03-11T02:44:58Z", "ASIA1", "", ""),
		}, []string{"GetObject ×2|(until 2025-03-11T02:44:58Z)"}},
		{"key change breaks a burst", []event.Action{
			get("2025-03-11T02:44:56Z", "ASIA1", "", obj("a.csv")),
			get("2025-03-11T02:44:58Z", "ASIA2", "", obj("b.csv")),
		}, []string{"GetObject|s3://acme-prod-customer-data/exports/a.csv", "GetObject|s3://acme-prod-customer-data/exports/b.csv"}},
		{"error change breaks a burst", []event.Action{
			get("2025-03-11T02:44:56Z", "ASIA1", "", obj("a.csv")),
			get("2025-03-11T02:44:58Z", "ASIA1", "AccessDenied", obj("b.csv")),
			get("2025-03-11T02:44:59Z", "ASIA1", "AccessDenied", obj("c.csv")),
		}, []string{"GetObject|s3://acme-prod-customer-data/exports/a.csv",
			"GetObject ×2|s3://acme-prod-customer-data/exports/… (until 2025-03-11T02:44:59Z)"}},
		{"nothing in common", []event.Action{
			get("2025-03-11T02:44:56Z", "ASIA1", "", "sg-1"),
			get("2025-03-11T02:44:58Z", "ASIA1", "", "key-2"),
		}, []string{"GetObject ×2|(until 2025-03-11T02:44:58Z)"}},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range collapse(tt.actions) {
				got = append(got, l.eventLabel()+"|"+l.resourceLabel())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestShortUA(t *testing.T) {
	tests := []struct{ ua, want string }{
		{"Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.11 Pacu",
			"Boto3/1.34.11 (Pacu, Kali)"},
		{"aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off command/s3.sync", "aws-cli/2.15.0 (Kali)"},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0", "Firefox/115.0"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.80", "Edg/122.0.2365.80"},
		{"APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0", "Terraform/1.7.4"},
		{"signin.amazonaws.com", "signin.amazonaws.com"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := shortUA(tt.ua); got != tt.want {
			t.Errorf("shortUA(%.40q…) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {770947289, "770.9 MB"}, {3_500_000_000, "3.5 GB"}, {7e15, "7000.0 TB"}}
	for _, tt := range tests {
		if got := humanBytes(tt.n); got != tt.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ fn, in, want string }{
		{"principalName", "arn:aws:iam::493812077610:user/ci-deploy", "ci-deploy"},
		{"principalName", "arn:aws:sts::493812077610:assumed-role/infra-admin/backup-sync", "infra-admin/backup-sync"},
		{"principalName", "arn:aws:iam::493812077610:root", "root"},
		{"principalLabel", "arn:aws:sts::493812077610:assumed-role/infra-admin/backup-sync", "assumed-role/infra-admin/backup-sync"},
		{"principalLabel", "not-an-arn", "not-an-arn"},
		{"shortResource", "arn:aws:s3:::acme-prod-customer-data", "s3://acme-prod-customer-data"},
		{"shortResource", "arn:aws:secretsmanager:us-east-1:493812077610:secret:prod/ci/token-5HFDXJ", "secret:prod/ci/token-5HFDXJ"},
		{"shortResource", "sg-08e11f3d73a86c3d1", "sg-08e11f3d73a86c3d1"},
		{"lastSegment", "function:backup-sync-handler", "backup-sync-handler"},
		{"lastSegment", "https://x.lambda-url.us-east-1.on.aws/", "https://x.lambda-url.us-east-1.on.aws"},
		{"lastSegment", "AKIAHF6L6KQVH2BL6B2H", "AKIAHF6L6KQVH2BL6B2H"},
		{"tacticTitle", "command-and-control", "Command and Control"},
		{"tacticTitle", "", "No ATT&CK tactic"},
		{"errorText", "AccessDeniedException", "DENIED AccessDeniedException"},
		{"errorText", "Client.UnauthorizedOperation", "DENIED Client.UnauthorizedOperation"},
		{"errorText", "NoSuchEntity", "NoSuchEntity"},
	}
	fns := map[string]func(string) string{"principalName": principalName, "principalLabel": cloudtrail.PrincipalLabel,
		"shortResource": shortResource, "lastSegment": lastSegment, "tacticTitle": tacticTitle, "errorText": errorText}
	for _, tt := range tests {
		if got := fns[tt.fn](tt.in); got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.fn, tt.in, got, tt.want)
		}
	}
}

func TestChainLines(t *testing.T) {
	cred := func(key, arn, from string) event.Credential {
		return event.Credential{AccessKeyID: key, PrincipalARN: arn, DerivedFrom: from}
	}
	edge := func(from, to, how string) event.ChainEdge { return event.ChainEdge{From: from, To: to, How: how} }
	tests := []struct {
		name string
		c    event.Case
		want []string
	}{
		{"tree with two seeds", event.Case{
			CompromisedCredentials: []event.Credential{cred("K1", "arn:aws:iam::1:user/a", ""), cred("K2", "arn:aws:iam::1:user/b", "K1"),
				cred("K3", "arn:aws:sts::1:assumed-role/r/s", "K2"), cred("K4", "arn:aws:iam::1:user/a", "K1"), cred("K9", "", "")},
			CredentialChain: []event.ChainEdge{edge("K1", "K2", "CreateAccessKey"), edge("K2", "K3", "AssumeRole"), edge("K1", "K4", "ConsoleLogin")},
		}, []string{"K1 (user/a)", "├─CreateAccessKey→ K2 (user/b)", "│ └─AssumeRole→ K3 (assumed-role/r/s)", "└─ConsoleLogin→ K4 (user/a)", "K9"}},
		{"cycle without seed", event.Case{
			CredentialChain: []event.ChainEdge{edge("A", "B", "AssumeRole"), edge("B", "A", "AssumeRole")},
		}, []string{"A", "└─AssumeRole→ B", "  └─AssumeRole→ A (see above)"}},
		{"nothing", event.Case{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chainLines(&tt.c); !slices.Equal(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestWrapList(t *testing.T) {
	items := []string{strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)}
	got := wrapList(lineWidth, "Label", items, "a note")
	want := []string{"Label: " + items[0] + ", " + items[1] + ",", "       " + items[2] + "; a note"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := wrapList(lineWidth, "Label", nil, "a note"); !slices.Equal(got, []string{"Label: none found"}) {
		t.Errorf("empty: %q", got)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{{"abcdef", 6, "abcdef"}, {"abcdef", 4, "abc…"}, {"ÉÉÉÉ", 3, "ÉÉ…"}}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ fn, in, want string }{
		{"text", "a|b *c* _d_ <trail-name> [x]", `a\|b \*c\* \_d\_ \<trail-name\> \[x\]`},
		{"code", "arn:aws:s3:::bucket/*", "`arn:aws:s3:::bucket/*`"},
		{"code", "a|b", "`a\\|b`"},
		{"code", "a`b", "`` a`b ``"},
		{"code", "", ""},
	}
	for _, tt := range tests {
		got := mdText(tt.in)
		if tt.fn == "code" {
			got = mdCode(tt.in)
		}
		if got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.fn, tt.in, got, tt.want)
		}
	}
}

// TestEvidenceValidated checks the validated column appears only when a
// source was checked against a digest.
func TestEvidenceValidated(t *testing.T) {
	yes := true
	tests := []struct {
		name    string
		sources []event.EvidenceSource
		want    bool
	}{
		{"not checked", []event.EvidenceSource{{Path: "a.json.gz", Status: "ingested"}}, false},
		{"checked", []event.EvidenceSource{{Path: "a.json.gz", Status: "ingested", Validated: &yes}, {Path: "b.json.gz"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &event.Case{Evidence: event.Evidence{Sources: tt.sources}}
			text := &bytes.Buffer{}
			if err := (textWriter{}).Write(text, c); err != nil {
				t.Fatal(err)
			}
			mdown := &bytes.Buffer{}
			if err := (markdownWriter{}).Write(mdown, c); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(text.String(), "VALIDATED"); got != tt.want {
				t.Errorf("text has the VALIDATED column: %v, want %v", got, tt.want)
			}
			if got := strings.Contains(mdown.String(), "| Validated |"); got != tt.want {
				t.Errorf("markdown has the Validated column: %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSessionViews checks actions are grouped by session in time order and
// that actions naming no known session are kept, not dropped.
func TestSessionViews(t *testing.T) {
	act := func(ts, name string, session int) event.Action {
		return event.Action{EventTime: at(ts), EventName: name, Session: session}
	}
	c := &event.Case{
		Sessions: []event.Session{{Number: 1, EventCount: 2}, {Number: 2, EventCount: 1}},
		Actions: []event.Action{act("2025-03-11T02:00:02Z", "B", 1), act("2025-03-11T03:00:00Z", "C", 2),
			act("2025-03-11T02:00:01Z", "A", 1), act("2025-03-11T04:00:00Z", "D", 7)},
	}
	var got []string
	for _, v := range sessionViews(c) {
		var names []string
		for _, l := range v.lines {
			names = append(names, l.first.EventName)
		}
		got = append(got, strings.SplitN(v.title(), ":", 2)[0]+"="+strings.Join(names, ","))
	}
	want := []string{"Session 1=A,B", "Session 2=C", "Actions outside any session=D"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
