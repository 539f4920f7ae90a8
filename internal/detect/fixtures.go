package detect

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/sigma"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// FixtureResult is the outcome of one rule's proof: the events it must
// match (hit.jsonl) and the near misses it must not (miss.jsonl).
type FixtureResult struct {
	RuleID   string   `json:"rule_id"`
	Title    string   `json:"title"`
	Source   string   `json:"source"`
	Fixtures string   `json:"fixtures"`
	Hits     int      `json:"hit_events"`
	Misses   int      `json:"miss_events"`
	Failures []string `json:"failures,omitempty"`
}

// Stem is the rule file's name without folder, extension or document index:
// the name of its fixture folder.
func Stem(source string) string {
	s := source
	if i := strings.LastIndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimPrefix(s, "builtin:")
	s = path.Base(filepath.ToSlash(s))
	return strings.TrimSuffix(strings.TrimSuffix(s, ".yml"), ".yaml")
}

type fixtureEvents struct {
	hit, miss [][]byte
	hitIDs    []string
	missIDs   []string
}

func readJSONL(p string) ([][]byte, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, append([]byte(nil), line...))
		}
	}
	return out, sc.Err()
}

// TestFixtures checks every rule of p against the fixtures in dir
// (dir/<stem>/hit.jsonl and miss.jsonl): detection rules through the
// in-memory matcher, every rule through its DuckDB SQL, and that the two
// agree event for event. A rule without fixtures fails.
func TestFixtures(ctx context.Context, p *Pack, dir string) ([]FixtureResult, error) {
	st, err := store.Open(ctx, "")
	if err != nil {
		return nil, err
	}
	defer st.Close()
	files, walkErrs, err := acquire.Walk(ctx, []string{dir})
	if err != nil {
		return nil, err
	}
	sum, err := ingest.Run(ctx, st, files, walkErrs, ingest.Options{})
	if err != nil {
		return nil, fmt.Errorf("loading fixtures: %w", err)
	}
	if sum.Duplicates > 0 || sum.Lost > 0 {
		return nil, fmt.Errorf("fixtures in %s: %d duplicate event ids and %d unreadable records; every fixture event needs its own eventID", dir, sum.Duplicates, sum.Lost)
	}
	ids := func(raws [][]byte) []string {
		var out []string
		for _, r := range raws {
			var ev struct {
				EventID string `json:"eventID"`
			}
			json.Unmarshal(r, &ev) //nolint:errcheck // a bad line gets an empty id, and fails below
			out = append(out, ev.EventID)
		}
		return out
	}
	var results []FixtureResult
	for _, r := range p.Rules {
		stem := Stem(r.Source)
		fdir := filepath.Join(dir, stem)
		res := FixtureResult{RuleID: r.ID, Title: r.Title, Source: r.Source, Fixtures: fdir}
		fail := func(format string, a ...any) { res.Failures = append(res.Failures, fmt.Sprintf(format, a...)) }
		if r.LogTable() != "" {
			res.Hits, res.Misses = checkLogRule(ctx, st, r, fdir, baseOfCorrelation(p, r), fail)
			results = append(results, res)
			continue
		}
		var fx fixtureEvents
		fx.hit, err = readJSONL(filepath.Join(fdir, "hit.jsonl"))
		if err != nil {
			fail("no hit.jsonl: %v", err)
		}
		fx.miss, err = readJSONL(filepath.Join(fdir, "miss.jsonl"))
		if err != nil {
			fail("no miss.jsonl: %v", err)
		}
		res.Hits, res.Misses = len(fx.hit), len(fx.miss)
		if len(res.Failures) > 0 {
			results = append(results, res)
			continue
		}
		fx.hitIDs, fx.missIDs = ids(fx.hit), ids(fx.miss)
		checkRule(ctx, st, r, p, &fx, fail)
		results = append(results, res)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Source < results[j].Source })
	return results, nil
}

// sqlIDs runs r's SQL over the given events only.
func sqlIDs(ctx context.Context, st *store.Store, r *sigma.Rule, ids []string) (map[string]bool, error) {
	db := st.DB()
	if _, err := db.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE fx AS SELECT * FROM events WHERE list_contains(?, event_id)", ids); err != nil {
		return nil, fmt.Errorf("fixture table: %w", err)
	}
	f, err := runRuleOn(ctx, db, r, RunOptions{}, "fx")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	if f != nil {
		for _, id := range f.EventIDs {
			out[id] = true
		}
	}
	return out, nil
}

func checkRule(ctx context.Context, st *store.Store, r *sigma.Rule, p *Pack, fx *fixtureEvents, fail func(string, ...any)) {
	all := append(append([]string(nil), fx.hitIDs...), fx.missIDs...)
	if r.IsCorrelation() {
		hit, err := sqlIDs(ctx, st, r, fx.hitIDs)
		if err != nil {
			fail("SQL: %v", err)
			return
		}
		if len(hit) == 0 {
			fail("correlation does not fire on hit.jsonl")
		}
		miss, err := sqlIDs(ctx, st, r, fx.missIDs)
		if err != nil {
			fail("SQL: %v", err)
			return
		}
		if len(miss) > 0 {
			fail("correlation fires on miss.jsonl (%d events)", len(miss))
		}
		return
	}
	m, err := sigma.NewMatcher(r, sigma.MatchOptions{})
	if err != nil {
		fail("matcher: %v", err)
		return
	}
	// A base rule that shares its file with a correlation is proved by the
	// correlation's fixtures; it only has to agree with its SQL here.
	corrFile := false
	for _, o := range p.Rules {
		if o.IsCorrelation() && Stem(o.Source) == Stem(r.Source) {
			corrFile = true
		}
	}
	matched := map[string]bool{}
	for i, raw := range append(append([][]byte(nil), fx.hit...), fx.miss...) {
		ok, err := m.MatchJSON(raw)
		if err != nil {
			fail("event %d: %v", i, err)
			continue
		}
		isHit := i < len(fx.hit)
		if ok && i < len(all) {
			matched[all[i]] = true
		}
		if corrFile {
			continue
		}
		if isHit && !ok {
			fail("hit.jsonl line %d does not match", i+1)
		}
		if !isHit && ok {
			fail("miss.jsonl line %d matches", i-len(fx.hit)+1)
		}
	}
	got, err := sqlIDs(ctx, st, r, all)
	if err != nil {
		fail("SQL: %v", err)
		return
	}
	for id := range matched {
		if !got[id] {
			fail("event %s: the matcher matches, the SQL does not", id)
		}
	}
	for id := range got {
		if !matched[id] {
			fail("event %s: the SQL matches, the matcher does not", id)
		}
	}
}

// checkLogRule proves a rule over S3 access or flow logs with
// fdir/hit.log and miss.log (log files, ingested with the fixtures): a
// detection must match every record of hit.log and none of miss.log, a
// correlation fire on hit.log and not on miss.log. It returns how many
// records each file holds. A base rule in a correlation's file is proved
// by the correlation: its SQL only has to run.
func checkLogRule(ctx context.Context, st *store.Store, r *sigma.Rule, fdir string, base bool, fail func(string, ...any)) (hits, misses int) {
	table := r.LogTable()
	run := func(kind string) (records int, matched int, ok bool) {
		p, err := filepath.Abs(filepath.Join(fdir, kind+".log"))
		if err != nil {
			fail("%s.log: %v", kind, err)
			return 0, 0, false
		}
		db := st.DB()
		q := "CREATE OR REPLACE TEMP TABLE fx_log AS SELECT * FROM " + table + " WHERE source_id IN (SELECT source_id FROM sources WHERE path = ?)"
		if _, err := db.ExecContext(ctx, q, p); err != nil {
			fail("fixture table: %v", err)
			return 0, 0, false
		}
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM fx_log").Scan(&records); err != nil || records == 0 {
			fail("no %s.log records in %s (a file of AWS's format, read by ingest): %v", kind, table, err)
			return 0, 0, false
		}
		f, err := runRuleOn(ctx, db, r, RunOptions{LogTables: map[string]string{table: "fx_log"}}, "")
		if err != nil {
			fail("SQL: %v", err)
			return records, 0, false
		}
		if f != nil {
			matched = len(f.EventIDs)
		}
		return records, matched, true
	}
	hits, hm, ok := run("hit")
	if ok && !base {
		switch {
		case r.IsCorrelation() && hm == 0:
			fail("correlation does not fire on hit.log")
		case !r.IsCorrelation() && hm != hits:
			fail("%d of the %d records of hit.log match", hm, hits)
		}
	}
	misses, mm, ok := run("miss")
	if ok && mm > 0 && !base {
		fail("%d records of miss.log match", mm)
	}
	return hits, misses
}

// baseOfCorrelation reports whether r shares its file with a correlation.
func baseOfCorrelation(p *Pack, r *sigma.Rule) bool {
	for _, o := range p.Rules {
		if o.IsCorrelation() && Stem(o.Source) == Stem(r.Source) {
			return true
		}
	}
	return false
}

// ErrFixturesFailed is returned by rules test when a rule fails its proof.
var ErrFixturesFailed = errors.New("rule fixtures failed")
