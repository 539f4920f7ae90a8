package remote_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/athena"
	"github.com/trailsleuth/trailsleuth/internal/awsconf"
	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/remote"
	"github.com/trailsleuth/trailsleuth/internal/remote/remotetest"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

func golden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, filepath.Join("testdata", name), []byte(got))
}

func incident(t *testing.T) []remotetest.Event {
	return remotetest.LoadEvents(t, filepath.Join(testenv.RepoRoot(t), "examples", "incident"))
}

func builtinRule(t *testing.T, file string) *sigma.Rule {
	b, err := rules.FS.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sigma.Parse(b, file)
	if err != nil {
		t.Fatal(err)
	}
	return rs[len(rs)-1]
}

var (
	since = time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
	until = time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC)
	scope = remote.Scope{Since: &since, Until: &until, Accounts: []string{"493812077610"}, Regions: []string{"us-east-1", "eu-west-1"}}
	ath   = remote.Target{Dialect: sigma.Athena, Table: "security.cloudtrail_logs", Partitions: remote.PartitionsProjection}
	lk    = remote.Target{Dialect: sigma.Lake, Table: "EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"}
)

// The generated SQL cannot be parsed here (no Trino parser is available
// to Go), so it is kept in golden files reviewed by hand.
func TestSQLGolden(t *testing.T) {
	in := remote.Indicators{Keys: []string{"AKIAHF6L6KQVHSPLEFOS"}, Principals: []string{"svc-backup-sync"}, IPs: []string{"185.220.101.47", "185.220.100.0/22"}}
	var sb strings.Builder
	for _, c := range []struct {
		name string
		t    remote.Target
	}{{"athena", ath}, {"athena-timestamp", remote.Target{Dialect: sigma.Athena, Table: "cloudtrail_logs_pp", Partitions: remote.PartitionsTimestamp}}, {"lake", lk}} {
		sb.WriteString("-- " + c.name + ": credential grants\n" + remote.GrantsSQL(c.t, scope) + ";\n\n")
		sb.WriteString("-- " + c.name + ": events of indicators\n" + remote.EventsSQL(c.t, scope, in) + ";\n\n")
		for _, f := range []string{"aws/privilege-escalation/iam_admin_policy_attached_to_user.yml", "aws/discovery/api_enumeration_burst.yml"} {
			q, err := remote.RuleSQL(builtinRule(t, f), c.t, scope)
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, f, err)
			}
			sb.WriteString("-- " + c.name + ": rule " + f + "\n" + q + ";\n\n")
		}
	}
	golden(t, "queries.sql", sb.String())

	// Triage statements, as sent.
	fake := remotetest.New(t)
	fake.Handler = remotetest.EventQueries(incident(t), ath)
	cfg, opts := fake.Config(t)
	c := &athena.Client{API: awsconf.Athena(cfg, opts), Database: "security", Poll: time.Millisecond, MaxPoll: time.Millisecond}
	hits := []event.Finding{{Level: "high", EventIDs: []string{"1d6f1f3e-0000-4000-8000-000000000001"}}, {Level: "low", EventIDs: []string{"not-followed"}}}
	if _, err := remote.TriageIndicators(t.Context(), c, ath, scope, hits, &remote.Ledger{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "triage.sql", strings.Join(fake.Statements(), ";\n\n")+";\n")
}

// Every incident event survives the trip through the services' result
// shapes: event → rows as Athena or Lake print them → EventsFromRows.
func TestEventsRoundTrip(t *testing.T) {
	evs := incident(t)
	for _, tg := range []remote.Target{ath, lk} {
		cols := tg.FetchColumns()
		rs := &remote.Result{QueryID: "q", Columns: cols}
		for _, e := range evs {
			rs.Rows = append(rs.Rows, remotetest.Row(e, cols, tg.Dialect == sigma.Lake))
		}
		out, err := tg.EventsFromRows(rs)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(evs) {
			t.Fatalf("%s: %d events back, want %d", tg.Dialect, len(out), len(evs))
		}
		bad := 0
		for i, b := range out {
			var back map[string]any
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				want := norm(evs[i].Get(c))
				if tg.Dialect == sigma.Lake {
					want = lakeMap(want)
				}
				got := norm(remotetest.Event(back).Get(c))
				if !reflect.DeepEqual(want, got) && bad < 5 {
					bad++
					t.Errorf("%s event %s %s: got %v, want %v", tg.Dialect, evs[i].Str("eventID"), c, got, want)
				}
			}
		}
	}
}

// lakeMap is a document as it comes back from CloudTrail Lake's
// map<string,string>: top-level numbers and booleans as text, and members
// that were JSON text (IAM policy documents) as the JSON they hold — Lake
// stores nested objects as JSON text too, so the two cannot be told apart
// (documented in docs/athena.md).
func lakeMap(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, x := range m {
		switch y := x.(type) {
		case float64, bool:
			b, _ := json.Marshal(x)
			m[k] = string(b)
		case string:
			var doc any
			if t := strings.TrimSpace(y); t != "" && (t[0] == '{' || t[0] == '[') && json.Unmarshal([]byte(t), &doc) == nil {
				m[k] = doc
			}
		}
	}
	return m
}

// norm makes values comparable across decoders (json.Number vs float64).
func norm(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// Collect follows the leaked key of examples/incident to every credential
// the attacker obtained (examples/incident-truth.json).
func TestCollectIncident(t *testing.T) {
	var truth struct {
		Incident struct {
			AttackerKeys []struct {
				AccessKeyID string `json:"access_key_id"`
				Events      int    `json:"events"`
			} `json:"attacker_keys"`
		}
	}
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "incident-truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	tg := remote.Target{Dialect: sigma.Athena, Table: "cloudtrail.cloudtrail_logs"}
	fake := remotetest.New(t)
	fake.Handler = remotetest.EventQueries(incident(t), tg)
	cfg, opts := fake.Config(t)
	c := &athena.Client{API: awsconf.Athena(cfg, opts), Database: "cloudtrail", Poll: time.Millisecond, MaxPoll: time.Millisecond}
	l := &remote.Ledger{}
	col, err := remote.Collect(t.Context(), c, tg, remote.CollectOptions{
		Indicators: remote.Indicators{Keys: []string{"AKIAHF6L6KQVHSPLEFOS"}}, Dir: t.TempDir(), Ledger: l, Engine: "athena",
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every event of every attacker key was fetched (the console session's
	// key through the user the attacker gave a password).
	byKey := map[string]int{}
	seen := map[string]bool{}
	for _, f := range col.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var e remotetest.Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatal(err)
			}
			if id := e.Str("eventID"); !seen[id] {
				seen[id] = true
				byKey[e.Str("userIdentity.accessKeyId")]++
			}
		}
	}
	for _, k := range truth.Incident.AttackerKeys {
		if byKey[k.AccessKeyID] < k.Events {
			t.Errorf("key %s: %d events fetched, want at least %d (keys followed %v, principals %v)", k.AccessKeyID, byKey[k.AccessKeyID], k.Events, col.Keys, col.Principals)
		}
	}
	if !slices.Contains(col.Principals, "svc-backup-sync") {
		t.Errorf("user created by the attacker not followed: %v", col.Principals)
	}
	n, st := l.Total()
	if n != len(fake.Statements()) || n < 3 || st.BytesScanned == 0 || st.BytesBilled < int64(n)*10<<20 {
		t.Errorf("ledger: %d queries, %+v; %d statements", n, st, len(fake.Statements()))
	}
	if len(col.Files) != len(col.Labels) || col.Events == 0 || !strings.HasPrefix(col.Labels[col.Files[0]], "athena:query/") {
		t.Errorf("collection %+v", col)
	}
}
