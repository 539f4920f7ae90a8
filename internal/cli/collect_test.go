package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/acquire"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// acquireFixture reads a CloudTrail API response from internal/acquire/testdata.
func acquireFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "internal", "acquire", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type collectSummary struct {
	Collect json.RawMessage `json:"collect"`
	Ingest  struct {
		Events        int64  `json:"events"`
		FilesSkipped  int64  `json:"files_skipped"`
		Originals     string `json:"originals"`
		InPlaceEvents int64  `json:"events_in_place"`
		Skipped       []struct {
			Path   string `json:"path"`
			Reason string `json:"reason"`
		} `json:"skipped_files"`
	} `json:"ingest"`
}

func decode(t *testing.T, r result, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.out), v); err != nil {
		t.Fatalf("exit %d, output not JSON: %v\n%s\n%s", r.code, err, r.out, r.errOut)
	}
}

type reportSummary struct {
	Count int `json:"suspicious_event_count"`
	Creds []struct {
		AccessKeyID string `json:"access_key_id"`
	} `json:"compromised_credentials"`
}

func (r reportSummary) keys() []string {
	var k []string
	for _, c := range r.Creds {
		k = append(k, c.AccessKeyID)
	}
	slices.Sort(k)
	return k
}

// skippedAsNotCloudTrail checks that the collector's own files were passed
// over by ingest as JSON without events, not counted as errors.
func skippedAsNotCloudTrail(t *testing.T, s collectSummary, names ...string) {
	t.Helper()
	for _, name := range names {
		if !slices.ContainsFunc(s.Ingest.Skipped, func(sk struct {
			Path   string `json:"path"`
			Reason string `json:"reason"`
		}) bool {
			return filepath.Base(sk.Path) == name && sk.Reason == "json_without_cloudtrail_events"
		}) {
			t.Errorf("%s not skipped as json_without_cloudtrail_events: %+v", name, s.Ingest.Skipped)
		}
	}
}

// TestCollectS3EndToEnd collects examples/incident from a loopback S3
// bucket, ingests the folder, and checks that it investigates exactly
// like the local original.
func TestCollectS3EndToEnd(t *testing.T) {
	ct := testenv.NewCloudTrailAPI(t, map[string]testenv.CloudTrailHandler{
		"ListPublicKeys": func(int, map[string]any) (int, string) {
			return http.StatusOK, `{"PublicKeyList":[{"Value":"MIIBCgKCAQEAnw==","ValidityStartTime":1.7356896E9,"ValidityEndTime":1.7514144E9,"Fingerprint":"3029d1a6c1822bc50117a3b7449a8019"}]}`
		},
	})
	srv := testenv.S3Server(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") != "" {
				ct.ServeHTTP(w, r) // one --endpoint-url serves S3 and CloudTrail
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	example := filepath.Join(testenv.RepoRoot(t), "examples", "incident")
	objects := srv.PutTree(t, "acme-cloudtrail-logs", example)
	dir := t.TempDir()
	out := filepath.Join(dir, "evidence")
	db := filepath.Join(dir, "collected.duckdb")

	r := run(t, "--db", db, "collect", "s3", "s3://acme-cloudtrail-logs", "--endpoint-url", srv.URL,
		"--since", "2025-03-10", "--until", "2025-03-11T23:59:59Z", "--out", out, "--ingest", "--originals", "in-place", "--json")
	var s collectSummary
	decode(t, r, &s)
	// The evidence folder is where the case reads the original events.
	if s.Ingest.Originals != "in-place" || s.Ingest.InPlaceEvents == 0 || s.Ingest.InPlaceEvents != s.Ingest.Events {
		t.Errorf("collect --ingest --originals in-place: originals %q, %d of %d events in place", s.Ingest.Originals, s.Ingest.InPlaceEvents, s.Ingest.Events)
	}
	var res acquire.S3Result
	if err := json.Unmarshal(s.Collect, &res); err != nil {
		t.Fatal(err)
	}
	if r.code != 0 || res.Fetched != len(objects) || res.Failed != 0 || res.PublicKeys != 1 {
		t.Fatalf("collect: exit %d, %d of %d fetched, %d failed, %d keys\n%s", r.code, res.Fetched, len(objects), res.Failed, res.PublicKeys, r.errOut)
	}
	skippedAsNotCloudTrail(t, s, acquire.ManifestName, acquire.PublicKeysName)

	// The folder ingests as it is, with the same events as the original.
	orig := filepath.Join(dir, "original.duckdb")
	var a, b collectSummary
	decode(t, run(t, "--db", orig, "ingest", "--json", example), &a.Ingest)
	decode(t, run(t, "--db", filepath.Join(dir, "again.duckdb"), "ingest", "--json", out), &b.Ingest)
	if a.Ingest.Events == 0 || s.Ingest.Events != a.Ingest.Events || b.Ingest.Events != a.Ingest.Events || b.Ingest.FilesSkipped != 2 {
		t.Errorf("events: --ingest %d, ingest DIR %d (%d skipped), original %d", s.Ingest.Events, b.Ingest.Events, b.Ingest.FilesSkipped, a.Ingest.Events)
	}
	var got, want reportSummary
	decode(t, run(t, "--db", db, "-q", "investigate", "--format", "json"), &got)
	decode(t, run(t, "--db", orig, "-q", "investigate", "--format", "json"), &want)
	if want.Count == 0 || got.Count != want.Count || !slices.Equal(got.keys(), want.keys()) {
		t.Errorf("investigation of the collected folder: %d events, keys %v; of the original: %d, %v", got.Count, got.keys(), want.Count, want.keys())
	}

	// Resumed: nothing to fetch the second time.
	r = run(t, "--db", db, "collect", "s3", "s3://acme-cloudtrail-logs", "--endpoint-url", srv.URL,
		"--since", "2025-03-10", "--until", "2025-03-11T23:59:59Z", "--out", out)
	if r.code != 0 || !strings.Contains(r.out, "0 objects fetched (0.0 MB), "+itoa(len(objects))+" already present, 0 failed") {
		t.Errorf("second run: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func lookupAPI(t *testing.T) string {
	page1, page2 := acquireFixture(t, "lookup-events/page1.json"), acquireFixture(t, "lookup-events/page2.json")
	var p1 struct{ NextToken string }
	if err := json.Unmarshal([]byte(page1), &p1); err != nil {
		t.Fatal(err)
	}
	var throttled atomic.Int64
	_, url := testenv.CloudTrailServer(t, map[string]testenv.CloudTrailHandler{
		"LookupEvents": func(_ int, req map[string]any) (int, string) {
			if req["NextToken"] == nil {
				return http.StatusOK, page1
			}
			if req["NextToken"] != p1.NextToken {
				return testenv.CloudTrailError("InvalidNextTokenException", "bad token")
			}
			if throttled.Add(1) == 1 {
				return testenv.CloudTrailError("ThrottlingException", "Rate exceeded")
			}
			return http.StatusOK, page2
		},
	})
	return url
}

// TestCollectLookupEndToEnd collects LookupEvents pages (one throttled)
// and investigates the access key they belong to.
func TestCollectLookupEndToEnd(t *testing.T) {
	url := lookupAPI(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "evidence")
	db := filepath.Join(dir, "case.duckdb")
	r := run(t, "--db", db, "collect", "lookup-events", "--endpoint-url", url, "--region", "us-east-1",
		"--attribute", "AccessKeyId=AKIAHF6L6KQVHSPLEFOS", "--since", "2025-03-10", "--until", "2025-03-12", "--out", out, "--ingest", "--json")
	var s collectSummary
	decode(t, r, &s)
	var res []acquire.LookupRegionResult
	if err := json.Unmarshal(s.Collect, &res); err != nil {
		t.Fatal(err)
	}
	if r.code != 0 || len(res) != 1 || res[0].Events != 12 || s.Ingest.Events != 12 {
		t.Fatalf("collect: exit %d %+v, %d ingested\n%s", r.code, res, s.Ingest.Events, r.errOut)
	}
	for _, w := range []string{"more than 90 days ago", "management and Insights events only"} {
		if !strings.Contains(r.errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
		}
	}
	skippedAsNotCloudTrail(t, s, acquire.ManifestName)
	var again collectSummary
	decode(t, run(t, "--db", filepath.Join(dir, "again.duckdb"), "ingest", "--json", out), &again.Ingest)
	if again.Ingest.Events != 12 || again.Ingest.FilesSkipped != 1 {
		t.Errorf("ingest DIR: %+v", again.Ingest)
	}
	var rep reportSummary
	decode(t, run(t, "--db", db, "-q", "investigate", "--key", "AKIAHF6L6KQVHSPLEFOS", "--format", "json"), &rep)
	if rep.Count != 12 || !slices.Contains(rep.keys(), "AKIAHF6L6KQVHSPLEFOS") {
		t.Errorf("investigation: %d suspicious events, keys %v", rep.Count, rep.keys())
	}
}

func TestCollectLake(t *testing.T) {
	const eds = "arn:aws:cloudtrail:eu-west-1:493812077610:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
	for _, tc := range []struct {
		name     string
		describe string
		code     int
		events   int64
	}{
		{"finished", "lake/describe-finished.json", 0, 4},
		{"failed", "lake/describe-failed.json", ExitError, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sql string
			_, url := testenv.CloudTrailServer(t, map[string]testenv.CloudTrailHandler{
				"StartQuery": func(_ int, req map[string]any) (int, string) {
					sql, _ = req["QueryStatement"].(string)
					return http.StatusOK, acquireFixture(t, "lake/start-query.json")
				},
				"DescribeQuery": func(n int, _ map[string]any) (int, string) {
					if n == 1 {
						return http.StatusOK, acquireFixture(t, "lake/describe-running.json")
					}
					return http.StatusOK, acquireFixture(t, tc.describe)
				},
				"GetQueryResults": func(_ int, req map[string]any) (int, string) {
					if req["NextToken"] == nil {
						return http.StatusOK, acquireFixture(t, "lake/results-page1.json")
					}
					return http.StatusOK, acquireFixture(t, "lake/results-page2.json")
				},
			})
			dir := t.TempDir()
			r := run(t, "--db", filepath.Join(dir, "case.duckdb"), "collect", "lake", "--event-data-store", eds, "--endpoint-url", url,
				"--since", "2025-03-11", "--key", "AKIAHF6L6KQVHSPLEFOS", "--poll", "1ms", "--out", filepath.Join(dir, "ev"), "--ingest", "--json")
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tc.code, r.out, r.errOut)
			}
			if !strings.Contains(sql, "WHERE eventTime >= '2025-03-11 00:00:00' AND userIdentity.accessKeyId IN ('AKIAHF6L6KQVHSPLEFOS')") {
				t.Errorf("SQL sent: %s", sql)
			}
			if tc.code != 0 {
				if !strings.Contains(r.errOut, "ended FAILED: line 1:62: Column 'eventtme' cannot be resolved") {
					t.Errorf("stderr: %s", r.errOut)
				}
				return
			}
			var s collectSummary
			decode(t, r, &s)
			if s.Ingest.Events != tc.events {
				t.Errorf("ingested %d events, want %d\n%s", s.Ingest.Events, tc.events, r.out)
			}
		})
	}
}

func TestCollectUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"collect", "s3", "s3://b"}, "--out is required"},
		{[]string{"collect", "s3", "bucket", "-o", "x"}, "want s3://"},
		{[]string{"collect", "s3", "s3://b", "-o", "x", "--since", "soon"}, "--since"},
		{[]string{"collect", "s3", "s3://b", "-o", "x", "--since", "2025-03-12", "--until", "2025-03-11"}, "is not before --until"},
		{[]string{"collect", "s3", "s3://b", "-o", "x", "--concurrency", "0"}, "--concurrency"},
		{[]string{"collect", "s3", "s3://b", "-o", "x", "--ingest", "--originals", "nearby"}, "unknown --originals"},
		{[]string{"collect", "s3", "s3://b", "-o", "x", "--originals", "in-place"}, "applies to --ingest"},
		{[]string{"collect", "lookup-events", "-o", "x", "--attribute", "Color=red"}, "want one of EventId"},
		{[]string{"collect", "lookup-events", "-o", "x", "--attribute", "EventName=a", "--attribute", "Username=b"}, "one lookup attribute"},
		{[]string{"collect", "lake", "-o", "x"}, "--event-data-store is required"},
		{[]string{"collect", "lake", "-o", "x", "--event-data-store", "eds-1", "--query", "SELECT 1", "--since", "7d"}, "exclude each other"},
		{[]string{"collect", "lake", "-o", "x", "--event-data-store", "arn:aws:s3:::bucket"}, "not an event data store ARN"},
	} {
		r := run(t, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want usage error with %q", tc.args, r.code, r.errOut, tc.want)
		}
	}
}

// TestCollectWithoutCredentials (issue 20, item 7): with no credentials
// anywhere in the chain, collect fails with one line that says so and what
// to do, not the SDK's account of every provider it tried.
func TestCollectWithoutCredentials(t *testing.T) {
	testenv.FakeAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	out := filepath.Join(t.TempDir(), "ev")
	for _, args := range [][]string{
		{"collect", "s3", "s3://acme-trail", "--out", out},
		{"collect", "lookup-events", "--out", out},
		{"collect", "s3", "s3://acme-trail", "--out", out, "--profile", "nosuch"},
	} {
		r := run(t, args...)
		if r.code != ExitError || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, "no AWS credentials") && !strings.Contains(r.errOut, "AWS profile nosuch is not in the shared config files") ||
			strings.Contains(r.errOut, "IMDS") || strings.Contains(r.errOut, "SDK") {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.errOut)
		}
	}
}
