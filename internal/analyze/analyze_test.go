package analyze

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

// caseDB ingests paths into a fresh case database and hunts with the
// built-in pack, as investigate does.
func caseDB(t *testing.T, paths ...string) (*store.Store, []event.Finding) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "case.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	files, walkErrs, err := acquire.Walk(ctx, paths)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, st, files, walkErrs, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	pack, err := detect.Load(detect.LoadOptions{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	res, err := detect.Run(ctx, st.DB(), pack, detect.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st, res.Hits
}

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func investigate(t *testing.T, st *store.Store, hits []event.Finding, o Options) *event.Case {
	t.Helper()
	o.Findings, o.Now, o.ReportSeq = hits, now, 1
	c, err := Investigate(context.Background(), st.DB(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// truth is what a scenario's ground truth says, in one shape for both the
// bundled example and ctgen.
type truth struct {
	leakedKey    string
	attackerKeys []string
	attackerIPs  []string
	eventIDs     []string
	persistence  []string // resources that must appear in persistence
	data         []string // resources that must appear in data_accessed
}

func checkAgainstTruth(t *testing.T, c *event.Case, tr truth) {
	t.Helper()
	keys := map[string]bool{}
	for _, cr := range c.CompromisedCredentials {
		keys[cr.AccessKeyID] = true
	}
	for _, k := range tr.attackerKeys {
		if !keys[k] {
			t.Errorf("compromised credentials lack %s; have %v", k, keys)
		}
	}
	ips := map[string]bool{}
	for _, ip := range c.SourceIPs {
		ips[ip.IP] = true
	}
	for _, ip := range tr.attackerIPs {
		if !ips[ip] {
			t.Errorf("source IPs lack %s; have %v", ip, ips)
		}
	}
	want := map[string]bool{}
	for _, id := range tr.eventIDs {
		want[id] = true
	}
	got := map[string]bool{}
	tp := 0
	for _, a := range c.Actions {
		got[a.EventID] = true
		if want[a.EventID] {
			tp++
		}
	}
	recall := float64(tp) / float64(len(want))
	precision := float64(tp) / float64(len(got))
	t.Logf("actions: %d, truth: %d, recall %.3f, precision %.3f", len(got), len(want), recall, precision)
	if recall < 1 {
		var missing []string
		for id := range want {
			if !got[id] {
				missing = append(missing, id)
			}
		}
		t.Errorf("recall %.3f: %d attacker events missing, e.g. %v", recall, len(missing), missing[:min(5, len(missing))])
	}
	if precision < 0.95 {
		t.Errorf("precision %.3f < 0.95", precision)
		n := 0
		for _, a := range c.Actions {
			if !want[a.EventID] && n < 20 {
				n++
				t.Logf("extra: %s %s %s %s %s %s", a.EventTime.Format(time.RFC3339), a.EventName, a.AccessKeyID, a.PrincipalARN, a.SourceIP, a.ErrorCode)
			}
		}
	}
	if c.SuspiciousEventCount != len(c.Actions) {
		t.Errorf("suspicious_event_count %d != %d actions", c.SuspiciousEventCount, len(c.Actions))
	}
	var pers, data []string
	for _, p := range c.Persistence {
		pers = append(pers, p.Resource+" "+p.Kind)
	}
	for _, d := range c.DataAccessed {
		data = append(data, d.Resource)
	}
	for _, w := range tr.persistence {
		if !anyContains(pers, w) {
			t.Errorf("persistence lacks %q; have %v", w, pers)
		}
	}
	for _, w := range tr.data {
		if !anyContains(data, w) {
			t.Errorf("data accessed lacks %q; have %d entries", w, len(data))
		}
	}
}

func anyContains(list []string, s string) bool {
	for _, v := range list {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

func exampleTruth(t *testing.T) (string, truth) {
	root := testenv.RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "examples", "incident-truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Incident struct {
			LeakedKey struct {
				AccessKeyID string `json:"access_key_id"`
			} `json:"leaked_key"`
			AttackerKeys []struct {
				AccessKeyID string `json:"access_key_id"`
			} `json:"attacker_keys"`
			AttackerIPs  []string       `json:"attacker_ips"`
			EventIDs     []string       `json:"event_ids"`
			Persistence  map[string]any `json:"persistence"`
			DataAccessed struct {
				Bucket      string   `json:"bucket"`
				SecretsRead []string `json:"secrets_read"`
			} `json:"data_accessed"`
		} `json:"incident"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	i := raw.Incident
	tr := truth{leakedKey: i.LeakedKey.AccessKeyID, attackerIPs: i.AttackerIPs, eventIDs: i.EventIDs}
	for _, k := range i.AttackerKeys {
		tr.attackerKeys = append(tr.attackerKeys, k.AccessKeyID)
	}
	for _, k := range []string{"iam_user_created", "access_key_created", "ec2_key_pair_imported", "security_group_opened"} {
		if s, ok := i.Persistence[k].(string); ok {
			tr.persistence = append(tr.persistence, s)
		}
	}
	tr.persistence = append(tr.persistence, "backup-sync-handler", "infra-admin")
	tr.data = append([]string{"s3://" + i.DataAccessed.Bucket}, i.DataAccessed.SecretsRead...)
	return filepath.Join(root, "examples", "incident"), tr
}

func TestInvestigateExample(t *testing.T) {
	dir, tr := exampleTruth(t)
	st, hits := caseDB(t, dir)
	c := investigate(t, st, hits, Options{Keys: []string{tr.leakedKey}})
	checkAgainstTruth(t, c, tr)
	if c.ReportID != "AWS-IR-20261126-001" || len(c.Accounts) != 1 || c.Accounts[0] != "493812077610" {
		t.Errorf("report %s accounts %v", c.ReportID, c.Accounts)
	}
	if len(c.Remediation) == 0 || len(c.CredentialChain) < 3 || len(c.Sessions) == 0 || len(c.Findings) == 0 {
		t.Errorf("remediation %d, chain %d, sessions %d, findings %d", len(c.Remediation), len(c.CredentialChain), len(c.Sessions), len(c.Findings))
	}
	var stop bool
	for _, d := range c.DefenseEvasion {
		stop = stop || d.EventName == "StopLogging"
	}
	if !stop {
		t.Error("the denied StopLogging is not under defense evasion")
	}

	// Triage: no indicator given, the leaked key comes first.
	tri := investigate(t, st, hits, Options{})
	if len(tri.Triage) == 0 || tri.Triage[0].AccessKeyIDs[0] != tr.leakedKey {
		t.Fatalf("triage: %+v", tri.Triage)
	}
	checkAgainstTruth(t, tri, tr)
}

// TestInvestigateCtgen: a generated attack, from the leaked key alone.
func TestInvestigateCtgen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ctgen")
	}
	bin := testenv.Ctgen(t)
	for _, seed := range []string{"3", "11"} {
		t.Run("seed"+seed, func(t *testing.T) {
			corpus := filepath.Join(t.TempDir(), "corpus")
			tf := filepath.Join(corpus, "truth.json")
			gen := exec.Command(bin, "-out", corpus, "-events", "40000", "-accounts", "3", "-days", "2", "-seed", seed, "-attack", "-truth", tf)
			if out, err := gen.CombinedOutput(); err != nil {
				t.Fatalf("ctgen: %v\n%s", err, out)
			}
			b, err := os.ReadFile(tf)
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				LeakedAccessKeyID    string   `json:"leakedAccessKeyId"`
				AttackerAccessKeyIDs []string `json:"attackerAccessKeyIds"`
				AttackerIPs          []string `json:"attackerIPs"`
				EventIDs             []string `json:"eventIDs"`
				Persistence          []map[string]any
				DataAccessed         struct {
					S3Bucket string   `json:"s3Bucket"`
					Secrets  []string `json:"secrets"`
				} `json:"dataAccessed"`
			}
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatal(err)
			}
			tr := truth{leakedKey: raw.LeakedAccessKeyID, attackerKeys: raw.AttackerAccessKeyIDs, attackerIPs: raw.AttackerIPs, eventIDs: raw.EventIDs}
			for _, p := range raw.Persistence {
				for _, k := range []string{"name", "accessKeyId", "keyName", "functionName"} {
					if s, ok := p[k].(string); ok {
						tr.persistence = append(tr.persistence, s)
						break
					}
				}
			}
			tr.data = append([]string{"s3://" + raw.DataAccessed.S3Bucket}, raw.DataAccessed.Secrets...)
			st, hits := caseDB(t, filepath.Join(corpus, "AWSLogs"))
			c := investigate(t, st, hits, Options{Keys: []string{tr.leakedKey}})
			checkAgainstTruth(t, c, tr)
			tri := investigate(t, st, hits, Options{})
			if len(tri.Triage) == 0 || tri.Triage[0].AccessKeyIDs[0] != tr.leakedKey {
				t.Errorf("triage ranks first %+v, want %s", tri.Triage[:min(2, len(tri.Triage))], tr.leakedKey)
			}
		})
	}
}

// TestSharedDatasets: the real datasets each give a report, with findings
// checked by reading their events.
func TestSharedDatasets(t *testing.T) {
	t.Run("flaws2", func(t *testing.T) {
		// 2018-11-28: the level1 Lambda role's credentials, stolen, used from
		// 104.102.221.250 with the AWS CLI to list the ECR image and pull its
		// layers; then the level3 ECS task role's credentials list buckets.
		st, hits := caseDB(t, testenv.Shared(t, "datasets", "flaws2-defender-logs"))
		c := investigate(t, st, hits, Options{IPs: []string{"104.102.221.0/24"}})
		keys := map[string]bool{}
		for _, cr := range c.CompromisedCredentials {
			keys[cr.AccessKeyID] = true
		}
		for _, k := range []string{"ASIAZQNB3KHGIGYQXVVG", "ASIAZQNB3KHGNXWXBSJS"} {
			if !keys[k] {
				t.Errorf("credentials lack %s: %v", k, keys)
			}
		}
		names := map[string]bool{}
		for _, a := range c.Actions {
			names[a.EventName] = true
		}
		for _, n := range []string{"ListImages", "BatchGetImage", "GetDownloadUrlForLayer", "ListBuckets"} {
			if !names[n] {
				t.Errorf("actions lack %s", n)
			}
		}
		if names["CreateLogStream"] {
			t.Error("the Lambda's own CreateLogStream calls (from AWS) are not the attacker's")
		}
	})
	t.Run("stratus", func(t *testing.T) {
		// Every detonation runs with a stratus-red-team user agent; the
		// iam-backdoor-user technique creates an access key for another user.
		st, hits := caseDB(t, testenv.Shared(t, "datasets", "stratus-red-team-detonation-logs"))
		c := investigate(t, st, hits, Options{})
		if len(c.Triage) == 0 || len(c.CompromisedCredentials) == 0 {
			t.Fatalf("triage %d, credentials %d", len(c.Triage), len(c.CompromisedCredentials))
		}
		if !anyContains(c.Triage[0].Reasons, "offensive-tool user agent") {
			t.Errorf("top reason: %v", c.Triage[0].Reasons)
		}
	})
	for _, ds := range []string{"invictus-aws-dataset", "security-datasets-aws", "awsdocs-cloudtrail-examples"} {
		t.Run(ds, func(t *testing.T) {
			st, hits := caseDB(t, testenv.Shared(t, "datasets", ds))
			c := investigate(t, st, hits, Options{})
			if c.Evidence.TotalEvents == 0 || len(c.Evidence.Sources) == 0 {
				t.Errorf("evidence: %+v", c.Evidence)
			}
		})
	}
}
