package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// TestConflictingCopies (issue 16, item 2): a copy of an event (same id,
// name, time) whose content differs is a conflict, not a duplicate: both
// are kept, the one used stays in events, the other is set aside and
// counted on its source with the reason; a validated copy displaces an
// unvalidated one after validation; an identical copy is a duplicate.
func TestConflictingCopies(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	t0 := time.Date(2025, 3, 11, 2, 0, 0, 0, time.UTC)
	ingest := func(src int64, path, ip string) {
		run, err := st.BeginRun(ctx, "test", "ingest "+path)
		if err != nil {
			t.Fatal(err)
		}
		app, err := st.NewEventAppender(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		ev := event.Event{EventID: "a", EventName: "StopLogging", EventSource: "cloudtrail.amazonaws.com", EventTime: t0, SourceIP: ip,
			Raw: `{"sourceIPAddress":"` + ip + `"}`, Provenance: event.Provenance{SourceID: src, Index: 3}}
		if err := app.Append(&ev); err != nil {
			t.Fatal(err)
		}
		if err := app.Close(); err != nil {
			t.Fatal(err)
		}
		if err := st.AddSources(ctx, []Source{{ID: src, Run: run, Path: path, SHA256: "sha-" + path, Status: "ingested", Events: 1}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Dedup(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	used := func() (ip string, src int64) {
		if err := st.DB().QueryRow(`SELECT source_ip, source_id FROM events WHERE event_id = 'a'`).Scan(&ip, &src); err != nil {
			t.Fatal(err)
		}
		return ip, src
	}
	str := func(q string) string {
		var s string
		if err := st.DB().QueryRow(q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}

	ingest(1, "/forged/a.json", "198.51.100.66") // sorts first, is ingested first
	ingest(2, "/trail/b.json", "203.0.113.7")
	if ip, src := used(); ip != "198.51.100.66" || src != 1 {
		t.Errorf("before validation the first copy is used: got %s from %d", ip, src)
	}
	if n := count(t, st, "SELECT count(*) FROM events"); n != 1 {
		t.Errorf("events %d, want 1", n)
	}
	if got := str(`SELECT source_id::VARCHAR || ' ' || kept_source_id::VARCHAR || ' ' || source_ip FROM event_conflicts`); got != "2 1 203.0.113.7" {
		t.Errorf("set aside: %s", got)
	}
	if got := str(`SELECT source_id::VARCHAR || ' ' || position::VARCHAR || ' ' || detail FROM ingest_errors WHERE reason = 'conflicting_copy'`); !strings.HasPrefix(got, "2 3 eventID a (StopLogging at 2025-03-11T02:00:00Z): content differs from the copy used, in /forged/a.json") ||
		!strings.Contains(got, "neither file checked against digests: the first ingested is used") {
		t.Errorf("ingest_errors: %s", got)
	}
	if got := str(`SELECT errors FROM sources WHERE source_id = 2`); got != `{"conflicting_copy":1}` {
		t.Errorf("sources.errors of the copy set aside: %s", got)
	}

	// Validation: the trail's file is valid, the planted one unlisted.
	if _, err := st.SetValidation(ctx, []SourceValidation{{Path: "/trail/b.json", SHA256: "sha-/trail/b.json", Status: "valid"},
		{Path: "/forged/a.json", SHA256: "sha-/forged/a.json", Status: "unlisted"}}); err != nil {
		t.Fatal(err)
	}
	if ip, src := used(); ip != "203.0.113.7" || src != 2 {
		t.Errorf("after validation the validated copy is used: got %s from %d", ip, src)
	}
	if got := str(`SELECT source_id::VARCHAR || ' ' || kept_source_id::VARCHAR || ' ' || conflict_reason FROM event_conflicts`); !strings.HasPrefix(got, "1 2 ") ||
		!strings.Contains(got, "the file of the copy used is validated against CloudTrail's signed digests; this copy's file failed digest validation (unlisted)") {
		t.Errorf("set aside after validation: %s", got)
	}
	if got := str(`SELECT string_agg(source_id::VARCHAR, ',') FROM ingest_errors WHERE reason = 'conflicting_copy'`); got != "1" {
		t.Errorf("conflict recorded on sources %s, want the planted one only", got)
	}
	if got := str(`SELECT coalesce(errors, 'none') || ' / ' || (SELECT errors FROM sources WHERE source_id = 1) FROM sources WHERE source_id = 2`); got != `none / {"conflicting_copy":1}` {
		t.Errorf("sources.errors after validation: %s", got)
	}

	// A third copy, identical to the one used: a duplicate.
	ingest(3, "/org-trail/c.json", "203.0.113.7")
	if n := count(t, st, "SELECT count(*) FROM events") + count(t, st, "SELECT count(*) FROM event_conflicts"); n != 2 {
		t.Errorf("%d rows after an identical copy, want 2", n)
	}
	// A third copy identical to the one set aside: a duplicate of it.
	ingest(4, "/forged/copy.json", "198.51.100.66")
	if got := str(`SELECT string_agg(source_id::VARCHAR, ',') FROM event_conflicts`); got != "1" {
		t.Errorf("set-aside rows from sources %s, want the first set aside (1) only", got)
	}
	if got := str(`SELECT string_agg(source_id::VARCHAR, ',') FROM ingest_errors WHERE reason = 'conflicting_copy'`); got != "1" {
		t.Errorf("conflict recorded on sources %s, want 1", got)
	}
	if ip, _ := used(); ip != "203.0.113.7" {
		t.Errorf("used %s", ip)
	}
}

func count(t *testing.T, st *Store, q string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
