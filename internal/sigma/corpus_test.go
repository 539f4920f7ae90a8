package sigma

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// corpusRule is one rule of the SigmaHQ AWS CloudTrail rules, or the error
// that stopped its file from parsing.
type corpusRule struct {
	dir, file string
	rule      *Rule
	err       error
}

func loadCorpus(t *testing.T) []corpusRule {
	t.Helper()
	root := testenv.Shared(t, "datasets", "sigma-aws-rules")
	var out []corpusRule
	for _, dir := range []string{"rules", "rules-placeholder", "unsupported"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.yml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rules, err := ParseFile(f)
			if err != nil {
				out = append(out, corpusRule{dir: dir, file: filepath.Base(f), err: err})
				continue
			}
			for _, r := range rules {
				out = append(out, corpusRule{dir: dir, file: filepath.Base(f), rule: r})
			}
		}
	}
	return out
}

// TestCorpusParseCompile parses every SigmaHQ AWS CloudTrail rule and
// compiles it to the three dialects, asserting the exact counts and the
// precise reason of every failure.
func TestCorpusParseCompile(t *testing.T) {
	corpus := loadCorpus(t)
	type counts struct{ files, parsed, duckdb, athena, lake int }
	got := map[string]*counts{}
	failures := map[string]string{} // "dir/file dialect" → error
	var table strings.Builder
	fmt.Fprintf(&table, "%-18s %-62s %-7s %-7s %-7s %-7s %s\n", "dir", "file", "parse", "duckdb", "athena", "lake", "kind")
	for _, c := range corpus {
		n := got[c.dir]
		if n == nil {
			n = &counts{}
			got[c.dir] = n
		}
		n.files++
		status := map[string]string{}
		kind := ""
		if c.err != nil {
			status["parse"] = "FAIL"
			failures[c.dir+"/"+c.file+" parse"] = c.err.Error()
		} else {
			n.parsed++
			status["parse"] = "ok"
			kind = "detection"
			if c.rule.IsCorrelation() {
				kind = "correlation (" + string(c.rule.Correlation.Type) + ")"
			}
			for _, d := range Dialects {
				_, err := Compile(c.rule, d, CompileOptions{})
				if err != nil {
					status[string(d)] = "FAIL"
					failures[c.dir+"/"+c.file+" "+string(d)] = err.Error()
					var ue *UnsupportedError
					if !errors.As(err, &ue) {
						t.Errorf("%s/%s %s: not an *UnsupportedError: %v", c.dir, c.file, d, err)
					}
					continue
				}
				status[string(d)] = "ok"
				switch d {
				case DuckDB:
					n.duckdb++
				case Athena:
					n.athena++
				case Lake:
					n.lake++
				}
			}
			for _, w := range c.rule.Warnings {
				kind += "; warning: " + w
			}
		}
		fmt.Fprintf(&table, "%-18s %-62s %-7s %-7s %-7s %-7s %s\n", c.dir, c.file, status["parse"], status["duckdb"], status["athena"], status["lake"], kind)
	}
	t.Logf("SigmaHQ AWS CloudTrail rules:\n%s", table.String())
	keys := slices.Sorted(maps.Keys(failures))
	for _, k := range keys {
		t.Logf("%s: %s", k, failures[k])
	}
	want := map[string]counts{
		"rules":             {files: 57, parsed: 57, duckdb: 57, athena: 57, lake: 57},
		"rules-placeholder": {files: 1, parsed: 1, duckdb: 0, athena: 0, lake: 0},
		"unsupported":       {files: 8, parsed: 7, duckdb: 7, athena: 7, lake: 7},
	}
	for dir, w := range want {
		g := got[dir]
		if g == nil || *g != w {
			t.Errorf("%s: got %+v, want %+v", dir, g, w)
		}
	}
	// The failures are precise.
	wantFail := map[string]string{
		"unsupported/aws_lambda_function_created_or_invoked.yml parse":                          `legacy aggregation "near" (use a temporal correlation rule) is not supported`,
		"rules-placeholder/aws_cloudtrail_console_login_success_from_susp_locations.yml duckdb": "expand modifier with no value for placeholder(s) %Legitimate_Countries%, %Legitimate_IP_Ranges%",
		"rules-placeholder/aws_cloudtrail_console_login_success_from_susp_locations.yml athena": "expand modifier with no value for placeholder(s) %Legitimate_Countries%, %Legitimate_IP_Ranges%",
		"rules-placeholder/aws_cloudtrail_console_login_success_from_susp_locations.yml lake":   "expand modifier with no value for placeholder(s) %Legitimate_Countries%, %Legitimate_IP_Ranges%",
	}
	if len(failures) != len(wantFail) {
		t.Errorf("%d failures, want %d", len(failures), len(wantFail))
	}
	for k, w := range wantFail {
		if !strings.Contains(failures[k], w) {
			t.Errorf("%s: error %q does not say %q", k, failures[k], w)
		}
	}
}

// TestCorpusMetadata checks tags, custom keys and legacy aggregations on the
// real rules.
func TestCorpusMetadata(t *testing.T) {
	corpus := loadCorpus(t)
	byFile := map[string]*Rule{}
	for _, c := range corpus {
		if c.rule != nil {
			byFile[c.file] = c.rule
		}
	}
	r := byFile["aws_cloudtrail_disable_logging.yml"]
	if r == nil {
		t.Fatal("aws_cloudtrail_disable_logging.yml not parsed")
	}
	if r.Level == "" || r.Title == "" || r.ID == "" || len(r.Tags) == 0 || r.Detection == nil {
		t.Errorf("metadata: %+v", r)
	}
	if tac := r.Tactics(); len(tac) == 0 || !contains(tac, "defense-evasion") {
		t.Errorf("tactics %v (tags %v)", tac, r.Tags)
	}
	if tech := r.Techniques(); len(tech) == 0 || strings.ToUpper(tech[0]) != tech[0] || !strings.HasPrefix(tech[0], "T") {
		t.Errorf("techniques %v", tech)
	}
	enum := byFile["aws_macic_evasion.yml"]
	if enum == nil || enum.Correlation == nil {
		t.Fatal("aws_macic_evasion.yml: want a legacy count() correlation")
	}
	c := enum.Correlation
	if c.Type != EventCount || len(c.GroupBy) != 1 || c.GroupBy[0] != "sourceIPAddress" || c.Timespan.Minutes() != 10 ||
		len(c.Condition) != 1 || c.Condition[0] != (Threshold{Op: "gt", N: 5}) {
		t.Errorf("legacy aggregation: %+v", c)
	}
	if tac := enum.Tactics(); !equalStrings(tac, []string{"defense-evasion"}) {
		t.Errorf("old-style tactic tag attack.defense_evasion: %v", tac)
	}
	ses := byFile["aws_ses_messaging_enabled.yml"]
	if ses == nil || len(ses.Warnings) == 0 || !strings.Contains(ses.Warnings[0], "timeframe 5m is ignored") {
		t.Errorf("aws_ses_messaging_enabled.yml warnings: %v", ses.Warnings)
	}
	saml := byFile["aws_delete_saml_provider.yml"]
	if saml == nil || len(saml.Warnings) != 1 || !strings.Contains(saml.Warnings[0], "field status") {
		t.Errorf("aws_delete_saml_provider.yml warnings: %v", saml.Warnings)
	}
	ph := byFile["aws_cloudtrail_console_login_success_from_susp_locations.yml"]
	opts := CompileOptions{Placeholders: map[string][]string{"Legitimate_Countries": {"DE", "FR"}, "Legitimate_IP_Ranges": {"10.*"}}}
	for _, d := range Dialects {
		if _, err := Compile(ph, d, opts); err != nil {
			t.Errorf("placeholder rule with values, %s: %v", d, err)
		}
	}
	var tactics = map[string]int{}
	for _, c := range corpus {
		if c.rule != nil {
			for _, tac := range c.rule.Tactics() {
				tactics[tac]++
			}
		}
	}
	keys := slices.Sorted(maps.Keys(tactics))
	sort.Slice(keys, func(i, j int) bool { return tactics[keys[i]] > tactics[keys[j]] })
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, " %s=%d", k, tactics[k])
	}
	t.Logf("tactics:%s", sb.String())
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestAgreement runs every SigmaHQ rule both in memory and as DuckDB SQL over
// the Stratus Red Team detonation logs and the Invictus AWS dataset, loaded
// with trailsleuth's own ingest, and requires identical results.
func TestAgreement(t *testing.T) {
	corpus := loadCorpus(t)
	stratus := testenv.Shared(t, "datasets", "stratus-red-team-detonation-logs")
	invictus := testenv.Shared(t, "datasets", "invictus-aws-dataset", "CloudTrail")
	db := loadCase(t, stratus, invictus)
	ph := map[string][]string{"Legitimate_Countries": {"DE"}, "Legitimate_IP_Ranges": {"10.*"}}
	var detections, correlations, hits int
	var hitRules []string
	for _, c := range corpus {
		if c.rule == nil {
			continue
		}
		r := c.rule
		q, err := Compile(r, DuckDB, CompileOptions{Placeholders: ph})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if r.IsCorrelation() {
			correlations++
			cm, err := NewCorrelationMatcher(r, MatchOptions{Placeholders: ph})
			if err != nil {
				t.Errorf("%s: %v", c.file, err)
				continue
			}
			sqlW := db.sqlWindows(t, q, len(r.Correlation.GroupBy))
			memW := matcherWindows(cm, db.events)
			if !equalStrings(sqlW, memW) {
				t.Errorf("%s: correlation windows differ\nsql: %v\nmatcher: %v", c.file, sqlW, memW)
			}
			if len(sqlW) > 0 {
				hits++
				hitRules = append(hitRules, fmt.Sprintf("%s (%d windows)", c.file, len(sqlW)))
			}
			continue
		}
		detections++
		m, err := NewMatcher(r, MatchOptions{Placeholders: ph})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		sqlIDs := db.sqlIDs(t, q)
		memIDs := db.matchIDs(m)
		if !equalStrings(sqlIDs, memIDs) {
			t.Errorf("%s: SQL and matcher differ\nsql (%d): %v\nmatcher (%d): %v\n%s", c.file, len(sqlIDs), sqlIDs, len(memIDs), memIDs, q)
		}
		if len(sqlIDs) > 0 {
			hits++
			hitRules = append(hitRules, fmt.Sprintf("%s (%d events)", c.file, len(sqlIDs)))
		}
	}
	sort.Strings(hitRules)
	t.Logf("agreement: %d detection rules and %d correlation rules × %d events; %d rules hit at least once:\n  %s",
		detections, correlations, len(db.events), hits, strings.Join(hitRules, "\n  "))
	for _, must := range []string{"aws_cloudtrail_disable_logging.yml"} {
		found := false
		for _, h := range hitRules {
			found = found || strings.HasPrefix(h, must)
		}
		if !found {
			t.Errorf("%s hit nothing on the Stratus and Invictus data", must)
		}
	}
	if hits < 10 {
		t.Errorf("only %d rules hit", hits)
	}
}
