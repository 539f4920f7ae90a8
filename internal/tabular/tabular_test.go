package tabular

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"

	"github.com/trailsleuth/trailsleuth/internal/store"
)

func TestSafeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"ListBuckets", "ListBuckets"},
		{"aws-cli/2.15.0", "aws-cli/2.15.0"},
		{`=HYPERLINK("http://evil.example/","x")`, `'=HYPERLINK("http://evil.example/","x")`},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"-2+3", "'-2+3"},
		// Controls are escaped first: the cell starts with a backslash.
		{"\t=1+1", `\t=1+1`},
		{"\r=1+1", `\r=1+1`},
		{"a\nb\x1b]0;x\x07", `a\nb\x1b]0;x\x07`},
		{"\u202e=1", `\u202e=1`},
		{"-", "'-"},
		{"+", "'+"},
		{"-Inf", "'-Inf"},
		{"-NaN", "'-NaN"},
		{"-1e", "'-1e"},
		{"-.", "'-."},
		{"--5", "'--5"},
		{"-5-", "'-5-"},
		// Plain numbers are numbers, not formulas.
		{"-2", "-2"},
		{"+3.5", "+3.5"},
		{"-1e-3", "-1e-3"},
		{"-.5", "-.5"},
		{"42", "42"},
		// Only the first character matters to a spreadsheet.
		{"a=1", "a=1"},
		{" =1", " =1"},
	}
	for _, tt := range tests {
		if got := SafeCell(tt.in); got != tt.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestWriteCSVEscapes: query --format csv defuses hostile values in cells
// and column names, and leaves numbers alone.
func TestWriteCSVEscapes(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().QueryContext(ctx, `SELECT * FROM (VALUES
		('=HYPERLINK("http://evil.example/","x")', -2, '+cmd'),
		('@SUM(1+1)', 3, '-2+3')) AS t(ua, "=n", msg)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b bytes.Buffer
	n, err := Write(&b, "csv", rows)
	if err != nil || n != 2 {
		t.Fatalf("write: %d rows, %v", n, err)
	}
	got, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"ua", "'=n", "msg"},
		{`'=HYPERLINK("http://evil.example/","x")`, "-2", "'+cmd"},
		{"'@SUM(1+1)", "3", "'-2+3"},
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d col %d = %q, want %q", i, j, got[i][j], want[i][j])
			}
		}
	}
}
