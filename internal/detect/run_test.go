package detect

import (
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
	"github.com/trailsleuth/trailsleuth/rules"
)

// runPerRule is the reference hunt: every rule over the whole table, one
// query each, as Run worked before it read candidate events.
func runPerRule(ctx context.Context, db *sql.DB, p *Pack, opts RunOptions) (*Result, error) {
	res := &Result{Hits: []event.Finding{}, Errors: append([]RuleError{}, p.Errors...), Skipped: p.Skipped}
	for _, r := range p.Runnable(opts.MinLevel) {
		f, err := runRuleOn(ctx, db, r, opts, opts.Table)
		if err != nil {
			res.Errors = append(res.Errors, RuleError{RuleID: r.ID, Title: r.Title, Source: r.Source, Error: err.Error()})
			continue
		}
		res.RulesRun++
		if f != nil {
			res.Hits = append(res.Hits, *f)
		}
	}
	SortHits(res.Hits)
	return res, nil
}

// TestRunSameAsPerRule: Run finds exactly what the rules find one by one
// over the whole table (same rules, event ids, counts, windows, times and
// errors), for the built-in pack and SigmaHQ's rules, on the rules' own
// fixtures, the bundled incident, a generated attack and the shared
// real datasets; over the whole case, a time window, and a table holding
// part of the events (as investigate runs the rules).
func TestRunSameAsPerRule(t *testing.T) {
	ctx := context.Background()
	root := testenv.RepoRoot(t)
	builtin, err := Load(LoadOptions{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	packs := map[string]*Pack{"builtin": builtin}
	if sigmaHQ, err := Load(LoadOptions{Dirs: []string{testenv.Shared(t, "datasets", "sigma-aws-rules")}}); err != nil {
		t.Fatal(err)
	} else {
		packs["sigmahq"] = sigmaHQ
	}
	cases := map[string][]string{
		"fixtures": {filepath.Join(root, "rules", "testdata")},
		"incident": {filepath.Join(root, "examples", "incident")},
	}
	var datasets []string
	for _, d := range []string{"stratus-red-team-detonation-logs", "invictus-aws-dataset", "flaws2-defender-logs", "awsdocs-cloudtrail-examples", "security-datasets-aws"} {
		datasets = append(datasets, testenv.Shared(t, "datasets", d))
	}
	cases["datasets"] = datasets
	if !testing.Short() {
		bin := testenv.Ctgen(t)
		corpus := filepath.Join(t.TempDir(), "corpus")
		if out, err := exec.Command(bin, "-out", corpus, "-events", "20000", "-accounts", "2", "-days", "2", "-seed", "11", "-attack").CombinedOutput(); err != nil {
			t.Fatalf("ctgen: %v\n%s", err, out)
		}
		cases["ctgen"] = []string{filepath.Join(corpus, "AWSLogs")}
	}
	for name, paths := range cases {
		t.Run(name, func(t *testing.T) {
			st := caseDB(t, paths...)
			db := st.DB()
			var lo, hi time.Time
			if err := db.QueryRow("SELECT min(event_time), max(event_time) FROM events").Scan(&lo, &hi); err != nil {
				t.Fatal(err)
			}
			from, to := lo.Add(hi.Sub(lo)/3), lo.Add(2*hi.Sub(lo)/3)
			// Part of the events in an attached in-memory database, as
			// investigate's scope.
			for _, q := range []string{
				"ATTACH IF NOT EXISTS ':memory:' AS part",
				"CREATE OR REPLACE TABLE part.events AS SELECT * FROM events WHERE hash(event_id) % 3 <> 0",
			} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			variants := map[string]RunOptions{
				"whole":  {},
				"window": {TimeFrom: &from, TimeTo: &to},
				"part":   {Table: "part.events"},
			}
			for pname, p := range packs {
				for vname, opts := range variants {
					if pname != "builtin" && vname != "whole" {
						continue // the variants exercise Run, not the rules
					}
					got, err := Run(ctx, db, p, opts)
					if err != nil {
						t.Fatal(err)
					}
					want, err := runPerRule(ctx, db, p, opts)
					if err != nil {
						t.Fatal(err)
					}
					got.Seconds = 0
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s, %s: Run and the rules one by one differ\n%s", pname, vname, diffResults(got, want))
					}
					if vname == "whole" && pname == "builtin" && len(got.Hits) == 0 {
						t.Errorf("%s: no hits, nothing compared", pname)
					}
				}
			}
			// The candidate events must be what most rules read.
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			runnable := builtin.Runnable(event.SeverityUnknown)
			c := prepareCandidates(ctx, conn, runnable, RunOptions{})
			defer c.drop(ctx, conn)
			if c.table == "" || len(c.routed) < len(runnable)/2 {
				t.Errorf("%d of %d rules read the candidate events (table %q)", len(c.routed), len(runnable), c.table)
			}
		})
	}
}

// diffResults says how two hunt results differ, rule by rule.
func diffResults(got, want *Result) string {
	var b strings.Builder
	if got.RulesRun != want.RulesRun {
		fmt.Fprintf(&b, "rules run %d, want %d\n", got.RulesRun, want.RulesRun)
	}
	if !reflect.DeepEqual(got.Errors, want.Errors) {
		fmt.Fprintf(&b, "errors %v\nwant   %v\n", got.Errors, want.Errors)
	}
	byRule := func(hs []event.Finding) map[string]event.Finding {
		m := map[string]event.Finding{}
		for _, h := range hs {
			m[h.Source] = h
		}
		return m
	}
	g, w := byRule(got.Hits), byRule(want.Hits)
	for src, wh := range w {
		if gh, ok := g[src]; !ok {
			fmt.Fprintf(&b, "%s: missing (%d events)\n", src, wh.Count)
		} else if !reflect.DeepEqual(gh, wh) {
			fmt.Fprintf(&b, "%s: %d events %v, windows %d, %s–%s\n  want %d events %v, windows %d, %s–%s\n", src,
				gh.Count, gh.EventIDs, gh.Windows, gh.FirstSeen, gh.LastSeen, wh.Count, wh.EventIDs, wh.Windows, wh.FirstSeen, wh.LastSeen)
		}
	}
	for src, gh := range g {
		if _, ok := w[src]; !ok {
			fmt.Fprintf(&b, "%s: extra (%d events)\n", src, gh.Count)
		}
	}
	if b.Len() == 0 {
		b.WriteString("same findings, in another order")
	}
	return b.String()
}

// TestRunFallbacks: a name guard that fails leaves its rule to the whole
// table and the other guards evaluated; a rule whose source fails runs
// over the hunt's table.
func TestRunFallbacks(t *testing.T) {
	ctx := context.Background()
	st := caseDB(t, filepath.Join(testenv.RepoRoot(t), "examples", "incident"))
	pack, err := Load(LoadOptions{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	rs := pack.Runnable(event.SeverityUnknown)
	conn, err := st.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	names, err := distinctNames(ctx, conn, "events", "")
	if err != nil {
		t.Fatal(err)
	}
	fps := map[*sigma.Rule]sigma.Footprint{}
	var guarded []*sigma.Rule
	for _, r := range rs {
		if fp, err := sigma.DuckDBFootprint(r, sigma.CompileOptions{}); err == nil && fp.NameGuard != "" {
			fps[r] = fp
			guarded = append(guarded, r)
		}
	}
	good := guardMatches(ctx, conn, names, guarded, fps, RunOptions{}.logger())
	if len(good) != len(guarded) {
		t.Fatalf("%d of %d guards evaluated", len(good), len(guarded))
	}
	broken := guarded[len(guarded)/2]
	fps[broken] = sigma.Footprint{Columns: fps[broken].Columns, NameGuard: "no_such_function(event_name)"}
	got := guardMatches(ctx, conn, names, guarded, fps, RunOptions{}.logger())
	if _, ok := got[broken]; ok {
		t.Errorf("the broken guard's rule kept a route")
	}
	delete(good, broken)
	if !reflect.DeepEqual(got, good) {
		t.Errorf("the other guards changed with one broken")
	}

	// A source that fails: the candidate table dropped under the rules.
	c := prepareCandidates(ctx, conn, rs, RunOptions{})
	if c.table == "" {
		t.Fatal("no candidate table")
	}
	if _, err := conn.ExecContext(ctx, "DROP TABLE "+c.table); err != nil {
		t.Fatal(err)
	}
	want, err := runPerRule(ctx, st.DB(), pack, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	for _, r := range rs {
		f, err := c.run(ctx, conn, r, RunOptions{})
		if err != nil {
			t.Errorf("%s: %v", r.Title, err)
		}
		if f != nil {
			hits++
		}
	}
	if hits != len(want.Hits) {
		t.Errorf("%d rules hit with the fallback, %d one by one", hits, len(want.Hits))
	}
}
