package sigma

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestFootprint: the columns a query reads and the condition on event_name
// its detection implies, for each kind of condition.
func TestFootprint(t *testing.T) {
	cases := []struct {
		name, det string
		guard     string
		cols      []string
	}{
		{"one name", "sel: {eventName: StopLogging}\ncondition: sel",
			"lower(event_name) = 'stoplogging'", []string{"event_name"}},
		{"names and other fields", "sel: {eventSource: s3.amazonaws.com, eventName: [GetObject, PutObject], errorCode: null}\ncondition: sel",
			"lower(event_name) IN ('getobject', 'putobject')", []string{"error_code", "event_name", "event_source"}},
		{"wildcards and cased", "sel: {eventName|startswith: Describe}\nsel2: {eventName|cased: ListUsers}\ncondition: sel or sel2",
			`(event_name = 'ListUsers' OR starts_with(lower(event_name), 'describe'))`, []string{"event_name"}},
		{"AND keeps the parts that have a guard", "sel: {eventName: CreateUser}\nua: {userAgent|contains: kali}\ncondition: sel and ua",
			"lower(event_name) = 'createuser'", []string{"event_name", "user_agent"}},
		{"AND of two name tests", "a: {eventName|startswith: Create}\nb: {eventName|endswith: User}\ncondition: a and b",
			`(ends_with(lower(event_name), 'user') AND starts_with(lower(event_name), 'create'))`, []string{"event_name"}},
		{"OR with a selection that does not test the name", "sel: {eventName: CreateUser}\nua: {userAgent|contains: kali}\ncondition: sel or ua",
			"", []string{"event_name", "user_agent"}},
		{"list of maps, one without the name", "sel:\n  - eventName: CreateUser\n  - userAgent: x\ncondition: sel",
			"", []string{"event_name", "user_agent"}},
		{"list of maps, each with a name", "sel:\n  - {eventName: CreateUser, userAgent: x}\n  - eventName: DeleteUser\ncondition: sel",
			"(lower(event_name) = 'createuser' OR lower(event_name) = 'deleteuser')", []string{"event_name", "user_agent"}},
		{"1 of", "a: {eventName: A}\nb: {eventName: B}\ncondition: 1 of a*",
			"lower(event_name) = 'a'", []string{"event_name"}},
		{"1 of several", "s1: {eventName: A}\ns2: {eventName: B}\ncondition: 1 of s*",
			"(lower(event_name) = 'a' OR lower(event_name) = 'b')", []string{"event_name"}},
		{"nothing follows from NOT", "sel: {eventName: A}\ncondition: not sel",
			"", []string{"event_name"}},
		{"a NOT beside a guard", "sel: {eventName: A}\nf: {eventName: B}\ncondition: sel and not f",
			"lower(event_name) = 'a'", []string{"event_name"}},
		{"null name", "sel: {eventName: null}\ncondition: sel",
			"event_name IS NULL", []string{"event_name"}},
		{"keyword", "kw: [evil]\ncondition: kw", "", []string{"raw"}},
		{"fieldref is not a test of the name alone", "sel: {eventName|fieldref: eventSource}\ncondition: sel",
			"", []string{"event_name", "event_source"}},
		{"JSON paths, event id and raw paths", "sel: {eventName: A, requestParameters.userName: x, eventID: e1, tlsDetails.tlsVersion: y, userIdentity.sessionContext.attributes.creationDate: z}\ncondition: sel",
			"lower(event_name) = 'a'", []string{"event_id_synthetic", "event_name", "raw", "request_parameters", "tls_details"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := parseOne(t, header+indent(c.det))
			fp, err := DuckDBFootprint(r, CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if fp.NameGuard != c.guard {
				t.Errorf("guard %q, want %q", fp.NameGuard, c.guard)
			}
			want := append([]string{"event_id", "event_time"}, c.cols...)
			slices.Sort(want)
			want = slices.Compact(want)
			if !slices.Equal(fp.Columns, want) {
				t.Errorf("columns %v, want %v", fp.Columns, want)
			}
		})
	}
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") + "\n" }

// TestFootprintCorrelation: a correlation reads its bases' columns and its
// group-by and value fields; its guard is the OR of its bases' guards, and
// there is none when one base has none.
func TestFootprintCorrelation(t *testing.T) {
	bases := `title: a
id: 00000000-0000-0000-0000-00000000000a
name: a
logsource: {product: aws, service: cloudtrail}
detection: {sel: {eventName: CreateUser}, condition: sel}
---
title: b
id: 00000000-0000-0000-0000-00000000000b
name: b
logsource: {product: aws, service: cloudtrail}
detection: {sel: {eventSource: iam.amazonaws.com, eventName|startswith: Attach}, condition: sel}
---
title: c
id: 00000000-0000-0000-0000-00000000000c
name: c
logsource: {product: aws, service: cloudtrail}
detection: {sel: {userAgent|contains: kali}, condition: sel}
---
`
	cases := []struct {
		corr  string
		guard string
		cols  []string
	}{
		{"type: temporal\n  rules: [a, b]\n  group-by: [userIdentity.arn]\n  timespan: 1h",
			`(lower(event_name) = 'createuser' OR starts_with(lower(event_name), 'attach'))`,
			[]string{"event_id", "event_name", "event_source", "event_time", "user_arn"}},
		{"type: value_count\n  rules: [a, c]\n  group-by: [sourceIPAddress]\n  timespan: 1h\n  condition: {field: requestParameters.userName, gte: 2}",
			"",
			[]string{"event_id", "event_name", "event_time", "request_parameters", "source_ip", "user_agent"}},
	}
	for _, c := range cases {
		rules, err := Parse([]byte(bases+"title: corr\nid: 00000000-0000-0000-0000-0000000000cc\ncorrelation:\n  "+c.corr+"\n"), "corr.yml")
		if err != nil {
			t.Fatal(err)
		}
		fp, err := DuckDBFootprint(rules[len(rules)-1], CompileOptions{EventsOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if fp.NameGuard != c.guard || !slices.Equal(fp.Columns, c.cols) {
			t.Errorf("%s:\nguard %q, want %q\ncolumns %v, want %v", c.corr, fp.NameGuard, c.guard, fp.Columns, c.cols)
		}
	}
}

// TestNameGuardHolds: on real and crafted events, every event a rule's
// query returns satisfies its name guard, and the query reads no column
// outside its footprint (it runs on a table holding only those).
func TestNameGuardHolds(t *testing.T) {
	var paths []string
	for _, d := range []string{"stratus-red-team-detonation-logs", "invictus-aws-dataset", "flaws2-defender-logs", "awsdocs-cloudtrail-examples"} {
		paths = append(paths, testenv.Shared(t, "datasets", d))
	}
	db := loadCase(t, append(paths, filepath.Join("testdata", "events.jsonl"))...)
	var rules []*Rule
	for _, dir := range []string{
		testenv.Shared(t, "datasets", "sigma-aws-rules", "rules"),
		filepath.Join(testenv.RepoRoot(t), "rules", "aws"),
	} {
		err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yml") {
				return err
			}
			rs, err := ParseFile(p)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
			rules = append(rules, rs...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	guarded, checked := 0, 0
	for _, r := range rules {
		if r.IsCorrelation() {
			continue
		}
		fp, err := DuckDBFootprint(r, CompileOptions{})
		if err != nil {
			continue // rules that do not compile are reported by Compile
		}
		cols := strings.Join(fp.Columns, ", ")
		if _, err := db.st.DB().Exec("CREATE OR REPLACE TABLE fp AS SELECT " + cols + " FROM events"); err != nil {
			t.Fatal(err)
		}
		q, err := Compile(r, DuckDB, CompileOptions{Table: "fp"})
		if err != nil {
			t.Fatal(err)
		}
		ids := db.sqlIDs(t, q)
		if fp.NameGuard == "" {
			continue
		}
		guarded++
		in := db.sqlIDs(t, "SELECT event_id, event_time FROM events WHERE "+fp.NameGuard)
		for _, id := range ids {
			checked++
			if _, ok := slices.BinarySearch(in, id); !ok {
				t.Errorf("%s: event %s matches the rule but not its guard %s", r.Title, id, fp.NameGuard)
			}
		}
	}
	// The datasets must exercise the guards: most rules have one, and the
	// attack simulations match dozens of them.
	if guarded < len(rules)/2 || checked < 50 {
		t.Errorf("weak check: %d of %d rules guarded, %d matched events checked", guarded, len(rules), checked)
	}
	t.Logf("%d of %d rules guarded, %d matched events checked", guarded, len(rules), checked)
}
