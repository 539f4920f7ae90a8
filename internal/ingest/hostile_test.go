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
	"os/exec"
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

// truncatedRecords is a gzipped Records file of 124 events cut inside the
// 62nd: 61 are whole before the cut.
func truncatedRecords(t *testing.T) string {
	t.Helper()
	var recs []string
	for i := range 124 {
		recs = append(recs, hostileEvent(fmt.Sprintf("cut-%03d", i), ""))
	}
	body := `{"Records":[` + strings.Join(recs, ",") + `]}`
	cut := strings.Index(body, `"cut-061"`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(body[:cut])) //nolint:errcheck // bytes.Buffer
	zw.Close()
	return writeFile(t, "cut.json.gz", gz.Bytes())
}

// zstdLongWindow is what zstd --long=31 writes from a pipe (size unknown):
// a frame declaring a 2 GiB window. Made by the zstd tool, skipped without.
func zstdLongWindow(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("zstd"); err != nil {
		t.Skip("zstd not found")
	}
	cmd := exec.Command("zstd", "-q", "--long=31", "-c")
	cmd.Stdin = strings.NewReader(`{"Records":[` + hostileEvent("z", "") + `]}`)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "long.json.zst", out)
}

// danglingLink is a folder with a CloudTrail file and a link to nothing.
func danglingLink(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "formats", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "records.json"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	return dir
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
		// skipDetail is in the detail of every skipped file; lost and
		// cutShort are the summary's records_lost and files_cut_short.
		skipDetail     string
		lost, cutShort int64
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
			events: 2, errors: map[Reason]int64{ReasonTooLarge: 1}, lost: 1, allocBound: 1 << 30,
			check: map[string]string{"SELECT string_agg(event_id, ',' ORDER BY event_id) FROM events": "a,b"}},
		{name: "50 MB single event object is skipped whole, as inside Records, reading it in bounded memory",
			input: func(t *testing.T) string {
				return writeFile(t, "big-event.json", []byte(hostileEvent("big", `,"requestParameters":{"x":"`+big+`"}`)))
			},
			events: 0, errors: map[Reason]int64{ReasonTooLarge: 1}, lost: 1, allocBound: 400 * mb,
			check: map[string]string{"SELECT status FROM sources": "failed"}},
		{name: "100,000 nested arrays inside a record",
			input: func(t *testing.T) string {
				return writeFile(t, "deep-record.json", []byte(`{"Records":[`+hostileEvent("a", "")+`,`+
					hostileEvent("deep", `,"requestParameters":`+deep)+`,`+hostileEvent("b", "")+`]}`))
			},
			events: 2, errors: map[Reason]int64{ReasonMalformedJSON: 1}, lost: 1, allocBound: 64 * mb},
		{name: "a file that is 100,000 nested arrays",
			input:  func(t *testing.T) string { return writeFile(t, "deep.json", []byte(deep)) },
			events: 0, errors: map[Reason]int64{ReasonMalformedJSON: 1}, lost: 1, allocBound: 64 * mb},
		{name: "a file that is 100,000 nested objects",
			input:  func(t *testing.T) string { return writeFile(t, "deep-obj.json", []byte(deepObj)) },
			events: 0, errors: map[Reason]int64{ReasonMalformedJSON: 1}, lost: 1, allocBound: 64 * mb},
		{name: "invalid UTF-8 is replaced (one U+FFFD per run of bad bytes) and counted at the record's position, the event stored",
			input: hostile("invalid-utf8.json"), events: 2, errors: map[Reason]int64{ReasonInvalidUTF8: 1}, allocBound: 64 * mb,
			check: map[string]string{"SELECT user_agent FROM events WHERE event_id = 'hostile-01'": "aws-cli/\uFFFD(",
				"SELECT e.source_position::VARCHAR || '=' || i.position::VARCHAR FROM ingest_errors i JOIN events e ON e.event_id = 'hostile-01' WHERE i.reason = 'invalid_utf8_replaced'": "0=0"}},
		{name: "duplicate JSON keys: the last one wins (as jq, Python and Go read it), counted, raw keeps both",
			input: hostile("duplicate-keys.json"), events: 1, errors: map[Reason]int64{ReasonDuplicateKey: 1}, allocBound: 64 * mb,
			check: map[string]string{
				"SELECT event_id || ' ' || event_name || ' ' || source_ip FROM events":                                                                  "dup-keys-2 DeleteUser 203.0.113.99",
				"SELECT (raw LIKE '%CreateUser%')::VARCHAR FROM events":                                                                                 "true",
				"SELECT (detail LIKE '%eventName%\"CreateUser\" then \"DeleteUser\"%')::VARCHAR FROM ingest_errors WHERE reason = 'duplicate_json_key'": "true"}},
		{name: "an S3 event notification is not CloudTrail: the file is skipped, saying so",
			input: hostile("s3-notification.json"), skipped: 1, skipDetail: "S3 event notification", allocBound: 64 * mb},
		{name: "a DynamoDB stream record is not CloudTrail",
			input: hostile("dynamodb-stream.json"), skipped: 1, skipDetail: "DynamoDB stream record", allocBound: 64 * mb},
		{name: "an Azure activity-log entry (eventName an object) is not CloudTrail",
			input: hostile("azure-activity.jsonl"), skipped: 1, skipDetail: "Azure activity log", allocBound: 64 * mb},
		{name: "a label file naming events is not CloudTrail",
			input: hostile("labels.json"), skipped: 1, skipDetail: "labels or annotations", allocBound: 64 * mb},
		{name: "eventID and eventTime alone are a reference to an event, not one",
			input: hostile("event-references.json"), skipped: 1, skipDetail: "reference to an event", allocBound: 64 * mb},
		{name: "an S3 notification among CloudTrail records is counted, the events stored",
			input: hostile("mixed-notification.json"), events: 1, errors: map[Reason]int64{ReasonNotEvent: 1}, lost: 1, allocBound: 64 * mb,
			check: map[string]string{"SELECT detail FROM ingest_errors": "an S3 event notification, not CloudTrail"}},
		{name: "an S3 server access log is read into s3_access, not events",
			input: hostile("s3-access.log"), allocBound: 64 * mb,
			check: map[string]string{"SELECT count(*) || ' ' || min(operation) FROM s3_access": "1 REST.GET.VERSIONING",
				"SELECT format || ' ' || events FROM sources": "s3-server-access-log 1"}},
		{name: "a VPC flow log is read into flow_logs, not events",
			input: hostile("vpc-flow.log"), allocBound: 64 * mb,
			check: map[string]string{"SELECT count(*) || ' ' || min(dstport) FROM flow_logs": "1 22",
				"SELECT format || ' ' || events FROM sources": "vpc-flow-log 1"}},
		{name: "times that are not calendar times are refused and counted; a leap second is kept in its minute and counted",
			input: hostile("times.json"), events: 6, errors: map[Reason]int64{ReasonBadEventTime: 4, ReasonLeapSecond: 1}, allocBound: 64 * mb,
			check: map[string]string{
				"SELECT string_agg(event_id || '=' || coalesce(epoch_us(event_time)::VARCHAR, 'NULL'), ',' ORDER BY event_id) FROM events": "time-apr31=NULL,time-feb30=NULL,time-leap=1483228799999999,time-ok=1709251199000000,time-year0=NULL,time-zero=NULL",
				"SELECT string_agg(detail, '|' ORDER BY position) FROM ingest_errors WHERE reason = 'bad_event_time' AND position > 1":     `0001-01-01T00:00:00Z is before 1970: not a CloudTrail time|0000-01-01T00:00:00Z is before 1970: not a CloudTrail time|unreadable or not a calendar time: "2024-04-31 10:00:00"`}},
		{name: "a file none of whose records could be stored is failed, not ingested",
			input: hostile("all-malformed.jsonl"), errors: map[Reason]int64{ReasonMalformedJSON: 3}, lost: 3, allocBound: 64 * mb,
			check: map[string]string{"SELECT status FROM sources": "failed"}},
		{name: "a truncated stream: the records before the cut stored, the file counted as cut short, no record count claimed",
			input: truncatedRecords, events: 61, errors: map[Reason]int64{ReasonTruncatedJSON: 1}, cutShort: 1, allocBound: 64 * mb,
			check: map[string]string{"SELECT status FROM sources": "partial"}},
		{name: "a zstd frame with a 2 GiB window (zstd --long=31, size unknown) is refused as such, not called corrupt",
			input: zstdLongWindow, errors: map[Reason]int64{ReasonZstdWindow: 1}, cutShort: 1, allocBound: 64 * mb,
			check: map[string]string{"SELECT status || ' ' || (error_detail LIKE '%zstd -d --long=31%')::VARCHAR FROM sources": "failed true"}},
		{name: "a path that cannot be read is recorded as a source",
			input: danglingLink, events: 5, errors: map[Reason]int64{ReasonReadError: 1}, skipped: 1, allocBound: 64 * mb,
			check: map[string]string{"SELECT status || ' ' || skip_reason FROM sources WHERE path LIKE '%dangling'": "skipped read_error"}},
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
			input: hostile("lookup-invalid-inner.json"), events: 1, errors: map[Reason]int64{ReasonBadLookupEntry: 3}, lost: 3, allocBound: 64 * mb},
		{name: "digest and Insights files in a log tree",
			input: hostile("tree"), events: 4, errors: map[Reason]int64{}, allocBound: 64 * mb,
			check: map[string]string{
				"SELECT string_agg(status || ':' || is_digest, ',' ORDER BY status) FROM sources": "digest:true,ingested:false,ingested:false",
				"SELECT count(*)::VARCHAR FROM events WHERE is_insight":                           "1"}},
		{name: "gzip bomb stopped by the ratio",
			input:  func(t *testing.T) string { return gzipBomb(t, 200) },
			events: 1, errors: map[Reason]int64{ReasonInflateLimit: 1}, cutShort: 1, allocBound: 64 * mb,
			check: map[string]string{"SELECT status || ' ' || (error_detail LIKE '%max-inflate-ratio%') FROM sources": "partial true"}},
		{name: "gzip bomb stopped by the size cap when the ratio is off",
			input:  func(t *testing.T) string { return gzipBomb(t, 20) },
			opts:   Options{MaxInflateRatio: -1, MaxInflateBytes: 50 * mb},
			events: 1, errors: map[Reason]int64{ReasonInflateLimit: 1}, cutShort: 1, allocBound: 64 * mb,
			check: map[string]string{"SELECT status || ' ' || (error_detail LIKE '%max-inflate-bytes%') FROM sources": "partial true"}},
		{name: "gzip bomb read to its end with both limits off",
			input:  func(t *testing.T) string { return gzipBomb(t, 3) },
			opts:   Options{MaxInflateRatio: -1, MaxInflateBytes: -1},
			events: 1, errors: map[Reason]int64{ReasonTruncatedJSON: 1}, cutShort: 1, allocBound: 64 * mb},
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
			for _, sk := range sum.Skipped {
				if !strings.Contains(sk.Detail, tt.skipDetail) {
					t.Errorf("skipped %s: %q, want it to say %q", sk.Path, sk.Detail, tt.skipDetail)
				}
			}
			if sum.Lost != tt.lost || sum.CutShort != tt.cutShort {
				t.Errorf("records lost %d, files cut short %d; want %d and %d", sum.Lost, sum.CutShort, tt.lost, tt.cutShort)
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

// TestGrewWhileRead (issue 16, item 12): a streamed file that grows while
// it is read records the size of the bytes read and hashed, not its size
// when opened, and is reported as changed.
func TestGrewWhileRead(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "formats", "lines.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lines.jsonl")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	fr := newFileReader()
	fr.wholeLimit = 0 // streamed
	more := []byte(hostileEvent("appended", "") + "\n")
	fr.afterOpen = func(p string) { appendTo(t, p, string(more)) }
	res, _ := readFixture(t, fr, path)
	read := append(append([]byte(nil), src...), more...)
	if res.source.Size != int64(len(read)) || res.source.SHA256 != fmt.Sprintf("%x", sha256Sum(read)) {
		t.Errorf("size %d sha %s, want %d and the hash of the bytes read", res.source.Size, res.source.SHA256, len(read))
	}
	if res.errors[ReasonChangedWhileRead] != 1 || res.source.Status != statusPartial {
		t.Errorf("the growth is not reported: %v %s", res.errors, res.source.Status)
	}
}

// TestCopiesAndReusedIDs (issue 16, items 2 and 12): in one file, a second
// copy of an event with another sourceIPAddress is a conflict (kept aside,
// counted), not a duplicate; an eventID reused by another event is recorded
// in ingest_errors and on its source.
func TestCopiesAndReusedIDs(t *testing.T) {
	dir := t.TempDir()
	body := `{"Records":[` + hostileEvent("dup", "") + `,` +
		strings.Replace(hostileEvent("dup", ""), "203.0.113.1", "198.51.100.66", 1) + `,` +
		strings.Replace(hostileEvent("dup", ""), "GetObject", "PutObject", 1) + `]}`
	if err := os.WriteFile(filepath.Join(dir, "copies.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	sum := ingestPaths(t, st, dir)
	if sum.Events != 2 || sum.Errors[ReasonConflictingCopy] != 1 || sum.Errors[ReasonEventIDReused] != 2 || sum.Duplicates != 0 {
		t.Errorf("summary: events %d, errors %v, duplicates %d", sum.Events, sum.Errors, sum.Duplicates)
	}
	for q, want := range map[string]string{
		"SELECT source_ip FROM event_conflicts":                                                                   "198.51.100.66",
		"SELECT source_ip FROM events WHERE event_name = 'GetObject'":                                             "203.0.113.1",
		"SELECT string_agg(reason || '@' || position::VARCHAR, ',' ORDER BY reason, position) FROM ingest_errors": "conflicting_copy@1,event_id_reused@0,event_id_reused@2",
		"SELECT errors FROM sources":                                                                              `{"conflicting_copy":1,"event_id_reused":2}`,
	} {
		if got := queryString(t, st, q); got != want {
			t.Errorf("%s\n got %q\nwant %q", q, got, want)
		}
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
