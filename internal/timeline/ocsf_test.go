package timeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailsleuth/trailsleuth/internal/ingest"
	"github.com/trailsleuth/trailsleuth/internal/ingest/ingesttest"
	"github.com/trailsleuth/trailsleuth/internal/sqlquote"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

var (
	ocsfOnce   sync.Once
	ocsfShared *ocsfSchema
)

// ocsf11 is the vendored OCSF 1.1.0 schema, compiled for the three classes
// the export writes.
func ocsf11(t testing.TB) *ocsfSchema {
	ocsfOnce.Do(func() {
		ocsfShared = loadOCSF(t, filepath.Join("testdata", "ocsf-1.1.0"),
			"events/application/api_activity.json", "events/iam/authentication.json", "events/iam/account_change.json")
	})
	return ocsfShared
}

// ocsfReport validates every record of an ocsf export and counts errors and
// warnings by kind.
type ocsfReport struct {
	records, failed int
	errors          map[string]int // "kind path" → count
	warnings        map[string]int
	examples        []string
}

func validateExport(t *testing.T, s *ocsfSchema, out string) ocsfReport {
	t.Helper()
	rep := ocsfReport{errors: map[string]int{}, warnings: map[string]int{}}
	for _, rec := range decodeLines(t, out) {
		rep.records++
		res := s.validate(rec)
		if len(res.errors) > 0 {
			rep.failed++
			if len(rep.examples) < 5 {
				b, _ := json.Marshal(rec)
				rep.examples = append(rep.examples, fmt.Sprintf("%v\n%s", res.errors, b))
			}
		}
		for _, e := range res.errors {
			rep.errors[e.kind+" "+genericPath(e.path)]++
		}
		for _, w := range res.warnings {
			rep.warnings[w.kind+" "+genericPath(w.path)]++
		}
	}
	return rep
}

// genericPath drops array indexes so counts group by attribute.
func genericPath(p string) string {
	var b strings.Builder
	skip := false
	for _, r := range p {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (r ocsfReport) summary() string {
	keys := func(m map[string]int) string {
		var out []string
		for k, n := range m {
			out = append(out, fmt.Sprintf("%6d %s", n, k))
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	return fmt.Sprintf("%d records, %d with errors\nerrors:\n%s\nwarnings:\n%s", r.records, r.failed, keys(r.errors), keys(r.warnings))
}

// requireValid fails on any error, and on the warnings the export must not
// raise: an enum sibling that disagrees with its caption, or "Other"
// repeated for 99 instead of the source's own activity.
func requireValid(t *testing.T, what string, rep ocsfReport) {
	t.Helper()
	if rep.records == 0 {
		t.Fatalf("%s: no records", what)
	}
	t.Logf("%s: %s", what, rep.summary())
	if rep.failed > 0 {
		t.Errorf("%s: %d of %d records fail OCSF 1.1.0 validation; first:\n%s", what, rep.failed, rep.records, strings.Join(rep.examples, "\n"))
	}
	for k := range rep.warnings {
		if strings.HasPrefix(k, "attribute_enum_sibling") {
			t.Errorf("%s: warning %s", what, k)
		}
	}
}

func TestOCSFValidFixture(t *testing.T) {
	out, _ := export(t, caseDB(t), Options{Format: "ocsf", Hits: fixtureHits})
	requireValid(t, "fixture", validateExport(t, ocsf11(t), out))
}

// ingestDirs builds a case from the given folders, as trailsleuth ingest.
func ingestDirs(t *testing.T, dirs ...string) *sql.DB {
	t.Helper()
	st, _ := ingesttest.Case(t, ingest.Options{}, dirs...)
	return st.DB()
}

// TestExportsValidExample: every OCSF and ECS record of the bundled
// example incident.
func TestExportsValidExample(t *testing.T) {
	t.Parallel()
	db := ingestDirs(t, filepath.Join(testenv.RepoRoot(t), "examples", "incident"))
	out, sum := export(t, db, Options{Format: "ocsf"})
	if sum.Written < 3000 {
		t.Fatalf("example: %d records", sum.Written)
	}
	requireValid(t, "examples/incident", validateExport(t, ocsf11(t), out))
	requireParquet(t, db, sum.Written)
	out, _ = export(t, db, Options{Format: "ecs"})
	requireECS(t, "examples/incident", out)
}

// TestExportsValidDatasets: the real CloudTrail datasets in ../shared.
func TestExportsValidDatasets(t *testing.T) {
	t.Parallel()
	root := testenv.Shared(t, "datasets")
	var dirs []string
	for _, d := range []string{"invictus-aws-dataset", "stratus-red-team-detonation-logs", "flaws2-defender-logs",
		"awsdocs-cloudtrail-examples", "security-datasets-aws"} {
		dirs = append(dirs, filepath.Join(root, d))
	}
	db := ingestDirs(t, dirs...)
	out, sum := export(t, db, Options{Format: "ocsf"})
	requireValid(t, "shared datasets", validateExport(t, ocsf11(t), out))
	requireParquet(t, db, sum.Written)
	out, _ = export(t, db, Options{Format: "ecs"})
	requireECS(t, "shared datasets", out)
}

// TestExportsValidCtgen: a small ctgen corpus with the attack scenario.
func TestExportsValidCtgen(t *testing.T) {
	t.Parallel()
	bin := testenv.Ctgen(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "-out", dir, "-events", "2500", "-accounts", "2", "-days", "1", "-seed", "7", "-attack")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ctgen: %v\n%s", err, b)
	}
	db := ingestDirs(t, dir)
	out, sum := export(t, db, Options{Format: "ocsf"})
	requireValid(t, "ctgen -attack", validateExport(t, ocsf11(t), out))
	requireParquet(t, db, sum.Written)
	out, _ = export(t, db, Options{Format: "ecs"})
	requireECS(t, "ctgen -attack", out)
}

// TestOCSFValidatorCatches feeds the validator broken records, one fault
// each, and expects that fault's error: a validator that passes everything
// proves nothing.
func TestOCSFValidatorCatches(t *testing.T) {
	s := ocsf11(t)
	db := caseDB(t)
	out, _ := export(t, db, Options{Format: "ocsf", Filter: Filter{EventNames: []string{"GetCallerIdentity"}}})
	recs := decodeLines(t, out)
	if len(recs) != 1 {
		t.Fatalf("%d GetCallerIdentity records", len(recs))
	}
	base := recs[0]
	if res := s.validate(base); len(res.errors) != 0 {
		t.Fatalf("the unbroken record fails: %v", res.errors)
	}
	tests := []struct {
		name  string
		brk   func(m map[string]any)
		kind  string
		path  string
		class string // "" keeps API Activity
	}{
		{"required attribute", func(m map[string]any) { delete(m, "severity_id") }, "attribute_required_missing", "severity_id", ""},
		{"required in an object", func(m map[string]any) { delete(obj2(m, "api"), "operation") }, "attribute_required_missing", "api.operation", ""},
		{"request without uid", func(m map[string]any) {
			obj2(m, "api", "request")["data"] = map[string]any{"a": "b"}
			delete(obj2(m, "api", "request"), "uid")
		}, "attribute_required_missing", "api.request.uid", ""},
		{"unknown attribute", func(m map[string]any) { m["source_ip"] = "1.2.3.4" }, "attribute_unknown", "source_ip", ""},
		{"unknown attribute in an object", func(m map[string]any) { obj2(m, "actor", "user")["arn"] = "x" }, "attribute_unknown", "actor.user.arn", ""},
		{"profile attribute without the profile", func(m map[string]any) { obj2(m, "metadata")["profiles"] = []any{"cloud"} }, "attribute_unknown", "time_dt", ""},
		{"unknown profile", func(m map[string]any) { obj2(m, "metadata")["profiles"] = []any{"cloud", "datetime", "nope"} }, "profile_unknown", "metadata.profiles[2]", ""},
		{"wrong type", func(m map[string]any) { m["time"] = "2025-03-11T02:10:00Z" }, "attribute_wrong_type", "time", ""},
		{"string for boolean", func(m map[string]any) {
			m["actor"].(map[string]any)["session"] = map[string]any{"is_mfa": "false", "issuer": "x"}
		}, "attribute_wrong_type", "actor.session.is_mfa", ""},
		{"object as string", func(m map[string]any) { m["src_endpoint"] = "203.0.113.9" }, "attribute_wrong_type", "src_endpoint", ""},
		{"enum value", func(m map[string]any) { m["activity_id"] = json.Number("7"); m["type_uid"] = json.Number("600307") }, "attribute_enum_value_unknown", "activity_id", ""},
		{"type_uid", func(m map[string]any) { m["type_uid"] = json.Number("600399") }, "type_uid_incorrect", "type_uid", ""},
		{"at_least_one in an object", func(m map[string]any) { m["src_endpoint"] = map[string]any{"domain": "ec2.amazonaws.com"} }, "constraint_failed", "src_endpoint", ""},
		{"at_least_one in user", func(m map[string]any) { obj2(m, "actor")["user"] = map[string]any{"type": "AWSService"} }, "constraint_failed", "actor.user", ""},
		{"at_least_one in resources", func(m map[string]any) { m["resources"] = []any{map[string]any{"type": "AWS::S3::Object"}} }, "constraint_failed", "resources[0]", ""},
		{"at_least_one in the class", func(m map[string]any) { toAuthentication(m); delete(m, "dst_endpoint"); delete(m, "service") }, "constraint_failed", "", "3002"},
		{"max_len", func(m map[string]any) { m["src_endpoint"] = map[string]any{"ip": strings.Repeat("1", 41)} }, "attribute_value_exceeds_max_len", "src_endpoint.ip", ""},
		{"observable reference", func(m map[string]any) {
			m["observables"] = []any{map[string]any{"name": "actor.user.arn", "type_id": json.Number("4")}}
		}, "observable_name_invalid_reference", "observables[0].name", ""},
		{"observable type", func(m map[string]any) {
			m["observables"] = []any{map[string]any{"name": "actor.user.name", "type_id": json.Number("1000")}}
		}, "attribute_enum_value_unknown", "observables[0].type_id", ""},
		{"version", func(m map[string]any) { obj2(m, "metadata")["version"] = "1.3.0" }, "version_incompatible", "metadata.version", ""},
		{"unknown class", func(m map[string]any) { m["class_uid"] = json.Number("4001") }, "class_uid_unknown", "class_uid", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := clone(t, base)
			tt.brk(m)
			res := s.validate(m)
			for _, e := range res.errors {
				if e.kind == tt.kind && e.path == tt.path {
					return
				}
			}
			t.Errorf("want %s at %q, got %v", tt.kind, tt.path, res.errors)
		})
	}

	// Warnings: "Other" repeated for 99, a sibling that disagrees.
	m := clone(t, base)
	m["activity_id"], m["type_uid"], m["activity_name"] = json.Number("99"), json.Number("600399"), "Other"
	m["status"] = "Failure"
	res := s.validate(m)
	kinds := map[string]bool{}
	for _, w := range res.warnings {
		kinds[w.kind+" "+w.path] = true
	}
	if !kinds["attribute_enum_sibling_suspicious_other activity_name"] || !kinds["attribute_enum_sibling_incorrect status"] {
		t.Errorf("sibling warnings: %v", res.warnings)
	}
}

// obj2 follows keys through nested objects of a decoded record.
func obj2(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// toAuthentication turns the API Activity record into an Authentication one.
func toAuthentication(m map[string]any) {
	m["class_uid"], m["category_uid"], m["activity_id"], m["type_uid"] = json.Number("3002"), json.Number("3"), json.Number("1"), json.Number("300201")
	m["class_name"], m["category_name"], m["activity_name"], m["type_name"] = "Authentication", "Identity & Access Management", "Logon", "Authentication: Logon"
	m["user"] = map[string]any{"name": "alice"}
	delete(m, "resources")
}

func clone(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOCSFEdgeCases: CloudTrail shapes the datasets may not hold, mapped
// and validated one by one.
func TestOCSFEdgeCases(t *testing.T) {
	s := ocsf11(t)
	base := func() *Record {
		return &Record{EventID: "e1", Time: time.Date(2025, 3, 11, 2, 0, 0, 0, time.UTC), EventVersion: "1.09",
			EventName: "DescribeInstances", EventSource: "ec2.amazonaws.com", Region: "us-east-1",
			EventType: "AwsApiCall", EventCategory: "Management", RecipientAcct: "111122223333", RequestID: "r1"}
	}
	tests := []struct {
		name  string
		rec   func(r *Record)
		check map[string]any // dotted path → value (nil: absent)
	}{
		{"AWS service caller", func(r *Record) {
			r.IdentityType, r.InvokedBy, r.SourceIP, r.UserAgent = "AWSService", "autoscaling.amazonaws.com", "autoscaling.amazonaws.com", "autoscaling.amazonaws.com"
		}, map[string]any{"src_endpoint.svc_name": "autoscaling.amazonaws.com", "actor.user.name": "autoscaling.amazonaws.com", "actor.invoked_by": "autoscaling.amazonaws.com"}},
		{"AWS Internal", func(r *Record) {
			r.IdentityType, r.AccountID, r.SourceIP = "AWSAccount", "444455556666", "AWS Internal"
		},
			map[string]any{"src_endpoint.svc_name": "AWS Internal", "src_endpoint.domain": nil, "actor.user.account.uid": "444455556666"}},
		{"no sourceIPAddress, a service acted", func(r *Record) { r.IdentityType, r.InvokedBy = "AWSService", "lambda.amazonaws.com" },
			map[string]any{"src_endpoint.svc_name": "lambda.amazonaws.com"}},
		{"no sourceIPAddress, a VPC endpoint", func(r *Record) { r.IdentityType, r.PrincipalID, r.VPCEndpointID = "AssumedRole", "AROA1:s", "vpce-1" },
			map[string]any{"src_endpoint.uid": "vpce-1", "actor.user.uid": "AROA1:s"}},
		{"no source, no identity", func(r *Record) {}, map[string]any{"src_endpoint.name": "unknown", "actor.user.name": "unknown"}},
		{"request parameters without requestID", func(r *Record) {
			r.RequestID, r.RequestParams, r.SourceIP, r.UserARN = "", `{"instancesSet":{}}`, "192.0.2.1", "arn:aws:iam::1:user/u"
		}, map[string]any{"api.request": nil, "unmapped.requestParameters": map[string]any{"instancesSet": map[string]any{}}}},
		{"resources by ARN prefix", func(r *Record) {
			r.EventName, r.EventSource, r.SourceIP, r.UserARN = "ListObjects", "s3.amazonaws.com", "192.0.2.1", "arn:aws:iam::1:user/u"
			r.Resources = `[{"type":"AWS::S3::Object","ARNPrefix":"arn:aws:s3:::b/logs/"},{"accountId":"1","type":"AWS::S3::Bucket"}]`
		}, map[string]any{"resources": []any{map[string]any{"type": "AWS::S3::Object", "uid": "arn:aws:s3:::b/logs/"}},
			"unmapped.resources": []any{map[string]any{"account_id": "1", "type": "AWS::S3::Bucket"}}}},
		{"activity 99 keeps the source's activity", func(r *Record) { r.EventName, r.SourceIP, r.UserName = "Decrypt", "192.0.2.1", "u" },
			map[string]any{"activity_id": json.Number("99"), "activity_name": "Decrypt", "type_name": "API Activity: Other"}},
		{"sign-in with no identity", func(r *Record) {
			r.EventName, r.EventSource, r.SourceIP = "ConsoleLogin", "signin.amazonaws.com", "192.0.2.1"
		},
			map[string]any{"class_uid": json.Number("3002"), "user.account.uid": "111122223333", "service.name": "signin.amazonaws.com"}},
		{"account change by the caller", func(r *Record) {
			r.EventName, r.EventSource, r.IdentityType, r.PrincipalID, r.SourceIP = "ChangePassword", "iam.amazonaws.com", "IAMUser", "AIDA1", "192.0.2.1"
		}, map[string]any{"class_uid": json.Number("3001"), "user.uid": "AIDA1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.rec(r)
			b, err := json.Marshal(ocsfObject(r))
			if err != nil {
				t.Fatal(err)
			}
			rec := decodeLines(t, string(b))[0]
			if res := s.validate(rec); len(res.errors) > 0 {
				t.Errorf("errors: %v\n%s", res.errors, b)
			}
			for path, want := range tt.check {
				got, ok := get(rec, path)
				if want == nil {
					if ok {
						t.Errorf("%s = %v, want it absent", path, got)
					}
					continue
				}
				if gb, wb := fmt.Sprint(got), fmt.Sprint(want); !ok || gb != wb {
					t.Errorf("%s = %v, want %v\n%s", path, got, want, b)
				}
			}
		})
	}
}

// requireParquet exports the case as Security Lake Parquet and checks that
// every record made it, sorted by time within each file.
func requireParquet(t *testing.T, db *sql.DB, want int64) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lake")
	sum, err := ExportParquet(context.Background(), db, dir, Options{Format: ParquetFormat})
	if err != nil {
		t.Fatalf("ocsf-parquet: %v", err)
	}
	var rows, unsorted int64
	q := `SELECT count(*), count(*) FILTER (WHERE time < prev) FROM (
		SELECT time, lag(time) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev
		FROM read_parquet(` + sqlquote.String(filepath.Join(dir, "*", "**", "*.parquet")) + `, filename = true, file_row_number = true))`
	if err := db.QueryRow(q).Scan(&rows, &unsorted); err != nil {
		t.Fatal(err)
	}
	if sum.Written != want || rows != want || unsorted != 0 {
		t.Errorf("ocsf-parquet: %d written, %d rows read back, %d out of time order; want %d", sum.Written, rows, unsorted, want)
	}
}
