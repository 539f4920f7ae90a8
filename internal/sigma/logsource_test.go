package sigma

import (
	"errors"
	"strings"
	"testing"
)

// Rules over S3 access and flow logs compile to their tables' columns,
// refuse unknown fields, and are case-database only.
func TestLogSourceCompile(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // substrings of the SQL
		err        error
	}{
		{"s3 detection", `title: t
logsource: {product: aws, service: s3}
detection:
  sel: {operation: REST.GET.OBJECT, httpstatus: '200'}
  condition: sel
`, []string{"FROM (SELECT *, 's3access:' || source_id", "FROM s3_access) AS log_records", "lower(operation) = 'rest.get.object'", `CAST("httpstatus" AS VARCHAR)`}, nil},
		{"flow detection", `title: t
logsource: {product: aws, service: vpcflow}
detection:
  sel: {action: REJECT, dstport: 22}
  condition: sel
`, []string{"FROM flow_logs) AS log_records", "start_time AS event_time", "lower(action) = 'reject'"}, nil},
		{"unknown field", `title: t
logsource: {product: aws, service: s3}
detection:
  sel: {eventName: GetObject}
  condition: sel
`, nil, errUnknownLogField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := parseOne(t, tt.yaml)
			if err := r.Applicable(); err != nil {
				t.Fatal(err)
			}
			q, err := Compile(r, DuckDB, CompileOptions{Table: "scratch_events"})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(q, w) {
					t.Errorf("SQL lacks %q:\n%s", w, q)
				}
			}
			if strings.Contains(q, "scratch_events") {
				t.Errorf("a log rule read the events table:\n%s", q)
			}
			if _, err := Compile(r, Athena, CompileOptions{}); !errors.Is(err, ErrCaseOnly) {
				t.Errorf("athena: %v", err)
			}
		})
	}
}
