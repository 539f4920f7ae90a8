package report

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trailsleuth/trailsleuth/internal/shell"
	"github.com/trailsleuth/trailsleuth/internal/testenv"
)

// TestFitCommand: a command broken to fit a narrow terminal still runs as
// the same argument vector, whatever its values hold, and every line fits
// (a word is split inside its quoting rather than cut).
func TestFitCommand(t *testing.T) {
	long := strings.Repeat("x", 150)
	argvs := [][]string{
		{"aws", "iam", "update-access-key", "--user-name", "ci-deploy", "--access-key-id", "AKIAHF6L6KQVHSPLEFOS", "--status", "Inactive"},
		{"aws", "iam", "put-role-policy", "--role-name", "infra-admin", "--policy-name", "AWSRevokeOlderSessions", "--policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-06T07:00:00Z"}}}]}`},
		{"trailsleuth", "--db", "/cases/it's here/case.duckdb", "query", "--format", "csv",
			"SELECT event_time, event_name, request_parameters->>'/key' AS object_key, source_ip FROM events WHERE request_parameters->>'/bucketName' = 'acme' ORDER BY event_time"},
		{"aws", "iam", "delete-user", "--user-name", "x$(touch pwned)" + long},
		{"aws", "iam", "delete-user", "--user-name", "it's \"quoted\" " + long},
		{"aws", "iam", "delete-user", "--user-name", "line\nbreak\x1b[31m\u202e" + long},
		{"aws", "s3", "ls", "plain" + long},
	}
	for _, width := range []int{40, 80, 120} {
		var script []string
		for _, argv := range argvs {
			cmd, err := shell.Join(argv...)
			if err != nil {
				t.Fatal(err)
			}
			lines := fitCommand(cmd, "    ", width)
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n > width {
					t.Errorf("width %d: line of %d: %s", width, n, l)
				}
			}
			script = append(script, strings.Join(lines, "\n"))
		}
		res := testenv.RunStubbed(t, strings.Join(script, "\n"), "aws", "trailsleuth", "touch")
		if len(res.Created) > 0 {
			t.Errorf("width %d: files created %v", width, res.Created)
		}
		if !reflect.DeepEqual(res.Calls, argvs) {
			t.Errorf("width %d: ran\n%q\nwant\n%q\nscript:\n%s", width, res.Calls, argvs, strings.Join(script, "\n"))
		}
	}
}

// TestFitColumns: the widest column gives way first, no column goes under
// its floor, and columns that cannot fit are left out.
func TestFitColumns(t *testing.T) {
	tests := []struct {
		natural, floor []int
		width          int
		want           []int
		shown          int
	}{
		{[]int{10, 50, 20}, []int{8, 8, 8}, 100, []int{10, 50, 20}, 3},
		{[]int{10, 50, 20}, []int{8, 8, 8}, 60, []int{10, 26, 20}, 3},
		{[]int{10, 50, 40}, []int{8, 8, 8}, 60, []int{10, 23, 23}, 3},
		{[]int{30, 30, 30}, []int{8, 8, 8}, 20, []int{8, 8, 30}, 2},
		{[]int{70, 36, 20}, []int{20, 20, 20}, 50, []int{20, 20}, 2},
		{[]int{70}, []int{20}, 10, []int{10}, 1},
	}
	for _, tt := range tests {
		got, shown := fitColumns(tt.natural, tt.floor, make([]bool, len(tt.natural)), 0, tt.width)
		if !reflect.DeepEqual(got[:shown], tt.want[:shown]) || shown != tt.shown {
			t.Errorf("fitColumns(%v, %v, %d) = %v, %d; want %v, %d", tt.natural, tt.floor, tt.width, got, shown, tt.want, tt.shown)
		}
	}
}

// TestColumnFloors: a column's floor is its median cell, not its longest.
func TestColumnFloors(t *testing.T) {
	rows := [][]string{{"AKIAHF6L6KQVHSPLEFOS", "1"}, {"AKIAHF6L6KQVH2BL6B2H", "22"}, {"console:" + strings.Repeat("x", 60), "3"}}
	if got := columnFloors([]string{"ACCESS KEY", "N"}, rows, 100); !reflect.DeepEqual(got, []int{20, 2}) {
		t.Errorf("floors %v, want [20 2]", got)
	}
}
