package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/store"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// hostileEvent is a small valid event for generated inputs.
func hostileEvent(id string, extra string) string {
	return `{"eventVersion":"1.08","eventID":"` + id + `","eventTime":"2024-05-01T10:00:00Z","eventSource":"s3.amazonaws.com",` +
		`"eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.1"` + extra + `}`
}

func writeFile(t *testing.T, name string, parts ...[]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, bytes.Join(parts, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// gzipBomb is a few MB of gzip members that inflate to a valid start of a
// Records file followed by members of 10 MB of spaces each: the scanner
// skips white space, so only a limit stops it.
func gzipBomb(t *testing.T, members int) string {
	t.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(bytes.Repeat([]byte{' '}, 10<<20)) //nolint:errcheck // bytes.Buffer
	zw.Close()
	var head bytes.Buffer
	zw = gzip.NewWriter(&head)
	zw.Write([]byte(`{"Records":[` + hostileEvent("bomb-1", "") + `,`)) //nolint:errcheck // bytes.Buffer
	zw.Close()
	return writeFile(t, "bomb.json.gz", head.Bytes(), bytes.Repeat(member.Bytes(), members))
}

// eventVersionsFile writes one event per eventVersion 1.0 to 1.11: the first
// of each version in ../shared/datasets (read there, never copied into the
// repository), eventID set to version-<v> (the 1.0 one, from the AWS
// documentation, has none and keeps none); versions the datasets lack are
// the nearest real shape relabelled.
func eventVersionsFile(t *testing.T) string {
	t.Helper()
	docs := testenv.Shared(t, "datasets", "awsdocs-cloudtrail-examples", "awsdocs_cloudtrail_examples.jsonl")
	root := filepath.Dir(filepath.Dir(docs))
	var paths []string
	for _, pattern := range []string{
		"awsdocs-cloudtrail-examples/*.jsonl",
		"security-datasets-aws/*.json", "stratus-red-team-detonation-logs/*.json",
		"flaws2-defender-logs/AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz",
	} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		paths = append(paths, m...)
	}
	found := map[string]map[string]any{}
	var consider func(v any)
	consider = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				consider(e)
			}
		case map[string]any:
			if inner, ok := x["log"].(map[string]any); ok {
				consider(inner)
				return
			}
			if recs, ok := x["Records"]; ok {
				consider(recs)
				return
			}
			if ver, ok := x["eventVersion"].(string); ok && found[ver] == nil {
				found[ver] = x
			}
		}
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			r = zr
		}
		dec := json.NewDecoder(r)
		for {
			var v any
			if err := dec.Decode(&v); err != nil {
				break
			}
			consider(v)
		}
		f.Close()
	}
	nearest := map[string]string{"1.01": "1.0", "1.02": "1.0", "1.03": "1.04", "1.11": "1.10"}
	var out bytes.Buffer
	for _, v := range []string{"1.0", "1.01", "1.02", "1.03", "1.04", "1.05", "1.06", "1.07", "1.08", "1.09", "1.10", "1.11"} {
		ev := found[v]
		if ev == nil {
			ev = maps.Clone(found[nearest[v]])
		}
		if ev == nil {
			t.Fatalf("no event of version %s (or %s) in %s", v, nearest[v], root)
		}
		ev = maps.Clone(ev)
		ev["eventVersion"] = v
		if v != "1.0" {
			ev["eventID"] = "version-" + v
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(append(b, '\n'))
	}
	return writeFile(t, "event-versions.jsonl", out.Bytes())
}

func ingestWith(t *testing.T, st *store.Store, opts Options, paths ...string) *Summary {
	t.Helper()
	ctx := context.Background()
	files, walkErrs, err := acquire.Walk(ctx, paths)
	if err != nil {
		t.Fatal(err)
	}
	opts.Workers = 2
	sum, err := Run(ctx, st, files, walkErrs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func queryString(t *testing.T, st *store.Store, q string) string {
	t.Helper()
	rows, err := st.DB().Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s *string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s == nil {
			out = append(out, "NULL")
		} else {
			out = append(out, *s)
		}
	}
	return strings.Join(out, "|")
}

// TestHostileInputs: each input ends in an exact, counted outcome (events
// stored, errors by reason, files skipped), never a panic, and with Go heap
// allocation far below what an unbounded reader would need. Queries check
// what was stored where the outcome is a choice (which duplicate key wins,
// what invalid UTF-8 becomes).
func TestHostileInputs(t *testing.T) {
	const mb = 1 << 20
	big := strings.Repeat("A", 50*mb)
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	deepObj := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	hostile := func(name string) func(*testing.T) string {
		return func(*testing.T) string { return filepath.Join("testdata", "hostile", name) }
	}
	tests := []struct {
		name    string
		input   func(t *testing.T) string
		opts    Options
		events  int64 // new events in the case
		errors  map[Reason]int64
		skipped int64
		// allocBound bounds the Go bytes allocated by the ingest, in all
		// (TotalAlloc, so above the peak): a sanity bound, about 20 times
		// the input for the 50 MB cases, that an unbounded reader of the
		// bombs and nested inputs would pass by orders of magnitude.
		allocBound uint64
		check      map[string]string // query → "|"-joined rows
	}{
		{name: "50 MB record inside Records is skipped whole, its neighbours kept",
			input: func(t *testing.T) string {
				return writeFile(t, "big-record.json", []byte(`{"Records":[`+hostileEvent("a", "")+`,`),
					[]byte(hostileEvent("big", `,"requestParameters":{"x":"`+big+`"}`)), []byte(`,`+hostileEvent("b", "")+`]}`))
			},
			events: 2, errors: map[Reason]int64{ReasonTooLarge: 1}, allocBound: 1 << 30,
			check: map[string]string{"SELECT string_agg(event_id, ',' ORDER BY event_id) FROM events": "a,b"}},
		{name: "50 MB single event object is stored whole",
			input: func(t *testing.T) string {
				return writeFile(t, "big-event.json", []byte(hostileEvent("big", `,"requestParameters":{"x":"`+big+`"}`)))
			},
			events: 1, errors: map[Reason]int64{}, allocBound: 1 << 30,
			check: map[string]string{"SELECT (length(raw) > 50000000)::VARCHAR FROM events": "true"}},
		{name: "100,000 nested arrays inside a record",
			input: func(t *testing.T) string {
				return writeFile(t, "deep-record.json", []byte(`{"Records":[`+hostileEvent("a", "")+`,`+
					hostileEvent("deep", `,"requestParameters":`+deep)+`,`+hostileEvent("b", "")+`]}`))
			},
			events: 2, errors: map[Reason]int64{ReasonMalformedJSON: 1}, allocBound: 64 * mb},
		{name: "a file that is 100,000 nested arrays",
			input:  func(t *testing.T) string { return writeFile(t, "deep.json", []byte(deep)) },
			events: 0, errors: map[Reason]int64{ReasonMalformedJSON: 1}, allocBound: 64 * mb},
		{name: "a file that is 100,000 nested objects",
			input:  func(t *testing.T) string { return writeFile(t, "deep-obj.json", []byte(deepObj)) },
			events: 0, errors: map[Reason]int64{ReasonMalformedJSON: 1}, allocBound: 64 * mb},
		{name: "invalid UTF-8 is replaced (one U+FFFD per run of bad bytes) and counted, the event stored",
			input: hostile("invalid-utf8.json"), events: 2, errors: map[Reason]int64{ReasonInvalidUTF8: 1}, allocBound: 64 * mb,
			check: map[string]string{"SELECT user_agent FROM events WHERE event_id = 'hostile-01'": "aws-cli/\uFFFD("}},
		{name: "duplicate JSON keys: the first one wins, raw keeps both",
			input: hostile("duplicate-keys.json"), events: 1, errors: map[Reason]int64{}, allocBound: 64 * mb,
			check: map[string]string{
				"SELECT event_id || ' ' || event_name || ' ' || source_ip FROM events": "dup-keys-1 CreateUser 198.51.100.7",
				"SELECT (raw LIKE '%DeleteUser%')::VARCHAR FROM events":                "true"}},
		{name: `{"Records":[]} is an ingested source with no events`,
			input: hostile("empty-records.json"), events: 0, errors: map[Reason]int64{}, allocBound: 64 * mb,
			check: map[string]string{"SELECT status || ' ' || format || ' ' || events FROM sources": "ingested cloudtrail-records 0"}},
		{name: "eventVersion 1.0 to 1.11",
			input: eventVersionsFile, events: 12, errors: map[Reason]int64{ReasonMissingEventID: 1, ReasonTimeFromLogstash: 1}, allocBound: 64 * mb,
			check: map[string]string{"SELECT string_agg(event_version, ',' ORDER BY event_version) FROM events": "1.0,1.01,1.02,1.03,1.04,1.05,1.06,1.07,1.08,1.09,1.10,1.11"}},
		{name: "sourceIPAddress as IPv6, service name and AWS Internal is kept as written",
			input: hostile("source-ip.json"), events: 4, errors: map[Reason]int64{}, allocBound: 64 * mb,
			check: map[string]string{"SELECT source_ip FROM events ORDER BY event_id": "2001:db8::8a2e:370:7334|ec2.amazonaws.com|AWS Internal|::ffff:203.0.113.4"}},
		{name: "HIDDEN_DUE_TO_SECURITY_REASONS is a value like any other",
			input: hostile("hidden.json"), events: 1, errors: map[Reason]int64{}, allocBound: 64 * mb,
			check: map[string]string{"SELECT user_name FROM events": "HIDDEN_DUE_TO_SECURITY_REASONS"}},
		{name: "omitted: true members are stored as written",
			input: hostile("omitted.json"), events: 2, errors: map[Reason]int64{}, allocBound: 64 * mb,
			check: map[string]string{"SELECT request_parameters FROM events ORDER BY event_id": `{"omitted":true,"originalSize":150432}|{"bucketName":"b","policy":{"omitted":true}}`}},
		{name: "lookup-events entries whose CloudTrailEvent is not a JSON object",
			input: hostile("lookup-invalid-inner.json"), events: 1, errors: map[Reason]int64{ReasonBadLookupEntry: 3}, allocBound: 64 * mb},
		{name: "digest and Insights files in a log tree",
			input: hostile("tree"), events: 4, errors: map[Reason]int64{}, allocBound: 64 * mb,
			check: map[string]string{
				"SELECT string_agg(status || ':' || is_digest, ',' ORDER BY status) FROM sources": "digest:true,ingested:false,ingested:false",
				"SELECT count(*)::VARCHAR FROM events WHERE is_insight":                           "1"}},
		{name: "gzip bomb stopped by the ratio",
			input:  func(t *testing.T) string { return gzipBomb(t, 200) },
			events: 1, errors: map[Reason]int64{ReasonInflateLimit: 1}, allocBound: 64 * mb,
			check: map[string]string{"SELECT status || ' ' || (error_detail LIKE '%max-inflate-ratio%') FROM sources": "partial true"}},
		{name: "gzip bomb stopped by the size cap when the ratio is off",
			input:  func(t *testing.T) string { return gzipBomb(t, 20) },
			opts:   Options{MaxInflateRatio: -1, MaxInflateBytes: 50 * mb},
			events: 1, errors: map[Reason]int64{ReasonInflateLimit: 1}, allocBound: 64 * mb,
			check: map[string]string{"SELECT status || ' ' || (error_detail LIKE '%max-inflate-bytes%') FROM sources": "partial true"}},
		{name: "gzip bomb read to its end with both limits off",
			input:  func(t *testing.T) string { return gzipBomb(t, 3) },
			opts:   Options{MaxInflateRatio: -1, MaxInflateBytes: -1},
			events: 1, errors: map[Reason]int64{ReasonTruncatedJSON: 1}, allocBound: 64 * mb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.input(t)
			st := openStore(t)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			sum := ingestWith(t, st, tt.opts, path)
			runtime.ReadMemStats(&after)
			if sum.Events != tt.events {
				t.Errorf("events %d, want %d", sum.Events, tt.events)
			}
			if !reflect.DeepEqual(nonEmpty(sum.Errors), nonEmpty(tt.errors)) {
				t.Errorf("errors %v, want %v", sum.Errors, tt.errors)
			}
			if sum.FilesSkipped != tt.skipped {
				t.Errorf("files skipped %d, want %d: %+v", sum.FilesSkipped, tt.skipped, sum.Skipped)
			}
			if n := count(t, st, "SELECT count(*) FROM events"); n != tt.events {
				t.Errorf("events table holds %d, want %d", n, tt.events)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > tt.allocBound {
				t.Errorf("allocated %d MB, bound %d MB", alloc>>20, tt.allocBound>>20)
			}
			for q, want := range tt.check {
				if got := queryString(t, st, q); got != want {
					t.Errorf("%s\n got %q\nwant %q", q, got, want)
				}
			}
		})
	}
}

// TestChangedWhileRead: a file changed between reading it and the check
// after (by a hook, not by timing) is reported, for files read whole and
// streamed ones; a file left alone is not.
func TestChangedWhileRead(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "formats", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		streamed bool
		change   func(t *testing.T, path string)
		want     string // "" when the change must go unnoticed
	}{
		{"untouched", false, func(*testing.T, string) {}, ""},
		{"untouched, streamed", true, func(*testing.T, string) {}, ""},
		{"appended to", false, func(t *testing.T, p string) { appendTo(t, p, "\n") }, "size"},
		{"appended to, streamed", true, func(t *testing.T, p string) { appendTo(t, p, "\n") }, "size"},
		{"same size and mtime, other bytes, streamed", true, func(t *testing.T, p string) { rewriteKeepingStat(t, p) }, "SHA-256"},
		{"removed", false, func(t *testing.T, p string) { os.Remove(p) }, "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "records.json")
			if err := os.WriteFile(path, src, 0o644); err != nil {
				t.Fatal(err)
			}
			fr := newFileReader()
			if tt.streamed {
				fr.wholeLimit = 0
			}
			fr.afterRead = func(p string) { tt.change(t, p) }
			res, evs := readFixture(t, fr, path)
			if len(evs) != 5 {
				t.Errorf("%d events read, want the 5 the file held", len(evs))
			}
			got := res.errors[ReasonChangedWhileRead]
			switch {
			case tt.want == "" && (got != 0 || res.source.Status != statusIngested):
				t.Errorf("untouched file reported: %v, status %s, %s", res.errors, res.source.Status, res.source.ErrorDetail)
			case tt.want != "" && (got != 1 || res.source.Status != statusPartial || !strings.Contains(res.source.ErrorDetail, tt.want)):
				t.Errorf("changed file: errors %v, status %s, detail %q; want 1 %s, partial, mentioning %q",
					res.errors, res.source.Status, res.source.ErrorDetail, ReasonChangedWhileRead, tt.want)
			}
			if want := fmt.Sprintf("%x", sha256Sum(src)); res.source.SHA256 != want {
				t.Errorf("recorded SHA-256 %s is not that of the bytes read %s", res.source.SHA256, want)
			}
		})
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// rewriteKeepingStat changes one byte and puts the modification time back,
// so only the content tells.
func rewriteKeepingStat(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("GetObject"), []byte("GetObjecT"), 1)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// TestInputsNotModified: ingest opens inputs read-only: every input's bytes
// and modification time are the same after an ingest.
func TestInputsNotModified(t *testing.T) {
	type stamp struct {
		sum  string
		mod  int64
		mode os.FileMode
	}
	snap := func() map[string]stamp {
		m := map[string]stamp{}
		for _, dir := range []string{"formats", "bad", "hostile"} {
			filepath.WalkDir(filepath.Join("testdata", dir), func(p string, d os.DirEntry, err error) error { //nolint:errcheck // fixtures
				if err != nil || d.IsDir() {
					return err
				}
				b, _ := os.ReadFile(p)
				fi, _ := d.Info()
				m[p] = stamp{fmt.Sprintf("%x", sha256Sum(b)), fi.ModTime().UnixNano(), fi.Mode()}
				return nil
			})
		}
		return m
	}
	before := snap()
	st := openStore(t)
	ingestPaths(t, st, filepath.Join("testdata", "formats"), filepath.Join("testdata", "bad"), filepath.Join("testdata", "hostile"))
	if after := snap(); !reflect.DeepEqual(before, after) {
		t.Errorf("inputs changed by ingest")
	}
	if len(before) < 40 {
		t.Errorf("only %d inputs checked", len(before))
	}
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
