package ingest

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/event"
)

// readFixture decodes one file the way an ingest worker does.
func readFixture(t *testing.T, fr *fileReader, path string) (*fileResult, []*event.Event) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f := acquire.File{Path: path, Size: info.Size(), ModTime: info.ModTime()}
	var res fileResult
	var evs []*event.Event
	fr.read(context.Background(), f, nil, &res, func(e *event.Event) { evs = append(evs, e) })
	return &res, evs
}

func TestReadFormats(t *testing.T) {
	tests := []struct {
		file        string
		events      int
		format      string
		compression string
		errors      map[Reason]int64
	}{
		{"records.json", 5, FormatRecords, "", nil},
		{"records.json.gz", 7, FormatRecords, "gzip", nil},
		{"multi-member.json.gz", 12, FormatRecords, "gzip", nil},
		{"not-really-gzipped.json.gz", 3, FormatRecords, "", nil},
		{"lines.jsonl", 6, FormatLines, "", nil},
		{"lines.jsonl.gz", 8, FormatLines, "gzip", nil},
		{"lookup-events.json", 4, FormatLookupEvents, "", nil},
		{"array.json", 5, FormatArray, "", nil},
		{"single-event.json", 1, FormatObjects, "", nil},
		{"concatenated-pretty.json", 3, FormatObjects, "", nil},
		{"records-not-first.json", 4, FormatRecords, "", nil},
		{"eventbridge.jsonl", 3, FormatLines, "", nil},
		{"athena.jsonl", 4, FormatLines, "", nil},
		{"bom.json", 2, FormatRecords, "", nil},
		{"insight.json.gz", 1, FormatRecords, "gzip", nil},
	}
	fr := newFileReader()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, evs := readFixture(t, fr, filepath.Join("testdata", "formats", tt.file))
			if len(evs) != tt.events || res.source.Events != int64(tt.events) {
				t.Errorf("events = %d (source says %d), want %d", len(evs), res.source.Events, tt.events)
			}
			if res.source.Format != tt.format {
				t.Errorf("format = %q, want %q", res.source.Format, tt.format)
			}
			if res.source.Compression != tt.compression {
				t.Errorf("compression = %q, want %q", res.source.Compression, tt.compression)
			}
			if res.source.Status != statusIngested {
				t.Errorf("status = %q, want ingested (detail %q)", res.source.Status, res.source.ErrorDetail)
			}
			if len(res.errors) != len(tt.errors) || (len(tt.errors) > 0 && !reflect.DeepEqual(res.errors, tt.errors)) {
				t.Errorf("errors = %v, want %v", res.errors, tt.errors)
			}
			if len(res.source.SHA256) != 64 {
				t.Errorf("sha256 = %q", res.source.SHA256)
			}
			for i, e := range evs {
				if e.EventID == "" || e.EventTime.IsZero() || e.Raw == "" {
					t.Errorf("event %d: id %q time %v raw %d bytes", i, e.EventID, e.EventTime, len(e.Raw))
				}
				if e.Provenance.Index != int64(i) {
					t.Errorf("event %d: position %d", i, e.Provenance.Index)
				}
			}
		})
	}
}

func TestReadBadInput(t *testing.T) {
	tests := []struct {
		file   string
		events int
		status string
		skip   Reason
		errors map[Reason]int64
	}{
		{"truncated.json.gz", -1, statusPartial, "", map[Reason]int64{ReasonTruncatedGzip: 1}},
		// The flipped bit first garbles one record, then fails the gzip checksum.
		{"gzip-corrupt.json.gz", -1, statusPartial, "", map[Reason]int64{ReasonMalformedJSON: 1, ReasonCorruptCompression: 1}},
		{"gzip-trailing-garbage.json.gz", 3, statusPartial, "", map[Reason]int64{ReasonCorruptCompression: 1}},
		{"invalid-record-in-records.json", 5, statusIngested, "", map[Reason]int64{ReasonMalformedJSON: 1}},
		{"truncated-plain.json", -1, statusPartial, "", map[Reason]int64{ReasonTruncatedJSON: 1}},
		{"malformed-lines.jsonl", 5, statusIngested, "", map[Reason]int64{ReasonMalformedJSON: 2}},
		{"missing-event-id.json", 3, statusIngested, "", map[Reason]int64{ReasonMissingEventID: 1}},
		{"missing-event-time.json", 3, statusIngested, "", map[Reason]int64{ReasonMissingEventTime: 1, ReasonBadEventTime: 1}},
		{"lookup-bad-inner.json", 1, statusIngested, "", map[Reason]int64{ReasonBadLookupEntry: 1}},
		{"empty.json", 0, statusSkipped, SkipEmpty, nil},
		{"whitespace.json", 0, statusSkipped, SkipEmpty, nil},
		{"empty.json.gz", 0, statusSkipped, SkipEmpty, nil},
		{"random.bin", 0, statusSkipped, SkipNotJSON, nil},
		{"notes.csv", 0, statusSkipped, SkipNotJSON, nil},
		{"config.json", 0, statusSkipped, SkipNoEvents, nil},
	}
	fr := newFileReader()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, evs := readFixture(t, fr, filepath.Join("testdata", "bad", tt.file))
			if tt.events >= 0 && len(evs) != tt.events {
				t.Errorf("events = %d, want %d", len(evs), tt.events)
			}
			if tt.events < 0 && len(evs) == 0 {
				t.Errorf("events before the damage were not kept")
			}
			if res.source.Status != tt.status {
				t.Errorf("status = %q, want %q (detail %q)", res.source.Status, tt.status, res.source.ErrorDetail)
			}
			if Reason(res.source.SkipReason) != tt.skip {
				t.Errorf("skip reason = %q, want %q", res.source.SkipReason, tt.skip)
			}
			if !reflect.DeepEqual(nonEmpty(res.errors), nonEmpty(tt.errors)) {
				t.Errorf("errors = %v, want %v", res.errors, tt.errors)
			}
		})
	}
}

func nonEmpty(m map[Reason]int64) map[Reason]int64 {
	if len(m) == 0 {
		return nil
	}
	return m
}

func TestSyntheticIDIsStable(t *testing.T) {
	fr := newFileReader()
	path := filepath.Join("testdata", "bad", "missing-event-id.json")
	_, a := readFixture(t, fr, path)
	_, b := readFixture(t, fr, path)
	if !a[1].SyntheticID || a[1].EventID != b[1].EventID || a[1].EventID == a[0].EventID {
		t.Fatalf("synthetic ids: %q (synthetic %v), again %q", a[1].EventID, a[1].SyntheticID, b[1].EventID)
	}
}

func TestNormalizeFields(t *testing.T) {
	fr := newFileReader()
	_, evs := readFixture(t, fr, filepath.Join("testdata", "formats", "records.json"))
	role := evs[1]
	id := role.Identity
	checks := map[string][2]string{
		"event_name":          {role.EventName, "GetObject"},
		"identity_type":       {id.Type, "AssumedRole"},
		"access_key_id":       {id.AccessKeyID, "ASIAXEXAMPLEATTACK01"},
		"session_issuer_arn":  {id.SessionIssuerARN, "arn:aws:iam::493812077610:role/infra-admin"},
		"source_identity":     {id.SourceIdentity, "alice"},
		"event_category":      {role.EventCategory, "Data"},
		"request_parameters":  {role.RequestParameters, `{"bucketName":"acme-prod-customer-data","Host":"acme-prod-customer-data.s3.amazonaws.com","key":"exports/customers-2025-03.csv"}`},
		"event_time":          {role.EventTime.Format("2006-01-02T15:04:05Z07:00"), "2025-03-11T02:10:01Z"},
		"session_created":     {id.SessionCreationDate.Format("15:04:05"), "02:40:01"},
		"response_elements":   {role.ResponseElements, ""},
		"user_agent":          {role.UserAgent, "[Boto3/1.34.11 md/Botocore#1.34.11 Pacu]"},
		"shared_event_id svc": {evs[2].SharedEventID, "5b7e1f0a-9c3d-4e2b-8a61-7d4c0e9f1b22"},
		"invoked_by":          {evs[2].Identity.InvokedBy, "lambda.amazonaws.com"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if id.MFAAuthenticated == nil || *id.MFAAuthenticated {
		t.Errorf("mfa = %v, want false", id.MFAAuthenticated)
	}
	if role.ReadOnly == nil || !*role.ReadOnly || role.ManagementEvent == nil || *role.ManagementEvent {
		t.Errorf("readOnly %v managementEvent %v", role.ReadOnly, role.ManagementEvent)
	}

	// Athena's SELECT * output: lower-case names, nested documents as strings.
	_, ath := readFixture(t, fr, filepath.Join("testdata", "formats", "athena.jsonl"))
	a := ath[1]
	if a.EventName != "GetObject" || a.Identity.AccessKeyID != "ASIAXEXAMPLEATTACK01" ||
		a.RequestParameters != role.RequestParameters || a.ReadOnly == nil || !*a.ReadOnly {
		t.Errorf("athena event: name %q key %q params %q readOnly %v", a.EventName, a.Identity.AccessKeyID, a.RequestParameters, a.ReadOnly)
	}
	_, ins := readFixture(t, fr, filepath.Join("testdata", "formats", "insight.json.gz"))
	if !ins[0].Insight {
		t.Errorf("insight event not marked")
	}
}

func TestDigestRecognised(t *testing.T) {
	fr := newFileReader()
	dir := filepath.Join("testdata", "formats", "AWSLogs", "493812077610", "CloudTrail-Digest", "us-east-1", "2025", "03", "10")
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 1 {
		t.Fatalf("digest fixture: %v", err)
	}
	res, evs := readFixture(t, fr, filepath.Join(dir, ents[0].Name()))
	if len(evs) != 0 || res.source.Status != statusDigest || res.source.Format != FormatDigest {
		t.Fatalf("digest: %d events, status %q, format %q", len(evs), res.source.Status, res.source.Format)
	}
}
