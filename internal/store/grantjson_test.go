package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/event"
)

// grantEvents are four grant calls (one by a service, one that failed)
// and a call that grants nothing, from file source.
func grantEvents(source int64) []event.Event {
	mk := func(i int64, id, name, typ, errCode, resp string) event.Event {
		return event.Event{EventID: id, EventName: name, ErrorCode: errCode, Identity: event.Identity{Type: typ},
			RequestParameters: `{"roleArn":"arn:aws:iam::111122223333:role/r` + id + `"}`, ResponseElements: resp,
			Resources: `[{"ARN":"arn:aws:iam::111122223333:role/r` + id + `"}]`, Raw: `{"eventID":"` + id + `"}`,
			Provenance: event.Provenance{SourceID: source, Index: i}}
	}
	p := func(s string) string { return s + "-" + string(rune('a'+source)) }
	return []event.Event{
		mk(0, p("user-assume"), "AssumeRole", "IAMUser", "", `{"credentials":{"accessKeyId":"ASIAEXAMPLE000000001"}}`),
		mk(1, p("service-assume"), "AssumeRole", "AWSService", "", `{"credentials":{"accessKeyId":"ASIAEXAMPLE000000002"}}`),
		mk(2, p("denied-key"), "CreateAccessKey", "IAMUser", "AccessDenied", ""),
		mk(3, p("new-key"), "CreateAccessKey", "IAMUser", "", `{"accessKey":{"accessKeyId":"AKIAEXAMPLE000000003"}}`),
		mk(4, p("list"), "ListBuckets", "IAMUser", "", ""),
	}
}

// grantCopies lists what grant_json holds, and what it should: the JSON
// of event_rows' successful grant calls not made by a service.
func grantCopies(t *testing.T, st *Store) (got, want []string) {
	t.Helper()
	read := func(q string) []string {
		rows, err := st.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	cols := `concat_ws('|', source_id, source_position, request_parameters, response_elements, additional_event_data, resources)`
	return read(`SELECT ` + cols + ` FROM grant_json ORDER BY ALL`),
		read(`SELECT ` + cols + ` FROM event_rows WHERE event_name IN ('AssumeRole', 'CreateAccessKey') AND error_code IS NULL
			AND identity_type <> 'AWSService' ORDER BY ALL`)
}

// TestGrantJSON: an ingest's finish copies its grant calls' JSON into
// grant_json, a migration from version 7 copies the case's, and
// RefreshGrantJSON makes the copy again after the events changed.
func TestGrantJSON(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.duckdb")
	caseAtVersion(t, path, 7)
	old, err := open(ctx, path, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, old, 99, grantEvents(1)...) // a run of an older build
	old.Close()

	st, err := Open(ctx, path) // migrates to version 8
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, want := grantCopies(t, st); len(want) != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("after the migration grant_json holds\n%q\nwant\n%q", got, want)
	}

	run, err := st.BeginRun(ctx, "test", "trailsleuth ingest b")
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, run, grantEvents(2)...)
	if err := st.FinishRun(ctx, Run{ID: run}); err != nil {
		t.Fatal(err)
	}
	if got, want := grantCopies(t, st); len(want) != 4 || !reflect.DeepEqual(got, want) {
		t.Errorf("after a second ingest grant_json holds\n%q\nwant\n%q", got, want)
	}

	if _, err := st.DB().Exec(`UPDATE event_rows SET response_elements = '{"credentials":{"accessKeyId":"ASIAEXAMPLE000000009"}}' WHERE event_id = 'user-assume-b'`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`UPDATE event_rows SET error_code = 'AccessDenied' WHERE event_id = 'new-key-c'`); err != nil {
		t.Fatal(err)
	}
	if err := st.RefreshGrantJSON(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := grantCopies(t, st); len(want) != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("after RefreshGrantJSON grant_json holds\n%q\nwant\n%q", got, want)
	}
}
