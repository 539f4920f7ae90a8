package sigma

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/ingest/ingesttest"
	"github.com/trailsleuth/trailsleuth/internal/store"
)

// caseDB is a case database loaded with the project's own ingest, with every
// event read back for the matcher.
type caseDB struct {
	st     *store.Store
	events []*Event
}

func loadCase(t *testing.T, paths ...string) *caseDB {
	t.Helper()
	st, sum := ingesttest.Case(t, ingest.Options{Workers: 1}, paths...)
	if sum.Events == 0 {
		t.Fatalf("no events ingested from %v: %+v", paths, sum)
	}
	rows, err := st.DB().Query("SELECT event_id, event_time, raw FROM events ORDER BY event_time, event_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	db := &caseDB{st: st}
	for rows.Next() {
		var id, raw string
		var tm *time.Time
		if err := rows.Scan(&id, &tm, &raw); err != nil {
			t.Fatal(err)
		}
		ev, err := NewEvent([]byte(raw))
		if err != nil {
			t.Fatalf("event %s: %v", id, err)
		}
		ev.ID = id
		ev.Time = time.Time{}
		if tm != nil {
			ev.Time = tm.UTC()
		}
		db.events = append(db.events, ev)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return db
}

// sqlIDs runs a detection query and returns the event ids it gives.
func (db *caseDB) sqlIDs(t *testing.T, q string) []string {
	t.Helper()
	rows, err := db.st.DB().Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		var tm any
		if err := rows.Scan(&id, &tm); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	sort.Strings(ids)
	return ids
}

// matchIDs runs the matcher over every event.
func (db *caseDB) matchIDs(m *Matcher) []string {
	var ids []string
	for _, ev := range db.events {
		if m.Match(ev) {
			ids = append(ids, ev.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// sqlWindows runs a correlation query and renders each row like windowKey.
func (db *caseDB) sqlWindows(t *testing.T, q string, groups int) []string {
	t.Helper()
	rows, err := db.st.DB().Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		dest := make([]any, groups+4)
		gv := make([]*string, groups)
		for i := range gv {
			dest[i] = &gv[i]
		}
		var start, end time.Time
		var n int
		var ids []any
		dest[groups], dest[groups+1], dest[groups+2], dest[groups+3] = &start, &end, &n, &ids
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		r := CorrelationResult{WindowStart: start.UTC(), WindowEnd: end.UTC(), Count: n}
		for _, g := range gv {
			r.Group = append(r.Group, GroupValue{Value: g})
		}
		for _, id := range ids {
			r.EventIDs = append(r.EventIDs, fmt.Sprint(id))
		}
		out = append(out, windowKey(r))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func windowKey(r CorrelationResult) string {
	var g []string
	for _, v := range r.Group {
		if v.Value == nil {
			g = append(g, "NULL")
		} else {
			g = append(g, *v.Value)
		}
	}
	return fmt.Sprintf("[%s] %s..%s n=%d %v", strings.Join(g, ","), r.WindowStart.Format(time.RFC3339),
		r.WindowEnd.Format(time.RFC3339), r.Count, r.EventIDs)
}

func matcherWindows(cm *CorrelationMatcher, events []*Event) []string {
	var out []string
	for _, r := range cm.Run(events) {
		out = append(out, windowKey(r))
	}
	sort.Strings(out)
	return out
}

func parseOne(t *testing.T, y string) *Rule {
	t.Helper()
	rules, err := Parse([]byte(y), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 {
		t.Fatalf("want 1 rule, got %d", len(rules))
	}
	return rules[0]
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sqlEvents runs an EventsOnly correlation query: its distinct event ids and
// the number of qualifying windows it reports.
func (db *caseDB) sqlEvents(t *testing.T, q string) (map[string]bool, int) {
	t.Helper()
	rows, err := db.st.DB().Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	ids := map[string]bool{}
	windows := 0
	for rows.Next() {
		var id string
		var tm time.Time
		var n, maxCount int
		if err := rows.Scan(&id, &tm, &n, &maxCount); err != nil {
			t.Fatal(err)
		}
		// an id reused at another time comes back once per time
		ids[id], windows = true, n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids, windows
}
