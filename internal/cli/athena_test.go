package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/detect"
	"github.com/trailsleuth/trailsleuth/internal/remote"
	"github.com/trailsleuth/trailsleuth/internal/remote/remotetest"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

func TestAthenaDDLCommand(t *testing.T) {
	r := run(t, "athena", "ddl", "--bucket", "acme-cloudtrail-logs-493812077610", "--projection", "--account", "493812077610", "--region", "us-east-1", "--start", "2025/01/01")
	want, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "internal", "athena", "testdata", "projection.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 || r.out != string(want) || !strings.Contains(r.errOut, "--athena-partitions timestamp") {
		t.Errorf("athena ddl: exit %d, stderr %q\n%s", r.code, r.errOut, r.out)
	}
	for _, args := range [][]string{{"athena", "ddl"}, {"athena", "ddl", "--bucket", "Bad_Bucket"}, {"athena", "ddl", "--bucket", "b-b-b", "--table", "x;y"}} {
		if r := run(t, args...); r.code != ExitUsage {
			t.Errorf("%v: exit %d", args, r.code)
		}
	}
	for _, args := range [][]string{
		{"hunt", "--engine", "bigquery"},
		{"hunt", "--engine", "athena"},
		{"hunt", "--engine", "athena", "--athena-database", "db", "--athena-partitions", "hive"},
		{"investigate", "--engine", "lake"},
		{"investigate", "--engine", "athena", "--athena-database", "db", "--athena-output", "/tmp/x"},
	} {
		if r := run(t, args...); r.code != ExitUsage {
			t.Errorf("%v: exit %d %s", args, r.code, r.errOut)
		}
	}
}

// huntRules are a few built-in rules that hit examples/incident (nested
// JSON fields, lists, a console event) and one keyword rule neither remote
// dialect can express.
func huntRules(t *testing.T) []string {
	root := testenv.RepoRoot(t)
	args := []string{"--no-builtin"}
	for _, f := range []string{
		"rules/aws/discovery/offensive_tool_user_agent.yml",
		"rules/aws/privilege-escalation/iam_admin_policy_attached_to_user.yml",
		"rules/aws/defense-evasion/security_group_admin_ports_open_to_world.yml",
		"rules/aws/initial-access/console_login_without_mfa.yml",
		"internal/cli/testdata/remote/keyword.yml",
	} {
		args = append(args, "--rules", filepath.Join(root, f))
	}
	return args
}

type remoteEngine struct {
	engine string
	tg     remote.Target // what the CLI builds from flags
	flags  []string
}

func remoteEngines() []remoteEngine {
	return []remoteEngine{
		{"athena", remote.Target{Dialect: sigma.Athena, Table: "cloudtrail.cloudtrail_logs"}, []string{"--athena-database", "cloudtrail"}},
		{"lake", remote.Target{Dialect: sigma.Lake, Table: "EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"},
			[]string{"--event-data-store", "arn:aws:cloudtrail:us-east-1:493812077610:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"}},
	}
}

type huntJSON struct {
	RulesRun int `json:"rules_run"`
	Hits     []struct {
		RuleID    string    `json:"rule_id"`
		Level     string    `json:"level"`
		EventIDs  []string  `json:"event_ids"`
		FirstSeen time.Time `json:"first_seen"`
		LastSeen  time.Time `json:"last_seen"`
	} `json:"hits"`
	Errors []detect.RuleError `json:"errors"`
}

func hits(t *testing.T, out string) (map[string]string, huntJSON) {
	var h huntJSON
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := map[string]string{}
	for _, x := range h.Hits {
		ids := slices.Clone(x.EventIDs)
		sort.Strings(ids)
		m[x.RuleID] = x.Level + " " + x.FirstSeen.Format(time.RFC3339) + " " + x.LastSeen.Format(time.RFC3339) + " " + strings.Join(ids, ",")
	}
	return m, h
}

// ruleHandler answers each rule's remote query with the events the Sigma
// matcher selects, after checking the statement is exactly the one the
// rule compiles to.
func ruleHandler(t *testing.T, evs []remotetest.Event, tg remote.Target, scope remote.Scope, ruleArgs []string, other remotetest.Handler) remotetest.Handler {
	var dirs []string
	for i := 1; i < len(ruleArgs); i += 2 {
		dirs = append(dirs, ruleArgs[i+1])
	}
	pack, err := detect.Load(detect.LoadOptions{NoBuiltin: true, Dirs: dirs})
	if err != nil {
		t.Fatal(err)
	}
	bySQL := map[string]*sigma.Matcher{}
	for _, r := range pack.Rules {
		q, err := remote.RuleSQL(r, tg, scope)
		if err != nil {
			continue
		}
		m, err := sigma.NewMatcher(r, sigma.MatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bySQL[q] = m
	}
	return func(sql string) ([]string, [][]*string, error) {
		m := bySQL[sql]
		if m == nil && other != nil {
			return other(sql)
		}
		if m == nil {
			t.Errorf("unexpected statement:\n%s", sql)
			return nil, nil, os.ErrInvalid
		}
		var rows [][]*string
		for _, e := range evs {
			ts, _ := time.Parse(time.RFC3339, e.Str("eventTime"))
			if (scope.Since != nil && ts.Before(*scope.Since)) || (scope.Until != nil && !ts.Before(*scope.Until)) {
				continue
			}
			ok, err := m.MatchJSON(e.Raw())
			if err != nil {
				return nil, nil, err
			}
			if ok {
				when := ts.UTC().Format("2006-01-02T15:04:05.000Z")
				if tg.Dialect == sigma.Lake {
					when = ts.UTC().Format("2006-01-02 15:04:05.000")
				}
				rows = append(rows, []*string{remotetest.S(e.Str("eventID")), remotetest.S(when)})
			}
		}
		return []string{"event_id", "event_time"}, rows, nil
	}
}

func TestHuntEngines(t *testing.T) {
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	db := filepath.Join(t.TempDir(), "case.duckdb")
	if r := run(t, "--db", db, "-q", "ingest", example); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	ruleArgs := huntRules(t)
	since := time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
	base := append([]string{"--db", db, "hunt", "--format", "json", "--since", "2025-03-11T00:00:00Z"}, ruleArgs...)
	r := run(t, base...)
	if r.code != 0 {
		t.Fatalf("duckdb hunt: %+v", r)
	}
	want, local := hits(t, r.out)
	const keyword = "3c1d7e0a-5b2f-4d8e-9a61-2f0c4b7e9d13"
	if _, ok := want[keyword]; len(want) != 5 || !ok || len(local.Errors) != 0 {
		t.Fatalf("duckdb hunt: %d hits, errors %v", len(want), local.Errors)
	}
	// Only the case database has the raw text a keyword search reads.
	delete(want, keyword)
	evs := remotetest.LoadEvents(t, example)
	for _, c := range remoteEngines() {
		t.Run(c.engine, func(t *testing.T) {
			fake := remotetest.New(t)
			fake.PageSize = 20 // the offensive-tool rule's hits span pages
			fake.Handler = ruleHandler(t, evs, c.tg, remote.Scope{Since: &since}, ruleArgs, nil)
			args := append(slices.Clone(base), "--engine", c.engine, "--endpoint-url", fake.URL, "--aws-region", "us-east-1", "--poll-interval", "1ms")
			r := run(t, append(args, c.flags...)...)
			if r.code != 0 {
				t.Fatalf("hunt --engine %s: %+v", c.engine, r)
			}
			got, res := hits(t, r.out)
			for id, w := range want {
				if got[id] != w {
					t.Errorf("rule %s:\n got  %s\n want %s", id, got[id], w)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d hits, want %d", len(got), len(want))
			}
			if len(res.Errors) != 1 || res.Errors[0].RuleID != keyword || !strings.Contains(res.Errors[0].Error, "raw event text") {
				t.Errorf("the keyword rule is not reported: %+v", res.Errors)
			}
			if res.RulesRun != local.RulesRun-1 || len(fake.Statements()) != res.RulesRun {
				t.Errorf("%d rules run remotely (%d statements), %d locally", res.RulesRun, len(fake.Statements()), local.RulesRun)
			}
			if !strings.Contains(r.errOut, c.engine+": 4 queries, ") || !strings.Contains(r.errOut, "estimated cost $") {
				t.Errorf("no cost summary on stderr: %s", r.errOut)
			}
		})
	}
}

type reportJSON struct {
	Count int `json:"suspicious_event_count"`
	Creds []struct {
		AccessKeyID string `json:"access_key_id"`
	} `json:"compromised_credentials"`
	Evidence struct {
		Sources []struct {
			Path string `json:"path"`
		} `json:"sources"`
	} `json:"evidence"`
}

func keysOf(c reportJSON) []string {
	var out []string
	for _, k := range c.Creds {
		out = append(out, k.AccessKeyID)
	}
	sort.Strings(out)
	return out
}

func TestInvestigateRemote(t *testing.T) {
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	dir := t.TempDir()
	db := filepath.Join(dir, "case.duckdb")
	r := run(t, "--db", db, "-q", "investigate", example, "--key", "AKIAHF6L6KQVHSPLEFOS", "--format", "json")
	if r.code != 0 {
		t.Fatalf("duckdb investigate: %+v", r)
	}
	var local reportJSON
	if err := json.Unmarshal([]byte(r.out), &local); err != nil {
		t.Fatal(err)
	}
	evs := remotetest.LoadEvents(t, example)
	for _, c := range remoteEngines() {
		t.Run(c.engine, func(t *testing.T) {
			fake := remotetest.New(t)
			fake.PageSize = 100
			fake.Handler = remotetest.EventQueries(evs, c.tg)
			remoteDB := filepath.Join(t.TempDir(), "remote.duckdb")
			args := []string{"--db", remoteDB, "investigate", "--key", "AKIAHF6L6KQVHSPLEFOS", "--format", "json",
				"--engine", c.engine, "--endpoint-url", fake.URL, "--aws-region", "us-east-1", "--poll-interval", "1ms"}
			r := run(t, append(args, c.flags...)...)
			if r.code != 0 {
				t.Fatalf("investigate --engine %s: %+v", c.engine, r)
			}
			var got reportJSON
			if err := json.Unmarshal([]byte(r.out), &got); err != nil {
				t.Fatalf("%v\n%s", err, r.out)
			}
			if g, w := keysOf(got), keysOf(local); !slices.Equal(g, w) || len(w) < 4 {
				t.Errorf("compromised credentials:\n got  %v\n want %v", g, w)
			}
			t.Logf("%d statements; credentials %v; %d suspicious events; stderr:\n%s", len(fake.Statements()), keysOf(got), got.Count, r.errOut)
			if got.Count != local.Count {
				t.Errorf("suspicious events %d, want %d", got.Count, local.Count)
			}
			if len(got.Evidence.Sources) == 0 {
				t.Fatal("no evidence sources")
			}
			for _, s := range got.Evidence.Sources {
				if !strings.HasPrefix(s.Path, c.engine+":query/") || !strings.Contains(s.Path, "scanned") {
					t.Errorf("evidence source %q does not name its query", s.Path)
				}
			}
			if !strings.Contains(r.errOut, c.engine+": ") || !strings.Contains(r.errOut, "estimated cost $") {
				t.Errorf("no cost summary: %s", r.errOut)
			}
		})
	}
}

// Without indicators, the remote hunt's high and critical hits and the
// offensive user agents choose the credentials to follow.
func TestInvestigateRemoteTriage(t *testing.T) {
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	evs := remotetest.LoadEvents(t, example)
	tg := remote.Target{Dialect: sigma.Athena, Table: "cloudtrail.cloudtrail_logs"}
	ruleArgs := huntRules(t)
	fake := remotetest.New(t)
	fake.PageSize = 200
	fake.Handler = ruleHandler(t, evs, tg, remote.Scope{}, ruleArgs, remotetest.EventQueries(evs, tg))
	args := append([]string{"--db", filepath.Join(t.TempDir(), "triage.duckdb"), "investigate", "--format", "json",
		"--engine", "athena", "--athena-database", "cloudtrail", "--endpoint-url", fake.URL, "--aws-region", "us-east-1", "--poll-interval", "1ms"}, ruleArgs...)
	r := run(t, args...)
	if r.code != 0 {
		t.Fatalf("investigate --engine athena (triage): %+v", r)
	}
	var got reportJSON
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	if !slices.Contains(keysOf(got), "AKIAHF6L6KQVHSPLEFOS") || !strings.Contains(r.errOut, "triage on athena: following") {
		t.Errorf("triage: credentials %v\n%s", keysOf(got), r.errOut)
	}
	var triage int
	for _, q := range fake.Statements() {
		if strings.Contains(q, "GROUP BY 1, 2") {
			triage++
		}
	}
	if triage != 2 {
		t.Errorf("%d triage queries, want 2 (hits, user agents)", triage)
	}
}

// TestInvestigateRemoteNothingFound: an indicator the remote engine finds
// no event of is exit 4 naming it, not a report, and no "ingest first"
// advice about the temporary case.
func TestInvestigateRemoteNothingFound(t *testing.T) {
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	evs := remotetest.LoadEvents(t, example)
	c := remoteEngines()[0]
	fake := remotetest.New(t)
	fake.Handler = remotetest.EventQueries(evs, c.tg)
	args := append([]string{"investigate", "--key", "AKIAEXAMPLE", "--format", "json",
		"--engine", c.engine, "--endpoint-url", fake.URL, "--aws-region", "us-east-1", "--poll-interval", "1ms"}, c.flags...)
	r := run(t, args...)
	if r.code != ExitNoEvents || r.out != "" || !strings.Contains(r.errOut, "--key AKIAEXAMPLE matches no event") || strings.Contains(r.errOut, "ingest") {
		t.Errorf("exit %d, stdout %.100q, stderr %s", r.code, r.out, r.errOut)
	}
}
