package timeline

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests check each record against its format's documented required
// fields and types. The lists are written here from the documentation, not
// taken from the code under test.

// decodeLines parses JSON lines, keeping numbers as json.Number so integer
// fields can be told from floats.
func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for i, line := range lines(out) {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line %d is not a JSON object: %v", i+1, err)
		}
		recs = append(recs, m)
	}
	if len(recs) == 0 {
		t.Fatal("no records")
	}
	return recs
}

// get follows a dotted path through nested objects.
func get(m map[string]any, path string) (any, bool) {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = o[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

type check func(v any) bool

func isString(v any) bool { s, ok := v.(string); return ok && s != "" }
func isObject(v any) bool { o, ok := v.(map[string]any); return ok && len(o) > 0 }
func isBool(v any) bool   { _, ok := v.(bool); return ok }
func isStringList(v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, x := range l {
		if _, ok := x.(string); !ok {
			return false
		}
	}
	return true
}
func isInt(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Int64()
	return err == nil
}
func intOf(v any) int64 { n, _ := v.(json.Number).Int64(); return n }
func oneOf(vals ...string) check {
	return func(v any) bool { s, ok := v.(string); return ok && slices.Contains(vals, s) }
}
func listOf(vals ...string) check {
	return func(v any) bool {
		l, ok := v.([]any)
		if !ok || len(l) == 0 {
			return false
		}
		for _, x := range l {
			if s, ok := x.(string); !ok || !slices.Contains(vals, s) {
				return false
			}
		}
		return true
	}
}
func intIn(vals ...int64) check {
	return func(v any) bool { return isInt(v) && slices.Contains(vals, intOf(v)) }
}
func isTime(layout string) check {
	return func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := time.Parse(layout, s)
		return err == nil
	}
}

func requireFields(t *testing.T, format string, i int, rec map[string]any, fields map[string]check) {
	t.Helper()
	for path, ok := range fields {
		v, present := get(rec, path)
		if !present {
			t.Errorf("%s record %d: required %s missing", format, i+1, path)
		} else if !ok(v) {
			t.Errorf("%s record %d: %s = %#v has the wrong type or value", format, i+1, path, v)
		}
	}
}

// Timesketch, https://timesketch.org/guides/user/import-from-json-csv/
// ("Mandatory fields: message — String with an informative message of the
// event; datetime — ISO8601 format, for example 2015-07-24T19:01:01+00:00;
// timestamp_desc — String explaining what type of timestamp it is"), and
// the importer, timesketch/lib/utils.py: TIMESKETCH_FIELDS = {message,
// datetime, timestamp_desc}; timestamp is microseconds since the epoch;
// tag is a list (in CSV a JSON list or comma-separated string).
var timesketchRequired = map[string]check{
	"message":        isString,
	"datetime":       isTime("2006-01-02T15:04:05.999999-07:00"), // ISO 8601 with a numeric offset
	"timestamp_desc": isString,
}

func TestTimesketchRequired(t *testing.T) {
	db := caseDB(t)
	out, _ := export(t, db, Options{Format: "timesketch", Hits: fixtureHits})
	for i, rec := range decodeLines(t, out) {
		requireFields(t, "timesketch", i, rec, timesketchRequired)
		dt, _ := time.Parse(time.RFC3339Nano, rec["datetime"].(string))
		if ts, ok := rec["timestamp"]; !ok || !isInt(ts) || intOf(ts) != dt.UnixMicro() {
			t.Errorf("record %d: timestamp %v is not datetime %s in microseconds", i+1, ts, dt)
		}
		if !isStringList(rec["tag"]) {
			t.Errorf("record %d: tag %#v is not a list of strings", i+1, rec["tag"])
		}
	}

	out, _ = export(t, db, Options{Format: "timesketch-csv", Hits: fixtureHits})
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	for i, row := range rows[1:] {
		rec := map[string]any{}
		for j, c := range row {
			rec[header[j]] = c
		}
		requireFields(t, "timesketch-csv", i, rec, timesketchRequired)
		var tags []string // Timesketch's _parse_tag_field json.loads a "[...]" cell
		if err := json.Unmarshal([]byte(rec["tag"].(string)), &tags); err != nil {
			t.Errorf("record %d: tag %q is not a JSON list: %v", i+1, rec["tag"], err)
		}
	}
	if len(rows) != 12 {
		t.Errorf("%d CSV rows, want a header and 11 events", len(rows))
	}
}

// ECS 8.11 (https://www.elastic.co/guide/en/ecs/8.11/ecs-field-reference.html)
// has no required field but @timestamp ("required field for all events")
// and ecs.version ("required field and must exist in all events"); the
// categorization fields take only their allowed values (ecs-allowed-values-*).
// Elastic's CloudTrail pipeline (packages/aws/data_stream/cloudtrail/
// elasticsearch/ingest_pipeline/default.yml) sets event.kind "event",
// event.type, event.outcome and ecs.version on every record, and the other
// fields below whenever the CloudTrail record has their source field (which
// every fixture event does).
var ecsRequired = map[string]check{
	"@timestamp":                   isTime(time.RFC3339Nano),
	"ecs.version":                  oneOf("8.11.0"),
	"event.kind":                   oneOf("alert", "asset", "enrichment", "event", "metric", "state", "pipeline_error", "signal"),
	"event.type":                   listOf("access", "admin", "allowed", "change", "connection", "creation", "deletion", "denied", "end", "error", "group", "indicator", "info", "installation", "protocol", "start", "user"),
	"event.outcome":                oneOf("failure", "success", "unknown"),
	"event.action":                 isString,
	"event.provider":               isString,
	"event.id":                     isString,
	"cloud.provider":               oneOf("aws"),
	"cloud.region":                 isString,
	"source.address":               isString,
	"user_agent.original":          isString,
	"aws.cloudtrail.event_version": isString,
}

var ecsCategories = listOf("api", "authentication", "configuration", "database", "driver", "email", "file", "host", "iam",
	"intrusion_detection", "library", "malware", "network", "package", "process", "registry", "session", "threat", "vulnerability", "web")

func TestECSRequired(t *testing.T) {
	db := caseDB(t)
	out, _ := export(t, db, Options{Format: "ecs", Hits: fixtureHits})
	var sawService, sawCategory bool
	for i, rec := range decodeLines(t, out) {
		requireFields(t, "ecs", i, rec, ecsRequired)
		if c, ok := get(rec, "event.category"); ok {
			sawCategory = true
			if !ecsCategories(c) {
				t.Errorf("record %d: event.category %v not an allowed value", i+1, c)
			}
		}
		addr, _ := get(rec, "source.address")
		ip, hasIP := get(rec, "source.ip")
		// source.ip is of type ip: only a real address goes there; a service
		// name stays in source.address, as the pipeline's grok does.
		if isIP := net.ParseIP(addr.(string)) != nil; isIP != hasIP || (hasIP && ip != addr) {
			t.Errorf("record %d: source.address %v, source.ip %v", i+1, addr, ip)
		}
		if !hasIP {
			sawService = true
		}
		if v, ok := get(rec, "aws.cloudtrail.read_only"); ok && !isBool(v) {
			t.Errorf("record %d: read_only = %#v, want a boolean", i+1, v)
		}
		// The integration maps management_event as a keyword.
		if v, ok := get(rec, "aws.cloudtrail.management_event"); ok && !oneOf("true", "false")(v) {
			t.Errorf("record %d: management_event = %#v, want \"true\" or \"false\"", i+1, v)
		}
		if v, ok := get(rec, "aws.cloudtrail.request_parameters"); ok && !json.Valid([]byte(v.(string))) {
			t.Errorf("record %d: request_parameters is not JSON text", i+1)
		}
	}
	if !sawService || !sawCategory {
		t.Errorf("fixture lacks a service-name source (%v) or a categorized action (%v)", sawService, sawCategory)
	}
}

// OCSF 1.1.0 (https://schema.ocsf.io/1.1.0/): the base event requires
// activity_id, category_uid, class_uid, metadata, severity_id, time and
// type_uid (= class_uid*100 + activity_id); metadata requires product and
// version; product requires vendor_name (1.1.0; later versions require
// name — both are checked); the cloud profile requires cloud, and cloud
// requires provider. Per class: API Activity (6003, category 6) requires
// actor, api and src_endpoint, and api requires operation; Authentication
// (3002) and Account Change (3001), category 3, require user.
var ocsfBaseRequired = map[string]check{
	"activity_id":                  isInt,
	"category_uid":                 intIn(3, 6),
	"class_uid":                    intIn(3001, 3002, 6003),
	"metadata":                     isObject,
	"metadata.version":             oneOf("1.1.0"),
	"metadata.product":             isObject,
	"metadata.product.name":        isString,
	"metadata.product.vendor_name": isString,
	"severity_id":                  intIn(0, 1, 2, 3, 4, 5, 6, 99),
	"time":                         isInt,
	"type_uid":                     isInt,
	"cloud":                        isObject,
	"cloud.provider":               isString,
}

var ocsfClassRequired = map[int64]map[string]check{
	6003: {"actor": isObject, "api": isObject, "api.operation": isString, "src_endpoint": isObject},
	3002: {"user": isObject},
	3001: {"user": isObject},
}

// ocsfActivities are each class's activity_id enum in 1.1.0.
var ocsfActivities = map[int64][]int64{
	6003: {0, 1, 2, 3, 4, 99},
	3002: {0, 1, 2, 3, 4, 5, 99},
	3001: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99},
}

func TestOCSFRequired(t *testing.T) {
	db := caseDB(t)
	out, _ := export(t, db, Options{Format: "ocsf", Hits: fixtureHits})
	classes := map[int64]int{}
	for i, rec := range decodeLines(t, out) {
		requireFields(t, "ocsf", i, rec, ocsfBaseRequired)
		class := intOf(rec["class_uid"])
		classes[class]++
		requireFields(t, "ocsf", i, rec, ocsfClassRequired[class])
		act := intOf(rec["activity_id"])
		if !slices.Contains(ocsfActivities[class], act) {
			t.Errorf("record %d: activity_id %d not in class %d's enum", i+1, act, class)
		}
		if intOf(rec["type_uid"]) != class*100+act {
			t.Errorf("record %d: type_uid %d != %d*100+%d", i+1, intOf(rec["type_uid"]), class, act)
		}
		if intOf(rec["category_uid"]) != class/1000 {
			t.Errorf("record %d: category_uid %d for class %d", i+1, intOf(rec["category_uid"]), class)
		}
		if ms := intOf(rec["time"]); ms < 1e12 || ms > math.MaxInt64/1000 {
			t.Errorf("record %d: time %d is not epoch milliseconds", i+1, ms)
		}
		if a, ok := rec["actor"].(map[string]any); ok && class == 6003 {
			// actor: at least one of process, user, invoked_by, session, app_name, app_uid
			if a["user"] == nil && a["invoked_by"] == nil && a["session"] == nil && a["process"] == nil {
				t.Errorf("record %d: actor has none of user, invoked_by, session, process", i+1)
			}
		}
		if s, ok := rec["status_id"]; ok && !intIn(0, 1, 2, 99)(s) {
			t.Errorf("record %d: status_id %v", i+1, s)
		}
	}
	// The fixture covers every class: console sign-ins and AssumeRole,
	// IAM changes, and other API calls.
	if classes[6003] == 0 || classes[3002] == 0 || classes[3001] == 0 {
		t.Errorf("classes written: %v", classes)
	}
}

// TestOCSFClasses pins the routing and activities for the fixture events.
func TestOCSFClasses(t *testing.T) {
	tests := []struct {
		name         string
		class        *ocsfClass
		activity     int
		activityName string
	}{
		{"ConsoleLogin", authentication, 1, "Logon"},
		{"AssumeRoleWithSAML", authentication, 1, "Logon"},
		{"CheckMfa", authentication, 99, "Other"},
		{"CreateUser", accountChange, 1, "Create"},
		{"EnableMFADevice", accountChange, 1, "Create"},
		{"ChangePassword", accountChange, 3, "Password Change"},
		{"AttachUserPolicy", accountChange, 7, "Attach Policy"},
		{"PutUserPolicy", accountChange, 7, "Attach Policy"},
		{"DetachRolePolicy", accountChange, 8, "Detach Policy"},
		{"DeleteAccessKey", accountChange, 6, "Delete"},
		{"DeleteAccountAlias", accountChange, 99, "Other"},
		{"UpdateAccessKey", accountChange, 99, "Other"},
		{"RunInstances", apiActivity, 1, "Create"},
		{"GetObject", apiActivity, 2, "Read"},
		{"DescribeInstances", apiActivity, 2, "Read"},
		{"StopLogging", apiActivity, 3, "Update"},
		{"PutBucketPolicy", apiActivity, 3, "Update"},
		{"TerminateInstances", apiActivity, 4, "Delete"},
		{"Decrypt", apiActivity, 99, "Other"},
	}
	for _, tt := range tests {
		c := classOf(tt.name)
		if act := c.activity(tt.name); c != tt.class || act != tt.activity || c.activities[act] != tt.activityName {
			t.Errorf("%s: class %s activity %d %q, want %s %d %q", tt.name, c.name, act, c.activities[act], tt.class.name, tt.activity, tt.activityName)
		}
	}
}
