package analyze

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/attack"
	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/ingest/ingesttest"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

// caseDB ingests paths into a fresh case database and hunts with the
// built-in pack, as investigate does.
func caseDB(t *testing.T, paths ...string) (*store.Store, []event.Finding) {
	t.Helper()
	ctx := context.Background()
	st, _ := ingesttest.Case(t, ingest.Options{}, paths...)
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
	checkTriageFirst(t, tri, tr.leakedKey)
	checkAgainstTruth(t, tri, tr)
}

// checkTriageFirst: triage ranks first, as the attacker's, the identity the
// leaked key belongs to.
func checkTriageFirst(t *testing.T, c *event.Case, leakedKey string) {
	t.Helper()
	if len(c.Triage) == 0 {
		t.Fatal("triage is empty")
	}
	top := c.Triage[0]
	if top.Verdict != "attacker" || !top.Investigated || !slices.Contains(top.AccessKeyIDs, leakedKey) {
		t.Errorf("triage ranks first %s (verdict %s, keys %v), want the identity of %s", top.PrincipalARN, top.Verdict, top.AccessKeyIDs, leakedKey)
	}
	for _, e := range c.Triage[1:] {
		if e.Verdict == "attacker" && !slices.ContainsFunc(e.AccessKeyIDs, func(k string) bool { return slices.Contains(c.Triage[0].AccessKeyIDs, k) }) {
			t.Logf("also named the attacker's: %s %v", e.PrincipalARN, e.Reasons)
		}
	}
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
			checkTriageFirst(t, tri, tr.leakedKey)
			checkAgainstTruth(t, tri, tr)
			checkNovelty(t, st, c, tr)
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
		if !anyContains(c.Triage[0].Reasons, "offensive tooling (stratus-red-team)") {
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
			removed := checkRemoved(t, st, c)
			if ds == "invictus-aws-dataset" && removed == 0 {
				t.Error("no persistence marked removed: nothing compared")
			}
		})
	}
}

// checkRemoved compares each persistence item's Removed with what every
// undo-like call after the first persistence says (markRemoved reads only
// the calls that remove a kind the case holds), and returns how many were
// removed.
func checkRemoved(t *testing.T, st *store.Store, c *event.Case) int {
	t.Helper()
	if len(c.Persistence) == 0 {
		return 0
	}
	o := Options{}
	rows, err := query(context.Background(), st.DB(), o.filter(), undoCond, c.Persistence[0].EventTime)
	if err != nil {
		t.Fatal(err)
	}
	cat := attack.Default()
	n := 0
	for _, p := range c.Persistence {
		want := false
		for _, r := range rows {
			if kind, ok := cat.Removal(r.Source, r.Name); ok && kind == p.Kind && r.Time.After(p.EventTime) && resourceOf(r) != "" && resourceOf(r) == p.Resource {
				want = true
				break
			}
		}
		if p.Removed != want {
			t.Errorf("persistence %s %s: removed %v, the undo calls say %v", p.Kind, p.Resource, p.Removed, want)
		}
		if p.Removed {
			n++
		}
	}
	return n
}

// checkNovelty: the leaked key's attacker addresses and tools are flagged as
// new for it, and no benign key gets anything new after its first day.
func checkNovelty(t *testing.T, st *store.Store, c *event.Case, tr truth) {
	t.Helper()
	var leaked *event.Credential
	for i := range c.CompromisedCredentials {
		if c.CompromisedCredentials[i].AccessKeyID == tr.leakedKey {
			leaked = &c.CompromisedCredentials[i]
		}
	}
	if leaked == nil || leaked.Baseline == nil {
		t.Fatalf("leaked key %s has no credential entry or baseline", tr.leakedKey)
	}
	used := map[string]bool{}
	for _, a := range c.Actions {
		if a.AccessKeyID == tr.leakedKey && slices.Contains(tr.attackerIPs, a.SourceIP) {
			used[a.SourceIP] = true
		}
	}
	if len(used) == 0 {
		t.Fatal("no attacker address used the leaked key")
	}
	for ip := range used {
		if !slices.Contains(leaked.NewSourceIPs, ip) {
			t.Errorf("attacker address %s is not new for the leaked key: %v", ip, leaked.NewSourceIPs)
		}
	}
	if len(leaked.Baseline.SourceIPs) == 0 {
		t.Errorf("the leaked key's baseline has no usual address: %+v", leaked.Baseline)
	}
	for _, ip := range leaked.Baseline.SourceIPs {
		if slices.Contains(leaked.NewSourceIPs, ip) {
			t.Errorf("usual address %s of the leaked key is flagged new", ip)
		}
	}
	if len(leaked.NewUserAgents) == 0 {
		t.Errorf("no new user agent for the leaked key (baseline %+v)", leaked.Baseline)
	}
	for _, ip := range c.SourceIPs {
		if used[ip.IP] && !slices.Contains(ip.NewFor, tr.leakedKey) {
			t.Errorf("source IP %s: new_for %v lacks the leaked key", ip.IP, ip.NewFor)
		}
	}
	inv := newInvestigation(context.Background(), st.DB(), &Options{})
	all, err := inv.baselines("access_key_id", nil, inv.firstDay, false)
	if err != nil {
		t.Fatal(err)
	}
	attackerKeys := append([]string{tr.leakedKey}, tr.attackerKeys...)
	var benign int
	for k, n := range all {
		if slices.Contains(attackerKeys, k) {
			continue
		}
		benign++
		if ips, uas := n.list(dimIP), n.list(dimUA); len(ips)+len(uas) > 0 {
			t.Errorf("benign key %s: new after its first day: addresses %v, user agents %v", k, ips, uas)
		}
	}
	if benign == 0 {
		t.Error("no benign key to check")
	}
}

// TestConsolePageLoads: console calls of one credential in the same moment
// become one page load; a lone console call and CLI calls do not.
func TestConsolePageLoads(t *testing.T) {
	st, _ := caseDB(t, filepath.Join("testdata", "console"))
	c := investigate(t, st, nil, Options{Principals: []string{"alice"}})
	type group struct {
		names  string
		denied int
	}
	var got []group
	for _, ca := range c.ConsoleActions {
		got = append(got, group{strings.Join(ca.EventNames, ","), ca.Denied})
		if len(ca.EventIDs) < 2 {
			t.Errorf("page load %d has %d events", ca.Group, len(ca.EventIDs))
		}
	}
	want := []group{
		{"DescribeInstances,DescribeInstanceStatus,DescribeTags,DescribeAddresses", 1},
		{"ListUsers,ListAccountAliases,GetAccountSummary", 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("console page loads\n got %+v\nwant %+v", got, want)
	}
	grouped := map[string]int{}
	for _, a := range c.Actions {
		if a.ConsoleGroup != 0 {
			grouped[a.EventName+"/"+a.AccessKeyID]++
		}
	}
	for _, k := range []string{"GetBucketPolicy/ASIACONSOLEEXAMPLE01", "DescribeInstances/AKIACLIEXAMPLE000001", "ConsoleLogin/"} {
		if grouped[k] != 0 {
			t.Errorf("%s was put in a page load", k)
		}
	}
}

// TestPrincipalHabits: given a user name, the attacker's addresses are the
// one with offensive tooling, the one that appeared after it with a tool the
// owner never used, and a console sign-in without MFA from a new address
// when the owner always used MFA; the owner's usual address (API calls and
// console sessions alike) and a new address with the owner's usual tool are
// the owner's, and the split is explained.
func TestPrincipalHabits(t *testing.T) {
	st, _ := caseDB(t, filepath.Join("testdata", "habits"))
	c := investigate(t, st, nil, Options{Principals: []string{"bob"}})
	ips := map[string]int{}
	for _, a := range c.Actions {
		ips[a.SourceIP]++
	}
	if ips["203.0.113.66"] != 2 || ips["203.0.113.77"] != 5 || ips["203.0.113.88"] != 1 || ips["198.51.100.10"] != 0 || ips["198.51.100.11"] != 0 {
		t.Errorf("actions by address %v, want the attacker's 2 + 5 + 1 only", ips)
	}
	if c.SuspiciousEventCount != 8 {
		t.Errorf("suspicious events %d, want 8", c.SuspiciousEventCount)
	}
	var habit, mfa, owner bool
	for _, n := range c.Notes {
		owner = owner || (strings.Contains(n, "not counted") && strings.Contains(n, "198.51.100.11"))
	}
	for _, cr := range c.CompromisedCredentials {
		// .77 is in the network of the offensive address and uses a tool
		// bob never used: either reason names it after the attacker's use.
		habit = habit || (strings.Contains(cr.Reason, "203.0.113.77") && strings.Contains(cr.Reason, "after the attacker's first use"))
		mfa = mfa || strings.Contains(cr.Reason, "console sign-in without MFA")
	}
	if !habit || !mfa || !owner {
		t.Errorf("the split is not explained: notes %q, credentials %+v", c.Notes, c.CompromisedCredentials)
	}
}

// TestFederatedTrustChange: after the attacker opens a role's trust to
// their own identity provider, the federated session it allows is
// compromised; the pipeline's usual federated sessions are not.
func TestFederatedTrustChange(t *testing.T) {
	st, _ := caseDB(t, filepath.Join("testdata", "federated"))
	c := investigate(t, st, nil, Options{Keys: []string{"AKIAATTACKEREXAMPLE1"}})
	keys := map[string]bool{}
	for _, cr := range c.CompromisedCredentials {
		keys[cr.AccessKeyID] = true
	}
	if !keys["ASIAEVILSESSIONEXAM1"] {
		t.Errorf("the session the trust change allowed is not compromised: %v", keys)
	}
	if keys["ASIAPIPELINEEXAMPLE1"] || keys["ASIAPIPELINEEXAMPLE2"] {
		t.Errorf("the pipeline's usual sessions are counted: %v", keys)
	}
}
